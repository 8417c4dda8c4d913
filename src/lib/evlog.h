/*
 * evlog.h - the tamper-evident event log of a `credtrail run`: canonical JSON records that
 * are the leaves of an RFC 6962 Merkle tree, with signed checkpoints in the same file.
 *
 * Interface agreed with the monitor (credtrail run); the five functions below the line
 * "agreed interface" must not change without both sides agreeing.
 *
 * File format (one JSON object per line, '\n' terminated, UTF-8):
 *
 *   record      {"seq":N,<the event's members>}
 *               N counts records from 0.  The event's members follow in byte order of their
 *               keys (recursively: nested objects sorted too), compact (no space after ':' or
 *               ','), strings as UTF-8 with '"', '\\' and control characters escaped (\n, \t,
 *               ..., else \u00XX) and nothing else escaped.  An event may not carry a member
 *               named "seq" or "checkpoint".  The leaf is the exact bytes of the line without
 *               its '\n'; a verifier hashes those bytes and never re-canonicalises.
 *
 *   checkpoint  {"checkpoint":"<signed note>"}
 *               A C2SP signed note (https://c2sp.org/signed-note) whose body is a C2SP
 *               tlog-checkpoint (https://c2sp.org/tlog-checkpoint):
 *                   <origin>\n<tree size, decimal>\n<root, base64>\n
 *                   time <RFC 3339 UTC with microseconds>\n
 *                   final <canonical JSON of the run's final counters>\n   (last one only)
 *               then an empty line and one signature line
 *                   "\u2014 credtrail <base64(key hash[4] || Ed25519 signature[64])>\n"
 *               where key hash = SHA-256("credtrail" || 0x0A || 0x01 || raw public key)[0..4)
 *               and the signature is over the body bytes.  An unsigned log (no key) has body
 *               and the empty line but no signature line.
 *
 *               A checkpoint follows exactly the records it covers: its tree size is the number
 *               of record lines before it.  One is written every `checkpoint_every` records
 *               (default 1000) or, when records are pending, `checkpoint_interval_us` after the
 *               last (default 5 s), and a final one (with "final") by ct_evlog_finish().
 *               Records are buffered in memory and written out at least at every checkpoint
 *               and every ct_evlog_tick() call; the file is fdatasync'd at a checkpoint
 *               at most once a second, and at the final one.
 */
#ifndef CT_EVLOG_H
#define CT_EVLOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#define CT_EVLOG_CHECKPOINT_EVERY 1000
#define CT_EVLOG_CHECKPOINT_INTERVAL_US (5 * 1000000LL)
#define CT_EVLOG_MAX_LINE (1024 * 1024)	/* longest record or checkpoint line, bytes */
#define CT_EVLOG_MAX_ORIGIN 256
#define CT_EVLOG_NOTE_KEY_NAME "credtrail"

/* ---- agreed interface ---- */

struct ct_evlog;

struct ct_evlog_params {
	const char *path;		/* the log file; created O_EXCL, mode 0644 */
	const char *origin;		/* e.g. "credtrail:<task>:<run id>" - bound into checkpoints */
	EVP_PKEY *key;			/* signs checkpoints (Ed25519); NULL = unsigned log */
	uint64_t checkpoint_every;	/* records between checkpoints; 0 = default (1000) */
	int64_t checkpoint_interval_us;	/* time between checkpoints; 0 = default (5 s) */
};

int ct_evlog_create(struct ct_evlog **out, const struct ct_evlog_params *p);
/* Append one event: a JSON object.  The log canonicalises it (fixed key order, no
 * insignificant whitespace), adds nothing the caller did not give except what the format
 * defines (e.g. a sequence number), writes it as one line, and updates the Merkle tree. */
int ct_evlog_append(struct ct_evlog *l, json_t *event);
/* Write a checkpoint now if checkpoint_interval_us has passed since the last one. */
int ct_evlog_tick(struct ct_evlog *l, int64_t now_us);
/* Record final counters (drops per cause, backend weakness) into the signed data and write the
 * final checkpoint.  `final` is a JSON object (may be NULL).  Returns size and root. */
int ct_evlog_finish(struct ct_evlog *l, json_t *final, uint64_t *size, uint8_t root[32]);
void ct_evlog_free(struct ct_evlog *l);

/* ---- additions (attest only; the monitor need not use them) ---- */

/* Records written so far (the current tree size). */
uint64_t ct_evlog_size(const struct ct_evlog *l);

/*
 * The canonical bytes of a JSON value as the log writes it (sorted keys, compact), at most
 * CT_EVLOG_MAX_CANONICAL of them (statements and envelopes use it too).  The result is
 * malloc'd and NUL-terminated; *outlen excludes the NUL.
 */
#define CT_EVLOG_MAX_CANONICAL (16 * 1024 * 1024)
int ct_evlog_canonical(json_t *v, char **out, size_t *outlen);

/* 4-byte signed-note key hash of an Ed25519 key under CT_EVLOG_NOTE_KEY_NAME. */
int ct_evlog_note_keyhash(EVP_PKEY *key, uint8_t out[4]);

