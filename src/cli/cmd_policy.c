/*
 * cmd_policy.c - `credtrail policy diff|suggest|map`: granted versus used per task or class,
 * the tightest policy a class's runs needed (stored for `mint aws --policy suggested:CLASS`),
 * and the permissions single provider records map to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/actionmap.h"
#include "lib/ingest.h"
#include "lib/ledger.h"
#include "lib/policy.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define RECORDS_FILE_MAX (64u * 1024 * 1024)

/* Options both diff and suggest take. */
struct common {
	const char *task, *class, *since, *refdir, *until;
	long long runs, delivery;
	int data_logged, json;
	struct ct_actionmap *map;
	struct ct_pol_select sel;
	struct ct_pol_opts o;
};

static int
parse_since(const char *s, int64_t *out)
{
	char buf[64];
	size_t n = strlen(s);

	/* a date alone means its midnight UTC */
	if (n == 10 && s[4] == '-' && s[7] == '-') {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		return ct_time_parse(buf, strlen(buf), out);
	}
	return ct_time_parse(s, n, out);
}

static int
common_setup(struct common *c, int need_class)
{
	size_t nsvc;
	int r;

	if (c->task != NULL && c->class != NULL)
		return cli_usage_error("give --task or --class, not both");
	if (c->task == NULL && c->class == NULL)
		return cli_usage_error(need_class ? "missing --class CLASS" :
		    "missing --task ID or --class CLASS");
	if (c->task != NULL && (c->runs >= 0 || c->since != NULL))
		return cli_usage_error("--runs and --since select tasks of a --class");
	if (c->runs == 0 || c->runs < -1)
		return cli_usage_error("--runs must be at least 1");
	memset(&c->sel, 0, sizeof(c->sel));
	c->sel.task = c->task;
	c->sel.class = c->class;
	c->sel.runs = c->runs > 0 ? (size_t)c->runs : 0;
	if (c->since != NULL && parse_since(c->since, &c->sel.since_us) != 0)
		return cli_usage_error("--since '%s' is not a date (YYYY-MM-DD or RFC 3339)",
		    c->since);
	memset(&c->o, 0, sizeof(c->o));
	c->o.delivery_us = c->delivery >= 0 ? c->delivery * 1000000LL : -1;
	c->o.data_events_logged = c->data_logged;
	if (c->until != NULL && parse_since(c->until, &c->o.logs_complete_until_us) != 0)
		return cli_usage_error("--logs-complete-until '%s' is not a date (YYYY-MM-DD or "
		    "RFC 3339)", c->until);
	if (c->task != NULL && (r = ct_task_id_check(c->task)) != 0)
		return cli_fail(r);
	if (c->class != NULL && (r = ct_task_class_check(c->class)) != 0)
		return cli_fail(r);
	if ((r = ct_actionmap_new(&c->map)) != 0)
		return cli_fail(r);
	if (c->refdir != NULL && (r = ct_actionmap_load_reference(c->map, c->refdir, &nsvc)) != 0)
		return cli_fail(r);
	c->o.map = c->map;
	return CLI_OK;
}

/* ---- diff ---- */

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static void
print_list(const char *title, json_t *a, const char *count, const char *suffix)
{
	size_t i;
	json_t *e;

	if (json_array_size(a) == 0)
		return;
	printf("  %s:\n", title);
	json_array_foreach(a, i, e) {
		printf("    %-40s %s", jstr(e, "action"), jstr(e, "resource"));
		if (count != NULL && json_object_get(e, count) != NULL) {
			long long k = (long long)json_integer_value(json_object_get(e, count));

			printf("  %lld %s", k, k == 1 && strcmp(suffix, "calls") == 0 ? "call" : suffix);
		}
		if (json_object_get(e, "error_code") != NULL && *jstr(e, "error_code") != '\0')
			printf(" (%s)", jstr(e, "error_code"));
		if (json_object_get(e, "reason") != NULL)
			printf("\n      %s", jstr(e, "reason"));
		else if (json_object_get(e, "condition") != NULL) {
			const char *k;
			json_t *v;

			json_object_foreach(json_object_get(e, "condition"), k, v)
				printf("  if %s=%s", k, json_string_value(v));
		}
		if (json_object_get(e, "note") != NULL && strcmp(title, "used and granted") != 0)
			printf("\n      %s", jstr(e, "note"));
		printf("\n");
	}
}

