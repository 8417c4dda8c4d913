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
 * Every event goes to three places at once: the event log (--events), the ledger's
 * net_events (network events, batched in transactions), and the run summary.
 */
#ifndef CT_RUN_H
#define CT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

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

struct ct_run_params {
	const char *task_id;
	const char *task_class;		/* NULL: none */
	char *const *argv;		/* the agent's command; argv[0] is looked up in PATH */
	const char *user;		/* NULL: "nobody"; not root: NULL or the caller */
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
};

struct ct_run;

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

/* Kill the agent's cgroup now (if still running) and free everything. */
void ct_run_free(struct ct_run *r);

#endif