/* ---- verification ---- */

/*
 * What a checkpoint says.  `final` holds the final counters of the last checkpoint, whose
 * members the verifier understands as:
 *   "backend": "ebpf" | "seccomp"          the monitor's backend
 *   "weakness": "<text>" or "weaker": true the backend observed less than eBPF would
 *   "complete": false                      the monitor says events were lost or unrecorded
 *   "incomplete": ["reason", ...]          non-empty: as "complete": false, with reasons
 *   "drops": {"<cause>": N, ...} or N      counters; when "complete" is absent, any N > 0
 *                                          makes the evidence incomplete
 * Any of those makes the verdict "incomplete evidence" rather than "complete".
 */
struct ct_checkpoint {
	char origin[CT_EVLOG_MAX_ORIGIN + 1];
	uint64_t size;
	uint8_t root[32];
	int64_t time_us;
	json_t *final;		/* NULL unless this is the final checkpoint */
};

void ct_checkpoint_release(struct ct_checkpoint *c);

/*
 * Parse the signed note of a checkpoint (`note`, `len` bytes: body, empty line, signature
 * lines) and verify that one of its signatures is by one of `keys` (Ed25519).  CT_ERR_FORMAT
 * for a malformed note, CT_ERR_VERIFY when no trusted signature verifies.
 */
int ct_checkpoint_verify(const char *note, size_t len, EVP_PKEY *const *keys, size_t nkeys,
    struct ct_checkpoint *out);

enum ct_evlog_verdict {
	CT_EVLOG_COMPLETE = 0,		/* signed through a final checkpoint, nothing lost */
	CT_EVLOG_UNSIGNED_TAIL,		/* no final checkpoint: a signed prefix and a tail */
	CT_EVLOG_INCOMPLETE,		/* complete log, but the final counters admit gaps */
	CT_EVLOG_FAILED,		/* a record, checkpoint or signature is wrong */
};

struct ct_evlog_report {
	enum ct_evlog_verdict verdict;
	uint64_t records;		/* record lines read */
	uint64_t checkpoints;		/* checkpoints verified */
	uint64_t signed_size;		/* tree size of the last verified checkpoint */
	uint8_t signed_root[32];
	uint64_t unsigned_tail;		/* records after it */
	int torn;			/* the file ends in a partial line (a crash mid-write) */
	int final;			/* the log ends with its final checkpoint */
	json_t *final_counters;		/* that checkpoint's counters (a reference) */
	char origin[CT_EVLOG_MAX_ORIGIN + 1];
	char incomplete[256];		/* why the evidence is incomplete */
	uint64_t fail_line;		/* 1-based line of the first failure, 0 when none */
	char fail[512];			/* what failed there */
	uint8_t file_sha256[32];	/* of every byte of the file */
	uint64_t file_size;
};

struct ct_evlog_visitor {
	/* each record: its index, its exact bytes, its leaf hash */
	int (*record)(void *arg, uint64_t seq, const uint8_t *line, size_t len,
	    const uint8_t leaf[32]);
	/* each verified checkpoint with its note text */
	int (*checkpoint)(void *arg, const struct ct_checkpoint *cp, const char *note,
	    size_t len);
	void *arg;
};

/*
 * Verify a log file: every line in order, every record's seq, every checkpoint's size, root
 * (recomputed from the records) and signature by one of `keys`.  The verdict is in *rep;
 * the return is non-zero only when verification could not run (I/O, memory, or a visitor's
 * error).  `v` may be NULL.
 */
int ct_evlog_verify_file(const char *path, EVP_PKEY *const *keys, size_t nkeys,
    const struct ct_evlog_visitor *v, struct ct_evlog_report *rep);
void ct_evlog_report_release(struct ct_evlog_report *rep);

/*
 * Inclusion proof of record `index` against the last verified checkpoint of the log at
 * `path` (the log must verify; the record must be covered by a signed checkpoint):
 *   {"format": CT_EVLOG_PROOF_FORMAT, "record": <the record line>, "index": N,
 *    "tree_size": S, "root": <hex>, "leaf_hash": <hex>, "audit_path": [<hex>, ...],
 *    "checkpoint": <the signed note of that checkpoint>}
 */
#define CT_EVLOG_PROOF_FORMAT "https://credtrail.dev/proof/inclusion/v1"
int ct_evlog_prove(const char *path, EVP_PKEY *const *keys, size_t nkeys, uint64_t index,
    json_t **out);

/*
 * Check such a proof alone: the checkpoint's signature by one of `keys`, its tree size and
 * root, the record's seq, and the audit path (RFC 9162 2.1.3.2).  0 or CT_ERR_VERIFY /
 * CT_ERR_FORMAT; on success *cp (may be NULL) describes the checkpoint.
 */
int ct_evlog_verify_proof(json_t *proof, EVP_PKEY *const *keys, size_t nkeys,
    struct ct_checkpoint *cp);

#endif
