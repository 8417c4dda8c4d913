/*
 * watch.h - `credtrail watch`: the egress monitor of `credtrail run` attached to a cgroup
 * that already exists (a container's), and the split of what it records into sub-runs.
 *
 * The watch is a run in attach mode (run.h): the same BPF programs and DNS proxy, attached to
 * the container's cgroup, the DNS proxy listening in the container's network namespace (the
 * redirected DNS lands on that namespace's loopback) and forwarding to the container's own
 * resolver unless told otherwise.  The container is never touched: at the end the programs
 * are detached and it runs on.
 *
 * Split (`--split-by-exec PROGRAM:ARGINDEX`): every process subtree rooted at an exec of
 * PROGRAM (IronClaw's ironclaw-exec) by a process that is not itself in such a subtree is a
 * sub-run of its own: its task is argv[ARGINDEX] of that exec (IronClaw's nonce; a task of
 * the watched task's class is created for it when the ledger has none), and it gets its own
 * run row, event log, summary and attestation.  Membership is decided from the kernel's
 * fork and exec events: a child belongs to its parent's sub-run at fork, whatever happens
 * to its parent later (a double-forked daemon stays in it), connection ends follow the
 * socket that was connected, and DNS queries the process that sent them.  A sub-run ends
 * when its last process has exited and its TCP connections have closed (or 500 ms later).
 * Every other event is the container's own and stays in the watch's run.  The watch's log
 * gets the exec that began each sub-run (with "sub_run") and a "sub_run_end" record.
 *
 * Which argument is argv[ARGINDEX]: the arguments as the caller of PROGRAM passed them.  When
 * PROGRAM is a script the kernel runs it as `interpreter [arg] PROGRAM args...`; the
 * interpreter's words are skipped.
 */
#ifndef CT_WATCH_H
#define CT_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <openssl/evp.h>

struct ct_store;
struct ct_netpolicy;
struct ct_run;

#define CT_WATCH_CLOSE_GRACE_US	500000	/* a sub-run waits this long for TCP closes */

struct ct_watch_params {
	const char *cgroup_path;	/* the cgroup to watch; NULL: the cgroup of pid */
	pid_t pid;			/* a process of it (its network namespace is used) */
	const char *task_id;
	const char *task_class;		/* NULL: none */
	char *const *argv;		/* how the watch was started, for the records */
	int enforce;			/* with the fail-closed guard */
	const struct ct_netpolicy *policy;	/* NULL: no allowlist */
	const char *upstream_dns;	/* NULL: the container's resolv.conf */
	const char *events_path;	/* the watch's event log; NULL: none */
	const char *sub_dir;		/* sub-runs' logs, attestations, summaries */
	EVP_PKEY *key;			/* signs every log and attestation */
	struct ct_store *store;
	const char *split_program;	/* NULL: no split */
	int split_argindex;
	int until_empty;		/* end when the cgroup has no process left */
	int64_t duration_us;		/* end after this long; 0: no limit */
};

struct ct_watch;

/*
 * The cgroup to watch (`path` as given, or the cgroup of `pid`) and a process in it whose
 * network namespace the DNS proxy joins (pid itself, or the cgroup's first member; 0 when
 * it has none).
 */
int ct_watch_resolve(const char *path, pid_t pid, char **cgroup_out, pid_t *member_out);

/*
 * Attach.  Refused when the cgroup still carries the guard of a watch that ended without
 * detaching it (see ct_watch_release) or the guard of a running one.
 */
int ct_watch_start(struct ct_watch **out, const struct ct_watch_params *p);

/* Record until a signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT), the duration or emptiness. */
int ct_watch_wait(struct ct_watch *w);

/* The watch's run (for its id, summary and attestation). */
struct ct_run *ct_watch_run(struct ct_watch *w);

/* The cgroup watched (resolved path). */
const char *ct_watch_cgroup(const struct ct_watch *w);

/*
 * The watch's summary: the run summary of the container's own events, plus "sub_runs":
 * [{run, task, nonce, pid, start, end, exit_status, complete, events, events_path,
 * attestation}] in the order they began.
 */
int ct_watch_summary(struct ct_watch *w, json_t **out);

void ct_watch_free(struct ct_watch *w);

/*
 * `credtrail watch --release`: detach the guards a watch that ended without detaching left on
 * the cgroup; *n is how many programs were detached.  CT_ERR_EXISTS when a running watch
 * holds a guard there (it is left alone).
 */
int ct_watch_release(const char *cgroup_path, unsigned *n);

#endif
