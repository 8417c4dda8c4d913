/*
 * otlp.c - W3C traceparent parsing and the OTLP/JSON encoding of a run (otlp.h).
 *
 * Field names and encodings follow OTLP's JSON mapping of the protobuf messages
 * (opentelemetry-proto, ExportTraceServiceRequest / ExportLogsServiceRequest): lowerCamelCase
 * names, trace and span ids as hex (not base64), fixed64 times as decimal strings, enums as
 * integers.  Nothing here prints; the export functions only write the file or POST.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"
#include "lib/otlp.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define SPAN_KIND_INTERNAL	1
#define STATUS_CODE_OK		1
#define STATUS_CODE_ERROR	2
#define SEVERITY_INFO		9
#define SEVERITY_WARN		13

static int
lowhex(const char *s, size_t n)
{
	size_t i;
	int nonzero = 0;

	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
		nonzero |= s[i] != '0';
	}
	return nonzero;
}

static uint8_t
hexbyte(const char *s)
{
	int hi = s[0] <= '9' ? s[0] - '0' : s[0] - 'a' + 10;
	int lo = s[1] <= '9' ? s[1] - '0' : s[1] - 'a' + 10;

	return (uint8_t)(hi << 4 | lo);
}

int
ct_traceparent_parse(struct ct_traceparent *out, const char *s, size_t len)
{
	memset(out, 0, sizeof(*out));
	/* 2 version, 32 trace id, 16 parent id, 2 flags, 3 dashes */
	if (len < 55)
		return ct_error(CT_ERR_FORMAT, "traceparent is shorter than 55 characters");
	if (s[2] != '-' || s[35] != '-' || s[52] != '-')
		return ct_error(CT_ERR_FORMAT, "traceparent is not version-traceid-parentid-flags");
	if (lowhex(s, 2) < 0 || lowhex(s + 53, 2) < 0)
		return ct_error(CT_ERR_FORMAT,
		    "traceparent version or flags are not lower-case hex");
	out->version = hexbyte(s);
	if (out->version == 0xff)
		return ct_error(CT_ERR_FORMAT, "traceparent version ff is invalid");
	if (out->version == 0 && len != 55)
		return ct_error(CT_ERR_FORMAT, "a version 00 traceparent is 55 characters");
	if (len > 55 && s[55] != '-')
		return ct_error(CT_ERR_FORMAT, "traceparent has extra characters after the flags");
	switch (lowhex(s + 3, 32)) {
	case -1:
		return ct_error(CT_ERR_FORMAT,
		    "traceparent trace id is not 32 lower-case hex digits");
	case 0:
		return ct_error(CT_ERR_FORMAT, "traceparent trace id is all zero");
	}
	switch (lowhex(s + 36, 16)) {
	case -1:
		return ct_error(CT_ERR_FORMAT,
		    "traceparent parent id is not 16 lower-case hex digits");
	case 0:
		return ct_error(CT_ERR_FORMAT, "traceparent parent id is all zero");
	}
	memcpy(out->trace_id, s + 3, 32);
	memcpy(out->parent_id, s + 36, 16);
	out->flags = hexbyte(s + 53);
	return 0;
}

