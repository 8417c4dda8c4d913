/*
 * cmd_report.c - `credtrail report`: one task's credentials, the provider events that used
 * them and the agent's egress, correlated (lib/correlate.c) and rendered as text, JSON or a
 * self-contained HTML page (lib/report_*.c); optionally signed as an in-toto statement in
 * a DSSE envelope.
 *
 * Exit status (README "credtrail report"):
 *   0 the report was written and no finding reaches --fail-on (the default: nothing fails)
 *   6 the report was written and a finding is at least as severe as --fail-on
 *   1 failure (error line on stderr, nothing written); 2 usage error
 * 3, 4 and 5 are verify's verdicts; 6 is kept distinct so a CI step can tell them apart.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli/cli.h"
#include "lib/attest.h"
#include "lib/correlate.h"
#include "lib/endpoints.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/netpolicy.h"
#include "lib/report.h"
#include "lib/sshsig.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define REPORT_EXIT_FINDINGS 6

static int
write_out(const char *path, const char *data, size_t len)
{
	int r;

	if (path != NULL && strcmp(path, "-") != 0) {
		if ((r = ct_write_file_atomic(path, data, len, 0644)) != 0)
			return cli_fail(r);
		return CLI_OK;
	}
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
		return cli_error("cannot write output");
	return CLI_OK;
}

/* "SERVICE=PATTERN" into an extra endpoint (pointing into the argument). */
static int
parse_endpoint(const char *arg, struct ct_endpoint_extra *out, char **svc)
{
	const char *eq = strchr(arg, '=');
	int r;

	*svc = NULL;
	if (eq == NULL || eq == arg || eq[1] == '\0')
		return cli_usage_error("--endpoint expects SERVICE=HOSTPATTERN, not '%s'", arg);
	if ((r = ct_endpoint_pattern_check(eq + 1)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	if ((*svc = strndup(arg, (size_t)(eq - arg))) == NULL)
		return cli_error("out of memory");
	out->service = *svc;
	out->pattern = eq + 1;
	return 0;
}

int
cmd_report(int argc, char **argv)
{
	const char *task = NULL, *format = "text", *outpath = NULL, *signkey = NULL;
	const char *failon = NULL, *until = NULL, *policy_file = NULL;
	struct strlist egress = { NULL, 0 }, endpoints = { NULL, 0 }, allow = { NULL, 0 };
	struct strlist keypaths = { NULL, 0 };
	long long skew = -1, delivery = -1, depth = 0;
	int data_logged = 0, plan = 0, npos, r, rc = CLI_FAIL;
	struct ct_endpoint_extra *extra = NULL;
	char **extra_svc = NULL, *text = NULL;
	struct ct_netpolicy *policy = NULL;
	EVP_PKEY *key = NULL, **keys = NULL;
	size_t nkeys = 0, i, len = 0;
	enum ct_severity fail_sev = CT_SEV_NONE;
	struct ct_corr_opts o;
	struct ct_corr *c = NULL;
	struct ct_task t;
	json_t *rep = NULL;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &task, "ID", "the task to report on (required)" },
		{ OPT_STRING, 0, "format", &format, "F", "text (default), json or html" },
		{ OPT_STRING, 'o', "output", &outpath, "FILE",
		  "write the report to FILE (atomically) instead of standard output" },
		{ OPT_STRING, 0, "sign", &signkey, "KEY",
		  "sign the JSON report (in-toto statement in DSSE) with this Ed25519 key" },
		{ OPT_STRING, 0, "fail-on", &failon, "SEVERITY",
		  "exit 6 when a finding is at least this severe (info low medium high critical)" },
		{ OPT_DURATION, 0, "skew", &skew, "DUR",
		  "clock skew allowed between provider logs and the monitor (default 5s)" },
		{ OPT_LIST, 0, "egress-ip", &egress, "IP",
		  "a source address of the task's own egress (repeatable; else learned)" },
		{ OPT_STRING, 0, "logs-complete-until", &until, "TIME",
		  "provider logs hold every event up to TIME (RFC 3339 or 'now')" },
		{ OPT_DURATION, 0, "delivery-window", &delivery, "DUR",
		  "provider log delivery delay (default 15m, CloudTrail's)" },
		{ OPT_FLAG, 0, "data-events-logged", &data_logged, NULL,
		  "the trail logs data events (S3 objects, Lambda Invoke, ...)" },
		{ OPT_LIST, 0, "allow", &allow, "RULE",
		  "judge egress by this allow rule too (as credtrail run --allow)" },
		{ OPT_STRING, 0, "policy", &policy_file, "FILE",
		  "judge egress by this policy file too (global and the task class's rules)" },
		{ OPT_LIST, 0, "endpoint", &endpoints, "SVC=HOST",
		  "a host pattern serving a service, e.g. vault=vault.example.com" },
		{ OPT_INT, 0, "chain-depth", &depth, "N",
		  "follow role chains this many hops (default 8)" },
		{ OPT_LIST, 0, "key", &keypaths, "PUB",
		  "trust this key for run attestations (default: the ledger's keys)" },
		{ OPT_FLAG, 0, "query-plan", &plan, NULL,
		  "print SQLite's plan for each correlation query on this store, as JSON" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail report --task ID [--format text|json|html] [-o FILE] [--sign KEY]\n"
		"                 [--fail-on SEVERITY] [--skew DUR] [--egress-ip IP]...\n"
		"                 [--logs-complete-until TIME] [--delivery-window DUR]\n"
		"                 [--data-events-logged] [--allow RULE]... [--policy FILE]\n"
		"                 [--endpoint SVC=HOST]... [--chain-depth N] [--key PUB]...\n"
		"       credtrail report --query-plan",
		"Correlate a task's credentials (the ledger), the provider events that used them\n"
		"(credtrail ingest) and its runs' egress (credtrail run): which credential did\n"
		"what, whether the agent's own connections explain each use, and findings - use\n"
		"outside the agent's egress or from another address, after the run or expiry,\n"
		"task-named principals the ledger never issued, denied or direct-IP egress,\n"
		"granted permissions never used, and why the evidence may be incomplete.",
		"With --sign the output is a DSSE envelope whose in-toto statement carries the\n"
		"JSON report as its predicate.\n"
		"Exit status: 0 report written; 6 report written and a finding reached --fail-on;\n"
		"1 failure; 2 usage error."
	};

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (plan) {
		json_t *p = NULL;

		if ((r = ct_correlate_plan(cli_store(), &p)) != 0)
			return cli_fail(r);
		rc = cli_print_json(p);
		json_decref(p);
		return rc;
	}
	if (task == NULL)
		return cli_usage_error("missing --task ID");
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "html") != 0)
		return cli_usage_error("unknown format '%s' (text, json or html)", format);
	if (signkey != NULL && strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
		return cli_usage_error("--sign signs the JSON report; it cannot be used with "
		    "--format %s", format);
	if (failon != NULL && (r = ct_severity_parse(failon, &fail_sev)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	if (depth < 0 || depth > 64)
		return cli_usage_error("--chain-depth must be 1 to 64");
	for (i = 0; i < egress.n; i++) {
		uint8_t a[16];

		if (inet_pton(AF_INET, egress.v[i], a) != 1 &&
		    inet_pton(AF_INET6, egress.v[i], a) != 1) {
			rc = cli_usage_error("--egress-ip expects an address, not '%s'", egress.v[i]);
			goto out;
		}
	}
	o.skew_us = skew >= 0 ? skew * 1000000LL : -1;
	o.delivery_us = delivery >= 0 ? delivery * 1000000LL : -1;
	if (until != NULL) {
		if (strcmp(until, "now") == 0)
			o.logs_complete_until_us = ct_now_us();
		else if (ct_time_parse(until, strlen(until), &o.logs_complete_until_us) != 0) {
			rc = cli_usage_error("--logs-complete-until expects an RFC 3339 time or "
			    "'now', not '%s'", until);
			goto out;
		}
	}
	if (endpoints.n > 0) {
		if ((extra = calloc(endpoints.n, sizeof(*extra))) == NULL ||
		    (extra_svc = calloc(endpoints.n, sizeof(*extra_svc))) == NULL) {
			rc = cli_error("out of memory");
			goto out;
		}
		for (i = 0; i < endpoints.n; i++)
			if ((rc = parse_endpoint(endpoints.v[i], &extra[i], &extra_svc[i])) != 0)
				goto out;
		rc = CLI_FAIL;
	}
	if ((r = ct_task_id_check(task)) != 0 || (r = ct_task_get(cli_store(), task, &t)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	if (allow.n > 0 || policy_file != NULL) {
		if ((r = ct_netpolicy_new(&policy)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		for (i = 0; i < allow.n; i++)
			if ((r = ct_netpolicy_add_rule(policy, allow.v[i])) != 0) {
				rc = cli_usage_error("%s", ct_errmsg(r));
				goto out;
			}
		if (policy_file != NULL &&
		    (r = ct_netpolicy_load_file(policy, policy_file, t.class)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
	}
	if (keypaths.n > 0) {
		if ((r = ct_attest_trusted_keys(cli_store(), keypaths.v, keypaths.n, NULL, &keys,
		    &nkeys)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
	}
	if (signkey != NULL) {
		enum ct_key_type kt;

		if ((r = ct_key_load_private(signkey, &key)) != 0 ||
		    (r = ct_key_type_of(key, &kt)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		if (kt != CT_KEY_ED25519) {
			rc = cli_error("--sign needs an Ed25519 key; '%s' is %s", signkey,
			    ct_key_type_name(kt));
			goto out;
		}
	}

	o.egress_ips = egress.v;
	o.negress_ips = egress.n;
	o.allow = policy;
	o.endpoints = extra;
	o.nendpoints = endpoints.n;
	o.chain_depth = (int)depth;
	o.data_events_logged = data_logged;
	o.keys = keys;
	o.nkeys = nkeys;
	if ((r = ct_correlate(cli_store(), t.id, &o, &c)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	if (signkey != NULL) {
		if ((r = ct_report_json(c, &rep)) != 0 ||
		    (r = ct_report_sign(key, rep, &text, &len)) != 0 ||
		    (r = ct_attest_record_key(cli_store(), key, signkey)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
	} else if (strcmp(format, "json") == 0) {
		if ((r = ct_report_json(c, &rep)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		if ((text = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
			rc = cli_error("cannot build JSON output");
			goto out;
		}
		len = strlen(text);
		/* one final newline, as every other JSON output */
		{
			char *n = realloc(text, len + 2);

			if (n == NULL) {
				rc = cli_error("out of memory");
				goto out;
			}
			text = n;
			text[len++] = '\n';
			text[len] = '\0';
		}
	} else if (strcmp(format, "html") == 0) {
		if ((r = ct_report_html(c, &text, &len)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
	} else if ((r = ct_report_text(c, &text, &len)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	if ((rc = write_out(outpath, text, len)) != CLI_OK)
		goto out;
	if (fail_sev != CT_SEV_NONE && ct_corr_max_severity(c) >= fail_sev)
		rc = REPORT_EXIT_FINDINGS;
 out:
	free(text);
	json_decref(rep);
	ct_corr_free(c);
	ct_netpolicy_free(policy);
	EVP_PKEY_free(key);
	if (keys != NULL)
		ct_keys_free(keys, nkeys);
	for (i = 0; extra_svc != NULL && i < endpoints.n; i++)
		free(extra_svc[i]);
	free(extra_svc);
	free(extra);
	if (t.id[0] != '\0')
		ct_task_release(&t);
	strlist_free(&egress);
	strlist_free(&endpoints);
	strlist_free(&allow);
	strlist_free(&keypaths);
	return rc;
}
