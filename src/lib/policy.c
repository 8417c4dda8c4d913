/*
 * policy.c - evidence of use per task or class, granted-vs-used diffs, suggestions and
 * their storage (see policy.h).
 *
 * Cost: one indexed lookup per credential (access key id, subject, key id), one pass over
 * each ingested file that holds a record of the task (read sequentially from the first
 * such record to the last, so a day's trail file is read once however many events of the
 * task it holds), and the mapping of each event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "lib/db.h"
#include "lib/actionmap.h"
#include "lib/correlate.h"
#include "lib/ingest_input.h"
#include "lib/ledger.h"
#include "lib/policy.h"
#include "lib/store.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define RAW_RECORD_MAX (8u * 1024 * 1024)
#define RAW_CHUNK (256u * 1024)
#define GCP_TOKEN_LIFETIME_US (3600 * 1000000LL)	/* an exchanged access token */
#define DATA_WINDOW_US (24 * 3600 * 1000000LL)	/* data events this near show logging on */

/* ---- small helpers ---- */

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
nomem(void)
{
	return ct_error(CT_ERR_NOMEM, "out of memory");
}

static const char *
col(struct ct_stmt *s, int i)
{
	return ct_stmt_col_text(s, i);
}

static int
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return ct_error(CT_ERR_CRYPTO, "sha256 failed");
	ct_hex_fmt(md, 32, out);
	return 0;
}

static json_t *
time_json(int64_t us)
{
	char ts[40];

	if (us <= 0)
		return json_null();
	ct_time_fmt(us, 0, ts, sizeof(ts));
	return json_string(ts);
}

/* ---- credentials and events ---- */

struct cred {
	int64_t id;
	char *task, *kind, *principal, *access_key_id, *subject, *key_id, *serial, *scope;
	char scope_sha256[65];
	int64_t issued_us, expires_us;
	size_t group;
};

struct evrow {
	int64_t id;
	char *provider, *service, *action, *region, *account, *resources, *outcome, *error;
	char *principal, *source_ip, *raw_sha256, *path;
	int64_t offset, time_us;
	size_t group;
	json_t *raw;			/* the record read back, or NULL */
};

struct load {
	struct ct_store *st;
	const struct ct_pol_opts *o;
	struct cred *creds;
	size_t ncreds;
	struct evrow *ev;
	size_t nev;
	struct ct_pol_evidence *out;
	int64_t *foreign;		/* provider_events ids of uses not by the agent, sorted */
	size_t nforeign;
};

static void
cred_release(struct cred *c)
{
	free(c->task);
	free(c->kind);
	free(c->principal);
	free(c->access_key_id);
	free(c->subject);
	free(c->key_id);
	free(c->serial);
	free(c->scope);
}

static void
evrow_release(struct evrow *e)
{
	free(e->provider);
	free(e->service);
	free(e->action);
	free(e->region);
	free(e->account);
	free(e->resources);
	free(e->outcome);
	free(e->error);
	free(e->principal);
	free(e->source_ip);
	free(e->raw_sha256);
	free(e->path);
	json_decref(e->raw);
}

static int
add_cred(const struct ct_cred *c, void *arg)
{
	struct load *l = arg;
	struct cred *grown, *d;

	if (l->ncreds >= CT_POLICY_MAX_EVENTS)
		return ct_error(CT_ERR_LIMIT, "more than %d credentials", CT_POLICY_MAX_EVENTS);
	if ((grown = realloc(l->creds, (l->ncreds + 1) * sizeof(*grown))) == NULL)
		return nomem();
	l->creds = grown;
	d = &l->creds[l->ncreds];
	memset(d, 0, sizeof(*d));
	d->id = c->id;
	d->issued_us = c->issued_us;
	d->expires_us = c->expires_us;
	snprintf(d->scope_sha256, sizeof(d->scope_sha256), "%s", c->scope_sha256);
	d->task = xstrdup(c->task_id);
	d->kind = xstrdup(c->kind);
	d->principal = xstrdup(c->principal);
	d->access_key_id = xstrdup(c->access_key_id);
	d->subject = xstrdup(c->subject);
	d->key_id = xstrdup(c->key_id);
	d->serial = xstrdup(c->serial);
	d->scope = xstrdup(c->scope);
	l->ncreds++;
	if (d->task == NULL || d->kind == NULL || d->principal == NULL ||
	    (c->access_key_id != NULL && d->access_key_id == NULL) ||
	    (c->subject != NULL && d->subject == NULL) || (c->key_id != NULL && d->key_id == NULL) ||
	    (c->serial != NULL && d->serial == NULL) || (c->scope != NULL && d->scope == NULL))
		return nomem();
	return 0;
}

/* The tasks selected: one, or the class's newest `runs` since `since_us`. */
static int
select_tasks(struct load *l, const struct ct_pol_select *sel)
{
	struct ct_pol_evidence *ev = l->out;
	struct ct_stmt *s = NULL;
	struct ct_task t;
	char **grown;
	int r = 0, rc;

	if (sel->task != NULL) {
		if ((r = ct_task_get(l->st, sel->task, &t)) != 0)
			return r;
		ev->task = xstrdup(t.id);
		ev->class = xstrdup(t.class);
		ev->tasks = calloc(1, sizeof(char *));
		if (ev->task == NULL || (t.class != NULL && ev->class == NULL) || ev->tasks == NULL ||
		    (ev->tasks[0] = xstrdup(t.id)) == NULL) {
			ct_task_release(&t);
			return nomem();
		}
		ev->ntasks = 1;
		ct_task_release(&t);
		return 0;
	}
	if ((r = ct_task_class_check(sel->class)) != 0)
		return r;
	if ((ev->class = xstrdup(sel->class)) == NULL)
		return nomem();
	if (ct_db_prepare(l->st, "SELECT id FROM tasks WHERE class = ?1 AND "
	    "created_us >= ?2 ORDER BY created_us DESC, id DESC LIMIT ?3", &s) != 0)
		return ct_store_error(l->st, "selecting tasks");
	ct_stmt_bind_text(s, 1, sel->class);
	ct_stmt_bind_int64(s, 2, sel->since_us);
	ct_stmt_bind_int64(s, 3, sel->runs > 0 && sel->runs < CT_POLICY_MAX_TASKS ?
	    (int64_t)sel->runs : CT_POLICY_MAX_TASKS);
	while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
		if ((grown = realloc(ev->tasks, (ev->ntasks + 1) * sizeof(char *))) == NULL) {
			r = nomem();
			break;
		}
		ev->tasks = grown;
		if ((ev->tasks[ev->ntasks] = xstrdup(col(s, 0))) == NULL) {
			r = nomem();
			break;
		}
		ev->ntasks++;
	}
	if (r == 0 && rc != CT_DB_DONE)
		r = ct_store_error(l->st, "selecting tasks");
	ct_stmt_finalize(s);
	if (r == 0 && ev->ntasks == 0)
		r = ct_error(CT_ERR_NOTFOUND, "no task of class '%s'%s in the ledger", sel->class,
		    sel->since_us > 0 ? " since that date" : "");
	return r;
}

#define EV_COLUMNS "e.id, e.provider, e.service, e.action, e.region, e.account, e.resources," \
	" e.outcome, e.error_code, e.principal, e.source_ip, e.raw_sha256, f.path," \
	" e.file_offset, e.time_us"

/* The events made with one credential (key joins only: a name alone is a claim, not a use). */
static int
id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A policy is refined from what the agent did, not from what anyone did with its keys: a
 * use that the task's monitored egress does not explain (correlate's verdict CT_EXPL_NO:
 * the task ran under the monitor and no connection to the service was open) is someone
 * else's, and `credtrail report` flags it.  Those uses are collected here and left out.
 */
static int
collect_foreign(struct load *l)
{
	struct ct_corr_opts co;
	struct ct_corr *c = NULL;
	int64_t *grown;
	size_t i, k;
	int r;

	memset(&co, 0, sizeof(co));
	co.skew_us = co.delivery_us = -1;
	for (i = 0; i < l->out->ntasks; i++) {
		if ((r = ct_correlate(l->st, l->out->tasks[i], &co, &c)) != 0)
			return r;
		for (k = 0; k < c->nevents; k++) {
			if (c->events[k].role != CT_ROLE_USE || c->events[k].explained != CT_EXPL_NO)
				continue;
			if ((grown = realloc(l->foreign, (l->nforeign + 1) * sizeof(*grown))) ==
			    NULL) {
				ct_corr_free(c);
				return nomem();
			}
			l->foreign = grown;
			l->foreign[l->nforeign++] = c->events[k].id;
		}
		ct_corr_free(c);
		c = NULL;
	}
	if (l->nforeign > 1)
		qsort(l->foreign, l->nforeign, sizeof(*l->foreign), id_cmp);
	return 0;
}

static int
is_foreign(const struct load *l, int64_t id)
{
	return l->nforeign > 0 &&
	    bsearch(&id, l->foreign, l->nforeign, sizeof(*l->foreign), id_cmp) != NULL;
}

