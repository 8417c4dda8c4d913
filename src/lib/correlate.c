/*
 * correlate.c - credentials x provider events x egress for one task (see correlate.h).
 *
 * Cost: every lookup is an index probe (EXPLAIN QUERY PLAN is checked in test_correlate.c
 * and printed by bench/report): credentials by task, provider events by each join key and
 * by index ranges for task-named principals, runs by task, network events by (run, time).
 * What is fetched is proportional to the task's own evidence, not to the store: a store of
 * ten million provider events answers a task in milliseconds.  The joins between the
 * fetched rows (event x connection, action x granted pattern) happen in memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lib/db.h"
#include "lib/actionmap.h"
#include "lib/attest.h"
#include "lib/correlate.h"
#include "lib/dsse.h"
#include "lib/endpoints.h"
#include "lib/evlog.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/netpolicy.h"
#include "lib/store.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define NAMES_JSON_MAX	(64 * 1024)	/* longest names column parsed */
#define CLOSE_MATCH_US	1000000		/* a close row's open time vs its connect's time */
#define WIF_TOKEN_US	(3600 * 1000000LL)	/* a federated token outlives its JWT by <= 1 h */

/*
 * ---- the SQL (also returned by ct_correlate_queries) ----
 *
 * "provider || ''" (SQLite's unary '+' in the SQL both backends accept, db.h) keeps SQLite
 * from choosing the (provider, dedupe_key) index, whose first column would make it read
 * every event of a provider: the time index is the one to walk.  Patterns are LIKE with
 * '\' escaping (case-sensitive on both backends).
 */

#define EV_COLS \
	"e.id, e.provider, e.event_id, e.time_us, e.principal, e.subject, e.session_name," \
	" e.access_key_id, e.source_identity, e.cert_key_id, e.cert_serial, e.ca_fingerprint," \
	" e.account, e.region, e.service, e.action, e.source_ip, e.source_host, e.user_agent," \
	" e.outcome, e.error_code, e.issued_access_key_id, e.issued_expires_us, e.raw_sha256," \
	" f.path, e.file_offset, e.token_accessor, e.lease_id, e.issued_session_name," \
	" e.issued_source_identity, e.session_tags"
#define EV_FROM " FROM provider_events e LEFT JOIN ingested_files f ON f.id = e.file_id WHERE "

enum {
	Q_AKID, Q_ISSUED_AKID, Q_SESSION, Q_SRCID, Q_JTI, Q_SUBJECT, Q_PRINCIPAL,
	Q_PRINCIPAL_WINDOW, Q_KEYID, Q_SERIAL, Q_ACCESSOR, Q_LEASE, Q_WIF, Q_VAULT_META,
	Q_TAGS,
	Q_R_SESSION, Q_R_SRCID, Q_R_KEYID, Q_R_SUBJECT, Q_R_ISSUED_SESSION, Q_R_ISSUED_SRCID,
	Q_RUNS, Q_NET, Q_LATEST,
	Q_COUNT
};

static const char *const queries[Q_COUNT + 1] = {
	[Q_AKID] = "SELECT " EV_COLS EV_FROM "e.access_key_id = ?",
	[Q_ISSUED_AKID] = "SELECT " EV_COLS EV_FROM "e.issued_access_key_id = ?",
	[Q_SESSION] = "SELECT " EV_COLS EV_FROM "e.session_name = ?",
	[Q_SRCID] = "SELECT " EV_COLS EV_FROM "e.source_identity = ?",
	[Q_JTI] = "SELECT " EV_COLS EV_FROM "e.jti = ?",
	[Q_SUBJECT] = "SELECT " EV_COLS EV_FROM "e.subject = ?",
	[Q_PRINCIPAL] = "SELECT " EV_COLS EV_FROM "e.principal = ?",
	[Q_PRINCIPAL_WINDOW] = "SELECT " EV_COLS EV_FROM
	    "e.principal = ? AND e.time_us BETWEEN ? AND ?",
	[Q_KEYID] = "SELECT " EV_COLS EV_FROM "e.cert_key_id = ?",
	[Q_SERIAL] = "SELECT " EV_COLS EV_FROM "e.cert_serial = ?",
	[Q_ACCESSOR] = "SELECT " EV_COLS EV_FROM "e.token_accessor = ?",
	[Q_LEASE] = "SELECT " EV_COLS EV_FROM "e.lease_id = ?",
	[Q_WIF] = "SELECT " EV_COLS EV_FROM
	    "e.time_us BETWEEN ? AND ? AND e.provider || '' = 'gcp' AND"
	    " (e.subject LIKE ? ESCAPE '\\' OR e.delegation LIKE ? ESCAPE '\\')",
	[Q_VAULT_META] = "SELECT " EV_COLS EV_FROM
	    "e.time_us BETWEEN ? AND ? AND e.provider || '' = 'vault' AND"
	    " e.vault_metadata LIKE ? ESCAPE '\\'",
	[Q_TAGS] = "SELECT " EV_COLS EV_FROM
	    "e.time_us BETWEEN ? AND ? AND e.provider || '' = 'aws' AND"
	    " e.session_tags LIKE ? ESCAPE '\\'",
	[Q_R_SESSION] = "SELECT " EV_COLS EV_FROM "e.session_name >= ? AND e.session_name < ?",
	[Q_R_SRCID] = "SELECT " EV_COLS EV_FROM
	    "e.source_identity >= ? AND e.source_identity < ?",
	[Q_R_KEYID] = "SELECT " EV_COLS EV_FROM "e.cert_key_id >= ? AND e.cert_key_id < ?",
	[Q_R_SUBJECT] = "SELECT " EV_COLS EV_FROM "e.subject >= ? AND e.subject < ?",
	[Q_R_ISSUED_SESSION] = "SELECT " EV_COLS EV_FROM
	    "e.issued_session_name >= ? AND e.issued_session_name < ?",
	[Q_R_ISSUED_SRCID] = "SELECT " EV_COLS EV_FROM
	    "e.issued_source_identity >= ? AND e.issued_source_identity < ?",
	[Q_RUNS] = "SELECT id, backend, mode, start_us, end_us, exit_status, drops, complete,"
	    " events_path, attestation_digest FROM runs WHERE task_id = ? ORDER BY start_us, id",
	[Q_NET] = "SELECT id, time_us, type, proto, family, src, sport, dst, dport, names,"
	    " verdict, bytes_sent, bytes_recv, open_us, close_us FROM net_events"
	    " WHERE run_id = ? ORDER BY time_us, id",
	/* newest first along the time index, stopping at the provider's first event */
	[Q_LATEST] = "SELECT time_us FROM provider_events WHERE provider || '' = ? AND"
	    " time_us IS NOT NULL ORDER BY time_us DESC LIMIT 1",
	[Q_COUNT] = NULL,
};

const char *const *
ct_correlate_queries(void)
{
	return queries;
}

int
ct_correlate_plan(struct ct_store *st, json_t **out)
{
	struct ct_stmt *s = NULL;
	json_t *a, *plan;
	char *sql = NULL;
	size_t i;
	int r = 0, rc;

	*out = NULL;
	if (ct_db_backend(st) != CT_DB_SQLITE)
		return ct_error(CT_ERR_UNSUPPORTED, "query plans are shown for SQLite stores; "
		    "for '%s' use EXPLAIN in psql", ct_store_path(st));
	if ((a = json_array()) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; queries[i] != NULL && r == 0; i++) {
		if (asprintf(&sql, "EXPLAIN QUERY PLAN %s", queries[i]) < 0) {
			sql = NULL;
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			break;
		}
		if (ct_db_prepare(st, sql, &s) != 0) {
			r = ct_store_error(st, "explaining a correlation query");
			break;
		}
		plan = json_array();
		while (plan != NULL && (rc = ct_stmt_step(s)) == CT_DB_ROW)
			json_array_append_new(plan, json_string(ct_stmt_col_text(s, 3)));
		if (plan == NULL || json_array_append_new(a, json_pack("{s:s, s:o}", "query",
		    queries[i], "plan", plan)) != 0)
			r = ct_error(CT_ERR_NOMEM, "out of memory");
		ct_stmt_finalize(s);
		s = NULL;
		free(sql);
		sql = NULL;
	}
	free(sql);
	if (r != 0) {
		json_decref(a);
		return r;
	}
	*out = a;
	return 0;
}

/* ---- severities ---- */

static const char *const sev_names[] = { "none", "info", "low", "medium", "high", "critical" };

const char *
ct_severity_name(enum ct_severity s)
{
	return (unsigned)s < sizeof(sev_names) / sizeof(sev_names[0]) ? sev_names[s] : "none";
}

int
ct_severity_parse(const char *s, enum ct_severity *out)
{
	size_t i;

	for (i = 1; i < sizeof(sev_names) / sizeof(sev_names[0]); i++) {
		if (s != NULL && strcmp(s, sev_names[i]) == 0) {
			*out = (enum ct_severity)i;
			return 0;
		}
	}
	return ct_error(CT_ERR_INVALID, "unknown severity '%s' (info, low, medium, high or "
	    "critical)", s != NULL ? s : "");
}

/* ---- small helpers ---- */

static int
nomem(void)
{
	return ct_error(CT_ERR_NOMEM, "out of memory");
}

/* strdup that keeps NULL; *err set on allocation failure */
static char *
sdup(const char *s, int *err)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*err = 1;
	return d;
}

static char *
col_dup(struct ct_stmt *s, int i, int *err)
{
	return sdup(ct_stmt_col_text(s, i), err);
}

static int
sv_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static int
sv_add(char ***v, size_t *n, const char *s, int unique)
{
	char **nv, *d;

	if (s == NULL || (unique && sv_has(*v, *n, s)))
		return 0;
	if ((d = strdup(s)) == NULL)
		return nomem();
	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL) {
		free(d);
		return nomem();
	}
	nv[(*n)++] = d;
	*v = nv;
	return 0;
}

static int __attribute__((format(printf, 4, 5)))
sv_addf(char ***v, size_t *n, int unique, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return nomem();
	r = sv_add(v, n, s, unique);
	free(s);
	return r;
}

static void
sv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
fmt_time(int64_t us, char *out, size_t outsz)
{
	ct_time_fmt(us, 0, out, outsz);
}

const char *
ct_provider_log_name(const char *provider)
{
	if (provider == NULL)
		return "provider";
	if (strcmp(provider, "aws") == 0)
		return "CloudTrail";
	if (strcmp(provider, "gcp") == 0)
		return "Cloud Audit Logs";
	if (strcmp(provider, "vault") == 0)
		return "Vault audit";
	if (strcmp(provider, "sshd") == 0)
		return "sshd";
	if (strcmp(provider, "k8s") == 0)
		return "Kubernetes audit";
	if (strcmp(provider, "ironproxy") == 0)
		return "IronClaw proxy";
	return provider;
}

/* ---- working state ---- */

struct chain_key {
	char *key;		/* access key id or Vault token accessor */
	int cred;
	int depth;
	int vault;
	int64_t expires_us;	/* 0: unknown */
};

struct nomatch {
	size_t run;
	int64_t time_us;
	char dst[64];
	int dport;
};

struct idmap {
	int64_t *ids;
	size_t *idx;
	size_t cap;		/* power of two */
	size_t n;
};

struct work {
	struct ct_store *st;
	struct ct_store *db;
	const struct ct_corr_opts *o;
	struct ct_corr *c;
	struct ct_stmt *q[Q_COUNT];
	struct idmap seen;
	struct chain_key *keys;
	size_t nkeys;
	size_t events_cap, conns_cap;
	char **prefixes;
	size_t nprefixes;
	int chain_depth;
	struct nomatch *nomatch;	/* audit-mode connections outside the run's allowlist */
	size_t nnomatch;
};

static int
idmap_grow(struct idmap *m)
{
	size_t ncap = m->cap == 0 ? 256 : m->cap * 2, i, h;
	int64_t *nids;
	size_t *nidx;

	if ((nids = calloc(ncap, sizeof(*nids))) == NULL ||
	    (nidx = calloc(ncap, sizeof(*nidx))) == NULL) {
		free(nids);
		return nomem();
	}
	for (i = 0; i < m->cap; i++) {
		if (m->ids[i] == 0)
			continue;
		for (h = (size_t)m->ids[i] * 0x9E3779B97F4A7C15ULL & (ncap - 1); nids[h] != 0;
		    h = (h + 1) & (ncap - 1))
			;
		nids[h] = m->ids[i];
		nidx[h] = m->idx[i];
	}
	free(m->ids);
	free(m->idx);
	m->ids = nids;
	m->idx = nidx;
	m->cap = ncap;
	return 0;
}

