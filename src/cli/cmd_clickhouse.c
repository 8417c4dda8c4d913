/*
 * cmd_clickhouse.c - `credtrail clickhouse init|schema`: the ClickHouse table that holds raw
 * provider records for push-down ingest (see lib/query.h, lib/clickhouse.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/clickhouse.h"
#include "lib/query.h"
#include "util/err.h"

#define DEFAULT_URL "clickhouse://127.0.0.1:8123/credtrail/events"

static int
ch_init(int argc, char **argv)
{
	const char *url = DEFAULT_URL;
	struct ct_ch ch;
	int npos, r;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "url", &url, "URL",
		  "clickhouse://HOST:PORT/DB/TABLE (default " DEFAULT_URL ")" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail clickhouse init [--url clickhouse://HOST:PORT/DB/TABLE]",
		"Create the database and the table for raw provider records over ClickHouse's\n"
		"HTTP interface (nothing is changed when they exist).  Load records with\n"
		"INSERT INTO DB.TABLE (source, raw) ...: the event time and the join-key arrays\n"
		"are computed by ClickHouse from the raw record.  `credtrail clickhouse schema`\n"
		"prints the statements instead.",
		NULL
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = ct_ch_parse(url, 1, &ch)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	r = ct_ch_init(&ch);
	if (r == 0)
		printf("%s.%s ready at %s\n", ch.db, ch.table, ch.base);
	ct_ch_release(&ch);
	return r != 0 ? cli_fail(r) : CLI_OK;
}

static int
ch_schema(int argc, char **argv)
{
	const char *table = "credtrail.events";
	char *db = NULL, *tb = NULL, **ddl = NULL;
	size_t n = 0, i;
	int npos, r;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "table", &table, "DB.TABLE", "default credtrail.events" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail clickhouse schema [--table DB.TABLE]",
		"Print the statements `credtrail clickhouse init` runs, each ending with ';'.",
		NULL
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = ct_query_split_table(table, "credtrail", &db, &tb)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	r = ct_query_clickhouse_ddl(db, tb, &ddl, &n);
	free(db);
	free(tb);
	if (r != 0)
		return cli_fail(r);
	for (i = 0; i < n; i++) {
		printf("%s;\n", ddl[i]);
		free(ddl[i]);
	}
	free(ddl);
	return CLI_OK;
}

int
cmd_clickhouse(int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "init", ch_init, "create the raw-record table in ClickHouse" },
		{ "schema", ch_schema, "print the table's CREATE statements" },
		{ NULL, NULL, NULL }
	};

	return dispatch_sub("clickhouse", argc, argv, subs,
	    "Provider logs held in ClickHouse, for `credtrail ingest --from clickhouse://...`.");
}
