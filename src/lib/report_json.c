/*
 * report_json.c - the JSON report (schema documented in README "credtrail report") and its
 * signed form: an in-toto Statement v1 in a DSSE envelope.
 *
 * Members are added in a fixed order and every list comes out of the correlation already
 * sorted (events by time, findings by severity then kind), so the same store gives the same
 * bytes.  Times are RFC 3339 UTC with microseconds; absent values are JSON null, never
 * missing members, so consumers can rely on the shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lib/attest.h"
#include "lib/correlate.h"
#include "lib/dsse.h"
#include "lib/evlog.h"
#include "lib/report.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

static json_t *
jtime(int64_t us, int present)
{
	char ts[40];

	if (!present)
		return json_null();
	ct_time_fmt(us, 1, ts, sizeof(ts));
	return json_string(ts);
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jstrs(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static const char *
role_name(enum ct_corr_role r)
{
	switch (r) {
	case CT_ROLE_USE: return "use";
	case CT_ROLE_ISSUANCE: return "issuance";
	case CT_ROLE_CLAIM: return "claim";
	}
	return "unknown";
}

static json_t *
explained_value(enum ct_corr_explained x)
{
	switch (x) {
	case CT_EXPL_YES: return json_true();
	case CT_EXPL_NO: return json_false();
	default: return json_null();
	}
}

static json_t *
event_json(const struct ct_corr *c, const struct ct_corr_event *e)
{
	json_t *o, *iam, *flags, *conn = json_null();
	int i;

	if ((iam = json_array()) == NULL || (flags = json_array()) == NULL) {
		json_decref(iam);
		return NULL;
	}
	for (i = 0; i < e->niam; i++)
		json_array_append_new(iam, json_string(e->iam[i]));
	if (e->flags & CT_EVF_UNEXPECTED_SOURCE)
		json_array_append_new(flags, json_string("unexpected-source"));
	if (e->flags & CT_EVF_AFTER_RUN)
		json_array_append_new(flags, json_string("after-run"));
	if (e->flags & CT_EVF_BEFORE_RUN)
		json_array_append_new(flags, json_string("outside-run"));
	if (e->flags & CT_EVF_AFTER_EXPIRY)
		json_array_append_new(flags, json_string("after-expiry"));
	if (e->flags & CT_EVF_DATA_EVENT)
		json_array_append_new(flags, json_string("data-event"));
	if (e->flags & CT_EVF_WEAK_JOIN)
		json_array_append_new(flags, json_string("weak-join"));
	if (e->conn >= 0) {
		const struct ct_corr_conn *cn = &c->conns[e->conn];

		json_decref(conn);
		conn = json_pack("{s:s?, s:s?, s:i, s:s, s:I, s:o, s:o}", "host",
		    cn->nnames > 0 ? cn->names[0] : NULL, "address", cn->dst, "port", cn->dport,
		    "run", cn->run_id, "net_event", (json_int_t)cn->id,
		    "open", jtime(cn->open_us, 1), "close", jtime(cn->close_us, cn->closed));
	}
	o = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:o, s:s, s:s?, s:i, s:o, s:o?, s:o, s:o}",
	    "id", (json_int_t)e->id, "provider", e->provider != NULL ? e->provider : "?",
	    "event_id", jstr(e->event_id), "time", jtime(e->time_us, e->has_time),
	    "service", jstr(e->service), "action", jstr(e->action), "iam_actions", iam,
	    "principal", jstr(e->principal), "access_key_id", jstr(e->access_key_id),
	    "source_ip", jstr(e->source_ip),
	    "source_host", jstr(e->source_host), "outcome", jstr(e->outcome),
	    "error_code", jstr(e->error_code), "region", jstr(e->region),
	    "account", jstr(e->account),
	    "role", role_name(e->role), "join", e->join, "chain_depth", e->depth,
	    "explained", explained_value(e->explained), "connection", conn,
	    "note", jstr(e->note), "flags", flags);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "evidence", json_pack("{s:o, s:o, s:o}", "file", jstr(e->file),
	    "offset", e->file_offset >= 0 ? json_integer((json_int_t)e->file_offset) :
	    json_null(), "raw_sha256", jstr(e->raw_sha256)));
	return o;
}

static json_t *
cred_json(const struct ct_corr *c, size_t ci)
{
	const struct ct_corr_cred *cr = &c->creds[ci];
	json_t *o, *events, *keys, *scope, *hosts, *issuance = json_null();
	size_t i;

	if ((events = json_array()) == NULL || (hosts = json_array()) == NULL) {
		json_decref(events);
		return NULL;
	}
	for (i = 0; i < c->nevents; i++) {
		const struct ct_corr_event *e = &c->events[i];

		if (e->cred != (int)ci)
			continue;
		if (e->role == CT_ROLE_ISSUANCE) {
			json_decref(issuance);
			issuance = event_json(c, e);
			continue;
		}
		if (e->role != CT_ROLE_USE)
			continue;
		json_array_append_new(events, event_json(c, e));
		if (e->conn >= 0 && c->conns[e->conn].nnames > 0) {
			const char *h = c->conns[e->conn].names[0];
			size_t k;
			int seen = 0;

			for (k = 0; k < json_array_size(hosts); k++)
				seen |= strcmp(json_string_value(json_array_get(hosts, k)), h) == 0;
			if (!seen)
				json_array_append_new(hosts, json_string(h));
		}
	}
	keys = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "access_key_id", jstr(cr->access_key_id), "session_name", jstr(cr->session_name),
	    "source_identity", jstr(cr->source_identity), "role_arn", jstr(cr->role_arn),
	    "assumed_role_arn", jstr(cr->assumed_role_arn), "jti", jstr(cr->jti),
	    "subject", jstr(cr->subject), "issuer", jstr(cr->issuer), "serial", jstr(cr->serial),
	    "key_id", jstr(cr->key_id), "ca_fingerprint", jstr(cr->ca_fingerprint));
	scope = json_pack("{s:b, s:o, s:O, s:O, s:O, s:b}", "evaluated", cr->scope_evaluated,
	    "note", jstr(cr->scope_note), "granted", cr->granted, "unused", cr->unused,
	    "undetermined", cr->undetermined, "logs_cover", cr->logs_cover);
	o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:O, s:O, s:{s:I, s:I, s:I, s:I},"
	    " s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)cr->id, "kind", cr->kind, "principal", cr->principal,
	    "issued", jtime(cr->issued_us, 1), "expires", jtime(cr->expires_us, 1),
	    "join_keys", keys, "role_chain", jstrs(cr->chain, cr->nchain),
	    "actions_used", cr->used, "actions_refused", cr->failed,
	    "event_counts", "total", (json_int_t)cr->nuse, "explained", (json_int_t)cr->nexplained,
	    "unexplained", (json_int_t)cr->nunexplained, "unknown", (json_int_t)cr->nunknown,
	    "first_use", jtime(cr->first_use_us, cr->first_use_us != 0),
	    "last_use", jtime(cr->last_use_us, cr->last_use_us != 0),
	    "hosts", hosts, "scope", scope, "issued_by_event", issuance, "events", events);
	return o;
}

static json_t *
egress_json(const struct ct_corr_egress *g)
{
	return json_pack("{s:s, s:o, s:i, s:s, s:I, s:I, s:s, s:b, s:o, s:I, s:o, s:o}",
	    "host", g->host, "addresses", jstrs(g->addresses, g->naddresses), "port", g->port,
	    "proto", g->proto, "count", (json_int_t)g->count, "denied", (json_int_t)g->denied,
	    "verdict", g->verdict, "direct_ip", g->direct_ip,
	    "allowed", g->allowed < 0 ? json_null() : json_boolean(g->allowed),
	    "explained_events", (json_int_t)g->nexplained,
	    "first", jtime(g->first_us, 1), "last", jtime(g->last_us, 1));
}

static json_t *
run_json(const struct ct_corr_run *ru)
{
	json_t *drops = ru->drops != NULL ? json_loads(ru->drops, 0, NULL) : NULL;

	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:s, s:b, s:o, s:I,"
	    " s:o, s:o}",
	    "id", ru->id, "backend", jstr(ru->backend), "mode", jstr(ru->mode),
	    "start", jtime(ru->start_us, 1), "end", jtime(ru->end_us, ru->ended),
	    "complete", ru->complete,
	    "exit_status", ru->exit_status >= 0 ? json_integer(ru->exit_status) : json_null(),
	    "drops", drops != NULL ? drops : json_null(), "events_path", jstr(ru->events_path),
	    "verdict", ru->verdict, "verified", ru->verified, "detail", jstr(ru->detail),
	    "records", (json_int_t)ru->records, "attestation", jstr(ru->attestation_path),
	    "attestation_digest", jstr(ru->attestation_digest));
}

static json_t *
logs_json(const struct ct_corr *c)
{
	json_t *o = json_object(), *v;
	const char *k;

	if (o == NULL)
		return NULL;
	json_object_foreach(c->logs, k, v) {
		int found = json_is_true(json_object_get(v, "found"));
		json_int_t until = json_integer_value(json_object_get(v, "complete_until_us"));

		json_object_set_new(o, k, json_pack("{s:o, s:o, s:s}",
		    "latest_event", jtime(json_integer_value(json_object_get(v, "latest_us")),
		    found), "complete_until", jtime(until, until != 0),
		    "source", json_string_value(json_object_get(v, "source"))));
	}
	return o;
}

int
ct_report_json(const struct ct_corr *c, json_t **out)
{
	json_t *o = NULL, *creds, *egress, *runs, *findings, *claims, *reasons, *declared,
	    *learned, *att;
	size_t i, nverified = 0;
	const char *digest = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	creds = json_array();
	egress = json_array();
	runs = json_array();
	findings = json_array();
	claims = json_array();
	declared = json_array();
	learned = json_array();
	reasons = jstrs(c->incomplete, c->nincomplete);
	if (creds == NULL || egress == NULL || runs == NULL || findings == NULL ||
	    claims == NULL || reasons == NULL || declared == NULL || learned == NULL)
		goto nomem;
	for (i = 0; i < c->ncreds; i++)
		if (json_array_append_new(creds, cred_json(c, i)) != 0)
			goto nomem;
	for (i = 0; i < c->nevents; i++)
		if (c->events[i].role == CT_ROLE_CLAIM &&
		    json_array_append_new(claims, event_json(c, &c->events[i])) != 0)
			goto nomem;
	for (i = 0; i < c->negress; i++)
		if (json_array_append_new(egress, egress_json(&c->egress[i])) != 0)
			goto nomem;
	for (i = 0; i < c->nruns; i++) {
		if (json_array_append_new(runs, run_json(&c->runs[i])) != 0)
			goto nomem;
		nverified += c->runs[i].verified;
		if (c->runs[i].attestation_digest != NULL)
			digest = c->runs[i].attestation_digest;
	}
	for (i = 0; i < c->nfindings; i++) {
		const struct ct_finding *f = &c->findings[i];

		if (json_array_append_new(findings, json_pack("{s:s, s:s, s:s, s:O}",
		    "severity", ct_severity_name(f->severity), "kind", f->kind,
		    "summary", f->summary, "evidence", f->evidence)) != 0)
			goto nomem;
	}
	for (i = 0; i < c->negress_ips; i++)
		json_array_append_new(i < c->negress_ips - c->nlearned_ips ? declared : learned,
		    json_string(c->egress_ips[i]));
	att = json_pack("{s:o, s:b, s:I, s:I}", "digest", jstr(digest),
	    "verified", c->nruns > 0 && nverified == c->nruns,
	    "runs", (json_int_t)c->nruns, "runs_verified", (json_int_t)nverified);
	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:O, s:{s:f, s:f}, s:o, s:O, s:O,"
	    " s:{s:O, s:O}, s:O, s:O, s:o, s:o}",
	    "schema", CT_REPORT_SCHEMA_V1, "task", c->task, "class", jstr(c->task_class),
	    "task_created", jtime(c->task_created_us, 1), "generated", jtime(c->now_us, 1),
	    "complete", c->nincomplete == 0, "incomplete_reasons", reasons,
	    "parameters", "clock_skew_seconds", (double)c->skew_us / 1e6,
	    "delivery_window_seconds", (double)c->delivery_us / 1e6,
	    "logs", logs_json(c), "findings", findings, "credentials", creds,
	    "egress_addresses", "declared", declared, "learned", learned,
	    "egress", egress, "runs", runs, "claims", json_incref(claims), "attestation", att);
	if (o == NULL)
		goto nomem;
	*out = o;
	o = NULL;
	r = 0;
	goto out;
 nomem:
	r = ct_error(CT_ERR_NOMEM, "out of memory");
 out:
	json_decref(creds);
	json_decref(egress);
	json_decref(runs);
	json_decref(findings);
	json_decref(claims);
	json_decref(reasons);
	json_decref(declared);
	json_decref(learned);
	json_decref(o);
	return r;
}

int
ct_report_statement(json_t *report, json_t **out)
{
	char *canon = NULL, name[128], hex[65];
	uint8_t md[32];
	unsigned int mdlen = 0;
	size_t len = 0;
	const char *task;
	int r;

	*out = NULL;
	task = json_string_value(json_object_get(report, "task"));
	if (task == NULL)
		return ct_error(CT_ERR_INVALID, "report has no task");
	if ((r = ct_evlog_canonical(report, &canon, &len)) != 0)
		return r;
	if (EVP_Digest(canon, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		free(canon);
		return ct_error(CT_ERR_CRYPTO, "cannot hash the report");
	}
	free(canon);
	ct_hex_fmt(md, 32, hex);
	snprintf(name, sizeof(name), "credtrail-report-%s.json", task);
	*out = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:O}",
	    "_type", CT_INTOTO_STATEMENT_V1,
	    "subject", "name", name, "digest", "sha256", hex,
	    "predicateType", CT_REPORT_PREDICATE_V1, "predicate", report);
	return *out != NULL ? 0 : ct_error(CT_ERR_NOMEM, "out of memory");
}

int
ct_report_sign(EVP_PKEY *key, json_t *report, char **out, size_t *outlen)
{
	json_t *stmt = NULL;
	char *payload = NULL;
	size_t plen = 0;
	int r;

	*out = NULL;
	*outlen = 0;
	if ((r = ct_report_statement(report, &stmt)) != 0)
		return r;
	/* the payload is the statement's canonical bytes, as run attestations are */
	if ((r = ct_evlog_canonical(stmt, &payload, &plen)) == 0)
		r = ct_dsse_sign(key, CT_DSSE_INTOTO_TYPE, (const uint8_t *)payload, plen, out,
		    outlen);
	free(payload);
	json_decref(stmt);
	return r;
}

