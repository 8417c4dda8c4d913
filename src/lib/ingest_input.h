/*
 * ingest_input.h - the byte source of an ingest: a file, standard input or a memory buffer,
 * gzip-decompressed when it starts with the gzip magic, with the SHA-256 of the bytes as
 * read (the file's digest in ingested_files).
 *
 * For files and stdin a reader thread reads, digests and inflates ahead into a few 1 MiB
 * blocks while the caller scans and parses, so decompression and parsing use both cores.
 * A memory buffer is read synchronously (tests and fuzzing stay single-threaded).
 */
#ifndef CT_INGEST_INPUT_H
#define CT_INGEST_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct ct_input;

/* path "-" is standard input; `mem` non-NULL reads that buffer instead (path is then a name). */
int ct_input_open(struct ct_input **out, const char *path, const void *mem, size_t memlen);
void ct_input_close(struct ct_input *in);

/* jscan read callback (ct_jscan_read_fn): decompressed bytes. */
int ct_input_read(void *arg, uint8_t *buf, size_t cap, size_t *got);

/* The first decompressed bytes (up to one block) without consuming them; *n = 0 when empty. */
int ct_input_peek(struct ct_input *in, const uint8_t **p, size_t *n);

/* Bytes read from the file so far, and its size when known (0 for a pipe). */
uint64_t ct_input_raw_bytes(const struct ct_input *in);
uint64_t ct_input_size(const struct ct_input *in);
/* Modification time (µs) of the file; now for stdin and buffers. */
int64_t ct_input_mtime(const struct ct_input *in);
int ct_input_compressed(const struct ct_input *in);

/* Lowercase hex SHA-256 of every byte read; valid once ct_input_read reported the end. */
void ct_input_digest(const struct ct_input *in, char out[65]);

#endif
