/*
 * cli.h - what every cmd_<verb>.c may use: option tables, the shared context, output.
 *
 * Only the CLI layer prints and exits.  A command returns its exit status; errors from the
 * library are reported with cli_fail(), which prints the one error line and returns 1.
 *
 * Exit status (documented in README "Exit status"):
 *   0 success; 1 failure (error line on stderr); 2 usage error.
 * Commands with verdicts (verify, report) document their own codes above 2.
 */
#ifndef CT_CLI_H
#define CT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ct_store;

enum {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
};

/* Global state parsed before the verb. */
struct cli_ctx {
	const char *db_path;	/* --db, or NULL for the default */
	struct ct_store *store;	/* opened on first cli_store() */
	const char *argv0;
	const char *cmdname;	/* "task new", for messages */
	/*
	 * Defaults resolved once in main.c: environment > config file > built-in; a command's
	 * flag overrides them.  See lib/config.h for the keys.
	 */
	const char *prefix;		/* CREDTRAIL_PREFIX, config prefix, else "ironclaw" */
	const char *sign;		/* CREDTRAIL_SIGN, config sign, else NULL (per-host key) */
	const char *upstream_dns;	/* CREDTRAIL_UPSTREAM_DNS, config upstream-dns, or NULL */
	const char *const *allow;	/* config allow rules, used when no --allow is given */
	size_t nallow;
};

extern struct cli_ctx cli;

/* Open (creating and migrating) the store on first use; exits with the error line on failure. */
struct ct_store *cli_store(void);

/* Print "credtrail: <detail of r>" (prefixed with the command name) and return CLI_FAIL. */
int cli_fail(int r);
/* Print "credtrail <cmd>: <message>" and return CLI_FAIL. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a usage error line and a hint to --help; return CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- declarative options ---- */

enum opt_type {
	OPT_END = 0,
	OPT_FLAG,	/* int *: set to 1 */
	OPT_STRING,	/* const char **: the argument */
	OPT_LIST,	/* struct strlist *: appended */
	OPT_INT,	/* long long *: decimal */
	OPT_DURATION,	/* long long * seconds: 900, 15m, 1h */
};

struct strlist {
	const char **v;
	size_t n;
};

struct opt {
	enum opt_type type;
	int shortname;		/* 0 for none */
	const char *name;	/* long name without "--" */
	void *value;
	const char *argname;	/* shown in help, e.g. "FILE" */
	const char *help;
};

#define OPT_END_() { OPT_END, 0, NULL, NULL, NULL, NULL }

struct cmd_help {
	const char *usage;	/* "credtrail task new [--class NAME] [--id ID]" (may be multi-line) */
	const char *summary;	/* one paragraph */
	const char *more;	/* text after the option list, or NULL */
};

enum parse_flags {
	PARSE_STOP_AT_NONOPT = 1 << 0,	/* the first positional ends option parsing (run -- CMD) */
};

/*
 * Parse argv[1..] (argv[0] is the command name) against `opts`.  Positional arguments are
 * moved to the front of argv starting at index 0 and their count returned in *npos.  --help
 * prints the help built from `help` and `opts` and exits 0; an unknown option or a missing
 * argument prints a usage error and exits 2.
 */
void parse_options(int argc, char **argv, const struct opt *opts, const struct cmd_help *help,
    int flags, int *npos);

void print_help(FILE *f, const struct opt *opts, const struct cmd_help *help);

void strlist_free(struct strlist *l);

/* Fill an empty list with n borrowed strings (the config file's defaults); 0 or CT_ERR_NOMEM. */
int cli_default_list(struct strlist *l, const char *const *v, size_t n);

struct ct_netpolicy;
/*
 * The allow rules of run, watch and exec: every --allow RULE, then the --policy FILE's global
 * rules and the section of the task's class.  *out stays NULL when there are neither (no
 * allowlist).  Returns 0, or after its one error line CLI_USAGE (a bad --allow rule) or
 * CLI_FAIL (anything else).
 */
int cli_netpolicy(const struct strlist *allow, const char *policy_file, const char *task_class,
    struct ct_netpolicy **out);

/* ---- sub-verbs (task new|list|show, mint ssh|x509|...) ---- */

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int dispatch_sub(const char *group, int argc, char **argv, const struct subcmd *subs,
    const char *summary);

/* ---- output ---- */

/* Print a jansson value as pretty JSON on stdout (takes a reference it does not steal). */
struct json_t;
int cli_print_json(struct json_t *v);
/* Write a jansson value as pretty JSON (one trailing newline) to `path`, atomically, 0644. */
int cli_write_json_file(const char *path, struct json_t *v);

/* ---- commands ---- */
int cmd_task(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_mint(int argc, char **argv);
int cmd_oidc(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_dnsproxy(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_clickhouse(int argc, char **argv);
/* YYYY-MM-DD (midnight UTC) or RFC 3339 (cmd_query.c) */
int cli_query_time(const char *s, int64_t *out);

/* mint sub-verbs, one file each */
int cmd_mint_ssh(int argc, char **argv);
int cmd_mint_x509(int argc, char **argv);
int cmd_mint_jwt(int argc, char **argv);
int cmd_mint_gcp(int argc, char **argv);
int cmd_mint_aws(int argc, char **argv);

#endif
