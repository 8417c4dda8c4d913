/*
 * ingest_gcp.c - Google Cloud audit log entries (LogEntry with an AuditLog protoPayload).
 *
 * Who: authenticationInfo.principalEmail (principal), principalSubject (subject: the
 * federated "principal://.../subject/<sub>" of Workload Identity Federation, which is how a
 * credtrail-minted token's sub reaches GCP), serviceAccountDelegationInfo (the impersonation
 * chain, kept as JSON), serviceAccountKeyName (the key used, as the access key id).
 * What: serviceName, methodName, resourceName, status (google.rpc.Code name when not OK).
 * Entries without an AuditLog payload (jsonPayload, textPayload) are not audit events.
 *
 * Dedupe: Cloud Logging treats entries with the same logName, timestamp and insertId as one,
 * so that triple is the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ingest.h"
#include "util/err.h"

static const char *const rpc_codes[] = {
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
};

int
ct_ingest_gcp_parse(json_t *rec, struct ct_pevent *ev)
{
	json_t *pp, *ai, *rm, *st, *tv, *v, *res;
	const char *s, *log, *ins, *ts;
	char *key;
	json_int_t code;
	int r;

	if (!json_is_object(rec))
		return ct_error(CT_ERR_FORMAT, "record is not a JSON object");
	ev->provider = "gcp";
	pp = ct_jget(rec, "protoPayload");
	if (pp == NULL || json_is_null(pp)) {
		if (ct_jget(rec, "jsonPayload") != NULL || ct_jget(rec, "textPayload") != NULL)
			return CT_INGEST_SKIP;
		return ct_error(CT_ERR_FORMAT, "log entry has no protoPayload");
	}
	if (!json_is_object(pp))
		return ct_error(CT_ERR_FORMAT, "protoPayload is not an object");
	if ((tv = ct_jget(rec, "timestamp")) == NULL || json_is_null(tv))
		tv = ct_jget(rec, "receiveTimestamp");
	if (tv == NULL || json_is_null(tv))
		return ct_error(CT_ERR_FORMAT, "log entry has no timestamp");
	if ((r = ct_ingest_time(tv, &ev->time_us)) != 0)
		return r;
	ev->has_time = 1;

	ins = ct_jstr(rec, "insertId");
	log = ct_jstr(rec, "logName");
	ev->event_id = ins;
	if (ins != NULL) {
		ts = json_is_string(tv) ? json_string_value(tv) : "";
		if (asprintf(&key, "%s|%s|%s", log != NULL ? log : "", ts, ins) < 0)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		if ((ev->dedupe_key = ct_pevent_own(ev, key)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
	}

	ai = ct_jget(pp, "authenticationInfo");
	ev->principal = ct_jstr(ai, "principalEmail");
	ev->subject = ct_jstr(ai, "principalSubject");
	ev->access_key_id = ct_jstr(ai, "serviceAccountKeyName");
	v = ct_jget(ai, "serviceAccountDelegationInfo");
	if (v != NULL && !json_is_null(v)) {
		json_t *d = json_pack("{s:O}", "serviceAccountDelegationInfo", v);

		ev->delegation = ct_pevent_json(ev, d);
		json_decref(d);
	}
	ev->service = ct_jstr(pp, "serviceName");
	ev->action = ct_jstr(pp, "methodName");
	if ((s = ct_jstr(pp, "resourceName")) != NULL) {
		res = json_pack("[s]", s);
		ev->resources = ct_pevent_json(ev, res);
		json_decref(res);
	}
	rm = ct_jget(pp, "requestMetadata");
	ct_pevent_source(ev, ct_jstr(rm, "callerIp"));	/* also "callerIP" */
	ev->user_agent = ct_jstr(rm, "callerSuppliedUserAgent");

	st = ct_jget(pp, "status");
	code = 0;
	if (json_is_object(st) && (v = ct_jget(st, "code")) != NULL) {
		if (json_is_integer(v))
			code = json_integer_value(v);
		else if (json_is_string(v))
			code = strtoll(json_string_value(v), NULL, 10);
	}
	if (code == 0) {
		ev->outcome = "success";
	} else {
		ev->outcome = "failure";
		if (code > 0 && code < (json_int_t)(sizeof(rpc_codes) / sizeof(rpc_codes[0]))) {
			ev->error_code = rpc_codes[code];
		} else {
			if (asprintf(&key, "%lld", (long long)code) < 0)
				return ct_error(CT_ERR_NOMEM, "out of memory");
			ev->error_code = ct_pevent_own(ev, key);
		}
	}
	ev->account = ct_jpath_str(rec, "resource.labels.project_id");
	ev->region = ct_jpath_str(rec, "resource.labels.location");
	if (ev->region == NULL)
		ev->region = ct_jpath_str(rec, "resource.labels.zone");
	if (ev->principal == NULL && ev->subject == NULL && ev->action == NULL)
		return ct_error(CT_ERR_FORMAT, "audit log entry has no principal and no method");
	return 0;
}
