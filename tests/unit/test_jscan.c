/*
 * test_jscan.c - the streaming record splitter (every container shape, every read size,
 * resynchronisation after broken records, size and depth limits) and the ct_jdoc parser
 * (strict JSON, lookups, unescaping, minified slices).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/jscan.h"
#include "util/err.h"

struct src {
	const char *p;
	size_t n, off, chunk;
};

static int
rd(void *arg, uint8_t *buf, size_t cap, size_t *got)
{
	struct src *s = arg;
	size_t n = s->n - s->off;

	if (n > cap)
		n = cap;
	if (n > s->chunk)
		n = s->chunk;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	*got = n;
	return 0;
}

/*
 * Split `in` with reads of `chunk` bytes; the result is one line per record:
 * "<offset> <error or ->|<bytes>" joined with '\n'.
 */
static char *
split(const char *in, size_t chunk, enum ct_jscan_mode mode, size_t max)
{
	struct src s = { in, strlen(in), 0, chunk };
	struct ct_jscan *js;
	struct ct_jrec rec;
	size_t cap = 4096, len = 0;
	char *out = calloc(1, cap);
	int r;

	assert_int_equal(ct_jscan_new(&js, mode, max, rd, &s), 0);
	while ((r = ct_jscan_next(js, &rec)) == 1) {
		int k = snprintf(out + len, cap - len, "%llu %s|%.*s\n",
		    (unsigned long long)rec.offset, rec.error != NULL ? rec.error : "-",
		    (int)rec.len, rec.p);

		assert_true(k > 0 && (size_t)k < cap - len);
		len += (size_t)k;
	}
	assert_int_equal(r, 0);
	assert_int_equal(ct_jscan_consumed(js), strlen(in));
	ct_jscan_free(js);
	return out;
}

/* The same answer for every read size from 1 byte up. */
static void
check_split(const char *in, enum ct_jscan_mode mode, size_t max, const char *want)
{
	size_t chunks[] = { 1, 2, 3, 5, 7, 16, 64, 1 << 20 };
	size_t i;
	char *got;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		got = split(in, chunks[i], mode, max);
		assert_string_equal(got, want);
		free(got);
	}
}

static void
test_container_shapes(void **state)
{
	(void)state;
	/* CloudTrail trail file */
	check_split("{\"Records\":[{\"a\":1},{\"b\":\"}]\"}]}",
	    CT_JSCAN_JSON, 0, "12 -|{\"a\":1}\n20 -|{\"b\":\"}]\"}\n");
	/* lookup-events output, pretty, with members after the array */
	check_split("{\n  \"Events\" : [\n    {\"x\": [1, {\"y\": 2}]}\n  ],\n  \"NextToken\": \"t{\"\n}\n",
	    CT_JSCAN_JSON, 0, "21 -|{\"x\": [1, {\"y\": 2}]}\n");
	/* top-level array, JSON lines, concatenated objects, a BOM */
	check_split("\xef\xbb\xbf[ {\"a\":1} ,\n{\"b\":2}]\n{\"c\":3}{\"d\":4}\n\n{\"e\":\"\\\\\"}",
	    CT_JSCAN_JSON, 0,
	    "5 -|{\"a\":1}\n15 -|{\"b\":2}\n24 -|{\"c\":3}\n31 -|{\"d\":4}\n40 -|{\"e\":\"\\\\\"}\n");
	/* a pretty-printed record spanning lines (nested braces indented) */
	check_split("{\n  \"request\" : {\n    \"id\" : \"r1\"\n  }\n}\n{\"type\":\"response\"}\n",
	    CT_JSCAN_JSON, 0,
	    "0 -|{\n  \"request\" : {\n    \"id\" : \"r1\"\n  }\n}\n"
	    "40 -|{\"type\":\"response\"}\n");
	/* a wrapper whose first member is not Records is a record itself */
	check_split("{\"kind\":\"EventList\",\"items\":[{\"a\":1}]}", CT_JSCAN_JSON, 0,
	    "0 -|{\"kind\":\"EventList\",\"items\":[{\"a\":1}]}\n");
}

