/*
 * ingest_cloudtrail.c - AWS CloudTrail records into normalised events.
 *
 * Shapes: the records of a trail file (camelCase), `aws cloudtrail lookup-events` output
 * (PascalCase wrapper with the record as a JSON string in CloudTrailEvent), CloudTrail Lake
 * and Athena exports (often lower-cased names; userIdentity, requestParameters and
 * responseElements as JSON strings).
 *
 * Real records are messy (see the samples this was tested on): readOnly is a bool or a
 * string, requestParameters may be null, userIdentity may be missing (AWS service events),
 * sourceIPAddress may be a service name ("ec2.amazonaws.com") or an anonymised non-address,
 * and credentials.expiration is "Sep 14, 2020, 7:10:27 AM", not ISO 8601.
 *
 * For calls that issue credentials (AssumeRole*, GetFederationToken, GetSessionToken) the
 * issued access key id, session name and source identity are kept: they are the link from
 * one credential to the next in a role chain.
 *
 * Records are read through ct_jdoc, not jansson: an organisation trail is the largest input
 * credtrail sees, and the flat parse is several times cheaper (see bench/ingest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ingest.h"
#include "util/err.h"

/* A document node: which doc, which node. */
struct jv {
	struct ct_jdoc *d;
	int i;
};

static struct jv
get(struct jv o, const char *key)
{
	struct jv v = { o.d, -1 };

	if (o.d != NULL && o.i >= 0)
		v.i = ct_jdoc_get(o.d, o.i, key);
	return v;
}

static struct jv
path(struct jv o, const char *p)
{
	struct jv v = { o.d, -1 };

	if (o.d != NULL && o.i >= 0)
		v.i = ct_jdoc_path(o.d, o.i, p);
	return v;
}

static const char *
str(struct jv v)
{
	return v.d != NULL ? ct_jdoc_str(v.d, v.i) : NULL;
}

static int
type(struct jv v)
{
	return v.d != NULL ? ct_jdoc_type(v.d, v.i) : CT_JNONE;
}

static int
present(struct jv v)
{
	int t = type(v);

	return t != CT_JNONE && t != CT_JNULL;
}

/* An object, or a JSON string holding one (Athena, Lake): parsed into an owned doc. */
static struct jv
obj_field(struct ct_pevent *ev, struct jv rec, const char *key)
{
	struct jv v = get(rec, key), none = { NULL, -1 };
	struct ct_jdoc *d = NULL;
	const char *s;

	if (type(v) == CT_JOBJ)
		return v;
	if (type(v) == CT_JSTR && (s = str(v)) != NULL && s[0] == '{' &&
	    ct_pevent_doc(ev, s, strlen(s), &d) == 0 && d != NULL && ct_jdoc_type(d, 0) == CT_JOBJ) {
		v.d = d;
		v.i = 0;
		return v;
	}
	return none;
}

static int
time_of(struct jv v, int64_t *out)
{
	const char *s;

	if (type(v) == CT_JSTR && (s = str(v)) != NULL)
		return ct_ingest_time_str(s, strlen(s), out);
	if (type(v) == CT_JNUM) {
		char buf[32];
		size_t n = v.d->nodes[v.i].len;

		if (n >= sizeof(buf))
			return ct_error(CT_ERR_FORMAT, "timestamp out of range");
		memcpy(buf, v.d->p + v.d->nodes[v.i].start, n);
		buf[n] = '\0';
		return ct_ingest_time_str(buf, n, out);
	}
	return ct_error(CT_ERR_FORMAT, "timestamp is not a string");
}

/* "arn:aws:sts::123:assumed-role/Role/session" -> "session"; NULL without a session part */
static const char *
arn_session(const char *arn)
{
	const char *p, *slash;

	if (arn == NULL || (p = strstr(arn, ":assumed-role/")) == NULL)
		return NULL;
	p += strlen(":assumed-role/");
	if ((slash = strchr(p, '/')) == NULL || slash[1] == '\0')
		return NULL;
	return slash + 1;
}

static int
issues_credentials(const char *name)
{
	return name != NULL && (strncmp(name, "AssumeRole", 10) == 0 ||
	    strcmp(name, "GetFederationToken") == 0 || strcmp(name, "GetSessionToken") == 0);
}

/* Append "name":<json string of s> to a JSON object being built in b. */
static int
add_member(struct json_t *o, const char *name, const char *s)
{
	return s != NULL ? json_object_set_new(o, name, json_string(s)) : 0;
}