static void
print_diff(json_t *d)
{
	json_t *g, *c, *logs, *e;
	size_t i, j;

	if (json_string_value(json_object_get(d, "task")) != NULL)
		printf("task %s", jstr(d, "task"));
	else
		printf("class %s: %zu task%s", jstr(d, "class"),
		    json_array_size(json_object_get(d, "tasks")),
		    json_array_size(json_object_get(d, "tasks")) == 1 ? "" : "s");
	if (json_string_value(json_object_get(d, "task")) != NULL &&
	    json_string_value(json_object_get(d, "class")) != NULL)
		printf(" (class %s)", jstr(d, "class"));
	printf("\n");
	if (json_integer_value(json_object_get(d, "uses_not_by_the_agent")) > 0)
		printf("  left out: %lld use(s) the agent's monitored egress does not explain "
		    "(see credtrail report)\n",
		    (long long)json_integer_value(json_object_get(d, "uses_not_by_the_agent")));
	if (json_array_size(json_object_get(d, "groups")) == 0)
		printf("  no credential was minted for %s\n",
		    json_string_value(json_object_get(d, "task")) != NULL ? "it" : "them");
	json_array_foreach(json_object_get(d, "groups"), i, g) {
		printf("\n");
		json_array_foreach(json_object_get(g, "credentials"), j, c)
			printf("credential %s (%s%s%s), task %s\n", jstr(c, "principal"),
			    jstr(g, "kind"), json_object_get(c, "access_key_id") != NULL ? " " : "",
			    jstr(c, "access_key_id"), jstr(c, "task"));
		if (json_is_true(json_object_get(g, "scope_evaluated")))
			printf("  granted: session policy sha256 %.16s...\n", jstr(g, "scope_sha256"));
		else
			printf("  granted: not evaluated - %s\n", jstr(g, "scope_note"));
		printf("  evidence: %lld events, %lld calls allowed, %lld denied\n",
		    (long long)json_integer_value(json_object_get(g, "events")),
		    (long long)json_integer_value(json_object_get(g, "calls_allowed")),
		    (long long)json_integer_value(json_object_get(g, "calls_denied")));
		logs = json_object_get(g, "logs");
		printf("  logs: complete until %s, needed until %s: %s\n",
		    json_is_string(json_object_get(logs, "complete_until")) ?
		    jstr(logs, "complete_until") : "(no log)", jstr(logs, "needed_until"),
		    json_is_true(json_object_get(logs, "covers")) ? "covered" : "NOT covered yet");
		e = json_object_get(g, "request_parameters");
		if (json_integer_value(json_object_get(e, "missing")) > 0)
			printf("  request parameters of %lld events not available: %s\n",
			    (long long)json_integer_value(json_object_get(e, "missing")),
			    jstr(e, "missing_reason"));
		print_list("used and granted", json_object_get(g, "used_and_granted"), "calls",
		    "calls");
		print_list("granted, never used", json_object_get(g, "granted_never_used"), NULL, "");
		print_list("used but not granted", json_object_get(g, "used_not_granted"), "denied",
		    "denied");
		print_list("cannot conclude", json_object_get(g, "cannot_conclude"), NULL, "");
		print_list("may also need (request not available)",
		    json_object_get(g, "may_also_need"), "calls", "calls");
		if (json_array_size(json_object_get(g, "guessed")) > 0) {
			printf("  guessed mappings (no table entry):\n");
			json_array_foreach(json_object_get(g, "guessed"), j, e)
				printf("    %-40s from %s\n", jstr(e, "action"), jstr(e, "event"));
		}
		if (json_array_size(json_object_get(g, "no_permission_needed")) > 0) {
			printf("  events needing no permission or not mapped:\n");
			json_array_foreach(json_object_get(g, "no_permission_needed"), j, e)
				printf("    %-40s %lld  %s\n", jstr(e, "event"),
				    (long long)json_integer_value(json_object_get(e, "count")),
				    jstr(e, "why"));
		}
	}
}