static void
test_resync_after_broken_records(void **state)
{
	(void)state;
	/* a line cut inside a string, junk, a mismatched bracket, a truncated object */
	check_split("{\"a\":\"cut\n{\"b\":1}\nnot json\n{\"c\":1]\n{\"d\":{\n{\"e\":2}\n{\"f\":3",
	    CT_JSCAN_JSON, 0,
	    "0 newline inside a string|{\"a\":\"cut\n"
	    "10 -|{\"b\":1}\n"
	    "18 not a JSON object or array|not json\n"
	    "27 mismatched bracket|{\"c\":1]\n"
	    "35 record truncated (next line starts a new record)|{\"d\":{\n"
	    "42 -|{\"e\":2}\n"
	    "50 record truncated at end of input|{\"f\":3\n");
	/* inside an array a bad element ends at its bad byte and the next ones survive */
	check_split("[{\"a\":1],{\"b\":2}]", CT_JSCAN_JSON, 0,
	    "1 mismatched bracket|{\"a\":1]\n9 -|{\"b\":2}\n");
	check_split("{\"Records\":[{\"a\":1}", CT_JSCAN_JSON, 0,
	    "12 -|{\"a\":1}\n19 input ends inside a JSON array|\n");
	check_split("  12 true\n", CT_JSCAN_JSON, 0, "2 not a JSON object or array|12 true\n");
}

static void
test_limits(void **state)
{
	char *deep, *got;
	size_t i;

	(void)state;
	/* a record over the limit is skipped without being buffered; its neighbours stay */
	check_split("{\"a\":1}\n{\"big\":\"0123456789012345678901234567890123456789\"}\n{\"b\":2}\n",
	    CT_JSCAN_JSON, 16,
	    "0 -|{\"a\":1}\n8 record larger than the size limit|\n59 -|{\"b\":2}\n");
	check_split("[1,\"s\",{\"k\":[]}]", CT_JSCAN_JSON, 0,
	    "1 -|1\n3 -|\"s\"\n7 -|{\"k\":[]}\n");
	/* 600 levels: reported, not followed into the stack */
	deep = calloc(1, 2000);
	for (i = 0; i < 600; i++)
		deep[i] = '[';
	for (i = 0; i < 600; i++)
		deep[600 + i] = ']';
	strcat(deep, "\n{\"ok\":1}");
	got = split(deep, 1 << 20, CT_JSCAN_JSON, 0);
	/* the top-level array's one element, 598 levels inside it */
	assert_non_null(strstr(got, "1 nested too deeply|[[["));
	assert_non_null(strstr(got, "1201 -|{\"ok\":1}\n"));
	free(got);
	free(deep);
}

static void
test_lines(void **state)
{
	(void)state;
	check_split("a\r\nbb\n\nccc", CT_JSCAN_LINES, 0, "0 -|a\n3 -|bb\n6 -|\n7 -|ccc\n");
	check_split("short\n0123456789012345678901234567890123456789\nend\n", CT_JSCAN_LINES, 16,
	    "0 -|short\n6 record larger than the size limit|\n47 -|end\n");
	check_split("", CT_JSCAN_LINES, 0, "");
	check_split("", CT_JSCAN_JSON, 0, "");
}

static void
test_looks_json(void **state)
{
	(void)state;
	assert_true(ct_jscan_looks_json((const uint8_t *)" \n{", 3));
	assert_true(ct_jscan_looks_json((const uint8_t *)"\xef\xbb\xbf[", 4));
	assert_false(ct_jscan_looks_json((const uint8_t *)"Nov 25 sshd", 11));
	assert_false(ct_jscan_looks_json((const uint8_t *)"   ", 3));
}