int
ct_ingest_cloudtrail_parse(struct ct_jdoc *doc, int root, struct ct_pevent *ev)
{
	struct jv rec = { doc, root }, outer, v, ui, sc, req, resp, creds;
	struct ct_jdoc *inner = NULL;
	const char *name = NULL, *ty, *s, *invoked;
	json_t *dl;
	int r;

	if (ct_jdoc_type(doc, root) != CT_JOBJ)
		return ct_error(CT_ERR_FORMAT, "record is not a JSON object");
	ev->provider = "aws";

	/* lookup-events: the real record is a string in CloudTrailEvent */
	v = get(rec, "CloudTrailEvent");
	if (type(v) != CT_JNONE) {
		if (type(v) != CT_JSTR || (s = str(v)) == NULL)
			return ct_error(CT_ERR_FORMAT, "CloudTrailEvent is not a string");
		if ((r = ct_pevent_doc(ev, s, strlen(s), &inner)) != 0)
			return r;
		if (inner == NULL || ct_jdoc_type(inner, 0) != CT_JOBJ)
			return ct_error(CT_ERR_FORMAT, "CloudTrailEvent does not hold a JSON object");
		outer = rec;
		rec.d = inner;
		rec.i = 0;
		/* the wrapper's copies stand in for what the inner record lacks */
		if (!present(get(rec, "eventTime")) && present(v = get(outer, "EventTime"))) {
			if ((r = time_of(v, &ev->time_us)) != 0)
				return r;
			ev->has_time = 1;
		}
		ev->event_id = str(get(outer, "EventId"));
		ev->action = name = str(get(outer, "EventName"));
		ev->service = str(get(outer, "EventSource"));
	}

	if (!ev->has_time) {
		v = get(rec, "eventTime");
		if (!present(v))
			v = get(rec, "@timestamp");
		if (!present(v))
			return ct_error(CT_ERR_FORMAT, "no eventTime");
		if ((r = time_of(v, &ev->time_us)) != 0)
			return r;
		ev->has_time = 1;
	}
	if ((s = str(get(rec, "eventID"))) != NULL)
		ev->event_id = s;
	if ((s = str(get(rec, "eventSource"))) != NULL)
		ev->service = s;
	if ((s = str(get(rec, "eventName"))) != NULL)
		ev->action = name = s;
	if (ev->service == NULL && ev->action == NULL)
		return ct_error(CT_ERR_FORMAT, "no eventSource or eventName");
	ev->region = str(get(rec, "awsRegion"));
	ev->user_agent = str(get(rec, "userAgent"));
	ct_pevent_source(ev, str(get(rec, "sourceIPAddress")));
	v = get(rec, "readOnly");
	ev->read_only = ct_jdoc_bool(v.d, v.i);
	if ((s = str(get(rec, "errorCode"))) != NULL) {
		ev->outcome = "failure";
		ev->error_code = s;
	} else {
		ev->outcome = "success";
	}
	v = get(rec, "resources");
	ev->resources = ct_jdoc_json(v.d, v.i);

	/* who: missing for some service events */
	ui = obj_field(ev, rec, "userIdentity");
	if (ui.i >= 0) {
		ty = str(get(ui, "type"));
		invoked = str(get(ui, "invokedBy"));
		ev->principal = str(get(ui, "arn"));
		if (ev->principal == NULL && ty != NULL && strcmp(ty, "AWSService") == 0)
			ev->principal = invoked;
		ev->access_key_id = str(get(ui, "accessKeyId"));
		ev->account = str(get(ui, "accountId"));
		ev->session_name = arn_session(ev->principal);
		sc = get(ui, "sessionContext");
		ev->source_identity = str(get(sc, "sourceIdentity"));
		if (ev->source_identity == NULL)
			ev->source_identity = str(get(ui, "sourceIdentity"));
		/* the chain behind the principal: issuer role, service acting for it */
		if ((dl = json_object()) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		add_member(dl, "sessionIssuer", str(path(sc, "sessionIssuer.arn")));
		add_member(dl, "invokedBy", invoked);
		v = get(ui, "onBehalfOf");
		if (present(v) && (s = ct_jdoc_json(v.d, v.i)) != NULL)
			json_object_set_new(dl, "onBehalfOf", json_loads(s, 0, NULL));
		add_member(dl, "federatedProvider",
		    str(path(sc, "webIdFederationData.federatedProvider")));
		ev->delegation = ct_pevent_json(ev, dl);
		json_decref(dl);
	}
	if ((s = str(get(rec, "recipientAccountId"))) != NULL)
		ev->account = s;

	/* credentials issued by this call */
	if (issues_credentials(name)) {
		req = obj_field(ev, rec, "requestParameters");
		resp = obj_field(ev, rec, "responseElements");
		creds = get(resp, "credentials");
		ev->issued_access_key_id = str(get(creds, "accessKeyId"));
		v = get(creds, "expiration");
		if (present(v) && time_of(v, &ev->issued_expires_us) == 0)
			ev->has_issued_expires = 1;
		ct_error_clear();
		ev->issued_session_name = str(get(req, "roleSessionName"));
		if (ev->issued_session_name == NULL)
			ev->issued_session_name = str(get(req, "name"));	/* federation */
		ev->issued_source_identity = str(get(req, "sourceIdentity"));
		if (ev->issued_source_identity == NULL)
			ev->issued_source_identity = str(get(resp, "sourceIdentity"));
		ev->issued_principal = str(path(resp, "assumedRoleUser.arn"));
		if (ev->issued_principal == NULL)
			ev->issued_principal = str(path(resp, "federatedUser.arn"));
		if (ev->issued_session_name == NULL)
			ev->issued_session_name = arn_session(ev->issued_principal);
		/* the web identity behind AssumeRoleWithWebIdentity: the token's sub */
		ev->subject = str(get(resp, "subjectFromWebIdentityToken"));
		v = get(req, "tags");
		ev->session_tags = v.d != NULL ? ct_jdoc_json(v.d, v.i) : NULL;
	}
	return 0;
}
