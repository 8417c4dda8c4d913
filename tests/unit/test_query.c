/*
 * test_query.c - lib/query.c and the URL parser of lib/clickhouse.c: each dialect's string
 * literal survives quotes, backslashes and control bytes (no key can end its literal), bad
 * table names are refused, key sets are sorted and unique, and a key a JSON log would escape
 * is looked for in the raw record.  The SQL against real ClickHouse is tested in t1400; the
 * Athena and BigQuery text against golden files in t1401.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/clickhouse.h"
#include "lib/query.h"
#include "util/buf.h"
#include "util/err.h"

static char *
quote(enum ct_query_engine e, const char *s, size_t n, int *rc)
{
	struct ct_buf b;
	char *out = NULL;

	ct_buf_init(&b, 4096);
	*rc = ct_query_quote(&b, e, s, n);
	if (*rc == 0 && ct_buf_nul(&b) == 0)
		out = strdup((const char *)b.data);
	ct_buf_release(&b);
	return out;
}

static void
test_quote_clickhouse(void **state)
{
	char *s;
	int rc;

	(void)state;
	s = quote(CT_QE_CLICKHOUSE, "AKIA'); DROP TABLE x; --", 24, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "'AKIA\\'); DROP TABLE x; --'");
	free(s);
	/* a trailing backslash must not escape the closing quote */
	s = quote(CT_QE_CLICKHOUSE, "a\\", 2, &rc);
	assert_string_equal(s, "'a\\\\'");
	free(s);
	s = quote(CT_QE_CLICKHOUSE, "a\nb\tc\x01\x7f", 7, &rc);
	assert_string_equal(s, "'a\\x0ab\\x09c\\x01\\x7f'");
	free(s);
	/* length-bounded: a NUL inside is a byte like any other */
	s = quote(CT_QE_CLICKHOUSE, "a\0b", 3, &rc);
	assert_string_equal(s, "'a\\x00b'");
	free(s);
}

static void
test_quote_athena(void **state)
{
	char *s;
	int rc;

	(void)state;
	/* Presto/Trino: a quote doubles, a backslash is an ordinary byte */
	s = quote(CT_QE_ATHENA, "it's\\", 5, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "'it''s\\'");
	free(s);
	s = quote(CT_QE_ATHENA, "''", 2, &rc);
	assert_string_equal(s, "''''''");
	free(s);
	/* no escape for control bytes exists there: refused, not passed through */
	s = quote(CT_QE_ATHENA, "a\nb", 3, &rc);
	assert_null(s);
	assert_int_equal(rc, CT_ERR_INVALID);
	ct_error_clear();
}

static void
test_quote_bigquery(void **state)
{
	char *s;
	int rc;

	(void)state;
	s = quote(CT_QE_BIGQUERY, "x'\\`\"y\r", 7, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "'x\\'\\\\`\"y\\x0d'");
	free(s);
}

static void
test_keys_sorted_unique(void **state)
{
	struct ct_query_keys k;

	(void)state;
	ct_query_keys_init(&k);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_AKID, "B"), 1);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_AKID, "A"), 1);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_AKID, "C"), 1);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_AKID, "B"), 0);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_AKID, ""), 0);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_AKID, NULL), 0);
	assert_int_equal(k.n[CT_QK_AKID], 3);
	assert_string_equal(k.v[CT_QK_AKID][0], "A");
	assert_string_equal(k.v[CT_QK_AKID][1], "B");
	assert_string_equal(k.v[CT_QK_AKID][2], "C");
	assert_int_equal(ct_query_keys_count(&k), 3);
	ct_query_keys_release(&k);
}

