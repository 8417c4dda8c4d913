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
 *               and every ct_evlog_tick() call; the file is fdatasync'd at each checkpoint.
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
 * The canonical bytes of a JSON value as the log writes it (sorted keys, compact).  The
 * result is malloc'd and NUL-terminated; *outlen excludes the NUL.
 */
int ct_evlog_canonical(json_t *v, char **out, size_t *outlen);

/* 4-byte signed-note key hash of an Ed25519 key under CT_EVLOG_NOTE_KEY_NAME. */
int ct_evlog_note_keyhash(EVP_PKEY *key, uint8_t out[4]);

#endif
