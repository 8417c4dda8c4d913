/*
 * main.c - the credtrail command: global options, the command table, and the error and
 * output helpers every command shares (cli.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/config.h"
#include "lib/netpolicy.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"

#ifndef CT_VERSION
#define CT_VERSION "0.0.0-dev"
#endif

struct cli_ctx cli;
static struct ct_config config;

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "task", cmd_task, "create, list and show tasks" },
	{ "keygen", cmd_keygen, "generate a signing or CA key pair" },
	{ "mint", cmd_mint, "mint a task-bound credential (ssh, x509, jwt, gcp, aws)" },
	{ "oidc", cmd_oidc, "write OIDC discovery and JWKS documents for credtrail's issuer" },
	{ "inspect", cmd_inspect, "show the task binding carried by a token, cert, ARN or log line" },
	{ "ledger", cmd_ledger, "list the credentials recorded in the ledger" },
	{ "dns-proxy", cmd_dnsproxy, "run the DNS proxy alone, to try a policy (see run)" },
	{ "verify", cmd_verify, "verify a run's attestation, event log or inclusion proof" },
	{ "prove", cmd_prove, "print an inclusion proof of one event log record" },
	{ "ingest", cmd_ingest, "read provider audit logs into the store, normalised" },
	{ "run", cmd_run, "run an agent under the egress monitor (audit or enforce)" },
	{ "watch", cmd_watch, "attach the egress monitor to a container's cgroup; sub-runs" },
	{ "exec", cmd_exec, "ironclaw-exec drop-in: a command under the monitor, nonce as task" },
	{ "report", cmd_report, "correlate a task's credentials, provider logs and egress" },
	{ "policy", cmd_policy, "granted vs used permissions; suggest a tighter policy per class" },
	{ "query", cmd_query, "SQL selecting a task's events in ClickHouse, Athena or BigQuery" },
	{ "clickhouse", cmd_clickhouse, "create the ClickHouse table for push-down ingest" },
	{ NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	const struct command *c;

	fprintf(f,
	    "usage: credtrail [--db PATH] <command> [options] [args]\n"
	    "\n"
	    "credtrail proves which credentials an agent task used, and that it used nothing else.\n"
	    "\n"
	    "commands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %-10s  %s\n", c->name, c->summary);
	fprintf(f,
	    "\n"
	    "global options:\n"
	    "  --db PATH     the ledger: a SQLite file, or a postgres:// URL of a shared PostgreSQL\n"
	    "                database (default: $CREDTRAIL_DB, else the config file's db, else\n"
	    "                $XDG_DATA_HOME/credtrail/ledger.db, else ~/.local/share/credtrail/ledger.db)\n"
	    "  --version     print the version and exit\n"
	    "  -h, --help    show this help and exit\n"
	    "\n"
	    "Run 'credtrail <command> --help' for a command's options.  Defaults for --db,\n"
	    "--prefix, --sign, --upstream-dns and --allow may be set in $CREDTRAIL_CONFIG, else\n"
	    "$XDG_CONFIG_HOME/credtrail/config, else ~/.config/credtrail/config (see credtrail(1)).\n");
}

/* An environment variable's value, or NULL when it is unset or empty. */
static const char *
env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * The one place defaults are resolved: flag > environment > config file > built-in.  The
 * flags themselves are applied by each command over these (its option variable starts
 * from cli.<key>).
 */
static int
load_config(void)
{
	const char *path;
	char *def = NULL;
	int r;

	if ((path = getenv("CREDTRAIL_CONFIG")) == NULL) {
		if (ct_config_default_path(&def) != 0) {
			ct_error_clear();	/* no HOME: no config file, not an error */
			path = NULL;
		} else
			path = def;
	}
	r = path != NULL && *path != '\0' ?
	    ct_config_load(&config, path, path == def ? CT_CONFIG_DEFAULT_PATH : 0) : 0;
	free(def);
	if (r != 0)
		return r;
	if (cli.db_path == NULL && env_value("CREDTRAIL_DB") == NULL)
		cli.db_path = config.db;
	if ((cli.prefix = env_value("CREDTRAIL_PREFIX")) == NULL &&
	    (cli.prefix = config.prefix) == NULL)
		cli.prefix = "ironclaw";
	if ((cli.sign = env_value("CREDTRAIL_SIGN")) == NULL)
		cli.sign = config.sign;
	if ((cli.upstream_dns = env_value("CREDTRAIL_UPSTREAM_DNS")) == NULL)
		cli.upstream_dns = config.upstream_dns;
	cli.allow = (const char *const *)config.allow;
	cli.nallow = config.nallow;
	return 0;
}

