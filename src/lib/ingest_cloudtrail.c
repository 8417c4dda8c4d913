/*
 * ingest_cloudtrail.c - AWS CloudTrail records into normalised events.
 *
 * Shapes: the records of a trail file (camelCase), `aws cloudtrail lookup-events` output
 * (PascalCase wrapper with the record as a JSON string in CloudTrailEvent), CloudTrail Lake
 * and Athena exports (often lower-cased names, requestParameters as a JSON string).
 *
 * Real records are messy (see the samples this was tested on): readOnly is a bool or a
 * string, requestParameters may be null, userIdentity may be missing (AWS service events),
 * sourceIPAddress may be a service name ("ec2.amazonaws.com") or an anonymised non-address,
 * and credentials.expiration is "Sep 14, 2020, 7:10:27 AM", not ISO 8601.
 *
 * For calls that issue credentials (AssumeRole*, GetFederationToken, GetSessionToken) the
 * issued access key id, session name and source identity are kept: they are the link from
 * one credential to the next in a role chain.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/ingest.h"
#include "util/err.h"

/* A field that is an object, or a JSON string holding one (Athena, Lake). */
static json_t *
obj_field(struct ct_pevent *ev, json_t *rec, const char *key)
{
	json_t *v = ct_jget(rec, key), *p;

	if (json_is_object(v))
		return v;
	if (json_is_string(v) && json_string_length(v) > 0 &&
	    json_string_value(v)[0] == '{') {
		p = json_loadb(json_string_value(v), json_string_length(v), 0, NULL);
		if (json_is_object(p) && ct_pevent_hold(ev, p) == 0) {
			json_decref(p);
			return p;
		}
		json_decref(p);
	}
	return NULL;
}

/* "arn:aws:sts::123:assumed-role/Role/session" -> "session"; NULL without a session part */
static const char *
arn_session(struct ct_pevent *ev, const char *arn)
{
	const char *p, *slash;

	if (arn == NULL || (p = strstr(arn, ":assumed-role/")) == NULL)
		return NULL;
	p += strlen(":assumed-role/");
	if ((slash = strchr(p, '/')) == NULL || slash[1] == '\0')
		return NULL;
	return ct_pevent_strndup(ev, slash + 1, strlen(slash + 1));
}

static int
issues_credentials(const char *name)
{
	return name != NULL && (strncmp(name, "AssumeRole", 10) == 0 ||
	    strcmp(name, "GetFederationToken") == 0 || strcmp(name, "GetSessionToken") == 0);
}

