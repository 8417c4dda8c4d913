/*
 * watch.c - `credtrail watch` (see watch.h): a run in attach mode, and its split into
 * sub-runs through the run's hooks.
 *
 * All the hooks run on the thread of ct_run_wait(), one at a time, so the sub-run tables need
 * no lock.  The route hook holds the run's lock: it writes sub-run records (their own log,
 * their ledger rows through ct_run_ledger_event()) but never the watch's own log; markers
 * for the watch's log are written from the tick and before_end hooks (ct_run_record()).
 *
 * Tables: pid -> sub-run for every live process of a sub-run, socket cookie -> sub-run for
 * every TCP connection a sub-run opened and has not closed.  Both are jansson objects keyed
 * by the decimal number; a busy container has a few thousand entries at most.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "lib/db.h"
#include "lib/attest.h"
#include "lib/cgroup.h"
#include "lib/evlog.h"
#include "lib/ledger.h"
#include "lib/monitor.h"
#include "lib/run.h"
#include "lib/store.h"
#include "lib/watch.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define MAX_DENIALS_LISTED	100

enum sub_state {
	SUB_OPEN = 0,		/* processes alive */
	SUB_CLOSING,		/* no process left: waiting for TCP closes */
	SUB_DONE,
};

struct sub {
	size_t index;			/* in watch->subs */
	char id[17];
	char task[CT_TASK_ID_MAX + 1];
	char *class;
	json_t *nonce;			/* string, or null */
	char *program;			/* the exec's file name */
	json_t *argv;			/* the program's arguments as its caller gave them */
	pid_t root;
	int late;			/* running before the watch attached */
	enum sub_state state;
	int64_t start_us, last_us, closing_until_us;
	int have_exit;
	int exit_status;		/* the root's, as a shell reports it */
	long live;			/* processes alive */
	long open_tcp;			/* connections opened and not closed */
	uint64_t drops0[CT_DROP_MAX];	/* the monitor's counters when it began */

	struct ct_evlog *log;
	char *log_path, *att_path, *sum_path;
	char digest[72];
	int complete;

	/* summary */
	uint64_t nrecords, nprocs, ndenials, ndns, ndns_denied;
	json_t *dest, *denials, *dns;
	json_t *summary;		/* when done */
};

struct ct_watch {
	struct ct_watch_params p;
	struct ct_run_params rp;
	struct ct_run_hooks hooks;
	struct ct_run *run;
	struct ct_cgroup cg;		/* ours, for "populated" */
	char *cgroup_path;
	pid_t member;
	char *resolv;
	char *prog_base;		/* PROGRAM without its folders, when it has none */
	int64_t start_us;

	struct sub **subs;
	size_t nsubs;
	json_t *pids;			/* "pid" -> index into subs */
	json_t *cookies;		/* "cookie" -> index into subs */
	int err;
};

/* ---- small helpers ---- */

