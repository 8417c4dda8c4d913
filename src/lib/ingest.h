/*
 * ingest.h - provider audit logs into the store, normalised (tables in ingest_schema.c).
 *
 * One file is one transaction: its events are all added, or (on any failure) none.  Within a
 * file a malformed record is counted, its offset and reason kept, and ingest goes on.  The
 * record splitter is jscan.h; each record is then parsed by the parser of its format
 * (ingest_cloudtrail.c, ingest_gcp.c, ingest_vault.c, ingest_sshd.c, ingest_k8s.c,
 * ingest_ironproxy.c), which fills a struct ct_pevent.
 *
 * By default only events that can concern a credential in the ledger are kept (see
 * ct_ingest_new): a fast byte-level prefilter drops records that contain none of the join keys
 * and no "-task-" before they are parsed at all.
 */
#ifndef CT_INGEST_H
#define CT_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/jscan.h"

struct ct_store;

enum ct_ingest_format {
	CT_FMT_AUTO = 0,
	CT_FMT_CLOUDTRAIL,
	CT_FMT_GCP,
	CT_FMT_VAULT,
	CT_FMT_SSHD,
	CT_FMT_K8S,
	CT_FMT_IRONPROXY,
	CT_FMT_COUNT
};

/* "auto", "cloudtrail", ...; NULL for an unknown value. */
const char *ct_ingest_format_name(enum ct_ingest_format f);
/* CT_ERR_INVALID for an unknown name. */
int ct_ingest_format_parse(const char *name, enum ct_ingest_format *out);

/*
 * One normalised event.  String fields are borrowed (from the parsed record, which outlives
 * the event) or owned through ct_pevent_own(); NULL means absent.
 */
struct ct_pevent {
	const char *provider;		/* aws gcp vault sshd k8s ironproxy */
	const char *event_id;
	const char *dedupe_key;		/* NULL: event_id, else the raw digest */
	int64_t time_us;
	int has_time;
	const char *principal;
	const char *subject;
	const char *session_name;
	const char *access_key_id;
	const char *source_identity;
	const char *session_tags;	/* JSON */
	const char *delegation;		/* JSON */
	const char *jti;
	const char *cert_key_id;
	const char *cert_serial;
	const char *ca_fingerprint;
	const char *key_fingerprint;
	const char *token_accessor;
	const char *lease_id;
	const char *vault_metadata;	/* JSON */
	int vault_response;		/* a Vault response (joins its request) */
	const char *account;
	const char *region;
	const char *service;
	const char *action;
	const char *resources;		/* JSON */
	const char *source_ip;
	const char *source_host;
	const char *user_agent;
	const char *outcome;		/* "success" "failure" or NULL */
	const char *error_code;
	int read_only;			/* 1, 0, or -1 unknown */
	const char *issued_access_key_id;
	const char *issued_session_name;
	const char *issued_source_identity;
	const char *issued_principal;
	int64_t issued_expires_us;
	int has_issued_expires;
	int always_keep;		/* the filter keeps it whatever its keys (proxy lines) */

	char *own[24];			/* strings the event owns */
	int nown;
	json_t *hold[4];		/* parsed sub-documents the borrowed strings point into */
	int nhold;
	struct ct_jdoc *docs[4];	/* the same, for ct_jdoc parses (owned) */
	int ndocs;
};

void ct_pevent_init(struct ct_pevent *ev);
void ct_pevent_release(struct ct_pevent *ev);
/* Hand a malloc'd string to the event; returns it (NULL stays NULL).  NULL when full. */
const char *ct_pevent_own(struct ct_pevent *ev, char *s);
/* Copy n bytes as an owned NUL-terminated string. */
const char *ct_pevent_strndup(struct ct_pevent *ev, const char *s, size_t n);
/* Compact JSON text of v, owned by the event; NULL for NULL/null/empty containers. */
const char *ct_pevent_json(struct ct_pevent *ev, json_t *v);
/* Keep a reference to a parsed document whose strings the event borrows. */
int ct_pevent_hold(struct ct_pevent *ev, json_t *v);
/* Parse n bytes into a new ct_jdoc the event owns; *out NULL when it is no valid JSON. */
int ct_pevent_doc(struct ct_pevent *ev, const char *p, size_t n, struct ct_jdoc **out);

/*
 * Parsers.  0: *ev filled.  CT_INGEST_SKIP: a record of that format that is no event
 * (a GCP textPayload entry, a Vault KMIP record, an sshd line that is not about
 * authentication).  Negative: rejected; ct_errmsg() has the reason.
 */
#define CT_INGEST_SKIP 1