/* the index of event `id`, or (size_t)-1 */
static size_t
idmap_get(const struct idmap *m, int64_t id)
{
	size_t h;

	if (m->cap == 0 || id == 0)
		return (size_t)-1;
	for (h = (size_t)id * 0x9E3779B97F4A7C15ULL & (m->cap - 1); m->ids[h] != 0;
	    h = (h + 1) & (m->cap - 1))
		if (m->ids[h] == id)
			return m->idx[h];
	return (size_t)-1;
}

static int
idmap_put(struct idmap *m, int64_t id, size_t idx)
{
	size_t h;
	int r;

	if ((m->n + 1) * 2 > m->cap && (r = idmap_grow(m)) != 0)
		return r;
	for (h = (size_t)id * 0x9E3779B97F4A7C15ULL & (m->cap - 1); m->ids[h] != 0;
	    h = (h + 1) & (m->cap - 1))
		;
	m->ids[h] = id;
	m->idx[h] = idx;
	m->n++;
	return 0;
}

static int
prep(struct work *w, int q, struct ct_stmt **out)
{
	if (w->q[q] == NULL &&
	    ct_db_prepare(w->db, queries[q], &w->q[q]) != 0)
		return ct_store_error(w->st, "preparing a correlation query");
	ct_stmt_reset(w->q[q]);
	ct_stmt_clear_bindings(w->q[q]);
	*out = w->q[q];
	return 0;
}

/* ---- events ---- */

static void
event_release(struct ct_corr_event *e)
{
	free(e->provider);
	free(e->event_id);
	free(e->service);
	free(e->action);
	free(e->region);
	free(e->principal);
	free(e->session_name);
	free(e->access_key_id);
	free(e->source_identity);
	free(e->subject);
	free(e->cert_key_id);
	free(e->cert_serial);
	free(e->ca_fingerprint);
	free(e->source_ip);
	free(e->source_host);
	free(e->user_agent);
	free(e->outcome);
	free(e->error_code);
	free(e->issued_access_key_id);
	free(e->account);
	free(e->raw_sha256);
	free(e->file);
	free(e->note);
}

/* Extra columns read alongside an event, not kept in the model. */
struct ev_extra {
	int64_t issued_expires_us;
	const char *token_accessor;
	const char *lease_id;
};

static int
event_from_row(struct ct_stmt *s, struct ct_corr_event *e, struct ev_extra *x)
{
	int err = 0;

	memset(e, 0, sizeof(*e));
	e->id = ct_stmt_col_int64(s, 0);
	e->provider = col_dup(s, 1, &err);
	e->event_id = col_dup(s, 2, &err);
	e->has_time = !ct_stmt_col_is_null(s, 3);
	e->time_us = ct_stmt_col_int64(s, 3);
	e->principal = col_dup(s, 4, &err);
	e->subject = col_dup(s, 5, &err);
	e->session_name = col_dup(s, 6, &err);
	e->access_key_id = col_dup(s, 7, &err);
	e->source_identity = col_dup(s, 8, &err);
	e->cert_key_id = col_dup(s, 9, &err);
	e->cert_serial = col_dup(s, 10, &err);
	e->ca_fingerprint = col_dup(s, 11, &err);
	e->account = col_dup(s, 12, &err);
	e->region = col_dup(s, 13, &err);
	e->service = col_dup(s, 14, &err);
	e->action = col_dup(s, 15, &err);
	e->source_ip = col_dup(s, 16, &err);
	e->source_host = col_dup(s, 17, &err);
	e->user_agent = col_dup(s, 18, &err);
	e->outcome = col_dup(s, 19, &err);
	e->error_code = col_dup(s, 20, &err);
	e->issued_access_key_id = col_dup(s, 21, &err);
	x->issued_expires_us = ct_stmt_col_int64(s, 22);
	e->raw_sha256 = col_dup(s, 23, &err);
	e->file = col_dup(s, 24, &err);
	e->file_offset = ct_stmt_col_is_null(s, 25) ? -1 :
	    ct_stmt_col_int64(s, 25);
	x->token_accessor = ct_stmt_col_text(s, 26);
	x->lease_id = ct_stmt_col_text(s, 27);
	e->conn = -1;
	e->cred = -1;
	if (err) {
		event_release(e);
		return nomem();
	}
	return 0;
}

static int
key_index(const struct work *w, const char *key)
{
	size_t i;

	if (key == NULL)
		return -1;
	for (i = 0; i < w->nkeys; i++)
		if (strcmp(w->keys[i].key, key) == 0)
			return (int)i;
	return -1;
}

static int
add_key(struct work *w, const char *key, int cred, int depth, int vault, int64_t expires_us)
{
	struct chain_key *nk;

	if (key == NULL || key_index(w, key) >= 0)
		return 0;
	if ((nk = reallocarray(w->keys, w->nkeys + 1, sizeof(*nk))) == NULL)
		return nomem();
	w->keys = nk;
	memset(&nk[w->nkeys], 0, sizeof(*nk));
	if ((nk[w->nkeys].key = strdup(key)) == NULL)
		return nomem();
	nk[w->nkeys].cred = cred;
	nk[w->nkeys].depth = depth;
	nk[w->nkeys].vault = vault;
	nk[w->nkeys].expires_us = expires_us;
	w->nkeys++;
	return 0;
}

enum fetch_kind {
	F_STRONG,	/* the key identifies the credential: a use */
	F_ISSUANCE,	/* the call that issued it */
	F_WEAK,		/* a name: a use if the event's access key is the task's, else a claim */
	F_WINDOW,	/* a shared identity within the credential's lifetime: a weak use */
	F_TAGS,		/* a session tagged with the task: a claim unless already joined */
	F_CLAIM,	/* a task-named principal: a claim unless already joined */
};

static int
add_event(struct work *w, struct ct_corr_event *e)
{
	struct ct_corr_event *ne;
	size_t ncap;
	int r;

	if (w->c->nevents >= CT_CORR_MAX_EVENTS)
		return ct_error(CT_ERR_LIMIT, "task '%s' has more than %d provider events",
		    w->c->task, CT_CORR_MAX_EVENTS);
	if (w->c->nevents == w->events_cap) {
		ncap = w->events_cap == 0 ? 64 : w->events_cap * 2;
		if ((ne = reallocarray(w->c->events, ncap, sizeof(*ne))) == NULL)
			return nomem();
		w->c->events = ne;
		w->events_cap = ncap;
	}
	if ((r = idmap_put(&w->seen, e->id, w->c->nevents)) != 0)
		return r;
	w->c->events[w->c->nevents++] = *e;
	return 0;
}

/* Does a row carry this very task in one of its principal names (not a longer task id)? */
static int
names_task(struct work *w, struct ct_stmt *s)
{
	static const int cols[] = { 6, 8, 9, 5, 28, 29 };
	char task[CT_TASK_ID_MAX + 1];
	const char *v;
	size_t i;
	int ours = 0;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]) && !ours; i++) {
		if ((v = ct_stmt_col_text(s, cols[i])) != NULL &&
		    ct_task_from_principal(v, strlen(v), task, sizeof(task)) == 0 &&
		    strcmp(task, w->c->task) == 0)
			ours = 1;
	}
	ct_error_clear();
	return ours;
}

/* Do a row's session tags (column 30) say ironclaw:task-id = this task? */
static int
tags_task(struct work *w, struct ct_stmt *s)
{
	const char *t = ct_stmt_col_text(s, 30);
	json_t *j, *v;
	size_t i;
	int ours = 0;

	if (t == NULL || (j = json_loads(t, 0, NULL)) == NULL)
		return 0;
	if (json_is_object(j)) {
		/* {"ironclaw:task-id": "T"} */
		ours = (v = json_object_get(j, "ironclaw:task-id")) != NULL &&
		    json_is_string(v) && strcmp(json_string_value(v), w->c->task) == 0;
	} else if (json_is_array(j)) {
		/* [{"key": "ironclaw:task-id", "value": "T"}] as CloudTrail logs them */
		json_array_foreach(j, i, v) {
			const char *k = json_string_value(json_object_get(v, "key"));
			const char *val = json_string_value(json_object_get(v, "value"));

			if (k != NULL && val != NULL && strcmp(k, "ironclaw:task-id") == 0 &&
			    strcmp(val, w->c->task) == 0)
				ours = 1;
		}
	}
	json_decref(j);
	return ours;
}

/*
 * Run a prepared event query and add what it finds, as `kind` for credential `cred` with
 * join key `join` at chain depth `depth`.
 */
static int
fetch(struct work *w, struct ct_stmt *s, enum fetch_kind kind, int cred, const char *join,
    int depth)
{
	struct ct_corr_event e;
	struct ev_extra x;
	int rc, r = 0, ki;
	size_t have;

	while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
		int64_t id = ct_stmt_col_int64(s, 0);

		if ((kind == F_CLAIM && !names_task(w, s)) || (kind == F_TAGS && !tags_task(w, s)))
			continue;
		if ((have = idmap_get(&w->seen, id)) != (size_t)-1) {
			struct ct_corr_event *old = &w->c->events[have];

			/* a claim later joined by a key becomes a use */
			if (old->role == CT_ROLE_CLAIM && kind == F_STRONG) {
				old->role = CT_ROLE_USE;
				old->cred = cred;
				old->join = join;
				old->depth = depth;
				free(old->note);
				old->note = NULL;
			}
			continue;
		}
		if ((r = event_from_row(s, &e, &x)) != 0)
			break;
		e.cred = cred;
		e.join = join;
		e.depth = depth;
		switch (kind) {
		case F_STRONG:
			e.role = CT_ROLE_USE;
			break;
		case F_ISSUANCE:
			e.role = CT_ROLE_ISSUANCE;
			break;
		case F_WEAK:
			ki = key_index(w, e.access_key_id);
			if (e.access_key_id == NULL || ki >= 0) {
				e.role = CT_ROLE_USE;
				e.flags |= CT_EVF_WEAK_JOIN;
			} else {
				e.role = CT_ROLE_CLAIM;
				e.cred = -1;
				if (asprintf(&e.note, "%s matches credential %s but access key %s "
				    "was never issued to the task%s", join,
				    w->c->creds[cred].principal, e.access_key_id,
				    strcmp(join, "source_identity") == 0 ? " (nor by an AssumeRole "
				    "in the ingested logs: a forged source identity, or a role-chain "
				    "hop whose log is missing)" : "") < 0)
					e.note = NULL;
			}
			break;
		case F_WINDOW:
			e.role = CT_ROLE_USE;
			e.flags |= CT_EVF_WEAK_JOIN;
			break;
		case F_CLAIM:
		case F_TAGS:
			e.role = CT_ROLE_CLAIM;
			e.cred = -1;
			break;
		}
		if ((r = add_event(w, &e)) != 0) {
			event_release(&e);
			break;
		}
		/* keys this event leads to: role chain (aws), token accessor and leases (vault) */
		if (e.role == CT_ROLE_USE && e.provider != NULL) {
			if (strcmp(e.provider, "aws") == 0 && e.issued_access_key_id != NULL &&
			    depth < w->chain_depth)
				r = add_key(w, e.issued_access_key_id, cred, depth + 1, 0,
				    x.issued_expires_us);
			else if (strcmp(e.provider, "vault") == 0) {
				if (e.issued_access_key_id != NULL && depth < w->chain_depth)
					r = add_key(w, e.issued_access_key_id, cred, depth + 1, 1, 0);
				if (r == 0 && x.lease_id != NULL && depth < w->chain_depth)
					r = add_key(w, x.lease_id, cred, depth + 1, 2, 0);
			}
			if (r != 0)
				break;
		}
	}
	if (r == 0 && rc != CT_DB_ROW && rc != CT_DB_DONE)
		r = ct_store_error(w->st, "reading provider events");
	ct_stmt_reset(s);
	return r;
}

static int
fetch_eq(struct work *w, int q, const char *value, enum fetch_kind kind, int cred,
    const char *join, int depth)
{
	struct ct_stmt *s;
	int r;

	if (value == NULL || *value == '\0')
		return 0;
	if ((r = prep(w, q, &s)) != 0)
		return r;
	ct_stmt_bind_text_copy(s, 1, value);
	return fetch(w, s, kind, cred, join, depth);
}

/* LIKE-escape `s` (ESCAPE '\') into a malloc'd string between `pre` and `post`. */
static char *
like_pattern(const char *pre, const char *s, const char *post)
{
	size_t n = strlen(pre) + strlen(post) + 2 * strlen(s) + 1, o;
	char *p;

	if ((p = malloc(n)) == NULL)
		return NULL;
	o = (size_t)snprintf(p, n, "%s", pre);
	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			p[o++] = '\\';
		p[o++] = *s;
	}
	snprintf(p + o, n - o, "%s", post);
	return p;
}

