/*
 * test_util.c - util/: base64 and hex against RFC 4648 section 10 vectors, the bounded
 * buffer's limits and truncation handling, RFC 3339 parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/enc.h"
#include "util/fs.h"
#include "util/err.h"
#include "util/timeutil.h"

static void
test_b64_rfc4648_vectors(void **state)
{
	static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *std[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
		"Zm9vYmFy" };
	static const char *url[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	uint8_t *dec;
	size_t i, n;
	char *s;

	(void)state;
	for (i = 0; i < 7; i++) {
		assert_int_equal(ct_b64_encode((const uint8_t *)in[i], strlen(in[i]), &s), 0);
		assert_string_equal(s, std[i]);
		free(s);
		assert_int_equal(ct_b64url_encode((const uint8_t *)in[i], strlen(in[i]), &s), 0);
		assert_string_equal(s, url[i]);
		free(s);
		assert_int_equal(ct_b64_decode(std[i], strlen(std[i]), &dec, &n), 0);
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(dec, in[i], n);
		free(dec);
		assert_int_equal(ct_b64url_decode(url[i], strlen(url[i]), &dec, &n), 0);
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(dec, in[i], n);
		free(dec);
	}
}

static void
test_b64_rejects_noncanonical(void **state)
{
	static const char *bad[] = { "Zg=", "Zg", "Zh==", "Z===", "Zm9v!", "Zg==Zg==", "Zm8=x" };
	uint8_t *dec = NULL;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ct_b64_decode(bad[i], strlen(bad[i]), &dec, &n), CT_ERR_FORMAT);
		assert_null(dec);
	}
	/* url alphabet must not accept '+' and '/' */
	assert_int_equal(ct_b64url_decode("a+/b", 4, &dec, &n), CT_ERR_FORMAT);
	/* whitespace only in the standard (PEM) decoder */
	assert_int_equal(ct_b64_decode("Zm9v\nYmFy", 9, &dec, &n), 0);
	assert_int_equal(n, 6);
	free(dec);
	assert_int_equal(ct_b64url_decode("Zm9v Ym", 7, &dec, &n), CT_ERR_FORMAT);
}

