/*
 * test_otlp.c - lib/otlp: W3C traceparent parsing (the specification's valid and invalid
 * forms, read within the given length only) and the OTLP/JSON encoding of a run summary
 * (ids, times as decimal nanoseconds, status, resource attributes, denials as log records).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/otlp.h"
#include "util/err.h"

#define TRACE	"4bf92f3577b34da6a3ce929d0e0e4736"
#define SPAN	"00f067aa0ba902b7"

static void
test_traceparent_valid(void **state)
{
	static const char tp[] = "00-" TRACE "-" SPAN "-01";
	static const char later[] = "cc-" TRACE "-" SPAN "-09-what-the-future-holds";
	struct ct_traceparent t;

	assert_int_equal(ct_traceparent_parse(&t, tp, sizeof(tp) - 1), 0);
	assert_string_equal(t.trace_id, TRACE);
	assert_string_equal(t.parent_id, SPAN);
	assert_int_equal(t.version, 0);
	assert_int_equal(t.flags, 1);
	assert_int_equal(ct_traceparent_parse(&t, later, sizeof(later) - 1), 0);
	assert_int_equal(t.version, 0xcc);
	assert_int_equal(t.flags, 9);
	assert_string_equal(t.trace_id, TRACE);
}

static void
test_traceparent_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"00-" TRACE "-" SPAN "-0",				/* short */
		"00-" TRACE "-" SPAN "-01-",				/* 00 has no extra */
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-" SPAN "-01",	/* upper case */
		"ff-" TRACE "-" SPAN "-01",				/* version ff */
		"00-00000000000000000000000000000000-" SPAN "-01",	/* zero trace */
		"00-" TRACE "-0000000000000000-01",			/* zero span */
		"00_" TRACE "-" SPAN "-01",				/* separator */
		"00-" TRACE "-" SPAN "-0g",				/* flags */
		"01-" TRACE "-" SPAN "-01x",				/* later, no '-' */
		"00-" "4bf92f3577b34da6a3ce929d0e0e473" "-" "-00f067aa0ba902b7-01",
	};
	struct ct_traceparent t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ct_traceparent_parse(&t, bad[i], strlen(bad[i])), CT_ERR_FORMAT);
		assert_string_equal(t.trace_id, "");
	}
	/* only `len` bytes are read: the valid text cut short is refused */
	assert_int_equal(ct_traceparent_parse(&t, "00-" TRACE "-" SPAN "-01", 54), CT_ERR_FORMAT);
}

static json_t *
summary(int exit_status, int complete)
{
	return json_pack("{s:s, s:s, s:s, s:[s,s], s:s, s:s, s:s, s:s, s:i, s:b, s:I, s:i,"
	    " s:{s:i, s:[{s:s, s:s, s:s, s:i, s:s}]}, s:s}",
	    "run", "0123456789abcdef", "task", "t1", "class", "dns-check", "argv", "aws", "s3",
	    "user", "nobody", "backend", "ebpf", "mode", "enforce",
	    "start", "2026-11-25T23:00:00.000001Z", "exit_status", exit_status,
	    "complete", complete, "events", (json_int_t)7, "processes", 2,
	    "denials", "count", 1, "events", "time", "2026-11-25T23:00:00.5Z", "type", "connect",
	    "dst", "192.0.2.1", "dport", 443, "verdict", "deny",
	    "traceparent", "00-" TRACE "-" SPAN "-01");
}

/* o[k][0] */
static json_t *
first(json_t *o, const char *k)
{
	return json_array_get(json_object_get(o, k), 0);
}

static json_t *
the_span(json_t *tr)
{
	return first(first(first(tr, "resourceSpans"), "scopeSpans"), "spans");
}

static const char *
attr_string(json_t *attrs, const char *key)
{
	json_t *a;
	size_t i;

	json_array_foreach(attrs, i, a)
		if (strcmp(json_string_value(json_object_get(a, "key")), key) == 0)
			return json_string_value(json_object_get(json_object_get(a, "value"),
			    "stringValue"));
	return NULL;
}

static void
test_encode(void **state)
{
	json_t *s = summary(3, 1), *tr = NULL, *lg = NULL, *span, *rec, *res;
	struct ct_otlp_run run = { s, NULL, "1111111111111111", "1.2.3" };

	json_object_set_new(s, "end", json_string("2026-11-25T23:00:01Z"));
	assert_int_equal(ct_otlp_run_encode(&run, &tr, &lg), 0);
	span = the_span(tr);
	assert_string_equal(json_string_value(json_object_get(span, "traceId")), TRACE);
	assert_string_equal(json_string_value(json_object_get(span, "spanId")), SPAN);
	assert_string_equal(json_string_value(json_object_get(span, "parentSpanId")),
	    "1111111111111111");
	assert_string_equal(json_string_value(json_object_get(span, "startTimeUnixNano")),
	    "1795647600000001000");
	assert_string_equal(json_string_value(json_object_get(span, "endTimeUnixNano")),
	    "1795647601000000000");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(span, "status"),
	    "code")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(span, "status"),
	    "message")), "exit status 3");
	res = json_object_get(json_object_get(first(tr, "resourceSpans"), "resource"),
	    "attributes");
	assert_string_equal(attr_string(res, "service.name"), "credtrail");
	assert_string_equal(attr_string(res, "service.version"), "1.2.3");
	assert_string_equal(attr_string(res, "credtrail.task.id"), "t1");
	assert_string_equal(attr_string(res, "credtrail.task.class"), "dns-check");
	/* without an event log: the denials are the records */
	rec = first(first(first(lg, "resourceLogs"), "scopeLogs"), "logRecords");
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "timeUnixNano")),
	    "1795647600500000000");
	assert_int_equal(json_integer_value(json_object_get(rec, "severityNumber")), 13);
	assert_string_equal(attr_string(json_object_get(rec, "attributes"), "event.name"),
	    "credtrail.run.connect");
	assert_string_equal(attr_string(json_object_get(rec, "attributes"),
	    "credtrail.event.dst"), "192.0.2.1");
	json_decref(tr);
	json_decref(lg);
	json_decref(s);
}

static void
test_encode_errors(void **state)
{
	json_t *s = summary(0, 1), *tr = NULL, *lg = NULL;
	struct ct_otlp_run run = { s, NULL, NULL, NULL };

	/* no end time */
	assert_int_equal(ct_otlp_run_encode(&run, &tr, &lg), CT_ERR_FORMAT);
	assert_null(tr);
	assert_null(lg);
	json_object_set_new(s, "end", json_string("2026-11-25T23:00:01Z"));
	run.parent_span_id = "not-hex";
	assert_int_equal(ct_otlp_run_encode(&run, &tr, &lg), CT_ERR_INVALID);
	run.parent_span_id = NULL;
	json_object_set_new(s, "traceparent", json_string("00-" TRACE "-" SPAN));
	assert_int_equal(ct_otlp_run_encode(&run, &tr, &lg), CT_ERR_FORMAT);
	json_object_set_new(s, "traceparent", json_string("00-" TRACE "-" SPAN "-01"));
	run.events_path = "/nonexistent/events.jsonl";
	assert_int_not_equal(ct_otlp_run_encode(&run, &tr, &lg), 0);
	assert_null(tr);
	run.events_path = NULL;
	assert_int_equal(ct_otlp_run_encode(&run, &tr, &lg), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(the_span(tr),
	    "status"), "code")), 1);
	json_decref(tr);
	json_decref(lg);
	json_decref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_traceparent_valid),
		cmocka_unit_test(test_traceparent_invalid),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
