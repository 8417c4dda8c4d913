/*
 * run.c - run an agent under the egress monitor (see run.h).
 *
 * Threads: the caller's thread forks the agent and runs the event loop (BPF ring buffer or
 * seccomp notifications, the agent's pidfd, a signalfd); the DNS proxy calls back from its
 * own threads.  Both feed the same sink (event log, ledger, summary) under r->mu.
 *
 * Signals: SIGINT, SIGTERM, SIGHUP and SIGQUIT are blocked in credtrail for the whole run
 * and read from a signalfd; a signal sent to credtrail is passed on to the agent (one from
 * the terminal already reached the agent, which shares the process group).  The agent gets
 * the caller's original mask back before exec.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <seccomp.h>
#include <sys/mman.h>

#include "lib/db.h"
#include "lib/cgroup.h"
#include "lib/dnsguard.h"
#include "lib/dnsproxy.h"
#include "lib/dynuser.h"
#include "lib/evlog.h"
#include "lib/monitor.h"
#include "lib/netpolicy.h"
#include "lib/run.h"
#include "lib/seccomp_mon.h"
#include "lib/store.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

extern char **environ;

#define DB_BATCH_EVENTS		4096	/* net_events rows per transaction, at most */
#define DB_BATCH_US		250000	/* and at least this often (at once when quiet) */
#define LOOP_TICK_MS		100	/* the main loop's tick when the agent is quiet */
#define BUSY_TICK_MS		10	/* and while the last tick found events */
#define KILL_TIMEOUT_MS		5000
#define CLOSE_GRACE_US		500000	/* wait this long for TCP closes at the end */
#define MAX_DENIALS_LISTED	100
#define EXPIRE_EVERY_US		(10 * 1000000LL)	/* sweep expired admissions */
/*
 * Reading events: on the tick, not on every event.  A wakeup from a BPF program runs on the
 * agent's CPU and pulls the reader there (the scheduler's wake-affine choice), where it
 * competes with the agent; a timer wakes the reader where it last ran.  The ring buffer
 * asks for a wakeup only when WAKEUP_BYTES are waiting, which at BUSY_TICK_MS means an
 * agent emitting over 100 MB of records a second, and holds 80 such ticks.
 */
#define RINGBUF_BYTES		(8u << 20)
#define WAKEUP_BYTES		(1u << 20)

enum child_stage {
	STAGE_SETUP = 1,
	STAGE_EXEC = 2,
};

struct child_report {
	int stage;
	int err;
	char what[64];
};

struct proc_ent {
	pid_t pid;		/* 0: free slot */
	pid_t ppid;
	char *exe;
};

/* A net_events row waiting for its transaction (db_flush()). */
struct ledger_row {
	char *run_id;			/* NULL: the run's own */
	json_t *ev;			/* a reference: the row's strings are bound from it */
	int64_t time_us, open_us, close_us;
};

struct ct_run {
	struct ct_run_params p;
	char id[17];
	char traceparent[64];
	enum ct_run_backend backend;
	const char *weakness;		/* the backend's known gaps, for the record */
	char *fallback_reason;		/* why AUTO did not get eBPF */

	/* the agent's user */
	char *user;
	uid_t uid;
	gid_t gid;
	int switch_user;
	int drop_caps;
	int have_dyn;			/* --user dynamic: dyn is ours until the end */
	struct ct_dynuser dyn;

	struct ct_cgroup cg;
	int have_cg;
	int subreaper;			/* no cgroup: we are the agent's orphans' parent */
	pid_t wd_pid;
	int wd_fd;

	struct ct_dnsproxy *px;
	struct ct_dnsguard *dg;		/* the proxy child's cgroup and egress programs */
	uint64_t dg_refused;		/* connects and sends of the child it refused */
	int dns_fatal;			/* the DNS start left us where we must not go on */
	struct ct_monitor *mon;
	int64_t expired_us;
	struct ct_seccomp_mon *sm;
	struct sock_filter *fam_insns;	/* enforce, eBPF: the socket-family filter */
	unsigned short fam_ninsns;
	struct ct_evlog *log;
	char *events_abs;

	/* ledger: net_events rows waiting for db_flush() */
	struct ct_stmt *ins;
	struct ledger_row *rows;	/* DB_BATCH_EVENTS of them, allocated on first use */
	size_t nrows;
	int64_t batch_start_us;		/* ct_mono_us() of the oldest waiting row */
	int busy;			/* the last pump found events: tick at BUSY_TICK_MS */

	/* the agent */
	char **envp;
	size_t nenvp;
	pid_t pid;
	int pidfd;
	int sigfd;
	sigset_t oldmask;
	int masked;
	int waited;
	int status;
	int exec_stage;
	int exec_errno;
	char exec_what[64];
	int64_t start_us;
	int64_t end_us;
	int64_t start_mono_us;		/* ct_mono_us(): durations and timeouts */
	int64_t end_mono_us;
	int started;
	int finished;

	/* DNS events wait here to be merged in time order with the BPF records */
	struct dnsq {
		int64_t time_us;
		json_t *ev;
	} *dq;
	size_t dq_len, dq_cap, dq_head, dq_limit;

	/* the sink */
	pthread_mutex_t mu;
	int sink_err;
	uint64_t nrecords;
	json_t *dest;			/* label -> {connects, denied, addresses, ports} */
	json_t *denials;		/* array, at most MAX_DENIALS_LISTED */
	uint64_t ndenials;
	json_t *dns;			/* qname -> {queries, verdict} */
	json_t *seen;			/* "addr|name" -> when the proxy was first asked */
	uint64_t ndns, ndns_denied;
	uint64_t nprocs, nkilled;
	json_t *killed;
	int64_t open_tcp;		/* at the end: TCP connections not seen closing */
	struct proc_ent *procs;
	size_t procs_cap, procs_used;
	uint64_t drops[CT_DROP_MAX];
	struct ct_dnsproxy_stats dstats;
	int have_dstats;
	int kill_failed;

	/* attach mode (watch) and the agent's timeout */
	int attach;
	int stop;			/* attach: end the loop */
	const char *stop_why;
	int timed_out;
	int64_t term_until_us;		/* timeout: SIGKILL after this */
	int hard_killed;
};

/* ---- small helpers ---- */

static int
random_hex(char *out, size_t nbytes)
{
	unsigned char b[32];

	if (nbytes > sizeof(b) || RAND_bytes(b, (int)nbytes) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot get random bytes");
	ct_hex_fmt(b, nbytes, out);
	return 0;
}

static const char *
verdict_name(uint32_t v)
{
	switch (v) {
	case CT_MON_ALLOW: return "allow";
	case CT_MON_DENY: return "deny";
	case CT_MON_AUDIT: return "audit";
	}
	return "unknown";
}

static const char *
type_name(uint32_t t)
{
	switch (t) {
	case CT_MON_CONNECT: return "connect";
	case CT_MON_SENDMSG: return "sendmsg";
	case CT_MON_SOCK_CREATE: return "sock_create";
	case CT_MON_CLOSE: return "close";
	case CT_MON_FORK: return "fork";
	case CT_MON_EXEC: return "exec";
	case CT_MON_EXIT: return "exit";
	case CT_MON_UNIX_CONNECT: return "unix_connect";
	case CT_MON_UNIX_SENDMSG: return "unix_sendmsg";
	case CT_MON_DENIED: return "denied";
	case CT_MON_OTHER_SEND: return "send";
	}
	return "unknown";
}

static const char *
proto_name(unsigned proto, unsigned sock_type, char *buf, size_t bufsz)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case 0:
		if (sock_type == SOCK_STREAM)
			return "tcp";
		if (sock_type == SOCK_DGRAM)
			return "udp";
		break;
	}
	snprintf(buf, bufsz, "%u", proto);
	return buf;
}

static const char *
family_name(unsigned family)
{
	switch (family) {
	case AF_INET: return "ipv4";
	case AF_INET6: return "ipv6";
	case AF_PACKET: return "packet";
	case AF_UNIX: return "unix";
	case AF_NETLINK: return "netlink";
	case AF_VSOCK: return "vsock";
	}
	return "other";
}

static const char *
sock_type_name(unsigned t)
{
	switch (t) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_RAW: return "raw";
	case SOCK_SEQPACKET: return "seqpacket";
	}
	return "other";
}

/* ---- the process table: pid -> exe, for labelling events ---- */

static struct proc_ent *
proc_find(struct ct_run *r, pid_t pid, int create)
{
	size_t i, mask;

	if (r->procs_cap == 0 || (create && (r->procs_used + 1) * 2 > r->procs_cap)) {
		size_t ncap = r->procs_cap == 0 ? 256 : r->procs_cap * 2, j;
		struct proc_ent *n;

		if (!create && r->procs_cap == 0)
			return NULL;
		if ((n = calloc(ncap, sizeof(*n))) == NULL)
			return NULL;
		for (j = 0; j < r->procs_cap; j++) {
			if (r->procs[j].pid == 0)
				continue;
			for (i = (size_t)r->procs[j].pid & (ncap - 1); n[i].pid != 0;
			    i = (i + 1) & (ncap - 1))
				;
			n[i] = r->procs[j];
		}
		free(r->procs);
		r->procs = n;
		r->procs_cap = ncap;
	}
	mask = r->procs_cap - 1;
	for (i = (size_t)pid & mask; r->procs[i].pid != 0; i = (i + 1) & mask)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	if (!create)
		return NULL;
	r->procs[i].pid = pid;
	r->procs_used++;
	r->nprocs++;
	return &r->procs[i];
}

static const char *
proc_exe(struct ct_run *r, pid_t pid)
{
	struct proc_ent *e = proc_find(r, pid, 0);

	return e != NULL ? e->exe : NULL;
}

