/*
 * cmd_ingest.c - `credtrail ingest`: provider audit logs into the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/clickhouse.h"
#include "lib/ingest.h"
#include "lib/query.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/timeutil.h"

#define SHOW_REJECTS 5

struct progress {
	const char *file;
	int64_t start_us;
	int shown;
};

static void
show_progress(void *arg, uint64_t bytes, uint64_t total, uint64_t records)
{
	struct progress *p = arg;
	double secs = (double)(ct_now_us() - p->start_us) / 1e6;
	char bar[31];
	int i, fill = 0;

	if (secs < 0.001)
		secs = 0.001;
	if (total > 0) {
		fill = (int)((double)bytes * 30 / (double)total);
		if (fill > 30)
			fill = 30;
	}
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '=' : (total > 0 ? ' ' : '.');
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %6.1f MB/s %9.0f rec/s  %.40s\033[K", bar,
	    (double)bytes / 1e6 / secs, (double)records / secs, p->file);
	fflush(stderr);
	p->shown = 1;
}

static void
print_text(const char *file, const struct ct_ingest_stats *s)
{
	int i;

	printf("%s: %s: read %llu, new %llu, duplicate %llu, skipped %llu, rejected %llu\n",
	    file, s->format, (unsigned long long)s->read, (unsigned long long)s->new_,
	    (unsigned long long)s->duplicate, (unsigned long long)s->skipped,
	    (unsigned long long)s->rejected);
	for (i = 0; i < s->nrejects && i < SHOW_REJECTS; i++)
		printf("  %s:%llu: %s\n", file, (unsigned long long)s->rejects[i].offset,
		    s->rejects[i].reason);
	if (s->rejected > (uint64_t)(s->nrejects < SHOW_REJECTS ? s->nrejects : SHOW_REJECTS))
		printf("  ... %llu more rejected\n", (unsigned long long)(s->rejected -
		    (s->nrejects < SHOW_REJECTS ? s->nrejects : SHOW_REJECTS)));
}

static int
print_json(const char *file, const struct ct_ingest_stats *s, const char *error)
{
	json_t *o, *rj;
	int i, r = 0;

	rj = json_array();
	for (i = 0; rj != NULL && i < s->nrejects; i++)
		json_array_append_new(rj, json_pack("{s:I, s:s}", "offset",
		    (json_int_t)s->rejects[i].offset, "reason", s->rejects[i].reason));
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s?, s:o, s:s?}",
	    "file", file, "format", s->format, "read", (json_int_t)s->read,
	    "new", (json_int_t)s->new_, "duplicate", (json_int_t)s->duplicate,
	    "skipped", (json_int_t)s->skipped, "rejected", (json_int_t)s->rejected,
	    "bytes", (json_int_t)s->bytes, "sha256", s->sha256[0] != '\0' ? s->sha256 : NULL,
	    "rejections", rj, "error", error);
	if (o == NULL || json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		r = cli_error("cannot write JSON output");
	else
		fputc('\n', stdout);
	json_decref(o);
	return r;
}

/*
 * --from clickhouse://HOST:PORT/DB/TABLE: the records of the selected tasks' join keys, pushed
 * down as SQL (lib/clickhouse.h), each set ingested like a file named
 * "<URL>?task=ID#json" (or ?class=, #lines).
 */
