/*
 * run.h - run an agent under the egress monitor: the orchestration behind `credtrail run`
 * (and a later `watch`).
 *
 * ct_run_start() sets everything up before the agent exists, and refuses to start it when a
 * part that enforcement depends on fails (fail closed):
 *   1. a fresh cgroup v2 below credtrail's own (cgroup.h), and a watchdog process that kills
 *      that cgroup if credtrail itself dies;
 *   2. the DNS proxy on loopback (dnsproxy.h), forwarding to --upstream-dns or the first
 *      nameserver of /etc/resolv.conf;
 *   3. the BPF programs (monitor.h) attached to the cgroup, the CIDR rules in their map;
 *   4. the event log (evlog.h) and the run's row in the ledger;
 *   5. the agent: forked, moved into the cgroup BEFORE exec (so every descendant is born
 *      inside it), PR_SET_PDEATHSIG(SIGKILL), switched to the unprivileged user (setgroups,
 *      setgid, setuid), all capabilities dropped (bounding, ambient, and the effective and
 *      permitted sets even for uid 0, with SECBIT_NOROOT locked), no_new_privs, a clean
 *      environment (PATH, HOME, USER, LOGNAME, SHELL, TERM, LANG, LC_*, TZ, then
 *      CREDTRAIL_TASK_ID, CREDTRAIL_RUN_ID, TRACEPARENT and the caller's extra variables),
 *      file descriptors above 2 closed, then exec.
 * ct_run_wait() records events until the agent exits, kills what is left in its cgroup
 * (each killed process is an event), drains the monitor and closes the log.
 *
 * The seccomp backend (seccomp_mon.h) replaces steps 2-3 when BPF is not available (not
 * root) or asked for: it sees connect/sendto/sendmsg/sendmmsg only, cannot map DNS names,
 * and is recorded as weaker.
 *
 * Attach mode (`credtrail watch`, params.attach_cgroup): no agent is started; the same
 * monitor and DNS proxy are attached to an existing cgroup (a container's), whose processes
 * are recorded as "present" events, and the run lasts until a signal or the caller's tick
 * hook stops it.  Nothing in that cgroup is killed or removed; at a clean end the programs
 * are detached, and at any other end the guard (monitor.h), when asked for, stays.
 *
 * Every event goes to three places at once: the event log (--events), the ledger's
 * net_events (network events, batched in transactions), and the run summary.
 */
#ifndef CT_RUN_H
#define CT_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lib/monitor.h"

struct ct_store;
struct ct_netpolicy;

enum ct_run_backend {
	CT_RUN_BACKEND_AUTO = 0,	/* eBPF when we can load it, else seccomp (audit only) */
	CT_RUN_BACKEND_EBPF,
	CT_RUN_BACKEND_SECCOMP,
};

/* What `credtrail run` exits with when the agent could not be run (README "credtrail run"). */
#define CT_RUN_EXIT_SETUP	125	/* credtrail could not set up the run */
#define CT_RUN_EXIT_NOEXEC	126	/* the command exists but cannot be executed */
#define CT_RUN_EXIT_NOTFOUND	127	/* the command was not found */
#define CT_RUN_EXIT_TIMEOUT	124	/* params.timeout_us passed; the agent was stopped */

struct ct_run;

/*
 * Hooks (`credtrail watch` splits one cgroup's events into sub-runs).  All are called on the
 * thread that runs ct_run_wait(), one at a time.
 */
struct ct_run_hooks {
	/*
	 * Every event, before it is recorded, with the run's lock held: from here only
	 * ct_run_ledger_event() and ct_run_drops() may be called on the run.  Return 1 when
	 * the hook took the event (the run records nothing of it and drops its reference),
	 * 0 to let the run record it as it now is (the hook may have added members), or a
	 * negative error, which fails the run.
	 */
	int (*route)(void *arg, struct ct_run *r, json_t *ev, int64_t time_us, int64_t open_us,
	    int64_t close_us);
	/*
	 * Attach mode: each turn of the event loop (at least every 100 ms), no lock held.
	 * 0 goes on, 1 ends the run (*why: a short reason for the end event), negative fails.
	 */
	int (*tick)(void *arg, struct ct_run *r, int64_t now_us, const char **why);
	/* Attach mode: after the last monitor event and before the end event, no lock held. */
	int (*before_end)(void *arg, struct ct_run *r);
};