static void
test_hex(void **state)
{
	uint8_t *d;
	size_t n;
	char *s;

	(void)state;
	assert_int_equal(ct_hex_encode((const uint8_t *)"\x00\xff\x10", 3, &s), 0);
	assert_string_equal(s, "00ff10");
	free(s);
	assert_int_equal(ct_hex_decode("00FF10", 6, &d, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(d, "\x00\xff\x10", 3);
	free(d);
	assert_int_equal(ct_hex_decode("0g", 2, &d, &n), CT_ERR_FORMAT);
	assert_int_equal(ct_hex_decode("abc", 3, &d, &n), CT_ERR_FORMAT);
}

static void
test_buf_limits_and_truncation(void **state)
{
	const uint8_t *p;
	struct ct_buf b, v;
	uint32_t u32;
	uint64_t u64;
	size_t n;
	char *s;

	(void)state;
	ct_buf_init(&b, 16);
	assert_int_equal(ct_buf_put_u32(&b, 0xdeadbeef), 0);
	assert_int_equal(ct_buf_put_u64(&b, 0x0102030405060708ULL), 0);
	assert_int_equal(ct_buf_put_u32(&b, 1), 0);
	assert_int_equal(ct_buf_put_u8(&b, 1), CT_ERR_LIMIT);	/* 17 > 16 */
	assert_int_equal(b.len, 16);
	assert_int_equal(ct_buf_get_u32(&b, &u32), 0);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(ct_buf_get_u64(&b, &u64), 0);
	assert_true(u64 == 0x0102030405060708ULL);
	ct_buf_release(&b);

	/* a string whose length runs past the data */
	ct_buf_view(&v, "\x00\x00\x00\x05" "abc", 7);
	assert_int_equal(ct_buf_get_string_direct(&v, &p, &n), CT_ERR_FORMAT);
	assert_int_equal(v.off, 0);
	/* a C string must not hold a NUL */
	ct_buf_view(&v, "\x00\x00\x00\x03" "a\0c", 7);
	assert_int_equal(ct_buf_get_cstring(&v, &s, NULL), CT_ERR_FORMAT);
	/* mpint: sign padding */
	ct_buf_init(&b, 0);
	assert_int_equal(ct_buf_put_bignum2_bytes(&b, (const uint8_t *)"\x00\x80\x01", 3), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "\x00\x00\x00\x03\x00\x80\x01", 7);
	ct_buf_release(&b);
}

static void
test_time_parse(void **state)
{
	int64_t us;

	(void)state;
	assert_int_equal(ct_time_parse("1970-01-01T00:00:00Z", 20, &us), 0);
	assert_true(us == 0);
	assert_int_equal(ct_time_parse("2020-09-14T01:19:40Z", 20, &us), 0);
	assert_true(us == 1600046380LL * 1000000);
	/* nanoseconds are truncated to microseconds; space separator; offsets */
	assert_int_equal(ct_time_parse("2020-09-14 01:19:40.123456789Z", 30, &us), 0);
	assert_true(us == 1600046380LL * 1000000 + 123456);
	assert_int_equal(ct_time_parse("2020-09-14T03:19:40+02:00", 25, &us), 0);
	assert_true(us == 1600046380LL * 1000000);
	assert_int_equal(ct_time_parse("2020-09-13T20:19:40-0500", 24, &us), 0);
	assert_true(us == 1600046380LL * 1000000);
	/* refused: no zone, bad day, trailing bytes, truncated */
	assert_int_equal(ct_time_parse("2020-09-14T01:19:40", 19, &us), CT_ERR_FORMAT);
	assert_int_equal(ct_time_parse("2020-02-30T01:19:40Z", 20, &us), CT_ERR_FORMAT);
	assert_int_equal(ct_time_parse("2020-09-14T01:19:40Zx", 21, &us), CT_ERR_FORMAT);
	assert_int_equal(ct_time_parse("2020-09-14T01:19:40Z", 12, &us), CT_ERR_FORMAT);
}

static void
test_duration_parse(void **state)
{
	int64_t s;

	(void)state;
	assert_int_equal(ct_duration_parse("900", &s), 0);
	assert_true(s == 900);
	assert_int_equal(ct_duration_parse("15m", &s), 0);
	assert_true(s == 900);
	assert_int_equal(ct_duration_parse("1h30m", &s), 0);
	assert_true(s == 5400);
	assert_int_equal(ct_duration_parse("", &s), CT_ERR_INVALID);
	assert_int_equal(ct_duration_parse("15x", &s), CT_ERR_INVALID);
	assert_int_equal(ct_duration_parse("-5", &s), CT_ERR_INVALID);
	assert_int_equal(ct_duration_parse("1h5", &s), CT_ERR_INVALID);
}

/* A device target is written in place, never renamed over (that once replaced /dev/null). */
static void
test_write_atomic_device_and_regular(void **state)
{
	char dir[] = "/tmp/ct-test-fs.XXXXXX", link[64], file[64];
	struct stat st;
	uint8_t *d;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/null", dir);
	snprintf(file, sizeof(file), "%s/out", dir);
	assert_int_equal(symlink("/dev/null", link), 0);
	assert_int_equal(ct_write_file_atomic(link, "x", 1, 0644), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* a regular file is replaced whole, with the mode asked for */
	assert_int_equal(ct_write_file_atomic(file, "old", 3, 0600), 0);
	assert_int_equal(ct_write_file_atomic(file, "new!", 4, 0600), 0);
	assert_int_equal(ct_read_file(file, 64, &d, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(d, "new!", 4);
	free(d);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a directory is refused */
	assert_int_equal(ct_write_file_atomic(dir, "x", 1, 0644), CT_ERR_INVALID);
	unlink(link);
	unlink(file);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_rfc4648_vectors),
		cmocka_unit_test(test_b64_rejects_noncanonical),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_buf_limits_and_truncation),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_write_atomic_device_and_regular),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
