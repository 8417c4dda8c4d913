/*
 * cmd_query.c - `credtrail query`: the SQL that selects, where an organisation's provider logs
 * live (ClickHouse, Athena, BigQuery), just the events of some tasks' credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/query.h"
#include "util/err.h"
#include "util/timeutil.h"

/* YYYY-MM-DD (midnight UTC) or RFC 3339; shared with ingest --from (cli_query_time). */
int
cli_query_time(const char *s, int64_t *out)
{
	char buf[64];
	size_t n = strlen(s);

	if (n == 10 && s[4] == '-' && s[7] == '-') {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		return ct_time_parse(buf, strlen(buf), out);
	}
	return ct_time_parse(s, n, out);
}

int
cmd_query(int argc, char **argv)
{
	const char *engine = NULL, *task = NULL, *class = NULL, *since = NULL, *until = NULL;
	const char *table = NULL;
	struct ct_query_keys k;
	struct ct_query_opts o;
	char *sql = NULL;
	int npos, r;
	const struct opt opts[] = {
		{ OPT_STRING, 'e', "engine", &engine, "ENGINE", "clickhouse, athena or bigquery" },
		{ OPT_STRING, 0, "task", &task, "ID", "the credentials of this task" },
		{ OPT_STRING, 0, "class", &class, "CLASS", "the credentials of every task of a class" },
		{ OPT_STRING, 0, "since", &since, "TIME",
		  "events at or after TIME (YYYY-MM-DD or RFC 3339)" },
		{ OPT_STRING, 0, "until", &until, "TIME", "events before TIME" },
		{ OPT_STRING, 0, "table", &table, "NAME",
		  "DB.TABLE (clickhouse), [DB.]TABLE (athena), PROJECT.DATASET (bigquery)" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail query --engine ENGINE (--task ID | --class CLASS) [--since TIME]\n"
		"                [--until TIME] [--table NAME]",
		"Print the SQL that selects, where an organisation's provider logs already live,\n"
		"just the events that can carry a join key of the credentials the ledger issued to\n"
		"a task (or to every task of a class): access key ids, session names, source\n"
		"identities and assumed-role ARNs; JWT jti and sub; GCP service accounts; SSH key\n"
		"ids, serials and CAs; X.509 serials and SPIFFE ids; task-named principals and\n"
		"ironclaw:task-id session tags.  Run it in the warehouse and ingest what it returns,\n"
		"or let `credtrail ingest --from clickhouse://...` do both.\n"
		"\n"
		"  clickhouse  the raw-record table `credtrail clickhouse init` creates (join keys\n"
		"              looked up in its key arrays, role chains followed by ingest --from)\n"
		"  athena      AWS's documented CloudTrail table, with sessioncontext.sourceidentity\n"
		"  bigquery    the cloudaudit_googleapis_com_* tables a Cloud Logging sink writes\n"
		"\n"
		"--table defaults to credtrail.events (clickhouse) and cloudtrail_logs (athena);\n"
		"bigquery needs the PROJECT.DATASET its log sink writes to.",
		"Every query is a superset of what a report needs: ingest keeps only the events of\n"
		"known credentials.  Literals are quoted for the dialect, so no key can end one.\n"
		"Exit status: 0 with the SQL on stdout, 1 when the task is unknown or none of its\n"
		"keys reaches that engine's logs, 2 for a usage error."
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (engine == NULL)
		return cli_usage_error("missing --engine (clickhouse, athena or bigquery)");
	if ((task == NULL) == (class == NULL))
		return cli_usage_error(task == NULL ? "missing --task ID or --class CLASS" :
		    "give --task or --class, not both");
	memset(&o, 0, sizeof(o));
	if ((r = ct_query_engine_parse(engine, &o.engine)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	if (since != NULL && cli_query_time(since, &o.since_us) != 0)
		return cli_usage_error("--since '%s' is not a date (YYYY-MM-DD or RFC 3339)", since);
	if (until != NULL && cli_query_time(until, &o.until_us) != 0)
		return cli_usage_error("--until '%s' is not a date (YYYY-MM-DD or RFC 3339)", until);
	if (since != NULL && until != NULL && o.until_us <= o.since_us)
		return cli_usage_error("--until must be after --since");
	if (o.engine == CT_QE_BIGQUERY && table == NULL)
		return cli_usage_error("BigQuery needs --table PROJECT.DATASET");
	o.table = table;
	if ((r = ct_query_keys_load(cli_store(), task, class, &k)) != 0)
		return cli_fail(r);
	r = ct_query_sql(&k, &o, &sql);
	ct_query_keys_release(&k);
	if (r != 0)
		return r == CT_ERR_INVALID && table != NULL ? cli_usage_error("%s", ct_errmsg(r)) :
		    cli_fail(r);
	fputs(sql, stdout);
	free(sql);
	if (fflush(stdout) != 0)
		return cli_error("cannot write the query");
	return CLI_OK;
}
