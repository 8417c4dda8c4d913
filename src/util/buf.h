/*
 * buf.h - a bounded byte buffer with typed big-endian put/get (the SSH wire encoding), after
 * OpenSSH's sshbuf.
 *
 * A buffer has a hard maximum size fixed at init: a put that would pass it fails with
 * CT_ERR_LIMIT instead of growing without bound on hostile input.  Reads consume from an
 * offset and fail with CT_ERR_FORMAT on truncation, never reading past the end.  A read-only
 * view over bytes the caller owns is made with ct_buf_view().
 */
#ifndef CT_BUF_H
#define CT_BUF_H

#include <stddef.h>
#include <stdint.h>

#define CT_BUF_MAX_DEFAULT (16u * 1024 * 1024)

struct ct_buf {
	uint8_t *data;
	size_t len;	/* bytes written */
	size_t off;	/* read position, <= len */
	size_t cap;
	size_t max;
	int readonly;	/* a view: data is not ours to grow or free */
};

void ct_buf_init(struct ct_buf *b, size_t max);
void ct_buf_view(struct ct_buf *b, const void *data, size_t len);
/* Free the storage; wipe it first when it held secrets. */
void ct_buf_release(struct ct_buf *b);
void ct_buf_release_secret(struct ct_buf *b);
void ct_buf_reset(struct ct_buf *b);

static inline const uint8_t *ct_buf_ptr(const struct ct_buf *b) { return b->data + b->off; }
static inline size_t ct_buf_avail(const struct ct_buf *b) { return b->len - b->off; }

int ct_buf_reserve(struct ct_buf *b, size_t n, uint8_t **out);
int ct_buf_put(struct ct_buf *b, const void *p, size_t n);
int ct_buf_put_u8(struct ct_buf *b, uint8_t v);
int ct_buf_put_u32(struct ct_buf *b, uint32_t v);
int ct_buf_put_u64(struct ct_buf *b, uint64_t v);
/* SSH "string": u32 length then bytes. */
int ct_buf_put_string(struct ct_buf *b, const void *p, size_t n);
int ct_buf_put_cstring(struct ct_buf *b, const char *s);
/* SSH "mpint" from unsigned big-endian magnitude bytes (leading zeros stripped, sign pad). */
int ct_buf_put_bignum2_bytes(struct ct_buf *b, const uint8_t *p, size_t n);
int ct_buf_putf(struct ct_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make the contents a NUL-terminated C string (the NUL is not counted in len). */
int ct_buf_nul(struct ct_buf *b);

int ct_buf_get(struct ct_buf *b, void *out, size_t n);
int ct_buf_skip(struct ct_buf *b, size_t n);
int ct_buf_get_u8(struct ct_buf *b, uint8_t *out);
int ct_buf_get_u32(struct ct_buf *b, uint32_t *out);
int ct_buf_get_u64(struct ct_buf *b, uint64_t *out);
/* A pointer into the buffer for an SSH string, valid while the buffer lives. */
int ct_buf_get_string_direct(struct ct_buf *b, const uint8_t **out, size_t *outlen);
/* A newly allocated NUL-terminated copy; fails if the string holds a NUL. */
int ct_buf_get_cstring(struct ct_buf *b, char **out, size_t *outlen);

#endif