static int
load_events(struct load *l, const struct cred *c)
{
	const char *sql;
	struct ct_stmt *s = NULL;
	struct evrow *grown, *e;
	int r = 0, rc;

	if (strcmp(c->kind, "aws") == 0 && c->access_key_id != NULL)
		sql = "SELECT " EV_COLUMNS " FROM provider_events e LEFT JOIN ingested_files f ON "
		    "f.id = e.file_id WHERE e.access_key_id = ?1 AND e.provider = 'aws'";
	else if (strcmp(c->kind, "jwt") == 0 && c->subject != NULL)
		/*
		 * GCP: the federated subject; Vault: the JWT auth method's "jwt-<sub>" name (a
		 * request and its response are one row, see ingest_vault.c)
		 */
		sql = "SELECT " EV_COLUMNS " FROM provider_events e LEFT JOIN ingested_files f ON "
		    "f.id = e.file_id WHERE (e.subject = ?2 AND e.provider = 'gcp') OR "
		    "(e.principal = 'jwt-' || ?2 AND e.provider = 'vault')";
	else if (strcmp(c->kind, "gcp") == 0 && c->subject != NULL)
		sql = "SELECT " EV_COLUMNS " FROM provider_events e LEFT JOIN ingested_files f ON "
		    "f.id = e.file_id WHERE e.principal = ?2 AND e.provider = 'gcp' AND "
		    "e.time_us BETWEEN ?3 AND ?4";
	else if (strcmp(c->kind, "ssh") == 0 && c->key_id != NULL)
		sql = "SELECT " EV_COLUMNS " FROM provider_events e LEFT JOIN ingested_files f ON "
		    "f.id = e.file_id WHERE e.cert_key_id = ?5 AND e.provider = 'sshd' AND "
		    "(e.cert_serial IS NULL OR CAST(?6 AS TEXT) IS NULL OR e.cert_serial = ?6)";
	else
		return 0;
	if (ct_db_prepare(l->st, sql, &s) != 0)
		return ct_store_error(l->st, "reading provider events");
	ct_stmt_bind_text(s, 1, c->access_key_id);
	ct_stmt_bind_text(s, 2, c->subject);
	ct_stmt_bind_int64(s, 3, c->issued_us);
	ct_stmt_bind_int64(s, 4, c->expires_us + GCP_TOKEN_LIFETIME_US);
	ct_stmt_bind_text(s, 5, c->key_id);
	ct_stmt_bind_text(s, 6, c->serial);
	while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
		if (is_foreign(l, ct_stmt_col_int64(s, 0))) {
			l->out->nexcluded++;
			continue;
		}
		if (l->nev >= CT_POLICY_MAX_EVENTS) {
			r = ct_error(CT_ERR_LIMIT, "more than %d provider events", CT_POLICY_MAX_EVENTS);
			break;
		}
		if ((grown = realloc(l->ev, (l->nev + 1) * sizeof(*grown))) == NULL) {
			r = nomem();
			break;
		}
		l->ev = grown;
		e = &l->ev[l->nev++];
		memset(e, 0, sizeof(*e));
		e->id = ct_stmt_col_int64(s, 0);
		e->provider = xstrdup(col(s, 1));
		e->service = xstrdup(col(s, 2));
		e->action = xstrdup(col(s, 3));
		e->region = xstrdup(col(s, 4));
		e->account = xstrdup(col(s, 5));
		e->resources = xstrdup(col(s, 6));
		e->outcome = xstrdup(col(s, 7));
		e->error = xstrdup(col(s, 8));
		e->principal = xstrdup(col(s, 9));
		e->source_ip = xstrdup(col(s, 10));
		e->raw_sha256 = xstrdup(col(s, 11));
		e->path = xstrdup(col(s, 12));
		e->offset = ct_stmt_col_is_null(s, 13) ? -1 :
		    ct_stmt_col_int64(s, 13);
		e->time_us = ct_stmt_col_int64(s, 14);
		e->group = c->group;
		if (e->provider == NULL) {
			r = nomem();
			break;
		}
	}
	if (r == 0 && rc != CT_DB_DONE)
		r = ct_store_error(l->st, "reading provider events");
	ct_stmt_finalize(s);
	return r;
}

/* ---- request parameters read back from the ingested files ---- */

struct rawfile {
	struct ct_input *in;
	uint8_t *buf;
	size_t len, cap;
	uint64_t base;			/* offset of buf[0] in the decompressed stream */
	int eof;
};

static int
raw_fill(struct rawfile *f, size_t want)
{
	size_t got;
	uint8_t *grown;
	int r;

	while (!f->eof && f->len < want) {
		if (f->cap - f->len < RAW_CHUNK) {
			if (f->cap >= RAW_RECORD_MAX + RAW_CHUNK)
				return ct_error(CT_ERR_LIMIT, "record longer than %u bytes",
				    RAW_RECORD_MAX);
			if ((grown = realloc(f->buf, f->cap + RAW_CHUNK)) == NULL)
				return nomem();
			f->buf = grown;
			f->cap += RAW_CHUNK;
		}
		if ((r = ct_input_read(f->in, f->buf + f->len, f->cap - f->len, &got)) != 0)
			return r;
		if (got == 0)
			f->eof = 1;
		f->len += got;
	}
	return 0;
}

/* Move the window to start at `off`. */
static int
raw_seek(struct rawfile *f, uint64_t off)
{
	int r;

	if (off < f->base)
		return ct_error(CT_ERR_INTERNAL, "records out of order");
	while (f->base + f->len < off) {
		f->base += f->len;
		f->len = 0;
		if (f->eof)
			return ct_error(CT_ERR_FORMAT, "the file is shorter than it was");
		if ((r = raw_fill(f, RAW_CHUNK)) != 0)
			return r;
	}
	if (off > f->base)
		memmove(f->buf, f->buf + (off - f->base), f->len - (off - f->base));
	f->len -= off - f->base;
	f->base = off;
	return 0;
}

/* One record at the window's start, checked against its digest. */
static int
raw_record(struct rawfile *f, const char *sha, json_t **out)
{
	json_error_t jerr;
	json_t *doc;
	char hex[65];
	size_t want = RAW_CHUNK;
	int r;

	*out = NULL;
	for (;;) {
		if ((r = raw_fill(f, want)) != 0)
			return r;
		doc = json_loadb((const char *)f->buf, f->len, JSON_DISABLE_EOF_CHECK, &jerr);
		if (doc != NULL)
			break;
		if (f->eof || f->len < want)
			return ct_error(CT_ERR_FORMAT, "no JSON record at that offset");
		if (want >= RAW_RECORD_MAX)
			return ct_error(CT_ERR_LIMIT, "record longer than %u bytes", RAW_RECORD_MAX);
		want *= 2;
	}
	if (jerr.position <= 0 || (size_t)jerr.position > f->len ||
	    (r = sha256_hex(f->buf, (size_t)jerr.position, hex)) != 0 || sha == NULL ||
	    strcmp(hex, sha) != 0) {
		json_decref(doc);
		return ct_error(CT_ERR_VERIFY, "the record does not match its digest");
	}
	*out = doc;
	return 0;
}

static int
evrow_by_file(const void *a, const void *b)
{
	const struct evrow *const *x = a, *const *y = b;
	int c = strcmp((*x)->path, (*y)->path);

	if (c != 0)
		return c;
	return (*x)->offset < (*y)->offset ? -1 : (*x)->offset > (*y)->offset;
}

static void
raw_missing(struct ct_pol_group *g, const char *path, const char *why)
{
	g->nraw_missing++;
	if (g->raw_missing_reason == NULL &&
	    asprintf(&g->raw_missing_reason, "'%s': %s", path, why) < 0)
		g->raw_missing_reason = NULL;
}

static int
read_raw(struct load *l)
{
	struct evrow **v = NULL;
	struct rawfile f;
	const char *cur = NULL;
	size_t n = 0, i;
	int r = 0, open_failed = 0;
	char why[256];

	memset(&f, 0, sizeof(f));
	if ((v = calloc(l->nev + 1, sizeof(*v))) == NULL)
		return nomem();
	for (i = 0; i < l->nev; i++) {
		struct evrow *e = &l->ev[i];

		if (strcmp(e->provider, "aws") != 0 && strcmp(e->provider, "gcp") != 0)
			continue;
		if (e->path == NULL || e->offset < 0) {
			raw_missing(&l->out->groups[e->group], "?", "the record's file is not known");
			continue;
		}
		if (strcmp(e->path, "-") == 0) {
			raw_missing(&l->out->groups[e->group], "-", "read from standard input");
			continue;
		}
		v[n++] = e;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), evrow_by_file);
	for (i = 0; i < n; i++) {
		struct evrow *e = v[i];
		struct ct_pol_group *g = &l->out->groups[e->group];

		if (cur == NULL || strcmp(cur, e->path) != 0) {
			ct_input_close(f.in);
			free(f.buf);
			memset(&f, 0, sizeof(f));
			cur = e->path;
			open_failed = 0;
			if ((r = ct_input_open(&f.in, e->path, NULL, 0)) != 0) {
				f.in = NULL;
				open_failed = 1;
				snprintf(why, sizeof(why), "%s", ct_errmsg(r));
				ct_error_clear();
				r = 0;
			}
		}
		if (open_failed) {
			raw_missing(g, e->path, why);
			continue;
		}
		if ((r = raw_seek(&f, (uint64_t)e->offset)) == 0)
			r = raw_record(&f, e->raw_sha256, &e->raw);
		if (r == CT_ERR_NOMEM)
			goto out;
		if (r != 0) {
			raw_missing(g, e->path, ct_errmsg(r));
			ct_error_clear();
			r = 0;
			if (f.eof && f.len == 0)
				open_failed = 1;
			continue;
		}
		g->nraw_read++;
	}
 out:
	ct_input_close(f.in);
	free(f.buf);
	free(v);
	return r;
}

