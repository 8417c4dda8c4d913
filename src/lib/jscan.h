/*
 * jscan.h - a streaming record splitter for log files: JSON values or text lines.
 *
 * Provider logs come as one huge `{"Records":[...]}` object (CloudTrail), a top-level array
 * (gcloud --format=json, Stratus detonation logs), JSON lines, or pretty-printed objects one
 * after another (Vault's file device when someone reformatted it).  A DOM parser would need
 * the whole file in memory; this scanner only finds where each record begins and ends, so a
 * caller can parse one record at a time and memory stays bounded by the largest record.
 *
 * What it recognises in JSON mode:
 *   - a top-level object whose first member is "Records" or "Events" holding an array: the
 *     array's elements are the records (the rest of that object is skipped);
 *   - a top-level array: its elements are the records;
 *   - any other top-level object: that object is a record (JSON lines, concatenated objects);
 *     anything else at the top level is rejected up to the end of its line.
 * It checks only the structure it needs (strings, escapes, bracket pairing); the caller
 * parses the record for real.  Malformed input yields a record with `error` set and scanning
 * resynchronises: a newline inside a string, or a `{` at the start of a line inside an
 * unfinished record, ends the broken record there, so one bad line never swallows the good
 * records after it.
 *
 * In LINES mode every line (without its "\n" or "\r\n") is a record.
 *
 * Input comes from a read callback; the scanner owns its buffer, which grows to at most
 * max_record plus one read chunk.  A longer record is skipped (reported with an error) without
 * being buffered.
 */
#ifndef CT_JSCAN_H
#define CT_JSCAN_H

#include <stddef.h>
#include <stdint.h>

enum ct_jscan_mode {
	CT_JSCAN_JSON = 0,
	CT_JSCAN_LINES = 1,
};

/* Read at most `cap` bytes into `buf`; *got = 0 means end of input.  0 or CT_ERR_*. */
typedef int (*ct_jscan_read_fn)(void *arg, uint8_t *buf, size_t cap, size_t *got);

struct ct_jscan;

struct ct_jrec {
	const uint8_t *p;	/* the record's bytes (valid until the next call) */
	size_t len;
	uint64_t offset;	/* stream offset of the record's first byte */
	const char *error;	/* NULL, or why this stretch is not a usable record */
	int container;		/* 1 when it came from a {"Records":[...]} style wrapper */
};

#define CT_JSCAN_MAX_RECORD_DEFAULT (8u * 1024 * 1024)
#define CT_JSCAN_MAX_DEPTH 512

int ct_jscan_new(struct ct_jscan **out, enum ct_jscan_mode mode, size_t max_record,
    ct_jscan_read_fn readfn, void *arg);
void ct_jscan_free(struct ct_jscan *s);

/*
 * The next record: 1 with *rec filled, 0 at the end of input, or a negative CT_ERR_* when the
 * read callback failed (the scanner is then unusable).
 */
int ct_jscan_next(struct ct_jscan *s, struct ct_jrec *rec);

/* Bytes consumed from the input so far. */
uint64_t ct_jscan_consumed(const struct ct_jscan *s);

/*
 * Look at the start of a stream: 1 when the first non-blank byte opens a JSON object or
 * array, 0 otherwise (text).  For format detection before a scanner is made.
 */
int ct_jscan_looks_json(const uint8_t *p, size_t n);

/*
 * ct_jdoc - a strict, allocation-light parser for one record, for the hot path of bulk
 * ingest where jansson's hash table per object costs more than the whole rest of the
 * pipeline.  Parsing builds a flat pre-order array of nodes that point into the record's
 * bytes (an object's children are key, value, key, value...; `next` is the index just past
 * a node's subtree), so a lookup walks the members of one object and skips whole values.
 * Strings are unescaped (and NUL-terminated) on demand into an arena sized so that every
 * string and JSON slice of the record fits: pointers stay valid until the next parse.
 * It accepts exactly RFC 8259 JSON (UTF-8 checked, depth at most CT_JSCAN_MAX_DEPTH).
 */
enum ct_jtype {
	CT_JNONE = 0,
	CT_JOBJ,
	CT_JARR,
	CT_JSTR,
	CT_JNUM,
	CT_JTRUE,
	CT_JFALSE,
	CT_JNULL,
};

struct ct_jnode {
	uint32_t start, len;	/* the value's bytes (a string: inside the quotes) */
	uint32_t next;		/* index of the node after this subtree */
	uint8_t type;
	uint8_t esc;		/* a string with escapes */
};

struct ct_jdoc {
	const uint8_t *p;
	size_t n;
	struct ct_jnode *nodes;
	size_t nn, ncap;
	char *arena;
	size_t alen, acap;
	char err[96];
	size_t err_off;
};

void ct_jdoc_init(struct ct_jdoc *d);
void ct_jdoc_release(struct ct_jdoc *d);
/* 0, or CT_ERR_FORMAT with d->err and d->err_off (and ct_error's detail) set. */
int ct_jdoc_parse(struct ct_jdoc *d, const uint8_t *p, size_t n);
/* The value of member `key` of object node `obj` (exact name, else case-insensitive), or -1. */
int ct_jdoc_get(struct ct_jdoc *d, int obj, const char *key);
/* "a.b.c" through nested objects, or -1. */
int ct_jdoc_path(struct ct_jdoc *d, int obj, const char *path);
static inline int
ct_jdoc_type(const struct ct_jdoc *d, int i)
{
	return i >= 0 && (size_t)i < d->nn ? d->nodes[i].type : CT_JNONE;
}
/* A string node's value, unescaped; NULL for other types, empty strings and no node. */
const char *ct_jdoc_str(struct ct_jdoc *d, int i);
/* A node as compact JSON text; NULL for no node, null, {} and []. */
const char *ct_jdoc_json(struct ct_jdoc *d, int i);
/* true/false, or the strings "true"/"false": 1 or 0; else -1. */
int ct_jdoc_bool(struct ct_jdoc *d, int i);

#endif
