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
 *   - any other top-level value: that value is a record (JSON lines, concatenated objects).
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

#endif