/* obj[key], exactly, else case-insensitively (Athena exports lower-case the names). */
static json_t *
jget(json_t *obj, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	if ((v = json_object_get(obj, key)) != NULL)
		return v;
	json_object_foreach(obj, k, v)
		if (strcasecmp(k, key) == 0)
			return v;
	return NULL;
}

/* ---- uses ---- */

static int
is_authz_error(const char *provider, const char *code)
{
	static const char *const codes[] = {
		"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
		"Client.UnauthorizedOperation", "UnauthorizedAccess", "AuthorizationError",
		"Forbidden", "AuthorizationErrorException", "PERMISSION_DENIED",
		"permission denied", "7",
	};
	size_t i;

	(void)provider;
	if (code == NULL)
		return 0;
	for (i = 0; i < NELEM(codes); i++)
		if (strcasecmp(code, codes[i]) == 0)
			return 1;
	return strstr(code, "AccessDenied") != NULL || strstr(code, "Unauthorized") != NULL ||
	    strstr(code, "permission denied") != NULL;
}

static int
group_use(struct ct_pol_group *g, const struct evrow *e, const struct ct_am_perm *p,
    const char *resource, const char *event)
{
	struct ct_pol_use *u = NULL, *grown;
	int failed = e->outcome != NULL && strcmp(e->outcome, "failure") == 0;
	int denied = failed && is_authz_error(e->provider, e->error);
	size_t i;

	for (i = 0; i < g->nuses; i++) {
		struct ct_pol_use *x = &g->uses[i];

		if (strcmp(x->provider, e->provider) == 0 && strcasecmp(x->action, p->action) == 0 &&
		    strcmp(x->resource, resource) == 0 &&
		    ((x->cond_key == NULL && p->cond_key == NULL) || (x->cond_key != NULL &&
		    p->cond_key != NULL && strcmp(x->cond_key, p->cond_key) == 0 &&
		    strcmp(x->cond_value, p->cond_value) == 0))) {
			u = x;
			break;
		}
	}
	if (u == NULL) {
		if ((grown = realloc(g->uses, (g->nuses + 1) * sizeof(*grown))) == NULL)
			return nomem();
		g->uses = grown;
		u = &g->uses[g->nuses++];
		memset(u, 0, sizeof(*u));
		u->provider = xstrdup(e->provider);
		u->action = xstrdup(p->action);
		u->resource = xstrdup(resource);
		u->cond_key = xstrdup(p->cond_key);
		u->cond_value = xstrdup(p->cond_value);
		u->event = xstrdup(event);
		u->note = p->note;
		u->first_us = u->last_us = e->time_us;
		if (u->provider == NULL || u->action == NULL || u->resource == NULL ||
		    u->event == NULL || (p->cond_key != NULL && (u->cond_key == NULL ||
		    u->cond_value == NULL)))
			return nomem();
	}
	u->flags |= p->flags;
	if (p->flags & CT_AM_CONDITIONAL)
		u->maybe++;
	else if (denied)
		u->denied++;
	else
		u->ok++;
	if (denied && u->error_code == NULL && e->error != NULL &&
	    (u->error_code = strdup(e->error)) == NULL)
		return nomem();
	if (e->time_us < u->first_us)
		u->first_us = e->time_us;
	if (e->time_us > u->last_us)
		u->last_us = e->time_us;
	return 0;
}

static int
group_other(struct ct_pol_group *g, const char *event, const char *why, int unmapped)
{
	struct ct_pol_other *grown;
	size_t i;

	for (i = 0; i < g->nothers; i++)
		if (strcmp(g->others[i].event, event) == 0) {
			g->others[i].count++;
			return 0;
		}
	if ((grown = realloc(g->others, (g->nothers + 1) * sizeof(*grown))) == NULL)
		return nomem();
	g->others = grown;
	memset(&g->others[g->nothers], 0, sizeof(*grown));
	if ((g->others[g->nothers].event = strdup(event)) == NULL)
		return nomem();
	g->others[g->nothers].why = why;
	g->others[g->nothers].count = 1;
	g->others[g->nothers].unmapped = unmapped;
	g->nothers++;
	return 0;
}

/* Map one event and add what it needed to its group. */
static int
map_event(struct load *l, struct evrow *e)
{
	struct ct_pol_group *g = &l->out->groups[e->group];
	struct ct_am_event in;
	struct ct_am_result res;
	json_t *resources = NULL, *rec = e->raw, *inner = NULL, *pp, *empty = NULL;
	char event[512];
	size_t i, j;
	int r;

	memset(&in, 0, sizeof(in));
	in.provider = e->provider;
	in.service = e->service;
	in.action = e->action;
	in.region = e->region;
	in.account = e->account;
	in.source_ip = e->source_ip;
	if (e->resources != NULL)
		resources = json_loads(e->resources, 0, NULL);
	in.resources = resources;
	if (strcmp(e->provider, "aws") == 0 && rec != NULL) {
		/* lookup-events wraps the record as a JSON string */
		pp = jget(rec, "CloudTrailEvent");
		if (json_is_string(pp) && (inner = json_loads(json_string_value(pp), 0, NULL)) != NULL)
			rec = inner;
		in.request = jget(rec, "requestParameters");
		in.response = jget(rec, "responseElements");
		/* a record read back whose request is null had no parameters at all */
		if (in.request == NULL || json_is_null(in.request))
			in.request = empty = json_object();
	} else if (strcmp(e->provider, "gcp") == 0 && rec != NULL) {
		pp = jget(rec, "protoPayload");
		in.request = jget(pp, "request");
		in.response = jget(pp, "response");
		in.authz = jget(pp, "authorizationInfo");
		if (in.request == NULL || json_is_null(in.request))
			in.request = empty = json_object();
	} else if (strcmp(e->provider, "sshd") == 0) {
		in.principal = e->principal;
	}
	snprintf(event, sizeof(event), "%s %s", e->service != NULL ? e->service : "-",
	    e->action != NULL ? e->action : "-");
	r = ct_actionmap_map(l->o->map, &in, &res);
	json_decref(empty);
	json_decref(inner);
	json_decref(resources);
	if (r != 0)
		return r;
	g->nevents++;
	if (e->outcome != NULL && strcmp(e->outcome, "failure") == 0 &&
	    is_authz_error(e->provider, e->error))
		g->ncalls_denied++;
	else
		g->ncalls_ok++;
	if (res.flags & (CT_AM_NONE_NEEDED | CT_AM_UNMAPPED)) {
		r = group_other(g, event, res.note != NULL ? res.note : "not mapped",
		    (res.flags & CT_AM_UNMAPPED) != 0);
		ct_am_result_release(&res);
		return r;
	}
	for (i = 0; i < res.n && r == 0; i++) {
		if (res.perm[i].nresources == 0)
			r = group_use(g, e, &res.perm[i], "*", event);
		for (j = 0; j < res.perm[i].nresources && r == 0; j++)
			r = group_use(g, e, &res.perm[i], res.perm[i].resources[j], event);
	}
	ct_am_result_release(&res);
	return r;
}

/* ---- groups, logs ---- */

static int
assign_groups(struct load *l)
{
	struct ct_pol_evidence *ev = l->out;
	struct ct_pol_group *grown, *g;
	json_t *c;
	size_t i, k;

	for (i = 0; i < l->ncreds; i++) {
		struct cred *cr = &l->creds[i];

		for (k = 0; k < ev->ngroups; k++)
			if (strcmp(ev->groups[k].kind, cr->kind) == 0 &&
			    ((ev->groups[k].scope == NULL && cr->scope == NULL) ||
			    (ev->groups[k].scope != NULL && cr->scope != NULL &&
			    strcmp(ev->groups[k].scope, cr->scope) == 0)))
				break;
		if (k == ev->ngroups) {
			if ((grown = realloc(ev->groups, (k + 1) * sizeof(*grown))) == NULL)
				return nomem();
			ev->groups = grown;
			g = &ev->groups[k];
			memset(g, 0, sizeof(*g));
			ev->ngroups++;
			g->kind = xstrdup(cr->kind);
			g->scope = xstrdup(cr->scope);
			snprintf(g->scope_sha256, sizeof(g->scope_sha256), "%s", cr->scope_sha256);
			g->creds = json_array();
			g->issued_us = cr->issued_us;
			g->expires_us = cr->expires_us;
			if (g->kind == NULL || g->creds == NULL || (cr->scope != NULL && g->scope == NULL))
				return nomem();
		}
		g = &ev->groups[k];
		cr->group = k;
		if (cr->issued_us < g->issued_us)
			g->issued_us = cr->issued_us;
		if (cr->expires_us > g->expires_us)
			g->expires_us = cr->expires_us;
		c = json_pack("{s:I, s:s, s:s, s:s?, s:o, s:o}", "id", (json_int_t)cr->id,
		    "task", cr->task, "principal", cr->principal, "access_key_id",
		    cr->access_key_id, "issued", time_json(cr->issued_us), "expires",
		    time_json(cr->expires_us));
		if (c == NULL || json_array_append_new(g->creds, c) != 0)
			return nomem();
	}
	return 0;
}