struct ct_store *
cli_store(void)
{
	char *path = NULL;
	int r;

	if (cli.store != NULL)
		return cli.store;
	if ((r = ct_store_default_path(cli.db_path, &path)) != 0 ||
	    (r = ct_store_open(&cli.store, path, 0)) != 0) {
		free(path);
		exit(cli_fail(r));
	}
	free(path);
	return cli.store;
}

static void
verror(const char *fmt, va_list ap)
{
	fprintf(stderr, "credtrail%s%s: ", cli.cmdname != NULL ? " " : "",
	    cli.cmdname != NULL ? cli.cmdname : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

int
cli_fail(int r)
{
	return cli_error("%s", ct_errmsg(r));
}

int
cli_usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one line: the problem, then where the usage is */
	cli_error("%s (see 'credtrail %s --help')", msg, cli.cmdname != NULL ? cli.cmdname : "");
	return CLI_USAGE;
}

int
cli_default_list(struct strlist *l, const char *const *v, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	if ((l->v = calloc(n, sizeof(*l->v))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		l->v[i] = v[i];
	l->n = n;
	return 0;
}

int
cli_netpolicy(const struct strlist *allow, const char *policy_file, const char *task_class,
    struct ct_netpolicy **out)
{
	struct ct_netpolicy *np = NULL;
	size_t i;
	int r, status = CLI_FAIL;

	*out = NULL;
	if (allow->n == 0 && policy_file == NULL)
		return 0;
	if ((r = ct_netpolicy_new(&np)) != 0) {
		cli_fail(r);
		goto out;
	}
	for (i = 0; i < allow->n; i++) {
		if ((r = ct_netpolicy_add_rule(np, allow->v[i])) != 0) {
			status = cli_usage_error("%s", ct_errmsg(r));
			goto out;
		}
	}
	if (policy_file != NULL &&
	    (r = ct_netpolicy_load_file(np, policy_file, task_class)) != 0) {
		cli_fail(r);
		goto out;
	}
	*out = np;
	np = NULL;
	status = 0;
 out:
	ct_netpolicy_free(np);
	return status;
}

int
cli_print_json(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		return cli_error("cannot write JSON output");
	fputc('\n', stdout);
	return fflush(stdout) == 0 ? CLI_OK : cli_error("cannot write output");
}

int
cli_write_json_file(const char *path, json_t *v)
{
	char *text, *grown;
	size_t n;
	int r;

	if ((text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	n = strlen(text);
	if ((grown = realloc(text, n + 2)) == NULL) {
		free(text);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	text = grown;
	text[n++] = '\n';
	text[n] = '\0';
	r = ct_write_file_atomic(path, text, n, 0644);
	free(text);
	return r;
}

int
main(int argc, char **argv)
{
	const struct command *c;
	int i, rc;

	cli.argv0 = argv[0];
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("credtrail %s\n", CT_VERSION);
			return CLI_OK;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			cli.db_path = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			cli.db_path = argv[i] + 5;
		} else {
			fprintf(stderr, "credtrail: unknown global option '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, argv[i]) == 0) {
			if ((rc = load_config()) != 0)
				return cli_fail(rc);
			cli.cmdname = c->name;
			rc = c->fn(argc - i, argv + i);
			ct_store_close(cli.store);
			cli.store = NULL;
			ct_config_release(&config);
			if (fflush(stdout) != 0 && rc == CLI_OK)
				rc = cli_error("cannot write output");
			return rc;
		}
	}
	fprintf(stderr, "credtrail: '%s' is not a credtrail command (see 'credtrail --help')\n",
	    argv[i]);
	return CLI_USAGE;
}