static int
fetch_cred(struct work *w, int ci)
{
	struct ct_corr_cred *cr = &w->c->creds[ci];
	int64_t skew = w->c->skew_us;
	struct ct_stmt *s;
	char *pat = NULL, *dpat = NULL, *vname = NULL;
	int r = 0;

	if (strcmp(cr->kind, "aws") == 0) {
		if ((r = add_key(w, cr->access_key_id, ci, 0, 0, cr->expires_us)) != 0 ||
		    (r = fetch_eq(w, Q_AKID, cr->access_key_id, F_STRONG, ci, "access_key_id",
		    0)) != 0 ||
		    (r = fetch_eq(w, Q_ISSUED_AKID, cr->access_key_id, F_ISSUANCE, ci,
		    "issued_access_key_id", 0)) != 0)
			return r;
	} else if (strcmp(cr->kind, "jwt") == 0) {
		if ((r = fetch_eq(w, Q_JTI, cr->jti, F_STRONG, ci, "jti", 0)) != 0 ||
		    (r = fetch_eq(w, Q_SUBJECT, cr->subject, F_STRONG, ci, "subject", 0)) != 0)
			return r;
		if (cr->subject != NULL) {
			if (asprintf(&vname, "jwt-%s", cr->subject) < 0) {
				vname = NULL;
				r = nomem();
				goto out;
			}
			if ((r = fetch_eq(w, Q_PRINCIPAL, vname, F_STRONG, ci,
			    "vault_display_name", 0)) != 0)
				goto out;
			/* Workload Identity Federation and delegation chains */
			if ((pat = like_pattern("%/subject/", cr->subject, "")) == NULL ||
			    (dpat = like_pattern("%\"", cr->subject, "\"%")) == NULL) {
				r = nomem();
				goto out;
			}
			if ((r = prep(w, Q_WIF, &s)) != 0)
				goto out;
			ct_stmt_bind_int64(s, 1, cr->issued_us - skew);
			ct_stmt_bind_int64(s, 2, cr->expires_us + WIF_TOKEN_US + skew);
			ct_stmt_bind_text(s, 3, pat);
			ct_stmt_bind_text(s, 4, dpat);
			if ((r = fetch(w, s, F_STRONG, ci, "principal_subject", 0)) != 0)
				goto out;
			/* a Vault login whose metadata carries the token's sub */
			if ((r = prep(w, Q_VAULT_META, &s)) != 0)
				goto out;
			ct_stmt_bind_int64(s, 1, cr->issued_us - skew);
			ct_stmt_bind_int64(s, 2, cr->expires_us + skew);
			ct_stmt_bind_text(s, 3, dpat);
			r = fetch(w, s, F_STRONG, ci, "vault_metadata", 0);
		}
	} else if (strcmp(cr->kind, "gcp") == 0) {
		if ((r = fetch_eq(w, Q_JTI, cr->jti, F_STRONG, ci, "jti", 0)) != 0)
			return r;
		if (cr->subject != NULL) {
			if ((r = prep(w, Q_PRINCIPAL_WINDOW, &s)) != 0)
				return r;
			ct_stmt_bind_text_copy(s, 1, cr->subject);
			ct_stmt_bind_int64(s, 2, cr->issued_us - skew);
			ct_stmt_bind_int64(s, 3, cr->expires_us + skew);
			if ((r = fetch(w, s, F_WINDOW, ci, "service_account_window", 0)) != 0)
				return r;
		}
	} else if (strcmp(cr->kind, "ssh") == 0) {
		if ((r = fetch_eq(w, Q_KEYID, cr->key_id, F_STRONG, ci, "cert_key_id", 0)) != 0)
			return r;
	} else if (strcmp(cr->kind, "x509") == 0) {
		if ((r = fetch_eq(w, Q_SERIAL, cr->serial, F_STRONG, ci, "cert_serial", 0)) != 0)
			return r;
	}
 out:
	free(pat);
	free(dpat);
	free(vname);
	return r;
}

/* Follow issued keys (role chain, Vault accessors and leases) breadth first. */
static int
follow_chain(struct work *w)
{
	size_t i;
	int r;

	for (i = 0; i < w->nkeys; i++) {
		struct chain_key *k = &w->keys[i];

		if (k->depth == 0)
			continue;	/* the credential's own key: fetched already */
		switch (k->vault) {
		case 0:
			r = fetch_eq(w, Q_AKID, k->key, F_STRONG, k->cred, "role_chain", k->depth);
			break;
		case 1:
			r = fetch_eq(w, Q_ACCESSOR, k->key, F_STRONG, k->cred, "vault_accessor",
			    k->depth);
			break;
		default:
			r = fetch_eq(w, Q_LEASE, k->key, F_STRONG, k->cred, "vault_lease",
			    k->depth);
			break;
		}
		if (r != 0)
			return r;
		/* fetch() may have grown w->keys: k is stale from here */
	}
	return 0;
}

static int
fetch_weak(struct work *w, int ci)
{
	struct ct_corr_cred *cr = &w->c->creds[ci];
	int r;

	if (strcmp(cr->kind, "aws") != 0)
		return 0;
	if ((r = fetch_eq(w, Q_SESSION, cr->session_name, F_WEAK, ci, "session_name", 0)) != 0)
		return r;
	return fetch_eq(w, Q_SRCID, cr->source_identity, F_WEAK, ci, "source_identity", 0);
}

/* Task-named principals: `<prefix>-task-<task>-...` by index range, for every prefix. */
static int
fetch_claims(struct work *w)
{
	static const int rq[] = { Q_R_SESSION, Q_R_SRCID, Q_R_KEYID, Q_R_SUBJECT,
		Q_R_ISSUED_SESSION, Q_R_ISSUED_SRCID };
	char lo[CT_PREFIX_MAX + CT_TASK_ID_MAX + 16], hi[sizeof(lo)], *pat;
	struct ct_stmt *s;
	size_t p, i;
	int r = 0;

	/*
	 * Sessions tagged ironclaw:task-id = task, issued while one of the task's credentials
	 * was valid (the tags are not indexed: each credential's lifetime bounds the walk
	 * along the time index).
	 */
	if ((pat = like_pattern("%ironclaw:task-id%", w->c->task, "%")) == NULL)
		return nomem();
	for (i = 0; i < w->c->ncreds; i++) {
		if ((r = prep(w, Q_TAGS, &s)) != 0)
			break;
		ct_stmt_bind_int64(s, 1, w->c->creds[i].issued_us - w->c->skew_us);
		ct_stmt_bind_int64(s, 2, w->c->creds[i].expires_us + w->c->skew_us);
		ct_stmt_bind_text(s, 3, pat);
		if ((r = fetch(w, s, F_TAGS, -1, "session_tags", 0)) != 0)
			break;
	}
	free(pat);
	if (r != 0)
		return r;
	for (p = 0; p < w->nprefixes; p++) {
		/* '.' sorts right after '-': [lo, hi) is every name starting with lo */
		snprintf(lo, sizeof(lo), "%s-task-%s-", w->prefixes[p], w->c->task);
		snprintf(hi, sizeof(hi), "%s-task-%s.", w->prefixes[p], w->c->task);
		for (i = 0; i < sizeof(rq) / sizeof(rq[0]); i++) {
			if ((r = prep(w, rq[i], &s)) != 0)
				return r;
			ct_stmt_bind_text_copy(s, 1, lo);
			ct_stmt_bind_text_copy(s, 2, hi);
			if ((r = fetch(w, s, F_CLAIM, -1, "task_principal", 0)) != 0)
				return r;
		}
	}
	return 0;
}

/* An SSH login with the credential's key id but another serial or CA is a claim. */
static void
check_ssh_claims(struct work *w)
{
	size_t i;

	for (i = 0; i < w->c->nevents; i++) {
		struct ct_corr_event *e = &w->c->events[i];
		struct ct_corr_cred *cr;

		if (e->role != CT_ROLE_USE || e->cred < 0 || e->join == NULL ||
		    strcmp(e->join, "cert_key_id") != 0)
			continue;
		cr = &w->c->creds[e->cred];
		if ((e->cert_serial != NULL && cr->serial != NULL &&
		    strcmp(e->cert_serial, cr->serial) != 0) ||
		    (e->ca_fingerprint != NULL && cr->ca_fingerprint != NULL &&
		    strcmp(e->ca_fingerprint, cr->ca_fingerprint) != 0)) {
			e->role = CT_ROLE_CLAIM;
			free(e->note);
			if (asprintf(&e->note, "certificate key id %s with serial %s from CA %s: "
			    "the ledger issued serial %s from CA %s", e->cert_key_id,
			    e->cert_serial != NULL ? e->cert_serial : "?",
			    e->ca_fingerprint != NULL ? e->ca_fingerprint : "?",
			    cr->serial, cr->ca_fingerprint != NULL ? cr->ca_fingerprint : "?") < 0)
				e->note = NULL;
			e->cred = -1;
		}
	}
}

/* What each claim found by range is, in words. */
static void
describe_claims(struct work *w)
{
	size_t i;

	char task[CT_TASK_ID_MAX + 1];

	for (i = 0; i < w->c->nevents; i++) {
		struct ct_corr_event *e = &w->c->events[i];
		const char *who, *names[] = { e->session_name, e->source_identity, e->cert_key_id,
			e->subject };
		size_t k;

		if (e->role != CT_ROLE_CLAIM || e->note != NULL)
			continue;
		who = NULL;
		for (k = 0; k < sizeof(names) / sizeof(names[0]) && who == NULL; k++)
			if (names[k] != NULL && ct_task_from_principal(names[k], strlen(names[k]),
			    task, sizeof(task)) == 0 && strcmp(task, w->c->task) == 0)
				who = names[k];
		ct_error_clear();
		if (who == NULL && e->issued_access_key_id != NULL) {
			if (asprintf(&e->note, "it issued access key %s for a session %s task %s, "
			    "which the ledger never issued", e->issued_access_key_id,
			    strcmp(e->join, "session_tags") == 0 ? "tagged with" : "named after",
			    w->c->task) < 0)
				e->note = NULL;
			continue;
		}
		if (asprintf(&e->note, "%s names task %s, but no credential of the ledger joins "
		    "it%s%s%s", who != NULL ? who : "a principal", w->c->task,
		    e->access_key_id != NULL ? " (access key " : "",
		    e->access_key_id != NULL ? e->access_key_id : "",
		    e->access_key_id != NULL ? ")" : "") < 0)
			e->note = NULL;
	}
}

