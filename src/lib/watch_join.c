/*
 * watch_join.c - proxy requests beside each invocation's connections (see watch_join.h).
 *
 * Sizes: one watch's invocations, their connections and the proxy lines of their window are
 * held in memory (JSON arrays); the joins are nested loops over them, which is plenty for the
 * hundreds of connections and requests an invocation makes.  The proxy lines are read back
 * from their files in (file, offset) order, one forward pass per file.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "lib/db.h"
#include "lib/ingest_input.h"
#include "lib/netpolicy.h"
#include "lib/store.h"
#include "lib/watch_join.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define RB_CHUNK	(64u * 1024)
#define RB_MAX		(1024u * 1024)	/* longest proxy line read back */
#define OPEN_MATCH_US	2000		/* a close's open time vs its connect's time */

static int
nomem(void)
{
	return ct_error(CT_ERR_NOMEM, "out of memory");
}

static json_int_t
jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *
time_json(int64_t us)
{
	char ts[40];

	if (us == 0)
		return json_null();
	ct_time_fmt(us, 1, ts, sizeof(ts));
	return json_string(ts);
}

static void
col_text(json_t *o, const char *k, struct ct_stmt *s, int i)
{
	const char *v = ct_stmt_col_text(s, i);

	json_object_set_new(o, k, v != NULL ? json_string((const char *)v) : json_null());
}

static void
col_int(json_t *o, const char *k, struct ct_stmt *s, int i)
{
	json_object_set_new(o, k, ct_stmt_col_is_null(s, i) ? json_null() :
	    json_integer(ct_stmt_col_int64(s, i)));
}

/* ---- the invocations ---- */

struct inv {
	json_t *o;			/* the invocation's JSON (what is returned) */
	int hidden;			/* a sibling of the selection: joined, not shown */
	int64_t start_us, end_us;
	json_t *conns;			/* its "connections" array */
};

struct join {
	struct ct_store *st;
	const struct ct_watch_join_params *p;
	int64_t skew;
	struct inv *inv;
	size_t ninv;
	json_t *seen;			/* run ids already taken */
	json_t *proxies;		/* "addr|port" -> true (inferred) */
	int inferred;
};

static int
add_inv(struct join *j, struct ct_stmt *s, int hidden)
{
	const char *id = ct_stmt_col_text(s, 0);
	struct inv *n;
	json_t *o;

	if (id == NULL || json_object_get(j->seen, id) != NULL)
		return 0;
	if ((o = json_object()) == NULL ||
	    (n = reallocarray(j->inv, j->ninv + 1, sizeof(*n))) == NULL) {
		json_decref(o);
		return nomem();
	}
	j->inv = n;
	n = &j->inv[j->ninv++];
	memset(n, 0, sizeof(*n));
	n->o = o;
	n->hidden = hidden;
	n->start_us = ct_stmt_col_int64(s, 3);
	n->end_us = ct_stmt_col_is_null(s, 4) ? 0 : ct_stmt_col_int64(s, 4);
	json_object_set_new(j->seen, id, json_true());
	col_text(o, "run", s, 0);
	col_text(o, "task", s, 1);
	col_text(o, "nonce", s, 2);
	col_text(o, "watch_run", s, 7);
	col_int(o, "pid", s, 8);
	json_object_set_new(o, "start", time_json(n->start_us));
	json_object_set_new(o, "end", time_json(n->end_us));
	col_int(o, "exit_status", s, 5);
	json_object_set_new(o, "complete", json_boolean(ct_stmt_col_int(s, 6) != 0));
	json_object_set_new(o, "own", json_boolean(ct_stmt_col_is_null(s, 7)));
	if ((n->conns = json_array()) == NULL)
		return nomem();
	json_object_set_new(o, "connections", n->conns);
	json_object_set_new(o, "requests", json_array());
	json_object_set_new(o, "findings", json_array());
	return 0;
}

/*
 * Every run the selection names: columns id, task, nonce, start, end, exit, complete,
 * parent (NULL: not a sub-run), root pid.
 */
#define INV_COLS "r.id, r.task_id, s.nonce, r.start_us, r.end_us, r.exit_status, r.complete," \
	" s.parent_run_id, s.root_pid"

