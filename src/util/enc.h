/*
 * enc.h - text encodings of bytes: hex, base64 (RFC 4648 section 4) and base64url (section 5).
 *
 * Decoders take a length, never trust a NUL, and reject anything that is not canonical for
 * the alphabet (stray characters, bad padding), because they read attacker-supplied tokens.
 */
#ifndef CT_ENC_H
#define CT_ENC_H

#include <stddef.h>
#include <stdint.h>

/* Encoders return a malloc'd NUL-terminated string through `out`. */
int ct_hex_encode(const uint8_t *p, size_t n, char **out);
int ct_b64_encode(const uint8_t *p, size_t n, char **out);
/* base64url without padding, as JOSE uses it */
int ct_b64url_encode(const uint8_t *p, size_t n, char **out);

/* Decoders return malloc'd bytes (NUL-terminated for convenience, not counted). */
int ct_hex_decode(const char *s, size_t n, uint8_t **out, size_t *outlen);
/* Standard alphabet; padding required; ASCII whitespace is skipped (PEM bodies). */
int ct_b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen);
/* URL-safe alphabet; padding optional; no whitespace. */
int ct_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *outlen);

/* Write the lowercase hex of `n` bytes into `out`, which holds 2n+1 bytes. */
void ct_hex_fmt(const uint8_t *p, size_t n, char *out);

#endif