static int
cmp_event(const void *a, const void *b)
{
	const struct ct_corr_event *x = a, *y = b;

	if (x->has_time != y->has_time)
		return x->has_time ? -1 : 1;
	if (x->time_us != y->time_us)
		return x->time_us < y->time_us ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- credentials ---- */

static void
cred_release(struct ct_corr_cred *c)
{
	free(c->kind);
	free(c->principal);
	free(c->access_key_id);
	free(c->session_name);
	free(c->source_identity);
	free(c->role_arn);
	free(c->assumed_role_arn);
	free(c->jti);
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	free(c->key_id);
	free(c->ca_fingerprint);
	free(c->scope);
	sv_free(c->chain, c->nchain);
	free(c->scope_note);
	json_decref(c->granted);
	json_decref(c->used);
	json_decref(c->failed);
	json_decref(c->unused);
	json_decref(c->undetermined);
}

static int
add_cred(const struct ct_cred *in, void *arg)
{
	struct ct_corr *c = arg;
	struct ct_corr_cred *n, *cr;
	int err = 0;

	if ((n = reallocarray(c->creds, c->ncreds + 1, sizeof(*n))) == NULL)
		return nomem();
	c->creds = n;
	cr = &n[c->ncreds];
	memset(cr, 0, sizeof(*cr));
	cr->id = in->id;
	cr->kind = sdup(in->kind, &err);
	cr->principal = sdup(in->principal, &err);
	cr->access_key_id = sdup(in->access_key_id, &err);
	cr->session_name = sdup(in->session_name, &err);
	cr->source_identity = sdup(in->source_identity, &err);
	cr->role_arn = sdup(in->role_arn, &err);
	cr->assumed_role_arn = sdup(in->assumed_role_arn, &err);
	cr->jti = sdup(in->jti, &err);
	cr->subject = sdup(in->subject, &err);
	cr->issuer = sdup(in->issuer, &err);
	cr->serial = sdup(in->serial, &err);
	cr->key_id = sdup(in->key_id, &err);
	cr->ca_fingerprint = sdup(in->ca_fingerprint, &err);
	cr->scope = sdup(in->scope, &err);
	cr->issued_us = in->issued_us;
	cr->expires_us = in->expires_us;
	cr->granted = json_array();
	cr->used = json_array();
	cr->failed = json_array();
	cr->unused = json_array();
	cr->undetermined = json_array();
	c->ncreds++;
	if (err || cr->granted == NULL || cr->used == NULL || cr->failed == NULL ||
	    cr->unused == NULL || cr->undetermined == NULL)
		return nomem();
	return 0;
}

/* Principal prefixes to look for task-named claims under: the ledger's and "ironclaw". */
static int
collect_prefixes(struct work *w)
{
	size_t i;
	int r;

	if ((r = sv_add(&w->prefixes, &w->nprefixes, "ironclaw", 1)) != 0)
		return r;
	for (i = 0; i < w->c->ncreds; i++) {
		const char *p = w->c->creds[i].principal, *m;
		char pre[CT_PREFIX_MAX + 1];
		size_t n;

		if (p == NULL || (m = strstr(p, "-task-")) == NULL)
			continue;
		n = (size_t)(m - p);
		if (n == 0 || n > CT_PREFIX_MAX)
			continue;
		memcpy(pre, p, n);
		pre[n] = '\0';
		if (ct_prefix_check(pre) != 0) {
			ct_error_clear();
			continue;
		}
		if ((r = sv_add(&w->prefixes, &w->nprefixes, pre, 1)) != 0)
			return r;
	}
	return 0;
}

/* ---- runs and connections ---- */

static void
run_release(struct ct_corr_run *r)
{
	free(r->id);
	free(r->backend);
	free(r->mode);
	free(r->events_path);
	free(r->attestation_digest);
	free(r->attestation_path);
	free(r->drops);
	free(r->detail);
}

static void
conn_release(struct ct_corr_conn *c)
{
	free(c->run_id);
	free(c->type);
	free(c->proto);
	free(c->family);
	free(c->dst);
	free(c->src);
	free(c->verdict);
	sv_free(c->names, c->nnames);
}

static int
load_runs(struct work *w)
{
	struct ct_corr *c = w->c;
	struct ct_corr_run *n, *ru;
	struct ct_stmt *s;
	int rc, r, err = 0;

	if ((r = prep(w, Q_RUNS, &s)) != 0)
		return r;
	ct_stmt_bind_text_copy(s, 1, c->task);
	while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
		if ((n = reallocarray(c->runs, c->nruns + 1, sizeof(*n))) == NULL) {
			ct_stmt_reset(s);
			return nomem();
		}
		c->runs = n;
		ru = &n[c->nruns++];
		memset(ru, 0, sizeof(*ru));
		ru->id = col_dup(s, 0, &err);
		ru->backend = col_dup(s, 1, &err);
		ru->mode = col_dup(s, 2, &err);
		ru->start_us = ct_stmt_col_int64(s, 3);
		ru->ended = !ct_stmt_col_is_null(s, 4);
		ru->end_us = ct_stmt_col_int64(s, 4);
		ru->exit_status = ct_stmt_col_is_null(s, 5) ? -1 :
		    ct_stmt_col_int(s, 5);
		ru->drops = col_dup(s, 6, &err);
		ru->complete = ct_stmt_col_int(s, 7);
		ru->events_path = col_dup(s, 8, &err);
		ru->attestation_digest = col_dup(s, 9, &err);
		if (err) {
			ct_stmt_reset(s);
			return nomem();
		}
		if (ru->ended && ru->end_us > c->runs_end_us)
			c->runs_end_us = ru->end_us;
	}
	ct_stmt_reset(s);
	if (rc != CT_DB_DONE)
		return ct_store_error(w->st, "reading runs");
	return 0;
}

