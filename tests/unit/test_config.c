/*
 * test_config.c - lib/config: the key = value parser reads exactly the bytes it is given
 * (no NUL needed), keeps every allow line in order, and refuses each malformed line with
 * FILE:LINE, leaving nothing allocated behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/config.h"
#include "util/err.h"

static void
test_parse_keys(void **state)
{
	static const char text[] = "# comment\n\n  db = /var/lib/ct.db  \r\n\tprefix=acme\n"
	    "sign = /k\nupstream-dns = 127.0.0.1:53\nallow = a.test\n   # indented comment\n"
	    "allow = *.b.test:443\nallow = 10.0.0.0/8 # not a comment";
	struct ct_config c = { 0 };

	assert_int_equal(ct_config_parse(&c, "cfg", text, sizeof(text) - 1), 0);
	assert_string_equal(c.db, "/var/lib/ct.db");
	assert_string_equal(c.prefix, "acme");
	assert_string_equal(c.sign, "/k");
	assert_string_equal(c.upstream_dns, "127.0.0.1:53");
	assert_int_equal(c.nallow, 3);
	assert_string_equal(c.allow[0], "a.test");
	assert_string_equal(c.allow[1], "*.b.test:443");
	assert_string_equal(c.allow[2], "10.0.0.0/8 # not a comment");
	ct_config_release(&c);
	assert_null(c.db);
	assert_int_equal(c.nallow, 0);
}

static void
test_length_not_nul(void **state)
{
	/* the buffer continues past len with a line that would be an error */
	static const char text[] = "prefix = ab\nbogus";
	struct ct_config c = { 0 };

	assert_int_equal(ct_config_parse(&c, "cfg", text, 10), 0);
	assert_string_equal(c.prefix, "a");
	ct_config_release(&c);
	assert_int_equal(ct_config_parse(&c, "cfg", text, 0), 0);
	assert_null(c.prefix);
	assert_int_equal(ct_config_parse(&c, "cfg", text, sizeof(text) - 1), CT_ERR_FORMAT);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), "cfg:2: expected 'key = value'");
	assert_null(c.prefix);	/* released on error */
}

static void
test_errors(void **state)
{
	static const struct {
		const char *text;
		int code;
		const char *msg;
	} cases[] = {
		{ "colour = blue", CT_ERR_FORMAT,
		  "f:1: unknown key 'colour' (db, prefix, sign, upstream-dns, allow)" },
		{ "\n\ndb", CT_ERR_FORMAT, "f:3: expected 'key = value'" },
		{ "prefix = ", CT_ERR_FORMAT, "f:1: 'prefix' has no value" },
		{ "= x", CT_ERR_FORMAT, "f:1: a key is missing before '='" },
		{ "db = a\ndb = b", CT_ERR_FORMAT, "f:2: 'db' is given twice" },
		{ "prefix = a\x01", CT_ERR_FORMAT, "f:1: control character in the line" },
		{ "prefix = a\x7f", CT_ERR_FORMAT, "f:1: control character in the line" },
		{ "averyveryveryveryverylongkeyname = 1", CT_ERR_FORMAT,
		  "f:1: unknown key 'averyveryveryveryverylongkeynam...'" },
	};
	struct ct_config c = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ct_config_parse(&c, "f", cases[i].text, strlen(cases[i].text)),
		    cases[i].code);
		assert_string_equal(ct_errmsg(cases[i].code), cases[i].msg);
		assert_null(c.db);
		assert_int_equal(c.nallow, 0);
	}
	/* a NUL byte inside the given length is a control character too */
	assert_int_equal(ct_config_parse(&c, "f", "db = a\0b", 8), CT_ERR_FORMAT);
}

static void
test_limits(void **state)
{
	struct ct_config c = { 0 };
	char *big;
	size_t i, n;

	/* a line of exactly the maximum is accepted, one byte more is not */
	big = malloc(CT_CONFIG_MAX_LINE + 2);
	assert_non_null(big);
	memcpy(big, "prefix = ", 9);
	memset(big + 9, 'x', CT_CONFIG_MAX_LINE - 9);
	assert_int_equal(ct_config_parse(&c, "f", big, CT_CONFIG_MAX_LINE), 0);
	ct_config_release(&c);
	big[CT_CONFIG_MAX_LINE] = 'x';
	assert_int_equal(ct_config_parse(&c, "f", big, CT_CONFIG_MAX_LINE + 1), CT_ERR_LIMIT);
	free(big);

	/* at most CT_CONFIG_MAX_ALLOW allow lines */
	n = (CT_CONFIG_MAX_ALLOW + 1) * 10;
	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i <= CT_CONFIG_MAX_ALLOW; i++)
		memcpy(big + i * 10, "allow = a\n", 10);
	assert_int_equal(ct_config_parse(&c, "f", big, n - 10), 0);
	assert_int_equal(c.nallow, CT_CONFIG_MAX_ALLOW);
	ct_config_release(&c);
	assert_int_equal(ct_config_parse(&c, "f", big, n), CT_ERR_LIMIT);
	assert_int_equal(c.nallow, 0);
	free(big);
}

static void
test_load_missing(void **state)
{
	struct ct_config c = { 0 };

	assert_int_equal(ct_config_load(&c, "/nonexistent/credtrail/config", 0), 0);
	assert_null(c.path);
	assert_int_equal(ct_config_load(&c, "/dev/null/config", 0), 0);	/* ENOTDIR */
	assert_null(c.path);
	assert_int_equal(ct_config_load(&c, "/dev/null", 0), 0);
	assert_string_equal(c.path, "/dev/null");
	ct_config_release(&c);
	assert_int_equal(ct_config_load(&c, "/", 0), CT_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_keys),
		cmocka_unit_test(test_length_not_nul),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
