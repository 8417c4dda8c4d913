/*
 * cmd_exec.c - `credtrail exec TIMEOUT NONCE CMD`: a drop-in for IronClaw's ironclaw-exec that
 * runs CMD under the egress monitor with NONCE as its task (lib/run.h).
 *
 * What ironclaw-exec does, and so this does: CMD (one argument: `sh -c CMD`; more: the
 * program and its arguments) runs apart - here in a cgroup of its own, which nothing it
 * starts can leave (ironclaw-exec uses a session); credtrail is a child subreaper, so
 * nothing CMD starts is handed to init; after TIMEOUT seconds (0: none) every process of CMD
 * gets SIGTERM and, --grace later, SIGKILL, and the status is 124; when CMD exits, whatever
 * it left is killed (here with SIGKILL at once, from its cgroup) and reaped before credtrail
 * exits with CMD's status.  stdin, stdout and stderr are CMD's; credtrail itself writes to
 * stderr only to say it could not run CMD (status 125, as credtrail run).
 *
 * The evidence goes to --events-dir DIR: NONCE.jsonl (the signed event log),
 * NONCE.jsonl.dsse.json (+ .sig) and NONCE.json (the summary); the run is in the ledger under
 * the task NONCE, created (with --class) when the ledger has no such task.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/attest.h"
#include "lib/ledger.h"
#include "lib/netpolicy.h"
#include "lib/run.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"

#define EXEC_TIMEOUT_MAX	86400	/* seconds, as ironclaw-exec */

/* the task NONCE, created when new */
static int
nonce_task(const char *nonce, const char *class, struct ct_task *t)
{
	int r;

	if ((r = ct_task_id_check(nonce)) != 0)
		return r;
	if ((r = ct_task_get(cli_store(), nonce, t)) != CT_ERR_NOTFOUND)
		return r;
	ct_error_clear();
	return ct_task_create(cli_store(), nonce, class, t);
}