static int
parse_names(const char *text, struct ct_corr_conn *cn)
{
	json_t *a, *v;
	size_t i;
	int r = 0;

	if (text == NULL)
		return 0;
	cn->names_known = 1;
	if (strlen(text) > NAMES_JSON_MAX ||
	    (a = json_loadb(text, strlen(text), JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;	/* unreadable names are no names; never a failure */
	json_array_foreach(a, i, v) {
		if (json_is_string(v) && (r = sv_add(&cn->names, &cn->nnames,
		    json_string_value(v), 1)) != 0)
			break;
	}
	json_decref(a);
	return r;
}

static struct ct_corr_conn *
new_conn(struct work *w)
{
	struct ct_corr_conn *n;
	size_t ncap;

	if (w->c->nconns >= CT_CORR_MAX_CONNS) {
		ct_error(CT_ERR_LIMIT, "task '%s' has more than %d network events", w->c->task,
		    CT_CORR_MAX_CONNS);
		return NULL;
	}
	if (w->c->nconns == w->conns_cap) {
		ncap = w->conns_cap == 0 ? 64 : w->conns_cap * 2;
		if ((n = reallocarray(w->c->conns, ncap, sizeof(*n))) == NULL) {
			nomem();
			return NULL;
		}
		w->c->conns = n;
		w->conns_cap = ncap;
	}
	n = &w->c->conns[w->c->nconns++];
	memset(n, 0, sizeof(*n));
	n->allowed = -1;
	return n;
}

static int
load_net(struct work *w, size_t ri)
{
	struct ct_corr_run *ru = &w->c->runs[ri];
	int64_t run_end = ru->ended ? ru->end_us : w->c->now_us;
	size_t first = w->c->nconns, i, best;
	struct ct_corr_conn *cn;
	struct ct_stmt *s;
	int rc, r = 0, err = 0;

	if ((r = prep(w, Q_NET, &s)) != 0)
		return r;
	ct_stmt_bind_text_copy(s, 1, ru->id);
	while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
		const char *type = ct_stmt_col_text(s, 2);
		const char *dst = ct_stmt_col_text(s, 7);
		const char *verdict = ct_stmt_col_text(s, 10);
		int dport = ct_stmt_col_int(s, 8);
		int64_t t = ct_stmt_col_int64(s, 1);

		if (type == NULL)
			continue;
		if (strcmp(type, "close") == 0) {
			int64_t open_us = ct_stmt_col_int64(s, 13), d, bd = CLOSE_MATCH_US + 1;

			/* the open connection this close ends: same destination, nearest open */
			best = (size_t)-1;
			for (i = first; i < w->c->nconns; i++) {
				cn = &w->c->conns[i];
				if (cn->closed || cn->dns || cn->dst == NULL || dst == NULL ||
				    strcmp(cn->dst, dst) != 0 || cn->dport != dport)
					continue;
				d = cn->open_us > open_us ? cn->open_us - open_us :
				    open_us - cn->open_us;
				if (d < bd) {
					bd = d;
					best = i;
				}
			}
			if (best != (size_t)-1) {
				cn = &w->c->conns[best];
			} else {
				/* its connect was not recorded: the close alone says enough */
				if ((cn = new_conn(w)) == NULL) {
					r = CT_ERR_LIMIT;
					break;
				}
				cn->id = ct_stmt_col_int64(s, 0);
				cn->run_id = sdup(ru->id, &err);
				cn->type = sdup("connect", &err);
				cn->proto = col_dup(s, 3, &err);
				cn->family = col_dup(s, 4, &err);
				cn->dst = col_dup(s, 7, &err);
				cn->dport = dport;
				cn->verdict = col_dup(s, 10, &err);
				cn->open_us = open_us;
				if ((r = parse_names(ct_stmt_col_text(s, 9),
				    cn)) != 0)
					break;
			}
			cn->close_id = ct_stmt_col_int64(s, 0);
			cn->close_us = !ct_stmt_col_is_null(s, 14) ?
			    ct_stmt_col_int64(s, 14) : t;
			cn->closed = 1;
			if (cn->src == NULL)
				cn->src = col_dup(s, 5, &err);
			cn->sport = ct_stmt_col_int(s, 6);
			cn->bytes_sent = ct_stmt_col_int64(s, 11);
			cn->bytes_recv = ct_stmt_col_int64(s, 12);
			if (!cn->names_known && (r = parse_names(
			    ct_stmt_col_text(s, 9), cn)) != 0)
				break;
			if (err)
				break;
			continue;
		}
		if (strcmp(type, "connect") != 0 && strcmp(type, "sendmsg") != 0 &&
		    strcmp(type, "dns") != 0 && strcmp(type, "sock_create") != 0)
			continue;
		if ((cn = new_conn(w)) == NULL) {
			r = CT_ERR_LIMIT;
			break;
		}
		cn->id = ct_stmt_col_int64(s, 0);
		cn->run_id = sdup(ru->id, &err);
		cn->type = sdup(type, &err);
		cn->proto = col_dup(s, 3, &err);
		cn->family = col_dup(s, 4, &err);
		cn->src = col_dup(s, 5, &err);
		cn->sport = ct_stmt_col_int(s, 6);
		cn->dst = col_dup(s, 7, &err);
		cn->dport = dport;
		cn->verdict = col_dup(s, 10, &err);
		cn->open_us = t;
		if ((r = parse_names(ct_stmt_col_text(s, 9), cn)) != 0)
			break;
		cn->denied = verdict != NULL && strcmp(verdict, "deny") == 0;
		if (strcmp(type, "dns") == 0) {
			cn->dns = 1;
			cn->dport = 53;
		} else if (dport == 53 && !cn->names_known) {
			cn->dns = 1;	/* the agent's DNS, redirected to the proxy */
		}
		cn->direct_ip = !cn->dns && cn->names_known && cn->nnames == 0 &&
		    strcmp(type, "sock_create") != 0;
		/* a TCP connection stays open until its close; the rest are moments */
		if (cn->denied || cn->dns || strcmp(type, "connect") != 0 ||
		    cn->proto == NULL || strcmp(cn->proto, "tcp") != 0) {
			cn->close_us = t;
			cn->closed = 1;
		} else {
			cn->close_us = run_end;
		}
		if (err)
			break;
	}
	if (r == 0 && err)
		r = nomem();
	if (r == 0 && rc != CT_DB_ROW && rc != CT_DB_DONE)
		r = ct_store_error(w->st, "reading network events");
	ct_stmt_reset(s);
	return r;
}

static int
port_fits(const struct ct_netrule *rule, void *arg)
{
	const int *port = arg;

	return rule->port == 0 || rule->port == *port;
}

/* Would the allowlist `p` admit this connection?  1, 0, or -1 (not egress). */
static int
judge_allow(const struct ct_netpolicy *p, struct ct_corr_conn *cn)
{
	uint8_t a[16];
	size_t i;
	int fam;

	if (cn->dns || cn->dst == NULL || strcmp(cn->type, "sock_create") == 0)
		return -1;
	for (i = 0; i < cn->nnames; i++)
		if (ct_netpolicy_match_name(p, cn->names[i], strlen(cn->names[i]), port_fits,
		    &cn->dport) > 0)
			return 1;
	fam = strchr(cn->dst, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(fam, cn->dst, a) != 1)
		return 0;
	return ct_netpolicy_addr_allowed(p, fam, a, (uint16_t)cn->dport) ||
	    ct_netpolicy_addr_allowed(p, fam, a, 0);
}

/* ---- explanation ---- */

static int
label_eq_first(const char *host, const char *name)
{
	size_t n = strcspn(host, ".");

	return strncasecmp(host, name, n) == 0 && (name[n] == '.' || name[n] == '\0');
}

/* Does connection `cn` reach a host serving event `e`'s service? */
static int
conn_serves(const struct ct_corr_opts *o, const struct ct_corr_conn *cn,
    const struct ct_corr_event *e)
{
	size_t i;

	for (i = 0; i < cn->nnames; i++) {
		if (e->provider != NULL && strcmp(e->provider, "sshd") == 0) {
			if (e->account != NULL && label_eq_first(e->account, cn->names[i]))
				return 1;
		} else if (ct_endpoint_serves(o->endpoints, o->nendpoints, e->provider,
		    e->service, cn->names[i])) {
			return 1;
		}
	}
	return 0;
}

/*
 * The connections serving one service, by open time, with the running maximum of their
 * close times: the connections open at t are found by a binary search for the last one
 * opened by t + skew and a walk back while the running maximum still reaches t - skew.
 * Built once per distinct (provider, service, sshd host), so the endpoint patterns are
 * matched once per connection and service, not once per event.
 */
struct serving {
	const char *provider, *service, *host;	/* borrowed from the first event */
	size_t *idx;
	int64_t *pmax;
	size_t n;
};

static int
cmp_conn_open(const void *a, const void *b, void *arg)
{
	const struct ct_corr_conn *conns = arg;
	const struct ct_corr_conn *x = &conns[*(const size_t *)a];
	const struct ct_corr_conn *y = &conns[*(const size_t *)b];

	if (x->open_us != y->open_us)
		return x->open_us < y->open_us ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
streq_null(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static struct serving *
serving_for(struct work *w, struct serving **tab, size_t *ntab, const struct ct_corr_event *e)
{
	struct ct_corr *c = w->c;
	const char *host = e->provider != NULL && strcmp(e->provider, "sshd") == 0 ?
	    e->account : NULL;
	struct serving *sv, *n;
	size_t i;

	for (i = 0; i < *ntab; i++) {
		sv = &(*tab)[i];
		if (streq_null(sv->provider, e->provider) && streq_null(sv->service, e->service) &&
		    streq_null(sv->host, host))
			return sv;
	}
	if ((n = reallocarray(*tab, *ntab + 1, sizeof(*n))) == NULL)
		return NULL;
	*tab = n;
	sv = &n[(*ntab)++];
	memset(sv, 0, sizeof(*sv));
	sv->provider = e->provider;
	sv->service = e->service;
	sv->host = host;
	if ((sv->idx = calloc(c->nconns + 1, sizeof(*sv->idx))) == NULL ||
	    (sv->pmax = calloc(c->nconns + 1, sizeof(*sv->pmax))) == NULL)
		return NULL;
	for (i = 0; i < c->nconns; i++) {
		const struct ct_corr_conn *cn = &c->conns[i];

		if (!cn->denied && !cn->dns && conn_serves(w->o, cn, e))
			sv->idx[sv->n++] = i;
	}
	if (sv->n > 1)
		qsort_r(sv->idx, sv->n, sizeof(*sv->idx), cmp_conn_open, c->conns);
	for (i = 0; i < sv->n; i++) {
		int64_t cl = c->conns[sv->idx[i]].close_us;

		sv->pmax[i] = i > 0 && sv->pmax[i - 1] > cl ? sv->pmax[i - 1] : cl;
	}
	return sv;
}

static int
explain(struct work *w)
{
	struct ct_corr *c = w->c;
	struct serving *tab = NULL, *sv;
	int64_t skew = c->skew_us;
	size_t i, ntab = 0, lo, hi, j;
	int r = 0;

	for (i = 0; i < c->nevents; i++) {
		struct ct_corr_event *e = &c->events[i];
		int known, best = -1;
		int64_t bestd = INT64_MAX, d;

		if (e->role == CT_ROLE_ISSUANCE)
			continue;
		e->explained = CT_EXPL_UNKNOWN;
		if (!e->has_time) {
			e->note = e->note != NULL ? e->note : strdup("the event has no time");
			continue;
		}
		if (e->provider != NULL && strcmp(e->provider, "sshd") == 0)
			known = e->account != NULL ||
			    ct_endpoint_known(w->o->endpoints, w->o->nendpoints, "sshd", "sshd");
		else
			known = ct_endpoint_known(w->o->endpoints, w->o->nendpoints, e->provider,
			    e->service);
		if (!known) {
			if (e->note == NULL && asprintf(&e->note, "no endpoint host is known for "
			    "service '%s' (add one with --endpoint SERVICE=HOST)",
			    e->service != NULL ? e->service : "?") < 0)
				e->note = NULL;
			continue;
		}
		if (c->nruns == 0) {
			if (e->note == NULL)
				e->note = strdup("the task has no recorded run to compare with");
			continue;
		}
		if ((sv = serving_for(w, &tab, &ntab, e)) == NULL) {
			r = nomem();
			break;
		}
		/* hi: one past the last connection opened by t + skew */
		for (lo = 0, hi = sv->n; lo < hi;) {
			size_t mid = lo + (hi - lo) / 2;

			if (c->conns[sv->idx[mid]].open_us <= e->time_us + skew)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (j = lo; j > 0 && sv->pmax[j - 1] >= e->time_us - skew; j--) {
			const struct ct_corr_conn *cn = &c->conns[sv->idx[j - 1]];

			if (cn->close_us < e->time_us - skew)
				continue;
			/* the connection opened last before the event carried it, most likely */
			d = e->time_us >= cn->open_us ? e->time_us - cn->open_us :
			    cn->open_us - e->time_us + skew;
			if (d < bestd) {
				bestd = d;
				best = (int)sv->idx[j - 1];
			}
		}
		if (best >= 0) {
			e->explained = CT_EXPL_YES;
			e->conn = best;
			c->conns[best].nexplained++;
			continue;
		}
		e->explained = CT_EXPL_NO;
		if (e->note == NULL && asprintf(&e->note, sv->n > 0 ?
		    "no connection of the agent to an endpoint of %s was open at that time" :
		    "the agent never connected to an endpoint of %s",
		    e->service != NULL ? e->service : "the service") < 0)
			e->note = NULL;
	}
	for (i = 0; i < ntab; i++) {
		free(tab[i].idx);
		free(tab[i].pmax);
	}
	free(tab);
	return r;
}

/* ---- egress ---- */

static void
egress_release(struct ct_corr_egress *g)
{
	free(g->host);
	free(g->proto);
	sv_free(g->addresses, g->naddresses);
}

static int
build_egress(struct work *w)
{
	struct ct_corr *c = w->c;
	struct ct_corr_egress *g, *n;
	size_t i, k;
	int r;

	for (i = 0; i < c->nconns; i++) {
		struct ct_corr_conn *cn = &c->conns[i];
		const char *host, *proto;
		int port;

		if (cn->dns && !cn->denied)
			continue;	/* resolving is not egress; refused names are */
		if (strcmp(cn->type, "sock_create") == 0) {
			host = "raw socket";
			proto = cn->proto != NULL ? cn->proto : "raw";
			port = 0;
		} else {
			host = cn->nnames > 0 ? cn->names[0] : cn->dst != NULL ? cn->dst : "?";
			proto = cn->dns ? "dns" : cn->proto != NULL ? cn->proto : "?";
			port = cn->dport;
		}
		if (w->o->allow != NULL)
			cn->allowed = judge_allow(w->o->allow, cn);
		for (k = 0; k < c->negress; k++) {
			g = &c->egress[k];
			if (strcmp(g->host, host) == 0 && g->port == port &&
			    strcmp(g->proto, proto) == 0)
				break;
		}
		if (k == c->negress) {
			if ((n = reallocarray(c->egress, c->negress + 1, sizeof(*n))) == NULL)
				return nomem();
			c->egress = n;
			g = &n[c->negress++];
			memset(g, 0, sizeof(*g));
			g->allowed = -1;
			g->first_us = cn->open_us;
			if ((g->host = strdup(host)) == NULL || (g->proto = strdup(proto)) == NULL)
				return nomem();
			g->port = port;
			g->dns = cn->dns;
		}
		g->count++;
		if (cn->denied)
			g->denied++;
		g->nexplained += cn->nexplained;
		g->direct_ip |= cn->direct_ip;
		if (cn->allowed == 0 || (g->allowed == -1 && cn->allowed == 1))
			g->allowed = cn->allowed;
		if (cn->open_us < g->first_us)
			g->first_us = cn->open_us;
		if (cn->close_us > g->last_us)
			g->last_us = cn->close_us;
		if (cn->dst != NULL && !cn->dns &&
		    (r = sv_add(&g->addresses, &g->naddresses, cn->dst, 1)) != 0)
			return r;
		if (g->verdict[0] == '\0')
			snprintf(g->verdict, sizeof(g->verdict), "%s",
			    cn->verdict != NULL ? cn->verdict : "unknown");
		else if (cn->verdict == NULL || strcmp(g->verdict, cn->verdict) != 0)
			snprintf(g->verdict, sizeof(g->verdict), "mixed");
	}
	return 0;
}

/* ---- timing and sources ---- */

static int
in_some_run(const struct ct_corr *c, int64_t t)
{
	size_t i;

	for (i = 0; i < c->nruns; i++) {
		int64_t end = c->runs[i].ended ? c->runs[i].end_us : c->now_us;

		if (t >= c->runs[i].start_us - c->skew_us && t <= end + c->skew_us)
			return 1;
	}
	return 0;
}

static int
any_run_open(const struct ct_corr *c)
{
	size_t i;

	for (i = 0; i < c->nruns; i++)
		if (!c->runs[i].ended)
			return 1;
	return 0;
}

static int
cmp_ev_ip(const void *a, const void *b)
{
	const struct ct_corr_event *const *x = a, *const *y = b;
	int d = strcmp((*x)->source_ip, (*y)->source_ip);

	if (d != 0)
		return d;
	return (*x)->id < (*y)->id ? -1 : (*x)->id > (*y)->id;
}


/*
 * The IAM action(s) an AWS event stands for, from the policy module's one table (the
 * request is not read here, so actions that depend on a request parameter are left out).
 */
static int
iam_actions(struct ct_corr_event *e)
{
	struct ct_am_result res;
	size_t k;
	int r;

	e->niam = 0;
	if ((r = ct_actionmap_aws(NULL, e->service, e->action, NULL, &res)) != 0)
		return r;
	for (k = 0; k < res.n && e->niam < 2; k++) {
		if (res.perm[k].flags & (CT_AM_DEPENDENT | CT_AM_CONDITIONAL))
			continue;
		snprintf(e->iam[e->niam++], CT_IAM_ACTION_MAX, "%s", res.perm[k].action);
	}
	ct_am_result_release(&res);
	return 0;
}

static int
judge_events(struct work *w)
{
	struct ct_corr *c = w->c;
	struct ct_corr_event **byip;
	size_t i, k, n = 0;
	int r;

	/* the task's egress addresses: declared, then learned from explained events */
	for (k = 0; k < w->o->negress_ips; k++)
		if ((r = sv_add(&c->egress_ips, &c->negress_ips, w->o->egress_ips[k], 1)) != 0)
			return r;
	/*
	 * An address is learned when most uses made from it are explained by the agent's
	 * connections: one call that merely coincides with an open connection does not make
	 * a stranger's address the task's own.  (Sorted by address: n log n.)
	 */
	if ((byip = calloc(c->nevents + 1, sizeof(*byip))) == NULL)
		return nomem();
	for (i = 0; i < c->nevents; i++)
		if (c->events[i].role == CT_ROLE_USE && c->events[i].source_ip != NULL)
			byip[n++] = &c->events[i];
	if (n > 1)
		qsort(byip, n, sizeof(*byip), cmp_ev_ip);
	for (i = 0; i < n; i = k) {
		size_t yes = 0, no = 0;

		for (k = i; k < n && strcmp(byip[k]->source_ip, byip[i]->source_ip) == 0; k++) {
			yes += byip[k]->explained == CT_EXPL_YES;
			no += byip[k]->explained == CT_EXPL_NO;
		}
		if (yes <= no || sv_has(c->egress_ips, c->negress_ips, byip[i]->source_ip))
			continue;
		if ((r = sv_add(&c->egress_ips, &c->negress_ips, byip[i]->source_ip, 1)) != 0) {
			free(byip);
			return r;
		}
		c->nlearned_ips++;
	}
	free(byip);
	for (i = 0; i < c->nevents; i++) {
		struct ct_corr_event *e = &c->events[i];
		int64_t exp = 0;

		if (ct_actionmap_is_data_event(e->provider, e->service, e->action))
			e->flags |= CT_EVF_DATA_EVENT;
		if (e->provider != NULL && strcmp(e->provider, "aws") == 0 &&
		    (r = iam_actions(e)) != 0)
			return r;
		if (e->role != CT_ROLE_USE || !e->has_time)
			continue;
		if (e->source_ip != NULL && c->negress_ips > 0 &&
		    !sv_has(c->egress_ips, c->negress_ips, e->source_ip))
			e->flags |= CT_EVF_UNEXPECTED_SOURCE;
		if (c->nruns > 0 && !in_some_run(c, e->time_us)) {
			if (!any_run_open(c) && e->time_us > c->runs_end_us + c->skew_us)
				e->flags |= CT_EVF_AFTER_RUN;
			else
				e->flags |= CT_EVF_BEFORE_RUN;
		}
		/* expiry: the credential's, or that of the chained key the event used */
		if (e->depth == 0 && e->cred >= 0)
			exp = c->creds[e->cred].expires_us;
		else if (e->access_key_id != NULL && key_index(w, e->access_key_id) >= 0)
			exp = w->keys[key_index(w, e->access_key_id)].expires_us;
		if (exp != 0 && e->time_us > exp + c->skew_us)
			e->flags |= CT_EVF_AFTER_EXPIRY;
	}
	return 0;
}

/* ---- provider log coverage ---- */

static int
latest_event(struct work *w, const char *provider, int64_t *out, int *found)
{
	struct ct_stmt *s;
	int rc, r;

	*found = 0;
	if ((r = prep(w, Q_LATEST, &s)) != 0)
		return r;
	ct_stmt_bind_text(s, 1, provider);
	rc = ct_stmt_step(s);
	if (rc == CT_DB_ROW) {
		*out = ct_stmt_col_int64(s, 0);
		*found = 1;
	}
	ct_stmt_reset(s);
	if (rc != CT_DB_ROW && rc != CT_DB_DONE)
		return ct_store_error(w->st, "reading the latest provider event");
	return 0;
}

static const char *
cred_provider(const char *kind)
{
	if (strcmp(kind, "aws") == 0)
		return "aws";
	if (strcmp(kind, "gcp") == 0)
		return "gcp";
	if (strcmp(kind, "ssh") == 0)
		return "sshd";
	return NULL;	/* jwt, x509: the provider depends on where they are presented */
}

static int
coverage(struct work *w)
{
	struct ct_corr *c = w->c;
	char a[40], b[40];
	size_t i;
	int r, found;

	if ((c->logs = json_object()) == NULL)
		return nomem();
	for (i = 0; i < c->ncreds; i++) {
		struct ct_corr_cred *cr = &c->creds[i];
		const char *prov = cred_provider(cr->kind);
		int64_t latest = 0, until;
		json_t *lo;

		if (prov == NULL)
			continue;
		if ((lo = json_object_get(c->logs, prov)) == NULL) {
			if ((r = latest_event(w, prov, &latest, &found)) != 0)
				return r;
			if (w->o->logs_complete_until_us != 0)
				until = w->o->logs_complete_until_us;
			else
				until = found ? latest - c->delivery_us : 0;
			lo = json_pack("{s:I, s:b, s:I, s:s}", "latest_us", (json_int_t)latest,
			    "found", found, "complete_until_us", (json_int_t)until,
			    "source", w->o->logs_complete_until_us != 0 ? "declared" :
			    "latest event - delivery window");
			if (lo == NULL || json_object_set_new(c->logs, prov, lo) != 0)
				return nomem();
		}
		until = json_integer_value(json_object_get(lo, "complete_until_us"));
		found = json_is_true(json_object_get(lo, "found")) ||
		    w->o->logs_complete_until_us != 0;
		cr->logs_cover = found && until >= cr->expires_us;
		if (cr->logs_cover)
			continue;
		fmt_time(cr->expires_us, b, sizeof(b));
		if (!found)
			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "no %s events are "
			    "ingested; credential %s is valid until %s", ct_provider_log_name(prov),
			    cr->principal, b);
		else {
			fmt_time(until, a, sizeof(a));
			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "%s events are complete "
			    "only until %s; credential %s is valid until %s",
			    ct_provider_log_name(prov), a, cr->principal, b);
		}
		if (r != 0)
			return r;
	}
	return 0;
}

/* ---- granted scope vs use ---- */

static int
json_add_sorted_unique(json_t *a, const char *s)
{
	size_t i, n = json_array_size(a);
	int cmp;

	for (i = 0; i < n; i++) {
		cmp = strcmp(json_string_value(json_array_get(a, i)), s);
		if (cmp == 0)
			return 0;
		if (cmp > 0)
			break;
	}
	return json_array_insert_new(a, i, json_string(s)) == 0 ? 0 : nomem();
}

static int
add_undetermined(json_t *a, const char *action, const char *reason)
{
	return json_array_append_new(a, json_pack("{s:s, s:s}", "action", action,
	    "reason", reason)) == 0 ? 0 : nomem();
}

/* The "Allow" actions of an IAM policy; 1 when NotAction or a form we skip was seen. */
static int
policy_allows(json_t *pol, json_t *granted, int *partial)
{
	json_t *stmts, *st, *act, *a;
	size_t i, k;
	int r;

	*partial = 0;
	if (!json_is_object(pol))
		return ct_error(CT_ERR_FORMAT, "policy is not a JSON object");
	stmts = json_object_get(pol, "Statement");
	if (json_is_object(stmts)) {
		json_t *wrap = json_pack("{s:[O]}", "Statement", stmts);

		if (wrap == NULL)
			return nomem();
		r = policy_allows(wrap, granted, partial);
		json_decref(wrap);
		return r;
	}
	if (!json_is_array(stmts))
		return ct_error(CT_ERR_FORMAT, "policy has no Statement");
	json_array_foreach(stmts, i, st) {
		const char *eff = json_string_value(json_object_get(st, "Effect"));

		if (eff == NULL || strcmp(eff, "Allow") != 0)
			continue;
		if (json_object_get(st, "NotAction") != NULL) {
			*partial = 1;
			continue;
		}
		act = json_object_get(st, "Action");
		if (json_is_string(act)) {
			if ((r = json_add_sorted_unique(granted, json_string_value(act))) != 0)
				return r;
		} else if (json_is_array(act)) {
			json_array_foreach(act, k, a)
				if (json_is_string(a) && (r = json_add_sorted_unique(granted,
				    json_string_value(a))) != 0)
					return r;
		}
	}
	return 0;
}

/* Is there evidence that the trail logs data events of this IAM service prefix? */
static int
data_logged(const struct ct_corr *c, const char *pattern)
{
	size_t i, n = strcspn(pattern, ":");

	if (c->data_events_logged)
		return 1;
	for (i = 0; i < c->nevents; i++) {
		const struct ct_corr_event *e = &c->events[i];

		if (!(e->flags & CT_EVF_DATA_EVENT) || e->niam == 0)
			continue;
		if (strncmp(pattern, "*", 1) == 0 || (strncasecmp(e->iam[0], pattern, n) == 0 &&
		    e->iam[0][n] == ':'))
			return 1;
	}
	return 0;
}

static int
evaluate_scope(struct work *w, size_t ci)
{
	struct ct_corr *c = w->c;
	struct ct_corr_cred *cr = &c->creds[ci];
	json_t *pol, *v;
	json_error_t jerr;
	size_t i, k;
	char until[40], reason[256];
	int r, partial, used;

	/* what was used (the credential's own calls, not those of chained roles) */
	for (i = 0; i < c->nevents; i++) {
		const struct ct_corr_event *e = &c->events[i];

		if (e->role != CT_ROLE_USE || e->cred != (int)ci || e->depth != 0)
			continue;
		for (k = 0; k < (size_t)e->niam; k++) {
			int fail = e->outcome != NULL && strcmp(e->outcome, "failure") == 0;

			if ((r = json_add_sorted_unique(fail ? cr->failed : cr->used,
			    e->iam[k])) != 0)
				return r;
		}
	}
	if (strcmp(cr->kind, "aws") != 0) {
		cr->scope_note = strdup("granted scope is evaluated for AWS session policies only");
		return cr->scope_note != NULL ? 0 : nomem();
	}
	if (cr->scope == NULL) {
		cr->scope_note = strdup("no session policy was recorded: the role's own policy "
		    "is the scope, and credtrail does not see it");
		return cr->scope_note != NULL ? 0 : nomem();
	}
	if ((pol = json_loads(cr->scope, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		if (asprintf(&cr->scope_note, "the recorded policy is not JSON: %s",
		    jerr.text) < 0)
			return nomem();
		return 0;
	}
	r = policy_allows(pol, cr->granted, &partial);
	json_decref(pol);
	if (r == CT_ERR_FORMAT) {
		cr->scope_note = strdup(ct_errmsg(r));
		ct_error_clear();
		return cr->scope_note != NULL ? 0 : nomem();
	}
	if (r != 0)
		return r;
	cr->scope_evaluated = 1;
	if (partial && (cr->scope_note = strdup("NotAction statements are not evaluated")) == NULL)
		return nomem();
	fmt_time(json_integer_value(json_object_get(json_object_get(c->logs, "aws"),
	    "complete_until_us")), until, sizeof(until));
	json_array_foreach(cr->granted, i, v) {
		const char *pat = json_string_value(v);

		used = 0;
		for (k = 0; k < json_array_size(cr->used) && !used; k++)
			used = ct_am_wildcard_match(pat, json_string_value(json_array_get(
			    cr->used, k)), 1);
		if (used)
			continue;
		if (!cr->logs_cover) {
			snprintf(reason, sizeof(reason), "CloudTrail is complete only until %s, "
			    "before the credential's expiry (+ delivery window)", until);
			r = add_undetermined(cr->undetermined, pat, reason);
		} else if (ct_actionmap_pattern_has_data(pat) && !data_logged(c, pat)) {
			r = add_undetermined(cr->undetermined, pat, "data events are not known to "
			    "be logged for this service (no data event seen; --data-events-logged "
			    "to declare it)");
		} else {
			r = json_array_append_new(cr->unused, json_string(pat)) == 0 ? 0 : nomem();
		}
		if (r != 0)
			return r;
	}
	return 0;
}

/* ---- run evidence ---- */

static int
file_exists(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int
sha256_file_hex(const char *path, char out[65])
{
	uint8_t *data = NULL, md[32];
	size_t len = 0;
	unsigned int mdlen = 0;
	int r;

	if ((r = ct_read_file(path, CT_DSSE_MAX, &data, &len)) != 0)
		return r;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		free(data);
		return ct_error(CT_ERR_CRYPTO, "cannot hash '%s'", path);
	}
	free(data);
	ct_hex_fmt(md, 32, out);
	return 0;
}

static void
set_verdict(struct ct_corr_run *ru, enum ct_evlog_verdict v, const struct ct_evlog_report *rep,
    const char *fail)
{
	switch (v) {
	case CT_EVLOG_COMPLETE:
		snprintf(ru->verdict, sizeof(ru->verdict), "complete");
		ru->verified = 1;
		break;
	case CT_EVLOG_UNSIGNED_TAIL:
		snprintf(ru->verdict, sizeof(ru->verdict), "unsigned-tail");
		ru->verified = 1;
		if (asprintf(&ru->detail, "%" PRIu64 " records after the last signed checkpoint",
		    rep->unsigned_tail) < 0)
			ru->detail = NULL;
		break;
	case CT_EVLOG_INCOMPLETE:
		snprintf(ru->verdict, sizeof(ru->verdict), "incomplete");
		ru->verified = 1;
		ru->detail = strdup(rep->incomplete);
		break;
	case CT_EVLOG_FAILED:
		/*
		 * A log written without a key fails at its first checkpoint; say "unsigned"
		 * (nothing can be checked) rather than "failed" (something was altered).
		 */
		snprintf(ru->verdict, sizeof(ru->verdict), "%s",
		    strstr(fail, "checkpoint is not signed") != NULL ? "unsigned" : "failed");
		ru->verified = 0;
		ru->detail = strdup(fail);
		break;
	}
	ru->records = rep->records;
}

struct nomatch_ctx {
	struct work *w;
	size_t run;
};

/*
 * Event log visitor: note the connections the run's own allowlist would have refused (the
 * monitor marks them "allowlist": "no-match" in audit mode; the store does not keep it).
 */
static int
nomatch_record(void *arg, uint64_t seq, const uint8_t *line, size_t len, const uint8_t leaf[32])
{
	struct nomatch_ctx *x = arg;
	struct work *w = x->w;
	struct nomatch *n;
	const char *type, *am, *ts, *dst;
	json_t *o;

	(void)seq;
	(void)leaf;
	if (len == 0 || memmem(line, len, "no-match", 8) == NULL)
		return 0;	/* cheap filter: most records are not */
	if ((o = json_loadb((const char *)line, len, 0, NULL)) == NULL)
		return 0;
	type = json_string_value(json_object_get(o, "type"));
	am = json_string_value(json_object_get(o, "allowlist"));
	ts = json_string_value(json_object_get(o, "time"));
	dst = json_string_value(json_object_get(o, "dst"));
	if (type != NULL && (strcmp(type, "connect") == 0 || strcmp(type, "sendmsg") == 0) &&
	    am != NULL && strcmp(am, "no-match") == 0 && ts != NULL && dst != NULL &&
	    strlen(dst) < sizeof(n->dst)) {
		if ((n = reallocarray(w->nomatch, w->nnomatch + 1, sizeof(*n))) == NULL) {
			json_decref(o);
			return nomem();
		}
		w->nomatch = n;
		n = &n[w->nnomatch];
		memset(n, 0, sizeof(*n));
		if (ct_time_parse(ts, strlen(ts), &n->time_us) == 0) {
			n->run = x->run;
			snprintf(n->dst, sizeof(n->dst), "%s", dst);
			n->dport = (int)json_integer_value(json_object_get(o, "dport"));
			w->nnomatch++;
		}
		ct_error_clear();
	}
	json_decref(o);
	return 0;
}

static int
verify_run(struct work *w, size_t ri, EVP_PKEY *const *keys, size_t nkeys)
{
	struct ct_corr_run *ru = &w->c->runs[ri];
	struct nomatch_ctx x = { w, ri };
	struct ct_evlog_visitor v;
	struct ct_evlog_report rep;
	struct ct_attest_result res;
	char *att = NULL, hex[65];
	int r;

	if (ru->events_path == NULL) {
		snprintf(ru->verdict, sizeof(ru->verdict), "no-log");
		return 0;
	}
	if (!file_exists(ru->events_path)) {
		snprintf(ru->verdict, sizeof(ru->verdict), "unreadable");
		if (asprintf(&ru->detail, "cannot read the event log '%s'", ru->events_path) < 0)
			ru->detail = NULL;
		return 0;
	}
	/* the log itself, reading what the store does not keep on the way */
	memset(&v, 0, sizeof(v));
	v.record = nomatch_record;
	v.arg = &x;
	memset(&rep, 0, sizeof(rep));
	r = ct_evlog_verify_file(ru->events_path, keys, nkeys, &v, &rep);
	if (r != 0) {
		snprintf(ru->verdict, sizeof(ru->verdict), "unreadable");
		ru->detail = strdup(ct_errmsg(r));
		ct_error_clear();
	} else {
		set_verdict(ru, rep.verdict, &rep, rep.fail);
	}
	ct_evlog_report_release(&rep);
	/* and its attestation, when the run wrote one beside it */
	if (asprintf(&att, "%s.dsse.json", ru->events_path) < 0)
		return nomem();
	if (!file_exists(att)) {
		free(att);
		return 0;
	}
	ru->attestation_path = att;
	memset(&res, 0, sizeof(res));
	r = ct_attest_verify(att, ru->events_path, keys, nkeys, &res);
	if (r != 0 || res.verdict == CT_EVLOG_FAILED) {
		snprintf(ru->verdict, sizeof(ru->verdict), r != 0 ? "unreadable" : "failed");
		ru->verified = 0;
		free(ru->detail);
		ru->detail = strdup(r != 0 ? ct_errmsg(r) : res.fail);
		ct_error_clear();
	}
	ct_attest_result_release(&res);
	if (ru->attestation_digest == NULL && sha256_file_hex(att, hex) == 0)
		ru->attestation_digest = strdup(hex);
	ct_error_clear();
	return 0;
}

/* Mark the connections the runs' own allowlists would have refused. */
static void
mark_nomatch(struct work *w)
{
	size_t i, k;

	for (i = 0; i < w->nnomatch; i++) {
		const struct nomatch *n = &w->nomatch[i];

		for (k = 0; k < w->c->nconns; k++) {
			struct ct_corr_conn *cn = &w->c->conns[k];

			if (cn->open_us == n->time_us && cn->dport == n->dport &&
			    cn->dst != NULL && strcmp(cn->dst, n->dst) == 0 &&
			    strcmp(cn->run_id, w->c->runs[n->run].id) == 0)
				cn->allowed = 0;
		}
	}
}

static int
drops_total(const char *drops, json_t **detail)
{
	json_t *o, *v;
	const char *k;
	long long n = 0;

	*detail = NULL;
	if (drops == NULL || (o = json_loads(drops, 0, NULL)) == NULL)
		return 0;
	if (json_is_integer(o))
		n = json_integer_value(o);
	else if (json_is_object(o)) {
		json_object_foreach(o, k, v)
			if (json_is_integer(v) && json_integer_value(v) > 0)
				n += json_integer_value(v);
	}
	*detail = o;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

static int
run_evidence(struct work *w)
{
	struct ct_corr *c = w->c;
	EVP_PKEY **lk = NULL;
	EVP_PKEY *const *keys = w->o->keys;
	size_t nkeys = w->o->nkeys, i;
	json_t *dd;
	int r = 0, nd;

	if (c->nruns == 0)
		return sv_add(&c->incomplete, &c->nincomplete, "no run of the task is recorded: "
		    "its egress is unknown", 1);
	if (keys == NULL && c->nruns > 0) {
		if (ct_attest_ledger_keys(w->st, &lk, &nkeys) != 0) {
			ct_error_clear();
			nkeys = 0;
		}
		keys = lk;
	}
	for (i = 0; i < c->nruns && r == 0; i++) {
		struct ct_corr_run *ru = &c->runs[i];

		dd = NULL;
		if ((r = verify_run(w, i, keys, nkeys)) != 0)
			break;
		if (!ru->ended)
			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "run %s has not ended "
			    "(still running, or its monitor died)", ru->id);
		else if (!ru->complete)
			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "run %s is recorded as "
			    "incomplete", ru->id);
		if (r == 0 && (nd = drops_total(ru->drops, &dd)) > 0) {
			char *t = json_dumps(dd, JSON_COMPACT | JSON_SORT_KEYS);

			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "run %s lost %d monitor "
			    "events %s", ru->id, nd, t != NULL ? t : "");
			free(t);
		}
		json_decref(dd);
		if (r == 0 && ru->backend != NULL && strcmp(ru->backend, "ebpf") != 0)
			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "run %s used the weaker "
			    "%s backend (no DNS names, no closes, no raw sockets)", ru->id,
			    ru->backend);
		if (r != 0)
			break;
		if (strcmp(ru->verdict, "no-log") == 0)
			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "run %s kept no event "
			    "log: its events are not signed", ru->id);
		else if (strcmp(ru->verdict, "unsigned") == 0)
			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "run %s event log is not "
			    "signed: its integrity cannot be checked", ru->id);
		else if (strcmp(ru->verdict, "complete") != 0)
			r = sv_addf(&c->incomplete, &c->nincomplete, 1, "run %s event log: %s%s%s",
			    ru->id, ru->verdict, ru->detail != NULL ? ": " : "",
			    ru->detail != NULL ? ru->detail : "");
	}
	if (lk != NULL) {
		for (i = 0; i < nkeys; i++)
			EVP_PKEY_free(lk[i]);
		free(lk);
	}
	return r;
}