static int
run_queries(struct join *j, const char *const *q, const char *key, int hidden)
{
	struct ct_stmt *s = NULL;
	int rc = 0, step = CT_DB_DONE;
	size_t i;

	for (i = 0; q[i] != NULL && rc == 0; i++) {
		if (ct_db_prepare(j->st, q[i], &s) != 0)
			return ct_store_error(j->st, "reading runs");
		ct_stmt_bind_text_copy(s, 1, key);
		while (rc == 0 && (step = ct_stmt_step(s)) == CT_DB_ROW)
			rc = add_inv(j, s, hidden);
		if (rc == 0 && step != CT_DB_DONE)
			rc = ct_store_error(j->st, "reading runs");
		ct_stmt_finalize(s);
		s = NULL;
	}
	return rc;
}

static int
load_invocations(struct join *j)
{
	static const char *const q_run[] = {
		/* the run itself (a watch, a sub-run or a plain run) */
		"SELECT " INV_COLS " FROM runs r LEFT JOIN watch_subruns s ON s.run_id = r.id"
		" WHERE r.id = ?1",
		/* the sub-runs of a watch */
		"SELECT " INV_COLS " FROM watch_subruns s JOIN runs r ON r.id = s.run_id"
		" WHERE s.parent_run_id = ?1 ORDER BY r.start_us",
		NULL
	};
	static const char *const q_task[] = {
		"SELECT " INV_COLS " FROM runs r LEFT JOIN watch_subruns s ON s.run_id = r.id"
		" WHERE r.task_id = ?1 ORDER BY r.start_us",
		"SELECT " INV_COLS " FROM runs w JOIN watch_subruns s ON s.parent_run_id = w.id"
		" JOIN runs r ON r.id = s.run_id WHERE w.task_id = ?1 ORDER BY r.start_us",
		NULL
	};
	/* the watches the selected sub-runs belong to, and all their sub-runs */
	static const char *const q_siblings[] = {
		"SELECT " INV_COLS " FROM runs r LEFT JOIN watch_subruns s ON s.run_id = r.id"
		" WHERE r.id = ?1",
		"SELECT " INV_COLS " FROM watch_subruns s JOIN runs r ON r.id = s.run_id"
		" WHERE s.parent_run_id = ?1 ORDER BY r.start_us",
		NULL
	};
	const char *const *q = j->p->run_id != NULL ? q_run : q_task;
	const char *key = j->p->run_id != NULL ? j->p->run_id : j->p->task_id;
	json_t *parents = json_object(), *v;
	const char *pk;
	size_t i, n;
	int rc;

	if (parents == NULL)
		return nomem();
	if ((rc = run_queries(j, q, key, 0)) != 0)
		goto out;
	if (j->ninv == 0) {
		rc = ct_error(CT_ERR_NOTFOUND, "no run %s '%s' in the ledger",
		    j->p->run_id != NULL ? "with id" : "of task", key);
		goto out;
	}
	/*
	 * A sub-run's siblings ran in the same container at the same time: their requests
	 * are theirs, and a time alone that fits two of them fits none.  They are joined too,
	 * and left out of the result.
	 */
	n = j->ninv;
	for (i = 0; i < n; i++)
		if (json_is_string(json_object_get(j->inv[i].o, "watch_run")))
			json_object_set(parents, jstr(j->inv[i].o, "watch_run"), json_true());
	json_object_foreach(parents, pk, v)
		if ((rc = run_queries(j, q_siblings, pk, 1)) != 0)
			goto out;
 out:
	json_decref(parents);
	return rc;
}

/* ---- connections: close rows, connects without one, sendmsg ---- */

