/*
 * cmd_task.c - `credtrail task new|list|show`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/ledger.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/timeutil.h"

static int
task_new(int argc, char **argv)
{
	const char *class = NULL, *id = NULL;
	struct ct_task t;
	int json = 0, npos, r;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "class", &class, "NAME", "task class (kind of task), e.g. dns-check" },
		{ OPT_STRING, 0, "id", &id, "ID",
		  "use this id (e.g. an IronClaw job UUID) instead of a random one" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print the task as JSON" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail task new [--class NAME] [--id ID] [--json]",
		"Create a task in the ledger and print its id.  Generated ids are 16 hex characters\n"
		"(64 random bits).  A given id may hold letters, digits, '-' and '_' (at most 40).",
		NULL
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = ct_task_create(cli_store(), id, class, &t)) != 0)
		return cli_fail(r);
	if (json) {
		char ts[40];
		json_t *o;

		ct_time_fmt(t.created_us, 1, ts, sizeof(ts));
		o = json_pack("{s:s, s:s?, s:s}", "id", t.id, "class", t.class, "created", ts);
		r = cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s\n", t.id);
		r = CLI_OK;
	}
	ct_task_release(&t);
	return r;
}

static int
print_task_line(const struct ct_task *t, void *arg)
{
	char ts[40];

	(void)arg;
	ct_time_fmt(t->created_us, 0, ts, sizeof(ts));
	printf("%-40s  %-20s  %s\n", t->id, t->class != NULL ? t->class : "-", ts);
	return 0;
}

static int
add_task_json(const struct ct_task *t, void *arg)
{
	char ts[40];

	ct_time_fmt(t->created_us, 1, ts, sizeof(ts));
	return json_array_append_new(arg, json_pack("{s:s, s:s?, s:s}", "id", t->id,
	    "class", t->class, "created", ts)) == 0 ? 0 : ct_error(CT_ERR_NOMEM, "out of memory");
}

static int
task_list(int argc, char **argv)
{
	int json = 0, npos, r;
	const struct opt opts[] = {
		{ OPT_FLAG, 0, "json", &json, NULL, "print a JSON array" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail task list [--json]",
		"List the tasks in the ledger, oldest first: id, class, creation time (UTC).",
		NULL
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (json) {
		json_t *a = json_array();

		if ((r = ct_task_foreach(cli_store(), add_task_json, a)) != 0) {
			json_decref(a);
			return cli_fail(r);
		}
		r = cli_print_json(a);
		json_decref(a);
		return r;
	}
	if ((r = ct_task_foreach(cli_store(), print_task_line, NULL)) != 0)
		return cli_fail(r);
	return CLI_OK;
}

static int
add_cred_json(const struct ct_cred *c, void *arg)
{
	char is[40], ex[40];
	json_t *o, *extra = NULL;

	ct_time_fmt(c->issued_us, 0, is, sizeof(is));
	ct_time_fmt(c->expires_us, 0, ex, sizeof(ex));
	if (c->extra != NULL)
		extra = json_loads(c->extra, 0, NULL);
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?,"
	    " s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o?}",
	    "id", (json_int_t)c->id, "task", c->task_id, "kind", c->kind, "principal", c->principal,
	    "issued", is, "expires", ex,
	    "access_key_id", c->access_key_id, "session_name", c->session_name,
	    "source_identity", c->source_identity, "role_arn", c->role_arn,
	    "assumed_role_arn", c->assumed_role_arn, "jti", c->jti, "subject", c->subject,
	    "issuer", c->issuer, "audience", c->audience,
	    "serial", c->serial, "key_id", c->key_id, "ca_fingerprint", c->ca_fingerprint,
	    "scope", c->scope, "scope_sha256", c->scope != NULL ? c->scope_sha256 : NULL,
	    "extra", extra);
	if (o == NULL || json_array_append_new(arg, o) != 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
print_cred_line(const struct ct_cred *c, void *arg)
{
	char ex[40];
	const char *key;

	(void)arg;
	ct_time_fmt(c->expires_us, 0, ex, sizeof(ex));
	key = c->access_key_id != NULL ? c->access_key_id :
	    c->jti != NULL ? c->jti : c->serial != NULL ? c->serial : "-";
	printf("%-16s  %-5s  %-40s  %-24s  expires %s\n", c->task_id, c->kind, c->principal,
	    key, ex);
	return 0;
}

static int
task_show(int argc, char **argv)
{
	struct ct_task t;
	int json = 0, npos, r;
	const struct opt opts[] = {
		{ OPT_FLAG, 0, "json", &json, NULL, "print the task and its credentials as JSON" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail task show [--json] ID",
		"Show a task and the credentials minted for it (join keys, scope, validity).",
		NULL
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 1)
		return cli_usage_error(npos == 0 ? "missing task id" : "too many arguments");
	if ((r = ct_task_get(cli_store(), argv[0], &t)) != 0)
		return cli_fail(r);
	if (json) {
		char ts[40];
		json_t *o, *creds = json_array();

		ct_time_fmt(t.created_us, 1, ts, sizeof(ts));
		if ((r = ct_cred_foreach(cli_store(), t.id, add_cred_json, creds)) != 0) {
			json_decref(creds);
			ct_task_release(&t);
			return cli_fail(r);
		}
		o = json_pack("{s:s, s:s?, s:s, s:o}", "id", t.id, "class", t.class,
		    "created", ts, "credentials", creds);
		r = cli_print_json(o);
		json_decref(o);
	} else {
		char ts[40];

		ct_time_fmt(t.created_us, 0, ts, sizeof(ts));
		printf("task     %s\nclass    %s\ncreated  %s\ncredentials:\n", t.id,
		    t.class != NULL ? t.class : "-", ts);
		r = ct_cred_foreach(cli_store(), t.id, print_cred_line, NULL);
		r = r != 0 ? cli_fail(r) : CLI_OK;
	}
	ct_task_release(&t);
	return r;
}

int
cmd_task(int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "new", task_new, "create a task and print its id" },
		{ "list", task_list, "list tasks" },
		{ "show", task_show, "show a task and its credentials" },
		{ NULL, NULL, NULL }
	};

	return dispatch_sub("task", argc, argv, subs,
	    "A task is one unit of agent work; every credential and run is bound to one.");
}

int
cmd_ledger(int argc, char **argv)
{
	const char *task = NULL;
	int json = 0, npos, r;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &task, "ID", "only this task's credentials" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print a JSON array" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail ledger [--task ID] [--json]",
		"List every credential recorded in the ledger with its principal, main join key\n"
		"and expiry; --json adds every join key and the granted scope.",
		NULL
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (task != NULL && (r = ct_task_id_check(task)) != 0)
		return cli_fail(r);
	if (json) {
		json_t *a = json_array();

		if ((r = ct_cred_foreach(cli_store(), task, add_cred_json, a)) != 0) {
			json_decref(a);
			return cli_fail(r);
		}
		r = cli_print_json(a);
		json_decref(a);
		return r;
	}
	if ((r = ct_cred_foreach(cli_store(), task, print_cred_line, NULL)) != 0)
		return cli_fail(r);
	return CLI_OK;
}