/* An OTLP AnyValue for a JSON value (objects and mixed arrays as their compact JSON text). */
static json_t *
any_value(json_t *v)
{
	json_t *arr, *e;
	char num[32], *text;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_pack("{s:s}", "stringValue", json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return json_pack("{s:s}", "intValue", num);
	case JSON_REAL:
		return json_pack("{s:f}", "doubleValue", json_real_value(v));
	case JSON_TRUE:
	case JSON_FALSE:
		return json_pack("{s:b}", "boolValue", json_is_true(v));
	case JSON_ARRAY:
		if ((arr = json_array()) == NULL)
			return NULL;
		json_array_foreach(v, i, e) {
			if (json_array_append_new(arr, any_value(e)) != 0) {
				json_decref(arr);
				return NULL;
			}
		}
		return json_pack("{s:{s:o}}", "arrayValue", "values", arr);
	default:
		if ((text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
			return NULL;
		e = json_pack("{s:s}", "stringValue", text);
		free(text);
		return e;
	}
}

static int
attr(json_t *attrs, const char *key, json_t *v)
{
	json_t *a;

	if (v == NULL || json_is_null(v))
		return 0;
	if ((a = any_value(v)) == NULL ||
	    json_array_append_new(attrs, json_pack("{s:s, s:o}", "key", key, "value", a)) != 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
attr_str(json_t *attrs, const char *key, const char *s)
{
	json_t *v;
	int r;

	if (s == NULL)
		return 0;
	if ((v = json_string(s)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	r = attr(attrs, key, v);
	json_decref(v);
	return r;
}

/* RFC 3339 text -> Unix nanoseconds as a decimal string. */
static int
nanos(const char *rfc3339, char out[24])
{
	int64_t us;

	if (rfc3339 == NULL || ct_time_parse(rfc3339, strlen(rfc3339), &us) != 0)
		return ct_error(CT_ERR_FORMAT, "time '%s' is not RFC 3339",
		    rfc3339 != NULL ? rfc3339 : "(none)");
	snprintf(out, 24, "%lld", (long long)us * 1000);
	return 0;
}

static json_t *
resource(json_t *summary, const char *version)
{
	json_t *attrs = json_array();

	if (attrs == NULL || attr_str(attrs, "service.name", "credtrail") != 0 ||
	    attr_str(attrs, "service.version", version) != 0 ||
	    attr(attrs, "credtrail.task.id", json_object_get(summary, "task")) != 0 ||
	    attr(attrs, "credtrail.task.class", json_object_get(summary, "class")) != 0) {
		json_decref(attrs);
		return NULL;
	}
	return json_pack("{s:o}", "attributes", attrs);
}

/* One log record for one event of the run's log. */
static int
add_record(json_t *records, json_t *ev, const char *trace, const char *span)
{
	const char *type = json_string_value(json_object_get(ev, "type")), *key;
	const char *verdict = json_string_value(json_object_get(ev, "verdict"));
	json_t *attrs = NULL, *v, *rec;
	char t[24], name[96], akey[128], *body = NULL;
	int r = CT_ERR_INTERNAL, warn;

	if ((r = nanos(json_string_value(json_object_get(ev, "time")), t)) != 0)
		goto out;
	warn = (verdict != NULL && strcmp(verdict, "deny") == 0) ||
	    (type != NULL && strcmp(type, "denied") == 0);
	snprintf(name, sizeof(name), "credtrail.run.%s", type);
	if ((attrs = json_array()) == NULL || (r = attr_str(attrs, "event.name", name)) != 0)
		goto nomem;
	json_object_foreach(ev, key, v) {
		if (json_is_object(v))
			continue;
		snprintf(akey, sizeof(akey), "credtrail.event.%s", key);
		if ((r = attr(attrs, akey, v)) != 0)
			goto out;
	}
	if ((body = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto nomem;
	rec = json_pack("{s:s, s:s, s:i, s:s, s:{s:s}, s:o, s:s, s:s}",
	    "timeUnixNano", t, "observedTimeUnixNano", t,
	    "severityNumber", warn ? SEVERITY_WARN : SEVERITY_INFO,
	    "severityText", warn ? "WARN" : "INFO", "body", "stringValue", body,
	    "attributes", attrs, "traceId", trace, "spanId", span);
	attrs = NULL;
	if (rec == NULL || json_array_append_new(records, rec) != 0)
		goto nomem;
	r = 0;
	goto out;
 nomem:
	r = ct_error(CT_ERR_NOMEM, "out of memory");
 out:
	free(body);
	json_decref(attrs);
	return r;
}

/* The run's events: every record of its log (checkpoints are not events). */
static int
add_log_records(json_t *records, const char *path, const char *trace, const char *span)
{
	uint8_t *text = NULL;
	const char *p, *end, *nl;
	json_t *ev;
	json_error_t jerr;
	size_t len = 0, lineno = 0;
	int r = CT_ERR_INTERNAL;

	if ((r = ct_read_file(path, CT_OTLP_MAX_EVENTS_BYTES, &text, &len)) != 0)
		return r;
	p = (const char *)text;
	end = p + len;
	for (; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p)
			continue;
		if ((ev = json_loadb(p, (size_t)(nl - p), 0, &jerr)) == NULL) {
			r = ct_error(CT_ERR_FORMAT, "%s:%zu: not JSON: %s", path, lineno,
			    jerr.text);
			goto out;
		}
		r = json_is_string(json_object_get(ev, "type")) ?
		    add_record(records, ev, trace, span) : 0;
		json_decref(ev);
		if (r != 0)
			goto out;
	}
	r = 0;
 out:
	free(text);
	return r;
}

int
ct_otlp_run_encode(const struct ct_otlp_run *run, json_t **traces, json_t **logs)
{
	json_t *s = run->summary, *attrs = NULL, *span = NULL, *records = NULL, *v;
	json_t *res1 = NULL, *res2 = NULL, *tr = NULL, *lg = NULL;
	struct ct_traceparent tp;
	const char *tps, *msg = NULL;
	char start[24], end[24], name[64], statusmsg[64];
	long long status;
	size_t i;
	int r = CT_ERR_INTERNAL, ok;

	*traces = *logs = NULL;
	if ((tps = json_string_value(json_object_get(s, "traceparent"))) == NULL ||
	    (r = ct_traceparent_parse(&tp, tps, strlen(tps))) != 0) {
		r = ct_error(CT_ERR_FORMAT, "the run summary has no valid traceparent");
		goto out;
	}
	if (run->parent_span_id != NULL && lowhex(run->parent_span_id, 16) != 1) {
		r = ct_error(CT_ERR_INVALID, "parent span id '%s' is not 16 hex digits",
		    run->parent_span_id);
		goto out;
	}
	if ((r = nanos(json_string_value(json_object_get(s, "start")), start)) != 0 ||
	    (r = nanos(json_string_value(json_object_get(s, "end")), end)) != 0)
		goto out;
	status = (long long)json_integer_value(json_object_get(s, "exit_status"));
	ok = status == 0 && json_is_true(json_object_get(s, "complete"));
	if (status != 0) {
		snprintf(statusmsg, sizeof(statusmsg), "exit status %lld", status);
		msg = statusmsg;
	} else if (!ok)
		msg = "evidence incomplete";
	snprintf(name, sizeof(name), "credtrail run");

	if ((attrs = json_array()) == NULL)
		goto nomem;
	if ((r = attr(attrs, "credtrail.run.id", json_object_get(s, "run"))) != 0 ||
	    (r = attr(attrs, "credtrail.run.mode", json_object_get(s, "mode"))) != 0 ||
	    (r = attr(attrs, "credtrail.run.backend", json_object_get(s, "backend"))) != 0 ||
	    (r = attr(attrs, "credtrail.run.user", json_object_get(s, "user"))) != 0 ||
	    (r = attr(attrs, "process.command_args", json_object_get(s, "argv"))) != 0 ||
	    (r = attr(attrs, "process.exit.code", json_object_get(s, "exit_status"))) != 0 ||
	    (r = attr(attrs, "credtrail.run.complete", json_object_get(s, "complete"))) != 0 ||
	    (r = attr(attrs, "credtrail.run.events", json_object_get(s, "events"))) != 0 ||
	    (r = attr(attrs, "credtrail.run.processes", json_object_get(s, "processes"))) != 0 ||
	    (r = attr(attrs, "credtrail.run.denials",
	    json_object_get(json_object_get(s, "denials"), "count"))) != 0)
		goto out;
	span = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:{s:i}}",
	    "traceId", tp.trace_id, "spanId", tp.parent_id, "name", name,
	    "kind", SPAN_KIND_INTERNAL, "startTimeUnixNano", start, "endTimeUnixNano", end,
	    "attributes", attrs, "status", "code", ok ? STATUS_CODE_OK : STATUS_CODE_ERROR);
	attrs = NULL;
	if (span == NULL)
		goto nomem;
	if (msg != NULL && json_object_set_new(json_object_get(span, "status"), "message",
	    json_string(msg)) != 0)
		goto nomem;
	if (run->parent_span_id != NULL &&
	    json_object_set_new(span, "parentSpanId", json_string(run->parent_span_id)) != 0)
		goto nomem;

	if ((records = json_array()) == NULL)
		goto nomem;
	if (run->events_path != NULL) {
		if ((r = add_log_records(records, run->events_path, tp.trace_id,
		    tp.parent_id)) != 0)
			goto out;
	} else {
		json_array_foreach(json_object_get(json_object_get(s, "denials"), "events"), i, v) {
			if ((r = add_record(records, v, tp.trace_id, tp.parent_id)) != 0)
				goto out;
		}
	}

	if ((res1 = resource(s, run->version)) == NULL ||
	    (res2 = resource(s, run->version)) == NULL)
		goto nomem;
	tr = json_pack("{s:[{s:O, s:[{s:{s:s, s:s*}, s:[O]}]}]}", "resourceSpans",
	    "resource", res1, "scopeSpans", "scope", "name", "credtrail", "version", run->version,
	    "spans", span);
	lg = json_pack("{s:[{s:O, s:[{s:{s:s, s:s*}, s:O}]}]}", "resourceLogs",
	    "resource", res2, "scopeLogs", "scope", "name", "credtrail", "version", run->version,
	    "logRecords", records);
	if (tr == NULL || lg == NULL)
		goto nomem;
	*traces = tr;
	*logs = lg;
	tr = lg = NULL;
	r = 0;
	goto out;
 nomem:
	r = ct_error(CT_ERR_NOMEM, "out of memory");
 out:
	json_decref(attrs);
	json_decref(span);
	json_decref(records);
	json_decref(res1);
	json_decref(res2);
	json_decref(tr);
	json_decref(lg);
	return r;
}

static char *
dump_line(json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

int
ct_otlp_write_file(const char *path, json_t *traces, json_t *logs)
{
	char *a = NULL, *b = NULL, *text = NULL;
	int r = CT_ERR_INTERNAL, n;

	if ((a = dump_line(traces)) == NULL || (b = dump_line(logs)) == NULL ||
	    (n = asprintf(&text, "%s\n%s\n", a, b)) < 0) {
		text = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = ct_write_file_atomic(path, text, (size_t)n, 0644);
 out:
	free(a);
	free(b);
	free(text);
	return r;
}

static int
post_one(const char *endpoint, const char *path, json_t *v)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct ct_http_response resp;
	char *url = NULL, *body = NULL;
	size_t n = strlen(endpoint);
	int r = CT_ERR_INTERNAL;

	memset(&resp, 0, sizeof(resp));
	while (n > 0 && endpoint[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s%s", (int)n, endpoint, path) < 0) {
		url = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((body = dump_line(v)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ct_http_post(url, headers, body, strlen(body), 10000, 64 * 1024, &resp)) != 0)
		goto out;
	if (resp.status < 200 || resp.status > 299) {
		r = ct_error(CT_ERR_REMOTE, "OTLP receiver '%s' answered HTTP %ld", url,
		    resp.status);
		goto out;
	}
	r = 0;
 out:
	ct_http_response_release(&resp);
	free(url);
	free(body);
	return r;
}

int
ct_otlp_post(const char *endpoint, json_t *traces, json_t *logs)
{
	int r;

	if ((r = post_one(endpoint, "/v1/traces", traces)) != 0)
		return r;
	return post_one(endpoint, "/v1/logs", logs);
}
