/*
 * cmd_run.c - `credtrail run`: run an agent command under the egress monitor (lib/run.h).
 *
 * Exit status: the agent's own (128 + N when a signal N killed it); 125 when credtrail could
 * not set the run up (nothing was started), 126 when the command cannot be executed, 127
 * when it is not found; 2 for a usage error.  The summary goes to stderr after the agent
 * is gone, and with --json to a file; the events go to --events and the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/attest.h"
#include "lib/ledger.h"
#include "lib/netpolicy.h"
#include "lib/otlp.h"
#include "lib/run.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"

/* The text summary on stderr: one line per destination, then the counters. */
static void
print_summary(json_t *s)
{
	json_t *d, *v, *drops, *names;
	const char *key;
	size_t i, j;
	int any = 0;

	fprintf(stderr, "credtrail run: run %s of task %s (%s, %s): exit status %lld after "
	    "%.3f s\n", json_string_value(json_object_get(s, "run")),
	    json_string_value(json_object_get(s, "task")),
	    json_string_value(json_object_get(s, "mode")),
	    json_string_value(json_object_get(s, "backend")),
	    (long long)json_integer_value(json_object_get(s, "exit_status")),
	    (double)json_integer_value(json_object_get(s, "duration_us")) / 1e6);
	if ((v = json_object_get(s, "exec_error")) != NULL)
		fprintf(stderr, "  cannot run '%s': %s\n",
		    json_string_value(json_object_get(v, "command")),
		    json_string_value(json_object_get(v, "error")));
	if ((v = json_object_get(s, "weakness")) != NULL && json_is_string(v))
		fprintf(stderr, "  weaker backend: %s\n", json_string_value(v));
	if ((v = json_object_get(s, "fallback_reason")) != NULL && json_is_string(v))
		fprintf(stderr, "  note: %s\n", json_string_value(v));
	json_array_foreach(json_object_get(s, "destinations"), i, d) {
		char ports[128] = "";
		size_t off = 0;

		if (!any)
			fprintf(stderr, "  destinations:\n");
		any = 1;
		json_array_foreach(json_object_get(d, "ports"), j, v) {
			int n = snprintf(ports + off, sizeof(ports) - off, "%s%lld", j ? "," : "",
			    (long long)json_integer_value(v));

			if (n < 0 || (size_t)n >= sizeof(ports) - off)
				break;
			off += (size_t)n;
		}
		fprintf(stderr, "    %-36s %s port %-12s %lld let through, %lld denied\n",
		    json_string_value(json_object_get(d, "name")),
		    json_is_true(json_object_get(d, "direct_ip")) ? "(direct-IP)" : "           ",
		    ports, (long long)json_integer_value(json_object_get(d, "connects")),
		    (long long)json_integer_value(json_object_get(d, "denied")));
	}
	if (!any)
		fprintf(stderr, "  destinations: none\n");
	v = json_object_get(s, "dns");
	names = json_object_get(v, "names");
	fprintf(stderr, "  dns: %lld queries for %zu names, %lld refused\n",
	    (long long)json_integer_value(json_object_get(v, "queries")), json_array_size(names),
	    (long long)json_integer_value(json_object_get(v, "denied")));
	fprintf(stderr, "  denials: %lld\n", (long long)json_integer_value(
	    json_object_get(json_object_get(s, "denials"), "count")));
	fprintf(stderr, "  processes: %lld, killed at the end: %lld\n",
	    (long long)json_integer_value(json_object_get(s, "processes")),
	    (long long)json_integer_value(json_object_get(s, "killed_at_end")));
	drops = json_object_get(s, "drops");
	fprintf(stderr, "  lost events:");
	any = 0;
	json_object_foreach(drops, key, v) {
		if (json_integer_value(v) == 0)
			continue;
		fprintf(stderr, " %s=%lld", key, (long long)json_integer_value(v));
		any = 1;
	}
	fprintf(stderr, "%s\n", any ? "" : " none");
	fprintf(stderr, "  evidence: %s; %lld events%s%s\n",
	    json_is_true(json_object_get(s, "complete")) ? "complete" : "INCOMPLETE",
	    (long long)json_integer_value(json_object_get(s, "events")),
	    json_is_string(json_object_get(s, "events_path")) ? " in " : "",
	    json_is_string(json_object_get(s, "events_path")) ?
	    json_string_value(json_object_get(s, "events_path")) : "");
}