int
ct_ingest_cloudtrail_parse(json_t *rec, struct ct_pevent *ev)
{
	json_t *ui, *sc, *req, *resp, *creds, *v, *inner = NULL, *tv;
	const char *name, *type, *s;
	int r = CT_ERR_INTERNAL;

	if (!json_is_object(rec))
		return ct_error(CT_ERR_FORMAT, "record is not a JSON object");
	ev->provider = "aws";

	/* lookup-events: the real record is a string in CloudTrailEvent */
	if ((v = json_object_get(rec, "CloudTrailEvent")) != NULL) {
		if (!json_is_string(v))
			return ct_error(CT_ERR_FORMAT, "CloudTrailEvent is not a string");
		inner = json_loadb(json_string_value(v), json_string_length(v), 0, NULL);
		if (!json_is_object(inner)) {
			json_decref(inner);
			return ct_error(CT_ERR_FORMAT, "CloudTrailEvent does not hold a JSON object");
		}
		r = ct_pevent_hold(ev, inner);
		json_decref(inner);	/* the event holds it now */
		if (r != 0)
			goto out;
		if (ct_jget(inner, "eventTime") == NULL && ct_jget(rec, "EventTime") == NULL) {
			r = ct_error(CT_ERR_FORMAT, "no eventTime");
			goto out;
		}
	}
	if (inner != NULL) {
		json_t *outer = rec;

		rec = inner;
		/* the wrapper's copies stand in for what the inner record lacks */
		if (ct_jget(rec, "eventTime") == NULL && (tv = ct_jget(outer, "EventTime")) != NULL &&
		    ct_ingest_time(tv, &ev->time_us) == 0)
			ev->has_time = 1;
		if (ct_jget(rec, "eventID") == NULL)
			ev->event_id = ct_jstr(outer, "EventId");
		if (ct_jget(rec, "eventName") == NULL)
			ev->action = ct_jstr(outer, "EventName");
		if (ct_jget(rec, "eventSource") == NULL)
			ev->service = ct_jstr(outer, "EventSource");
	}

	if (!ev->has_time) {
		tv = ct_jget(rec, "eventTime");
		if (tv == NULL)
			tv = json_object_get(rec, "@timestamp");
		if (tv == NULL) {
			r = ct_error(CT_ERR_FORMAT, "no eventTime");
			goto out;
		}
		if ((r = ct_ingest_time(tv, &ev->time_us)) != 0)
			goto out;
		ev->has_time = 1;
	}
	if ((s = ct_jstr(rec, "eventID")) != NULL)
		ev->event_id = s;
	if ((s = ct_jstr(rec, "eventSource")) != NULL)
		ev->service = s;
	if ((name = ct_jstr(rec, "eventName")) != NULL)
		ev->action = name;
	if (ev->service == NULL && ev->action == NULL) {
		r = ct_error(CT_ERR_FORMAT, "no eventSource or eventName");
		goto out;
	}
	ev->region = ct_jstr(rec, "awsRegion");
	ev->user_agent = ct_jstr(rec, "userAgent");
	ct_pevent_source(ev, ct_jstr(rec, "sourceIPAddress"));
	ev->read_only = ct_jbool(ct_jget(rec, "readOnly"));
	if ((s = ct_jstr(rec, "errorCode")) != NULL) {
		ev->outcome = "failure";
		ev->error_code = s;
	} else {
		ev->outcome = "success";
	}
	ev->resources = ct_pevent_json(ev, ct_jget(rec, "resources"));

	/* who: missing for some service events */
	ui = obj_field(ev, rec, "userIdentity");
	if (ui != NULL) {
		type = ct_jstr(ui, "type");
		ev->principal = ct_jstr(ui, "arn");
		if (ev->principal == NULL && type != NULL && strcmp(type, "AWSService") == 0)
			ev->principal = ct_jstr(ui, "invokedBy");
		ev->access_key_id = ct_jstr(ui, "accessKeyId");
		ev->account = ct_jstr(ui, "accountId");
		ev->session_name = arn_session(ev, ev->principal);
		sc = ct_jget(ui, "sessionContext");
		ev->source_identity = ct_jstr(sc, "sourceIdentity");
		if (ev->source_identity == NULL)
			ev->source_identity = ct_jstr(ui, "sourceIdentity");
		/* the chain behind the principal: issuer role, service acting for it */
		v = json_object();
		if (v == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((s = ct_jpath_str(sc, "sessionIssuer.arn")) != NULL)
			json_object_set_new(v, "sessionIssuer", json_string(s));
		if ((s = ct_jstr(ui, "invokedBy")) != NULL)
			json_object_set_new(v, "invokedBy", json_string(s));
		if ((tv = ct_jget(ui, "onBehalfOf")) != NULL && !json_is_null(tv))
			json_object_set(v, "onBehalfOf", tv);
		if ((tv = ct_jpath(sc, "webIdFederationData.federatedProvider")) != NULL &&
		    json_is_string(tv))
			json_object_set(v, "federatedProvider", tv);
		ev->delegation = ct_pevent_json(ev, v);
		json_decref(v);
	}
	if ((s = ct_jstr(rec, "recipientAccountId")) != NULL)
		ev->account = s;

	/* credentials issued by this call */
	req = obj_field(ev, rec, "requestParameters");
	resp = obj_field(ev, rec, "responseElements");
	if (issues_credentials(name)) {
		creds = ct_jget(resp, "credentials");
		ev->issued_access_key_id = ct_jstr(creds, "accessKeyId");
		if ((tv = ct_jget(creds, "expiration")) != NULL &&
		    ct_ingest_time(tv, &ev->issued_expires_us) == 0)
			ev->has_issued_expires = 1;
		ct_error_clear();
		ev->issued_session_name = ct_jstr(req, "roleSessionName");
		if (ev->issued_session_name == NULL)
			ev->issued_session_name = ct_jstr(req, "name");	/* GetFederationToken */
		ev->issued_source_identity = ct_jstr(req, "sourceIdentity");
		if (ev->issued_source_identity == NULL)
			ev->issued_source_identity = ct_jstr(resp, "sourceIdentity");
		ev->issued_principal = ct_jpath_str(resp, "assumedRoleUser.arn");
		if (ev->issued_principal == NULL)
			ev->issued_principal = ct_jpath_str(resp, "federatedUser.arn");
		if (ev->issued_session_name == NULL)
			ev->issued_session_name = arn_session(ev, ev->issued_principal);
		/* the web identity behind AssumeRoleWithWebIdentity: the token's sub */
		ev->subject = ct_jstr(resp, "subjectFromWebIdentityToken");
		ev->session_tags = ct_pevent_json(ev, ct_jget(req, "tags"));
	}
	r = 0;
 out:
	return r;
}