int
cmd_exec(int argc, char **argv)
{
	const char *dir = NULL, *sign = NULL, *policy_file = NULL, *user = NULL;
	const char *upstream = NULL, *class = NULL;
	char *events = NULL, *attest = NULL, *sumpath = NULL, *end, digest[72];
	char *shargv[4] = { "/bin/sh", "-c", NULL, NULL };
	long long grace = 2;
	long timeout;
	int enforce = 0, npos, r, status = CT_RUN_EXIT_SETUP, have_task = 0;
	struct strlist allow = { NULL, 0 };
	struct ct_netpolicy *policy = NULL;
	struct ct_run_params rp;
	struct ct_run *run = NULL;
	EVP_PKEY *key = NULL;
	json_t *summary = NULL;
	struct ct_task t;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "events-dir", &dir, "DIR",
		  "write NONCE.jsonl, its attestation and NONCE.json to DIR" },
		{ OPT_STRING, 0, "sign", &sign, "KEY",
		  "Ed25519 key signing the log (default: the host key)" },
		{ OPT_STRING, 0, "class", &class, "NAME",
		  "class of the task NONCE when it is new" },
		{ OPT_LIST, 0, "allow", &allow, "RULE", "allow a destination (as credtrail run)" },
		{ OPT_STRING, 0, "policy", &policy_file, "FILE", "allow rules from FILE" },
		{ OPT_FLAG, 0, "enforce", &enforce, NULL, "refuse what the rules do not allow" },
		{ OPT_STRING, 0, "user", &user, "USER", "run CMD as USER (default: nobody; "
		    "'dynamic': a uid no other process has, for this run only)" },
		{ OPT_STRING, 0, "upstream-dns", &upstream, "ADDR[:PORT]",
		  "resolver the DNS proxy forwards to (default: /etc/resolv.conf)" },
		{ OPT_DURATION, 0, "grace", &grace, "DUR",
		  "after the timeout's SIGTERM, SIGKILL this much later (default 2)" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail exec [--events-dir DIR] [--sign KEY] [--class NAME] [--allow RULE]...\n"
		"               [--policy FILE] [--enforce] [--user USER] [--upstream-dns ADDR]\n"
		"               [--grace DUR] TIMEOUT NONCE CMD [ARGS...]",
		"Run CMD as ironclaw-exec does - apart (its own cgroup), credtrail as subreaper,\n"
		"SIGTERM then SIGKILL to all of it after TIMEOUT seconds (0: none), every\n"
		"leftover killed when CMD exits - under the egress monitor, as a run of the task\n"
		"NONCE.\n"
		"One CMD argument runs with sh -c.",
		"exit status: CMD's (128+N if killed by signal N); 124 TIMEOUT passed; 125\n"
		"credtrail could not run CMD; 126 not executable; 127 not found; 2 usage error."
	};

	parse_options(argc, argv, opts, &help, PARSE_STOP_AT_NONOPT, &npos);
	if (npos < 3)
		return cli_usage_error("expected TIMEOUT NONCE CMD");
	errno = 0;
	timeout = strtol(argv[0], &end, 10);
	if (errno != 0 || end == argv[0] || *end != '\0' || timeout < 0 ||
	    timeout > EXEC_TIMEOUT_MAX)
		return cli_usage_error("TIMEOUT must be 0 to %d seconds, not '%s'",
		    EXEC_TIMEOUT_MAX, argv[0]);
	if (class != NULL && (r = ct_task_class_check(class)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	if ((r = nonce_task(argv[1], class, &t)) != 0) {
		cli_fail(r);
		goto out;
	}
	have_task = 1;
	if ((r = cli_netpolicy(&allow, policy_file, t.class, &policy)) != 0) {
		if (r == CLI_USAGE)
			status = r;
		goto out;
	}
	if (dir != NULL) {
		if ((mkdir(dir, 0755) != 0 && errno != EEXIST) ||
		    asprintf(&events, "%s/%s.jsonl", dir, t.id) < 0 ||
		    asprintf(&attest, "%s.dsse.json", events) < 0 ||
		    asprintf(&sumpath, "%s/%s.json", dir, t.id) < 0) {
			cli_error("cannot prepare '%s': %s", dir, strerror(errno));
			goto out;
		}
		if ((r = ct_attest_signing_key(cli_store(), sign, &key)) != 0) {
			cli_fail(r);
			goto out;
		}
	}
	/* like ironclaw-exec: orphans of CMD come back to us, not to init */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		cli_error("cannot become a child subreaper: %s", strerror(errno));
		goto out;
	}

	memset(&rp, 0, sizeof(rp));
	rp.task_id = t.id;
	rp.task_class = t.class;
	if (npos == 3) {
		shargv[2] = argv[2];
		rp.argv = shargv;
	} else {
		rp.argv = argv + 2;
	}
	rp.user = user;
	rp.enforce = enforce;
	rp.backend = CT_RUN_BACKEND_AUTO;
	rp.policy = policy;
	rp.upstream_dns = upstream;
	rp.events_path = events;
	rp.evlog_key = key;
	rp.store = cli_store();
	rp.timeout_us = (int64_t)timeout * 1000000;
	rp.term_grace_us = (int64_t)grace * 1000000;
	if ((r = ct_run_start(&run, &rp)) != 0) {
		cli_fail(r);
		goto out;
	}
	if ((r = ct_run_wait(run)) != 0) {
		cli_fail(r);
		goto out;
	}
	status = ct_run_exit_status(run);
	if ((r = ct_run_summary(run, &summary)) != 0 ||
	    (sumpath != NULL && (r = cli_write_json_file(sumpath, summary)) != 0) ||
	    (events != NULL && ((r = ct_attest_run_finish(cli_store(), key, summary, events,
	    attest, digest)) != 0 || (r = ct_run_set_attestation(run, digest)) != 0))) {
		cli_fail(r);
		status = CT_RUN_EXIT_SETUP;
		goto out;
	}
 out:
	ct_run_free(run);
	/* reap what was left to us (killed with the cgroup, or exited on its own) */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	EVP_PKEY_free(key);
	json_decref(summary);
	ct_netpolicy_free(policy);
	if (have_task)
		ct_task_release(&t);
	strlist_free(&allow);
	free(events);
	free(attest);
	free(sumpath);
	return status;
}
