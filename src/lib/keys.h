/*
 * keys.h - key pairs: generation, loading (refusing private keys others can read), saving,
 * and the SSH public-key encodings every other module needs.
 *
 * Supported types: Ed25519, ECDSA P-256, RSA (3072 bits when generated; loaded RSA keys must
 * be at least 2048).  Private keys are read from PEM (PKCS#8 or traditional) or the OpenSSH
 * "openssh-key-v1" format (unencrypted), whichever the file holds.
 */
#ifndef CT_KEYS_H
#define CT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct ct_buf;

enum ct_key_type {
	CT_KEY_ED25519 = 1,
	CT_KEY_ECDSA_P256,
	CT_KEY_RSA,
};

#define CT_KEY_MAX_FILE (64 * 1024)

/* "ed25519" | "ecdsa-p256" | "rsa-3072" (also "ecdsa", "rsa"). */
int ct_key_type_parse(const char *name, enum ct_key_type *out);
/* The type of a loaded key; CT_ERR_UNSUPPORTED for anything else (P-384, DSA, short RSA). */
int ct_key_type_of(EVP_PKEY *pkey, enum ct_key_type *out);
const char *ct_key_type_name(enum ct_key_type t);

int ct_key_generate(enum ct_key_type t, EVP_PKEY **out);

/* Load a private key file, refusing it if group/other can access it (ct_check_private_file). */
int ct_key_load_private(const char *path, EVP_PKEY **out);
/* Parse private key bytes (PEM or OpenSSH format); `what` names the source in errors. */
int ct_key_parse_private(const uint8_t *data, size_t len, const char *what, EVP_PKEY **out);

/*
 * Load a public key from a file holding an OpenSSH public key line ("ssh-ed25519 AAAA..."),
 * a PEM public key, a PEM certificate (its subject key) or a private key (its public half).
 */
int ct_key_load_public(const char *path, EVP_PKEY **out);
int ct_key_parse_public(const uint8_t *data, size_t len, const char *what, EVP_PKEY **out);

/* PKCS#8 PEM of the private key; caller frees with OPENSSL_clear_free(out, outlen). */
int ct_key_private_pem(EVP_PKEY *pkey, char **out, size_t *outlen);
/* SubjectPublicKeyInfo PEM; malloc'd. */
int ct_key_public_pem(EVP_PKEY *pkey, char **out);

/* ---- SSH encodings (sshkey.c) ---- */

/* The SSH key type name: "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa". */
const char *ct_sshkey_type_name(EVP_PKEY *pkey);
/* Append the RFC 4253 public key blob. */
int ct_sshkey_put_public(struct ct_buf *b, EVP_PKEY *pkey);
/* Decode a public key blob (exactly; trailing bytes are an error). */
int ct_sshkey_from_blob(const uint8_t *blob, size_t len, EVP_PKEY **out);
/* "ssh-ed25519 AAAA... comment\n"; malloc'd. */
int ct_sshkey_public_line(EVP_PKEY *pkey, const char *comment, char **out);
/* Parse one public key line (type, base64 blob, optional comment). */
int ct_sshkey_parse_public_line(const char *line, size_t len, EVP_PKEY **out);
/* "SHA256:<base64 without padding>" of the blob, as ssh-keygen -l and sshd print it. */
int ct_sshkey_fingerprint(EVP_PKEY *pkey, char out[64]);
int ct_sshkey_fingerprint_blob(const uint8_t *blob, size_t len, char out[64]);

/*
 * OpenSSH private key format ("-----BEGIN OPENSSH PRIVATE KEY-----", unencrypted) - the only
 * form stock OpenSSH 9.2 reads for Ed25519.  Output freed with OPENSSL_clear_free.
 */
int ct_sshkey_private_openssh(EVP_PKEY *pkey, const char *comment, char **out, size_t *outlen);
/* CT_ERR_UNSUPPORTED for encrypted keys, with a message saying so. */
int ct_sshkey_parse_private_openssh(const uint8_t *data, size_t len, const char *what,
    EVP_PKEY **out);

/*
 * Sign `data` as SSH does for certificates and SSHSIG: Ed25519, ecdsa-sha2-nistp256 (SHA-256),
 * rsa-sha2-512.  Appends the SSH signature blob (string alg, string sig) to `sigblob`.
 */
int ct_sshkey_sign(EVP_PKEY *pkey, const uint8_t *data, size_t len, struct ct_buf *sigblob);
/* Verify an SSH signature blob over `data` with `pkey`: 0 or CT_ERR_VERIFY. */
int ct_sshkey_verify(EVP_PKEY *pkey, const uint8_t *sig, size_t siglen, const uint8_t *data,
    size_t len);

#endif
