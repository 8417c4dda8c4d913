/*
 * sshcert.h - OpenSSH certificates (PROTOCOL.certkeys in the OpenSSH sources): building user
 * certificates signed by a CA key, and parsing any -cert-v01 certificate with a check of its
 * CA signature.
 *
 *   string  "ssh-ed25519-cert-v01@openssh.com" | "ecdsa-sha2-nistp256-cert-v01@openssh.com" |
 *           "ssh-rsa-cert-v01@openssh.com"
 *   string  nonce (32 random bytes)
 *   ...     the subject key's public fields, as in its plain key blob after the type name
 *   uint64  serial             uint32  type (1 user, 2 host)       string  key id
 *   string  valid principals (a sequence of strings)
 *   uint64  valid after        uint64  valid before (seconds since the epoch)
 *   string  critical options   string  extensions   (name, data) pairs, sorted by name, unique
 *   string  reserved           string  signature key (the CA's public key blob)
 *   string  signature over all of the above (an RSA CA signs with rsa-sha2-512)
 */
#ifndef CT_SSHCERT_H
#define CT_SSHCERT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#define CT_SSHCERT_USER 1
#define CT_SSHCERT_HOST 2
#define CT_SSHCERT_FOREVER UINT64_MAX
#define CT_SSHCERT_MAX_PRINCIPALS 256
#define CT_SSHCERT_MAX_BLOB (64 * 1024)

/* A critical option or extension; `value` is "" for one without data. */
struct ct_sshcert_opt {
	char *name;
	char *value;
};

/* What a new user certificate says; the caller owns everything here. */
struct ct_sshcert_req {
	EVP_PKEY *key;			/* the subject's public key */
	uint64_t serial;		/* 0 means "no serial" to OpenSSH; use a random one */
	const char *key_id;
	const char *const *principals;
	size_t nprincipals;
	uint64_t valid_after, valid_before;	/* seconds since the epoch */
	const char *source_address;	/* "CIDR[,CIDR...]" or NULL */
	const char *force_command;	/* or NULL */
	int no_extensions;		/* leave out ssh-keygen's default extensions */
};

/* A parsed certificate; every pointer is owned by it (ct_sshcert_release). */
struct ct_sshcert {
	char *type_name;		/* "ssh-ed25519-cert-v01@openssh.com" */
	EVP_PKEY *key;			/* subject public key */
	uint64_t serial;
	uint32_t type;			/* CT_SSHCERT_USER or CT_SSHCERT_HOST */
	char *key_id;
	char **principals;
	size_t nprincipals;
	uint64_t valid_after, valid_before;
	struct ct_sshcert_opt *critical;
	size_t ncritical;
	struct ct_sshcert_opt *extensions;
	size_t nextensions;
	EVP_PKEY *ca;			/* the signature key, which verified the signature */
	char ca_fp[64];			/* "SHA256:..." of the CA key, as sshd logs it */
	char key_fp[64];		/* "SHA256:..." of the subject key */
	char *sig_alg;			/* the CA's: "ssh-ed25519", "rsa-sha2-512", ... */
};

/* ssh-keygen's default extensions for user certificates, in the order they are encoded. */
extern const char *const ct_sshcert_default_extensions[];
extern const size_t ct_sshcert_ndefault_extensions;

/* A random non-zero 64-bit serial. */
int ct_sshcert_random_serial(uint64_t *out);

/*
 * Check a source-address list as sshd reads it: comma-separated IPv4/IPv6 addresses or CIDRs
 * (no host bits set beyond the prefix, prefix within the family's range), none empty.
 * CT_ERR_INVALID naming the bad entry.
 */
int ct_sshcert_check_source_address(const char *list);

/*
 * Build and sign a user certificate.  The blob (malloc'd) is the certificate as it appears
 * base64-encoded in a -cert.pub line.
 */
int ct_sshcert_create(const struct ct_sshcert_req *req, EVP_PKEY *ca, uint8_t **blob,
    size_t *bloblen);

/* "<cert type> <base64>[ comment]\n", malloc'd. */
int ct_sshcert_line(const uint8_t *blob, size_t len, const char *comment, char **out);

void ct_sshcert_release(struct ct_sshcert *c);

/*
 * Decode a certificate blob and verify its CA signature.  Structure errors are CT_ERR_FORMAT,
 * a bad signature CT_ERR_VERIFY, key types credtrail does not handle CT_ERR_UNSUPPORTED.
 * Validity times are reported, not judged.
 */
int ct_sshcert_parse(const uint8_t *blob, size_t len, struct ct_sshcert *out);
/* The same for a certificate line ("<type> <base64> [comment]"), `n` bytes. */
int ct_sshcert_parse_line(const char *s, size_t n, struct ct_sshcert *out);

/*
 * The task binding of a certificate line, as JSON: {"kind":"ssh-cert", "cert_type" ("user"
 * or "host"), "key_type", "key_fingerprint", "key_id", "serial" (decimal string),
 * "principals", "valid_after", "valid_before" (RFC 3339; "forever" for an unbounded end),
 * "ca_fingerprint", "ca_type", "critical_options" (object), "extensions" (array),
 * "principal" (= key id), "task" (from the key id, else a principal; null when none),
 * "signature"}.  The CA signature is always checked against the CA key the certificate
 * names (a forged or corrupted certificate fails with CT_ERR_VERIFY); whether that CA is
 * trusted is for the caller.  CT_ERR_FORMAT at once when the text is not a certificate line.
 */
int ct_inspect_sshcert(const char *s, size_t n, json_t **out);

#endif