static int
ingest_from(const char *from, const char *task, const char *class, const char *since,
    const char *until, struct ct_ingest *in, int json, struct progress *prog)
{
	struct ct_query_keys k;
	struct ct_ingest_stats js, ls;
	struct ct_ch_ingest_result res;
	struct ct_ch ch;
	int64_t since_us = 0, until_us = 0;
	char *name = NULL, *jname = NULL, *lname = NULL;
	int r, rc = CLI_OK;

	if (since != NULL && cli_query_time(since, &since_us) != 0)
		return cli_usage_error("--since '%s' is not a date (YYYY-MM-DD or RFC 3339)", since);
	if (until != NULL && cli_query_time(until, &until_us) != 0)
		return cli_usage_error("--until '%s' is not a date (YYYY-MM-DD or RFC 3339)", until);
	if ((r = ct_ch_parse(from, 1, &ch)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	if ((r = ct_query_keys_load(cli_store(), task, class, &k)) != 0) {
		ct_ch_release(&ch);
		return cli_fail(r);
	}
	if (asprintf(&name, "%s?%s=%s", from, task != NULL ? "task" : "class",
	    task != NULL ? task : class) < 0 || asprintf(&jname, "%s#json", name) < 0 ||
	    asprintf(&lname, "%s#lines", name) < 0) {
		rc = cli_fail(ct_error(CT_ERR_NOMEM, "out of memory"));
		goto out;
	}
	memset(&res, 0, sizeof(res));
	memset(&js, 0, sizeof(js));
	memset(&ls, 0, sizeof(ls));
	res.json = &js;
	res.lines = &ls;
	r = ct_ch_ingest(in, &ch, &k, since_us, until_us, name, &res);
	if (prog->shown)
		fprintf(stderr, "\r\033[K");
	if (r != 0) {
		rc = cli_error("%s: %s (nothing of the failing set was stored)", name,
		    ct_errmsg(r));
		goto out;
	}
	if (json) {
		if (print_json(jname, &js, NULL) != 0 || print_json(lname, &ls, NULL) != 0)
			rc = CLI_FAIL;
	} else {
		print_text(jname, &js);
		print_text(lname, &ls);
	}
 out:
	free(name);
	free(jname);
	free(lname);
	ct_query_keys_release(&k);
	ct_ch_release(&ch);
	return rc;
}

int
cmd_ingest(int argc, char **argv)
{
	const char *format = "auto";
	const char *from = NULL, *task = NULL, *class = NULL, *since = NULL, *until = NULL;
	struct ct_ingest_opts o;
	struct ct_ingest_stats stats;
	struct ct_ingest *in = NULL;
	struct progress prog;
	char **files = NULL, *msg;
	size_t nfiles = 0, i;
	long long max_record = 0;
	int all = 0, json = 0, npos, r, rc = CLI_OK;
	const struct opt opts[] = {
		{ OPT_STRING, 'f', "format", &format, "FORMAT",
		  "auto, cloudtrail, gcp, vault, sshd, k8s or ironproxy (default auto)" },
		{ OPT_FLAG, 0, "all", &all, NULL,
		  "keep every event, not only those that can concern a known credential" },
		{ OPT_FLAG, 0, "json", &json, NULL, "one JSON object of counts per file on stdout" },
		{ OPT_INT, 0, "max-record", &max_record, "BYTES",
		  "reject records larger than this (default 8 MiB)" },
		{ OPT_STRING, 0, "from", &from, "URL",
		  "clickhouse://HOST:PORT/DB/TABLE: only the selected tasks' records, pushed down" },
		{ OPT_STRING, 0, "task", &task, "ID", "with --from: the records of this task's keys" },
		{ OPT_STRING, 0, "class", &class, "CLASS",
		  "with --from: the records of every task of a class" },
		{ OPT_STRING, 0, "since", &since, "TIME", "with --from: events at or after TIME" },
		{ OPT_STRING, 0, "until", &until, "TIME", "with --from: events before TIME" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail ingest [--format FORMAT] [--all] [--json] PATH...\n"
		"       credtrail ingest --from clickhouse://HOST:PORT/DB/TABLE\n"
		"                 (--task ID | --class CLASS) [--since TIME] [--until TIME] [--json]",
		"Read provider audit logs into the store as normalised events: AWS CloudTrail\n"
		"(trail files, JSON lines, arrays, lookup-events output, Lake/Athena exports),\n"
		"GCP audit LogEntry, Vault/OpenBao audit devices, sshd logs (syslog, sshd -E,\n"
		"journalctl -o json), Kubernetes audit events and IronClaw egress proxy lines.\n"
		"PATH is a file, a directory (read recursively in name order) or '-' for standard\n"
		"input; gzip is decompressed transparently.  Each file is one transaction, and\n"
		"ingesting a file again adds nothing.\n"
		"\n"
		"By default only events that can concern a credential in the ledger are kept: one\n"
		"of its join keys (access key id, session name, source identity, subject, jti,\n"
		"key id, serial and CA), a key an AssumeRole of such a credential issued, or a\n"
		"task principal (\"-task-\" in a session name, key id, principal or subject).\n"
		"\n"
		"With --from, the SQL of `credtrail query --engine clickhouse` runs on the server\n"
		"(role chains are followed there, one query per hop) and only the matching records\n"
		"are fetched and ingested: the JSON records as one set, the text lines (sshd) as\n"
		"another, each like a file named after the URL and the selection.",
		"Per file it prints the records read, the events new and already present, the\n"
		"records skipped (not of interest, or not events) and rejected (malformed, with\n"
		"FILE:OFFSET and the reason).  Exit status: 0 when every file was ingested (even\n"
		"with rejected records), 1 when a file could not be (it then added nothing), 2 for\n"
		"a usage error."
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (from != NULL && npos > 0)
		return cli_usage_error("give --from or PATH, not both");
	if (from == NULL && (task != NULL || class != NULL || since != NULL || until != NULL))
		return cli_usage_error("--task, --class, --since and --until go with --from");
	if (from == NULL && npos == 0)
		return cli_usage_error("no PATH to ingest");
	if (from != NULL && (task == NULL) == (class == NULL))
		return cli_usage_error(task == NULL ? "--from needs --task ID or --class CLASS" :
		    "give --task or --class, not both");
	memset(&o, 0, sizeof(o));
	if ((r = ct_ingest_format_parse(format, &o.format)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	if (max_record < 0 || max_record > (1LL << 30))
		return cli_usage_error("--max-record must be between 1 and 1073741824");
	o.all = all;
	o.max_record = (size_t)max_record;
	memset(&prog, 0, sizeof(prog));
	if (isatty(STDERR_FILENO)) {
		o.progress = show_progress;
		o.progress_arg = &prog;
	}
	if (from != NULL) {
		prog.file = from;
		prog.start_us = ct_now_us();
		if ((r = ct_ingest_new(&in, cli_store(), &o)) != 0)
			return cli_fail(r);
		rc = ingest_from(from, task, class, since, until, in, json, &prog);
		ct_ingest_free(in);
		return rc;
	}
	if ((r = ct_ingest_expand((const char *const *)argv, (size_t)npos, &files, &nfiles)) != 0)
		return cli_fail(r);
	if ((r = ct_ingest_new(&in, cli_store(), &o)) != 0) {
		ct_ingest_expand_free(files, nfiles);
		return cli_fail(r);
	}
	for (i = 0; i < nfiles; i++) {
		prog.file = files[i];
		prog.start_us = ct_now_us();
		prog.shown = 0;
		r = ct_ingest_file(in, files[i], &stats);
		if (prog.shown)
			fprintf(stderr, "\r\033[K");
		msg = NULL;
		if (r != 0) {
			msg = strdup(ct_errmsg(r));
			cli_error("%s: %s (nothing of it was stored)", files[i],
			    msg != NULL ? msg : "failed");
			rc = CLI_FAIL;
		}
		if (json) {
			if (print_json(files[i], &stats, r != 0 ? (msg != NULL ? msg : "failed") :
			    NULL) != 0)
				rc = CLI_FAIL;
		} else if (r == 0) {
			print_text(files[i], &stats);
		}
		free(msg);
		fflush(stdout);
	}
	ct_ingest_free(in);
	ct_ingest_expand_free(files, nfiles);
	return rc;
}
