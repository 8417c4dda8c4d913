/*
 * otlp.h - W3C trace context and OpenTelemetry (OTLP/JSON) export of a run.
 *
 * A run is one span (the one whose id the agent's TRACEPARENT names as its parent), in the
 * caller's trace when credtrail itself was given a TRACEPARENT; the run's monitor events are
 * log records of that span.  Resource attributes: service.name=credtrail, service.version,
 * credtrail.task.id, credtrail.task.class.  The encoding is OTLP's JSON mapping (trace and
 * span ids as lower-case hex, 64-bit integers as decimal strings, enums as numbers), written
 * as the OTLP file exporter does (one export request per line) or POSTed to an OTLP/HTTP
 * receiver's /v1/traces and /v1/logs.
 */
#ifndef CT_OTLP_H
#define CT_OTLP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CT_OTLP_MAX_EVENTS_BYTES	(256u * 1024 * 1024)	/* an event log exported */

struct ct_traceparent {
	char trace_id[33];	/* 32 lower-case hex, not all zero */
	char parent_id[17];	/* 16 lower-case hex, not all zero */
	uint8_t version;
	uint8_t flags;
};

/*
 * Parse a traceparent value of `len` bytes (W3C Trace Context level 1, section 3.2):
 * version-traceid-parentid-flags, lower-case hex; version ff is invalid; version 00 is exactly
 * 55 characters; a later version may be longer, with a '-' after the flags.  CT_ERR_FORMAT
 * with the reason otherwise.
 */
int ct_traceparent_parse(struct ct_traceparent *out, const char *s, size_t len);

struct ct_otlp_run {
	json_t *summary;		/* ct_run_summary() (borrowed) */
	const char *events_path;	/* the run's event log, or NULL: only the denials */
	const char *parent_span_id;	/* the caller's span (16 hex), or NULL */
	const char *version;		/* service.version, or NULL */
};

/* The run as an ExportTraceServiceRequest and an ExportLogsServiceRequest (new references). */
int ct_otlp_run_encode(const struct ct_otlp_run *run, json_t **traces, json_t **logs);

/* Write both requests to `path`, one JSON object per line, atomically. */
int ct_otlp_write_file(const char *path, json_t *traces, json_t *logs);

/*
 * POST both requests (Content-Type: application/json) to ENDPOINT/v1/traces and
 * ENDPOINT/v1/logs; a status other than 2xx is CT_ERR_REMOTE naming it.
 */
int ct_otlp_post(const char *endpoint, json_t *traces, json_t *logs);

#endif