/* ---- findings ---- */

struct fbuild {
	json_t *evidence;
	char list[240];		/* "route53:GetHostedZone from 10.0.0.1, ..." */
	size_t n;
};

static int
add_finding(struct ct_corr *c, enum ct_severity sev, const char *kind, json_t *evidence,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
add_finding(struct ct_corr *c, enum ct_severity sev, const char *kind, json_t *evidence,
    const char *fmt, ...)
{
	struct ct_finding *n, *f;
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0 || (n = reallocarray(c->findings, c->nfindings + 1, sizeof(*n))) == NULL) {
		free(s);
		json_decref(evidence);
		return nomem();
	}
	c->findings = n;
	f = &n[c->nfindings++];
	f->severity = sev;
	f->kind = kind;
	f->summary = s;
	f->evidence = evidence != NULL ? evidence : json_array();
	return f->evidence != NULL ? 0 : nomem();
}

static json_t *
ev_ref(const struct ct_corr_event *e)
{
	char ts[40];
	json_t *o;

	ct_time_fmt(e->time_us, 1, ts, sizeof(ts));
	o = json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "type", "provider_event", "id", (json_int_t)e->id, "provider", e->provider,
	    "event_id", e->event_id, "time", e->has_time ? ts : NULL,
	    "action", e->action, "source_ip", e->source_ip, "access_key_id", e->access_key_id,
	    "file", e->file, "raw_sha256", e->raw_sha256);
	if (o != NULL && e->file_offset >= 0)
		json_object_set_new(o, "offset", json_integer((json_int_t)e->file_offset));
	return o;
}