static int
policy_diff(int argc, char **argv)
{
	struct common c;
	struct ct_pol_evidence *ev = NULL;
	json_t *d = NULL;
	int npos, r, rc = CLI_FAIL;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &c.task, "ID", "the task to diff" },
		{ OPT_STRING, 0, "class", &c.class, "CLASS", "every task of this class" },
		{ OPT_INT, 0, "runs", &c.runs, "N", "only the N newest tasks of the class" },
		{ OPT_STRING, 0, "since", &c.since, "DATE", "only tasks created since DATE" },
		{ OPT_STRING, 0, "service-reference", &c.refdir, "DIR",
		  "AWS service reference JSON files that widen and check the action table" },
		{ OPT_DURATION, 0, "delivery", &c.delivery, "DUR",
		  "provider log delivery window (default 15m)" },
		{ OPT_STRING, 0, "logs-complete-until", &c.until, "TIME",
		  "the provider logs are complete until TIME (default: latest event - delivery)" },
		{ OPT_FLAG, 0, "data-events-logged", &c.data_logged, NULL,
		  "the trail logs data events (even if none was seen)" },
		{ OPT_FLAG, 0, "json", &c.json, NULL, "print the diff as JSON" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail policy diff (--task ID | --class CLASS [--runs N] [--since DATE])\n"
		"       [--service-reference DIR] [--delivery DUR] [--logs-complete-until TIME]\n"
		"       [--data-events-logged] [--json]",
		"Compare the scope granted at mint (the session policy of `mint aws`) with the\n"
		"permissions the provider events of the task(s) needed, per action and resource:\n"
		"used and granted, granted but never used, used but not granted (refused calls),\n"
		"and what cannot be concluded - the logs not yet covering the credential's lifetime\n"
		"plus the delivery window, data events not logged, request parameters not\n"
		"available, mappings that are guesses.  Credentials with the same scope are one\n"
		"group.",
		"Exit status: 0 when the diff was made, 1 on failure."
	};

	memset(&c, 0, sizeof(c));
	c.runs = -1;
	c.delivery = -1;
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if ((rc = common_setup(&c, 0)) != CLI_OK)
		goto out;
	rc = CLI_FAIL;
	if ((r = ct_pol_evidence_load(cli_store(), &c.sel, &c.o, &ev)) != 0 ||
	    (r = ct_pol_diff(ev, &c.o, &d)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	if (c.json)
		rc = cli_print_json(d);
	else {
		print_diff(d);
		rc = CLI_OK;
	}
 out:
	json_decref(d);
	ct_pol_evidence_free(ev);
	ct_actionmap_free(c.map);
	return rc;
}

/* ---- suggest ---- */

static int
write_all_fd(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
policy_suggest(int argc, char **argv)
{
	struct common c;
	struct ct_pol_evidence *ev = NULL;
	struct ct_pol_suggestion *s = NULL;
	const char *format = "aws", *outpath = NULL;
	enum ct_pol_format fmt;
	char *text = NULL;
	json_t *wrap = NULL, *e;
	int64_t id = 0;
	size_t i;
	int npos, r, rc = CLI_FAIL, generalise = 0, no_store = 0, in_tx = 0, wrote = 0;
	struct ct_store *st;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "class", &c.class, "CLASS", "the task class to suggest for" },
		{ OPT_INT, 0, "runs", &c.runs, "N", "only the N newest tasks of the class" },
		{ OPT_STRING, 0, "since", &c.since, "DATE", "only tasks created since DATE" },
		{ OPT_STRING, 0, "format", &format, "F",
		  "aws (IAM policy JSON, the default), gcp (custom role YAML) or vault (HCL)" },
		{ OPT_FLAG, 0, "generalise", &generalise, NULL,
		  "allow wildcards where resources or actions share a stem" },
		{ OPT_STRING, 0, "service-reference", &c.refdir, "DIR",
		  "AWS service reference JSON files that widen and check the action table" },
		{ OPT_STRING, 'o', "output", &outpath, "FILE", "write the policy to FILE" },
		{ OPT_FLAG, 0, "no-store", &no_store, NULL,
		  "do not store the suggestion (mint's suggested:CLASS will not see it)" },
		{ OPT_FLAG, 0, "json", &c.json, NULL,
		  "print a JSON wrapper: the policy and what it rests on" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail policy suggest --class CLASS [--runs N | --since DATE]\n"
		"       [--format aws|gcp|vault] [--generalise] [--service-reference DIR]\n"
		"       [-o FILE] [--no-store] [--json]",
		"The tightest policy that would have allowed every successful call the agents of\n"
		"CLASS made: AWS IAM policy JSON with one statement per service and resources as\n"
		"the events named them (wildcards only with --generalise), a GCP custom role (YAML\n"
		"for `gcloud iam roles create --file`), or a Vault policy (HCL; not stored).  Uses\n"
		"of a task's credentials that its monitored egress does not explain are someone\n"
		"else's (credtrail report flags them) and are left out.  The policy goes to stdout\n"
		"(or -o FILE) usable as is; what it rests on goes to stderr (or into the --json\n"
		"wrapper).  It is stored, so `credtrail mint aws --policy suggested:CLASS` uses the\n"
		"latest one.",
		"An AWS policy over 2048 characters after minifying is still printed and stored,\n"
		"with a warning: STS refuses inline session policies longer than that."
	};

	memset(&c, 0, sizeof(c));
	c.runs = -1;
	c.delivery = -1;
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (strcmp(format, "aws") == 0)
		fmt = CT_POL_AWS;
	else if (strcmp(format, "gcp") == 0)
		fmt = CT_POL_GCP;
	else if (strcmp(format, "vault") == 0) {
		fmt = CT_POL_VAULT;
		no_store = 1;	/* nothing reads Vault suggestions back */
	} else
		return cli_usage_error("unknown format '%s' (aws, gcp or vault)", format);
	if (c.runs >= 0 && c.since != NULL)
		return cli_usage_error("give --runs or --since, not both");
	if ((rc = common_setup(&c, 1)) != CLI_OK)
		goto out;
	rc = CLI_FAIL;
	st = cli_store();
	if ((r = ct_pol_evidence_load(st, &c.sel, &c.o, &ev)) != 0 ||
	    (r = ct_pol_suggest(ev, fmt, generalise ? CT_POL_GENERALISE : 0, &s)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	if (fmt == CT_POL_AWS) {
		if ((text = json_dumps(s->policy, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
			rc = cli_error("out of memory");
			goto out;
		}
	} else if ((text = strdup(s->document)) == NULL) {
		rc = cli_error("out of memory");
		goto out;
	}
	if (c.json) {
		json_t *tasks = json_array();

		for (i = 0; tasks != NULL && i < ev->ntasks; i++)
			json_array_append_new(tasks, json_string(ev->tasks[i]));
		wrap = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:i, s:b, s:s, s:O, s:O, "
		    "s:O, s:O, s:s?}",
		    "class", c.class, "format", format, "tasks", tasks,
		    "events", (json_int_t)s->nevents, "calls", (json_int_t)s->ncalls,
		    "permissions", (json_int_t)s->npermissions, "characters", (json_int_t)s->chars,
		    "limit", CT_POLICY_SESSION_MAX,
		    "within_limit", fmt != CT_POL_AWS || s->chars <= CT_POLICY_SESSION_MAX,
		    "sha256", s->sha256, "policy", s->policy, "may_also_need", s->may_also_need,
		    "guessed", s->guessed, "notes", s->notes,
		    "document", fmt != CT_POL_AWS ? s->document : NULL);
		if (wrap == NULL) {
			rc = cli_error("out of memory");
			goto out;
		}
	}
	/* the stored row and the output stand or fall together */
	if (!no_store) {
		if ((r = ct_store_begin(st)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		in_tx = 1;
		if ((r = ct_pol_suggestion_store(st, c.class, s, ev, &id)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		if (wrap != NULL)
			json_object_set_new(wrap, "suggestion_id", json_integer((json_int_t)id));
	}
	if (outpath != NULL) {
		size_t tl = strlen(text);
		char *withnl = malloc(tl + 2);

		if (withnl == NULL) {
			rc = cli_error("out of memory");
			goto out;
		}
		memcpy(withnl, text, tl);
		if (tl == 0 || text[tl - 1] != '\n')
			withnl[tl++] = '\n';
		r = ct_write_file_atomic(outpath, withnl, tl, 0644);
		free(withnl);
		if (r != 0) {
			rc = cli_fail(r);
			goto out;
		}
		wrote = 1;
	}
	if (in_tx) {
		if ((r = ct_store_commit(st)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		in_tx = 0;
	}
	if (wrap != NULL) {
		if ((rc = cli_print_json(wrap)) != CLI_OK)
			goto out;
	} else if (outpath == NULL) {
		if (fflush(stdout) != 0 || write_all_fd(STDOUT_FILENO, text, strlen(text)) != 0 ||
		    (text[0] != '\0' && text[strlen(text) - 1] != '\n' &&
		    write_all_fd(STDOUT_FILENO, "\n", 1) != 0)) {
			rc = cli_error("cannot write output");
			goto out;
		}
	}
	if (!c.json) {
		fprintf(stderr, "credtrail policy suggest: class %s: %zu task%s, %zu event%s, "
		    "%zu allowed call%s -> %zu permission%s", c.class, s->ntasks,
		    s->ntasks == 1 ? "" : "s", s->nevents, s->nevents == 1 ? "" : "s", s->ncalls,
		    s->ncalls == 1 ? "" : "s", s->npermissions, s->npermissions == 1 ? "" : "s");
		if (fmt == CT_POL_AWS)
			fprintf(stderr, ", %zu characters", s->chars);
		if (!no_store)
			fprintf(stderr, "; stored as suggestion %lld", (long long)id);
		fprintf(stderr, "\n");
		json_array_foreach(s->guessed, i, e)
			fprintf(stderr, "credtrail policy suggest: guessed mapping: %s (from %s)\n",
			    jstr(e, "action"), jstr(e, "event"));
		json_array_foreach(s->may_also_need, i, e)
			fprintf(stderr, "credtrail policy suggest: left out, may also be needed: %s on "
			    "%s (%s)\n", jstr(e, "action"), jstr(e, "resource"), jstr(e, "why"));
		json_array_foreach(s->notes, i, e)
			fprintf(stderr, "credtrail policy suggest: %s\n", json_string_value(e));
	}
	if (fmt == CT_POL_AWS && s->chars > CT_POLICY_SESSION_MAX)
		fprintf(stderr, "credtrail policy suggest: warning: the policy is %zu characters "
		    "after minifying; STS takes at most %d in an inline session policy (try "
		    "--generalise)\n", s->chars, CT_POLICY_SESSION_MAX);
	rc = CLI_OK;
 out:
	if (in_tx)
		ct_store_rollback(cli_store());
	if (rc != CLI_OK && wrote)
		unlink(outpath);
	free(text);
	json_decref(wrap);
	ct_pol_suggestion_free(s);
	ct_pol_evidence_free(ev);
	ct_actionmap_free(c.map);
	return rc;
}

/* ---- map ---- */

static int
map_record(const struct ct_actionmap *m, json_t *rec, json_t *out)
{
	struct ct_am_event in;
	struct ct_am_result res;
	struct ct_pevent pe;
	json_t *pp, *o, *perms, *p, *rs, *rn = NULL, *inner = NULL;
	size_t i, j;
	int r;

	memset(&in, 0, sizeof(in));
	ct_pevent_init(&pe);
	if (json_is_string(json_object_get(rec, "type")) && json_is_object(json_object_get(rec,
	    "request"))) {
		/* a Vault audit record: its operation and path, as ingest reads them */
		if ((r = ct_ingest_vault_parse(rec, &pe)) != 0) {
			ct_pevent_release(&pe);
			return r < 0 ? r : 0;
		}
		in.provider = "vault";
		in.service = pe.service;
		in.action = pe.action;
	} else if (json_is_string(json_object_get(rec, "CloudTrailEvent")) &&
	    (inner = json_loads(json_string_value(json_object_get(rec, "CloudTrailEvent")), 0,
	    NULL)) != NULL)
		rec = inner;
	if (in.provider != NULL) {
		/* done above */
	} else if ((pp = json_object_get(rec, "protoPayload")) != NULL) {
		in.provider = "gcp";
		in.service = json_string_value(json_object_get(pp, "serviceName"));
		in.action = json_string_value(json_object_get(pp, "methodName"));
		in.request = json_object_get(pp, "request");
		in.response = json_object_get(pp, "response");
		in.authz = json_object_get(pp, "authorizationInfo");
		if (json_is_string(json_object_get(pp, "resourceName")))
			rn = json_pack("[O]", json_object_get(pp, "resourceName"));
		in.resources = rn;
	} else {
		in.provider = "aws";
		in.service = json_string_value(json_object_get(rec, "eventSource"));
		in.action = json_string_value(json_object_get(rec, "eventName"));
		in.region = json_string_value(json_object_get(rec, "awsRegion"));
		in.account = json_string_value(json_object_get(rec, "recipientAccountId"));
		if (in.account == NULL)
			in.account = json_string_value(json_object_get(json_object_get(rec,
			    "userIdentity"), "accountId"));
		in.request = json_object_get(rec, "requestParameters");
		in.response = json_object_get(rec, "responseElements");
		in.resources = json_object_get(rec, "resources");
	}
	r = ct_actionmap_map(m, &in, &res);
	if (r != 0) {
		ct_pevent_release(&pe);
		json_decref(rn);
		json_decref(inner);
		return r;
	}
	perms = json_array();
	for (i = 0; perms != NULL && i < res.n; i++) {
		rs = json_array();
		for (j = 0; rs != NULL && j < res.perm[i].nresources; j++)
			json_array_append_new(rs, json_string(res.perm[i].resources[j]));
		p = json_pack("{s:s, s:o, s:o, s:s?}", "action", res.perm[i].action,
		    "resources", rs, "flags", ct_am_flags_json(res.perm[i].flags), "note",
		    res.perm[i].note);
		if (p != NULL && res.perm[i].cond_key != NULL)
			json_object_set_new(p, "condition", json_pack("{s:s}", res.perm[i].cond_key,
			    res.perm[i].cond_value));
		json_array_append_new(perms, p);
	}
	o = json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:s?}", "provider", in.provider, "service",
	    in.service, "action", in.action, "permissions", perms, "flags",
	    ct_am_flags_json(res.flags), "note", res.note);
	ct_am_result_release(&res);
	ct_pevent_release(&pe);
	json_decref(rn);
	json_decref(inner);
	if (o == NULL || json_array_append_new(out, o) != 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
policy_map(int argc, char **argv)
{
	struct ct_actionmap *m = NULL;
	const char *refdir = NULL;
	json_t *out = NULL, *doc, *recs, *rec;
	json_error_t jerr;
	uint8_t *data = NULL;
	size_t len, i, off, nsvc = 0;
	int npos, r, rc = CLI_FAIL, k;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "service-reference", &refdir, "DIR",
		  "AWS service reference JSON files that widen and check the action table" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail policy map [--service-reference DIR] FILE...",
		"Print, as a JSON array, the permissions each provider record of FILE needed: a\n"
		"CloudTrail file ({\"Records\": [...]}, an array, or JSON Lines, `lookup-events`\n"
		"output too), GCP audit LogEntry records or Vault audit records.  Each permission\n"
		"carries its resources and flags: guessed (no table entry), dependent (no event\n"
		"shows it), conditional, data-event, service-reference, not-in-service-reference.",
		NULL
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos == 0)
		return cli_usage_error("missing FILE");
	if ((r = ct_actionmap_new(&m)) != 0 ||
	    (refdir != NULL && (r = ct_actionmap_load_reference(m, refdir, &nsvc)) != 0)) {
		rc = cli_fail(r);
		goto out;
	}
	if ((out = json_array()) == NULL) {
		rc = cli_error("out of memory");
		goto out;
	}
	for (k = 0; k < npos; k++) {
		free(data);
		data = NULL;
		if ((r = ct_read_file(argv[k], RECORDS_FILE_MAX, &data, &len)) != 0) {
			rc = cli_fail(r);
			goto out;
		}
		/* one document, else JSON Lines */
		if ((doc = json_loadb((const char *)data, len, 0, &jerr)) != NULL) {
			recs = json_object_get(doc, "Records");
			if (!json_is_array(recs))
				recs = json_is_array(doc) ? doc : NULL;
			if (recs == NULL)
				r = map_record(m, doc, out);
			for (i = 0; recs != NULL && i < json_array_size(recs) && r == 0; i++)
				r = map_record(m, json_array_get(recs, i), out);
			json_decref(doc);
			if (r != 0) {
				rc = cli_fail(r);
				goto out;
			}
			continue;
		}
		for (off = 0; off < len;) {
			while (off < len && (data[off] == '\n' || data[off] == '\r' ||
			    data[off] == ' ' || data[off] == '\t'))
				off++;
			if (off >= len)
				break;
			if ((rec = json_loadb((const char *)data + off, len - off,
			    JSON_DISABLE_EOF_CHECK, &jerr)) == NULL) {
				rc = cli_error("'%s': not JSON at byte %zu: %s", argv[k], off, jerr.text);
				goto out;
			}
			off += (size_t)jerr.position;
			r = map_record(m, rec, out);
			json_decref(rec);
			if (r != 0) {
				rc = cli_fail(r);
				goto out;
			}
		}
	}
	rc = cli_print_json(out);
 out:
	free(data);
	json_decref(out);
	ct_actionmap_free(m);
	return rc;
}

int
cmd_policy(int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "diff", policy_diff, "granted scope versus used permissions, per task or class" },
		{ "suggest", policy_suggest, "the tightest policy a task class's runs needed" },
		{ "map", policy_map, "the permissions provider records needed" },
		{ NULL, NULL, NULL }
	};

	return dispatch_sub("policy", argc, argv, subs,
	    "Least privilege from observed use: compare what a task was granted with what its\n"
	    "provider events needed, and suggest the policy for the next run of its class.");
}