static int
load_logs(struct load *l)
{
	static const char *const providers[] = { "aws", "gcp", "vault", "sshd" };
	struct ct_pol_evidence *ev = l->out;
	int64_t delivery = l->o->delivery_us >= 0 ? l->o->delivery_us :
	    CT_POLICY_DELIVERY_DEFAULT_US, latest, until, from = 0, to = 0;
	struct ct_stmt *s = NULL;
	const char *src[8];
	size_t i, k, n;
	int rc, r = 0, have;
	json_t *o;

	if ((ev->logs = json_object()) == NULL || (ev->data_seen = json_array()) == NULL)
		return nomem();
	/*
	 * newest first along the time index ("provider || ''": not the provider's whole range;
	 * SQLite's unary + in the common SQL of db.h)
	 */
	if (ct_db_prepare(l->st, "SELECT time_us FROM provider_events "
	    "WHERE provider || '' = ? AND time_us IS NOT NULL ORDER BY time_us DESC LIMIT 1",
	    &s) != 0)
		return ct_store_error(l->st, "reading the logs' extent");
	for (i = 0; i < NELEM(providers); i++) {
		ct_stmt_reset(s);
		ct_stmt_bind_text(s, 1, providers[i]);
		if ((rc = ct_stmt_step(s)) != CT_DB_ROW && rc != CT_DB_DONE) {
			r = ct_store_error(l->st, "reading the logs' extent");
			break;
		}
		have = rc == CT_DB_ROW && !ct_stmt_col_is_null(s, 0);
		latest = have ? ct_stmt_col_int64(s, 0) : 0;
		until = l->o->logs_complete_until_us > 0 ? l->o->logs_complete_until_us :
		    have ? latest - delivery : 0;
		o = json_pack("{s:I, s:I, s:b}", "latest_us", (json_int_t)latest,
		    "complete_until_us", (json_int_t)until, "given",
		    l->o->logs_complete_until_us > 0);
		if (o == NULL || json_object_set_new(ev->logs, providers[i], o) != 0) {
			r = nomem();
			break;
		}
	}
	ct_stmt_finalize(s);
	if (r != 0)
		return r;
	/*
	 * Which services' data events the store holds within a day of the credentials'
	 * lifetimes (the time index bounds the search in a store of millions of events).
	 */
	for (k = 0; k < ev->ngroups; k++) {
		if (k == 0 || ev->groups[k].issued_us < from)
			from = ev->groups[k].issued_us;
		if (k == 0 || ev->groups[k].expires_us > to)
			to = ev->groups[k].expires_us;
	}
	from -= DATA_WINDOW_US;
	to += DATA_WINDOW_US;
	n = ct_actionmap_data_sources("*", src, NELEM(src));
	if (ct_db_prepare(l->st, "SELECT DISTINCT action FROM provider_events "
	    "WHERE time_us BETWEEN ?2 AND ?3 AND provider || '' = 'aws' AND service || '' = ?1 "
	    "LIMIT 100000", &s) != 0)
		return ct_store_error(l->st, "looking for data events");
	for (k = 0; k < n && r == 0 && ev->ngroups > 0; k++) {
		ct_stmt_reset(s);
		ct_stmt_bind_text(s, 1, src[k]);
		ct_stmt_bind_int64(s, 2, from);
		ct_stmt_bind_int64(s, 3, to);
		while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
			if (ct_actionmap_is_data_event("aws", src[k], col(s, 0))) {
				if (json_array_append_new(ev->data_seen, json_string(src[k])) != 0)
					r = nomem();
				break;
			}
		}
		if (r == 0 && rc != CT_DB_ROW && rc != CT_DB_DONE)
			r = ct_store_error(l->st, "looking for data events");
	}
	ct_stmt_finalize(s);
	return r;
}

void
ct_pol_evidence_free(struct ct_pol_evidence *ev)
{
	size_t i, j;

	if (ev == NULL)
		return;
	free(ev->task);
	free(ev->class);
	for (i = 0; i < ev->ntasks; i++)
		free(ev->tasks[i]);
	free(ev->tasks);
	for (i = 0; i < ev->ngroups; i++) {
		struct ct_pol_group *g = &ev->groups[i];

		free(g->scope);
		free(g->kind);
		json_decref(g->creds);
		for (j = 0; j < g->nuses; j++) {
			free(g->uses[j].provider);
			free(g->uses[j].action);
			free(g->uses[j].resource);
			free(g->uses[j].cond_key);
			free(g->uses[j].cond_value);
			free(g->uses[j].error_code);
			free(g->uses[j].event);
		}
		free(g->uses);
		for (j = 0; j < g->nothers; j++)
			free(g->others[j].event);
		free(g->others);
		free(g->raw_missing_reason);
	}
	free(ev->groups);
	json_decref(ev->logs);
	json_decref(ev->data_seen);
	free(ev);
}

static int
use_cmp(const void *a, const void *b)
{
	const struct ct_pol_use *x = a, *y = b;
	int c = strcasecmp(x->action, y->action);

	return c != 0 ? c : strcmp(x->resource, y->resource);
}