static void
test_clickhouse_sql(void **state)
{
	struct ct_query_keys k, next;
	struct ct_query_opts o;
	char *sql = NULL;

	(void)state;
	ct_query_keys_init(&k);
	memset(&o, 0, sizeof(o));
	o.engine = CT_QE_CLICKHOUSE;
	assert_int_equal(ct_query_sql(&k, &o, &sql), CT_ERR_INVALID);	/* no key */
	ct_error_clear();
	assert_int_equal(ct_query_keys_add(&k, CT_QK_AKID, "ASIAEXAMPLE0001"), 1);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_PRINCIPAL, "o'brien \\ x"), 1);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_TASK, "t1"), 1);
	assert_int_equal(ct_query_keys_add(&k, CT_QK_SSH_SERIAL, "42 SHA256:abc"), 1);
	o.since_us = 1600000000500000LL;
	o.until_us = 1600000001000000LL;
	o.records = 1;
	assert_int_equal(ct_query_sql(&k, &o, &sql), 0);
	assert_string_equal(sql,
	    "SELECT raw, issued\n"
	    "FROM credtrail.events\n"
	    "PREWHERE (\n"
	    "\t   hasAny(keys, ['ASIAEXAMPLE0001'])\n"
	    "\tOR hasAny(tails, ['ASIAEXAMPLE0001'])\n"
	    "\tOR position(raw, 'o\\'brien \\\\ x') > 0\n"
	    "\tOR (has(keys, '42') AND has(keys, 'SHA256:abc'))\n"
	    "\tOR hasAny(tasks, ['t1']))\n"
	    "  AND event_time >= toDateTime(1600000000)\n"
	    "  AND event_time < toDateTime(1600000001)\n"
	    "ORDER BY source, event_time, raw\n"
	    "FORMAT RowBinary\n");
	free(sql);
	/* a later round: the new keys only, leaving out the rows of the keys before */
	ct_query_keys_init(&next);
	assert_int_equal(ct_query_keys_add(&next, CT_QK_AKID, "ASIANEXT"), 1);
	o.exclude = &k;
	o.since_us = o.until_us = 0;
	assert_int_equal(ct_query_sql(&next, &o, &sql), 0);
	assert_string_equal(sql,
	    "SELECT raw, issued\n"
	    "FROM credtrail.events\n"
	    "PREWHERE (\n"
	    "\t   hasAny(keys, ['ASIANEXT'])\n"
	    "\tOR hasAny(tails, ['ASIANEXT']))\n"
	    "  AND NOT (\n"
	    "\t   hasAny(keys, ['ASIAEXAMPLE0001'])\n"
	    "\tOR hasAny(tails, ['ASIAEXAMPLE0001'])\n"
	    "\tOR position(raw, 'o\\'brien \\\\ x') > 0\n"
	    "\tOR (has(keys, '42') AND has(keys, 'SHA256:abc'))\n"
	    "\tOR hasAny(tasks, ['t1']))\n"
	    "ORDER BY source, event_time, raw\n"
	    "FORMAT RowBinary\n");
	free(sql);
	ct_query_keys_release(&next);
	o.exclude = NULL;
	assert_string_equal(k.v[CT_QK_SSH_SERIAL][0], "42 SHA256:abc");
	o.table = "db.t; DROP TABLE x";
	assert_int_equal(ct_query_sql(&k, &o, &sql), CT_ERR_INVALID);
	assert_null(sql);
	ct_error_clear();
	o.engine = CT_QE_ATHENA;
	o.table = "cloudtrail_logs\"x";
	assert_int_equal(ct_query_sql(&k, &o, &sql), CT_ERR_INVALID);
	ct_error_clear();
	o.engine = CT_QE_BIGQUERY;
	o.table = "proj.data`set";
	assert_int_equal(ct_query_sql(&k, &o, &sql), CT_ERR_INVALID);
	ct_error_clear();
	o.table = NULL;
	assert_int_equal(ct_query_sql(&k, &o, &sql), CT_ERR_INVALID);
	ct_error_clear();
	ct_query_keys_release(&k);
}

