/*
 * x509.h - X.509 v3 client certificates for a task, issued by a CA credtrail is given.
 *
 * A certificate names the task twice: the subject CN is the task principal
 * (`<prefix>-task-<task>-<nonce>`) and the one URI SAN is the SPIFFE ID
 * `spiffe://<trust-domain>/<prefix>/task/<task>`.  Everything else follows RFC 5280 for a
 * short-lived TLS client certificate: a random positive serial of 16 octets (126 random bits;
 * the top bit clear so it is positive, the next one set so it is always 16 octets), the
 * validity window, basicConstraints CA:FALSE (critical), keyUsage digitalSignature
 * (critical), extendedKeyUsage clientAuth, subject and authority key identifiers (SHA-1 of
 * the key bits, RFC 5280 4.2.1.2 method 1, unless the CA has its own SKI).  Signed with
 * Ed25519, ECDSA P-256 + SHA-256 or RSA PKCS#1 v1.5 + SHA-256.
 *
 * A CSR contributes its public key and nothing else: its self-signature must verify (proof
 * of possession), and the subject and extensions it asks for are ignored.
 */
#ifndef CT_X509_H
#define CT_X509_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define CT_X509_MAX_FILE (256 * 1024)
#define CT_TRUST_DOMAIN_MAX 255

struct ct_x509_spec {
	X509 *ca_cert;
	EVP_PKEY *ca_key;
	EVP_PKEY *subject_key;		/* public key to certify */
	const char *common_name;	/* the principal */
	const char *uri_san;		/* the SPIFFE ID */
	int64_t not_before;		/* seconds since the epoch */
	int64_t not_after;
};

/*
 * Issue a certificate.  The CA key must match the CA certificate, which must be a CA and
 * valid over the whole requested window (a certificate never outlives its issuer).
 */
int ct_x509_issue(const struct ct_x509_spec *spec, X509 **out);

/* The first certificate of a PEM file. */
int ct_x509_load_cert(const char *path, X509 **out);
int ct_x509_parse_cert(const uint8_t *data, size_t len, const char *what, X509 **out);

/* The public key of a PEM CSR whose self-signature verifies; CT_ERR_VERIFY if it does not. */
int ct_x509_load_csr_key(const char *path, EVP_PKEY **out);
int ct_x509_parse_csr_key(const uint8_t *data, size_t len, const char *what, EVP_PKEY **out);

/* PEM text of a certificate; malloc'd. */
int ct_x509_pem(X509 *x, char **out, size_t *outlen);
/* Lowercase hex of the serial (no leading zeros); malloc'd. */
int ct_x509_serial_hex(const X509 *x, char **out);
/* RFC 2253 text of a name ("CN=Example CA,O=Example"), UTF-8; malloc'd. */
int ct_x509_name_text(const X509_NAME *name, char **out);
/* Lowercase hex SHA-256 of the certificate's DER encoding. */
int ct_x509_fingerprint(const X509 *x, char out[65]);

/* A SPIFFE trust domain: 1-255 of [a-z0-9._-]. */
int ct_spiffe_trust_domain_check(const char *td);
/* "spiffe://<td>/<prefix>/task/<task>" after checking each part; malloc'd. */
int ct_spiffe_task_id(const char *td, const char *prefix, const char *task, char **out);

/*
 * The task binding of a PEM certificate, as JSON: {"kind":"x509", "principal" (CN),
 * "serial", "subject" (the SPIFFE ID if there is one, else the subject DN), "subject_dn",
 * "issuer" (DN), "uri_sans": [...], "valid_after", "valid_before", "task"}, with "task" from
 * the SPIFFE ID, else the CN, else null.  The signature is not checked.  Surrounding
 * whitespace is ignored; CT_ERR_FORMAT at once when the text is not a PEM certificate.
 */
int ct_inspect_x509(const char *s, size_t n, json_t **out);

#endif