/* CloudTrail is parsed from a ct_jdoc (the hot path of bulk ingest); root is its node. */
int ct_ingest_cloudtrail_parse(struct ct_jdoc *doc, int root, struct ct_pevent *ev);
int ct_ingest_gcp_parse(json_t *rec, struct ct_pevent *ev);
int ct_ingest_vault_parse(json_t *rec, struct ct_pevent *ev);
int ct_ingest_k8s_parse(json_t *rec, struct ct_pevent *ev);
int ct_ingest_ironproxy_parse(json_t *rec, struct ct_pevent *ev);
/* `journalctl -o json` records of sshd */
int ct_ingest_journal_parse(json_t *rec, struct ct_pevent *ev, int64_t ref_us);
/*
 * One sshd log line, any prefix: "Mon DD HH:MM:SS host sshd[pid]: ", with or without host
 * and pid, "sshd-session", RFC 5424 "<pri>1 TIMESTAMP host app pid - - ", a BSD "<pri>", or
 * none (sshd -E).  Syslog times have no year: the year is the one that puts the line at or
 * before ref_us (the file's modification time).  Lines of other programs: CT_INGEST_SKIP.
 */
int ct_ingest_sshd_parse(const char *line, size_t n, struct ct_pevent *ev, int64_t ref_us);

/* The format of a parsed JSON record, or CT_FMT_AUTO when it looks like none. */
enum ct_ingest_format ct_ingest_detect(struct ct_jdoc *doc);

/* ---- helpers shared by the parsers (ingest_util.c) ---- */

/* obj[key] with a case-insensitive fallback (Athena exports lower-case the names). */
json_t *ct_jget(json_t *obj, const char *key);
/* The string at obj[key], or NULL (also for non-strings and empty strings). */
const char *ct_jstr(json_t *obj, const char *key);
/* A path "a.b.c" of objects. */
json_t *ct_jpath(json_t *obj, const char *path);
const char *ct_jpath_str(json_t *obj, const char *path);
/* true/false as JSON booleans or the strings "true"/"false": 1, 0, else -1. */
int ct_jbool(json_t *v);
/*
 * Timestamps as providers write them: RFC 3339 with 'T' or ' ', with or without zone (no
 * zone means UTC), up to 9 fraction digits; "Sep 14, 2020, 7:10:27 AM" (CloudTrail
 * expirations); integer seconds or milliseconds since the epoch.
 */
int ct_ingest_time(json_t *v, int64_t *out_us);
int ct_ingest_time_str(const char *s, size_t n, int64_t *out_us);
/*
 * Sort an address as logged into ev->source_ip (a valid IPv4/IPv6 address, brackets and a
 * trailing port removed) or ev->source_host (anything else, e.g. "ec2.amazonaws.com").
 */
void ct_pevent_source(struct ct_pevent *ev, const char *addr);

/* ---- ingesting files ---- */

typedef void (*ct_ingest_progress_fn)(void *arg, uint64_t bytes, uint64_t total,
    uint64_t records);

struct ct_ingest_opts {
	enum ct_ingest_format format;
	int all;			/* keep every event, not only those of known credentials */
	size_t max_record;		/* 0: CT_JSCAN_MAX_RECORD_DEFAULT */
	ct_ingest_progress_fn progress;	/* called about every 4 MiB; may be NULL */
	void *progress_arg;
};

#define CT_INGEST_MAX_REJECTS 10

struct ct_ingest_reject {
	uint64_t offset;
	char reason[200];
};

struct ct_ingest_stats {
	char format[16];		/* detected format, "mixed", or "unknown" */
	uint64_t read, new_, duplicate, skipped, rejected;
	uint64_t bytes;			/* bytes read from the file */
	uint64_t data_bytes;		/* decompressed bytes scanned */
	struct ct_ingest_reject rejects[CT_INGEST_MAX_REJECTS];	/* the first ones */
	int nrejects;
	char sha256[65];
};

struct ct_ingest;

/*
 * A session over one store: loads the filter (every join key of every credential in the
 * ledger, and the keys issued by AssumeRole events already kept) once.
 */
int ct_ingest_new(struct ct_ingest **out, struct ct_store *st, const struct ct_ingest_opts *o);
void ct_ingest_free(struct ct_ingest *in);

/*
 * Ingest one file ("-" is standard input), in one transaction.  *stats is filled as far as
 * the file got even on failure; on failure nothing of the file is in the store.
 */
int ct_ingest_file(struct ct_ingest *in, const char *path, struct ct_ingest_stats *stats);

/*
 * Ingest from a caller-provided buffer (tests, fuzzing): as ct_ingest_file, with `name` as
 * the file's path in the store.
 */
int ct_ingest_buffer(struct ct_ingest *in, const char *name, const void *data, size_t len,
    struct ct_ingest_stats *stats);

/*
 * Expand PATH arguments into files: a directory is walked recursively in byte order of
 * names (hidden entries skipped), "-" and files are kept as given.  The list is malloc'd
 * (each string too); CT_ERR_NOTFOUND for a path that does not exist.
 */
int ct_ingest_expand(const char *const *paths, size_t n, char ***out, size_t *outn);
void ct_ingest_expand_free(char **list, size_t n);

#endif