static int
cred_cmp(const void *a, const void *b)
{
	const struct cred *x = a, *y = b;

	if (x->issued_us != y->issued_us)
		return x->issued_us < y->issued_us ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
ct_pol_evidence_load(struct ct_store *st, const struct ct_pol_select *sel,
    const struct ct_pol_opts *o, struct ct_pol_evidence **out)
{
	struct load l;
	size_t i;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	memset(&l, 0, sizeof(l));
	l.st = st;
	l.o = o;
	if ((sel->task == NULL) == (sel->class == NULL))
		return ct_error(CT_ERR_INVALID, "select a task or a class");
	if ((l.out = calloc(1, sizeof(*l.out))) == NULL)
		return nomem();
	if ((r = select_tasks(&l, sel)) != 0)
		goto out;
	for (i = 0; i < l.out->ntasks; i++)
		if ((r = ct_cred_foreach(st, l.out->tasks[i], add_cred, &l)) != 0)
			goto out;
	/* groups in the order their scopes were first granted */
	if (l.ncreds > 1)
		qsort(l.creds, l.ncreds, sizeof(*l.creds), cred_cmp);
	if ((r = assign_groups(&l)) != 0)
		goto out;
	if ((r = collect_foreign(&l)) != 0)
		goto out;
	for (i = 0; i < l.ncreds; i++)
		if ((r = load_events(&l, &l.creds[i])) != 0)
			goto out;
	if (!o->no_raw && (r = read_raw(&l)) != 0)
		goto out;
	for (i = 0; i < l.nev; i++)
		if ((r = map_event(&l, &l.ev[i])) != 0)
			goto out;
	for (i = 0; i < l.out->ngroups; i++)
		if (l.out->groups[i].nuses > 1)
			qsort(l.out->groups[i].uses, l.out->groups[i].nuses,
			    sizeof(struct ct_pol_use), use_cmp);
	if ((r = load_logs(&l)) != 0)
		goto out;
	*out = l.out;
	l.out = NULL;
	r = 0;
 out:
	for (i = 0; i < l.ncreds; i++)
		cred_release(&l.creds[i]);
	free(l.creds);
	for (i = 0; i < l.nev; i++)
		evrow_release(&l.ev[i]);
	free(l.ev);
	free(l.foreign);
	ct_pol_evidence_free(l.out);
	return r;
}

/* ---- diff ---- */

static int
append(json_t *a, json_t *o)
{
	if (o == NULL || json_array_append_new(a, o) != 0)
		return nomem();
	return 0;
}

static int
data_seen(const struct ct_pol_evidence *ev, const struct ct_pol_opts *o, const char *pattern,
    char *missing, size_t missingsz)
{
	const char *src[8];
	size_t n, i, j;
	int seen;

	missing[0] = '\0';
	if (o->data_events_logged || !ct_actionmap_pattern_has_data(pattern))
		return 1;
	n = ct_actionmap_data_sources(pattern, src, NELEM(src));
	for (i = 0; i < n; i++) {
		seen = 0;
		for (j = 0; j < json_array_size(ev->data_seen); j++)
			if (strcmp(json_string_value(json_array_get(ev->data_seen, j)), src[i]) == 0)
				seen = 1;
		if (!seen) {
			snprintf(missing, missingsz, "%s", src[i]);
			return 0;
		}
	}
	return 1;
}

/* "s3" of "s3:GetObject"; the whole pattern when it has no ':' */
static size_t
prefix_len(const char *a)
{
	const char *c = strchr(a, ':');

	return c != NULL ? (size_t)(c - a) : strlen(a);
}

/* Why "never used" cannot be concluded for this granted entry, or NULL. */
static char *
cannot_conclude(const struct ct_pol_evidence *ev, const struct ct_pol_opts *o,
    const struct ct_pol_group *g, const char *apat, int not_action, int64_t until)
{
	char missing[128], ts[40], te[40], *why = NULL;
	size_t i, maybe = 0, guessed = 0;

	if (until < g->expires_us) {
		ct_time_fmt(until, 0, ts, sizeof(ts));
		ct_time_fmt(g->expires_us, 0, te, sizeof(te));
		if (asprintf(&why, "the logs are complete only until %s; the credential was valid "
		    "until %s", until > 0 ? ts : "(no log ingested)", te) < 0)
			why = NULL;
		return why != NULL ? why : strdup("the logs do not cover the credential's lifetime");
	}
	if (!not_action && !data_seen(ev, o, apat, missing, sizeof(missing))) {
		if (asprintf(&why, "calls of it are data events and the logs hold no data event of "
		    "%s (is the trail logging them?)", missing) < 0)
			why = NULL;
		return why != NULL ? why : strdup("data events not logged");
	}
	for (i = 0; i < g->nuses; i++) {
		const struct ct_pol_use *u = &g->uses[i];
		int m = not_action || ct_am_wildcard_match(apat, u->action, 1);

		if (u->maybe > 0 && u->ok == 0 && m)
			maybe += u->maybe;
		if ((u->flags & CT_AM_GUESSED) && (not_action || strcmp(apat, "*") == 0 ||
		    (prefix_len(apat) == prefix_len(u->action) &&
		    strncasecmp(apat, u->action, prefix_len(apat)) == 0)))
			guessed++;
	}
	if (maybe > 0) {
		if (asprintf(&why, "%zu call%s may have needed it; %s request parameters were not "
		    "available%s%s", maybe, maybe == 1 ? "" : "s", maybe == 1 ? "its" : "their",
		    g->raw_missing_reason != NULL ? " (" : "",
		    g->raw_missing_reason != NULL ? g->raw_missing_reason : "") < 0)
			why = NULL;
		if (why != NULL && g->raw_missing_reason != NULL) {
			char *w2 = NULL;

			if (asprintf(&w2, "%s)", why) >= 0) {
				free(why);
				why = w2;
			}
		}
		return why != NULL ? why : strdup("request parameters not available");
	}
	if (guessed > 0) {
		if (asprintf(&why, "%zu permission%s of this service %s mapped by a guess", guessed,
		    guessed == 1 ? "" : "s", guessed == 1 ? "was" : "were") < 0)
			why = NULL;
		return why != NULL ? why : strdup("mapped by a guess");
	}
	return NULL;
}

static int
use_json(const struct ct_pol_use *u, const char *count_name, size_t count, json_t **out)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:I, s:s, s:o}", "action", u->action, "resource", u->resource,
	    count_name, (json_int_t)count, "event", u->event, "flags", ct_am_flags_json(u->flags));
	if (o != NULL && u->cond_key != NULL)
		json_object_set_new(o, "condition", json_pack("{s:s}", u->cond_key, u->cond_value));
	if (o != NULL && u->note != NULL)
		json_object_set_new(o, "note", json_string(u->note));
	*out = o;
	return o != NULL ? 0 : nomem();
}

static int
diff_group(const struct ct_pol_evidence *ev, const struct ct_pol_opts *o,
    const struct ct_pol_group *g, json_t **out)
{
	struct ct_iam_policy *pol = NULL;
	json_t *go = NULL, *used = NULL, *unused = NULL, *notg = NULL, *cc = NULL, *maybe = NULL;
	json_t *guessed = NULL, *free_ = NULL, *logs, *e, *plog;
	const char *prov;
	char *why;
	int64_t until;
	size_t i, j, k, m;
	unsigned fl;
	int r = CT_ERR_INTERNAL, evaluated = 0;
	const char *note = NULL;

	*out = NULL;
	used = json_array();
	unused = json_array();
	notg = json_array();
	cc = json_array();
	maybe = json_array();
	guessed = json_array();
	free_ = json_array();
	if (!used || !unused || !notg || !cc || !maybe || !guessed || !free_) {
		r = nomem();
		goto out;
	}
	prov = strcmp(g->kind, "aws") == 0 ? "aws" : strcmp(g->kind, "ssh") == 0 ? "sshd" : "gcp";
	plog = json_object_get(ev->logs, prov);
	until = json_integer_value(json_object_get(plog, "complete_until_us"));
	if (strcmp(g->kind, "aws") == 0 && g->scope != NULL) {
		if ((r = ct_iam_policy_parse("scope", g->scope, strlen(g->scope), &pol)) != 0) {
			note = "the recorded scope is not an IAM policy credtrail can read";
			ct_error_clear();
		} else {
			evaluated = 1;
		}
	} else if (strcmp(g->kind, "aws") == 0) {
		note = "no session policy was recorded: the role's own policies decide, and "
		    "credtrail does not know them";
	} else {
		note = "the scope of this kind of credential is not an IAM policy: uses are listed, "
		    "not compared";
	}
	for (i = 0; i < g->nuses; i++) {
		const struct ct_pol_use *u = &g->uses[i];
		enum ct_iam_decision d = CT_IAM_ALLOW;

		if (evaluated)
			d = ct_iam_policy_eval(pol, u->action, u->resource, &fl);
		if (u->ok > 0) {
			if (d == CT_IAM_ALLOW) {
				if ((r = use_json(u, "calls", u->ok, &e)) != 0 ||
				    (r = append(used, e)) != 0)
					goto out;
			} else {
				if ((r = use_json(u, "calls", u->ok, &e)) != 0)
					goto out;
				json_object_set_new(e, "note", json_string("succeeded although the "
				    "session policy does not allow it: check the mapping"));
				if ((r = append(notg, e)) != 0)
					goto out;
			}
		}
		if (u->denied > 0) {
			if ((r = use_json(u, "denied", u->denied, &e)) != 0)
				goto out;
			json_object_set_new(e, "error_code", json_string(u->error_code != NULL ?
			    u->error_code : ""));
			json_object_set_new(e, "allowed_by_scope", json_boolean(evaluated &&
			    d == CT_IAM_ALLOW));
			if ((r = append(notg, e)) != 0)
				goto out;
		}
		if (u->maybe > 0 && u->ok == 0) {
			if ((r = use_json(u, "calls", u->maybe, &e)) != 0 || (r = append(maybe, e)) != 0)
				goto out;
		}
		if ((u->flags & CT_AM_GUESSED) && u->ok + u->denied > 0) {
			if ((r = append(guessed, json_pack("{s:s, s:s, s:I}", "action", u->action,
			    "event", u->event, "calls", (json_int_t)u->ok + (json_int_t)u->denied))) != 0)
				goto out;
		}
	}
	for (i = 0; i < g->nothers; i++)
		if ((r = append(free_, json_pack("{s:s, s:s, s:I, s:b}", "event", g->others[i].event,
		    "why", g->others[i].why, "count", (json_int_t)g->others[i].count, "unmapped",
		    g->others[i].unmapped))) != 0)
			goto out;
	/* granted entries: each Allow statement's action x resource patterns */
	for (k = 0; evaluated && k < pol->n; k++) {
		const struct ct_iam_stmt *s = &pol->st[k];
		json_t *stmt = s->sid != NULL ? json_string(s->sid) : json_integer((json_int_t)k + 1);

		if (!s->allow) {
			json_decref(stmt);
			continue;
		}
		for (i = 0; i < (s->not_action ? 1 : s->nactions); i++) {
			for (j = 0; j < (s->not_resource ? 1 : s->nresources); j++) {
				const char *ap = s->not_action ? "*" : s->actions[i];
				const char *rp = s->not_resource ? "*" : s->resources[j];
				int hit = 0;

				for (m = 0; m < g->nuses && !hit; m++) {
					const struct ct_pol_use *u = &g->uses[m];
					struct ct_iam_stmt one = *s;

					if (u->ok == 0)
						continue;
					/* this entry alone: one action pattern, one resource pattern */
					if (!s->not_action) {
						one.actions = (char **)&s->actions[i];
						one.nactions = 1;
					}
					if (!s->not_resource) {
						one.resources = (char **)&s->resources[j];
						one.nresources = 1;
					}
					{
						struct ct_iam_policy p1 = { &one, 1 };

						hit = ct_iam_policy_eval(&p1, u->action, u->resource,
						    NULL) == CT_IAM_ALLOW;
					}
				}
				if (hit)
					continue;
				why = cannot_conclude(ev, o, g, ap, s->not_action, until);
				e = json_pack("{s:s, s:s, s:O, s:b}", "action", s->not_action ?
				    "(NotAction)" : ap, "resource", s->not_resource ? "(NotResource)" : rp,
				    "statement", stmt, "conditional", s->has_condition);
				if (e != NULL && why != NULL)
					json_object_set_new(e, "reason", json_string(why));
				r = append(why != NULL ? cc : unused, e);
				free(why);
				if (r != 0) {
					json_decref(stmt);
					goto out;
				}
			}
		}
		json_decref(stmt);
	}
	logs = json_pack("{s:s, s:o, s:o, s:b}", "provider", prov, "complete_until",
	    time_json(until), "needed_until", time_json(g->expires_us), "covers",
	    until >= g->expires_us);
	go = json_pack("{s:s, s:O, s:s?, s:b, s:s?, s:I, s:I, s:I, s:o, s:{s:I, s:I, s:s?}, "
	    "s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
	    "kind", g->kind, "credentials", g->creds,
	    "scope_sha256", g->scope != NULL ? g->scope_sha256 : NULL,
	    "scope_evaluated", evaluated, "scope_note", note,
	    "events", (json_int_t)g->nevents, "calls_allowed", (json_int_t)g->ncalls_ok,
	    "calls_denied", (json_int_t)g->ncalls_denied, "logs", logs,
	    "request_parameters", "read", (json_int_t)g->nraw_read, "missing",
	    (json_int_t)g->nraw_missing, "missing_reason", g->raw_missing_reason,
	    "used_and_granted", used, "granted_never_used", unused, "used_not_granted", notg,
	    "cannot_conclude", cc, "may_also_need", maybe, "guessed", guessed,
	    "no_permission_needed", free_);
	if (go == NULL) {
		r = nomem();
		goto out;
	}
	*out = go;
	r = 0;
 out:
	ct_iam_policy_free(pol);
	json_decref(used);
	json_decref(unused);
	json_decref(notg);
	json_decref(cc);
	json_decref(maybe);
	json_decref(guessed);
	json_decref(free_);
	return r;
}