static int
load_connections(struct join *j, struct inv *v)
{
	struct ct_stmt *s = NULL;
	json_t *rows = json_array(), *c, *d;
	size_t i, k;
	int step, rc = 0;

	if (rows == NULL)
		return nomem();
	if (ct_db_prepare(j->st, "SELECT id, time_us, type, proto, src, sport,"
	    " dst, dport, names, verdict, pid, open_us, close_us FROM net_events WHERE run_id = ?"
	    " AND type IN ('connect', 'close', 'sendmsg') AND (dport IS NULL OR dport <> 53)"
	    " ORDER BY time_us, id", &s) != 0) {
		json_decref(rows);
		return ct_store_error(j->st, "reading network events");
	}
	ct_stmt_bind_text_copy(s, 1, jstr(v->o, "run"));
	while ((step = ct_stmt_step(s)) == CT_DB_ROW) {
		const char *names = ct_stmt_col_text(s, 8);
		json_t *nm = NULL;

		if ((c = json_object()) == NULL) {
			rc = nomem();
			break;
		}
		col_int(c, "net_event", s, 0);
		col_int(c, "time_us", s, 1);
		col_text(c, "type", s, 2);
		col_text(c, "proto", s, 3);
		col_text(c, "src", s, 4);
		col_int(c, "sport", s, 5);
		col_text(c, "dst", s, 6);
		col_int(c, "dport", s, 7);
		if (names != NULL)
			nm = json_loads((const char *)names, 0, NULL);
		json_object_set_new(c, "names", json_is_array(nm) ? nm : json_array());
		if (!json_is_array(nm))
			json_decref(nm);
		col_text(c, "verdict", s, 9);
		col_int(c, "pid", s, 10);
		col_int(c, "open_us", s, 11);
		col_int(c, "close_us", s, 12);
		json_array_append_new(rows, c);
	}
	if (rc == 0 && step != CT_DB_DONE)
		rc = ct_store_error(j->st, "reading network events");
	ct_stmt_finalize(s);
	/* a TCP connection is its connect, completed by its close when there is one */
	for (i = 0; rc == 0 && i < json_array_size(rows); i++) {
		const char *type;
		json_t *out;
		int64_t open_us, close_us = 0;

		c = json_array_get(rows, i);
		type = jstr(c, "type");
		if (strcmp(type, "close") == 0 && json_object_get(c, "matched") != NULL)
			continue;
		open_us = jint(c, strcmp(type, "close") == 0 ? "open_us" : "time_us");
		if (strcmp(type, "sendmsg") == 0)
			close_us = open_us;
		else if (strcmp(type, "close") == 0)
			close_us = jint(c, "close_us");
		out = json_pack("{s:O, s:o, s:o, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
		    "net_event", json_object_get(c, "net_event"), "time", time_json(open_us),
		    "close", time_json(close_us), "proto", json_object_get(c, "proto"),
		    "src", json_object_get(c, "src"), "sport", json_object_get(c, "sport"),
		    "dst", json_object_get(c, "dst"), "dport", json_object_get(c, "dport"),
		    "names", json_object_get(c, "names"), "verdict", json_object_get(c, "verdict"),
		    "pid", json_object_get(c, "pid"));
		if (out == NULL) {
			rc = nomem();
			break;
		}
		if (strcmp(type, "connect") == 0) {
			for (k = i + 1; k < json_array_size(rows); k++) {
				d = json_array_get(rows, k);
				if (strcmp(jstr(d, "type"), "close") != 0 ||
				    json_object_get(d, "matched") != NULL ||
				    jint(d, "pid") != jint(c, "pid") ||
				    jint(d, "dport") != jint(c, "dport") ||
				    !json_equal(json_object_get(d, "dst"),
				    json_object_get(c, "dst")) ||
				    llabs(jint(d, "open_us") - open_us) > OPEN_MATCH_US)
					continue;
				json_object_set_new(d, "matched", json_true());
				close_us = jint(d, "close_us");
				json_object_set_new(out, "close", time_json(close_us));
				json_object_set(out, "src", json_object_get(d, "src"));
				json_object_set(out, "sport", json_object_get(d, "sport"));
				break;
			}
		}
		json_object_set_new(out, "open_us", json_integer(open_us));
		json_object_set_new(out, "close_us", json_integer(close_us));
		json_object_set_new(out, "requests", json_array());
		json_array_append_new(v->conns, out);
	}
	json_decref(rows);
	return rc;
}

/* ---- the proxy's lines, read back from their files ---- */

struct rb {
	struct ct_input *in;
	char *path;
	uint8_t *buf;
	size_t len, cap;
	uint64_t base;
	int eof, bad;
};

