/*
 * cmd_dnsproxy.c - `credtrail dns-proxy`: run credtrail's DNS proxy alone, in the
 * foreground, to try a policy against a resolver (and for the tests).  `credtrail run`
 * starts the same proxy itself; this command adds nothing to it but the output files.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/dnsmsg.h"
#include "lib/dnsproxy.h"
#include "lib/netpolicy.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

struct proxy_out {
	FILE *events;
	int failed;
};

static void
write_line(struct proxy_out *po, json_t *o)
{
	if (po->events == NULL || o == NULL) {
		json_decref(o);
		return;
	}
	if (json_dumpf(o, po->events, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
	    fputc('\n', po->events) == EOF || fflush(po->events) != 0)
		po->failed = 1;
	json_decref(o);
}

static void
on_event(const struct ct_dns_event *ev, void *arg)
{
	write_line(arg, ct_dns_event_json(ev));
}

static int
on_admit(int family, const uint8_t *addr, uint16_t port, uint32_t ttl, const char *name, void *arg)
{
	char a[INET6_ADDRSTRLEN], ts[40];

	inet_ntop(family, addr, a, sizeof(a));
	ct_time_fmt(ct_now_us(), 1, ts, sizeof(ts));
	write_line(arg, json_pack("{s:s, s:s, s:s, s:i, s:I, s:s}", "type", "admit", "time", ts,
	    "addr", a, "port", (int)port, "ttl", (json_int_t)ttl, "name", name));
	return 0;
}

static void
on_incident(json_t *ev, int64_t time_us, void *arg)
{
	write_line(arg, ev);
}

static int
add_names(int family, const uint8_t *addr, const char *const *names, size_t n, void *arg)
{
	char a[INET6_ADDRSTRLEN];
	json_t *v = json_array();
	size_t i;

	if (v == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		json_array_append_new(v, json_string(names[i]));
	inet_ntop(family, addr, a, sizeof(a));
	if (json_object_set_new(arg, a, v) != 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
write_names(struct ct_dnsproxy *px, const char *path)
{
	json_t *o = json_object();
	char *text = NULL;
	int r;

	if (o == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if ((r = ct_dnsproxy_names_foreach(px, add_names, o)) == 0) {
		if ((text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
			r = ct_error(CT_ERR_NOMEM, "out of memory");
		else
			r = ct_write_file_atomic(path, text, strlen(text), 0644);
	}
	free(text);
	json_decref(o);
	return r;
}

int
cmd_dnsproxy(int argc, char **argv)
{
	struct strlist listen = { 0 }, allow = { 0 };
	const char *upstream = cli.upstream_dns, *policy_path = NULL, *class = NULL, *events = NULL;
	const char *names = NULL, *deny = "refused";
	long long timeout_ms = -1, child_fd = -1;
	struct ct_dnsproxy_config cfg;
	struct ct_dnsproxy_stats st;
	struct ct_netpolicy *pol = NULL;
	struct ct_dnsproxy *px = NULL;
	struct proxy_out po = { NULL, 0 };
	char a[80];
	sigset_t sigs;
	size_t i;
	int enforce = 0, privsep = 0, npos, r, sig, rc = CLI_FAIL;
	const struct opt opts[] = {
		{ OPT_LIST, 0, "listen", &listen, "ADDR:PORT",
		  "loopback address to serve UDP and TCP on; port 0: any free port "
		  "(default 127.0.0.1:0)" },
		{ OPT_STRING, 0, "upstream", &upstream, "ADDR[:PORT]",
		  "the resolver to forward to (default: first nameserver in /etc/resolv.conf)" },
		{ OPT_LIST, 0, "allow", &allow, "RULE", "allow a host, *.domain, host:port, CIDR" },
		{ OPT_STRING, 0, "policy", &policy_path, "FILE", "read allow rules from a policy file" },
		{ OPT_STRING, 0, "class", &class, "NAME", "also use the policy's [class NAME] rules" },
		{ OPT_FLAG, 0, "enforce", &enforce, NULL,
		  "answer names outside the allowlist locally instead of forwarding them" },
		{ OPT_STRING, 0, "deny-rcode", &deny, "refused|nxdomain",
		  "the answer to a denied name (default refused)" },
		{ OPT_INT, 0, "timeout-ms", &timeout_ms, "MS",
		  "give up on the upstream after MS milliseconds (default 3000)" },
		{ OPT_STRING, 0, "events", &events, "FILE",
		  "append one JSON line per query (type dns) and per admitted address (type admit)" },
		{ OPT_STRING, 0, "names", &names, "FILE",
		  "at exit, write the name map (address -> names) as JSON" },
		{ OPT_FLAG, 0, "privsep", &privsep, NULL,
		  "parse DNS in an unprivileged child process, as 'credtrail run' does" },
		{ OPT_INT, 0, "privsep-child", &child_fd, "FD",
		  "internal: be that child, talking to its parent on FD" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail dns-proxy [--listen ADDR:PORT]... [--upstream ADDR[:PORT]]\n"
		"                 [--allow RULE]... [--policy FILE [--class NAME]] [--enforce]\n"
		"                 [--events FILE] [--names FILE]",
		"Run credtrail's DNS proxy in the foreground until SIGINT or SIGTERM: the proxy that\n"
		"'credtrail run' puts between the agent and its resolver.  Every query is forwarded\n"
		"to the upstream resolver and its answer's addresses recorded under the name (and\n"
		"every CNAME on the way).  Without --enforce the allow rules only label queries\n"
		"(verdict audit); with --enforce a name outside them is answered REFUSED (or\n"
		"NXDOMAIN) without being forwarded, and with no rule at all every name is denied.\n"
		"When listening, prints 'listening on ADDR:PORT' (one line per address); at exit,\n"
		"a line of counters.  With --privsep the queries and answers are parsed by a child\n"
		"process with no privileges, which this one answers through a narrow request table\n"
		"(README, \"Security\").",
		"Rules and the policy file format are described in the README (\"Allow rules\")."
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0) {
		rc = cli_usage_error("unexpected argument '%s'", argv[0]);
		goto out;
	}
	if (child_fd != -1) {
		/* the unprivileged half of a proxy: no output of its own, _exit (no atexit
		 * handlers: they would run inside the sandbox) */
		if (child_fd != 3)
			_exit(CLI_USAGE);
		_exit(ct_dnsproxy_child_main((int)child_fd) == 0 ? CLI_OK : CLI_FAIL);
	}
	ct_dnsproxy_config_init(&cfg);
	if (strcmp(deny, "refused") == 0) {
		cfg.deny_rcode = CT_DNS_RCODE_REFUSED;
	} else if (strcmp(deny, "nxdomain") == 0) {
		cfg.deny_rcode = CT_DNS_RCODE_NXDOMAIN;
	} else {
		rc = cli_usage_error("--deny-rcode must be refused or nxdomain, not '%s'", deny);
		goto out;
	}
	if (timeout_ms != -1 && (timeout_ms < 1 || timeout_ms > 60000)) {
		rc = cli_usage_error("--timeout-ms must be between 1 and 60000");
		goto out;
	}
	if (class != NULL && policy_path == NULL) {
		rc = cli_usage_error("--class needs --policy");
		goto out;
	}
	cfg.timeout_ms = timeout_ms == -1 ? 0 : (int)timeout_ms;
	cfg.enforce = enforce;
	if (listen.n > CT_DNSPROXY_MAX_LISTEN) {
		rc = cli_usage_error("at most %d --listen addresses", CT_DNSPROXY_MAX_LISTEN);
		goto out;
	}
	for (i = 0; i < listen.n; i++) {
		if ((r = ct_dns_parse_addrport(listen.v[i], 0, &cfg.listen[i])) != 0) {
			rc = cli_usage_error("--listen: %s", ct_errmsg(r));
			goto out;
		}
	}
	cfg.nlisten = listen.n;
	if (cfg.nlisten == 0) {
		(void)ct_dns_parse_addrport("127.0.0.1", 0, &cfg.listen[0]);
		cfg.nlisten = 1;
	}
	if (upstream != NULL) {
		if ((r = ct_dns_parse_addrport(upstream, 53, &cfg.upstream)) != 0) {
			rc = cli_usage_error("--upstream: %s", ct_errmsg(r));
			goto out;
		}
	} else if ((r = ct_dns_upstream_from_resolv_conf("/etc/resolv.conf", &cfg.upstream)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	if (allow.n == 0 && (r = cli_default_list(&allow, cli.allow, cli.nallow)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	if (enforce || allow.n > 0 || policy_path != NULL) {
		if ((r = ct_netpolicy_new(&pol)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		for (i = 0; i < allow.n; i++) {
			if ((r = ct_netpolicy_add_rule(pol, allow.v[i])) != 0) {
				rc = cli_usage_error("--allow: %s", ct_errmsg(r));
				goto out;
			}
		}
		if (policy_path != NULL &&
		    (r = ct_netpolicy_load_file(pol, policy_path, class)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		cfg.policy = pol;
	}
	if (events != NULL && (po.events = fopen(events, "ae")) == NULL) {
		rc = cli_fail(ct_error(CT_ERR_SYSTEM, "cannot open '%s'", events));
		goto out;
	}
	cfg.on_event = on_event;
	cfg.admit = on_admit;
	cfg.arg = &po;
	cfg.on_incident = on_incident;
	cfg.privsep = privsep;

	/* the proxy's threads inherit this mask, so the signals come to sigwait() below */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if ((r = ct_dnsproxy_start(&cfg, &px)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	for (i = 0; i < cfg.nlisten; i++) {
		struct sockaddr_storage ss = cfg.listen[i];

		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(ct_dnsproxy_port(px));
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(ct_dnsproxy_port(px));
		ct_dns_fmt_addrport(&ss, a, sizeof(a));
		printf("listening on %s\n", a);
	}
	if (privsep)
		printf("privsep: child pid %d\n", (int)ct_dnsproxy_child_pid(px));
	fflush(stdout);
	if (sigwait(&sigs, &sig) != 0)
		sig = 0;
	ct_dnsproxy_get_stats(px, &st);
	if (names != NULL && (r = write_names(px, names)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	if (privsep)
		printf("privsep: %llu requests refused, child %s\n",
		    (unsigned long long)st.refused, st.lost ? "lost" : "serving");
	printf("stopped: %llu queries, %llu forwarded, %llu denied, %llu servfail, "
	    "%llu upstream timeouts, %llu dropped, %llu admitted\n",
	    (unsigned long long)st.queries, (unsigned long long)st.forwarded,
	    (unsigned long long)st.denied, (unsigned long long)st.servfail,
	    (unsigned long long)st.upstream_timeouts, (unsigned long long)st.dropped,
	    (unsigned long long)st.admitted);
	rc = CLI_OK;
 out:
	ct_dnsproxy_stop(px);
	if (po.events != NULL && fclose(po.events) != 0)
		po.failed = 1;
	if (po.failed && rc == CLI_OK)
		rc = cli_error("cannot write '%s'", events);
	ct_netpolicy_free(pol);
	strlist_free(&listen);
	strlist_free(&allow);
	return rc;
}
