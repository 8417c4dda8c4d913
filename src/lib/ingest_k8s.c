/*
 * ingest_k8s.c - Kubernetes API server audit events (audit.k8s.io Event, v1 and v1beta1).
 *
 * The principal is user.username ("system:serviceaccount:ns:name", an OIDC "prefix:sub"),
 * user.extra goes to session_tags (it holds the bound service-account token's
 * "authentication.kubernetes.io/credential-id": ["JTI=..."], which becomes the jti), and an
 * impersonatedUser is the delegation.  One request yields one event per stage, so the dedupe
 * key is "<auditID>/<stage>".  AKS wraps events as {"category":"kube-audit",
 * "properties":{"log":"<event JSON>"}}; that wrapper is opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ingest.h"
#include "util/err.h"

int
ct_ingest_k8s_parse(json_t *rec, struct ct_pevent *ev)
{
	json_t *user, *extra, *tv, *ips, *obj, *status, *v, *inner;
	const char *s, *verb, *id, *stage, *group, *res;
	char *tmp;
	json_int_t code;
	int r;

	if (!json_is_object(rec))
		return ct_error(CT_ERR_FORMAT, "record is not a JSON object");
	ev->provider = "k8s";
	if ((s = ct_jpath_str(rec, "properties.log")) != NULL &&
	    (v = ct_jget(rec, "category")) != NULL) {
		inner = json_loads(s, 0, NULL);
		if (!json_is_object(inner)) {
			json_decref(inner);
			return ct_error(CT_ERR_FORMAT, "properties.log does not hold a JSON object");
		}
		r = ct_pevent_hold(ev, inner);
		json_decref(inner);
		if (r != 0)
			return r;
		rec = inner;
	}
	if ((v = json_object_get(rec, "kind")) != NULL && !json_is_string(v))
		return ct_error(CT_ERR_FORMAT, "kind is not a string");
	if ((s = ct_jstr(rec, "kind")) != NULL && strcmp(s, "Event") != 0)
		return ct_error(CT_ERR_FORMAT, "kind '%.40s' is not an audit Event", s);
	verb = ct_jstr(rec, "verb");
	user = ct_jget(rec, "user");
	if (verb == NULL || !json_is_object(user))
		return ct_error(CT_ERR_FORMAT, "audit event has no verb or user");

	tv = ct_jget(rec, "stageTimestamp");
	if (tv == NULL || json_is_null(tv))
		tv = ct_jget(rec, "requestReceivedTimestamp");
	if (tv == NULL || json_is_null(tv))
		tv = ct_jget(rec, "timestamp");
	if (tv != NULL && !json_is_null(tv)) {
		if ((r = ct_ingest_time(tv, &ev->time_us)) != 0)
			return r;
		ev->has_time = 1;
	}
	id = ct_jstr(rec, "auditID");
	stage = ct_jstr(rec, "stage");
	ev->event_id = id;
	if (id != NULL) {
		if (asprintf(&tmp, "%s/%s", id, stage != NULL ? stage : "") < 0 ||
		    (ev->dedupe_key = ct_pevent_own(ev, tmp)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
	}

	ev->principal = ct_jstr(user, "username");
	ev->subject = ct_jstr(user, "uid");
	extra = ct_jget(user, "extra");
	ev->session_tags = ct_pevent_json(ev, extra);
	v = ct_jget(extra, "authentication.kubernetes.io/credential-id");
	if (json_is_array(v) && json_is_string(json_array_get(v, 0)) &&
	    strncmp(json_string_value(json_array_get(v, 0)), "JTI=", 4) == 0)
		ev->jti = json_string_value(json_array_get(v, 0)) + 4;
	if ((v = ct_jget(rec, "impersonatedUser")) != NULL && !json_is_null(v)) {
		json_t *d = json_pack("{s:O}", "impersonatedUser", v);

		ev->delegation = ct_pevent_json(ev, d);
		json_decref(d);
	}

	ips = ct_jget(rec, "sourceIPs");
	if (json_is_array(ips) && json_is_string(json_array_get(ips, 0)))
		ct_pevent_source(ev, json_string_value(json_array_get(ips, 0)));
	ev->user_agent = ct_jstr(rec, "userAgent");
	ev->action = verb;
	ev->read_only = strcmp(verb, "get") == 0 || strcmp(verb, "list") == 0 ||
	    strcmp(verb, "watch") == 0;

	obj = ct_jget(rec, "objectRef");
	if (json_is_object(obj)) {
		group = ct_jstr(obj, "apiGroup");
		res = ct_jstr(obj, "resource");
		if (res != NULL) {
			if (group != NULL) {
				if (asprintf(&tmp, "%s/%s", group, res) < 0)
					return ct_error(CT_ERR_NOMEM, "out of memory");
				ev->service = ct_pevent_own(ev, tmp);
			} else {
				ev->service = res;
			}
		}
		ev->resources = ct_pevent_json(ev, obj);
		ev->account = ct_jstr(obj, "namespace");
	} else if ((s = ct_jstr(rec, "requestURI")) != NULL) {
		json_t *a = json_pack("[s]", s);

		ev->resources = ct_pevent_json(ev, a);
		json_decref(a);
	}

	status = ct_jget(rec, "responseStatus");
	if (json_is_object(status) && json_is_integer(ct_jget(status, "code"))) {
		code = json_integer_value(ct_jget(status, "code"));
		if (code >= 400) {
			ev->outcome = "failure";
			if ((s = ct_jstr(status, "reason")) != NULL)
				ev->error_code = s;
			else {
				if (asprintf(&tmp, "%lld", (long long)code) < 0)
					return ct_error(CT_ERR_NOMEM, "out of memory");
				ev->error_code = ct_pevent_own(ev, tmp);
			}
		} else {
			ev->outcome = "success";
		}
	}
	return 0;
}
