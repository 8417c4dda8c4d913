/*
 * cmd_watch.c - `credtrail watch`: the egress monitor attached to an existing cgroup (a
 * container's), optionally split into one sub-run per invocation (lib/watch.h); `watch
 * --release` clears the guard a watch that died left behind; `watch report` puts an egress
 * proxy's records beside each sub-run's connections (lib/watch_join.h).
 *
 * Exit status: 0 the watch ended as asked (signal, --duration, --until-empty); 1 it could
 * not start or the monitor failed (with --enforce the guard then stays: see README);
 * 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/attest.h"
#include "lib/ledger.h"
#include "lib/netpolicy.h"
#include "lib/run.h"
#include "lib/store.h"
#include "lib/watch.h"
#include "lib/watch_join.h"
#include "util/err.h"
#include "util/fs.h"

static int cmd_watch_report(int argc, char **argv);

static void
print_dests(json_t *dests, const char *indent)
{
	json_t *d, *v;
	size_t i, j;

	json_array_foreach(dests, i, d) {
		char ports[128] = "";
		size_t off = 0;

		json_array_foreach(json_object_get(d, "ports"), j, v) {
			int n = snprintf(ports + off, sizeof(ports) - off, "%s%lld", j ? "," : "",
			    (long long)json_integer_value(v));

			if (n < 0 || (size_t)n >= sizeof(ports) - off)
				break;
			off += (size_t)n;
		}
		fprintf(stderr, "%s%-34s %s port %-10s %lld let through, %lld denied\n", indent,
		    json_string_value(json_object_get(d, "name")),
		    json_is_true(json_object_get(d, "direct_ip")) ? "(direct-IP)" : "           ",
		    ports, (long long)json_integer_value(json_object_get(d, "connects")),
		    (long long)json_integer_value(json_object_get(d, "denied")));
	}
}

static void
print_summary(json_t *s)
{
	json_t *v, *subs = json_object_get(s, "sub_runs"), *sr;
	size_t i;

	fprintf(stderr, "credtrail watch: run %s of task %s (%s): %s after %.3f s\n",
	    json_string_value(json_object_get(s, "run")),
	    json_string_value(json_object_get(s, "task")),
	    json_string_value(json_object_get(s, "mode")),
	    json_string_value(json_object_get(s, "stopped_by")),
	    (double)json_integer_value(json_object_get(s, "duration_us")) / 1e6);
	if ((v = json_object_get(s, "fallback_reason")) != NULL && json_is_string(v))
		fprintf(stderr, "  note: %s\n", json_string_value(v));
	if (json_array_size(json_object_get(s, "destinations")) == 0)
		fprintf(stderr, "  the container's own destinations: none\n");
	else
		fprintf(stderr, "  the container's own destinations:\n");
	print_dests(json_object_get(s, "destinations"), "    ");
	fprintf(stderr, "  denials: %lld\n", (long long)json_integer_value(
	    json_object_get(json_object_get(s, "denials"), "count")));
	if (subs != NULL)
		fprintf(stderr, "  sub-runs: %zu\n", json_array_size(subs));
	json_array_foreach(subs, i, sr) {
		json_t *es = json_object_get(sr, "exit_status");

		fprintf(stderr, "    %s: run %s, pid %lld, exit %s%lld, %s, %lld events\n",
		    json_string_value(json_object_get(sr, "task")),
		    json_string_value(json_object_get(sr, "run")),
		    (long long)json_integer_value(json_object_get(sr, "pid")),
		    json_is_integer(es) ? "" : "unknown ", (long long)json_integer_value(es),
		    json_is_true(json_object_get(sr, "complete")) ? "complete" : "INCOMPLETE",
		    (long long)json_integer_value(json_object_get(sr, "events")));
		print_dests(json_object_get(sr, "destinations"), "      ");
	}
	fprintf(stderr, "  evidence: %s; %lld events%s%s\n",
	    json_is_true(json_object_get(s, "complete")) ? "complete" : "INCOMPLETE",
	    (long long)json_integer_value(json_object_get(s, "events")),
	    json_is_string(json_object_get(s, "events_path")) ? " in " : "",
	    json_is_string(json_object_get(s, "events_path")) ?
	    json_string_value(json_object_get(s, "events_path")) : "");
}

/* "PROGRAM[:ARGINDEX]": the index is the part after the last ':' when it is all digits */
static int
parse_split(const char *spec, char **prog, int *idx)
{
	const char *c = strrchr(spec, ':');
	char *end;
	long v;

	*prog = NULL;
	*idx = 1;
	if (c != NULL && c[1] != '\0' && strspn(c + 1, "0123456789") == strlen(c + 1)) {
		errno = 0;
		v = strtol(c + 1, &end, 10);
		if (errno != 0 || v < 0 || v > 255)
			return -1;
		*idx = (int)v;
		*prog = strndup(spec, (size_t)(c - spec));
	} else {
		*prog = strdup(spec);
	}
	if (*prog == NULL || (*prog)[0] == '\0') {
		free(*prog);
		*prog = NULL;
		return -1;
	}
	return 0;
}