int
cmd_run(int argc, char **argv)
{
	const char *task = NULL, *policy_file = NULL, *user = NULL, *events = NULL;
	const char *json_out = NULL, *upstream = cli.upstream_dns, *backend = NULL;
	const char *attest = NULL, *sign = NULL;
	const char *otlp_file = NULL, *otlp_endpoint = NULL, *tpenv;
	struct ct_traceparent caller;
	json_t *otraces = NULL, *ologs = NULL;
	int have_caller = 0;
	char *attest_default = NULL, digest[72];
	EVP_PKEY *sign_key = NULL;
	struct strlist allow = { NULL, 0 }, env = { NULL, 0 };
	struct ct_netpolicy *policy = NULL;
	struct ct_run_params rp;
	struct ct_run *run = NULL;
	struct ct_task t;
	json_t *summary = NULL;
	int enforce = 0, npos, r, status = CT_RUN_EXIT_SETUP, have_task = 0;
	size_t i;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &task, "ID", "the task this run belongs to (required)" },
		{ OPT_LIST, 0, "allow", &allow, "RULE",
		  "allow a destination: host, *.domain, host:port, ADDR[/LEN][:PORT], [V6]:PORT" },
		{ OPT_STRING, 0, "policy", &policy_file, "FILE",
		  "allow rules from FILE (global rules plus the task class's section)" },
		{ OPT_FLAG, 0, "enforce", &enforce, NULL,
		  "refuse (EPERM) what the rules do not allow; default: audit only" },
		{ OPT_STRING, 0, "user", &user, "USER", "run the agent as USER (default: nobody; "
		    "'dynamic': a uid no other process has, for this run only)" },
		{ OPT_STRING, 0, "events", &events, "FILE",
		  "write the event log (JSON lines with Merkle checkpoints) to FILE" },
		{ OPT_STRING, 0, "json", &json_out, "FILE", "write the run summary as JSON to FILE" },
		{ OPT_STRING, 0, "attest", &attest, "FILE",
		  "write the signed attestation to FILE and FILE.sig (default: EVENTS.dsse.json)" },
		{ OPT_STRING, 0, "sign", &sign, "KEY",
		  "Ed25519 key signing the log and attestation (default: the per-host key)" },
		{ OPT_STRING, 0, "upstream-dns", &upstream, "ADDR[:PORT]",
		  "resolver the DNS proxy forwards to (default: /etc/resolv.conf)" },
		{ OPT_STRING, 0, "backend", &backend, "ebpf|seccomp",
		  "monitor backend (default: ebpf when root, else seccomp)" },
		{ OPT_LIST, 0, "env", &env, "NAME[=VALUE]",
		  "for the agent's environment; NAME alone copies credtrail's value" },
		{ OPT_STRING, 0, "otlp-file", &otlp_file, "FILE",
		  "write the run as an OTLP/JSON span and its events as log records to FILE" },
		{ OPT_STRING, 0, "otlp-endpoint", &otlp_endpoint, "URL",
		  "POST them to an OTLP/HTTP receiver (URL/v1/traces, URL/v1/logs)" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail run --task ID [--allow RULE]... [--policy FILE] [--enforce] [--user USER]\n"
		"              [--events FILE [--attest FILE] [--sign KEY]] [--json FILE]\n"
		"              [--upstream-dns ADDR[:PORT]]\n"
		"              [--backend ebpf|seccomp] [--env NAME[=VALUE]]...\n"
		"              [--otlp-file FILE] [--otlp-endpoint URL] -- CMD [ARGS...]",
		"Run CMD as the task's agent: in its own cgroup, as an unprivileged user without\n"
		"capabilities, with every network attempt of its whole process tree recorded (and\n"
		"labelled with the DNS names that led to it).  --enforce refuses what the allow\n"
		"rules do not admit.  Exits with the agent's status.  The agent's TRACEPARENT\n"
		"continues the caller's trace when credtrail has a valid one (W3C trace context),\n"
		"else starts a new trace.  The agent's environment is clean: --env NAME=VALUE adds\n"
		"to it, and --env NAME copies credtrail's own value, so that a secret handed to\n"
		"the agent is never on a command line other users can read in /proc.",
		"exit status: the agent's (128+N if killed by signal N); 125 setup failed (the agent\n"
		"did not run), 126 command not executable, 127 command not found, 2 usage error."
	};

	parse_options(argc, argv, opts, &help, PARSE_STOP_AT_NONOPT, &npos);
	if (task == NULL) {
		status = cli_usage_error("missing --task ID");
		goto out;
	}
	if (npos == 0) {
		status = cli_usage_error("missing the command to run "
		    "(credtrail run --task ID -- CMD)");
		goto out;
	}
	memset(&rp, 0, sizeof(rp));
	if (backend == NULL)
		rp.backend = CT_RUN_BACKEND_AUTO;
	else if (strcmp(backend, "ebpf") == 0)
		rp.backend = CT_RUN_BACKEND_EBPF;
	else if (strcmp(backend, "seccomp") == 0)
		rp.backend = CT_RUN_BACKEND_SECCOMP;
	else {
		status = cli_usage_error("unknown backend '%s' (ebpf or seccomp)", backend);
		goto out;
	}
	for (i = 0; i < env.n; i++) {
		if (env.v[i][0] == '=' || env.v[i][0] == '\0') {
			status = cli_usage_error("--env expects NAME=VALUE or NAME, not '%s'",
			    env.v[i]);
			goto out;
		}
		if (strchr(env.v[i], '=') == NULL && getenv(env.v[i]) == NULL) {
			status = cli_usage_error("--env %s: no such variable in credtrail's "
			    "environment", env.v[i]);
			goto out;
		}
	}
	if ((attest != NULL || sign != NULL) && events == NULL) {
		status = cli_usage_error("--attest and --sign need --events FILE");
		goto out;
	}
	if (events != NULL && attest == NULL) {
		if (asprintf(&attest_default, "%s.dsse.json", events) < 0) {
			attest_default = NULL;
			status = cli_error("out of memory");
			goto out;
		}
		attest = attest_default;
	}
	if (sign == NULL && events != NULL)
		sign = cli.sign;	/* the config file's or CREDTRAIL_SIGN */

	if ((r = ct_task_id_check(task)) != 0 || (r = ct_task_get(cli_store(), task, &t)) != 0) {
		cli_fail(r);
		goto out;
	}
	have_task = 1;
	if (allow.n == 0 && (r = cli_default_list(&allow, cli.allow, cli.nallow)) != 0) {
		cli_fail(r);
		goto out;
	}
	if ((r = cli_netpolicy(&allow, policy_file, t.class, &policy)) != 0) {
		if (r == CLI_USAGE)
			status = r;
		goto out;
	}

	rp.task_id = t.id;
	rp.task_class = t.class;
	rp.argv = argv;
	rp.user = user;
	rp.enforce = enforce;
	rp.policy = policy;
	rp.upstream_dns = upstream;
	rp.events_path = events;
	/* the log's checkpoints and the attestation are signed with the same key */
	if (events != NULL && (r = ct_attest_signing_key(cli_store(), sign, &sign_key)) != 0) {
		cli_fail(r);
		goto out;
	}
	rp.evlog_key = sign_key;
	rp.store = cli_store();
	rp.env = env.v;
	rp.nenv = env.n;
	/* W3C trace context: a malformed TRACEPARENT is ignored (a new trace), as asked of a
	 * receiver by the specification */
	if ((tpenv = getenv("TRACEPARENT")) != NULL &&
	    ct_traceparent_parse(&caller, tpenv, strlen(tpenv)) == 0) {
		rp.trace_id = caller.trace_id;
		have_caller = 1;
	}
	ct_error_clear();
	if ((r = ct_run_start(&run, &rp)) != 0) {
		cli_fail(r);
		goto out;
	}
	if ((r = ct_run_wait(run)) != 0) {
		/* the monitor failed: the agent was stopped, the evidence is incomplete */
		cli_fail(r);
		goto out;
	}
	status = ct_run_exit_status(run);

	/* The summary: built once (lib/run.c), printed, written, and what an attestation signs. */
	if ((r = ct_run_summary(run, &summary)) != 0) {
		cli_fail(r);
		status = CT_RUN_EXIT_SETUP;
		goto out;
	}
	print_summary(summary);
	if (json_out != NULL && (r = cli_write_json_file(json_out, summary)) != 0) {
		cli_fail(r);
		status = CT_RUN_EXIT_SETUP;
		goto out;
	}
	if (events != NULL) {
		if ((r = ct_attest_run_finish(cli_store(), sign_key, summary, events, attest,
		    digest)) != 0 || (r = ct_run_set_attestation(run, digest)) != 0) {
			cli_fail(r);
			status = CT_RUN_EXIT_SETUP;
			goto out;
		}
		fprintf(stderr, "  attestation: %s (and %s.sig), %s\n", attest, attest, digest);
	}
	if (otlp_file != NULL || otlp_endpoint != NULL) {
		struct ct_otlp_run orun = { summary, events,
		    have_caller ? caller.parent_id : NULL, CT_VERSION };

		if ((r = ct_otlp_run_encode(&orun, &otraces, &ologs)) != 0 ||
		    (otlp_file != NULL &&
		    (r = ct_otlp_write_file(otlp_file, otraces, ologs)) != 0) ||
		    (otlp_endpoint != NULL &&
		    (r = ct_otlp_post(otlp_endpoint, otraces, ologs)) != 0)) {
			cli_fail(r);
			status = CT_RUN_EXIT_SETUP;
			goto out;
		}
	}
 out:
	json_decref(otraces);
	json_decref(ologs);
	EVP_PKEY_free(sign_key);
	free(attest_default);
	json_decref(summary);
	ct_run_free(run);
	ct_netpolicy_free(policy);
	if (have_task)
		ct_task_release(&t);
	strlist_free(&allow);
	strlist_free(&env);
	return status;
}
