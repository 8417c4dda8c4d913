/*
 * cmd_verify.c - `credtrail verify`: check a run's attestation and event log, or an
 * inclusion proof, and print one verdict.
 *
 * Exit status (README "Attestation and verify"):
 *   0 verified complete
 *   3 verified, with N unsigned trailing records (no final checkpoint: a crash or a cut)
 *   4 verified, but the evidence is incomplete (events lost, weaker backend)
 *   5 FAILED: a record, checkpoint, signature or the attestation is wrong
 *   1 the check could not run (a file missing, no trusted key); 2 usage error
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/attest.h"
#include "lib/dsse.h"
#include "lib/evlog.h"
#include "lib/report.h"
#include "lib/sshsig.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

enum {
	VERIFY_COMPLETE = 0,
	VERIFY_UNSIGNED_TAIL = 3,
	VERIFY_INCOMPLETE = 4,
	VERIFY_FAILED = 5,
};

struct verdict {
	int status;
	char reason[1024];	/* for FAILED and incomplete */
	uint64_t line;		/* 0: not about one line */
	const char *ssh_sig;	/* "verified", "absent" or NULL */
	char keyid[CT_KEYID_LEN + 1];
};

static void
set_failed(struct verdict *v, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_failed(struct verdict *v, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	v->status = VERIFY_FAILED;
	v->line = line;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

static const char *
verdict_name(int status)
{
	switch (status) {
	case VERIFY_COMPLETE: return "complete";
	case VERIFY_UNSIGNED_TAIL: return "unsigned-tail";
	case VERIFY_INCOMPLETE: return "incomplete";
	}
	return "failed";
}

static void
from_report(struct verdict *v, const struct ct_evlog_report *rep)
{
	switch (rep->verdict) {
	case CT_EVLOG_COMPLETE:
		v->status = VERIFY_COMPLETE;
		break;
	case CT_EVLOG_UNSIGNED_TAIL:
		v->status = VERIFY_UNSIGNED_TAIL;
		break;
	case CT_EVLOG_INCOMPLETE:
		v->status = VERIFY_INCOMPLETE;
		snprintf(v->reason, sizeof(v->reason), "%s", rep->incomplete);
		break;
	case CT_EVLOG_FAILED:
		set_failed(v, rep->fail_line, "%s", rep->fail);
		break;
	}
}

static int
print_verdict(const struct verdict *v, const struct ct_evlog_report *rep, const char *logpath,
    const char *attpath, int json)
{
	char root[65];

	ct_hex_fmt(rep->signed_root, 32, root);
	if (json) {
		json_t *o = json_pack("{s:s, s:i, s:s?, s:I, s:I, s:I, s:I, s:s, s:s, s:b, s:b,"
		    " s:O?, s:s?, s:s?}",
		    "verdict", verdict_name(v->status), "exit_status", v->status,
		    "log", logpath, "records", (json_int_t)rep->records,
		    "signed_records", (json_int_t)rep->signed_size,
		    "unsigned_records", (json_int_t)rep->unsigned_tail,
		    "checkpoints", (json_int_t)rep->checkpoints,
		    "origin", rep->origin, "root", root, "final", rep->final, "torn", rep->torn,
		    "final_counters", rep->final_counters,
		    "reason", v->reason[0] != '\0' ? v->reason : NULL,
		    "attestation", attpath);
		int r;

		if (o == NULL)
			return cli_error("cannot build JSON output");
		if (v->line != 0)
			json_object_set_new(o, "line", json_integer((json_int_t)v->line));
		if (v->ssh_sig != NULL)
			json_object_set_new(o, "ssh_signature", json_string(v->ssh_sig));
		if (v->keyid[0] != '\0')
			json_object_set_new(o, "keyid", json_string(v->keyid));
		r = cli_print_json(o);
		json_decref(o);
		return r != CLI_OK ? r : v->status;
	}
	switch (v->status) {
	case VERIFY_COMPLETE:
		printf("verified complete: %" PRIu64 " records, %" PRIu64 " signed checkpoint%s, "
		    "origin %s, root %s%s\n", rep->records, rep->checkpoints,
		    rep->checkpoints == 1 ? "" : "s", rep->origin, root,
		    attpath != NULL ? ", attestation signature verified" : "");
		break;
	case VERIFY_UNSIGNED_TAIL:
		printf("verified with %" PRIu64 " unsigned trailing records: %" PRIu64 " records "
		    "signed by %" PRIu64 " checkpoint%s, no final checkpoint%s\n",
		    rep->unsigned_tail, rep->signed_size, rep->checkpoints,
		    rep->checkpoints == 1 ? "" : "s",
		    rep->torn ? ", and a partial last line" : "");
		break;
	case VERIFY_INCOMPLETE:
		printf("verified but evidence incomplete: %s (%" PRIu64 " records signed)\n",
		    v->reason, rep->records);
		break;
	default:
		if (v->line != 0)
			printf("FAILED at line %" PRIu64 ": %s\n", v->line, v->reason);
		else
			printf("FAILED: %s\n", v->reason);
	}
	if (fflush(stdout) != 0)
		return cli_error("cannot write output");
	return v->status;
}

/* The verdict of an attestation check. */
static void
from_attest(struct verdict *v, const struct ct_attest_result *res)
{
	if (res->verdict == CT_EVLOG_FAILED)
		set_failed(v, res->fail_line, "%s", res->fail);
	else
		from_report(v, &res->log);
	v->ssh_sig = res->ssh_sig ? "verified" : "absent";
	snprintf(v->keyid, sizeof(v->keyid), "%s", res->keyid);
}

static int
verify_proof(const char *path, EVP_PKEY **keys, size_t nkeys, int json)
{
	struct ct_checkpoint cp;
	json_error_t jerr;
	json_t *proof = NULL;
	uint8_t *data = NULL;
	size_t dlen = 0;
	uint64_t index = 0;
	char ts[40];
	int r, rc;

	if ((r = ct_read_file(path, 16 * 1024 * 1024, &data, &dlen)) != 0)
		return cli_fail(r);
	proof = json_loadb((const char *)data, dlen, JSON_REJECT_DUPLICATES, &jerr);
	free(data);
	if (proof == NULL) {
		r = ct_error(CT_ERR_FORMAT, "proof is not JSON: %s", jerr.text);
	} else {
		index = (uint64_t)json_integer_value(json_object_get(proof, "index"));
		r = ct_evlog_verify_proof(proof, keys, nkeys, &cp);
	}
	json_decref(proof);
	if (r != 0 && r != CT_ERR_VERIFY && r != CT_ERR_FORMAT)
		return cli_fail(r);
	rc = r == 0 ? VERIFY_COMPLETE : VERIFY_FAILED;
	if (json) {
		json_t *o = r == 0 ?
		    json_pack("{s:s, s:I, s:s, s:I}", "verdict", "verified", "index",
		    (json_int_t)index, "origin", cp.origin, "tree_size", (json_int_t)cp.size) :
		    json_pack("{s:s, s:s}", "verdict", "failed", "reason", ct_errmsg(r));
		int pr = cli_print_json(o);

		json_decref(o);
		if (pr != CLI_OK)
			rc = pr;
	} else if (r == 0) {
		ct_time_fmt(cp.time_us, 0, ts, sizeof(ts));
		printf("verified: record %" PRIu64 " is in log %s at tree size %" PRIu64
		    " (checkpoint of %s)\n", index, cp.origin, cp.size, ts);
	} else
		printf("FAILED: %s\n", ct_errmsg(r));
	if (r == 0)
		ct_checkpoint_release(&cp);
	return rc;
}

/*
 * Is the envelope at `path` a signed report rather than a run attestation?  Only the
 * statement's predicateType is read here; everything is verified by the verifier chosen.
 */
static int
is_signed_report(const char *path, uint8_t **data, size_t *len)
{
	struct ct_dsse e;
	json_t *st;
	int yes = 0;

	*data = NULL;
	*len = 0;
	if (ct_read_file(path, CT_DSSE_MAX, data, len) != 0)
		return 0;
	memset(&e, 0, sizeof(e));
	if (ct_dsse_parse(*data, *len, &e) == 0 &&
	    (st = json_loadb((const char *)e.payload, e.payload_len, 0, NULL)) != NULL) {
		yes = json_is_string(json_object_get(st, "predicateType")) &&
		    strcmp(json_string_value(json_object_get(st, "predicateType")),
		    CT_REPORT_PREDICATE_V1) == 0;
		json_decref(st);
	}
	ct_dsse_release(&e);
	ct_error_clear();
	return yes;
}

static int
verify_report(const uint8_t *data, size_t len, EVP_PKEY **keys, size_t nkeys, int json)
{
	json_t *report = NULL, *o;
	char keyid[65];
	int r, rc;

	r = ct_report_verify(data, len, keys, nkeys, &report, keyid);
	if (r != 0 && r != CT_ERR_VERIFY && r != CT_ERR_FORMAT)
		return cli_fail(r);
	rc = r == 0 ? VERIFY_COMPLETE : VERIFY_FAILED;
	if (json) {
		o = r == 0 ? json_pack("{s:s, s:s, s:O?, s:s}", "verdict", "verified",
		    "kind", "report", "task", json_object_get(report, "task"), "keyid", keyid) :
		    json_pack("{s:s, s:s, s:s}", "verdict", "failed", "kind", "report",
		    "reason", ct_errmsg(r));
		if (cli_print_json(o) != CLI_OK)
			rc = CLI_FAIL;
		json_decref(o);
	} else if (r == 0)
		printf("verified: signed report of task %s (key %.16s...)\n",
		    json_string_value(json_object_get(report, "task")), keyid);
	else
		printf("FAILED: %s\n", ct_errmsg(r));
	json_decref(report);
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	struct strlist keypaths = { NULL, 0 };
	const char *logarg = NULL, *allowed = NULL, *proof = NULL, *attpath = NULL;
	struct ct_attest_result res;
	struct verdict v;
	EVP_PKEY **keys = NULL;
	size_t nkeys = 0;
	int json = 0, npos, r, rc;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "log", &logarg, "LOG",
		  "the event log (default: the attestation's subject, beside it)" },
		{ OPT_LIST, 0, "key", &keypaths, "PUB",
		  "trust this public key (OpenSSH .pub line or PEM; repeatable)" },
		{ OPT_STRING, 0, "allowed-signers", &allowed, "FILE",
		  "trust the keys an ssh-keygen allowed-signers file lists" },
		{ OPT_STRING, 0, "proof", &proof, "FILE",
		  "check an inclusion proof from 'credtrail prove' alone" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print the verdict as JSON" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail verify ATTESTATION [--log LOG] [--key PUB | --allowed-signers FILE] [--json]\n"
		"       credtrail verify --log LOG [--key PUB | --allowed-signers FILE] [--json]\n"
		"       credtrail verify --proof FILE [--key PUB | --allowed-signers FILE] [--json]",
		"Check a run's evidence, or a signed report, and print one verdict.  With\n"
		"ATTESTATION from 'credtrail report --sign': its DSSE signature and that the\n"
		"statement's subject digest is the report's.  With a run's ATTESTATION: its DSSE\n"
		"signature, the in-toto statement, the log's digest and final tree head, every\n"
		"record (order, count, seq), every checkpoint (signature, tree size, root\n"
		"recomputed from the records), and the detached SSH signature ATTESTATION.sig when\n"
		"present.  With --log alone (e.g. after a crash): the signed prefix, and how many\n"
		"records follow the last checkpoint unsigned.  Without --key or --allowed-signers,\n"
		"the signing keys recorded in the ledger are trusted.",
		"Exit status: 0 verified complete; 3 verified with unsigned trailing records;\n"
		"4 verified but evidence incomplete (events lost, weaker backend); 5 FAILED\n"
		"(the first bad record or signature is named, with its line); 1 the check could\n"
		"not run; 2 usage error."
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	memset(&res, 0, sizeof(res));
	memset(&v, 0, sizeof(v));
	if (npos > 1)
		return cli_usage_error("too many arguments");
	if (npos == 1)
		attpath = argv[0];
	if (proof != NULL && (attpath != NULL || logarg != NULL))
		return cli_usage_error("--proof is checked alone, without ATTESTATION or --log");
	if (proof == NULL && attpath == NULL && logarg == NULL)
		return cli_usage_error("missing ATTESTATION, --log LOG or --proof FILE");
	if (keypaths.n > 0 && allowed != NULL)
		return cli_usage_error("give --key or --allowed-signers, not both");
	r = ct_attest_trusted_keys(keypaths.n == 0 && allowed == NULL ? cli_store() : NULL,
	    keypaths.v, keypaths.n, allowed, &keys, &nkeys);
	strlist_free(&keypaths);
	if (r != 0)
		return cli_fail(r);
	if (proof != NULL) {
		rc = verify_proof(proof, keys, nkeys, json);
		ct_keys_free(keys, nkeys);
		return rc;
	}
	if (attpath != NULL && logarg == NULL) {
		uint8_t *data = NULL;
		size_t len = 0;

		if (is_signed_report(attpath, &data, &len)) {
			rc = verify_report(data, len, keys, nkeys, json);
			free(data);
			ct_keys_free(keys, nkeys);
			return rc;
		}
		free(data);
	}
	if (attpath != NULL) {
		if ((r = ct_attest_verify(attpath, logarg, keys, nkeys, &res)) == 0)
			from_attest(&v, &res);
	} else if ((r = ct_evlog_verify_file(logarg, keys, nkeys, NULL, &res.log)) == 0)
		from_report(&v, &res.log);
	if (r != 0)
		rc = cli_fail(r);
	else
		rc = print_verdict(&v, &res.log, res.log_path != NULL ? res.log_path : logarg,
		    attpath, json);
	ct_attest_result_release(&res);
	ct_keys_free(keys, nkeys);
	return rc;
}
