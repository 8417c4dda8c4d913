/*
 * cmd_prove.c - `credtrail prove`: an inclusion proof of one record of an event log, to show
 * an auditor that one event is in the signed log without handing over the whole log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/attest.h"
#include "lib/evlog.h"
#include "lib/sshsig.h"
#include "util/err.h"
#include "util/fs.h"

int
cmd_prove(int argc, char **argv)
{
	struct strlist keypaths = { NULL, 0 };
	const char *logpath = NULL, *allowed = NULL, *outpath = NULL;
	long long record = -1;
	EVP_PKEY **keys = NULL;
	size_t nkeys = 0, tlen = 0;
	json_t *proof = NULL;
	char *text = NULL;
	int npos, r, rc = CLI_FAIL;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "log", &logpath, "LOG", "the event log" },
		{ OPT_INT, 0, "record", &record, "N", "the record to prove (its seq, from 0)" },
		{ OPT_LIST, 0, "key", &keypaths, "PUB",
		  "trust this public key for the log's checkpoints (repeatable)" },
		{ OPT_STRING, 0, "allowed-signers", &allowed, "FILE",
		  "trust the keys an ssh-keygen allowed-signers file lists" },
		{ OPT_STRING, 'o', "output", &outpath, "FILE", "write the proof here, not to stdout" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail prove --log LOG --record N [--key PUB | --allowed-signers FILE] [-o FILE]",
		"Print an inclusion proof of record N as JSON: the record's bytes, its index, the\n"
		"tree size and root of the last signed checkpoint of LOG, the audit path (RFC 6962)\n"
		"and that checkpoint's signed note.  'credtrail verify --proof FILE --key PUB'\n"
		"checks it without the log.  The log is verified first; a record in the unsigned\n"
		"tail cannot be proven.",
		NULL
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0) {
		strlist_free(&keypaths);
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	}
	if (logpath == NULL || record < 0) {
		strlist_free(&keypaths);
		return cli_usage_error(logpath == NULL ? "missing --log LOG" :
		    "missing --record N (0 or more)");
	}
	if (keypaths.n > 0 && allowed != NULL) {
		strlist_free(&keypaths);
		return cli_usage_error("give --key or --allowed-signers, not both");
	}
	r = ct_attest_trusted_keys(keypaths.n == 0 && allowed == NULL ? cli_store() : NULL,
	    keypaths.v, keypaths.n, allowed, &keys, &nkeys);
	strlist_free(&keypaths);
	if (r != 0)
		return cli_fail(r);
	if ((r = ct_evlog_prove(logpath, keys, nkeys, (uint64_t)record, &proof)) != 0)
		goto fail;
	if ((text = json_dumps(proof, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "cannot encode the proof");
		goto fail;
	}
	tlen = strlen(text);
	if (outpath != NULL) {
		char *t = realloc(text, tlen + 2);

		if (t == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto fail;
		}
		text = t;
		text[tlen++] = '\n';
		if ((r = ct_write_file_atomic(outpath, text, tlen, 0644)) != 0)
			goto fail;
	} else
		printf("%s\n", text);
	rc = CLI_OK;
	goto out;
 fail:
	rc = cli_fail(r);
 out:
	free(text);
	json_decref(proof);
	ct_keys_free(keys, nkeys);
	return rc;
}