int
ct_pol_diff(const struct ct_pol_evidence *ev, const struct ct_pol_opts *o, json_t **out)
{
	json_t *doc, *groups, *tasks, *g;
	size_t i;
	int r;

	*out = NULL;
	groups = json_array();
	tasks = json_array();
	if (groups == NULL || tasks == NULL) {
		json_decref(groups);
		json_decref(tasks);
		return nomem();
	}
	for (i = 0; i < ev->ntasks; i++)
		if ((r = append(tasks, json_string(ev->tasks[i]))) != 0)
			goto fail;
	for (i = 0; i < ev->ngroups; i++) {
		if ((r = diff_group(ev, o, &ev->groups[i], &g)) != 0)
			goto fail;
		if ((r = append(groups, g)) != 0)
			goto fail;
	}
	doc = json_pack("{s:s?, s:s?, s:o, s:O, s:I, s:o}", "task", ev->task, "class",
	    ev->class, "tasks", tasks, "data_events_seen", ev->data_seen,
	    "uses_not_by_the_agent", (json_int_t)ev->nexcluded, "groups", groups);
	if (doc == NULL)
		return nomem();
	*out = doc;
	return 0;
 fail:
	json_decref(groups);
	json_decref(tasks);
	return r;
}

/* ---- suggestions ---- */

struct sact {
	char *action;
	char **res;			/* sorted, unique; {"*"} when any */
	size_t nres;
	char *cond_key, *cond_value;
};

static void
sact_release(struct sact *a)
{
	size_t i;

	free(a->action);
	for (i = 0; i < a->nres; i++)
		free(a->res[i]);
	free(a->res);
	free(a->cond_key);
	free(a->cond_value);
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
sact_add_res(struct sact *a, const char *res)
{
	char **grown;
	size_t i;

	if (a->nres == 1 && strcmp(a->res[0], "*") == 0)
		return 0;
	if (strcmp(res, "*") == 0) {
		for (i = 0; i < a->nres; i++)
			free(a->res[i]);
		a->nres = 0;
	}
	for (i = 0; i < a->nres; i++)
		if (strcmp(a->res[i], res) == 0)
			return 0;
	if ((grown = realloc(a->res, (a->nres + 1) * sizeof(char *))) == NULL)
		return nomem();
	a->res = grown;
	if ((a->res[a->nres] = strdup(res)) == NULL)
		return nomem();
	a->nres++;
	return 0;
}

/* --generalise: resources sharing everything up to their last '/' become "<stem>/" + '*'. */
static int
generalise_resources(struct sact *a)
{
	size_t i, j, n, stem_i;
	char *w;
	int r;

	if (a->nres < 2)
		return 0;
	qsort(a->res, a->nres, sizeof(char *), strp_cmp);
	for (i = 0; i < a->nres; i++) {
		const char *sl = strrchr(a->res[i], '/');

		if (sl == NULL || strchr(a->res[i], '*') != NULL)
			continue;
		stem_i = (size_t)(sl - a->res[i]) + 1;
		for (j = i + 1, n = 1; j < a->nres; j++)
			if (strncmp(a->res[j], a->res[i], stem_i) == 0 &&
			    strchr(a->res[j] + stem_i, '/') == NULL)
				n++;
		if (n < 2)
			continue;
		if (asprintf(&w, "%.*s*", (int)stem_i, a->res[i]) < 0)
			return nomem();
		for (j = a->nres; j-- > 0;)
			if (strncmp(a->res[j], w, stem_i) == 0 && strchr(a->res[j] + stem_i, '/') ==
			    NULL && strchr(a->res[j], '*') == NULL) {
				free(a->res[j]);
				memmove(&a->res[j], &a->res[j + 1], (a->nres - j - 1) * sizeof(char *));
				a->nres--;
			}
		r = sact_add_res(a, w);
		free(w);
		if (r != 0)
			return r;
		qsort(a->res, a->nres, sizeof(char *), strp_cmp);
		i = (size_t)-1;	/* start over: the list changed */
	}
	return 0;
}

static int
res_equal(const struct sact *a, const struct sact *b)
{
	size_t i;

	if (a->nres != b->nres)
		return 0;
	for (i = 0; i < a->nres; i++)
		if (strcmp(a->res[i], b->res[i]) != 0)
			return 0;
	if ((a->cond_key == NULL) != (b->cond_key == NULL))
		return 0;
	return a->cond_key == NULL || (strcmp(a->cond_key, b->cond_key) == 0 &&
	    strcmp(a->cond_value, b->cond_value) == 0);
}

static size_t
pfx_len(const char *action)
{
	const char *c = strchr(action, ':');

	return c != NULL ? (size_t)(c - action) : 0;
}

/* The verb of "svc:GetHostedZone": "Get" (the leading capitalised word), into out. */
static int
verb_of(const char *action, char *out, size_t outsz)
{
	const char *n = strchr(action, ':'), *p;

	if (n == NULL || n[1] < 'A' || n[1] > 'Z')
		return -1;
	for (p = n + 2; *p >= 'a' && *p <= 'z'; p++)
		;
	if (p == n + 2 || (size_t)(p - n - 1) >= outsz || *p == '\0')
		return -1;
	memcpy(out, n + 1, p - n - 1);
	out[p - n - 1] = '\0';
	return 0;
}

static int
sid_for(const char *action, size_t len, json_t *used, char *out, size_t outsz)
{
	size_t i, o = 0, k;
	char base[64];

	for (i = 0; i < len && o + 1 < sizeof(base); i++) {
		char ch = action[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
			base[o] = (char)(o == 0 && ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
			o++;
		}
	}
	base[o] = '\0';
	if (o == 0)
		snprintf(base, sizeof(base), "Statement");
	for (k = 1;; k++) {
		if (k == 1)
			snprintf(out, outsz, "%s", base);
		else
			snprintf(out, outsz, "%s%zu", base, k);
		if (json_object_get(used, out) == NULL)
			break;
	}
	return json_object_set_new(used, out, json_true()) == 0 ? 0 : nomem();
}

static json_t *
str_or_list(char **v, size_t n)
{
	json_t *a;
	size_t i;

	if (n == 1)
		return json_string(v[0]);
	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int
sact_cmp(const void *a, const void *b)
{
	const struct sact *x = a, *y = b;
	int c;
	size_t px = pfx_len(x->action), py = pfx_len(y->action);

	/* by service, then statements without a condition first, then action */
	if ((c = strncmp(x->action, y->action, px < py ? px : py)) != 0 || px != py)
		return c != 0 ? c : px < py ? -1 : 1;
	if ((x->cond_key == NULL) != (y->cond_key == NULL))
		return x->cond_key == NULL ? -1 : 1;
	if (x->cond_key != NULL && (c = strcmp(x->cond_key, y->cond_key)) != 0)
		return c;
	if (x->cond_key != NULL && (c = strcmp(x->cond_value, y->cond_value)) != 0)
		return c;
	return strcasecmp(x->action, y->action);
}

static int
build_aws(struct sact *acts, size_t n, unsigned flags, json_t *notes, json_t **out)
{
	json_t *doc = NULL, *stmts = NULL, *sids = NULL, *st, *cond;
	char **names = NULL, sid[80], verb[64], *w;
	size_t i, j, k, nn, start;
	int r = CT_ERR_INTERNAL;
	int *done = NULL;

	*out = NULL;
	if ((stmts = json_array()) == NULL || (sids = json_object()) == NULL ||
	    (names = calloc(n + 1, sizeof(char *))) == NULL ||
	    (done = calloc(n + 1, sizeof(int))) == NULL) {
		r = nomem();
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (flags & CT_POL_GENERALISE) {
			size_t before = acts[i].nres;

			if ((r = generalise_resources(&acts[i])) != 0)
				goto out;
			if (acts[i].nres < before && json_array_append_new(notes, json_sprintf(
			    "generalised: %s on %zu resources became wildcards", acts[i].action,
			    before)) != 0) {
				r = nomem();
				goto out;
			}
		}
		qsort(acts[i].res, acts[i].nres, sizeof(char *), strp_cmp);
	}
	qsort(acts, n, sizeof(*acts), sact_cmp);
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		/* every action of the same service with the same resources and condition */
		nn = 0;
		for (j = i; j < n && pfx_len(acts[j].action) == pfx_len(acts[i].action) &&
		    strncmp(acts[j].action, acts[i].action, pfx_len(acts[i].action)) == 0; j++) {
			if (!done[j] && res_equal(&acts[i], &acts[j])) {
				names[nn++] = acts[j].action;
				done[j] = 1;
			}
		}
		if ((flags & CT_POL_GENERALISE) && nn >= 2) {
			/* actions sharing a verb become "<svc>:<Verb>*" */
			for (start = 0; start < nn; start++) {
				size_t same = 1;

				if (names[start] == NULL || verb_of(names[start], verb, sizeof(verb)) != 0)
					continue;
				for (k = start + 1; k < nn; k++) {
					char v2[64];

					if (names[k] != NULL && verb_of(names[k], v2, sizeof(v2)) == 0 &&
					    strcmp(v2, verb) == 0)
						same++;
				}
				if (same < 2)
					continue;
				if (asprintf(&w, "%.*s:%s*", (int)pfx_len(names[start]), names[start],
				    verb) < 0) {
					r = nomem();
					goto out;
				}
				if (json_array_append_new(notes, json_sprintf("generalised: %zu actions "
				    "became %s, which may allow actions never used", same, w)) != 0) {
					free(w);
					r = nomem();
					goto out;
				}
				for (k = start + 1; k < nn; k++) {
					char v2[64];

					if (names[k] != NULL && verb_of(names[k], v2, sizeof(v2)) == 0 &&
					    strcmp(v2, verb) == 0)
						names[k] = NULL;
				}
				/* the wildcard replaces the first; kept in acts so it is freed */
				for (k = 0; k < n; k++)
					if (acts[k].action == names[start])
						break;
				free(acts[k].action);
				acts[k].action = w;
				names[start] = w;
			}
			for (j = 0, k = 0; j < nn; j++)
				if (names[j] != NULL)
					names[k++] = names[j];
			nn = k;
		}
		if ((r = sid_for(acts[i].action, pfx_len(acts[i].action), sids, sid,
		    sizeof(sid))) != 0)
			goto out;
		st = json_pack("{s:s, s:s, s:o, s:o}", "Sid", sid, "Effect", "Allow", "Action",
		    str_or_list(names, nn), "Resource", str_or_list(acts[i].res, acts[i].nres));
		if (st != NULL && acts[i].cond_key != NULL) {
			const char *op = strcmp(acts[i].cond_value, "true") == 0 ||
			    strcmp(acts[i].cond_value, "false") == 0 ? "Bool" : "StringEquals";

			cond = json_pack("{s:{s:s}}", op, acts[i].cond_key, acts[i].cond_value);
			if (cond == NULL || json_object_set_new(st, "Condition", cond) != 0) {
				json_decref(st);
				st = NULL;
			}
		}
		if (st == NULL || json_array_append_new(stmts, st) != 0) {
			r = nomem();
			goto out;
		}
	}
	if ((doc = json_pack("{s:s, s:O}", "Version", "2012-10-17", "Statement", stmts)) == NULL) {
		r = nomem();
		goto out;
	}
	*out = doc;
	r = 0;
 out:
	json_decref(stmts);
	json_decref(sids);
	free(names);
	free(done);
	return r;
}

static int
perm_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 256)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Vault capabilities in the order Vault's documentation lists them */
static int
cap_rank(const char *c)
{
	static const char *const caps[] = { "create", "read", "update", "patch", "delete", "list",
		"sudo" };
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcmp(caps[i], c) == 0)
			return (int)i;
	return -1;
}