int
ct_report_verify(const uint8_t *data, size_t len, EVP_PKEY *const *keys, size_t nkeys,
    json_t **report, char keyid[65])
{
	struct ct_dsse env;
	json_t *stmt = NULL, *pred, *subj;
	json_error_t jerr;
	char *canon = NULL, hex[65];
	const char *want;
	uint8_t md[32];
	unsigned int mdlen = 0;
	size_t clen = 0, which = 0;
	int r;

	if (report != NULL)
		*report = NULL;
	if (keyid != NULL)
		keyid[0] = '\0';
	memset(&env, 0, sizeof(env));
	if ((r = ct_dsse_parse(data, len, &env)) != 0)
		return r;
	if (strcmp(env.payload_type, CT_DSSE_INTOTO_TYPE) != 0) {
		r = ct_error(CT_ERR_FORMAT, "payloadType is '%s', not '%s'", env.payload_type,
		    CT_DSSE_INTOTO_TYPE);
		goto out;
	}
	if ((r = ct_dsse_verify(&env, keys, nkeys, &which)) != 0)
		goto out;
	stmt = json_loadb((const char *)env.payload, env.payload_len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (!json_is_object(stmt)) {
		r = ct_error(CT_ERR_FORMAT, "statement is not a JSON object: %s", jerr.text);
		goto out;
	}
	pred = json_object_get(stmt, "predicate");
	subj = json_array_get(json_object_get(stmt, "subject"), 0);
	want = json_string_value(json_object_get(json_object_get(subj, "digest"), "sha256"));
	if (strcmp(json_string_value(json_object_get(stmt, "_type")) != NULL ?
	    json_string_value(json_object_get(stmt, "_type")) : "", CT_INTOTO_STATEMENT_V1) != 0 ||
	    json_string_value(json_object_get(stmt, "predicateType")) == NULL ||
	    strcmp(json_string_value(json_object_get(stmt, "predicateType")),
	    CT_REPORT_PREDICATE_V1) != 0 || !json_is_object(pred) ||
	    json_array_size(json_object_get(stmt, "subject")) != 1 || want == NULL) {
		r = ct_error(CT_ERR_FORMAT, "not an in-toto statement of a credtrail report");
		goto out;
	}
	/* one byte form only: the payload is the statement's canonical encoding */
	if ((r = ct_evlog_canonical(stmt, &canon, &clen)) != 0)
		goto out;
	if (clen != env.payload_len || memcmp(canon, env.payload, clen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "statement is not in canonical form");
		goto out;
	}
	free(canon);
	canon = NULL;
	if ((r = ct_evlog_canonical(pred, &canon, &clen)) != 0)
		goto out;
	if (EVP_Digest(canon, clen, md, &mdlen, EVP_sha256(), NULL) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot hash the report");
		goto out;
	}
	ct_hex_fmt(md, 32, hex);
	if (strcmp(hex, want) != 0) {
		r = ct_error(CT_ERR_VERIFY, "the report's digest is not the statement's subject");
		goto out;
	}
	if (keyid != NULL && (r = ct_dsse_keyid(keys[which], keyid)) != 0)
		goto out;
	if (report != NULL)
		*report = json_incref(pred);
	r = 0;
 out:
	json_decref(stmt);
	free(canon);
	ct_dsse_release(&env);
	return r;
}