static int
release(const char *cgroup, long long pid)
{
	char *path = NULL;
	pid_t member;
	unsigned n;
	int r;

	if ((r = ct_watch_resolve(cgroup, (pid_t)pid, &path, &member)) != 0)
		return cli_fail(r);
	if ((r = ct_watch_release(path, &n)) != 0) {
		free(path);
		return cli_fail(r);
	}
	if (n == 0)
		printf("no guard on %s\n", path);
	else
		printf("released %u guard program%s from %s\n", n, n == 1 ? "" : "s", path);
	free(path);
	return 0;
}

int
cmd_watch(int argc, char **argv)
{
	const char *cgroup = NULL, *task = NULL, *split = NULL, *policy_file = NULL;
	const char *upstream = NULL, *events = NULL, *attest = NULL, *sign = NULL;
	const char *sub_dir = NULL, *json_out = NULL;
	static const char *const self_argv[] = { "credtrail", "watch", NULL };
	char *attest_default = NULL, *sub_default = NULL, *prog = NULL, digest[72];
	long long pid = 0, duration = 0;
	int enforce = 0, until_empty = 0, do_release = 0, idx = 1, npos, r, status = CLI_FAIL;
	int have_task = 0;
	struct strlist allow = { NULL, 0 };
	struct ct_netpolicy *policy = NULL;
	struct ct_watch_params wp;
	struct ct_watch *w = NULL;
	EVP_PKEY *key = NULL;
	json_t *summary = NULL;
	struct ct_task t;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "cgroup", &cgroup, "PATH",
		  "the cgroup v2 directory to watch (below the cgroup2 mount)" },
		{ OPT_INT, 0, "pid", &pid, "PID", "watch the cgroup of this process (a container's "
		  "init)" },
		{ OPT_STRING, 0, "task", &task, "ID", "the task the watch records belong to" },
		{ OPT_STRING, 0, "split-by-exec", &split, "PROGRAM[:N]",
		  "one sub-run per exec of PROGRAM, keyed by its argv[N] (default 1)" },
		{ OPT_FLAG, 0, "enforce", &enforce, NULL,
		  "refuse what the rules do not allow; the cgroup stays blocked if watch dies" },
		{ OPT_LIST, 0, "allow", &allow, "RULE", "allow a destination (as credtrail run)" },
		{ OPT_STRING, 0, "policy", &policy_file, "FILE", "allow rules from FILE" },
		{ OPT_STRING, 0, "upstream-dns", &upstream, "ADDR[:PORT]",
		  "resolver to forward to (default: the container's resolv.conf)" },
		{ OPT_STRING, 0, "events", &events, "FILE", "write the watch's event log to FILE" },
		{ OPT_STRING, 0, "attest", &attest, "FILE",
		  "the watch's attestation (default: EVENTS.dsse.json)" },
		{ OPT_STRING, 0, "sign", &sign, "KEY",
		  "Ed25519 key signing logs and attestations" },
		{ OPT_STRING, 0, "sub-dir", &sub_dir, "DIR",
		  "sub-runs' logs, attestations and summaries (default: EVENTS.d)" },
		{ OPT_STRING, 0, "json", &json_out, "FILE", "write the summary as JSON to FILE" },
		{ OPT_FLAG, 0, "until-empty", &until_empty, NULL,
		  "end when no process is left in the cgroup" },
		{ OPT_DURATION, 0, "duration", &duration, "DUR", "end after DUR (90, 15m, 1h)" },
		{ OPT_FLAG, 0, "release", &do_release, NULL,
		  "detach the guard a watch that died left on the cgroup, and exit" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail watch (--cgroup PATH | --pid PID) --task ID\n"
		"                [--split-by-exec PROGRAM[:N]] [--enforce] [--allow RULE]...\n"
		"                [--policy FILE] [--upstream-dns ADDR[:PORT]]\n"
		"                [--events FILE [--attest FILE] [--sign KEY] [--sub-dir DIR]]\n"
		"                [--json FILE] [--until-empty | --duration DUR]\n"
		"       credtrail watch --release (--cgroup PATH | --pid PID)\n"
		"       credtrail watch report (--run ID | --task ID) [--proxy RULE]... [--json]",
		"Attach the egress monitor of credtrail run to an existing cgroup - a\n"
		"container's - until SIGINT/SIGTERM, --duration or --until-empty, then detach\n"
		"and leave the container running.  With --split-by-exec every process tree\n"
		"begun by an exec of PROGRAM (IronClaw's ironclaw-exec:2) is a sub-run of its\n"
		"own task (argv[N]).",
		"exit status: 0 the watch ended as asked; 1 it could not start or the monitor\n"
		"failed (with --enforce the cgroup then stays blocked until --release); 2 usage."
	};

	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return cmd_watch_report(argc - 1, argv + 1);
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos > 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if ((cgroup == NULL) == (pid == 0))
		return cli_usage_error("give exactly one of --cgroup PATH and --pid PID");
	if (pid < 0 || pid > 0x3fffffff)
		return cli_usage_error("--pid expects a process id, not %lld", pid);
	if (do_release)
		return release(cgroup, pid);
	if (task == NULL)
		return cli_usage_error("missing --task ID");
	if (until_empty && duration > 0)
		return cli_usage_error("give at most one of --until-empty and --duration");
	if (split != NULL && parse_split(split, &prog, &idx) != 0)
		return cli_usage_error("--split-by-exec expects PROGRAM[:N], not '%s'", split);
	if ((attest != NULL || sign != NULL || sub_dir != NULL) && events == NULL) {
		free(prog);
		return cli_usage_error("--attest, --sign and --sub-dir need --events FILE");
	}
	if (events != NULL && attest == NULL) {
		if (asprintf(&attest_default, "%s.dsse.json", events) < 0)
			goto oom;
		attest = attest_default;
	}
	if (events != NULL && prog != NULL && sub_dir == NULL) {
		if (asprintf(&sub_default, "%s.d", events) < 0)
			goto oom;
		sub_dir = sub_default;
	}

	if ((r = ct_task_id_check(task)) != 0 || (r = ct_task_get(cli_store(), task, &t)) != 0) {
		cli_fail(r);
		goto out;
	}
	have_task = 1;
	if ((r = cli_netpolicy(&allow, policy_file, t.class, &policy)) != 0) {
		if (r == CLI_USAGE)
			status = r;
		goto out;
	}
	if (events != NULL && (r = ct_attest_signing_key(cli_store(), sign, &key)) != 0) {
		cli_fail(r);
		goto out;
	}
	if (sub_dir != NULL && mkdir(sub_dir, 0755) != 0 && errno != EEXIST) {
		cli_error("cannot create '%s': %s", sub_dir, strerror(errno));
		goto out;
	}

	memset(&wp, 0, sizeof(wp));
	wp.cgroup_path = cgroup;
	wp.pid = (pid_t)pid;
	wp.task_id = t.id;
	wp.task_class = t.class;
	wp.argv = (char *const *)self_argv;
	wp.enforce = enforce;
	wp.policy = policy;
	wp.upstream_dns = upstream;
	wp.events_path = events;
	wp.sub_dir = sub_dir;
	wp.key = key;
	wp.store = cli_store();
	wp.split_program = prog;
	wp.split_argindex = idx;
	wp.until_empty = until_empty;
	wp.duration_us = duration * 1000000LL;
	if ((r = ct_watch_start(&w, &wp)) != 0) {
		cli_fail(r);
		goto out;
	}
	fprintf(stderr, "credtrail watch: watching %s as run %s (task %s, %s)\n",
	    ct_watch_cgroup(w), ct_run_id(ct_watch_run(w)), t.id, enforce ? "enforce" : "audit");
	fflush(stderr);
	if ((r = ct_watch_wait(w)) != 0) {
		cli_fail(r);
		goto out;
	}
	if ((r = ct_watch_summary(w, &summary)) != 0) {
		cli_fail(r);
		goto out;
	}
	print_summary(summary);
	if (json_out != NULL && (r = cli_write_json_file(json_out, summary)) != 0) {
		cli_fail(r);
		goto out;
	}
	if (events != NULL) {
		/* the container's own record: the statement summarises it (sub-runs linked) */
		if ((r = ct_attest_run_finish(cli_store(), key, summary, events, attest,
		    digest)) != 0 || (r = ct_run_set_attestation(ct_watch_run(w), digest)) != 0) {
			cli_fail(r);
			goto out;
		}
		fprintf(stderr, "  attestation: %s (and %s.sig), %s\n", attest, attest, digest);
	}
	status = 0;
	goto out;
 oom:
	status = cli_error("out of memory");
 out:
	ct_watch_free(w);
	EVP_PKEY_free(key);
	json_decref(summary);
	ct_netpolicy_free(policy);
	if (have_task)
		ct_task_release(&t);
	strlist_free(&allow);
	free(attest_default);
	free(sub_default);
	free(prog);
	return status;
}