static json_t *
conn_ref(const struct ct_corr_conn *cn)
{
	char ts[40];

	ct_time_fmt(cn->open_us, 1, ts, sizeof(ts));
	return json_pack("{s:s, s:I, s:s, s:s, s:s?, s:i, s:s?}", "type", "net_event",
	    "id", (json_int_t)cn->id, "run", cn->run_id, "time", ts, "dst", cn->dst,
	    "port", cn->dport, "verdict", cn->verdict);
}

static void
list_add(struct fbuild *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
list_add(struct fbuild *b, const char *fmt, ...)
{
	size_t len = strlen(b->list);
	va_list ap;

	b->n++;
	if (b->n > 3) {
		if (b->n == 4 && len + 6 < sizeof(b->list))
			snprintf(b->list + len, sizeof(b->list) - len, ", ...");
		return;
	}
	if (len > 0 && len + 2 < sizeof(b->list)) {
		snprintf(b->list + len, sizeof(b->list) - len, ", ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(b->list + len, sizeof(b->list) - len, fmt, ap);
	va_end(ap);
}

static const char *
ev_what(const struct ct_corr_event *e)
{
	if (e->niam > 0)
		return e->iam[0];
	return e->action != NULL ? e->action : "?";
}

/* One finding per credential for the events with `flag` (or unexplained when flag 0). */
static int
event_findings(struct ct_corr *c, size_t ci, unsigned flag, enum ct_severity sev,
    const char *kind, const char *what)
{
	const struct ct_corr_cred *cr = &c->creds[ci];
	struct fbuild b;
	size_t i;
	char ts[40];

	memset(&b, 0, sizeof(b));
	if ((b.evidence = json_array()) == NULL)
		return nomem();
	for (i = 0; i < c->nevents; i++) {
		const struct ct_corr_event *e = &c->events[i];

		if (e->role != CT_ROLE_USE || e->cred != (int)ci)
			continue;
		if (flag == 0 ? e->explained != CT_EXPL_NO : !(e->flags & flag))
			continue;
		fmt_time(e->time_us, ts, sizeof(ts));
		list_add(&b, "%s at %s from %s", ev_what(e), ts + 11,
		    e->source_ip != NULL ? e->source_ip :
		    e->source_host != NULL ? e->source_host : "?");
		json_array_append_new(b.evidence, ev_ref(e));
	}
	if (b.n == 0) {
		json_decref(b.evidence);
		return 0;
	}
	if (b.n == 1)
		return add_finding(c, sev, kind, b.evidence, "%s was used once %s: %s",
		    cr->principal, what, b.list);
	return add_finding(c, sev, kind, b.evidence, "%s was used %zu times %s: %s",
	    cr->principal, b.n, what, b.list);
}

static int
make_findings(struct work *w)
{
	struct ct_corr *c = w->c;
	char ips[256] = "", buf[64] = "";
	size_t i, k;
	int r;

	/* claims: a principal that names the task but no issued credential joins */
	for (i = 0; i < c->nevents; i++) {
		const struct ct_corr_event *e = &c->events[i];
		json_t *ev;

		if (e->role != CT_ROLE_CLAIM || e->note == NULL)
			continue;
		ev = json_array();
		if (ev == NULL || json_array_append_new(ev, ev_ref(e)) != 0) {
			json_decref(ev);
			return nomem();
		}
		fmt_time(e->time_us, buf, sizeof(buf));
		if ((r = add_finding(c, CT_SEV_CRITICAL, "unissued-principal", ev,
		    "%s %s at %s claims the task: %s", ct_provider_log_name(e->provider),
		    ev_what(e), buf, e->note)) != 0)
			return r;
	}
	for (k = 0; k < c->negress_ips && strlen(ips) + 48 < sizeof(ips); k++) {
		size_t l = strlen(ips);

		snprintf(ips + l, sizeof(ips) - l, "%s%s", k > 0 ? ", " : "", c->egress_ips[k]);
	}
	for (i = 0; i < c->ncreds; i++) {
		char what[300];

		if ((r = event_findings(c, i, CT_EVF_AFTER_EXPIRY, CT_SEV_CRITICAL,
		    "used-after-expiry", "after it expired")) != 0 ||
		    (r = event_findings(c, i, 0, CT_SEV_HIGH, "unexplained-use",
		    "with no connection of the agent to the service open")) != 0)
			return r;
		snprintf(what, sizeof(what), "from outside the task's egress addresses (%s)", ips);
		if ((r = event_findings(c, i, CT_EVF_UNEXPECTED_SOURCE, CT_SEV_HIGH,
		    "unexpected-source", what)) != 0)
			return r;
		if (c->runs_end_us != 0)
			fmt_time(c->runs_end_us, buf, sizeof(buf));
		snprintf(what, sizeof(what), "after the task's last run ended (%s)", buf);
		if ((r = event_findings(c, i, CT_EVF_AFTER_RUN, CT_SEV_HIGH, "used-after-run",
		    what)) != 0 ||
		    (r = event_findings(c, i, CT_EVF_BEFORE_RUN, CT_SEV_MEDIUM,
		    "used-outside-run", "while no run of the task was going on")) != 0)
			return r;
	}
	/* egress */
	for (i = 0; i < c->negress; i++) {
		const struct ct_corr_egress *g = &c->egress[i];
		json_t *ev = json_array();

		if (ev == NULL)
			return nomem();
		for (k = 0; k < c->nconns && json_array_size(ev) < 20; k++) {
			const struct ct_corr_conn *cn = &c->conns[k];
			const char *host = cn->nnames > 0 ? cn->names[0] : cn->dst;

			if (host != NULL && strcmp(host, g->host) == 0 && cn->dport == g->port)
				json_array_append_new(ev, conn_ref(cn));
		}
		r = 0;
		if (strcmp(g->host, "raw socket") == 0)
			r = add_finding(c, CT_SEV_MEDIUM, "raw-socket", json_incref(ev),
			    "the agent opened %zu raw or packet socket%s (%s)", g->count,
			    g->count == 1 ? "" : "s", g->proto);
		else if (g->denied > 0)
			r = add_finding(c, CT_SEV_MEDIUM, "egress-denied", json_incref(ev),
			    "%zu attempt%s to reach %s%s port %d (%s) %s denied", g->denied,
			    g->denied == 1 ? "" : "s", g->host, g->direct_ip ? " (direct IP)" : "",
			    g->port, g->proto, g->denied == 1 ? "was" : "were");
		if (r == 0 && g->direct_ip)
			r = add_finding(c, g->denied == g->count ? CT_SEV_LOW : CT_SEV_MEDIUM,
			    "direct-ip", json_incref(ev), "the agent connected to %s port %d by "
			    "address, not through a DNS name (%zu time%s, %zu denied)", g->host,
			    g->port, g->count, g->count == 1 ? "" : "s", g->denied);
		if (r == 0 && g->allowed == 0 && g->count > g->denied)
			r = add_finding(c, CT_SEV_MEDIUM, "egress-not-allowed", json_incref(ev),
			    "%zu connection%s to %s port %d %s outside the allowlist",
			    g->count - g->denied, g->count - g->denied == 1 ? "" : "s", g->host,
			    g->port, g->count - g->denied == 1 ? "is" : "are");
		json_decref(ev);
		if (r != 0)
			return r;
	}
	/* refused calls, unknown endpoints */
	for (i = 0; i < c->ncreds; i++) {
		const struct ct_corr_cred *cr = &c->creds[i];
		struct fbuild b, u;

		memset(&b, 0, sizeof(b));
		memset(&u, 0, sizeof(u));
		if ((b.evidence = json_array()) == NULL || (u.evidence = json_array()) == NULL) {
			json_decref(b.evidence);
			return nomem();
		}
		for (k = 0; k < c->nevents; k++) {
			const struct ct_corr_event *e = &c->events[k];

			if (e->role != CT_ROLE_USE || e->cred != (int)i)
				continue;
			if (e->outcome != NULL && strcmp(e->outcome, "failure") == 0) {
				list_add(&b, "%s (%s)", ev_what(e), e->error_code != NULL ?
				    e->error_code : "failed");
				json_array_append_new(b.evidence, ev_ref(e));
			}
			if (e->explained == CT_EXPL_UNKNOWN) {
				list_add(&u, "%s", ev_what(e));
				json_array_append_new(u.evidence, ev_ref(e));
			}
		}
		r = 0;
		if (b.n > 0)
			r = add_finding(c, CT_SEV_LOW, "provider-refused", json_incref(b.evidence),
			    "the provider refused %zu call%s made with %s: %s", b.n,
			    b.n == 1 ? "" : "s", cr->principal, b.list);
		if (r == 0 && u.n > 0)
			r = add_finding(c, CT_SEV_INFO, "unexplainable", json_incref(u.evidence),
			    "%zu event%s of %s cannot be compared with the egress: %s", u.n,
			    u.n == 1 ? "" : "s", cr->principal, u.list);
		json_decref(b.evidence);
		json_decref(u.evidence);
		if (r != 0)
			return r;
		if (json_array_size(cr->unused) > 0) {
			struct fbuild p;
			json_t *ev = json_pack("[{s:s, s:I, s:s}]", "type", "credential", "id",
			    (json_int_t)cr->id, "principal", cr->principal);
			json_t *v;

			memset(&p, 0, sizeof(p));
			json_array_foreach(cr->unused, k, v)
				list_add(&p, "%s", json_string_value(v));
			if ((r = add_finding(c, CT_SEV_LOW, "unused-permission", ev,
			    "%s was granted %zu permission%s it never used: %s", cr->principal,
			    json_array_size(cr->unused), json_array_size(cr->unused) == 1 ? "" :
			    "s", p.list)) != 0)
				return r;
		}
	}
	/* evidence */
	for (i = 0; i < c->nruns; i++) {
		const struct ct_corr_run *ru = &c->runs[i];

		if (strcmp(ru->verdict, "failed") == 0 &&
		    (r = add_finding(c, CT_SEV_HIGH, "attestation-failed", json_pack("[{s:s, s:s,"
		    " s:s?, s:s?}]", "type", "run", "id", ru->id, "log", ru->events_path,
		    "attestation", ru->attestation_path), "the evidence of run %s does not "
		    "verify: %s", ru->id, ru->detail != NULL ? ru->detail : "?")) != 0)
			return r;
	}
	if (c->nincomplete > 0) {
		json_t *ev = json_array();

		for (i = 0; ev != NULL && i < c->nincomplete; i++)
			json_array_append_new(ev, json_pack("{s:s, s:s}", "type", "reason",
			    "text", c->incomplete[i]));
		if ((r = add_finding(c, CT_SEV_MEDIUM, "evidence-incomplete", ev,
		    "the evidence is incomplete: %s%s", c->incomplete[0],
		    c->nincomplete > 1 ? " (and more)" : "")) != 0)
			return r;
	}
	return 0;
}

static int
cmp_finding(const void *a, const void *b)
{
	const struct ct_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	return strcmp(x->kind, y->kind);
}

/* ---- per-credential tallies ---- */

static void
tally(struct ct_corr *c)
{
	size_t i;

	for (i = 0; i < c->nevents; i++) {
		const struct ct_corr_event *e = &c->events[i];
		struct ct_corr_cred *cr;

		if (e->role != CT_ROLE_USE || e->cred < 0)
			continue;
		cr = &c->creds[e->cred];
		cr->nuse++;
		if (e->explained == CT_EXPL_YES)
			cr->nexplained++;
		else if (e->explained == CT_EXPL_NO)
			cr->nunexplained++;
		else
			cr->nunknown++;
		if (e->has_time) {
			if (cr->first_use_us == 0 || e->time_us < cr->first_use_us)
				cr->first_use_us = e->time_us;
			if (e->time_us > cr->last_use_us)
				cr->last_use_us = e->time_us;
		}
	}
}

static int
chains_to_creds(struct work *w)
{
	size_t i;
	int r;

	for (i = 0; i < w->nkeys; i++) {
		const struct chain_key *k = &w->keys[i];

		if (k->depth == 0 || k->vault == 2 || k->cred < 0)
			continue;
		if ((r = sv_add(&w->c->creds[k->cred].chain, &w->c->creds[k->cred].nchain,
		    k->key, 1)) != 0)
			return r;
	}
	return 0;
}

/* ---- entry points ---- */

int
ct_correlate(struct ct_store *st, const char *task, const struct ct_corr_opts *o,
    struct ct_corr **out)
{
	struct ct_corr_opts defaults;
	struct ct_corr *c = NULL;
	struct ct_task t;
	struct work w;
	size_t i;
	int r = CT_ERR_INTERNAL, have_task = 0;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	if (o == NULL) {
		memset(&defaults, 0, sizeof(defaults));
		defaults.skew_us = defaults.delivery_us = -1;
		o = &defaults;
	}
	if ((r = ct_task_id_check(task)) != 0 || (r = ct_task_get(st, task, &t)) != 0)
		return r;
	have_task = 1;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = nomem();
		goto out;
	}
	if ((c->task = strdup(t.id)) == NULL ||
	    (t.class != NULL && (c->task_class = strdup(t.class)) == NULL)) {
		r = nomem();
		goto out;
	}
	c->task_created_us = t.created_us;
	c->now_us = o->now_us != 0 ? o->now_us : ct_now_us();
	c->skew_us = o->skew_us >= 0 ? o->skew_us : CT_CORR_SKEW_DEFAULT_US;
	c->delivery_us = o->delivery_us >= 0 ? o->delivery_us : CT_CORR_DELIVERY_DEFAULT_US;
	c->data_events_logged = o->data_events_logged;
	w.st = st;
	w.db = st;
	w.o = o;
	w.c = c;
	w.chain_depth = o->chain_depth > 0 ? o->chain_depth : CT_CORR_CHAIN_DEPTH_DEFAULT;

	if ((r = ct_cred_foreach(st, c->task, add_cred, c)) != 0 ||
	    (r = collect_prefixes(&w)) != 0)
		goto out;
	for (i = 0; i < c->ncreds; i++)
		if ((r = fetch_cred(&w, (int)i)) != 0)
			goto out;
	if ((r = follow_chain(&w)) != 0)
		goto out;
	for (i = 0; i < c->ncreds; i++)
		if ((r = fetch_weak(&w, (int)i)) != 0)
			goto out;
	if ((r = follow_chain(&w)) != 0 || (r = fetch_claims(&w)) != 0)
		goto out;
	check_ssh_claims(&w);
	describe_claims(&w);
	if ((r = chains_to_creds(&w)) != 0)
		goto out;
	if (c->nevents > 1)
		qsort(c->events, c->nevents, sizeof(*c->events), cmp_event);

	if ((r = load_runs(&w)) != 0)
		goto out;
	for (i = 0; i < c->nruns; i++)
		if ((r = load_net(&w, i)) != 0)
			goto out;
	if ((r = coverage(&w)) != 0 || (r = run_evidence(&w)) != 0)
		goto out;
	mark_nomatch(&w);
	if ((r = explain(&w)) != 0)
		goto out;
	if ((r = build_egress(&w)) != 0 || (r = judge_events(&w)) != 0)
		goto out;
	for (i = 0; i < c->ncreds; i++)
		if ((r = evaluate_scope(&w, i)) != 0)
			goto out;
	tally(c);
	if ((r = make_findings(&w)) != 0)
		goto out;
	if (c->nfindings > 1)
		qsort(c->findings, c->nfindings, sizeof(*c->findings), cmp_finding);
	*out = c;
	c = NULL;
	r = 0;
 out:
	for (i = 0; i < Q_COUNT; i++)
		ct_stmt_finalize(w.q[i]);
	for (i = 0; i < w.nkeys; i++)
		free(w.keys[i].key);
	free(w.keys);
	free(w.seen.ids);
	free(w.seen.idx);
	free(w.nomatch);
	sv_free(w.prefixes, w.nprefixes);
	if (have_task)
		ct_task_release(&t);
	ct_corr_free(c);
	return r;
}

void
ct_corr_free(struct ct_corr *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->task);
	free(c->task_class);
	for (i = 0; i < c->ncreds; i++)
		cred_release(&c->creds[i]);
	free(c->creds);
	for (i = 0; i < c->nevents; i++)
		event_release(&c->events[i]);
	free(c->events);
	for (i = 0; i < c->nruns; i++)
		run_release(&c->runs[i]);
	free(c->runs);
	for (i = 0; i < c->nconns; i++)
		conn_release(&c->conns[i]);
	free(c->conns);
	for (i = 0; i < c->negress; i++)
		egress_release(&c->egress[i]);
	free(c->egress);
	for (i = 0; i < c->nfindings; i++) {
		free(c->findings[i].summary);
		json_decref(c->findings[i].evidence);
	}
	free(c->findings);
	sv_free(c->incomplete, c->nincomplete);
	sv_free(c->egress_ips, c->negress_ips);
	json_decref(c->logs);
	free(c);
}

enum ct_severity
ct_corr_max_severity(const struct ct_corr *c)
{
	enum ct_severity m = CT_SEV_NONE;
	size_t i;

	for (i = 0; i < c->nfindings; i++)
		if (c->findings[i].severity > m)
			m = c->findings[i].severity;
	return m;
}