static void
rb_close(struct rb *f)
{
	ct_input_close(f->in);
	free(f->path);
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

static int
rb_fill(struct rb *f, size_t want)
{
	size_t got;
	uint8_t *g;
	int r;

	while (!f->eof && f->len < want) {
		if (f->cap - f->len < RB_CHUNK) {
			if (f->cap >= RB_MAX + RB_CHUNK)
				return ct_error(CT_ERR_LIMIT, "proxy line too long");
			if ((g = realloc(f->buf, f->cap + RB_CHUNK)) == NULL)
				return nomem();
			f->buf = g;
			f->cap += RB_CHUNK;
		}
		if ((r = ct_input_read(f->in, f->buf + f->len, f->cap - f->len, &got)) != 0)
			return r;
		if (got == 0)
			f->eof = 1;
		f->len += got;
	}
	return 0;
}

/* The JSON record at `off`, whose SHA-256 must be `sha`. */
static int
rb_record(struct rb *f, uint64_t off, const char *sha, json_t **out)
{
	unsigned char md[32];
	char hex[65];
	json_error_t je;
	json_t *doc;
	size_t want = RB_CHUNK;
	int r;

	*out = NULL;
	if (off < f->base)
		return ct_error(CT_ERR_INTERNAL, "records out of order");
	while (f->base + f->len < off + 1) {
		f->base += f->len;
		f->len = 0;
		if (f->eof)
			return ct_error(CT_ERR_FORMAT, "the file is shorter than it was");
		if ((r = rb_fill(f, RB_CHUNK)) != 0)
			return r;
	}
	if (off > f->base) {
		memmove(f->buf, f->buf + (off - f->base), f->len - (off - f->base));
		f->len -= off - f->base;
		f->base = off;
	}
	for (;;) {
		if ((r = rb_fill(f, want)) != 0)
			return r;
		if ((doc = json_loadb((const char *)f->buf, f->len, JSON_DISABLE_EOF_CHECK,
		    &je)) != NULL)
			break;
		if (f->eof || f->len < want || want >= RB_MAX)
			return ct_error(CT_ERR_FORMAT, "no JSON record at offset %llu",
			    (unsigned long long)off);
		want *= 2;
	}
	if (je.position <= 0 || (size_t)je.position > f->len ||
	    EVP_Digest(f->buf, (size_t)je.position, md, NULL, EVP_sha256(), NULL) != 1) {
		json_decref(doc);
		return ct_error(CT_ERR_CRYPTO, "cannot hash the record");
	}
	ct_hex_fmt(md, 32, hex);
	if (sha == NULL || strcmp(hex, sha) != 0) {
		json_decref(doc);
		return ct_error(CT_ERR_VERIFY, "the line no longer matches its digest");
	}
	*out = doc;
	return 0;
}

/* "10.0.0.5:41234", "[2001:db8::5]:41234" -> address and port */
static int
split_addr(const char *s, char *addr, size_t addrsz, long *port)
{
	const char *c;
	char *end;
	size_t n;

	*port = -1;
	if (s == NULL)
		return -1;
	if (s[0] == '[') {
		if ((c = strchr(s, ']')) == NULL || c[1] != ':')
			return -1;
		n = (size_t)(c - s - 1);
		s++;
		c++;
	} else {
		if ((c = strrchr(s, ':')) == NULL || strchr(s, ':') != c)
			return -1;
		n = (size_t)(c - s);
	}
	if (n == 0 || n >= addrsz)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	*port = strtol(c + 1, &end, 10);
	if (*end != '\0' || *port < 0 || *port > 65535)
		return -1;
	return 0;
}

/* One request from its normalised row, refined from the line read back when possible. */
static json_t *
request_of(struct ct_stmt *s, json_t *raw, const char *why)
{
	const char *action = ct_stmt_col_text(s, 3), *sp;
	const char *outcome = ct_stmt_col_text(s, 5);
	const char *err = ct_stmt_col_text(s, 6);
	json_t *o = json_object(), *a = json_object_get(raw, "audit");
	char addr[64], method[32] = "";
	long port;

	if (o == NULL)
		return NULL;
	col_int(o, "provider_event", s, 0);
	json_object_set_new(o, "time_us", json_integer(ct_stmt_col_int64(s, 1)));
	json_object_set_new(o, "time", time_json(ct_stmt_col_int64(s, 1)));
	if (json_is_object(a)) {
		/* the proxy's own words */
		json_object_set(o, "host", json_object_get(a, "host") != NULL ?
		    json_object_get(a, "host") : json_object_get(a, "sni"));
		json_object_set(o, "method", json_object_get(a, "method"));
		json_object_set(o, "path", json_object_get(a, "path"));
		json_object_set(o, "action", json_object_get(a, "action"));
		json_object_set(o, "status", json_object_get(a, "status_code"));
		json_object_set(o, "source", json_object_get(a, "remote_addr"));
		if (split_addr(jstr(a, "remote_addr"), addr, sizeof(addr), &port) == 0) {
			json_object_set_new(o, "source_ip", json_string(addr));
			json_object_set_new(o, "source_port", json_integer(port));
		}
		json_object_set_new(o, "read_back", json_true());
	} else {
		/* the normalised row: no source port, the action as an outcome */
		col_text(o, "host", s, 2);
		if (action != NULL && (sp = strchr(action, ' ')) != NULL &&
		    (size_t)(sp - action) < sizeof(method)) {
			memcpy(method, action, (size_t)(sp - action));
			method[sp - action] = '\0';
			json_object_set_new(o, "method", json_string(method));
			json_object_set_new(o, "path", json_string(sp + 1));
		}
		json_object_set_new(o, "action", json_string(outcome != NULL &&
		    strcmp(outcome, "success") == 0 ? "allow" : err != NULL ? err : "unknown"));
		json_object_set_new(o, "status", json_null());
		col_text(o, "source", s, 4);
		col_text(o, "source_ip", s, 4);
		json_object_set_new(o, "read_back", json_false());
		if (why != NULL)
			json_object_set_new(o, "note", json_string(why));
	}
	return o;
}

static int
load_requests(struct join *j, int64_t from, int64_t to, json_t *reqs)
{
	struct ct_stmt *s = NULL;
	struct rb f;
	int step, rc = 0;

	memset(&f, 0, sizeof(f));
	if (ct_db_prepare(j->st, "SELECT e.id, e.time_us, e.service, e.action,"
	    " e.source_ip, e.outcome, e.error_code, e.raw_sha256, e.file_offset, f.path"
	    " FROM provider_events e LEFT JOIN ingested_files f ON f.id = e.file_id"
	    " WHERE e.provider = 'ironproxy' AND e.time_us BETWEEN ? AND ?"
	    " ORDER BY f.path, e.file_offset, e.id", &s) != 0)
		return ct_store_error(j->st, "reading proxy events");
	ct_stmt_bind_int64(s, 1, from);
	ct_stmt_bind_int64(s, 2, to);
	while ((step = ct_stmt_step(s)) == CT_DB_ROW) {
		const char *path = ct_stmt_col_text(s, 9);
		const char *sha = ct_stmt_col_text(s, 7);
		json_t *raw = NULL, *req;
		const char *why = NULL;

		if (path == NULL || ct_stmt_col_is_null(s, 8)) {
			why = "no file recorded for the line";
		} else {
			if (f.path == NULL || strcmp(f.path, path) != 0) {
				rb_close(&f);
				if ((f.path = strdup(path)) == NULL) {
					rc = nomem();
					break;
				}
				if (ct_input_open(&f.in, path, NULL, 0) != 0)
					f.bad = 1;
			}
			if (f.bad || rb_record(&f, (uint64_t)ct_stmt_col_int64(s, 8), sha,
			    &raw) != 0) {
				why = f.bad ? "its file cannot be read" :
				    "its line cannot be read back as ingested";
				/* later lines of this file lie past a failed read: stop */
				f.bad = 1;
			}
			ct_error_clear();
		}
		req = request_of(s, raw, why);
		json_decref(raw);
		if (req == NULL) {
			rc = nomem();
			break;
		}
		json_array_append_new(reqs, req);
	}
	if (rc == 0 && step != CT_DB_DONE)
		rc = ct_store_error(j->st, "reading proxy events");
	ct_stmt_finalize(s);
	rb_close(&f);
	return rc;
}

/* ---- the join ---- */

static int64_t
conn_close(const struct inv *v, json_t *c)
{
	int64_t cl = jint(c, "close_us");

	/* still open when its run ended (or now, for a run not ended) */
	if (cl == 0)
		cl = v->end_us != 0 ? v->end_us : ct_now_us();
	return cl;
}

static int
within(struct join *j, const struct inv *v, json_t *c, int64_t t)
{
	return t >= jint(c, "open_us") - j->skew && t <= conn_close(v, c) + j->skew;
}

static int
has_name(json_t *c, const char *host)
{
	json_t *n;
	size_t i;

	if (host == NULL)
		return 0;
	json_array_foreach(json_object_get(c, "names"), i, n)
		if (json_is_string(n) && strcasecmp(json_string_value(n), host) == 0)
			return 1;
	return 0;
}

static int
rule_port(const struct ct_netrule *r, void *arg)
{
	long port = *(long *)arg;

	return r->port == 0 || r->port == port;
}

/* Is the connection to the proxy?  1 yes, 0 no, -1 unknown (no proxy address known). */
static int
via_proxy(struct join *j, json_t *c)
{
	char key[96];
	uint8_t a[16];
	const char *dst = jstr(c, "dst");
	long port = (long)jint(c, "dport");
	json_t *n;
	size_t i;

	if (dst == NULL)
		return -1;
	if (j->p->proxy != NULL) {
		if (inet_pton(AF_INET, dst, a) == 1 &&
		    ct_netpolicy_addr_allowed(j->p->proxy, AF_INET, a, (uint16_t)port))
			return 1;
		if (inet_pton(AF_INET6, dst, a) == 1 &&
		    ct_netpolicy_addr_allowed(j->p->proxy, AF_INET6, a, (uint16_t)port))
			return 1;
		json_array_foreach(json_object_get(c, "names"), i, n)
			if (json_is_string(n) && ct_netpolicy_match_name(j->p->proxy,
			    json_string_value(n), strlen(json_string_value(n)), rule_port,
			    &port) > 0)
				return 1;
		return 0;
	}
	if (json_object_size(j->proxies) == 0)
		return -1;
	snprintf(key, sizeof(key), "%s|%ld", dst, port);
	return json_object_get(j->proxies, key) != NULL;
}

static void
attach(struct inv *v, json_t *c, json_t *req, const char *how)
{
	json_object_set_new(req, "joined_by", json_string(how));
	json_object_set(req, "net_event", c != NULL ? json_object_get(c, "net_event") :
	    json_null());
	if (c != NULL)
		json_array_append(json_object_get(c, "requests"),
		    json_object_get(req, "provider_event"));
	json_array_append(json_object_get(v->o, "requests"), req);
}

/* by source address and port: exact */
static int
join_source(struct join *j, json_t *req)
{
	const char *ip = jstr(req, "source_ip");
	json_int_t port = jint(req, "source_port");
	int64_t t = jint(req, "time_us");
	size_t i, k;
	json_t *c;

	if (ip == NULL || json_object_get(req, "source_port") == NULL)
		return 0;
	for (i = 0; i < j->ninv; i++) {
		json_array_foreach(j->inv[i].conns, k, c) {
			char key[96];

			if (jstr(c, "src") == NULL || strcmp(jstr(c, "src"), ip) != 0 ||
			    jint(c, "sport") != port || !within(j, &j->inv[i], c, t))
				continue;
			attach(&j->inv[i], c, req, "source");
			snprintf(key, sizeof(key), "%s|%lld", jstr(c, "dst"),
			    (long long)jint(c, "dport"));
			json_object_set_new(j->proxies, key, json_true());
			return 1;
		}
	}
	return 0;
}

/* by host name and time: only when one invocation fits */
static int
join_host(struct join *j, json_t *req, json_t **reason)
{
	const char *host = jstr(req, "host");
	int64_t t = jint(req, "time_us");
	struct inv *hit = NULL;
	json_t *hc = NULL, *c, *runs = NULL;
	size_t i, k;

	for (i = 0; i < j->ninv; i++) {
		json_array_foreach(j->inv[i].conns, k, c) {
			/* a transparent proxy: the name led to the proxy's address */
			if (!has_name(c, host) || !within(j, &j->inv[i], c, t) ||
			    via_proxy(j, c) == 0)
				continue;
			if (hit != NULL && hit != &j->inv[i]) {
				if (runs == NULL)
					runs = json_pack("[O]", json_object_get(hit->o, "run"));
				json_array_append(runs, json_object_get(j->inv[i].o, "run"));
			}
			if (hit == NULL) {
				hit = &j->inv[i];
				hc = c;
			}
			break;
		}
	}
	if (runs != NULL) {
		*reason = json_pack("{s:s, s:o}", "text", "its host was reached by more than one "
		    "invocation then", "runs", runs);
		return 0;
	}
	if (hit == NULL)
		return 0;
	attach(hit, hc, req, "host");
	return 1;
}

/*
 * By time alone: one invocation, which talked to the proxy then.  A request whose source
 * port is known only fits a connection to the proxy whose port is not (one that had not
 * closed when its record ended); one whose port is not known, any invocation that talked to
 * the proxy within its window.
 */
static int
join_window(struct join *j, json_t *req)
{
	int64_t t = jint(req, "time_us");
	int have_port = json_object_get(req, "source_port") != NULL;
	struct inv *hit = NULL;
	size_t i, k;
	json_t *c;

	for (i = 0; i < j->ninv; i++) {
		struct inv *v = &j->inv[i];
		int64_t end = v->end_us != 0 ? v->end_us : ct_now_us();
		int talked = 0;

		if (t < v->start_us - j->skew || t > end + j->skew ||
		    json_is_true(json_object_get(v->o, "own")))
			continue;
		json_array_foreach(v->conns, k, c) {
			json_t *sport = json_object_get(c, "sport");

			if (via_proxy(j, c) != 1)
				continue;
			if (!have_port || ((sport == NULL || json_is_null(sport)) &&
			    within(j, v, c, t)))
				talked = 1;
		}
		if (!talked)
			continue;
		if (hit != NULL)
			return 0;
		hit = v;
	}
	if (hit == NULL)
		return 0;
	attach(hit, NULL, req, "window");
	json_object_set_new(req, "note", json_string("joined by time alone: weak"));
	return 1;
}

static void
finding(struct inv *v, const char *kind, const char *sev, json_t *c, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
finding(struct inv *v, const char *kind, const char *sev, json_t *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(json_object_get(v->o, "findings"), json_pack("{s:s, s:s, s:s,"
	    " s:O}", "kind", kind, "severity", sev, "summary", buf, "net_event",
	    json_object_get(c, "net_event")));
}

static void
conn_label(json_t *c, char *out, size_t outsz)
{
	json_t *names = json_object_get(c, "names");

	snprintf(out, outsz, "%s %s:%lld%s%s%s", jstr(c, "proto") != NULL ? jstr(c, "proto") :
	    "?", jstr(c, "dst"), (long long)jint(c, "dport"), json_array_size(names) > 0 ? " (" :
	    "", json_array_size(names) > 0 ? json_string_value(json_array_get(names, 0)) : "",
	    json_array_size(names) > 0 ? ")" : "");
}

static void
findings(struct join *j, struct inv *v, uint64_t *bypasses)
{
	char lbl[300];
	size_t k;
	json_t *c;

	json_array_foreach(v->conns, k, c) {
		const char *verdict = jstr(c, "verdict");
		int vp = via_proxy(j, c);

		json_object_set_new(c, "via_proxy", vp < 0 ? json_null() : json_boolean(vp));
		if (verdict != NULL && strcmp(verdict, "deny") == 0)
			continue;
		conn_label(c, lbl, sizeof(lbl));
		if (vp == 0) {
			(*bypasses)++;
			finding(v, "proxy-bypass", "high", c, "%s by pid %lld did not go through "
			    "the proxy: the proxy never saw it", lbl, (long long)jint(c, "pid"));
		} else if (vp == 1 && json_array_size(json_object_get(c, "requests")) == 0 &&
		    jstr(c, "src") != NULL) {
			finding(v, "proxy-unrecorded", "low", c, "%s to the proxy has no request "
			    "in the proxy's log (not ingested, or refused before it was logged)",
			    lbl);
		}
	}
}

int
ct_watch_join(struct ct_store *st, const struct ct_watch_join_params *p, json_t **out)
{
	struct join j;
	json_t *reqs = NULL, *unatt = NULL, *o = NULL, *req, *rules = NULL, *inferred = NULL;
	int64_t from = INT64_MAX, to = INT64_MIN;
	uint64_t nconn = 0, joined = 0, bypasses = 0, nvis = 0;
	const char *key;
	json_t *val;
	size_t i;
	int rc;

	*out = NULL;
	if ((p->run_id == NULL) == (p->task_id == NULL))
		return ct_error(CT_ERR_INVALID, "give a run or a task");
	memset(&j, 0, sizeof(j));
	j.st = st;
	j.p = p;
	j.skew = p->skew_us >= 0 ? p->skew_us : CT_WATCH_JOIN_SKEW_US;
	if ((j.seen = json_object()) == NULL || (j.proxies = json_object()) == NULL ||
	    (reqs = json_array()) == NULL || (unatt = json_array()) == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = load_invocations(&j)) != 0)
		goto out;
	for (i = 0; i < j.ninv; i++) {
		int64_t end = j.inv[i].end_us != 0 ? j.inv[i].end_us : ct_now_us();

		if ((rc = load_connections(&j, &j.inv[i])) != 0)
			goto out;
		if (j.inv[i].hidden)
			continue;
		nvis++;
		nconn += json_array_size(j.inv[i].conns);
		if (j.inv[i].start_us < from)
			from = j.inv[i].start_us;
		if (end > to)
			to = end;
	}
	if ((rc = load_requests(&j, from - j.skew, to + j.skew, reqs)) != 0)
		goto out;
	/* source joins first: they also teach which destinations are the proxy */
	json_array_foreach(reqs, i, req)
		if (join_source(&j, req))
			json_object_set_new(req, "done", json_true());
	json_array_foreach(reqs, i, req) {
		json_t *reason = NULL;

		if (json_object_get(req, "done") != NULL)
			continue;
		if (join_host(&j, req, &reason) || (reason == NULL && join_window(&j, req)))
			continue;
		json_object_set_new(req, "reason", reason != NULL ? reason : json_string(
		    "no connection of these invocations carried it"));
		json_array_append(unatt, req);
	}
	json_array_foreach(reqs, i, req)
		json_object_del(req, "done");
	for (i = 0; i < j.ninv; i++) {
		if (j.inv[i].hidden)
			continue;
		findings(&j, &j.inv[i], &bypasses);
		joined += json_array_size(json_object_get(j.inv[i].o, "requests"));
	}

	if ((rules = json_array()) == NULL || (inferred = json_array()) == NULL) {
		rc = nomem();
		goto out;
	}
	for (i = 0; p->proxy != NULL && i < ct_netpolicy_count(p->proxy); i++)
		json_array_append_new(rules, json_string(ct_netpolicy_rule(p->proxy, i)->text));
	json_object_foreach(j.proxies, key, val) {
		char buf[96], *bar;

		snprintf(buf, sizeof(buf), "%s", key);
		if ((bar = strrchr(buf, '|')) != NULL)
			*bar = ':';
		json_array_append_new(inferred, json_string(buf));
	}
	o = json_pack("{s:{s:o, s:o, s:b}, s:I, s:[], s:o, s:{s:I, s:I, s:I, s:I, s:I}}",
	    "proxy", "rules", rules, "inferred", inferred, "known", p->proxy != NULL ||
	    json_object_size(j.proxies) > 0, "skew_us", (json_int_t)j.skew, "invocations",
	    "unattributed", unatt, "totals", "invocations", (json_int_t)nvis, "connections",
	    (json_int_t)nconn, "requests", (json_int_t)joined + (json_int_t)json_array_size(unatt),
	    "joined",
	    (json_int_t)joined, "bypasses", (json_int_t)bypasses);
	rules = inferred = unatt = NULL;
	if (o == NULL) {
		rc = nomem();
		goto out;
	}
	for (i = 0; i < j.ninv; i++) {
		json_t *c;
		size_t k;

		if (j.inv[i].hidden)
			continue;
		json_array_foreach(j.inv[i].conns, k, c) {
			json_object_del(c, "open_us");
			json_object_del(c, "close_us");
		}
		json_array_foreach(json_object_get(j.inv[i].o, "requests"), k, c)
			json_object_del(c, "time_us");
		json_array_append(json_object_get(o, "invocations"), j.inv[i].o);
	}
	json_array_foreach(json_object_get(o, "unattributed"), i, req)
		json_object_del(req, "time_us");
	*out = o;
	o = NULL;
	rc = 0;
 out:
	for (i = 0; i < j.ninv; i++)
		json_decref(j.inv[i].o);
	free(j.inv);
	json_decref(j.seen);
	json_decref(j.proxies);
	json_decref(reqs);
	json_decref(unatt);
	json_decref(rules);
	json_decref(inferred);
	json_decref(o);
	return rc;
}