static void
print_request(json_t *q, const char *indent)
{
	json_t *st = json_object_get(q, "status");
	const char *how = json_string_value(json_object_get(q, "joined_by"));

	printf("%s%s %s %s  %s%s%lld  from %s%s%s%s\n", indent,
	    json_string_value(json_object_get(q, "method")) != NULL ?
	    json_string_value(json_object_get(q, "method")) : "-",
	    json_string_value(json_object_get(q, "host")) != NULL ?
	    json_string_value(json_object_get(q, "host")) : "-",
	    json_string_value(json_object_get(q, "path")) != NULL ?
	    json_string_value(json_object_get(q, "path")) : "-",
	    json_string_value(json_object_get(q, "action")) != NULL ?
	    json_string_value(json_object_get(q, "action")) : "-",
	    json_is_integer(st) ? " " : "", json_is_integer(st) ? (long long)
	    json_integer_value(st) : 0LL,
	    json_string_value(json_object_get(q, "source")) != NULL ?
	    json_string_value(json_object_get(q, "source")) : "-",
	    how != NULL ? "  [by " : "", how != NULL ? how : "", how != NULL ? "]" : "");
}

static void
print_join(json_t *o)
{
	json_t *inv, *c, *q, *f, *names;
	size_t i, k;

	json_array_foreach(json_object_get(o, "invocations"), i, inv) {
		json_t *es = json_object_get(inv, "exit_status");

		if (json_is_true(json_object_get(inv, "own")))
			printf("%s (run %s, the watch's own events)\n",
			    json_string_value(json_object_get(inv, "task")),
			    json_string_value(json_object_get(inv, "run")));
		else
			printf("invocation %s (run %s, pid %lld, %s - %s, exit %s%lld, %s)\n",
			    json_string_value(json_object_get(inv, "task")),
			    json_string_value(json_object_get(inv, "run")),
			    (long long)json_integer_value(json_object_get(inv, "pid")),
			    json_string_value(json_object_get(inv, "start")),
			    json_string_value(json_object_get(inv, "end")) != NULL ?
			    json_string_value(json_object_get(inv, "end")) : "running",
			    json_is_integer(es) ? "" : "unknown ",
			    (long long)json_integer_value(es),
			    json_is_true(json_object_get(inv, "complete")) ? "complete" :
			    "INCOMPLETE");
		json_array_foreach(json_object_get(inv, "connections"), k, c) {
			json_t *vp = json_object_get(c, "via_proxy");

			names = json_object_get(c, "names");
			printf("  monitor: %s %s:%lld%s%s%s pid %lld %s%s\n",
			    json_string_value(json_object_get(c, "proto")),
			    json_string_value(json_object_get(c, "dst")),
			    (long long)json_integer_value(json_object_get(c, "dport")),
			    json_array_size(names) > 0 ? " (" : "",
			    json_array_size(names) > 0 ?
			    json_string_value(json_array_get(names, 0)) : "",
			    json_array_size(names) > 0 ? ")" : "",
			    (long long)json_integer_value(json_object_get(c, "pid")),
			    json_string_value(json_object_get(c, "verdict")),
			    json_is_true(vp) ? ", via the proxy" : json_is_false(vp) ?
			    ", NOT via the proxy" : "");
		}
		json_array_foreach(json_object_get(inv, "requests"), k, q)
			print_request(q, "  proxy:   ");
		json_array_foreach(json_object_get(inv, "findings"), k, f)
			printf("  %s %s: %s\n", json_string_value(json_object_get(f, "severity")),
			    json_string_value(json_object_get(f, "kind")),
			    json_string_value(json_object_get(f, "summary")));
	}
	if (json_array_size(json_object_get(o, "unattributed")) > 0)
		printf("proxy requests no invocation explains:\n");
	json_array_foreach(json_object_get(o, "unattributed"), i, q) {
		json_t *r = json_object_get(q, "reason");

		print_request(q, "  ");
		printf("    %s\n", json_is_string(r) ? json_string_value(r) :
		    json_string_value(json_object_get(r, "text")));
	}
	if (!json_is_true(json_object_get(json_object_get(o, "proxy"), "known")))
		printf("the proxy's address is unknown (no --proxy, no request joined by its "
		    "source): bypasses cannot be told\n");
	q = json_object_get(o, "totals");
	printf("%lld invocations, %lld connections, %lld proxy requests (%lld joined), "
	    "%lld bypasses\n", (long long)json_integer_value(json_object_get(q, "invocations")),
	    (long long)json_integer_value(json_object_get(q, "connections")),
	    (long long)json_integer_value(json_object_get(q, "requests")),
	    (long long)json_integer_value(json_object_get(q, "joined")),
	    (long long)json_integer_value(json_object_get(q, "bypasses")));
}