static int
random_hex(char out[17])
{
	unsigned char b[8];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot get random bytes");
	ct_hex_fmt(b, sizeof(b), out);
	return 0;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

static struct sub *
sub_of(struct ct_watch *w, json_t *map, json_int_t key)
{
	char k[32];
	json_t *v;

	snprintf(k, sizeof(k), "%lld", (long long)key);
	if ((v = json_object_get(map, k)) == NULL)
		return NULL;
	return w->subs[json_integer_value(v)];
}

static int
map_set(struct ct_watch *w, json_t *map, json_int_t key, struct sub *s)
{
	char k[32];

	snprintf(k, sizeof(k), "%lld", (long long)key);
	if (json_object_set_new(map, k, json_integer((json_int_t)s->index)) != 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

static void
map_del(json_t *map, json_int_t key)
{
	char k[32];

	snprintf(k, sizeof(k), "%lld", (long long)key);
	json_object_del(map, k);
}

static json_int_t
jint(json_t *ev, const char *key)
{
	return json_integer_value(json_object_get(ev, key));
}

static const char *
jstr_of(json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

/* ---- which exec begins a sub-run ---- */

/*
 * Does this exec run PROGRAM?  `filename` is the kernel's (NULL for a process found
 * running), `argv` the process's arguments.  *offset is where the caller's argv[0] is in
 * argv: 0, or past the interpreter's words when PROGRAM is a script.
 */
static int
is_program(struct ct_watch *w, const char *filename, json_t *argv, size_t *offset)
{
	const char *prog = w->p.split_program, *a;
	size_t k;

	*offset = 0;
	if (filename != NULL) {
		if (w->prog_base != NULL ? strcmp(base_name(filename), w->prog_base) != 0 :
		    strcmp(filename, prog) != 0)
			return 0;
		/* a script: `interpreter [arg] filename args...` */
		a = json_string_value(json_array_get(argv, 0));
		if (a != NULL && strcmp(base_name(a), base_name(filename)) != 0)
			for (k = 1; k <= 2; k++)
				if ((a = json_string_value(json_array_get(argv, k))) != NULL &&
				    strcmp(a, filename) == 0) {
					*offset = k;
					break;
				}
		return 1;
	}
	for (k = 0; k <= 2; k++) {
		if ((a = json_string_value(json_array_get(argv, k))) == NULL)
			return 0;
		if (w->prog_base != NULL ? strcmp(base_name(a), w->prog_base) == 0 :
		    strcmp(a, prog) == 0) {
			*offset = k;
			return 1;
		}
	}
	return 0;
}

/* ---- sub-run records ---- */

static void
sub_free(struct sub *s)
{
	if (s == NULL)
		return;
	ct_evlog_free(s->log);
	free(s->class);
	free(s->program);
	free(s->log_path);
	free(s->att_path);
	free(s->sum_path);
	json_decref(s->nonce);
	json_decref(s->argv);
	json_decref(s->dest);
	json_decref(s->denials);
	json_decref(s->dns);
	json_decref(s->summary);
	free(s);
}

/* The summary counters, as run.c keeps them for a run. */
static void
sub_count(struct sub *s, json_t *ev)
{
	const char *type = jstr_of(ev, "type"), *verdict = jstr_of(ev, "verdict");
	json_t *names, *d, *a;
	const char *label, *dst;
	char pb[16];

	s->nrecords++;
	if (type == NULL)
		return;
	if (verdict != NULL && strcmp(verdict, "deny") == 0) {
		s->ndenials++;
		if (json_array_size(s->denials) < MAX_DENIALS_LISTED)
			json_array_append(s->denials, ev);
	}
	if (strcmp(type, "dns") == 0) {
		const char *q = jstr_of(ev, "qname");

		s->ndns++;
		if (verdict != NULL && strcmp(verdict, "deny") == 0)
			s->ndns_denied++;
		if (q != NULL && q[0] != '\0') {
			if ((d = json_object_get(s->dns, q)) == NULL) {
				d = json_pack("{s:i, s:s?}", "queries", 0, "verdict", verdict);
				json_object_set_new(s->dns, q, d);
			}
			json_object_set_new(d, "queries", json_integer(jint(d, "queries") + 1));
		}
		return;
	}
	if ((strcmp(type, "connect") != 0 && strcmp(type, "sendmsg") != 0) || verdict == NULL ||
	    json_object_get(ev, "dns_redirect") != NULL || (dst = jstr_of(ev, "dst")) == NULL)
		return;
	names = json_object_get(ev, "names");
	label = json_array_size(names) > 0 ? json_string_value(json_array_get(names, 0)) : dst;
	if ((d = json_object_get(s->dest, label)) == NULL) {
		d = json_pack("{s:s, s:b, s:i, s:i, s:{}, s:{}}", "name", label, "direct_ip",
		    json_is_array(names) && json_array_size(names) == 0, "connects", 0,
		    "denied", 0, "addresses", "ports");
		if (d == NULL || json_object_set_new(s->dest, label, d) != 0)
			return;
	}
	a = json_object_get(d, strcmp(verdict, "deny") == 0 ? "denied" : "connects");
	json_integer_set(a, json_integer_value(a) + 1);
	json_object_set_new(json_object_get(d, "addresses"), dst, json_true());
	snprintf(pb, sizeof(pb), "%lld", (long long)jint(ev, "dport"));
	json_object_set_new(json_object_get(d, "ports"), pb, json_true());
}

/*
 * Record one event in a sub-run: its log, the ledger (network events, batched with the
 * watch's own), its counters.  Called from the route hook.
 */
static int
sub_take(struct ct_watch *w, struct ct_run *r, struct sub *s, json_t *ev, int64_t t,
    int64_t open_us, int64_t close_us)
{
	int rc;

	if (s->log != NULL && (rc = ct_evlog_append(s->log, ev)) != 0)
		return rc;
	if ((rc = ct_run_ledger_event(r, s->id, ev, t, open_us, close_us)) != 0)
		return rc;
	sub_count(s, ev);
	if (t > s->last_us)
		s->last_us = t;
	return 1;
}

/* the caller's argv from the exec's (script interpreters skipped) */
static json_t *
logical_argv(json_t *argv, size_t offset)
{
	json_t *a = json_array();
	size_t i;

	for (i = offset; a != NULL && i < json_array_size(argv); i++)
		json_array_append(a, json_array_get(argv, i));
	return a;
}

static int
sub_files(struct ct_watch *w, struct sub *s)
{
	if (w->p.sub_dir == NULL)
		return 0;
	if (asprintf(&s->log_path, "%s/%s.%s.jsonl", w->p.sub_dir, s->task, s->id) < 0 ||
	    asprintf(&s->att_path, "%s.dsse.json", s->log_path) < 0 ||
	    asprintf(&s->sum_path, "%s/%s.%s.json", w->p.sub_dir, s->task, s->id) < 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

/* The sub-run's task (the nonce's, created when new) and its rows in the ledger. */
static int
sub_ledger_begin(struct ct_watch *w, struct ct_run *r, struct sub *s)
{
	struct ct_store *st = w->p.store;
	struct ct_task t;
	struct ct_stmt *q = NULL;
	char *aj = NULL;
	int rc;

	if (st == NULL)
		return 0;
	rc = ct_task_get(st, s->task, &t);
	if (rc == CT_ERR_NOTFOUND) {
		ct_error_clear();
		rc = ct_task_create(st, s->task, w->p.task_class, &t);
	}
	if (rc != 0)
		return rc;
	if (t.class != NULL && (s->class = strdup(t.class)) == NULL)
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
	ct_task_release(&t);
	if (rc != 0)
		return rc;
	if ((aj = json_dumps(s->argv, JSON_COMPACT)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (ct_db_prepare(st, "INSERT INTO runs (id, task_id, class, argv,"
	    " backend, mode, start_us, complete, events_path) VALUES (?, ?, ?, ?, 'ebpf', ?, ?,"
	    " 0, ?)", &q) != 0) {
		rc = ct_store_error(st, "recording a sub-run");
		goto out;
	}
	ct_stmt_bind_text(q, 1, s->id);
	ct_stmt_bind_text(q, 2, s->task);
	if (s->class != NULL)
		ct_stmt_bind_text(q, 3, s->class);
	ct_stmt_bind_text(q, 4, aj);
	ct_stmt_bind_text(q, 5, w->p.enforce ? "enforce" : "audit");
	ct_stmt_bind_int64(q, 6, s->start_us);
	if (s->log_path != NULL)
		ct_stmt_bind_text(q, 7, s->log_path);
	if (ct_stmt_step(q) != CT_DB_DONE) {
		rc = ct_store_error(st, "recording a sub-run");
		goto out;
	}
	ct_stmt_finalize(q);
	q = NULL;
	if (ct_db_prepare(st, "INSERT INTO watch_subruns (run_id,"
	    " parent_run_id, nonce, program, root_pid, attached_late) VALUES (?, ?, ?, ?, ?, ?)",
	    &q) != 0) {
		rc = ct_store_error(st, "recording a sub-run");
		goto out;
	}
	ct_stmt_bind_text(q, 1, s->id);
	ct_stmt_bind_text_copy(q, 2, ct_run_id(r));
	if (json_is_string(s->nonce))
		ct_stmt_bind_text(q, 3, json_string_value(s->nonce));
	ct_stmt_bind_text(q, 4, s->program);
	ct_stmt_bind_int64(q, 5, (int)s->root);
	ct_stmt_bind_int64(q, 6, s->late);
	if (ct_stmt_step(q) != CT_DB_DONE) {
		rc = ct_store_error(st, "recording a sub-run");
		goto out;
	}
	rc = 0;
 out:
	ct_stmt_finalize(q);
	free(aj);
	return rc;
}

/*
 * A new sub-run rooted at `pid`, from its exec (or, late, from the process found running).
 * `argv` is the process's argument list, `offset` where its caller's argv[0] is.
 */
static int
sub_begin(struct ct_watch *w, struct ct_run *r, json_t *ev, int64_t t, pid_t pid,
    const char *program, json_t *argv, size_t offset, int late, struct sub **out)
{
	struct ct_evlog_params lp;
	struct sub *s = NULL, **ns;
	char origin[CT_EVLOG_MAX_ORIGIN], ts[40];
	const char *nonce;
	json_t *start = NULL;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if ((s->dest = json_object()) == NULL || (s->denials = json_array()) == NULL ||
	    (s->dns = json_object()) == NULL || (s->program = strdup(program)) == NULL ||
	    (s->argv = logical_argv(argv, offset)) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = random_hex(s->id)) != 0)
		goto fail;
	s->root = pid;
	s->late = late;
	s->start_us = s->last_us = t;
	s->live = 1;
	s->nprocs = 1;
	/* the key: argv[ARGINDEX]; a task id when it is a valid one, else the watch's task */
	nonce = json_string_value(json_array_get(s->argv, (size_t)w->p.split_argindex));
	s->nonce = nonce != NULL ? json_string(nonce) : json_null();
	if (nonce != NULL && ct_task_id_check(nonce) == 0) {
		snprintf(s->task, sizeof(s->task), "%s", nonce);
	} else {
		ct_error_clear();
		snprintf(s->task, sizeof(s->task), "%s", w->p.task_id);
	}
	ct_run_drops(r, s->drops0);
	if ((rc = sub_files(w, s)) != 0 || (rc = sub_ledger_begin(w, r, s)) != 0)
		goto fail;
	if (s->log_path != NULL) {
		snprintf(origin, sizeof(origin), "credtrail:%s:%s", s->task, s->id);
		memset(&lp, 0, sizeof(lp));
		lp.path = s->log_path;
		lp.origin = origin;
		lp.key = w->p.key;
		if ((rc = ct_evlog_create(&s->log, &lp)) != 0)
			goto fail;
	}
	if ((ns = reallocarray(w->subs, w->nsubs + 1, sizeof(*ns))) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	w->subs = ns;
	s->index = w->nsubs;
	w->subs[w->nsubs++] = s;
	if ((rc = map_set(w, w->pids, pid, s)) != 0)
		return rc;
	ct_time_fmt(t, 1, ts, sizeof(ts));
	start = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:O, s:O, s:s, s:s, s:s, s:s, s:s, s:i,"
	    " s:b}", "time", ts, "type", "start", "run", s->id, "task", s->task, "class",
	    s->class, "argv", s->argv, "nonce", s->nonce, "program", s->program, "backend", "ebpf",
	    "mode", w->p.enforce ? "enforce" : "audit", "parent_run", ct_run_id(r), "cgroup",
	    w->cgroup_path, "pid", (int)pid, "attached_late", late);
	if (start == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (s->log != NULL && (rc = ct_evlog_append(s->log, start)) != 0) {
		json_decref(start);
		return rc;
	}
	json_decref(start);
	s->nrecords++;
	/* the event that began it is the sub-run's first own record */
	if ((rc = sub_take(w, r, s, ev, t, 0, 0)) < 0)
		return rc;
	*out = s;
	return 0;
 fail:
	sub_free(s);
	return rc;
}

/* ---- the route hook ---- */

/* exit status as a shell reports it, from an exit event */
static int
exit_of(json_t *ev)
{
	json_t *sig = json_object_get(ev, "signal");

	if (sig != NULL)
		return 128 + (int)json_integer_value(sig);
	return (int)jint(ev, "exit_status");
}

static void
sub_left(struct ct_watch *w, struct sub *s, int64_t t)
{
	if (--s->live > 0 || s->state != SUB_OPEN)
		return;
	s->state = SUB_CLOSING;
	s->closing_until_us = t + CT_WATCH_CLOSE_GRACE_US;
}

/*
 * A process joins a sub-run.  A process born between the attach and the reading of the
 * cgroup comes twice, as present and by its fork: it is counted once.
 */
static int
sub_join(struct ct_watch *w, struct sub *s, json_int_t pid)
{
	int rc;

	if (sub_of(w, w->pids, pid) == s)
		return 0;
	if ((rc = map_set(w, w->pids, pid, s)) != 0)
		return rc;
	s->live++;
	s->nprocs++;
	return 0;
}

static int
route(void *arg, struct ct_run *r, json_t *ev, int64_t t, int64_t open_us, int64_t close_us)
{
	struct ct_watch *w = arg;
	const char *type = jstr_of(ev, "type");
	json_int_t pid = jint(ev, "pid");
	struct sub *s;
	size_t off;
	int rc;

	if (w->p.split_program == NULL || type == NULL)
		return 0;
	if (strcmp(type, "present") == 0) {
		json_t *argv = json_object_get(ev, "argv");

		/* found running: a child of a sub-run's process, or a sub-run's root */
		if ((s = sub_of(w, w->pids, jint(ev, "ppid"))) != NULL) {
			json_object_del(ev, "argv");
			if ((rc = sub_join(w, s, pid)) != 0)
				return rc;
			return sub_take(w, r, s, ev, t, open_us, close_us);
		}
		if (!is_program(w, NULL, argv, &off)) {
			json_object_del(ev, "argv");
			return 0;
		}
		if ((rc = sub_begin(w, r, ev, t, (pid_t)pid, json_string_value(json_array_get(
		    argv, off)), argv, off, 1, &s)) != 0)
			return rc;
		json_object_set_new(ev, "sub_run", json_string(s->id));
		json_object_set_new(ev, "sub_task", json_string(s->task));
		return 0;
	}
	if (strcmp(type, "fork") == 0) {
		if ((s = sub_of(w, w->pids, jint(ev, "ppid"))) == NULL)
			return 0;
		if ((rc = sub_join(w, s, pid)) != 0)
			return rc;
		return sub_take(w, r, s, ev, t, open_us, close_us);
	}
	if (strcmp(type, "exec") == 0) {
		json_t *argv = json_object_get(ev, "argv");
		const char *fn = jstr_of(ev, "filename");

		if ((s = sub_of(w, w->pids, pid)) != NULL) {
			/* inside a sub-run an exec of PROGRAM begins nothing: no escaping it */
			json_object_del(ev, "argv");
			json_object_del(ev, "argv_truncated");
			return sub_take(w, r, s, ev, t, open_us, close_us);
		}
		if (fn == NULL || !is_program(w, fn, argv, &off)) {
			/* only PROGRAM's arguments are kept: others may hold secrets */
			json_object_del(ev, "argv");
			json_object_del(ev, "argv_truncated");
			return 0;
		}
		if ((rc = sub_begin(w, r, ev, t, (pid_t)pid, fn, argv, off, 0, &s)) != 0)
			return rc;
		/* the watch's log keeps the exec, marked with the sub-run it began */
		json_object_set_new(ev, "sub_run", json_string(s->id));
		json_object_set_new(ev, "sub_task", json_string(s->task));
		return 0;
	}
	if (strcmp(type, "exit") == 0) {
		if ((s = sub_of(w, w->pids, pid)) == NULL)
			return 0;
		map_del(w->pids, pid);
		if ((pid_t)pid == s->root) {
			s->have_exit = 1;
			s->exit_status = exit_of(ev);
		}
		rc = sub_take(w, r, s, ev, t, open_us, close_us);
		sub_left(w, s, t);
		return rc;
	}
	if (strcmp(type, "connect") == 0 || strcmp(type, "sendmsg") == 0 ||
	    strcmp(type, "sock_create") == 0) {
		const char *proto = jstr_of(ev, "proto"), *verdict = jstr_of(ev, "verdict");

		if ((s = sub_of(w, w->pids, pid)) == NULL)
			return 0;
		if (strcmp(type, "connect") == 0 && proto != NULL && strcmp(proto, "tcp") == 0 &&
		    verdict != NULL && strcmp(verdict, "deny") != 0 &&
		    json_object_get(ev, "socket") != NULL) {
			if ((rc = map_set(w, w->cookies, jint(ev, "socket"), s)) != 0)
				return rc;
			s->open_tcp++;
		}
		return sub_take(w, r, s, ev, t, open_us, close_us);
	}
	if (strcmp(type, "close") == 0) {
		if ((s = sub_of(w, w->cookies, jint(ev, "socket"))) == NULL)
			return 0;
		map_del(w->cookies, jint(ev, "socket"));
		s->open_tcp--;
		return sub_take(w, r, s, ev, t, open_us, close_us);
	}
	if (strcmp(type, "dns") == 0) {
		/* the asking process, when the monitor could tell */
		if (json_object_get(ev, "pid") == NULL || (s = sub_of(w, w->pids, pid)) == NULL)
			return 0;
		return sub_take(w, r, s, ev, t, open_us, close_us);
	}
	return 0;
}

/* ---- the end of a sub-run ---- */

static json_t *
keys_sorted(json_t *o, int numeric)
{
	json_t *a = json_array(), *v;
	const char *key;
	size_t i, j, n = 0;
	const char **k;

	if (a == NULL || (k = calloc(json_object_size(o) + 1, sizeof(*k))) == NULL)
		return a;
	json_object_foreach(o, key, v)
		k[n++] = key;
	/* small lists: insertion sort, by number or by bytes */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && (numeric ? strtoll(k[j - 1], NULL, 10) >
		    strtoll(k[j], NULL, 10) : strcmp(k[j - 1], k[j]) > 0); j--) {
			const char *x = k[j];

			k[j] = k[j - 1];
			k[j - 1] = x;
		}
	for (i = 0; i < n; i++)
		json_array_append_new(a, numeric ? json_integer(strtoll(k[i], NULL, 10)) :
		    json_string(k[i]));
	free(k);
	return a;
}

static json_t *
drops_delta(struct ct_watch *w, struct sub *s, int *lost)
{
	uint64_t now[CT_DROP_MAX];
	json_t *o = json_object();
	int i;

	*lost = 0;
	if (o == NULL)
		return NULL;
	if (ct_run_drops(w->run, now) != 0) {
		ct_error_clear();
		memcpy(now, s->drops0, sizeof(now));
	}
	for (i = 0; i < CT_DROP_MAX; i++) {
		uint64_t d = now[i] - s->drops0[i];

		json_object_set_new(o, ct_monitor_drop_name(i), json_integer((json_int_t)d));
		if (d != 0 && i != CT_DROP_EXEC_PATH)
			*lost = 1;
	}
	return o;
}

static json_t *
sub_summary(struct ct_watch *w, struct sub *s, json_t *drops, json_t *incomplete)
{
	json_t *dests = json_array(), *names = json_array(), *d, *v, *lbl;
	const char *key;
	char st[40], en[40];
	size_t i;

	if (dests == NULL || names == NULL) {
		json_decref(dests);
		json_decref(names);
		return NULL;
	}
	lbl = keys_sorted(s->dest, 0);
	for (i = 0; i < json_array_size(lbl); i++) {
		d = json_object_get(s->dest, json_string_value(json_array_get(lbl, i)));
		json_array_append_new(dests, json_pack("{s:O, s:O, s:O, s:O, s:o, s:o}",
		    "name", json_object_get(d, "name"),
		    "direct_ip", json_object_get(d, "direct_ip"),
		    "connects", json_object_get(d, "connects"),
		    "denied", json_object_get(d, "denied"),
		    "addresses", keys_sorted(json_object_get(d, "addresses"), 0),
		    "ports", keys_sorted(json_object_get(d, "ports"), 1)));
	}
	json_decref(lbl);
	json_object_foreach(s->dns, key, v)
		json_array_append_new(names, json_pack("{s:s, s:O, s:O}", "name", key, "queries",
		    json_object_get(v, "queries"), "verdict", json_object_get(v, "verdict")));
	ct_time_fmt(s->start_us, 1, st, sizeof(st));
	ct_time_fmt(s->last_us, 1, en, sizeof(en));
	return json_pack("{s:s, s:s, s:s?, s:O, s:O, s:s, s:s, s:s, s:s, s:s, s:I, s:o,"
	    " s:o, s:{s:I, s:O}, s:{s:I, s:I, s:o}, s:I, s:i, s:[], s:O, s:b, s:O, s:I, s:s?,"
	    " s:s, s:s, s:i, s:b}",
	    "run", s->id, "task", s->task, "class", s->class, "argv", s->argv, "nonce", s->nonce,
	    "program", s->program, "backend", "ebpf", "mode", w->p.enforce ? "enforce" : "audit",
	    "start", st, "end", en, "duration_us", (json_int_t)(s->last_us - s->start_us),
	    "exit_status", s->have_exit ? json_integer(s->exit_status) : json_null(),
	    "destinations", dests, "denials", "count", (json_int_t)s->ndenials, "events",
	    s->denials, "dns", "queries", (json_int_t)s->ndns, "denied", (json_int_t)s->ndns_denied,
	    "names", names, "processes", (json_int_t)s->nprocs, "killed_at_end", 0, "killed",
	    "drops", drops, "complete", s->complete, "incomplete_reasons", incomplete,
	    "events", (json_int_t)s->nrecords, "events_path", s->log_path,
	    "parent_run", ct_run_id(w->run), "cgroup", w->cgroup_path, "pid", (int)s->root,
	    "attached_late", s->late);
}

static int
sub_db_end(struct ct_watch *w, struct sub *s, json_t *drops)
{
	struct ct_stmt *q = NULL;
	char *dj = NULL;
	int rc = 0;

	if (w->p.store == NULL)
		return 0;
	if ((dj = json_dumps(drops, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (ct_db_prepare(w->p.store, "UPDATE runs SET end_us = ?,"
	    " exit_status = ?, drops = ?, complete = ?, attestation_digest = ? WHERE id = ?",
	    &q) != 0) {
		rc = ct_store_error(w->p.store, "finishing a sub-run");
		goto out;
	}
	ct_stmt_bind_int64(q, 1, s->last_us);
	if (s->have_exit)
		ct_stmt_bind_int64(q, 2, s->exit_status);
	ct_stmt_bind_text(q, 3, dj);
	ct_stmt_bind_int64(q, 4, s->complete);
	if (s->digest[0] != '\0')
		ct_stmt_bind_text(q, 5, s->digest);
	ct_stmt_bind_text(q, 6, s->id);
	if (ct_stmt_step(q) != CT_DB_DONE)
		rc = ct_store_error(w->p.store, "finishing a sub-run");
 out:
	ct_stmt_finalize(q);
	free(dj);
	return rc;
}

static int
write_json(const char *path, json_t *o)
{
	char *text, *t2;
	size_t n;
	int rc;

	if ((text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	n = strlen(text);
	if ((t2 = realloc(text, n + 2)) == NULL) {
		free(text);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	text = t2;
	text[n++] = '\n';
	text[n] = '\0';
	rc = ct_write_file_atomic(path, text, n, 0644);
	free(text);
	return rc;
}

/*
 * Close a sub-run: its end record and final checkpoint, summary, attestation, ledger row,
 * and a "sub_run_end" marker in the watch's log.  `why` says why it ends now when that is
 * not its own end (the watch ends while it runs).  Not from the route hook.
 */
static int
sub_finish(struct ct_watch *w, struct sub *s, const char *why)
{
	json_t *drops = NULL, *incomplete = NULL, *end = NULL, *final = NULL, *mark = NULL;
	uint64_t size;
	uint8_t root[32];
	char ts[40];
	int lost, rc;

	if (s->state == SUB_DONE)
		return 0;
	s->state = SUB_DONE;
	if ((drops = drops_delta(w, s, &lost)) == NULL || (incomplete = json_array()) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (s->late)
		json_array_append_new(incomplete,
		    json_string("it was running before the watch attached"));
	if (why != NULL)
		json_array_append_new(incomplete, json_string(why));
	if (lost)
		json_array_append_new(incomplete,
		    json_string("the monitor lost events while it ran"));
	s->complete = json_array_size(incomplete) == 0;
	ct_time_fmt(s->last_us, 1, ts, sizeof(ts));
	end = json_pack("{s:s, s:s, s:o, s:I, s:O, s:b, s:I}", "time", ts, "type", "end",
	    "exit_status", s->have_exit ? json_integer(s->exit_status) : json_null(),
	    "processes", (json_int_t)s->nprocs, "drops", drops, "complete", s->complete,
	    "open_connections", (json_int_t)(s->open_tcp > 0 ? s->open_tcp : 0));
	if (end == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (json_array_size(incomplete) > 0)
		json_object_set(end, "incomplete", incomplete);
	s->nrecords++;
	if (s->log != NULL) {
		if ((rc = ct_evlog_append(s->log, end)) != 0)
			goto out;
		final = json_pack("{s:s, s:O, s:b}", "backend", "ebpf", "drops", drops,
		    "complete", s->complete);
		if (final != NULL && json_array_size(incomplete) > 0)
			json_object_set(final, "incomplete", incomplete);
		if (final == NULL) {
			rc = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = ct_evlog_finish(s->log, final, &size, root)) != 0)
			goto out;
		ct_evlog_free(s->log);
		s->log = NULL;
	}
	if ((s->summary = sub_summary(w, s, drops, incomplete)) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (s->log_path != NULL && w->p.key != NULL &&
	    (rc = ct_attest_run_finish(w->p.store, w->p.key, s->summary, s->log_path,
	    s->att_path, s->digest)) != 0)
		goto out;
	if (s->digest[0] != '\0')
		json_object_set_new(s->summary, "attestation", json_string(s->att_path));
	if (s->sum_path != NULL && (rc = write_json(s->sum_path, s->summary)) != 0)
		goto out;
	if ((rc = sub_db_end(w, s, drops)) != 0)
		goto out;
	mark = json_pack("{s:s, s:s, s:s, s:s, s:O, s:i, s:o, s:b, s:I, s:s?}", "time", ts,
	    "type", "sub_run_end", "sub_run", s->id, "sub_task", s->task, "nonce", s->nonce,
	    "pid", (int)s->root, "exit_status", s->have_exit ? json_integer(s->exit_status) :
	    json_null(), "complete", s->complete, "events", (json_int_t)s->nrecords,
	    "attestation_digest", s->digest[0] != '\0' ? s->digest : NULL);
	rc = ct_run_record(w->run, mark, s->last_us);
 out:
	json_decref(drops);
	json_decref(incomplete);
	json_decref(end);
	json_decref(final);
	return rc;
}

/* ---- tick and end hooks ---- */

static int
tick(void *arg, struct ct_run *r, int64_t now, const char **why)
{
	struct ct_watch *w = arg;
	size_t i;
	int rc, populated = 1;

	for (i = 0; i < w->nsubs; i++) {
		struct sub *s = w->subs[i];

		if (s->state == SUB_CLOSING && (s->open_tcp <= 0 || now >= s->closing_until_us) &&
		    (rc = sub_finish(w, s, NULL)) != 0)
			return rc;
	}
	if (w->p.duration_us > 0 && now - w->start_us >= w->p.duration_us) {
		*why = "duration";
		return 1;
	}
	if (w->p.until_empty) {
		/* a container that is gone has its cgroup removed: that is empty too */
		if (ct_cgroup_populated(&w->cg, &populated) != 0) {
			ct_error_clear();
			populated = 0;
		}
		if (!populated) {
			*why = "empty";
			return 1;
		}
	}
	return 0;
}

static int
before_end(void *arg, struct ct_run *r)
{
	struct ct_watch *w = arg;
	size_t i;
	int rc;

	for (i = 0; i < w->nsubs; i++) {
		struct sub *s = w->subs[i];

		if ((rc = sub_finish(w, s, s->state == SUB_OPEN ?
		    "the watch ended while it was running" : NULL)) != 0)
			return rc;
	}
	return 0;
}

/* ---- the watch ---- */

int
ct_watch_resolve(const char *path, pid_t pid, char **cgroup_out, pid_t *member_out)
{
	struct ct_cgroup cg;
	pid_t *pids = NULL;
	size_t n = 0;
	char *p = NULL;
	int r;

	*cgroup_out = NULL;
	*member_out = 0;
	if (path == NULL && pid <= 0)
		return ct_error(CT_ERR_INVALID, "no cgroup and no process to watch");
	if (path == NULL) {
		if ((r = ct_cgroup_of_pid(pid, &p)) != 0)
			return r;
		*cgroup_out = p;
		*member_out = pid;
		return 0;
	}
	if ((r = ct_cgroup_open(&cg, path)) != 0)
		return r;
	if ((r = ct_cgroup_pids(&cg, &pids, &n)) == 0) {
		if (pid > 0)
			*member_out = pid;
		else if (n > 0)
			*member_out = pids[0];
		if ((*cgroup_out = strdup(cg.path)) == NULL)
			r = ct_error(CT_ERR_NOMEM, "out of memory");
	}
	free(pids);
	ct_cgroup_release(&cg);
	return r;
}

/* Is the process in another network namespace than ours? */
static int
other_netns(pid_t pid)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &a) != 0 || stat("/proc/self/ns/net", &b) != 0)
		return 0;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

int
ct_watch_start(struct ct_watch **out, const struct ct_watch_params *p)
{
	struct ct_watch *w = NULL;
	unsigned stale = 0;
	int rc = CT_ERR_INTERNAL;

	*out = NULL;
	if (p->split_program != NULL && (p->split_program[0] == '\0' || p->split_argindex < 0))
		return ct_error(CT_ERR_INVALID, "invalid --split-by-exec program or index");
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	w->p = *p;
	w->cg.dirfd = -1;
	if ((w->pids = json_object()) == NULL || (w->cookies = json_object()) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (p->split_program != NULL && strchr(p->split_program, '/') == NULL &&
	    (w->prog_base = strdup(p->split_program)) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = ct_watch_resolve(p->cgroup_path, p->pid, &w->cgroup_path, &w->member)) != 0 ||
	    (rc = ct_cgroup_open(&w->cg, w->cgroup_path)) != 0)
		goto out;
	/* a guard left by a watch that died keeps the cgroup blocked: say so, do not hide it */
	if ((rc = ct_monitor_guards_find(w->cg.dirfd, 0, &stale)) != 0)
		goto out;
	if (stale > 0) {
		rc = ct_error(CT_ERR_EXISTS, "cgroup '%s' is still blocked by the guard of a watch "
		    "that ended without detaching it (credtrail watch --release --cgroup %s)",
		    w->cgroup_path, w->cgroup_path);
		goto out;
	}
	if (p->upstream_dns == NULL && w->member > 0 && other_netns(w->member) &&
	    asprintf(&w->resolv, "/proc/%d/root/etc/resolv.conf", (int)w->member) < 0) {
		w->resolv = NULL;
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	w->hooks.route = route;
	w->hooks.tick = tick;
	w->hooks.before_end = before_end;
	memset(&w->rp, 0, sizeof(w->rp));
	w->rp.task_id = p->task_id;
	w->rp.task_class = p->task_class;
	w->rp.argv = p->argv;
	w->rp.enforce = p->enforce;
	w->rp.backend = CT_RUN_BACKEND_EBPF;
	w->rp.policy = p->policy;
	w->rp.upstream_dns = p->upstream_dns;
	w->rp.resolv_conf = w->resolv;
	w->rp.events_path = p->events_path;
	w->rp.evlog_key = p->key;
	w->rp.store = p->store;
	w->rp.attach_cgroup = w->cgroup_path;
	w->rp.netns_pid = w->member;
	w->rp.guard = p->enforce;
	w->rp.exec_args = p->split_program != NULL;
	w->rp.hooks = &w->hooks;
	w->rp.hook_arg = w;
	w->start_us = ct_now_us();
	if ((rc = ct_run_start(&w->run, &w->rp)) != 0)
		goto out;
	*out = w;
	w = NULL;
	rc = 0;
 out:
	ct_watch_free(w);
	return rc;
}

int
ct_watch_wait(struct ct_watch *w)
{
	return ct_run_wait(w->run);
}

struct ct_run *
ct_watch_run(struct ct_watch *w)
{
	return w->run;
}

const char *
ct_watch_cgroup(const struct ct_watch *w)
{
	return w->cgroup_path;
}

int
ct_watch_summary(struct ct_watch *w, json_t **out)
{
	json_t *o = NULL, *subs;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = ct_run_summary(w->run, &o)) != 0)
		return rc;
	if ((subs = json_array()) == NULL) {
		json_decref(o);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < w->nsubs; i++) {
		struct sub *s = w->subs[i];
		json_t *sm = s->summary;

		json_array_append_new(subs, json_pack("{s:s, s:s, s:O, s:i, s:O, s:O, s:O, s:b,"
		    " s:I, s:s?, s:s?, s:O}", "run", s->id, "task", s->task, "nonce", s->nonce,
		    "pid", (int)s->root, "start", json_object_get(sm, "start"), "end",
		    json_object_get(sm, "end"), "exit_status", json_object_get(sm, "exit_status"),
		    "complete", s->complete, "events", (json_int_t)s->nrecords, "events_path",
		    s->log_path, "attestation", s->digest[0] != '\0' ? s->att_path : NULL,
		    "destinations", json_object_get(sm, "destinations")));
	}
	json_object_set_new(o, "sub_runs", subs);
	*out = o;
	return 0;
}

void
ct_watch_free(struct ct_watch *w)
{
	size_t i;

	if (w == NULL)
		return;
	ct_run_free(w->run);
	for (i = 0; i < w->nsubs; i++)
		sub_free(w->subs[i]);
	free(w->subs);
	json_decref(w->pids);
	json_decref(w->cookies);
	ct_cgroup_release(&w->cg);
	free(w->cgroup_path);
	free(w->resolv);
	free(w->prog_base);
	free(w);
}

int
ct_watch_release(const char *cgroup_path, unsigned *n)
{
	struct timespec ts = { 0, 20 * 1000000L };
	struct ct_cgroup cg;
	unsigned k;
	int r, i;

	*n = 0;
	if ((r = ct_cgroup_open(&cg, cgroup_path)) != 0)
		return r;
	/*
	 * The kernel empties a dead watch's tail-call arrays from a work queue, a moment after
	 * its process is gone: a guard that still looks alive is asked again for a while.
	 */
	for (i = 0; i < 50; i++) {
		r = ct_monitor_guards_find(cg.dirfd, 1, &k);
		*n += k;
		if (r != CT_ERR_EXISTS)
			break;
		ct_error_clear();
		nanosleep(&ts, NULL);
	}
	if (r == CT_ERR_EXISTS)
		r = ct_error(CT_ERR_EXISTS, "a running credtrail watch guards '%s'", cgroup_path);
	ct_cgroup_release(&cg);
	return r;
}