static void
test_jdoc_lookups(void **state)
{
	static const char rec[] =
	    "{ \"eventName\" : \"AssumeRole\", \"n\": -1.5e3, \"t\": true, \"f\": \"FALSE\",\n"
	    "  \"userIdentity\": {\"arn\": \"a\\/b\", \"sessionContext\": {\"sourceIdentity\":"
	    " \"caf\\u00e9 \\ud83d\\ude00\\n\"}},\n"
	    "  \"ReadOnly\": null, \"resources\": [ {\"ARN\" : \"x\"} , 1 ], \"e\": {}, \"s\": \"\" }";
	struct ct_jdoc d;
	int i;

	(void)state;
	ct_jdoc_init(&d);
	assert_int_equal(ct_jdoc_parse(&d, (const uint8_t *)rec, strlen(rec)), 0);
	assert_int_equal(ct_jdoc_type(&d, 0), CT_JOBJ);
	assert_string_equal(ct_jdoc_str(&d, ct_jdoc_get(&d, 0, "eventName")), "AssumeRole");
	assert_string_equal(ct_jdoc_str(&d, ct_jdoc_path(&d, 0, "userIdentity.arn")), "a/b");
	assert_string_equal(ct_jdoc_str(&d,
	    ct_jdoc_path(&d, 0, "userIdentity.sessionContext.sourceIdentity")),
	    "caf\xc3\xa9 \xf0\x9f\x98\x80\n");
	/* case-insensitive fallback, and exact names first */
	assert_int_equal(ct_jdoc_type(&d, ct_jdoc_get(&d, 0, "readonly")), CT_JNULL);
	assert_int_equal(ct_jdoc_get(&d, 0, "missing"), -1);
	assert_int_equal(ct_jdoc_type(&d, ct_jdoc_get(&d, 0, "n")), CT_JNUM);
	assert_int_equal(ct_jdoc_bool(&d, ct_jdoc_get(&d, 0, "t")), 1);
	assert_int_equal(ct_jdoc_bool(&d, ct_jdoc_get(&d, 0, "f")), 0);
	assert_int_equal(ct_jdoc_bool(&d, ct_jdoc_get(&d, 0, "n")), -1);
	assert_string_equal(ct_jdoc_json(&d, ct_jdoc_get(&d, 0, "resources")), "[{\"ARN\":\"x\"},1]");
	assert_null(ct_jdoc_json(&d, ct_jdoc_get(&d, 0, "e")));
	assert_null(ct_jdoc_json(&d, ct_jdoc_get(&d, 0, "ReadOnly")));
	assert_null(ct_jdoc_str(&d, ct_jdoc_get(&d, 0, "s")));
	i = ct_jdoc_get(&d, 0, "userIdentity");
	assert_null(ct_jdoc_str(&d, i));
	assert_int_equal(ct_jdoc_get(&d, ct_jdoc_get(&d, 0, "t"), "x"), -1);
	ct_jdoc_release(&d);
}

static void
test_jdoc_rejects(void **state)
{
	static const struct {
		const char *in;
		const char *err;
		size_t off;
	} bad[] = {
		{ "{\"a\":1,}", "trailing comma", 7 },
		{ "{\"a\":01}", "',' or '}' expected", 6 },
		{ "{\"a\":\"\\ud800\"}", "lone high surrogate", 6 },
		{ "{\"a\":\"\\udc00x\"}", "lone low surrogate", 6 },
		{ "{\"a\":\"\xc3\x28\"}", "invalid UTF-8", 6 },
		{ "{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8", 6 },
		{ "{\"a\":\"x\ty\"}", "control character in a string", 7 },
		{ "{\"a\":tru}", "invalid value", 5 },
		{ "{\"a\" 1}", "':' expected", 5 },
		{ "{a:1}", "member name expected", 1 },
		{ "{\"a\":1} x", "data after the value", 8 },
		{ "{\"a\":\"\\x\"}", "invalid escape", 6 },
		{ "[1,2", "',' or ']' expected", 4 },
		{ "-", "invalid number", 0 },
		{ "1.", "invalid number", 0 },
		{ "", "value expected", 0 },
	};
	struct ct_jdoc d;
	char deep[1200];
	size_t i;

	(void)state;
	ct_jdoc_init(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ct_jdoc_parse(&d, (const uint8_t *)bad[i].in, strlen(bad[i].in)),
		    CT_ERR_FORMAT);
		if (strcmp(d.err, bad[i].err) != 0 || d.err_off != bad[i].off)
			fail_msg("'%s': got '%s' at %zu, want '%s' at %zu", bad[i].in, d.err,
			    d.err_off, bad[i].err, bad[i].off);
	}
	memset(deep, '[', 600);
	memset(deep + 600, ']', 600);
	assert_int_equal(ct_jdoc_parse(&d, (const uint8_t *)deep, 1200), CT_ERR_FORMAT);
	assert_string_equal(d.err, "nested too deeply");
	/* 512 levels are fine */
	assert_int_equal(ct_jdoc_parse(&d, (const uint8_t *)deep + 88, 1024), 0);
	/* the parser takes a length: bytes after it do not count */
	assert_int_equal(ct_jdoc_parse(&d, (const uint8_t *)"{\"a\":1}garbage", 7), 0);
	ct_jdoc_release(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_shapes),
		cmocka_unit_test(test_resync_after_broken_records),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_looks_json),
		cmocka_unit_test(test_jdoc_lookups),
		cmocka_unit_test(test_jdoc_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