static int
cmd_watch_report(int argc, char **argv)
{
	const char *run = NULL, *task = NULL;
	struct strlist proxy = { NULL, 0 };
	struct ct_netpolicy *pp = NULL;
	struct ct_watch_join_params jp;
	long long skew = 2;
	int as_json = 0, fail_bypass = 0, npos, r, status = CLI_FAIL;
	json_t *o = NULL;
	size_t i;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "run", &run, "ID",
		  "a watch's run (all its sub-runs), or a sub-run" },
		{ OPT_STRING, 0, "task", &task, "ID",
		  "every watch of the task, and the sub-runs of that task" },
		{ OPT_LIST, 0, "proxy", &proxy, "RULE",
		  "the proxy's address (name, ADDR[/LEN][:PORT]); default: learnt from the log" },
		{ OPT_DURATION, 0, "skew", &skew, "DUR", "clock skew allowed (default 2 s)" },
		{ OPT_FLAG, 0, "json", &as_json, NULL, "print the join as JSON" },
		{ OPT_FLAG, 0, "fail-on-bypass", &fail_bypass, NULL,
		  "exit 6 when a connection bypassed the proxy" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail watch report (--run ID | --task ID) [--proxy RULE]... [--skew DUR]\n"
		"                       [--json] [--fail-on-bypass]",
		"Per invocation (sub-run) of a watch, the egress proxy's requests (credtrail\n"
		"ingest --format ironproxy) beside the monitor's connections, joined by source\n"
		"address and port, else host and time; a connection the proxy never saw is a\n"
		"bypass.",
		"exit status: 0 done; 6 --fail-on-bypass and a bypass was found; 1 failure;\n"
		"2 usage."
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos > 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if ((run == NULL) == (task == NULL))
		return cli_usage_error("give exactly one of --run ID and --task ID");
	if (proxy.n > 0) {
		if ((r = ct_netpolicy_new(&pp)) != 0) {
			cli_fail(r);
			goto out;
		}
		for (i = 0; i < proxy.n; i++)
			if ((r = ct_netpolicy_add_rule(pp, proxy.v[i])) != 0) {
				status = cli_usage_error("--proxy: %s", ct_errmsg(r));
				goto out;
			}
	}
	memset(&jp, 0, sizeof(jp));
	jp.run_id = run;
	jp.task_id = task;
	jp.proxy = pp;
	jp.skew_us = skew * 1000000LL;
	if ((r = ct_watch_join(cli_store(), &jp, &o)) != 0) {
		cli_fail(r);
		goto out;
	}
	if (as_json)
		cli_print_json(o);
	else
		print_join(o);
	status = fail_bypass && json_integer_value(json_object_get(json_object_get(o, "totals"),
	    "bypasses")) > 0 ? 6 : 0;
 out:
	json_decref(o);
	ct_netpolicy_free(pp);
	strlist_free(&proxy);
	return status;
}