static int
vault_path_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n == 0 || n > 512)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == '"' || p[i] == '\\' || p[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * A Vault policy: one path block per path used, its capabilities in Vault's order.  The
 * paths are the request paths as logged; none is widened.
 */
static int
build_vault(struct sact *acts, size_t n, json_t **policy, char **doc)
{
	json_t *paths = NULL, *caps, *blk;
	const char *k;
	char *text = NULL;
	size_t len = 0, i, j, m;
	int r = CT_ERR_INTERNAL, rank;
	FILE *fp = NULL;

	*policy = NULL;
	*doc = NULL;
	if ((paths = json_object()) == NULL)
		return nomem();
	for (i = 0; i < n; i++) {
		if ((rank = cap_rank(acts[i].action)) < 0)
			continue;
		for (j = 0; j < acts[i].nres; j++) {
			if (!vault_path_ok(acts[i].res[j]) || strcmp(acts[i].res[j], "*") == 0)
				continue;
			if ((blk = json_object_get(paths, acts[i].res[j])) == NULL) {
				blk = json_pack("{s:[]}", "capabilities");
				if (blk == NULL || json_object_set_new(paths, acts[i].res[j], blk) != 0) {
					r = nomem();
					goto out;
				}
			}
			caps = json_object_get(blk, "capabilities");
			/* insert in rank order, once */
			for (m = 0; m < json_array_size(caps); m++)
				if (cap_rank(json_string_value(json_array_get(caps, m))) >= rank)
					break;
			if (m < json_array_size(caps) &&
			    strcmp(json_string_value(json_array_get(caps, m)), acts[i].action) == 0)
				continue;
			if (json_array_insert_new(caps, m, json_string(acts[i].action)) != 0) {
				r = nomem();
				goto out;
			}
		}
	}
	if (json_object_size(paths) == 0) {
		r = ct_error(CT_ERR_NOTFOUND, "no Vault path to base a policy on");
		goto out;
	}
	if ((fp = open_memstream(&text, &len)) == NULL) {
		r = ct_error(CT_ERR_SYSTEM, "cannot build the policy");
		goto out;
	}
	{
		const char **keys = calloc(json_object_size(paths), sizeof(char *));
		size_t nk = 0;

		if (keys == NULL) {
			fclose(fp);
			free(text);
			r = nomem();
			goto out;
		}
		json_object_foreach(paths, k, blk)
			keys[nk++] = k;
		qsort(keys, nk, sizeof(char *), strp_cmp);
		for (i = 0; i < nk; i++) {
			caps = json_object_get(json_object_get(paths, keys[i]), "capabilities");
			fprintf(fp, "%spath \"%s\" {\n  capabilities = [", i > 0 ? "\n" : "", keys[i]);
			for (m = 0; m < json_array_size(caps); m++)
				fprintf(fp, "%s\"%s\"", m > 0 ? ", " : "",
				    json_string_value(json_array_get(caps, m)));
			fprintf(fp, "]\n}\n");
		}
		free(keys);
	}
	if (fclose(fp) != 0) {
		free(text);
		r = ct_error(CT_ERR_SYSTEM, "cannot build the policy");
		goto out;
	}
	if ((*policy = json_pack("{s:O}", "path", paths)) == NULL) {
		free(text);
		r = nomem();
		goto out;
	}
	*doc = text;
	r = 0;
 out:
	json_decref(paths);
	return r;
}

void
ct_pol_suggestion_free(struct ct_pol_suggestion *s)
{
	if (s == NULL)
		return;
	json_decref(s->policy);
	free(s->document);
	json_decref(s->may_also_need);
	json_decref(s->guessed);
	json_decref(s->notes);
	free(s);
}

int
ct_pol_suggest(const struct ct_pol_evidence *ev, enum ct_pol_format fmt, unsigned flags,
    struct ct_pol_suggestion **out)
{
	struct ct_pol_suggestion *s = NULL;
	struct sact *acts = NULL, *grown;
	const char *want = fmt == CT_POL_AWS ? "aws" : fmt == CT_POL_GCP ? "gcp" : "vault";
	json_t *perms = NULL;
	char *yaml = NULL;
	size_t i, j, k, n = 0, ylen;
	int r = CT_ERR_INTERNAL;
	FILE *fp;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->may_also_need = json_array()) == NULL ||
	    (s->guessed = json_array()) == NULL || (s->notes = json_array()) == NULL) {
		r = nomem();
		goto out;
	}
	s->format = fmt;
	s->ntasks = ev->ntasks;
	if (ev->nexcluded > 0 && json_array_append_new(s->notes, json_sprintf("left out %zu "
	    "use%s of the class's credentials that the agents' egress does not explain "
	    "(someone else's; see credtrail report)", ev->nexcluded,
	    ev->nexcluded == 1 ? "" : "s")) != 0) {
		r = nomem();
		goto out;
	}
	for (i = 0; i < ev->ngroups; i++) {
		const struct ct_pol_group *g = &ev->groups[i];

		s->nevents += g->nevents;
		for (j = 0; j < g->nuses; j++) {
			const struct ct_pol_use *u = &g->uses[j];

			if (strcmp(u->provider, want) != 0)
				continue;
			if (u->ok == 0) {
				if (u->maybe > 0 && json_array_append_new(s->may_also_need, json_pack(
				    "{s:s, s:s, s:I, s:s}", "action", u->action, "resource", u->resource,
				    "calls", (json_int_t)u->maybe, "why", u->note != NULL ? u->note :
				    "depends on request parameters that were not available")) != 0) {
					r = nomem();
					goto out;
				}
				continue;
			}
			s->ncalls += u->ok;
			if ((u->flags & CT_AM_GUESSED) && json_array_append_new(s->guessed, json_pack(
			    "{s:s, s:s}", "action", u->action, "event", u->event)) != 0) {
				r = nomem();
				goto out;
			}
			for (k = 0; k < n; k++)
				if (strcasecmp(acts[k].action, u->action) == 0 &&
				    ((acts[k].cond_key == NULL && u->cond_key == NULL) ||
				    (acts[k].cond_key != NULL && u->cond_key != NULL &&
				    strcmp(acts[k].cond_key, u->cond_key) == 0 &&
				    strcmp(acts[k].cond_value, u->cond_value) == 0)))
					break;
			if (k == n) {
				if ((grown = realloc(acts, (n + 1) * sizeof(*acts))) == NULL) {
					r = nomem();
					goto out;
				}
				acts = grown;
				memset(&acts[n], 0, sizeof(*acts));
				n++;
				acts[k].action = strdup(u->action);
				acts[k].cond_key = xstrdup(u->cond_key);
				acts[k].cond_value = xstrdup(u->cond_value);
				if (acts[k].action == NULL || (u->cond_key != NULL &&
				    (acts[k].cond_key == NULL || acts[k].cond_value == NULL))) {
					r = nomem();
					goto out;
				}
			}
			if ((r = sact_add_res(&acts[k], u->resource)) != 0)
				goto out;
		}
	}
	if (n == 0) {
		r = ct_error(CT_ERR_NOTFOUND, "no successful %s call of %s%s%s in the logs: nothing "
		    "to base a policy on", fmt == CT_POL_AWS ? "AWS" : fmt == CT_POL_GCP ? "GCP" :
		    "Vault",
		    ev->task != NULL ? "task '" : "class '", ev->task != NULL ? ev->task : ev->class,
		    "'");
		goto out;
	}
	s->npermissions = n;
	if (fmt == CT_POL_AWS) {
		if ((r = build_aws(acts, n, flags, s->notes, &s->policy)) != 0)
			goto out;
		if ((s->document = json_dumps(s->policy, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
		    NULL) {
			r = nomem();
			goto out;
		}
		if ((r = ct_iam_policy_chars(s->document, strlen(s->document), &s->chars)) != 0)
			goto out;
	} else if (fmt == CT_POL_VAULT) {
		if ((r = build_vault(acts, n, &s->policy, &s->document)) != 0)
			goto out;
	} else {
		if ((perms = json_array()) == NULL) {
			r = nomem();
			goto out;
		}
		qsort(acts, n, sizeof(*acts), sact_cmp);
		for (i = 0; i < n; i++) {
			if (i > 0 && strcmp(acts[i].action, acts[i - 1].action) == 0)
				continue;
			if (!perm_name_ok(acts[i].action)) {
				json_array_append_new(s->notes, json_sprintf("left out '%s': not a GCP "
				    "permission name", acts[i].action));
				continue;
			}
			if (json_array_append_new(perms, json_string(acts[i].action)) != 0) {
				r = nomem();
				goto out;
			}
		}
		if ((fp = open_memstream(&yaml, &ylen)) == NULL) {
			r = ct_error(CT_ERR_SYSTEM, "cannot build the role");
			goto out;
		}
		fprintf(fp, "title: credtrail %s\n", ev->class != NULL ? ev->class :
		    ev->task != NULL ? ev->task : "suggestion");
		fprintf(fp, "description: least privilege observed by credtrail over %zu task%s "
		    "(%zu calls)\n", s->ntasks, s->ntasks == 1 ? "" : "s", s->ncalls);
		fprintf(fp, "stage: GA\nincludedPermissions:\n");
		for (i = 0; i < json_array_size(perms); i++)
			fprintf(fp, "- %s\n", json_string_value(json_array_get(perms, i)));
		if (fclose(fp) != 0) {
			free(yaml);
			r = ct_error(CT_ERR_SYSTEM, "cannot build the role");
			goto out;
		}
		s->document = yaml;
		s->policy = json_pack("{s:s, s:O}", "stage", "GA", "includedPermissions", perms);
		if (s->policy == NULL) {
			r = nomem();
			goto out;
		}
		s->npermissions = json_array_size(perms);
	}
	if ((r = sha256_hex(s->document, strlen(s->document), s->sha256)) != 0)
		goto out;
	*out = s;
	s = NULL;
	r = 0;
 out:
	for (i = 0; i < n; i++)
		sact_release(&acts[i]);
	free(acts);
	json_decref(perms);
	ct_pol_suggestion_free(s);
	return r;
}

int
ct_pol_suggestion_store(struct ct_store *st, const char *class,
    const struct ct_pol_suggestion *s, const struct ct_pol_evidence *ev, int64_t *id)
{
	struct ct_stmt *q = NULL;
	json_t *basis, *tasks;
	char *bs = NULL;
	size_t i;
	int r = 0;

	if (id != NULL)
		*id = 0;
	if ((r = ct_task_class_check(class)) != 0)
		return r;
	if (s->format != CT_POL_AWS && s->format != CT_POL_GCP)
		return ct_error(CT_ERR_UNSUPPORTED, "only AWS and GCP suggestions are stored");
	if ((tasks = json_array()) == NULL)
		return nomem();
	for (i = 0; i < ev->ntasks; i++)
		json_array_append_new(tasks, json_string(ev->tasks[i]));
	basis = json_pack("{s:o, s:I, s:I}", "tasks", tasks, "events", (json_int_t)s->nevents,
	    "calls", (json_int_t)s->ncalls);
	if (basis == NULL || (bs = json_dumps(basis, JSON_COMPACT)) == NULL) {
		json_decref(basis);
		return nomem();
	}
	json_decref(basis);
	if (ct_db_prepare(st, "INSERT INTO policy_suggestions (class, format, "
	    "created_us, document, sha256, characters, tasks, events, calls, permissions, basis) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", &q) != 0) {
		free(bs);
		return ct_store_error(st, "storing the suggestion");
	}
	ct_stmt_bind_text(q, 1, class);
	ct_stmt_bind_text(q, 2, s->format == CT_POL_AWS ? "aws" : "gcp");
	ct_stmt_bind_int64(q, 3, ct_now_us());
	ct_stmt_bind_text(q, 4, s->document);
	ct_stmt_bind_text(q, 5, s->sha256);
	ct_stmt_bind_int64(q, 6, (int64_t)s->chars);
	ct_stmt_bind_int64(q, 7, (int64_t)s->ntasks);
	ct_stmt_bind_int64(q, 8, (int64_t)s->nevents);
	ct_stmt_bind_int64(q, 9, (int64_t)s->ncalls);
	ct_stmt_bind_int64(q, 10, (int64_t)s->npermissions);
	ct_stmt_bind_text(q, 11, bs);
	if (ct_stmt_step(q) != CT_DB_ROW)
		r = ct_store_error(st, "storing the suggestion");
	else if (id != NULL)
		*id = ct_stmt_col_int64(q, 0);
	ct_stmt_finalize(q);
	free(bs);
	return r;
}

int
ct_policy_latest_suggestion(struct ct_store *st, const char *class, char **doc)
{
	struct ct_stmt *q = NULL;
	int r, rc;

	*doc = NULL;
	if ((r = ct_task_class_check(class)) != 0)
		return r;
	if (ct_db_prepare(st, "SELECT document FROM policy_suggestions WHERE "
	    "class = ? AND format = 'aws' ORDER BY created_us DESC, id DESC LIMIT 1", &q) != 0)
		return ct_store_error(st, "reading suggestions");
	ct_stmt_bind_text(q, 1, class);
	rc = ct_stmt_step(q);
	if (rc == CT_DB_ROW) {
		if ((*doc = xstrdup(col(q, 0))) == NULL)
			r = nomem();
	} else if (rc == CT_DB_DONE) {
		r = ct_error(CT_ERR_NOTFOUND, "no suggested policy for class '%s' (run 'credtrail "
		    "policy suggest --class %s')", class, class);
	} else {
		r = ct_store_error(st, "reading suggestions");
	}
	ct_stmt_finalize(q);
	return r;
}