struct ct_run_params {
	const char *task_id;
	const char *task_class;		/* NULL: none */
	char *const *argv;		/* the agent's command; argv[0] is looked up in PATH */
	const char *user;		/* NULL: "nobody"; "dynamic": a uid of its own
					 * (dynuser.h); not root: NULL or the caller */
	int enforce;
	enum ct_run_backend backend;
	const struct ct_netpolicy *policy;	/* NULL: no allowlist (every name allowed) */
	const char *upstream_dns;	/* "ADDR[:PORT]"; NULL: /etc/resolv.conf */
	const char *resolv_conf;	/* NULL: /etc/resolv.conf */
	const char *events_path;	/* the event log; NULL: none */
	EVP_PKEY *evlog_key;		/* signs the log's checkpoints; NULL: unsigned */
	struct ct_store *store;		/* NULL: nothing recorded in a ledger */
	const char *const *env;		/* extra "NAME=VALUE" for the agent */
	size_t nenv;

	/* attach mode (see above): argv then only names the run in its records */
	const char *attach_cgroup;	/* the existing cgroup to watch */
	pid_t netns_pid;		/* the DNS proxy listens in this process's network
					 * namespace (and forwards from it); 0: ours */
	int guard;			/* with enforce: the fail-closed guard (monitor.h) */
	int exec_args;			/* exec events carry "argv" (the program's arguments) */
	int64_t timeout_us;		/* agent mode: after this long every process of the
					 * agent's cgroup gets SIGTERM, and SIGKILL when
					 * term_grace_us more have passed; exit status 124 */
	int64_t term_grace_us;
	const struct ct_run_hooks *hooks;	/* NULL: none */
	void *hook_arg;
	const char *trace_id;		/* 32 lower-case hex: the agent's TRACEPARENT continues
					 * this (the caller's) trace; NULL: a new trace */
};

/*
 * Set up and start the agent.  On failure nothing is left behind (no cgroup, no process,
 * no half-written run row) and the agent has not run.  A command that cannot be executed is
 * not a failure here: the run is recorded and ct_run_exit_status() says 126 or 127.
 */
int ct_run_start(struct ct_run **out, const struct ct_run_params *p);

/* Record events until the agent and everything it left behind are gone. */
int ct_run_wait(struct ct_run *r);

/*
 * The agent's exit status as a shell reports it: the exit code, 128 + N when killed by
 * signal N, CT_RUN_EXIT_NOEXEC/NOTFOUND when the exec failed.
 */
int ct_run_exit_status(const struct ct_run *r);

/* The run id (16 hex characters). */
const char *ct_run_id(const struct ct_run *r);

/*
 * The summary of a finished run (a new reference): task, class, argv, user, backend, mode,
 * start/end/duration, exit status, destinations by name with counts, denials, DNS names,
 * process count, processes killed at the end, drop counters, completeness.  This one object
 * is what --json writes and what an attestation statement summarises.
 */
int ct_run_summary(struct ct_run *r, json_t **out);

/* Record the attestation's digest in the run's ledger row. */
int ct_run_set_attestation(struct ct_run *r, const char *digest);

/*
 * Append an event of the caller's to the run's log (the reference is stolen), e.g. a marker
 * that a sub-run began or ended.  Not from a route hook (the lock is held there).
 */
int ct_run_record(struct ct_run *r, json_t *ev, int64_t time_us);

/*
 * From a route hook only: write a network event to the ledger's net_events under another
 * run's id (a sub-run whose row the caller inserted), batched with the run's own rows.
 * Events that are not network events are ignored.
 */
int ct_run_ledger_event(struct ct_run *r, const char *run_id, json_t *ev, int64_t time_us,
    int64_t open_us, int64_t close_us);

/* The monitor's lost-event counters so far (all zero without the eBPF backend). */
int ct_run_drops(struct ct_run *r, uint64_t out[CT_DROP_MAX]);

/* Kill the agent's cgroup now (if still running) and free everything. */
void ct_run_free(struct ct_run *r);

#endif
