/*
 * dsse.h - Dead Simple Signing Envelope (DSSE v1.0, github.com/secure-systems-lab/dsse) with
 * Ed25519, as used for in-toto attestations.
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *
 * where LEN is the byte length in ASCII decimal without leading zeros and SP one space.  The
 * signature is Ed25519 over the PAE bytes (Ed25519 signs the message itself: no pre-hash).
 *
 * keyid: lowercase hex of SHA-256 over the key's SSH public key blob (RFC 4253 "ssh-ed25519"
 * string || string key).  It is the same digest `ssh-keygen -l` prints in base64 as
 * "SHA256:...", so `ssh-keygen -lf KEY.pub` identifies the signer of an envelope.
 *
 * Envelope encoding: the JSON object {"payload":..., "payloadType":..., "signatures":
 * [{"keyid":..., "sig":...}]} with payload and sig in standard base64 with padding, written
 * compact with sorted keys on one line and a final newline.  The parser accepts only that
 * exact form (any other encoding of the same envelope is refused, so an envelope has one
 * byte representation and every byte of it is checked), every member required, no others.
 */
#ifndef CT_DSSE_H
#define CT_DSSE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct ct_buf;

#define CT_DSSE_INTOTO_TYPE "application/vnd.in-toto+json"
#define CT_DSSE_MAX (16 * 1024 * 1024)	/* largest envelope read */
#define CT_DSSE_MAX_SIGS 16
#define CT_KEYID_LEN 64			/* hex characters */

struct ct_dsse_sig {
	char keyid[CT_KEYID_LEN + 1];
	uint8_t sig[64];
};

struct ct_dsse {
	char *payload_type;
	uint8_t *payload;
	size_t payload_len;
	struct ct_dsse_sig sigs[CT_DSSE_MAX_SIGS];
	size_t nsigs;
};

/* Append PAE(type, body) to `out`. */
int ct_dsse_pae(const char *type, const uint8_t *body, size_t len, struct ct_buf *out);

/* keyid of a public key (see above). */
int ct_dsse_keyid(EVP_PKEY *key, char out[CT_KEYID_LEN + 1]);

/* Sign and encode an envelope with one Ed25519 signature; *out is malloc'd, ends in '\n'. */
int ct_dsse_sign(EVP_PKEY *key, const char *type, const uint8_t *payload, size_t len,
    char **out, size_t *outlen);

/* Parse an envelope (length-bounded, strict as described above). */
int ct_dsse_parse(const uint8_t *data, size_t len, struct ct_dsse *out);
void ct_dsse_release(struct ct_dsse *e);

/*
 * Verify: some signature whose keyid is that of one of `keys` must verify over the PAE.  A
 * signature by an unknown key is ignored; a signature whose keyid names a trusted key but
 * does not verify fails the envelope.  *which (may be NULL) gets the index of the key.
 */
int ct_dsse_verify(const struct ct_dsse *e, EVP_PKEY *const *keys, size_t nkeys,
    size_t *which);

/* Ed25519 over a message (also used for checkpoints). */
int ct_ed25519_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[64]);
int ct_ed25519_verify(EVP_PKEY *key, const void *msg, size_t len, const uint8_t sig[64]);

#endif