/* exe from /proc when the kernel's exec filename was relative, or for the seccomp backend */
static char *
read_proc_exe(pid_t pid)
{
	char path[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if ((n = readlink(path, buf, sizeof(buf) - 1)) <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

static void
read_proc_comm(pid_t pid, char *out, size_t outsz)
{
	char path[64];
	ssize_t n;
	int fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, out, outsz - 1);
	close(fd);
	if (n <= 0)
		return;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static pid_t
read_proc_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd, ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold anything, so look after the last ')' */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* ---- the sink: event log, ledger, summary ---- */

/* the event outlives the step: its strings are bound in place, not copied */
static void
bind_text(struct ct_stmt *s, int i, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (v != NULL)
		ct_stmt_bind_text(s, i, v);
	else
		ct_stmt_bind_null(s, i);
}

static void
bind_int(struct ct_stmt *s, int i, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		ct_stmt_bind_int64(s, i, json_integer_value(v));
	else
		ct_stmt_bind_null(s, i);
}

static int
db_write_row(struct ct_run *r, const struct ledger_row *row)
{
	struct ct_stmt *s = r->ins;
	json_t *ev = row->ev, *names;
	char *nj = NULL;
	int rc;

	ct_stmt_reset(s);
	ct_stmt_clear_bindings(s);
	ct_stmt_bind_text(s, 1, row->run_id != NULL ? row->run_id : r->id);
	ct_stmt_bind_int64(s, 2, row->time_us);
	bind_text(s, 3, ev, "type");
	bind_int(s, 4, ev, "pid");
	bind_int(s, 5, ev, "ppid");
	bind_text(s, 6, ev, "comm");
	bind_text(s, 7, ev, "exe");
	bind_text(s, 8, ev, "proto");
	bind_text(s, 9, ev, "family");
	bind_text(s, 10, ev, "src");
	bind_int(s, 11, ev, "sport");
	bind_text(s, 12, ev, "dst");
	bind_int(s, 13, ev, "dport");
	if ((names = json_object_get(ev, "names")) != NULL) {
		if (json_array_size(names) == 0)
			ct_stmt_bind_text(s, 14, "[]");
		else if ((nj = json_dumps(names, JSON_COMPACT)) != NULL)
			ct_stmt_bind_text(s, 14, nj);
	}
	bind_text(s, 15, ev, "verdict");
	bind_int(s, 16, ev, "bytes_sent");
	bind_int(s, 17, ev, "bytes_recv");
	if (row->open_us != 0)
		ct_stmt_bind_int64(s, 18, row->open_us);
	if (row->close_us != 0)
		ct_stmt_bind_int64(s, 19, row->close_us);
	rc = ct_stmt_step(s);
	ct_stmt_clear_bindings(s);	/* nothing bound in place outlives this call */
	free(nj);
	if (rc != CT_DB_DONE)
		return ct_store_error(r->p.store, "recording a network event");
	return 0;
}

/* Let the waiting rows go unwritten. */
static void
db_discard(struct ct_run *r)
{
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		json_decref(r->rows[i].ev);
		free(r->rows[i].run_id);
	}
	r->nrows = 0;
}

/*
 * Write the waiting rows in one transaction.  The write lock is taken here and held only
 * while they are written: other writers of the ledger (the runs beside this one, ingest,
 * mint) never wait for a batch to fill, and this loop never waits for theirs to.  The rows
 * are let go whatever happens; an error fails the run.
 */
static int
db_flush(struct ct_run *r)
{
	size_t i;
	int rc = 0;

	if (r->nrows == 0)
		return 0;
	if ((rc = ct_store_begin(r->p.store)) == 0) {
		for (i = 0; i < r->nrows && rc == 0; i++)
			rc = db_write_row(r, &r->rows[i]);
		if (rc == 0)
			rc = ct_store_commit(r->p.store);
		else
			ct_store_rollback(r->p.store);
	}
	db_discard(r);
	return rc;
}

/* Queue a network event's ledger row (a reference to ev is taken); run_id NULL: this run. */
static int
db_insert_for(struct ct_run *r, const char *run_id, json_t *ev, int64_t time_us,
    int64_t open_us, int64_t close_us)
{
	struct ledger_row *row;

	if (r->p.store == NULL)
		return 0;
	if (r->rows == NULL && (r->rows = calloc(DB_BATCH_EVENTS, sizeof(*r->rows))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	row = &r->rows[r->nrows];
	row->run_id = NULL;
	if (run_id != NULL && (row->run_id = strdup(run_id)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	row->ev = json_incref(ev);
	row->time_us = time_us;
	row->open_us = open_us;
	row->close_us = close_us;
	if (r->nrows++ == 0)
		r->batch_start_us = ct_mono_us();
	if (r->nrows >= DB_BATCH_EVENTS)
		return db_flush(r);
	return 0;
}

static int
db_insert(struct ct_run *r, json_t *ev, int64_t time_us, int64_t open_us, int64_t close_us)
{
	return db_insert_for(r, NULL, ev, time_us, open_us, close_us);
}

/* connect, sendmsg, close, sock_create and dns go to the ledger's net_events */
static int
is_net_type(const char *type)
{
	return type != NULL && (strcmp(type, "connect") == 0 || strcmp(type, "sendmsg") == 0 ||
	    strcmp(type, "close") == 0 || strcmp(type, "sock_create") == 0 ||
	    strcmp(type, "dns") == 0);
}

/* Count a destination in the summary under its first name, or its address. */
static void
summary_dest(struct ct_run *r, json_t *ev, const char *verdict)
{
	json_t *names = json_object_get(ev, "names"), *d, *a;
	const char *label, *dst = json_string_value(json_object_get(ev, "dst"));
	json_int_t port = json_integer_value(json_object_get(ev, "dport"));
	char pb[16];

	if (dst == NULL)
		return;
	label = json_array_size(names) > 0 ? json_string_value(json_array_get(names, 0)) : dst;
	if ((d = json_object_get(r->dest, label)) == NULL) {
		d = json_pack("{s:s, s:b, s:i, s:i, s:{}, s:{}}", "name", label,
		    "direct_ip", json_is_array(names) && json_array_size(names) == 0,
		    "connects", 0, "denied", 0,
		    "addresses", "ports");
		if (d == NULL || json_object_set_new(r->dest, label, d) != 0)
			return;
	}
	a = json_object_get(d, strcmp(verdict, "deny") == 0 ? "denied" : "connects");
	json_integer_set(a, json_integer_value(a) + 1);
	json_object_set_new(json_object_get(d, "addresses"), dst, json_true());
	snprintf(pb, sizeof(pb), "%lld", (long long)port);
	json_object_set_new(json_object_get(d, "ports"), pb, json_true());
}

static void
summary_denial(struct ct_run *r, json_t *ev)
{
	r->ndenials++;
	if (json_array_size(r->denials) < MAX_DENIALS_LISTED)
		json_array_append(r->denials, ev);
}

/*
 * Take one event (a reference is stolen): append it to the log, record it in the ledger if
 * it is a network event, and count it in the summary.  Called with r->mu held.
 */
static int
sink_locked(struct ct_run *r, json_t *ev, int64_t time_us, int64_t open_us, int64_t close_us)
{
	const char *type, *verdict;
	int rc = 0;

	if (ev == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (r->sink_err != 0) {
		json_decref(ev);
		return r->sink_err;
	}
	if (r->p.hooks != NULL && r->p.hooks->route != NULL &&
	    (rc = r->p.hooks->route(r->p.hook_arg, r, ev, time_us, open_us, close_us)) != 0) {
		/* taken by the hook (a sub-run's), or the hook failed */
		json_decref(ev);
		if (rc < 0)
			r->sink_err = rc;
		return rc < 0 ? rc : 0;
	}
	type = json_string_value(json_object_get(ev, "type"));
	verdict = json_string_value(json_object_get(ev, "verdict"));
	if (r->log != NULL && (rc = ct_evlog_append(r->log, ev)) != 0)
		goto out;
	r->nrecords++;
	if (is_net_type(type) && (rc = db_insert(r, ev, time_us, open_us, close_us)) != 0)
		goto out;
	if (verdict != NULL && strcmp(verdict, "deny") == 0)
		summary_denial(r, ev);
	if (type != NULL && verdict != NULL && (strcmp(type, "connect") == 0 ||
	    strcmp(type, "sendmsg") == 0) && json_object_get(ev, "dns_redirect") == NULL)
		summary_dest(r, ev, verdict);
 out:
	json_decref(ev);
	if (rc != 0)
		r->sink_err = rc;
	return rc;
}

static int
sink(struct ct_run *r, json_t *ev, int64_t time_us, int64_t open_us, int64_t close_us)
{
	int rc;

	pthread_mutex_lock(&r->mu);
	rc = sink_locked(r, ev, time_us, open_us, close_us);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if there is none. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

/*
 * A JSON string from bytes the agent chose (comm, paths, argv[0]): JSON wants UTF-8, so
 * every byte that is not part of valid UTF-8 is written as the four characters \xHH.  A
 * record is never lost because a process named itself badly.  NULL stays NULL.
 */
static json_t *
jstr(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i, o = 0, l;
	char *buf;
	json_t *v;

	if (s == NULL)
		return json_null();
	n = strlen(s);
	if ((buf = malloc(n * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i += l) {
		if ((l = utf8_len(p + i, n - i)) == 0) {
			snprintf(buf + o, 5, "\\x%02x", p[i]);
			o += 4;
			l = 1;
		} else {
			memcpy(buf + o, p + i, l);
			o += l;
		}
	}
	v = json_stringn(buf, o);
	free(buf);
	return v;
}

/*
 * ct_time_fmt() for a stream of nearby times: the date and clock part is formatted once
 * per second (gmtime_r and a printf per event were a visible share of the consumer's time).
 */
static void
time_fmt(int64_t us, char out[40])
{
	static __thread int64_t sec = INT64_MIN;
	static __thread char prefix[40];
	int64_t s = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
	long frac = (long)(us - s * 1000000);
	size_t n;
	int i;

	if (s != sec) {
		ct_time_fmt(s * 1000000, 0, prefix, sizeof(prefix));
		prefix[strlen(prefix) - 1] = '\0';	/* drop the 'Z' */
		sec = s;
	}
	n = strlen(prefix);
	memcpy(out, prefix, n);
	out[n++] = '.';
	for (i = 5; i >= 0; i--) {
		out[n + (size_t)i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	n += 6;
	out[n++] = 'Z';
	out[n] = '\0';
}

/* time, type, pid, ppid, tid, uid, comm, exe */
static json_t *
event_base(struct ct_run *r, const char *type, int64_t time_us, pid_t pid, pid_t ppid,
    pid_t tid, uint32_t uid, const char *comm, const char *exe)
{
	char ts[40];

	time_fmt(time_us, ts);
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:I, s:o, s:o}", "time", ts, "type", type,
	    "pid", (int)pid, "ppid", (int)ppid, "tid", (int)tid, "uid", (json_int_t)uid,
	    "comm", jstr(comm), "exe", jstr(exe));
}

static void
seen_key(char *out, size_t outsz, int family, const uint8_t *addr, const char *name)
{
	char b[INET6_ADDRSTRLEN] = "";

	inet_ntop(family, addr, b, sizeof(b));
	snprintf(out, outsz, "%s|%s", b, name);
}

/*
 * The names the DNS proxy recorded for an address, as they stood when the event happened:
 * a name first asked for after `t_us` did not lead to this connection.  [] is direct-IP.
 * (A pair the proxy has but whose query we have not been told about yet is recent, and
 * was there before the connection: the proxy records before it answers.)
 */
static json_t *
names_for(struct ct_run *r, int family, const uint8_t *addr, int64_t t_us)
{
	json_t *a = json_array(), *since;
	char **names = NULL, key[CT_HOSTNAME_MAX + 64];
	size_t n = 0, i;

	if (a == NULL || r->px == NULL)
		return a;
	if (ct_dnsproxy_names_for_addr(r->px, family, addr, &names, &n) != 0)
		return a;
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < n; i++) {
		seen_key(key, sizeof(key), family, addr, names[i]);
		since = json_object_get(r->seen, key);
		if (since == NULL || json_integer_value(since) <= t_us)
			json_array_append_new(a, json_string(names[i]));
	}
	pthread_mutex_unlock(&r->mu);
	ct_dnsproxy_names_free(names, n);
	return a;
}

static void
set_addr(json_t *o, const char *key, int family, const uint8_t *addr)
{
	char b[INET6_ADDRSTRLEN];

	if (inet_ntop(family, addr, b, sizeof(b)) != NULL)
		json_object_set_new(o, key, json_string(b));
}

static int
is_unspec(const uint8_t *a)
{
	static const uint8_t z[16];

	return memcmp(a, z, 16) == 0;
}

static int
on_net_event(struct ct_run *r, const struct ct_mon_net *e)
{
	const struct ct_mon_hdr *h = &e->h;
	int64_t t = ct_monitor_wall_us(r->mon, h->ts_ns), open_us = 0, close_us = 0;
	char comm[CT_MON_COMM_LEN + 1], pb[16];
	json_t *ev, *names;

	memcpy(comm, h->comm, CT_MON_COMM_LEN);
	comm[CT_MON_COMM_LEN] = '\0';
	ev = event_base(r, type_name(h->type), t, h->pid, h->ppid, h->tid, h->uid, comm,
	    proc_exe(r, h->pid));
	if (ev == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	json_object_set_new(ev, "verdict", json_string(verdict_name(e->verdict)));
	json_object_set_new(ev, "family", json_string(family_name(e->family)));
	if (h->type == CT_MON_SOCK_CREATE) {
		json_object_set_new(ev, "sock_type", json_string(sock_type_name(e->sock_type)));
		json_object_set_new(ev, "proto", json_string(proto_name(e->proto, SOCK_RAW, pb,
		    sizeof(pb))));
		return sink(r, ev, t, 0, 0);
	}
	if (h->type == CT_MON_OTHER_SEND) {
		/* a family without cgroup hooks: no destination to show, the first send only */
		json_object_set_new(ev, "family_number", json_integer(e->family));
		json_object_set_new(ev, "sock_type", json_string(sock_type_name(e->sock_type)));
		json_object_set_new(ev, "proto", json_integer(e->proto));
		json_object_set_new(ev, "bytes_sent", json_integer((json_int_t)e->bytes_sent));
		json_object_set_new(ev, "socket", json_integer((json_int_t)e->cookie));
		return sink(r, ev, t, 0, 0);
	}
	json_object_set_new(ev, "proto", json_string(proto_name(e->proto, e->sock_type, pb,
	    sizeof(pb))));
	if (e->flags & CT_MONF_REDIRECT) {
		/* the agent's DNS: report the resolver it asked for */
		json_object_set_new(ev, "family", json_string(family_name(e->ofamily)));
		set_addr(ev, "dst", e->ofamily, e->odaddr);
		json_object_set_new(ev, "dport", json_integer(e->odport));
		json_object_set_new(ev, "dns_redirect", json_true());
	} else {
		set_addr(ev, "dst", e->family, e->daddr);
		json_object_set_new(ev, "dport", json_integer(e->dport));
		if (e->flags & CT_MONF_PROXY)
			json_object_set_new(ev, "dns_proxy", json_true());
		if (r->px != NULL) {
			/* with no proxy (audit mode, it failed to start) names are unknown */
			names = names_for(r, e->family, e->daddr, t);
			json_object_set_new(ev, "direct_ip", json_boolean(json_array_size(names) ==
			    0 && !(e->flags & CT_MONF_PROXY)));
			json_object_set_new(ev, "names", names);
		}
	}
	if (!is_unspec(e->saddr) || e->sport != 0) {
		set_addr(ev, "src", e->family, e->saddr);
		json_object_set_new(ev, "sport", json_integer(e->sport));
	}
	if (e->flags & CT_MONF_V4MAPPED)
		json_object_set_new(ev, "v4mapped", json_true());
	if (e->flags & CT_MONF_METADATA)
		json_object_set_new(ev, "metadata", json_true());
	if (e->flags & CT_MONF_NOMATCH)
		json_object_set_new(ev, "allowlist", json_string("no-match"));
	json_object_set_new(ev, "socket", json_integer((json_int_t)e->cookie));
	if (h->type == CT_MON_CLOSE) {
		char ts[40];

		open_us = ct_monitor_wall_us(r->mon, e->open_ns);
		close_us = t;
		ct_time_fmt(open_us, 1, ts, sizeof(ts));
		json_object_set_new(ev, "open_time", json_string(ts));
		json_object_set_new(ev, "duration_us", json_integer(close_us - open_us));
		json_object_set_new(ev, "established",
		    json_boolean((e->flags & CT_MONF_ESTABLISHED) != 0));
		json_object_set_new(ev, "bytes_sent", json_integer((json_int_t)e->bytes_sent));
		json_object_set_new(ev, "bytes_recv", json_integer((json_int_t)e->bytes_recv));
	}
	return sink(r, ev, t, open_us, close_us);
}

/* A unix socket's connect or sendmsg: the path it named (abstract: "@name"). */
static int
on_unix_event(struct ct_run *r, const struct ct_mon_unix *e)
{
	const struct ct_mon_hdr *h = &e->h;
	int64_t t = ct_monitor_wall_us(r->mon, h->ts_ns);
	char comm[CT_MON_COMM_LEN + 1], path[CT_MON_UNIX_PATH_LEN + 2];
	size_t n = e->path_len < CT_MON_UNIX_PATH_LEN ? e->path_len : CT_MON_UNIX_PATH_LEN;
	json_t *ev;

	memcpy(comm, h->comm, CT_MON_COMM_LEN);
	comm[CT_MON_COMM_LEN] = '\0';
	if (n > 0 && e->path[0] == '\0') {
		path[0] = '@';
		memcpy(path + 1, e->path + 1, n - 1);
		path[n] = '\0';
	} else {
		memcpy(path, e->path, n);
		path[n] = '\0';
	}
	ev = event_base(r, type_name(h->type), t, h->pid, h->ppid, h->tid, h->uid, comm,
	    proc_exe(r, h->pid));
	if (ev == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	json_object_set_new(ev, "verdict", json_string(verdict_name(e->verdict)));
	json_object_set_new(ev, "family", json_string("unix"));
	json_object_set_new(ev, "sock_type", json_string(sock_type_name(e->sock_type)));
	json_object_set_new(ev, "path", jstr(path));
	json_object_set_new(ev, "socket", json_integer((json_int_t)e->cookie));
	return sink(r, ev, t, 0, 0);
}

static const char *
cap_name(unsigned cap)
{
	static const char *const names[] = { "CAP_CHOWN", "CAP_DAC_OVERRIDE",
	    "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
	    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
	    "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE" };

	if (cap == CT_MON_CAP_SECCOMP)
		return "seccomp";
	return cap < sizeof(names) / sizeof(names[0]) ? names[cap] : "CAP_UNKNOWN";
}

/* x86-64 system call names, for the ones a denied event is likely to name */
static const char *
syscall_name(int nr, char *buf, size_t bufsz)
{
	static const struct {
		int nr;
		const char *name;
	} names[] = {
		{ 2, "open" }, { 41, "socket" }, { 53, "socketpair" }, { 62, "kill" },
		{ 76, "truncate" }, { 82, "rename" }, { 83, "mkdir" }, { 85, "creat" },
		{ 87, "unlink" }, { 101, "ptrace" }, { 105, "setuid" }, { 106, "setgid" },
		{ 113, "setreuid" }, { 114, "setregid" }, { 116, "setgroups" },
		{ 117, "setresuid" }, { 119, "setresgid" }, { 129, "rt_sigqueueinfo" },
		{ 133, "mknod" }, { 155, "pivot_root" }, { 161, "chroot" }, { 165, "mount" },
		{ 166, "umount2" }, { 169, "reboot" }, { 175, "init_module" }, { 200, "tkill" },
		{ 234, "tgkill" }, { 257, "openat" }, { 258, "mkdirat" }, { 259, "mknodat" },
		{ 263, "unlinkat" }, { 264, "renameat" }, { 297, "rt_tgsigqueueinfo" },
		{ 298, "perf_event_open" }, { 308, "setns" }, { 310, "process_vm_readv" },
		{ 311, "process_vm_writev" }, { 312, "kcmp" }, { 313, "finit_module" },
		{ 316, "renameat2" }, { 321, "bpf" }, { 424, "pidfd_send_signal" },
		{ 426, "io_uring_enter" }, { 437, "openat2" }, { 438, "pidfd_getfd" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	if (nr < 0)
		return "none";
	snprintf(buf, bufsz, "%d", nr);
	return buf;
}

/*
 * A privilege the kernel refused the agent, or a socket() credtrail's seccomp filter
 * trapped: what it tried (the system call and what its arguments say: the process or
 * signal, the file, the socket family) and what refused it.
 */
static int
on_denied_event(struct ct_run *r, const struct ct_mon_denied *e)
{
	const struct ct_mon_hdr *h = &e->h;
	int64_t t = ct_monitor_wall_us(r->mon, h->ts_ns);
	char comm[CT_MON_COMM_LEN + 1], path[CT_MON_PATH_LEN + 1], nb[16];
	const char *sc = syscall_name(e->syscall, nb, sizeof(nb));
	size_t n = e->path_len < CT_MON_PATH_LEN ? e->path_len : CT_MON_PATH_LEN;
	json_t *ev;

	memcpy(comm, h->comm, CT_MON_COMM_LEN);
	comm[CT_MON_COMM_LEN] = '\0';
	ev = event_base(r, type_name(h->type), t, h->pid, h->ppid, h->tid, h->uid, comm,
	    proc_exe(r, h->pid));
	if (ev == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	json_object_set_new(ev, "syscall", json_string(sc));
	json_object_set_new(ev, "refused_by", json_string(cap_name(e->cap)));
	switch (e->syscall) {
	case 62: case 200: case 129:	/* kill, tkill, rt_sigqueueinfo (pid, sig) */
		json_object_set_new(ev, "target", json_integer((int)e->args[0]));
		json_object_set_new(ev, "signal", json_integer((int)e->args[1]));
		break;
	case 234: case 297:		/* tgkill, rt_tgsigqueueinfo (tgid, tid, sig) */
		json_object_set_new(ev, "target", json_integer((int)e->args[0]));
		if (e->syscall == 234)
			json_object_set_new(ev, "signal", json_integer((int)e->args[2]));
		break;
	case 101:			/* ptrace (request, pid) */
		json_object_set_new(ev, "target", json_integer((int)e->args[1]));
		json_object_set_new(ev, "request", json_integer((long long)e->args[0]));
		break;
	case 310: case 311: case 312:	/* process_vm_readv/writev, kcmp (pid, ...) */
		json_object_set_new(ev, "target", json_integer((int)e->args[0]));
		break;
	case 424:			/* pidfd_send_signal (pidfd, sig) */
		json_object_set_new(ev, "pidfd", json_integer((int)e->args[0]));
		json_object_set_new(ev, "signal", json_integer((int)e->args[1]));
		break;
	case 438:			/* pidfd_getfd (pidfd, fd) */
		json_object_set_new(ev, "pidfd", json_integer((int)e->args[0]));
		json_object_set_new(ev, "fd", json_integer((int)e->args[1]));
		break;
	case 41: case 53:		/* socket, socketpair (family, type, protocol) */
		if (e->args[0] == 0 && e->args[1] == 0)
			break;		/* an IA-32 call: arguments unknown */
		json_object_set_new(ev, "family", json_string(family_name((unsigned)e->args[0])));
		json_object_set_new(ev, "family_number", json_integer((int)e->args[0]));
		json_object_set_new(ev, "sock_type",
		    json_string(sock_type_name((unsigned)e->args[1] & 0xf)));
		json_object_set_new(ev, "proto", json_integer((int)e->args[2]));
		break;
	}
	if (n > 0) {
		memcpy(path, e->path, n);
		path[n] = '\0';
		json_object_set_new(ev, "path", jstr(path));
	}
	return sink(r, ev, t, 0, 0);
}

/* The argument bytes of an exec (NUL-separated strings) as a JSON array of strings. */
static json_t *
exec_argv(const struct ct_mon_exec *x)
{
	json_t *a = json_array();
	char buf[CT_MON_ARGS_LEN + 1];
	size_t n = x->args_len < CT_MON_ARGS_LEN ? x->args_len : CT_MON_ARGS_LEN, i, start;

	if (a == NULL)
		return NULL;
	memcpy(buf, x->args, n);
	buf[n] = '\0';
	for (i = start = 0; i <= n; i++) {
		if (buf[i] != '\0')
			continue;
		/* a cut argument area ends without its NUL: the last string is partial */
		if (i > start || i < n)
			json_array_append_new(a, jstr(buf + start));
		start = i + 1;
	}
	return a;
}

static int
on_proc_event(struct ct_run *r, const struct ct_mon_proc *e, size_t len)
{
	const struct ct_mon_hdr *h = &e->h;
	int64_t t = ct_monitor_wall_us(r->mon, h->ts_ns);
	char comm[CT_MON_COMM_LEN + 1], fn[CT_MON_PATH_LEN + 1], a0[CT_MON_ARG_LEN + 1];
	struct proc_ent *pe, *parent;
	const char *exe = NULL;
	json_t *ev;
	int rc;

	memcpy(comm, h->comm, CT_MON_COMM_LEN);
	comm[CT_MON_COMM_LEN] = '\0';
	fn[0] = '\0';
	pthread_mutex_lock(&r->mu);
	switch (h->type) {
	case CT_MON_FORK:
		parent = proc_find(r, h->ppid, 0);
		exe = parent != NULL ? parent->exe : NULL;
		if ((pe = proc_find(r, h->pid, 1)) != NULL) {
			pe->ppid = h->ppid;
			free(pe->exe);
			pe->exe = exe != NULL ? strdup(exe) : NULL;
		}
		break;
	case CT_MON_EXEC:
		memcpy(fn, e->filename, CT_MON_PATH_LEN);
		fn[CT_MON_PATH_LEN] = '\0';
		if ((pe = proc_find(r, h->pid, 1)) != NULL) {
			free(pe->exe);
			pe->exe = fn[0] == '/' ? strdup(fn) : read_proc_exe(h->pid);
			if (pe->exe == NULL && fn[0] != '\0')
				pe->exe = strdup(fn);
			pe->ppid = h->ppid;
			exe = pe->exe;
		}
		break;
	default:
		exe = proc_exe(r, h->pid);
		break;
	}
	ev = event_base(r, type_name(h->type), t, h->pid, h->ppid, h->tid, h->uid, comm, exe);
	if (ev != NULL && h->type == CT_MON_EXEC) {
		memcpy(a0, e->argv0, CT_MON_ARG_LEN);
		a0[CT_MON_ARG_LEN] = '\0';
		json_object_set_new(ev, "filename", jstr(fn));
		json_object_set_new(ev, "argv0", jstr(a0));
		if (r->p.exec_args && len >= sizeof(struct ct_mon_exec)) {
			const struct ct_mon_exec *x = (const struct ct_mon_exec *)e;

			json_object_set_new(ev, "argv", exec_argv(x));
			if (x->args_total > x->args_len)
				json_object_set_new(ev, "argv_truncated", json_true());
		}
	} else if (ev != NULL && h->type == CT_MON_EXIT) {
		if (WIFSIGNALED(e->exit_code))
			json_object_set_new(ev, "signal", json_integer(WTERMSIG(e->exit_code)));
		else
			json_object_set_new(ev, "exit_status",
			    json_integer(WEXITSTATUS(e->exit_code)));
	}
	rc = sink_locked(r, ev, t, 0, 0);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* A DNS event's asking process: its parent and executable, as the process table knows them. */
static void
dns_label(struct ct_run *r, json_t *ev)
{
	json_t *pid = json_object_get(ev, "pid");
	struct proc_ent *e;

	if (!json_is_integer(pid) ||
	    (e = proc_find(r, (pid_t)json_integer_value(pid), 0)) == NULL)
		return;
	json_object_set_new(ev, "ppid", json_integer(e->ppid));
	if (e->exe != NULL)
		json_object_set_new(ev, "exe", jstr(e->exe));
}

/*
 * Sink the queued DNS events older than `before` (all when before is 0), but only those
 * queued before the current pump began (dq_limit): the BPF records of the same moment are
 * then already in the ring buffer, so the log comes out in time order.
 */
static int
dns_flush(struct ct_run *r, int64_t before)
{
	int rc = 0;

	pthread_mutex_lock(&r->mu);
	while (r->dq_head < r->dq_limit && rc == 0) {
		struct dnsq *q = &r->dq[r->dq_head];

		if (before != 0 && q->time_us > before)
			break;
		r->dq_head++;
		dns_label(r, q->ev);
		rc = sink_locked(r, q->ev, q->time_us, 0, 0);
		q->ev = NULL;
	}
	if (r->dq_head == r->dq_len) {
		r->dq_head = r->dq_len = r->dq_limit = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static void
dns_mark(struct ct_run *r)
{
	pthread_mutex_lock(&r->mu);
	r->dq_limit = r->dq_len;
	pthread_mutex_unlock(&r->mu);
}

static int
on_bpf_record(void *arg, const void *rec, size_t len)
{
	struct ct_run *r = arg;
	const struct ct_mon_hdr *h = rec;
	int rc;

	if (r->dq_head < r->dq_limit &&
	    (rc = dns_flush(r, ct_monitor_wall_us(r->mon, h->ts_ns))) != 0)
		return rc;

	switch (h->type) {
	case CT_MON_CONNECT:
	case CT_MON_SENDMSG:
	case CT_MON_SOCK_CREATE:
	case CT_MON_CLOSE:
	case CT_MON_OTHER_SEND:
		if (len < sizeof(struct ct_mon_net))
			return 0;
		return on_net_event(r, rec);
	case CT_MON_UNIX_CONNECT:
	case CT_MON_UNIX_SENDMSG:
		if (len < sizeof(struct ct_mon_unix))
			return 0;
		return on_unix_event(r, rec);
	case CT_MON_DENIED:
		if (len < sizeof(struct ct_mon_denied))
			return 0;
		return on_denied_event(r, rec);
	case CT_MON_FORK:
	case CT_MON_EXEC:
	case CT_MON_EXIT:
		if (len < sizeof(struct ct_mon_proc))
			return 0;
		return on_proc_event(r, rec, len);
	}
	return 0;
}

/* ---- DNS proxy callbacks (proxy threads, one at a time) ---- */

/*
 * Queue a proxy event (the reference is stolen) for dns_flush, in time order: a fast answer
 * may be reported before a slow one asked earlier.  Called with r->mu held.
 */
static void
dq_push(struct ct_run *r, json_t *ev, int64_t time_us)
{
	size_t k;

	if (r->dq_len == r->dq_cap) {
		size_t ncap = r->dq_cap == 0 ? 64 : r->dq_cap * 2;
		struct dnsq *n = reallocarray(r->dq, ncap, sizeof(*n));

		if (n == NULL) {
			json_decref(ev);
			if (r->sink_err == 0)
				r->sink_err = ct_error(CT_ERR_NOMEM, "out of memory");
			return;
		}
		r->dq = n;
		r->dq_cap = ncap;
	}
	for (k = r->dq_len++; k > r->dq_limit && r->dq[k - 1].time_us > time_us; k--)
		r->dq[k] = r->dq[k - 1];
	r->dq[k].time_us = time_us;
	r->dq[k].ev = ev;
}

static void
on_dns_event(const struct ct_dns_event *dev, void *arg)
{
	struct ct_run *r = arg;
	json_t *ev = ct_dns_event_json(dev), *d;
	size_t i;

	if (ev == NULL) {
		pthread_mutex_lock(&r->mu);
		if (r->sink_err == 0)
			r->sink_err = ct_error(CT_ERR_NOMEM, "out of memory");
		pthread_mutex_unlock(&r->mu);
		return;
	}
	/* the ledger row: the name in names, verdict as the proxy decided */
	json_object_set_new(ev, "names", json_pack("[s]", dev->qname));
	if (r->mon != NULL) {
		/* who asked: the monitor noted the client socket's port as it sent */
		uint32_t cpid, ctid;
		uint64_t cookie;
		int rc = ct_monitor_dns_client(r->mon, dev->proto, dev->client_port, &cpid,
		    &ctid, &cookie);

		if (rc == CT_ERR_NOTFOUND) {
			/* a connected UDP socket is noted just after its send: a refusal at once
			 * can overtake the note by microseconds */
			ct_error_clear();
			usleep(2000);
			rc = ct_monitor_dns_client(r->mon, dev->proto, dev->client_port, &cpid,
			    &ctid, &cookie);
		}
		if (rc == 0) {
			json_object_set_new(ev, "pid", json_integer(cpid));
			json_object_set_new(ev, "tid", json_integer(ctid));
		} else {
			ct_error_clear();
		}
	}
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < dev->nanswers; i++) {
		const struct ct_dns_answer *x = &dev->answers[i];
		char key[CT_HOSTNAME_MAX + 64];
		size_t j;

		if (x->family == 0)
			continue;
		for (j = 0; j < dev->nchain; j++) {
			seen_key(key, sizeof(key), x->family, x->addr, dev->chain[j]);
			if (json_object_get(r->seen, key) == NULL)
				json_object_set_new(r->seen, key, json_integer(dev->time_us));
		}
	}
	r->ndns++;
	if (dev->verdict == CT_DNS_DENY)
		r->ndns_denied++;
	if (dev->qname[0] != '\0') {
		if ((d = json_object_get(r->dns, dev->qname)) == NULL) {
			d = json_pack("{s:i, s:s}", "queries", 0, "verdict",
			    ct_dns_verdict_name(dev->verdict));
			json_object_set_new(r->dns, dev->qname, d);
		}
		json_object_set_new(d, "queries",
		    json_integer(json_integer_value(json_object_get(d, "queries")) + 1));
	}
	dq_push(r, ev, dev->time_us);
	pthread_mutex_unlock(&r->mu);
}

/* A "privsep" event of the proxy (a refused request, the child's death): queued in time
 * order with the DNS events. */
static void
on_dns_incident(json_t *ev, int64_t time_us, void *arg)
{
	struct ct_run *r = arg;

	pthread_mutex_lock(&r->mu);
	dq_push(r, ev, time_us);
	pthread_mutex_unlock(&r->mu);
}

static int
on_dns_admit(int family, const uint8_t *addr, uint16_t port, uint32_t ttl, const char *name,
    void *arg)
{
	struct ct_run *r = arg;
	int rc;

	if (r->mon != NULL) {
		/* TTL from now on the monitor's clock, not the wall clock: a jump moves no expiry */
		rc = ct_monitor_allow_addr(r->mon, family, addr, port,
		    ct_monitor_wall_us(r->mon, (uint64_t)ct_mono_us() * 1000) +
		    (int64_t)ttl * 1000000);
		/* audit mode only uses the map to flag what enforce would refuse */
		return r->p.enforce ? rc : 0;
	}
	if (r->sm != NULL)
		return ct_seccomp_mon_allow_addr(r->sm, family, addr, port,
		    ct_mono_us() + (int64_t)ttl * 1000000) != 0 && r->p.enforce ? -1 : 0;
	return 0;
}

/* ---- seccomp backend events ---- */

static int
on_seccomp_event(void *arg, const struct ct_seccomp_event *se)
{
	struct ct_run *r = arg;
	char comm[32], pb[16];
	struct proc_ent *pe;
	const char *exe;
	json_t *ev;
	pid_t ppid;

	read_proc_comm(se->pid, comm, sizeof(comm));
	ppid = read_proc_ppid(se->pid);
	pthread_mutex_lock(&r->mu);
	if ((pe = proc_find(r, se->pid, 1)) != NULL && pe->exe == NULL)
		pe->exe = read_proc_exe(se->pid);
	exe = pe != NULL ? pe->exe : NULL;
	pthread_mutex_unlock(&r->mu);
	ev = event_base(r, se->sendmsg ? "sendmsg" : "connect", se->time_us, se->pid, ppid,
	    se->tid, se->uid, comm, exe);
	if (ev == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	json_object_set_new(ev, "verdict", json_string(se->verdict));
	json_object_set_new(ev, "family", json_string(family_name(se->family)));
	json_object_set_new(ev, "proto", json_string(proto_name(se->proto, se->sock_type, pb,
	    sizeof(pb))));
	set_addr(ev, "dst", se->family, se->addr);
	json_object_set_new(ev, "dport", json_integer(se->port));
	if (se->v4mapped)
		json_object_set_new(ev, "v4mapped", json_true());
	if (ct_netpolicy_is_metadata(se->family, se->addr))
		json_object_set_new(ev, "metadata", json_true());
	if (se->nomatch)
		json_object_set_new(ev, "allowlist", json_string("no-match"));
	json_object_set_new(ev, "syscall", json_string(se->syscall));
	return sink(r, ev, se->time_us, 0, 0);
}

/* ---- the agent's process ---- */

static void __attribute__((noreturn))
child_fail(int fd, int stage, const char *what)
{
	struct child_report rep;
	ssize_t n;

	memset(&rep, 0, sizeof(rep));
	rep.stage = stage;
	rep.err = errno;
	snprintf(rep.what, sizeof(rep.what), "%s", what);
	n = write(fd, &rep, sizeof(rep));
	(void)n;
	_exit(stage == STAGE_EXEC ? (rep.err == ENOENT ? CT_RUN_EXIT_NOTFOUND :
	    CT_RUN_EXIT_NOEXEC) : CT_RUN_EXIT_SETUP);
}

/*
 * Everything between fork and exec.  Only async-signal-safe calls: the parent has threads
 * (the DNS proxy), so no malloc, no stdio, no locks.
 */
static void __attribute__((noreturn))
child_main(struct ct_run *r, pid_t parent, int procs_fd, int rep_fd, int sm_sock)
{
	struct __user_cap_header_struct ch = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cd[2];
	int cap;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		child_fail(rep_fd, STAGE_SETUP, "PR_SET_PDEATHSIG");
	if (getppid() != parent)
		_exit(CT_RUN_EXIT_SETUP);	/* credtrail is already gone */
	signal(SIGPIPE, SIG_DFL);
	if (sigprocmask(SIG_SETMASK, &r->oldmask, NULL) != 0)
		child_fail(rep_fd, STAGE_SETUP, "sigprocmask");
	/* join the cgroup while still privileged, before anything else can fork */
	if (procs_fd >= 0) {
		if (write(procs_fd, "0", 1) != 1)
			child_fail(rep_fd, STAGE_SETUP, "join the cgroup");
		close(procs_fd);
	}
	if (r->drop_caps) {
		for (cap = 0; cap < 64; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
				child_fail(rep_fd, STAGE_SETUP, "drop the capability bounding set");
		if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
		    SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) != 0)
			child_fail(rep_fd, STAGE_SETUP, "set securebits");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		child_fail(rep_fd, STAGE_SETUP, "clear ambient capabilities");
	if (r->switch_user) {
		if (setgroups(1, &r->gid) != 0)
			child_fail(rep_fd, STAGE_SETUP, "setgroups");
		if (setresgid(r->gid, r->gid, r->gid) != 0)
			child_fail(rep_fd, STAGE_SETUP, "setgid");
		if (setresuid(r->uid, r->uid, r->uid) != 0)
			child_fail(rep_fd, STAGE_SETUP, "setuid");
	}
	/* uid 0 keeps its capabilities through setuid: clear them explicitly */
	memset(cd, 0, sizeof(cd));
	if (syscall(SYS_capset, &ch, cd) != 0)
		child_fail(rep_fd, STAGE_SETUP, "clear capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail(rep_fd, STAGE_SETUP, "PR_SET_NO_NEW_PRIVS");
	if (sm_sock >= 0) {
		if (ct_seccomp_mon_child(r->sm, sm_sock) != 0)
			child_fail(rep_fd, STAGE_SETUP, "install the seccomp filter");
		close(sm_sock);
	}
	if (r->fam_ninsns > 0) {
		struct sock_fprog fp = { r->fam_ninsns, r->fam_insns };

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0)
			child_fail(rep_fd, STAGE_SETUP, "install the socket family filter");
	}
	/* nothing of credtrail's but stdin, stdout and stderr crosses exec */
	if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) != 0) {
		int fd;

		for (fd = 3; fd < 1024; fd++)
			if (fd != rep_fd)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	environ = r->envp;
	execvp(r->p.argv[0], r->p.argv);
	child_fail(rep_fd, STAGE_EXEC, r->p.argv[0]);
}

/*
 * The watchdog: a process outside the agent's cgroup that waits for credtrail to end.  If
 * the pipe closes without the "done" byte, credtrail died (kill -9, crash): kill the cgroup
 * and remove it, so the agent cannot run on unmonitored.  In attach mode the watched cgroup
 * is someone else's (cgfd < 0, cgpath NULL): only the DNS proxy's cgroup is cleaned up.
 */
static void __attribute__((noreturn))
watchdog_main(int rfd, int cgfd, const char *cgpath, const char *dnspath)
{
	char c = 0, kill_file[PATH_MAX + 16];
	ssize_t n;
	int fd, i;

	setsid();
	prctl(PR_SET_NAME, "credtrail-wd");
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	for (fd = 3; fd < 1024; fd++)
		if (fd != rfd && fd != cgfd)
			close(fd);
	do {
		n = read(rfd, &c, 1);
	} while (n < 0 && errno == EINTR);
	if (n == 1 && c == 'q')
		_exit(0);
	if (cgfd >= 0 && (fd = openat(cgfd, "cgroup.kill", O_WRONLY | O_CLOEXEC)) >= 0) {
		n = write(fd, "1", 1);
		close(fd);
	}
	/* the DNS proxy's cgroup (lib/dnsguard.h), if it was made: its child goes too */
	snprintf(kill_file, sizeof(kill_file), "%s/cgroup.kill", dnspath);
	if ((fd = open(kill_file, O_WRONLY | O_CLOEXEC)) >= 0) {
		n = write(fd, "1", 1);
		close(fd);
	}
	for (i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		if ((cgpath == NULL || rmdir(cgpath) == 0 || errno == ENOENT) &&
		    (rmdir(dnspath) == 0 || errno == ENOENT))
			break;
		nanosleep(&ts, NULL);
	}
	_exit(0);
}

static int
start_watchdog(struct ct_run *r)
{
	char dnspath[PATH_MAX], *self = NULL;
	int pfd[2], rc, n;
	pid_t pid;

	/* where start_dns() puts the proxy's cgroup: in ours, beside the agent's */
	if ((rc = ct_cgroup_self(&self)) != 0)
		return rc;
	n = snprintf(dnspath, sizeof(dnspath), "%s/credtrail-dns-%s", self, r->id);
	free(self);
	if (n < 0 || n >= (int)sizeof(dnspath))
		return ct_error(CT_ERR_INTERNAL, "cgroup path too long for the DNS proxy's cgroup");
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot create a pipe");
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return ct_error(CT_ERR_SYSTEM, "cannot fork the watchdog");
	}
	if (pid == 0) {
		close(pfd[1]);
		watchdog_main(pfd[0], r->attach ? -1 : r->cg.dirfd, r->attach ? NULL : r->cg.path,
		    dnspath);
	}
	close(pfd[0]);
	r->wd_pid = pid;
	r->wd_fd = pfd[1];
	return 0;
}

static void
stop_watchdog(struct ct_run *r)
{
	ssize_t n;

	if (r->wd_fd >= 0) {
		n = write(r->wd_fd, "q", 1);
		(void)n;
		close(r->wd_fd);
		r->wd_fd = -1;
	}
	if (r->wd_pid > 0) {
		while (waitpid(r->wd_pid, NULL, 0) < 0 && errno == EINTR)
			;
		r->wd_pid = 0;
	}
}

/* ---- setup ---- */

static int
env_add(struct ct_run *r, const char *name, const char *value)
{
	char **n, *s;

	if (asprintf(&s, "%s%s%s", name, value != NULL ? "=" : "", value != NULL ? value : "") < 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if ((n = reallocarray(r->envp, r->nenvp + 2, sizeof(*n))) == NULL) {
		free(s);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	r->envp = n;
	r->envp[r->nenvp++] = s;
	r->envp[r->nenvp] = NULL;
	return 0;
}

/* The agent's environment: a clean one, nothing secret it was not meant to get. */
static int
build_env(struct ct_run *r, const struct passwd *pw)
{
	static const char *const keep[] = { "PATH", "TERM", "LANG", "LANGUAGE", "TZ", NULL };
	char **e;
	size_t i;
	int rc;

	for (i = 0; keep[i] != NULL; i++) {
		const char *v = getenv(keep[i]);

		if (v == NULL && strcmp(keep[i], "PATH") == 0)
			v = "/usr/local/bin:/usr/bin:/bin";
		if (v != NULL && (rc = env_add(r, keep[i], v)) != 0)
			return rc;
	}
	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "LC_", 3) == 0) {
			char *eq = strchr(*e, '='), name[64];

			if (eq == NULL || (size_t)(eq - *e) >= sizeof(name))
				continue;
			memcpy(name, *e, (size_t)(eq - *e));
			name[eq - *e] = '\0';
			if ((rc = env_add(r, name, eq + 1)) != 0)
				return rc;
		}
	}
	if (pw != NULL && ((rc = env_add(r, "HOME", pw->pw_dir)) != 0 ||
	    (rc = env_add(r, "USER", pw->pw_name)) != 0 ||
	    (rc = env_add(r, "LOGNAME", pw->pw_name)) != 0 ||
	    (rc = env_add(r, "SHELL", pw->pw_shell)) != 0))
		return rc;
	if ((rc = env_add(r, "CREDTRAIL_TASK_ID", r->p.task_id)) != 0 ||
	    (rc = env_add(r, "CREDTRAIL_RUN_ID", r->id)) != 0 ||
	    (rc = env_add(r, "TRACEPARENT", r->traceparent)) != 0)
		return rc;
	for (i = 0; i < r->p.nenv; i++) {
		const char *eq = strchr(r->p.env[i], '='), *val;
		char **n, *s = NULL;

		if (eq == r->p.env[i] || r->p.env[i][0] == '\0')
			return ct_error(CT_ERR_INVALID, "environment entry '%s' is not NAME=VALUE "
			    "or NAME", r->p.env[i]);
		if (eq == NULL) {
			/*
			 * NAME alone passes credtrail's own value: a secret given this way never
			 * appears in a command line that other users can read in /proc.
			 */
			if ((val = getenv(r->p.env[i])) == NULL)
				return ct_error(CT_ERR_INVALID, "--env %s: no such variable in "
				    "credtrail's environment", r->p.env[i]);
			if (asprintf(&s, "%s=%s", r->p.env[i], val) < 0)
				s = NULL;
		} else {
			s = strdup(r->p.env[i]);
		}
		if (s == NULL ||
		    (n = reallocarray(r->envp, r->nenvp + 2, sizeof(*n))) == NULL) {
			if (s != NULL)
				OPENSSL_cleanse(s, strlen(s));
			free(s);
			return ct_error(CT_ERR_NOMEM, "out of memory");
		}
		r->envp = n;
		r->envp[r->nenvp++] = s;
		r->envp[r->nenvp] = NULL;
	}
	return 0;
}

static int
resolve_user(struct ct_run *r)
{
	struct passwd pwb, *pw = NULL;
	char buf[4096];
	const char *name;
	int e;

	if (geteuid() != 0) {
		/* not root: the agent runs as we do; asking for another user cannot work */
		if ((e = getpwuid_r(geteuid(), &pwb, buf, sizeof(buf), &pw)) != 0 || pw == NULL)
			return ct_error(CT_ERR_NOTFOUND, "cannot look up uid %u",
			    (unsigned)geteuid());
		if (r->p.user != NULL && strcmp(r->p.user, pw->pw_name) != 0)
			return ct_error(CT_ERR_PERM, "running the agent as '%s' needs root",
			    r->p.user);
		r->switch_user = 0;
		r->drop_caps = 0;
	} else if (r->p.user != NULL && strcmp(r->p.user, "dynamic") == 0) {
		/* a uid no other process has: nothing outside the cgroup is the agent's */
		if ((e = ct_dynuser_acquire(&r->dyn, NULL)) != 0)
			return e;
		r->have_dyn = 1;
		memset(&pwb, 0, sizeof(pwb));
		pwb.pw_name = r->dyn.name;
		pwb.pw_uid = r->dyn.uid;
		pwb.pw_gid = r->dyn.gid;
		pwb.pw_dir = r->dyn.home;
		pwb.pw_shell = "/bin/sh";
		pw = &pwb;
		r->switch_user = 1;
		r->drop_caps = 1;
	} else {
		name = r->p.user != NULL ? r->p.user : "nobody";
		if ((e = getpwnam_r(name, &pwb, buf, sizeof(buf), &pw)) != 0 || pw == NULL)
			return ct_error(CT_ERR_NOTFOUND, "no user '%s'", name);
		/*
		 * uid 0 without capabilities still owns what root owns: the cgroup tree (it
		 * could write itself out of its cgroup, unmonitored), the signing key and the
		 * ledger.
		 */
		if (pw->pw_uid == 0)
			return ct_error(CT_ERR_PERM, "the agent cannot run as '%s': uid 0 owns the "
			    "cgroups and credtrail's key even without capabilities", name);
		r->switch_user = 1;
		r->drop_caps = 1;
	}
	r->uid = pw->pw_uid;
	r->gid = pw->pw_gid;
	if ((r->user = strdup(pw->pw_name)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return build_env(r, pw);
}

static int
start_dns(struct ct_run *r)
{
	struct ct_dnsproxy_config cfg;
	struct sockaddr_in *a4;
	struct sockaddr_in6 *a6;
	int rc, lrc;

	ct_dnsproxy_config_init(&cfg);
	if (r->p.upstream_dns != NULL)
		rc = ct_dns_parse_addrport(r->p.upstream_dns, 53, &cfg.upstream);
	else
		rc = ct_dns_upstream_from_resolv_conf(r->p.resolv_conf != NULL ?
		    r->p.resolv_conf : "/etc/resolv.conf", &cfg.upstream);
	if (rc != 0)
		return rc;
	a4 = (struct sockaddr_in *)&cfg.listen[0];
	a4->sin_family = AF_INET;
	a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a6 = (struct sockaddr_in6 *)&cfg.listen[1];
	a6->sin6_family = AF_INET6;
	a6->sin6_addr = in6addr_loopback;
	cfg.nlisten = 2;
	cfg.policy = r->p.policy;
	cfg.enforce = r->p.enforce;
	cfg.on_event = on_dns_event;
	cfg.admit = on_dns_admit;
	cfg.privsep = 1;		/* the agent's DNS is parsed without privileges */
	cfg.on_incident = on_dns_incident;
	cfg.arg = r;
	/*
	 * As root, the proxy's sockets and its child are born in a cgroup of their own, whose
	 * programs let the child reach only the upstream resolver (lib/dnsguard.h): this
	 * process steps into it for the start, and back out.
	 */
	if (geteuid() == 0) {
		char name[64];

		snprintf(name, sizeof(name), "credtrail-dns-%s", r->id);
		if ((rc = ct_dnsguard_enter(&r->dg, name)) != 0)
			return rc;
	}
	if ((rc = ct_dnsproxy_start(&cfg, &r->px)) != 0) {
		/* no IPv6 loopback: IPv4 only (IPv6 DNS then goes to ::ffff:127.0.0.1) */
		cfg.nlisten = 1;
		memset(&cfg.listen[1], 0, sizeof(cfg.listen[1]));
		if (ct_dnsproxy_start(&cfg, &r->px) == 0)
			rc = 0;
	}
	if (r->dg != NULL && (lrc = ct_dnsguard_leave(r->dg)) != 0) {
		/* never carry on from the proxy's cgroup */
		r->dns_fatal = 1;
		rc = lrc;
	}
	if (rc == 0 && r->dg != NULL)
		rc = ct_dnsguard_attach(r->dg, &cfg.upstream, ct_dnsproxy_port(r->px));
	if (rc != 0) {
		ct_dnsproxy_stop(r->px);
		r->px = NULL;
		ct_dnsguard_free(r->dg);
		r->dg = NULL;
	}
	return rc;
}

/* The proxy has stopped: keep what its egress programs refused, and remove its cgroup. */
static void
stop_dnsguard(struct ct_run *r)
{
	if (r->dg == NULL)
		return;
	if (ct_dnsguard_refused(r->dg, &r->dg_refused) != 0)
		ct_error_clear();
	ct_dnsguard_free(r->dg);
	r->dg = NULL;
}

/*
 * Attach mode: the watched processes may live in a network namespace of their own (a
 * container's), where the redirected DNS lands on that namespace's loopback.  So the proxy
 * is started from inside it: its sockets, and the threads it creates (which forward to the
 * upstream), belong to that namespace; this thread goes back to ours at once.
 */
static int
start_dns_in_netns(struct ct_run *r)
{
	char path[64];
	struct stat a, b;
	int target = -1, self = -1, rc;

	if (r->p.netns_pid <= 0)
		return start_dns(r);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)r->p.netns_pid);
	if ((target = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(target, &a) != 0 || fstat(self, &b) != 0) {
		rc = ct_error(CT_ERR_SYSTEM, "cannot open the network namespace of process %d",
		    (int)r->p.netns_pid);
		goto out;
	}
	if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
		rc = start_dns(r);
		goto out;
	}
	if (setns(target, CLONE_NEWNET) != 0) {
		rc = ct_error(CT_ERR_SYSTEM, "cannot enter the network namespace of process %d",
		    (int)r->p.netns_pid);
		goto out;
	}
	rc = start_dns(r);
	if (setns(self, CLONE_NEWNET) != 0) {
		/* never carry on from the wrong namespace */
		ct_dnsproxy_stop(r->px);
		r->px = NULL;
		stop_dnsguard(r);
		r->dns_fatal = 1;
		rc = ct_error(CT_ERR_SYSTEM, "cannot return to our network namespace");
	}
 out:
	if (target >= 0)
		close(target);
	if (self >= 0)
		close(self);
	return rc;
}

static int
load_cidr(const struct ct_netrule *rule, void *arg)
{
	struct ct_run *r = arg;

	return ct_monitor_allow_cidr(r->mon, rule->family, rule->addr, rule->prefix, rule->port);
}

static int
start_ebpf(struct ct_run *r)
{
	struct ct_monitor_params mp;
	int rc;

	memset(&mp, 0, sizeof(mp));
	mp.cgroup_fd = r->cg.dirfd;
	mp.enforce = r->p.enforce;
	mp.have_policy = r->p.policy != NULL;
	mp.ringbuf_bytes = RINGBUF_BYTES;
	mp.wakeup_bytes = WAKEUP_BYTES;
	mp.on_event = on_bpf_record;
	mp.arg = r;
	mp.exec_args = r->p.exec_args;
	mp.dns_clients = r->px != NULL;
	mp.guard = r->attach && r->p.enforce && r->p.guard;
	if (r->px != NULL) {
		uint16_t port = ct_dnsproxy_port(r->px);

		mp.dns_redirect = 1;
		mp.dns_ip4[0] = 127;
		mp.dns_ip4[3] = 1;
		mp.dns_have6 = 1;
		memcpy(mp.dns_ip6, &in6addr_loopback, 16);
		mp.dns_port_udp = port;
		mp.dns_port_tcp = port;
	}
	if ((rc = ct_monitor_open(&r->mon, &mp)) != 0)
		return rc;
	if (r->p.policy != NULL &&
	    (rc = ct_netpolicy_foreach_cidr(r->p.policy, load_cidr, r)) != 0)
		return rc;
	return 0;
}

/*
 * Enforce mode, eBPF backend: socket() and socketpair() of a family the cgroup hooks do not
 * see (packet, vsock, ...: anything but unix, inet, inet6 and netlink) trap with SIGSYS,
 * which the monitor records (tp_btf/signal_generate).  An IA-32 program gets the same rules,
 * and its socketcall() creating sockets traps whatever the family (the family is in memory
 * a filter cannot read).  io_uring's IORING_OP_SOCKET does not pass here; what such a socket
 * sends is recorded (tp_btf/sock_send_length), not refused.
 */
static int
build_family_guard(struct ct_run *r)
{
	static const unsigned trap[] = { 0, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15 };
	const int calls[] = { SCMP_SYS(socket), SCMP_SYS(socketpair) };
	scmp_filter_ctx ctx;
	struct stat st;
	size_t i, j;
	int fd = -1, rc = CT_ERR_INTERNAL;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return ct_error(CT_ERR_NOMEM, "cannot create a seccomp filter");
	if (seccomp_arch_add(ctx, SCMP_ARCH_X86) != 0 && seccomp_arch_native() == SCMP_ARCH_X86_64)
		goto fail;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (seccomp_rule_add(ctx, SCMP_ACT_TRAP, calls[i], 1,
		    SCMP_A0(SCMP_CMP_GE, AF_NETLINK + 1)) != 0)
			goto fail;
		for (j = 0; j < sizeof(trap) / sizeof(trap[0]); j++)
			if (seccomp_rule_add(ctx, SCMP_ACT_TRAP, calls[i], 1,
			    SCMP_A0(SCMP_CMP_EQ, trap[j])) != 0)
				goto fail;
	}
	/* we set no_new_privs ourselves, at the right moment */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if ((fd = memfd_create("credtrail-families", MFD_CLOEXEC)) < 0) {
		rc = ct_error(CT_ERR_SYSTEM, "memfd_create");
		goto out;
	}
	if (seccomp_export_bpf(ctx, fd) != 0 || fstat(fd, &st) != 0 || st.st_size <= 0 ||
	    st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		rc = ct_error(CT_ERR_INTERNAL, "cannot export the socket family filter");
		goto out;
	}
	if ((r->fam_insns = malloc((size_t)st.st_size)) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (pread(fd, r->fam_insns, (size_t)st.st_size, 0) != st.st_size) {
		rc = ct_error(CT_ERR_SYSTEM, "cannot read the socket family filter");
		goto out;
	}
	r->fam_ninsns = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	rc = 0;
	goto out;
 fail:
	rc = ct_error(CT_ERR_INTERNAL, "cannot add the socket family rules");
 out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

static int
start_seccomp(struct ct_run *r)
{
	struct ct_seccomp_mon_params sp;

	memset(&sp, 0, sizeof(sp));
	sp.enforce = r->p.enforce;
	sp.policy = r->p.policy;
	sp.resolv_conf = r->p.resolv_conf;
	sp.on_event = on_seccomp_event;
	sp.arg = r;
	return ct_seccomp_mon_new(&r->sm, &sp);
}

static int
db_begin_run(struct ct_run *r)
{
	struct ct_store *db;
	struct ct_stmt *s = NULL;
	json_t *argv;
	char *aj = NULL;
	size_t i;
	int rc = CT_ERR_INTERNAL;

	if (r->p.store == NULL)
		return 0;
	db = r->p.store;
	if ((argv = json_array()) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; r->p.argv[i] != NULL; i++)
		json_array_append_new(argv, json_string(r->p.argv[i]));
	aj = json_dumps(argv, JSON_COMPACT);
	json_decref(argv);
	if (aj == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if ((rc = ct_store_begin(r->p.store)) != 0)
		goto out;
	if (ct_db_prepare(db, "INSERT INTO runs (id, task_id, class, argv, \"user\", backend,"
	    " mode, traceparent, start_us, complete, events_path)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)", &s) != 0) {
		rc = ct_store_error(r->p.store, "recording the run");
		ct_store_rollback(r->p.store);
		goto out;
	}
	ct_stmt_bind_text(s, 1, r->id);
	ct_stmt_bind_text(s, 2, r->p.task_id);
	if (r->p.task_class != NULL)
		ct_stmt_bind_text(s, 3, r->p.task_class);
	ct_stmt_bind_text(s, 4, aj);
	ct_stmt_bind_text(s, 5, r->user);
	ct_stmt_bind_text(s, 6, r->backend == CT_RUN_BACKEND_SECCOMP ? "seccomp" : "ebpf");
	ct_stmt_bind_text(s, 7, r->p.enforce ? "enforce" : "audit");
	ct_stmt_bind_text(s, 8, r->traceparent);
	ct_stmt_bind_int64(s, 9, r->start_us);
	if (r->events_abs != NULL)
		ct_stmt_bind_text(s, 10, r->events_abs);
	if (ct_stmt_step(s) != CT_DB_DONE) {
		rc = ct_store_error(r->p.store, "recording the run");
		ct_store_rollback(r->p.store);
		goto out;
	}
	if ((rc = ct_store_commit(r->p.store)) != 0) {
		ct_store_rollback(r->p.store);
		goto out;
	}
	if (ct_db_prepare(db, "INSERT INTO net_events (run_id, time_us, type, pid, ppid,"
	    " comm, exe, proto, family, src, sport, dst, dport, names, verdict, bytes_sent,"
	    " bytes_recv, open_us, close_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?)", &r->ins) != 0) {
		rc = ct_store_error(r->p.store, "preparing the event insert");
		goto out;
	}
	rc = 0;
 out:
	ct_stmt_finalize(s);
	free(aj);
	return rc;
}

static int
drops_json(struct ct_run *r, json_t **out)
{
	json_t *o = json_object();
	int i;

	*out = NULL;
	if (o == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (r->backend == CT_RUN_BACKEND_EBPF)
		for (i = 0; i < CT_DROP_MAX; i++)
			json_object_set_new(o, ct_monitor_drop_name(i),
			    json_integer((json_int_t)r->drops[i]));
	if (r->have_dstats)
		json_object_set_new(o, "dns_names_unrecorded",
		    json_integer((json_int_t)r->dstats.names_dropped));
	*out = o;
	return 0;
}

static int
is_complete(const struct ct_run *r)
{
	int i;

	for (i = 0; i < CT_DROP_MAX; i++)
		if (r->drops[i] != 0 && i != CT_DROP_EXEC_PATH)
			return 0;
	if (r->have_dstats && (r->dstats.names_dropped != 0 || r->dstats.lost != 0))
		return 0;
	return r->sink_err == 0 && !r->kill_failed && r->finished;
}

static int
db_end_run(struct ct_run *r)
{
	struct ct_stmt *s = NULL;
	json_t *d = NULL;
	char *dj = NULL;
	int rc;

	if (r->p.store == NULL)
		return 0;
	if ((rc = db_flush(r)) != 0)
		return rc;
	if ((rc = drops_json(r, &d)) != 0)
		return rc;
	dj = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	if (dj == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (ct_db_prepare(r->p.store, "UPDATE runs SET end_us = ?,"
	    " exit_status = ?, drops = ?, complete = ? WHERE id = ?", &s) != 0) {
		rc = ct_store_error(r->p.store, "finishing the run");
		goto out;
	}
	ct_stmt_bind_int64(s, 1, r->end_us);
	if (!r->attach)
		ct_stmt_bind_int64(s, 2, ct_run_exit_status(r));
	ct_stmt_bind_text(s, 3, dj);
	ct_stmt_bind_int64(s, 4, is_complete(r));
	ct_stmt_bind_text(s, 5, r->id);
	if (ct_stmt_step(s) != CT_DB_DONE)
		rc = ct_store_error(r->p.store, "finishing the run");
	else
		rc = 0;
 out:
	ct_stmt_finalize(s);
	free(dj);
	return rc;
}

static int
start_event(struct ct_run *r)
{
	json_t *ev, *argv;
	char ts[40];
	size_t i;

	if ((argv = json_array()) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; r->p.argv[i] != NULL; i++)
		json_array_append_new(argv, json_string(r->p.argv[i]));
	ct_time_fmt(r->start_us, 1, ts, sizeof(ts));
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:o, s:s?, s:I, s:s, s:s, s:s, s:s?, s:s?,"
	    " s:i}",
	    "time", ts, "type", "start", "run", r->id, "task", r->p.task_id,
	    "class", r->p.task_class, "argv", argv, "user", r->user, "uid", (json_int_t)r->uid,
	    "backend", r->backend == CT_RUN_BACKEND_SECCOMP ? "seccomp" : "ebpf",
	    "mode", r->p.enforce ? "enforce" : "audit", "traceparent", r->traceparent,
	    "cgroup", r->have_cg ? r->cg.path : NULL, "weakness", r->weakness,
	    "pid", (int)r->pid);
	if (ev != NULL && r->fallback_reason != NULL)
		json_object_set_new(ev, "fallback_reason", json_string(r->fallback_reason));
	if (ev != NULL && r->px != NULL && ct_dnsproxy_child_pid(r->px) > 0) {
		/* the evidence says who parses the agent's DNS: a child without privileges */
		json_object_set_new(ev, "dns_proxy", json_pack("{s:b, s:i, s:I, s:s?}", "privsep",
		    1, "pid", (int)ct_dnsproxy_child_pid(r->px),
		    "uid", (json_int_t)ct_dnsproxy_child_uid(r->px),
		    "cgroup", r->dg != NULL ? ct_dnsguard_path(r->dg) : NULL));
	}
	if (ev != NULL && r->attach) {
		/* no agent of ours: no pid, no user */
		json_object_del(ev, "pid");
		json_object_del(ev, "uid");
		json_object_del(ev, "user");
		json_object_set_new(ev, "attached", json_true());
		if (r->p.enforce && r->p.guard)
			json_object_set_new(ev, "guard", json_true());
	}
	if (ev != NULL && r->p.policy != NULL) {
		json_t *rules = json_array();

		for (i = 0; i < ct_netpolicy_count(r->p.policy); i++)
			json_array_append_new(rules,
			    json_string(ct_netpolicy_rule(r->p.policy, i)->text));
		json_object_set_new(ev, "allow", rules);
	}
	return sink(r, ev, r->start_us, 0, 0);
}

static int
fork_agent(struct ct_run *r)
{
	struct child_report rep;
	int procs_fd = -1, rp[2] = { -1, -1 }, sv[2] = { -1, -1 }, rc = CT_ERR_INTERNAL;
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (r->have_cg && (rc = ct_cgroup_procs_fd(&r->cg, &procs_fd)) != 0)
		return rc;
	if (pipe2(rp, O_CLOEXEC) != 0) {
		rc = ct_error(CT_ERR_SYSTEM, "cannot create a pipe");
		goto out;
	}
	if (r->sm != NULL && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		rc = ct_error(CT_ERR_SYSTEM, "cannot create a socket pair");
		goto out;
	}
	if ((pid = fork()) < 0) {
		rc = ct_error(CT_ERR_SYSTEM, "cannot fork");
		goto out;
	}
	if (pid == 0) {
		close(rp[0]);
		if (sv[0] >= 0)
			close(sv[0]);
		child_main(r, parent, procs_fd, rp[1], sv[1]);
	}
	r->pid = pid;
	r->started = 1;
	close(rp[1]);
	rp[1] = -1;
	if (sv[1] >= 0) {
		close(sv[1]);
		sv[1] = -1;
	}
	if ((r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		rc = ct_error(CT_ERR_SYSTEM, "cannot open a pidfd for the agent");
		goto out;
	}
	if (r->sm != NULL && (rc = ct_seccomp_mon_recv(r->sm, sv[0], r->pidfd)) != 0) {
		/* the child failed before the filter: its report says why */
		n = read(rp[0], &rep, sizeof(rep));
		if (n == (ssize_t)sizeof(rep) && rep.stage == STAGE_SETUP) {
			errno = rep.err;
			rc = ct_error(CT_ERR_SYSTEM, "cannot start the agent: %s", rep.what);
		}
		goto out;
	}
	/* EOF: exec succeeded (the pipe is close-on-exec); else the child says what failed */
	do {
		n = read(rp[0], &rep, sizeof(rep));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(rep)) {
		if (rep.stage == STAGE_SETUP) {
			errno = rep.err;
			rc = ct_error(CT_ERR_SYSTEM, "cannot start the agent: %s", rep.what);
			goto out;
		}
		r->exec_stage = rep.stage;
		r->exec_errno = rep.err;
		snprintf(r->exec_what, sizeof(r->exec_what), "%s", rep.what);
	}
	rc = 0;
 out:
	if (procs_fd >= 0)
		close(procs_fd);
	if (rp[0] >= 0)
		close(rp[0]);
	if (rp[1] >= 0)
		close(rp[1]);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return rc;
}

static int
block_signals(struct ct_run *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (pthread_sigmask(SIG_BLOCK, &set, &r->oldmask) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot block signals");
	r->masked = 1;
	if ((r->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot create a signalfd");
	return 0;
}

static int
absolute_path(const char *p, char **out)
{
	char cwd[PATH_MAX];

	*out = NULL;
	if (p[0] == '/') {
		*out = strdup(p);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return ct_error(CT_ERR_SYSTEM, "cannot get the current directory");
		if (asprintf(out, "%s/%s", cwd, p) < 0)
			*out = NULL;
	}
	return *out != NULL ? 0 : ct_error(CT_ERR_NOMEM, "out of memory");
}

/* ---- attach mode: what was in the cgroup before us ---- */

struct present {
	pid_t pid;
	pid_t ppid;
	unsigned long long start;	/* clock ticks after boot */
};

static int
cmp_present(const void *a, const void *b)
{
	const struct present *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* ppid and start time from /proc/PID/stat; -1 when the process is gone */
static int
read_proc_start(pid_t pid, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold anything: fields are counted after the last ')' */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %*c %d %*d %*d %*d %*d %*u %*u"
	    " %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &pp, start) != 2)
		return -1;
	*ppid = (pid_t)pp;
	return 0;
}

/* /proc/PID/cmdline (the first 4 KiB) as a JSON array of strings */
static json_t *
read_proc_argv(pid_t pid)
{
	char path[64], buf[4097];
	ssize_t n;
	size_t i, start;
	json_t *a;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return json_null();
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0 || (a = json_array()) == NULL)
		return json_null();
	buf[n] = '\0';
	for (i = start = 0; i <= (size_t)n; i++) {
		if (buf[i] != '\0')
			continue;
		if (i > start || i < (size_t)n)
			json_array_append_new(a, jstr(buf + start));
		start = i + 1;
	}
	return a;
}

/*
 * One "present" event per process already in the watched cgroup, parents before children
 * (by start time).  The BPF programs are attached before the cgroup is read, so a process
 * born after that has a fork event (and may be listed twice), and none falls between.
 */
static int
record_present(struct ct_run *r)
{
	struct present *v = NULL;
	pid_t *pids = NULL;
	size_t n = 0, i, m = 0;
	int rc;

	if ((rc = ct_cgroup_pids(&r->cg, &pids, &n)) != 0)
		return rc;
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL) {
		free(pids);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		if (read_proc_start(pids[i], &v[m].ppid, &v[m].start) == 0)
			v[m++].pid = pids[i];
	free(pids);
	if (m > 0)	/* qsort's base may not be NULL, even for no element */
		qsort(v, m, sizeof(*v), cmp_present);
	for (i = 0, rc = 0; i < m && rc == 0; i++) {
		char comm[32], path[64];
		struct proc_ent *pe;
		struct stat st;
		uint32_t uid = 0;
		json_t *ev;

		read_proc_comm(v[i].pid, comm, sizeof(comm));
		snprintf(path, sizeof(path), "/proc/%d", (int)v[i].pid);
		if (stat(path, &st) == 0)
			uid = st.st_uid;
		pthread_mutex_lock(&r->mu);
		if ((pe = proc_find(r, v[i].pid, 1)) != NULL) {
			pe->ppid = v[i].ppid;
			if (pe->exe == NULL)
				pe->exe = read_proc_exe(v[i].pid);
		}
		ev = event_base(r, "present", ct_now_us(), v[i].pid, v[i].ppid, v[i].pid, uid,
		    comm, pe != NULL ? pe->exe : NULL);
		if (ev != NULL && r->p.exec_args)
			json_object_set_new(ev, "argv", read_proc_argv(v[i].pid));
		rc = sink_locked(r, ev, ct_now_us(), 0, 0);
		pthread_mutex_unlock(&r->mu);
	}
	free(v);
	return rc;
}

int
ct_run_start(struct ct_run **out, const struct ct_run_params *p)
{
	struct ct_run *r = NULL;
	char cgname[64], trace[33], span[17];
	int rc = CT_ERR_INTERNAL, want_ebpf;

	*out = NULL;
	if (p->argv == NULL || p->argv[0] == NULL)
		return ct_error(CT_ERR_INVALID, "no command to run");
	if (p->attach_cgroup != NULL && (p->backend == CT_RUN_BACKEND_SECCOMP || geteuid() != 0))
		return ct_error(CT_ERR_PERM, "watching a cgroup needs root (the eBPF monitor)");
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	r->p = *p;
	r->cg.dirfd = -1;
	r->wd_fd = -1;
	r->pidfd = -1;
	r->sigfd = -1;
	pthread_mutex_init(&r->mu, NULL);
	if ((r->dest = json_object()) == NULL || (r->denials = json_array()) == NULL ||
	    (r->dns = json_object()) == NULL || (r->killed = json_array()) == NULL ||
	    (r->seen = json_object()) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = random_hex(r->id, 8)) != 0 || (rc = random_hex(trace, 16)) != 0 ||
	    (rc = random_hex(span, 8)) != 0)
		goto out;
	if (p->trace_id != NULL) {
		/* the caller's trace (W3C trace context): the run is a new span in it */
		if (strlen(p->trace_id) != 32 || strspn(p->trace_id, "0123456789abcdef") != 32) {
			rc = ct_error(CT_ERR_INVALID, "trace id '%s' is not 32 lower-case hex "
			    "digits", p->trace_id);
			goto out;
		}
		memcpy(trace, p->trace_id, sizeof(trace));
	}
	snprintf(r->traceparent, sizeof(r->traceparent), "00-%s-%s-01", trace, span);
	r->attach = p->attach_cgroup != NULL;
	if (!r->attach && (rc = resolve_user(r)) != 0)
		goto out;

	/* the backend: eBPF needs root (CAP_BPF, CAP_SYS_ADMIN for cgroup attach) */
	want_ebpf = p->backend == CT_RUN_BACKEND_EBPF ||
	    (p->backend == CT_RUN_BACKEND_AUTO && geteuid() == 0);
	r->backend = want_ebpf ? CT_RUN_BACKEND_EBPF : CT_RUN_BACKEND_SECCOMP;
	if (p->backend == CT_RUN_BACKEND_AUTO && !want_ebpf) {
		if (p->enforce) {
			rc = ct_error(CT_ERR_PERM, "enforce mode needs root for the eBPF monitor "
			    "(or --backend seccomp)");
			goto out;
		}
		r->fallback_reason = strdup("not root");
	}

	if (p->events_path != NULL) {
		struct ct_evlog_params lp;
		char origin[CT_EVLOG_MAX_ORIGIN];

		if ((rc = absolute_path(p->events_path, &r->events_abs)) != 0)
			goto out;
		memset(&lp, 0, sizeof(lp));
		snprintf(origin, sizeof(origin), "credtrail:%s:%s", p->task_id, r->id);
		lp.path = p->events_path;
		lp.origin = origin;
		lp.key = p->evlog_key;
		if ((rc = ct_evlog_create(&r->log, &lp)) != 0)
			goto out;
	}

	/* the cgroup (and its watchdog) first: everything else attaches to it */
	snprintf(cgname, sizeof(cgname), "credtrail-%s", r->id);
	if (r->attach) {
		/*
		 * Someone else's: nothing created, and the watchdog leaves it alone; as root it
		 * removes the DNS proxy's cgroup if credtrail dies.
		 */
		if ((rc = ct_cgroup_open(&r->cg, p->attach_cgroup)) != 0)
			goto out;
		r->have_cg = 1;
		if (geteuid() == 0 && (rc = start_watchdog(r)) != 0)
			goto out;
	} else if ((rc = ct_cgroup_create(&r->cg, cgname)) == 0) {
		r->have_cg = 1;
		if ((rc = start_watchdog(r)) != 0)
			goto out;
	} else if (r->backend == CT_RUN_BACKEND_EBPF || rc != CT_ERR_PERM) {
		goto out;
	}
	if (!r->have_cg && prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) {
		/* no cgroup to kill at the end: orphans of the agent come back to us instead */
		r->subreaper = 1;
	}
	if ((rc = block_signals(r)) != 0)
		goto out;

	if (r->backend == CT_RUN_BACKEND_EBPF) {
		if ((rc = r->attach ? start_dns_in_netns(r) : start_dns(r)) != 0) {
			if (p->enforce || r->dns_fatal)
				goto out;
			/* audit mode runs on without names; the start event says so */
			r->fallback_reason = strdup(ct_errmsg(rc));
			ct_error_clear();
		}
		if ((rc = start_ebpf(r)) != 0)
			goto out;
		if (p->enforce && !r->attach && (rc = build_family_guard(r)) != 0)
			goto out;
		r->weakness = NULL;
	} else {
		if ((rc = start_seccomp(r)) != 0)
			goto out;
		r->weakness = ct_seccomp_mon_weakness();
	}
	r->start_us = ct_now_us();
	r->start_mono_us = ct_mono_us();
	if ((rc = db_begin_run(r)) != 0)
		goto out;
	if (r->attach) {
		/* no agent: what is in the cgroup already is recorded as present */
		r->waited = 1;
		if ((rc = start_event(r)) != 0 || (rc = record_present(r)) != 0)
			goto out;
	} else {
		if ((rc = fork_agent(r)) != 0)
			goto out;
		if ((rc = start_event(r)) != 0)
			goto out;
	}
	*out = r;
	r = NULL;
	rc = 0;
 out:
	if (r != NULL && r->attach && r->mon != NULL) {
		/* a setup failure leaves no guard behind */
		ct_monitor_guard_detach(r->mon);
	}
	if (r != NULL && r->p.store != NULL && r->ins != NULL) {
		/* nothing half-written: the run row goes again, and no row of its events */
		struct ct_stmt *s = NULL;

		pthread_mutex_lock(&r->mu);
		db_discard(r);
		pthread_mutex_unlock(&r->mu);

		if (ct_db_prepare(r->p.store, "DELETE FROM runs WHERE id = ?", &s) == 0) {
			ct_stmt_bind_text(s, 1, r->id);
			ct_stmt_step(s);
		}
		ct_stmt_finalize(s);
	}
	if (r != NULL && r->events_abs != NULL && r->log != NULL) {
		ct_evlog_free(r->log);
		r->log = NULL;
		unlink(r->events_abs);
	}
	ct_run_free(r);
	return rc;
}

/* ---- the event loop ---- */

static void
forward_signal(struct ct_run *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (r->attach) {
			/* no agent to pass it to: the watch ends */
			r->stop = 1;
			r->stop_why = si.ssi_signo == SIGINT ? "SIGINT" : si.ssi_signo == SIGTERM ?
			    "SIGTERM" : si.ssi_signo == SIGHUP ? "SIGHUP" : "SIGQUIT";
			continue;
		}
		/* a terminal's ^C reached the agent already (same process group) */
		if (si.ssi_code == SI_KERNEL)
			continue;
		if (!r->waited)
			kill(r->pid, (int)si.ssi_signo);
	}
}

static int
pump(struct ct_run *r, int timeout_ms)
{
	struct pollfd pf[3];
	int n = 0, rc, evfd = -1;

	if (r->mon != NULL)
		evfd = ct_monitor_fd(r->mon);
	else if (r->sm != NULL)
		evfd = ct_seccomp_mon_fd(r->sm);
	pf[n].fd = evfd;
	pf[n++].events = POLLIN;
	pf[n].fd = r->waited ? -1 : r->pidfd;
	pf[n++].events = POLLIN;
	pf[n].fd = r->sigfd;
	pf[n++].events = POLLIN;
	if (poll(pf, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
		return ct_error(CT_ERR_SYSTEM, "poll");
	dns_mark(r);
	r->busy = 0;
	if (r->mon != NULL) {
		if ((rc = ct_monitor_consume(r->mon)) < 0)
			return rc;
		r->busy = rc > 0;
	}
	if ((rc = dns_flush(r, 0)) != 0)
		return rc;
	if (r->sm != NULL && (pf[0].revents & POLLIN)) {
		if ((rc = ct_seccomp_mon_handle(r->sm)) < 0)
			return rc;
		r->busy = 1;
	}
	if (pf[2].revents & POLLIN)
		forward_signal(r);
	if (!r->waited && (pf[1].revents & POLLIN)) {
		pid_t w;

		do {
			w = waitpid(r->pid, &r->status, WNOHANG);
		} while (w < 0 && errno == EINTR);
		if (w == r->pid)
			r->waited = 1;
	}
	if (r->subreaper && r->waited) {
		/* orphans that died on their own; the agent itself is waited for above */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	if (r->mon != NULL && ct_mono_us() - r->expired_us > EXPIRE_EVERY_US) {
		/*
		 * Racy by a few microseconds: an admission the proxy renews between our read
		 * and our delete is lost, and the agent's next connect to it refused (fail
		 * closed); a new query for the name admits it again.
		 */
		ct_monitor_expire(r->mon);
		r->expired_us = ct_mono_us();
	}
	pthread_mutex_lock(&r->mu);
	rc = r->sink_err;
	if (rc == 0 && r->log != NULL)
		rc = ct_evlog_tick(r->log, ct_now_us());
	/* a batch is written when it is old enough, or as soon as the agent goes quiet */
	if (rc == 0 && r->nrows > 0 && (!r->busy ||
	    ct_mono_us() - r->batch_start_us >= DB_BATCH_US))
		rc = db_flush(r);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int
record_kill(struct ct_run *r, pid_t pid)
{
	char comm[32];
	const char *exe;
	json_t *ev;
	int64_t t = ct_now_us();
	int rc;

	read_proc_comm(pid, comm, sizeof(comm));
	pthread_mutex_lock(&r->mu);
	if ((exe = proc_exe(r, pid)) == NULL) {
		struct proc_ent *pe = proc_find(r, pid, 1);

		if (pe != NULL && (pe->exe = read_proc_exe(pid)) != NULL)
			exe = pe->exe;
	}
	ev = event_base(r, "kill", t, pid, read_proc_ppid(pid), pid, 0, comm, exe);
	if (ev != NULL) {
		json_object_set_new(ev, "reason", json_string("left behind by the agent"));
		json_object_del(ev, "uid");
	}
	json_array_append_new(r->killed, json_pack("{s:i, s:o, s:o}", "pid", (int)pid,
	    "comm", jstr(comm), "exe", jstr(exe)));
	r->nkilled++;
	rc = sink_locked(r, ev, t, 0, 0);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* Our children (the agent's orphans, when we are their subreaper), from /proc. */
static int
our_children(pid_t **out, size_t *n)
{
	pid_t self = getpid(), *v = NULL, *nv;
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	if ((d = opendir("/proc")) == NULL)
		return ct_error(CT_ERR_SYSTEM, "cannot read /proc");
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || pid <= 0 || read_proc_ppid((pid_t)pid) != self)
			continue;
		if ((nv = reallocarray(v, cnt + 1, sizeof(*v))) == NULL) {
			closedir(d);
			free(v);
			return ct_error(CT_ERR_NOMEM, "out of memory");
		}
		v = nv;
		v[cnt++] = (pid_t)pid;
	}
	closedir(d);
	*out = v;
	*n = cnt;
	return 0;
}

/*
 * Whatever is still in the cgroup when the agent is gone: record it, then kill it.  Without
 * a cgroup (not root), the same for the orphans that came back to us as their subreaper,
 * round after round, since each killed one hands its own children over to us.
 */
static int
kill_leftovers(struct ct_run *r)
{
	pid_t *pids = NULL;
	size_t n = 0, i;
	int rc, round;

	if (!r->have_cg) {
		for (round = 0; r->subreaper && round < 100; round++) {
			if ((rc = our_children(&pids, &n)) != 0)
				return rc;
			if (n == 0)
				break;
			for (i = 0; i < n && (rc = record_kill(r, pids[i])) == 0; i++)
				kill(pids[i], SIGKILL);
			for (i = 0; i < n; i++)
				while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
					;
			free(pids);
			pids = NULL;
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	if ((rc = ct_cgroup_pids(&r->cg, &pids, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = record_kill(r, pids[i])) != 0)
			break;
	free(pids);
	if (ct_cgroup_kill(&r->cg, KILL_TIMEOUT_MS) != 0)
		r->kill_failed = 1;
	return rc;
}

/* Every process of the agent's cgroup (or the agent alone, without one) gets `sig`. */
static void
signal_all(struct ct_run *r, int sig)
{
	pid_t *pids = NULL;
	size_t n = 0, i;

	if (r->have_cg && ct_cgroup_pids(&r->cg, &pids, &n) == 0) {
		for (i = 0; i < n; i++)
			kill(pids[i], sig);
		free(pids);
	} else if (r->have_cg) {
		ct_error_clear();
	}
	if (!r->waited)
		kill(r->pid, sig);
}

/* params.timeout_us: SIGTERM to everything when it passes, SIGKILL after the grace */
static int
check_timeout(struct ct_run *r)
{
	int64_t now = ct_now_us(), mono = ct_mono_us();
	json_t *ev;
	char ts[40];

	if (r->p.timeout_us <= 0 || r->waited)
		return 0;
	if (!r->timed_out && mono - r->start_mono_us >= r->p.timeout_us) {
		r->timed_out = 1;
		r->term_until_us = mono + (r->p.term_grace_us > 0 ? r->p.term_grace_us : 0);
		ct_time_fmt(now, 1, ts, sizeof(ts));
		ev = json_pack("{s:s, s:s, s:I, s:I}", "time", ts, "type", "timeout",
		    "timeout_us", (json_int_t)r->p.timeout_us, "grace_us",
		    (json_int_t)r->p.term_grace_us);
		signal_all(r, SIGTERM);
		return sink(r, ev, now, 0, 0);
	}
	if (r->timed_out && !r->hard_killed && mono >= r->term_until_us) {
		r->hard_killed = 1;
		signal_all(r, SIGKILL);
	}
	return 0;
}

int
ct_run_wait(struct ct_run *r)
{
	int64_t deadline;
	int rc = 0, populated = 0;
	json_t *ev, *d = NULL, *final;
	uint64_t size;
	uint8_t root[32];
	char ts[40];

	if (r->attach) {
		const struct ct_run_hooks *h = r->p.hooks;

		while (!r->stop) {
			const char *why = NULL;

			if ((rc = pump(r, r->busy ? BUSY_TICK_MS : LOOP_TICK_MS)) != 0)
				goto fail;
			if (h != NULL && h->tick != NULL &&
			    (rc = h->tick(r->p.hook_arg, r, ct_now_us(), &why)) != 0) {
				if (rc < 0)
					goto fail;
				r->stop = 1;
				r->stop_why = why;
				rc = 0;
			}
		}
	} else {
		while (!r->waited) {
			if ((rc = pump(r, r->busy ? BUSY_TICK_MS : LOOP_TICK_MS)) != 0 ||
			    (rc = check_timeout(r)) != 0)
				goto fail;
		}
		/* the agent is gone; its descendants may not be */
		if ((rc = kill_leftovers(r)) != 0)
			goto fail;
	}
	/* TCP closes come after the processes are gone (FIN handshakes): wait a little */
	deadline = ct_mono_us() + CLOSE_GRACE_US;
	while (r->mon != NULL && ct_monitor_open_connections(r->mon) > 0 &&
	    ct_mono_us() < deadline)
		if ((rc = pump(r, 10)) != 0)
			goto fail;
	if (r->attach && r->mon != NULL) {
		/* the watch ends here: nothing more is observed (the guard goes at the end) */
		ct_monitor_detach(r->mon);
	}
	if (r->mon != NULL) {
		if ((rc = ct_monitor_consume(r->mon)) < 0)
			goto fail;
		if ((rc = ct_monitor_drops(r->mon, r->drops)) != 0)
			goto fail;
		r->open_tcp = ct_monitor_open_connections(r->mon);
	}
	if (r->px != NULL) {
		/* no client is left: stop the proxy, so that its last events are in */
		ct_dnsproxy_get_stats(r->px, &r->dstats);
		r->have_dstats = 1;
		ct_dnsproxy_stop(r->px);
		r->px = NULL;
		stop_dnsguard(r);
	}
	dns_mark(r);
	if ((rc = dns_flush(r, 0)) != 0)
		goto fail;
	if (r->attach && r->p.hooks != NULL && r->p.hooks->before_end != NULL &&
	    (rc = r->p.hooks->before_end(r->p.hook_arg, r)) != 0)
		goto fail;
	r->end_us = ct_now_us();
	r->end_mono_us = ct_mono_us();
	if (r->have_cg && !r->attach)
		ct_cgroup_populated(&r->cg, &populated);
	/* attach mode: the cgroup lives on; the record covers the watch, and it is whole */
	r->finished = !populated;

	pthread_mutex_lock(&r->mu);
	if ((rc = drops_json(r, &d)) != 0) {
		pthread_mutex_unlock(&r->mu);
		goto fail;
	}
	ct_time_fmt(r->end_us, 1, ts, sizeof(ts));
	ev = json_pack("{s:s, s:s, s:i, s:I, s:I, s:O, s:b, s:I}", "time", ts, "type", "end",
	    "exit_status", ct_run_exit_status(r), "processes", (json_int_t)r->nprocs,
	    "killed", (json_int_t)r->nkilled, "drops", d,
	    "complete", is_complete(r), "open_connections", (json_int_t)(r->open_tcp > 0 ?
	    r->open_tcp : 0));
	if (ev != NULL && r->exec_stage == STAGE_EXEC)
		json_object_set_new(ev, "exec_error", json_string(strerror(r->exec_errno)));
	if (ev != NULL && r->attach) {
		json_object_del(ev, "exit_status");
		json_object_set_new(ev, "stopped_by", json_string(r->stop_why != NULL ?
		    r->stop_why : "caller"));
	}
	if (ev != NULL && r->timed_out)
		json_object_set_new(ev, "timed_out", json_true());
	if (ev != NULL && r->have_dstats && r->dstats.lost)
		json_object_set_new(ev, "dns_proxy_lost", json_true());
	if (ev != NULL && r->dg_refused != 0)
		json_object_set_new(ev, "dns_proxy_egress_refused",
		    json_integer((json_int_t)r->dg_refused));
	rc = sink_locked(r, ev, r->end_us, 0, 0);
	if (rc == 0 && r->log != NULL) {
		final = json_pack("{s:s, s:O, s:b, s:s?}", "backend",
		    r->backend == CT_RUN_BACKEND_SECCOMP ? "seccomp" : "ebpf", "drops", d,
		    "complete", is_complete(r), "weakness", r->weakness);
		rc = ct_evlog_finish(r->log, final, &size, root);
		json_decref(final);
	}
	if (rc == 0)
		rc = db_end_run(r);
	pthread_mutex_unlock(&r->mu);
	json_decref(d);
	if (rc != 0)
		goto fail;
	if (r->attach) {
		/* a clean end: the guard goes too, and nothing of ours stays attached */
		if (r->mon != NULL && (rc = ct_monitor_guard_detach(r->mon)) != 0)
			return rc;
		return 0;
	}
	if (r->have_cg && ct_cgroup_remove(&r->cg) == 0) {
		/* the watchdog has nothing left to guard */
		stop_watchdog(r);
	}
	return 0;
 fail:
	/*
	 * The evidence is broken: the agent does not run on without it.  A watched cgroup is
	 * not ours to kill; with the guard, its egress stays blocked instead.
	 */
	if (r->have_cg && !r->attach)
		ct_cgroup_kill(&r->cg, KILL_TIMEOUT_MS);
	return rc;
}

int
ct_run_exit_status(const struct ct_run *r)
{
	if (r->attach)
		return 0;
	if (r->timed_out && r->exec_stage != STAGE_EXEC)
		return CT_RUN_EXIT_TIMEOUT;
	if (r->exec_stage == STAGE_EXEC)
		return r->exec_errno == ENOENT ? CT_RUN_EXIT_NOTFOUND : CT_RUN_EXIT_NOEXEC;
	if (!r->waited)
		return CT_RUN_EXIT_SETUP;
	if (WIFEXITED(r->status))
		return WEXITSTATUS(r->status);
	if (WIFSIGNALED(r->status))
		return 128 + WTERMSIG(r->status);
	return CT_RUN_EXIT_SETUP;
}

const char *
ct_run_id(const struct ct_run *r)
{
	return r->id;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {"k": true, ...} -> sorted ["k", ...] (numbers when asked) */
static json_t *
keys_sorted(json_t *o, int numeric)
{
	const char **k;
	const char *key;
	json_t *v, *a = json_array();
	size_t n = 0, i;

	if (a == NULL || (k = calloc(json_object_size(o) + 1, sizeof(*k))) == NULL)
		return a;
	json_object_foreach(o, key, v)
		k[n++] = key;
	qsort(k, n, sizeof(*k), cmp_str);
	if (numeric) {
		long long *nums = calloc(n + 1, sizeof(*nums)), t;
		size_t j;

		if (nums != NULL) {
			for (i = 0; i < n; i++)
				nums[i] = strtoll(k[i], NULL, 10);
			for (i = 1; i < n; i++)
				for (j = i; j > 0 && nums[j - 1] > nums[j]; j--) {
					t = nums[j];
					nums[j] = nums[j - 1];
					nums[j - 1] = t;
				}
			for (i = 0; i < n; i++)
				json_array_append_new(a, json_integer(nums[i]));
			free(nums);
		}
	} else {
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_string(k[i]));
	}
	free(k);
	return a;
}

int
ct_run_summary(struct ct_run *r, json_t **out)
{
	json_t *o = NULL, *argv = NULL, *dests = NULL, *names = NULL, *drops = NULL, *v;
	const char *key;
	char st[40], en[40];
	size_t i;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&r->mu);
	if ((rc = drops_json(r, &drops)) != 0)
		goto out;
	if ((argv = json_array()) == NULL || (dests = json_array()) == NULL ||
	    (names = json_array()) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; r->p.argv[i] != NULL; i++)
		json_array_append_new(argv, json_string(r->p.argv[i]));
	{
		json_t *lbl = keys_sorted(r->dest, 0);

		for (i = 0; i < json_array_size(lbl); i++) {
			json_t *d = json_object_get(r->dest,
			    json_string_value(json_array_get(lbl, i)));

			json_array_append_new(dests, json_pack("{s:O, s:O, s:O, s:O, s:o, s:o}",
			    "name", json_object_get(d, "name"),
			    "direct_ip", json_object_get(d, "direct_ip"),
			    "connects", json_object_get(d, "connects"),
			    "denied", json_object_get(d, "denied"),
			    "addresses", keys_sorted(json_object_get(d, "addresses"), 0),
			    "ports", keys_sorted(json_object_get(d, "ports"), 1)));
		}
		json_decref(lbl);
	}
	json_object_foreach(r->dns, key, v)
		json_array_append_new(names, json_pack("{s:s, s:O, s:O}", "name", key,
		    "queries", json_object_get(v, "queries"), "verdict",
		    json_object_get(v, "verdict")));
	ct_time_fmt(r->start_us, 1, st, sizeof(st));
	ct_time_fmt(r->end_us != 0 ? r->end_us : ct_now_us(), 1, en, sizeof(en));
	o = json_pack("{s:s, s:s, s:s?, s:O, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:s, s:I,"
	    " s:i, s:O, s:{s:I, s:O}, s:{s:I, s:I, s:O}, s:I, s:I, s:O, s:O, s:b, s:I,"
	    " s:s?, s:s}",
	    "run", r->id, "task", r->p.task_id, "class", r->p.task_class, "argv", argv,
	    "user", r->user, "backend", r->backend == CT_RUN_BACKEND_SECCOMP ? "seccomp" : "ebpf",
	    "mode", r->p.enforce ? "enforce" : "audit", "weakness", r->weakness,
	    "fallback_reason", r->fallback_reason,
	    "start", st, "end", en, "duration_us",
	    (json_int_t)((r->end_us != 0 ? r->end_mono_us : ct_mono_us()) - r->start_mono_us),
	    "exit_status", ct_run_exit_status(r), "destinations", dests,
	    "denials", "count", (json_int_t)r->ndenials, "events", r->denials,
	    "dns", "queries", (json_int_t)r->ndns, "denied", (json_int_t)r->ndns_denied,
	    "names", names,
	    "processes", (json_int_t)r->nprocs, "killed_at_end", (json_int_t)r->nkilled,
	    "killed", r->killed, "drops", drops, "complete", is_complete(r),
	    "events", (json_int_t)r->nrecords, "events_path", r->events_abs,
	    "traceparent", r->traceparent);
	if (o == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (r->exec_stage == STAGE_EXEC)
		json_object_set_new(o, "exec_error", json_pack("{s:s, s:s}", "command",
		    r->exec_what, "error", strerror(r->exec_errno)));
	if (r->timed_out)
		json_object_set_new(o, "timed_out", json_true());
	if (r->attach) {
		json_object_del(o, "exit_status");
		json_object_del(o, "user");
		json_object_set_new(o, "cgroup", json_string(r->cg.path));
		json_object_set_new(o, "stopped_by", json_string(r->stop_why != NULL ?
		    r->stop_why : r->finished ? "caller" : "running"));
	}
	*out = o;
	o = NULL;
	rc = 0;
 out:
	pthread_mutex_unlock(&r->mu);
	json_decref(o);
	json_decref(argv);
	json_decref(dests);
	json_decref(names);
	json_decref(drops);
	return rc;
}

int
ct_run_set_attestation(struct ct_run *r, const char *digest)
{
	struct ct_stmt *s = NULL;
	int rc = 0;

	if (r->p.store == NULL)
		return 0;
	if (ct_db_prepare(r->p.store, "UPDATE runs SET attestation_digest = ?"
	    " WHERE id = ?", &s) != 0 ||
	    (ct_stmt_bind_text(s, 1, digest),
	    ct_stmt_bind_text(s, 2, r->id),
	    ct_stmt_step(s)) != CT_DB_DONE)
		rc = ct_store_error(r->p.store, "recording the attestation digest");
	ct_stmt_finalize(s);
	return rc;
}

int
ct_run_record(struct ct_run *r, json_t *ev, int64_t time_us)
{
	return sink(r, ev, time_us, 0, 0);
}

int
ct_run_ledger_event(struct ct_run *r, const char *run_id, json_t *ev, int64_t time_us,
    int64_t open_us, int64_t close_us)
{
	if (!is_net_type(json_string_value(json_object_get(ev, "type"))))
		return 0;
	return db_insert_for(r, run_id, ev, time_us, open_us, close_us);
}

int
ct_run_drops(struct ct_run *r, uint64_t out[CT_DROP_MAX])
{
	memset(out, 0, sizeof(uint64_t) * CT_DROP_MAX);
	if (r->mon == NULL)
		return 0;
	return ct_monitor_drops(r->mon, out);
}

void
ct_run_free(struct ct_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	/* stop the agent before what watches it */
	if (r->started && !r->waited) {
		if (r->have_cg)
			ct_cgroup_kill(&r->cg, KILL_TIMEOUT_MS);
		else
			kill(r->pid, SIGKILL);
		while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
			;
		r->waited = 1;
	}
	ct_dnsproxy_stop(r->px);
	r->px = NULL;
	stop_dnsguard(r);
	db_flush(r);
	free(r->rows);
	ct_stmt_finalize(r->ins);
	ct_monitor_free(r->mon);
	ct_seccomp_mon_free(r->sm);
	free(r->fam_insns);
	ct_evlog_free(r->log);
	if (r->have_cg) {
		/* a watched cgroup is someone else's: only our descriptor goes */
		if (!r->attach && ct_cgroup_kill(&r->cg, KILL_TIMEOUT_MS) == 0 &&
		    ct_cgroup_remove(&r->cg) == 0)
			stop_watchdog(r);
		ct_cgroup_release(&r->cg);
	}
	if (r->have_dyn)
		ct_dynuser_release(&r->dyn);	/* a uid still running is not taken again */
	if (r->wd_fd >= 0) {
		/*
		 * The cgroup could not be removed, or (attach mode) the DNS proxy's may be
		 * left: let the watchdog try (it kills first, and skips what is gone).
		 */
		close(r->wd_fd);
		r->wd_fd = -1;
		if (r->wd_pid > 0)
			waitpid(r->wd_pid, NULL, WNOHANG);
	}
	if (r->pidfd >= 0)
		close(r->pidfd);
	if (r->sigfd >= 0)
		close(r->sigfd);
	if (r->masked)
		pthread_sigmask(SIG_SETMASK, &r->oldmask, NULL);
	for (i = 0; i < r->nenvp; i++)
		free(r->envp[i]);
	free(r->envp);
	for (i = r->dq_head; i < r->dq_len; i++)
		json_decref(r->dq[i].ev);
	free(r->dq);
	for (i = 0; i < r->procs_cap; i++)
		free(r->procs[i].exe);
	free(r->procs);
	json_decref(r->dest);
	json_decref(r->denials);
	json_decref(r->dns);
	json_decref(r->seen);
	json_decref(r->killed);
	free(r->user);
	free(r->fallback_reason);
	free(r->events_abs);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
