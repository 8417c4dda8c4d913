/*
 * attest.h - the signed attestation of a run: an in-toto Statement v1 about the event log,
 * in a DSSE envelope (dsse.h) with a detached OpenSSH signature beside it (sshsig.h), and the
 * signing keys (--sign KEY, else a per-host key created on first use).
 *
 * Statement:
 *   {"_type": "https://in-toto.io/Statement/v1",
 *    "subject": [{"name": <log file base name>, "digest": {"sha256": <hex of the file>}}],
 *    "predicateType": "https://credtrail.dev/attestation/run/v1",
 *    "predicate": <the monitor's run summary as given (task, class, argv, user, backend,
 *                  start, end, exit status, egress, denials, processes, drops, ...)> plus
 *        "credentials": [join keys of every credential the ledger holds for the task],
 *        "log": {"origin": ..., "tree_size": N, "root": <hex>}}
 * encoded compact with sorted keys; those bytes are the DSSE payload and what FILE.sig signs.
 */
#ifndef CT_ATTEST_H
#define CT_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lib/evlog.h"

struct ct_store;

#define CT_INTOTO_STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define CT_ATTEST_PREDICATE_RUN_V1 "https://credtrail.dev/attestation/run/v1"
#define CT_ATTEST_KEY_FILE "attest.key"

struct ct_attest_log {
	const char *path;		/* the log file; its base name is the subject's name */
	const char *origin;
	uint64_t tree_size;
	uint8_t root[32];
};

/*
 * Build the statement.  `summary` is copied (it must be a JSON object; "task", when a
 * string, selects the credentials); `st` may be NULL (no credentials listed).  The log file
 * is read to compute its digest, so call this after ct_evlog_finish().
 */
int ct_attest_run_statement(struct ct_store *st, json_t *summary, const struct ct_attest_log *log,
    json_t **out);

/*
 * Write the DSSE envelope of `statement` to `path` (0644) and the SSH signature of the same
 * payload to `path`.sig; either both are written or neither is left behind.
 */
int ct_attest_write(EVP_PKEY *key, json_t *statement, const char *path);

/* What a statement claims, parsed strictly from the payload bytes. */
struct ct_attest_claims {
	json_t *statement;
	char subject[256];
	uint8_t subject_sha256[32];
	char origin[CT_EVLOG_MAX_ORIGIN + 1];
	uint64_t tree_size;
	uint8_t root[32];
};

int ct_attest_parse_statement(const uint8_t *payload, size_t len, struct ct_attest_claims *out);
void ct_attest_claims_release(struct ct_attest_claims *c);

/*
 * Verify an attestation and its log: the DSSE signature by one of `keys`, the statement,
 * the log (ct_evlog_verify_file), that the log's digest is the subject's, that its final
 * checkpoint is the statement's tree head, and the detached SSH signature `att_path`.sig
 * when it exists.  `log_path` NULL: the subject's name in the attestation's folder.  The
 * verdict is in *res (CT_EVLOG_FAILED with res->fail when anything is wrong); the return is
 * non-zero only when the check could not run.
 */
struct ct_attest_result {
	enum ct_evlog_verdict verdict;
	struct ct_evlog_report log;	/* the log's own report (zero when not reached) */
	char *log_path;			/* the log checked (malloc'd), NULL when not reached */
	uint64_t fail_line;		/* 1-based line of the log, 0: not about a line */
	char fail[1024];
	char keyid[65];			/* the DSSE signer's keyid */
	int ssh_sig;			/* 1 verified, 0 absent */
};

int ct_attest_verify(const char *att_path, const char *log_path, EVP_PKEY *const *keys,
    size_t nkeys, struct ct_attest_result *res);
void ct_attest_result_release(struct ct_attest_result *res);

/*
 * Where the per-host key lives: beside the ledger `st` (by default that is
 * $XDG_DATA_HOME/credtrail/attest.key, else ~/.local/share/credtrail/attest.key), or there
 * when `st` is NULL.  malloc'd.
 */
int ct_attest_host_key_path(struct ct_store *st, char **out);

/*
 * The per-host signing key (ct_attest_host_key_path): loaded (refused if others can read
 * it) or, on first use, generated (Ed25519, OpenSSH format, 0600 in a 0700 folder, with
 * KEY.pub) and its public key recorded in the ledger's signing_keys table.
 */
int ct_attest_host_key(struct ct_store *st, EVP_PKEY **out, char **path_out);

/*
 * The key a run signs with: `path` (Ed25519, refused if others can read it) when given,
 * else the per-host key.  Either way its public key is recorded in the ledger (`st`).
 */
int ct_attest_signing_key(struct ct_store *st, const char *path, EVP_PKEY **out);

/*
 * After a run: verify the finished log at `log_path` with `key` (it must end with its final
 * checkpoint), build the statement from the monitor's `summary` and that tree head, and
 * write the envelope to `att_path` and its SSH signature to `att_path`.sig.  `digest` (may
 * be NULL) gets "sha256:<hex>" of the envelope file.
 */
int ct_attest_run_finish(struct ct_store *st, EVP_PKEY *key, json_t *summary,
    const char *log_path, const char *att_path, char digest[72]);

/* Record a signing key's public half in the ledger (no-op when already there). */
int ct_attest_record_key(struct ct_store *st, EVP_PKEY *key, const char *path);

/* Every public key in the ledger's signing_keys table. */
int ct_attest_ledger_keys(struct ct_store *st, EVP_PKEY ***keys, size_t *nkeys);

/*
 * The keys a verifier trusts: the public keys in `key_paths` (any form ct_key_load_public
 * reads) and the keys an allowed-signers file lists for CT_SSHSIG_NAMESPACE; when neither is
 * given, the ledger's signing keys (`st`).  Only Ed25519 keys sign attestations, so other
 * keys are left out; no key at all is CT_ERR_NOTFOUND.  Free with ct_keys_free().
 */
int ct_attest_trusted_keys(struct ct_store *st, const char *const *key_paths, size_t nkp,
    const char *allowed_signers, EVP_PKEY ***keys, size_t *nkeys);

#endif