static void
test_engine_and_table_names(void **state)
{
	enum ct_query_engine e;
	char *db, *t;

	(void)state;
	assert_int_equal(ct_query_engine_parse("athena", &e), 0);
	assert_int_equal(e, CT_QE_ATHENA);
	assert_int_equal(ct_query_engine_parse("postgres", &e), CT_ERR_INVALID);
	ct_error_clear();
	assert_int_equal(ct_query_split_table("logs", "credtrail", &db, &t), 0);
	assert_string_equal(db, "credtrail");
	assert_string_equal(t, "logs");
	free(db);
	free(t);
	assert_int_equal(ct_query_split_table("a.b.c", "x", &db, &t), CT_ERR_INVALID);
	assert_int_equal(ct_query_split_table("a.`b`", "x", &db, &t), CT_ERR_INVALID);
	assert_int_equal(ct_query_split_table(".b", "x", &db, &t), CT_ERR_INVALID);
	ct_error_clear();
}

static void
test_clickhouse_url(void **state)
{
	struct ct_ch ch;

	(void)state;
	assert_int_equal(ct_ch_parse("clickhouse://127.0.0.1:9123/logs/events", 1, &ch), 0);
	assert_string_equal(ch.base, "http://127.0.0.1:9123/");
	assert_string_equal(ch.db, "logs");
	assert_string_equal(ch.table, "events");
	ct_ch_release(&ch);
	assert_int_equal(ct_ch_parse("clickhouse://[::1]/d/t", 1, &ch), 0);
	assert_string_equal(ch.base, "http://[::1]:8123/");
	ct_ch_release(&ch);
	assert_int_equal(ct_ch_parse("clickhouse://h:1/d", 0, &ch), 0);
	assert_string_equal(ch.table, "events");
	ct_ch_release(&ch);
	assert_int_equal(ct_ch_parse("clickhouse://h:1/d", 1, &ch), CT_ERR_INVALID);
	assert_int_equal(ct_ch_parse("http://h:1/d/t", 1, &ch), CT_ERR_INVALID);
	assert_int_equal(ct_ch_parse("clickhouse://h:0/d/t", 1, &ch), CT_ERR_INVALID);
	assert_int_equal(ct_ch_parse("clickhouse://h:99999/d/t", 1, &ch), CT_ERR_INVALID);
	assert_int_equal(ct_ch_parse("clickhouse://h:1/d/t;x", 1, &ch), CT_ERR_INVALID);
	assert_int_equal(ct_ch_parse("clickhouse://h/d/t/u", 1, &ch), CT_ERR_INVALID);
	assert_int_equal(ct_ch_parse("clickhouse://h?x/d/t", 1, &ch), CT_ERR_INVALID);
	assert_int_equal(ct_ch_parse("clickhouse://u:p@h/d/t", 1, &ch), CT_ERR_UNSUPPORTED);
	ct_error_clear();
}

static void
test_clickhouse_ddl(void **state)
{
	char **ddl = NULL;
	size_t n = 0, i;

	(void)state;
	assert_int_equal(ct_query_clickhouse_ddl("logs", "events", &ddl, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ddl[0], "CREATE DATABASE IF NOT EXISTS logs");
	assert_non_null(strstr(ddl[1], "CREATE TABLE IF NOT EXISTS logs.events ("));
	assert_non_null(strstr(ddl[1], "tails Array(String) MATERIALIZED arrayFilter(x -> x != '',"
	    " arrayMap(x -> extract(x, '[:/=]([^:/=]+)$'), keys))"));
	for (i = 0; i < n; i++)
		free(ddl[i]);
	free(ddl);
	assert_int_equal(ct_query_clickhouse_ddl("logs", "ev ents", &ddl, &n), CT_ERR_INVALID);
	ct_error_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_clickhouse),
		cmocka_unit_test(test_quote_athena),
		cmocka_unit_test(test_quote_bigquery),
		cmocka_unit_test(test_keys_sorted_unique),
		cmocka_unit_test(test_clickhouse_sql),
		cmocka_unit_test(test_engine_and_table_names),
		cmocka_unit_test(test_clickhouse_url),
		cmocka_unit_test(test_clickhouse_ddl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
