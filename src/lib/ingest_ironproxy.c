/*
 * ingest_ironproxy.c - IronClaw's egress proxy audit lines:
 *
 *   {"time":"...","level":"INFO","msg":"request","audit":{"host":"s3.amazonaws.com",
 *    "method":"GET","path":"/bucket","remote_addr":"10.0.0.5:41234","sni":"...",
 *    "mode":"enforce","action":"allow","status_code":200,"duration_ms":12},
 *    "rejected_by":null}
 *
 * The proxy serves only agents, so every request line concerns a task: the filter keeps
 * them all.  Lines with another "msg" (start-up, errors) are not requests: skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ingest.h"
#include "util/err.h"

int
ct_ingest_ironproxy_parse(json_t *rec, struct ct_pevent *ev)
{
	json_t *a, *tv, *v;
	const char *msg, *host, *method, *path, *act, *rej;
	char *tmp;
	json_int_t status = 0;
	int r;

	if (!json_is_object(rec))
		return ct_error(CT_ERR_FORMAT, "record is not a JSON object");
	ev->provider = "ironproxy";
	ev->always_keep = 1;
	msg = ct_jstr(rec, "msg");
	a = ct_jget(rec, "audit");
	if (msg == NULL || strcmp(msg, "request") != 0 || a == NULL)
		return msg != NULL ? CT_INGEST_SKIP :
		    ct_error(CT_ERR_FORMAT, "proxy line has no msg");
	if (!json_is_object(a))
		return ct_error(CT_ERR_FORMAT, "audit is not an object");
	if ((tv = ct_jget(rec, "time")) == NULL)
		return ct_error(CT_ERR_FORMAT, "proxy line has no time");
	if ((r = ct_ingest_time(tv, &ev->time_us)) != 0)
		return r;
	ev->has_time = 1;

	host = ct_jstr(a, "host");
	if (host == NULL)
		host = ct_jstr(a, "sni");
	method = ct_jstr(a, "method");
	path = ct_jstr(a, "path");
	if (host == NULL)
		return ct_error(CT_ERR_FORMAT, "proxy request has no host");
	ev->service = host;
	if (asprintf(&tmp, "%s %s", method != NULL ? method : "-", path != NULL ? path : "/") < 0 ||
	    (ev->action = ct_pevent_own(ev, tmp)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (method != NULL)
		ev->read_only = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
		    strcmp(method, "OPTIONS") == 0;
	{
		json_t *res = json_pack("[{s:s, s:s?, s:s?, s:s?}]", "host", host, "sni",
		    ct_jstr(a, "sni"), "path", path, "mode", ct_jstr(a, "mode"));

		ev->resources = ct_pevent_json(ev, res);
		json_decref(res);
	}
	ct_pevent_source(ev, ct_jstr(a, "remote_addr"));
	ev->user_agent = ct_jstr(a, "user_agent");

	act = ct_jstr(a, "action");
	rej = ct_jstr(rec, "rejected_by");
	if ((v = ct_jget(a, "status_code")) != NULL && json_is_integer(v))
		status = json_integer_value(v);
	if (rej != NULL || (act != NULL && strcmp(act, "allow") != 0 &&
	    strcmp(act, "allowed") != 0 && strcmp(act, "audit") != 0)) {
		ev->outcome = "failure";
		ev->error_code = rej != NULL ? rej : act;
	} else if (status >= 400) {
		ev->outcome = "failure";
		if (asprintf(&tmp, "%lld", (long long)status) < 0)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		ev->error_code = ct_pevent_own(ev, tmp);
	} else {
		ev->outcome = "success";
	}
	return 0;
}
