/*
 * x509.c - task client certificates, CSRs, and certificate inspection (see x509.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/x509.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define SERIAL_OCTETS 16
#define SPIFFE_ID_MAX 2048

static void
skip_ws(const char **s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
}

static int
starts_with(const char *s, size_t n, const char *pfx)
{
	size_t k = strlen(pfx);

	return n >= k && memcmp(s, pfx, k) == 0;
}

/* An ASN1_TIME as seconds since the epoch. */
static int
asn1_time_epoch(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return ct_error(CT_ERR_FORMAT, "bad time in certificate");
	*out = (int64_t)timegm(&tm);
	return 0;
}

int
ct_spiffe_trust_domain_check(const char *td)
{
	size_t i, n = strlen(td);

	if (n == 0 || n > CT_TRUST_DOMAIN_MAX)
		return ct_error(CT_ERR_INVALID, "trust domain must be 1 to %d characters",
		    CT_TRUST_DOMAIN_MAX);
	for (i = 0; i < n; i++) {
		int c = (unsigned char)td[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_'))
			return ct_error(CT_ERR_INVALID, "trust domain '%s' has an invalid "
			    "character at position %zu (SPIFFE allows lowercase letters, digits, "
			    "'.', '-', '_')", td, i + 1);
	}
	return 0;
}

int
ct_spiffe_task_id(const char *td, const char *prefix, const char *task, char **out)
{
	char *s;
	int r, n;

	*out = NULL;
	/* the prefix is [A-Za-z0-9] and the task id [A-Za-z0-9_-]: both valid path segments */
	if ((r = ct_spiffe_trust_domain_check(td)) != 0 || (r = ct_prefix_check(prefix)) != 0 ||
	    (r = ct_task_id_check(task)) != 0)
		return r;
	if ((n = asprintf(&s, "spiffe://%s/%s/task/%s", td, prefix, task)) < 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (n > SPIFFE_ID_MAX) {
		free(s);
		return ct_error(CT_ERR_INVALID, "SPIFFE ID longer than %d bytes", SPIFFE_ID_MAX);
	}
	*out = s;
	return 0;
}

/* ---- reading ---- */

int
ct_x509_parse_cert(const uint8_t *data, size_t len, const char *what, X509 **out)
{
	const char *s = (const char *)data;
	BIO *bio;
	X509 *x;

	*out = NULL;
	skip_ws(&s, &len);
	if (!starts_with(s, len, "-----BEGIN CERTIFICATE-----"))
		return ct_error(CT_ERR_FORMAT, "'%s' is not a PEM certificate", what);
	if (len > CT_X509_MAX_FILE)
		return ct_error(CT_ERR_LIMIT, "'%s' is larger than %d bytes", what,
		    CT_X509_MAX_FILE);
	if ((bio = BIO_new_mem_buf(s, (int)len)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL)
		return ct_error(CT_ERR_CRYPTO, "cannot read certificate '%s'", what);
	*out = x;
	return 0;
}

int
ct_x509_load_cert(const char *path, X509 **out)
{
	uint8_t *d = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = ct_read_file(path, CT_X509_MAX_FILE, &d, &n)) != 0)
		return r;
	r = ct_x509_parse_cert(d, n, path, out);
	free(d);
	return r;
}

int
ct_x509_parse_csr_key(const uint8_t *data, size_t len, const char *what, EVP_PKEY **out)
{
	const char *s = (const char *)data;
	enum ct_key_type t;
	X509_REQ *req = NULL;
	EVP_PKEY *pk = NULL;
	BIO *bio;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	skip_ws(&s, &len);
	if (!starts_with(s, len, "-----BEGIN CERTIFICATE REQUEST-----") &&
	    !starts_with(s, len, "-----BEGIN NEW CERTIFICATE REQUEST-----"))
		return ct_error(CT_ERR_FORMAT, "'%s' is not a PEM certificate request", what);
	if (len > CT_X509_MAX_FILE)
		return ct_error(CT_ERR_LIMIT, "'%s' is larger than %d bytes", what,
		    CT_X509_MAX_FILE);
	if ((bio = BIO_new_mem_buf(s, (int)len)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (req == NULL)
		return ct_error(CT_ERR_CRYPTO, "cannot read certificate request '%s'", what);
	if ((pk = X509_REQ_get_pubkey(req)) == NULL) {
		r = ct_error(CT_ERR_CRYPTO, "certificate request '%s' has no usable public key",
		    what);
		goto out;
	}
	if ((r = ct_key_type_of(pk, &t)) != 0) {
		r = ct_error(r, "certificate request '%s': %s", what, ct_errmsg(r));
		goto out;
	}
	/* proof of possession: the requester signed the request with the key to certify */
	if (X509_REQ_verify(req, pk) != 1) {
		ERR_clear_error();
		r = ct_error(CT_ERR_VERIFY, "certificate request '%s' has a bad signature", what);
		goto out;
	}
	*out = pk;
	pk = NULL;
	r = 0;
 out:
	EVP_PKEY_free(pk);
	X509_REQ_free(req);
	return r;
}

int
ct_x509_load_csr_key(const char *path, EVP_PKEY **out)
{
	uint8_t *d = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = ct_read_file(path, CT_X509_MAX_FILE, &d, &n)) != 0)
		return r;
	r = ct_x509_parse_csr_key(d, n, path, out);
	free(d);
	return r;
}

/* ---- text forms ---- */

static int
bio_take(BIO *bio, char **out, size_t *outlen)
{
	char *p = NULL, *s;
	long n = BIO_get_mem_data(bio, &p);

	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (n > 0)
		memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*out = s;
	if (outlen != NULL)
		*outlen = (size_t)n;
	return 0;
}

int
ct_x509_pem(X509 *x, char **out, size_t *outlen)
{
	BIO *bio;
	int r;

	*out = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (PEM_write_bio_X509(bio, x) != 1)
		r = ct_error(CT_ERR_CRYPTO, "cannot encode certificate");
	else
		r = bio_take(bio, out, outlen);
	BIO_free(bio);
	return r;
}

int
ct_x509_serial_hex(const X509 *x, char **out)
{
	BIGNUM *bn;
	char *h, *p;

	*out = NULL;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL)
		return ct_error(CT_ERR_CRYPTO, "cannot read serial number");
	h = BN_bn2hex(bn);
	BN_free(bn);
	if (h == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (p = h; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	*out = strdup(h);
	OPENSSL_free(h);
	return *out != NULL ? 0 : ct_error(CT_ERR_NOMEM, "out of memory");
}

int
ct_x509_name_text(const X509_NAME *name, char **out)
{
	BIO *bio;
	int r;

	*out = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	/* RFC 2253, but UTF-8 left as UTF-8 rather than \XX escapes */
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
		r = ct_error(CT_ERR_CRYPTO, "cannot print name");
	else
		r = bio_take(bio, out, NULL);
	BIO_free(bio);
	return r;
}

int
ct_x509_fingerprint(const X509 *x, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32)
		return ct_error(CT_ERR_CRYPTO, "cannot hash certificate");
	ct_hex_fmt(md, n, out);
	return 0;
}

/* ---- issuing ---- */

/* SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 4.2.1.2, method 1). */
static ASN1_OCTET_STRING *
key_id_of(const X509 *x)
{
	const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(x);
	ASN1_OCTET_STRING *os;
	unsigned char md[20];
	unsigned int n = 0;

	if (bits == NULL || EVP_Digest(ASN1_STRING_get0_data(bits), (size_t)ASN1_STRING_length(bits),
	    md, &n, EVP_sha1(), NULL) != 1)
		return NULL;
	if ((os = ASN1_OCTET_STRING_new()) == NULL)
		return NULL;
	if (ASN1_OCTET_STRING_set(os, md, (int)n) != 1) {
		ASN1_OCTET_STRING_free(os);
		return NULL;
	}
	return os;
}

static int
ca_check(const struct ct_x509_spec *spec)
{
	int64_t ca_nb, ca_na;
	char ts[40];
	int r;

	if (X509_check_private_key(spec->ca_cert, spec->ca_key) != 1) {
		ERR_clear_error();
		return ct_error(CT_ERR_INVALID, "the CA key does not match the CA certificate");
	}
	if (X509_check_ca(spec->ca_cert) == 0)
		return ct_error(CT_ERR_INVALID, "the CA certificate is not a CA certificate "
		    "(it lacks basicConstraints CA:TRUE)");
	if ((r = asn1_time_epoch(X509_get0_notBefore(spec->ca_cert), &ca_nb)) != 0 ||
	    (r = asn1_time_epoch(X509_get0_notAfter(spec->ca_cert), &ca_na)) != 0)
		return r;
	if (ca_nb > spec->not_before) {
		ct_time_fmt(ca_nb * 1000000, 0, ts, sizeof(ts));
		return ct_error(CT_ERR_INVALID, "the CA certificate is not valid before %s", ts);
	}
	if (ca_na < spec->not_after) {
		ct_time_fmt(ca_na * 1000000, 0, ts, sizeof(ts));
		return ct_error(CT_ERR_INVALID, "the certificate would outlive the CA certificate, "
		    "which %s %s", ca_na < spec->not_before ? "expired" : "expires", ts);
	}
	return 0;
}

/* Add an extension from its OpenSSL structure; `what` names it in the error. */
static int
add_ext(X509 *x, int nid, void *value, int critical)
{
	if (value == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (X509_add1_ext_i2d(x, nid, value, critical, X509V3_ADD_DEFAULT) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot add extension %s", OBJ_nid2sn(nid));
	return 0;
}

static int
add_extensions(X509 *x, const struct ct_x509_spec *spec)
{
	BASIC_CONSTRAINTS *bc = NULL;
	ASN1_BIT_STRING *ku = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;
	GENERAL_NAMES *gens = NULL;
	GENERAL_NAME *gn = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	ASN1_OCTET_STRING *ski = NULL;
	AUTHORITY_KEYID *akid = NULL;
	const ASN1_OCTET_STRING *ca_ski;
	int r;

	/* basicConstraints: CA:FALSE, critical */
	if ((bc = BASIC_CONSTRAINTS_new()) != NULL)
		bc->ca = 0;
	if ((r = add_ext(x, NID_basic_constraints, bc, 1)) != 0)
		goto out;
	/* keyUsage: digitalSignature (bit 0), critical */
	if ((ku = ASN1_BIT_STRING_new()) != NULL && ASN1_BIT_STRING_set_bit(ku, 0, 1) != 1) {
		ASN1_BIT_STRING_free(ku);
		ku = NULL;
	}
	if ((r = add_ext(x, NID_key_usage, ku, 1)) != 0)
		goto out;
	/* extendedKeyUsage: clientAuth */
	if ((eku = sk_ASN1_OBJECT_new_null()) != NULL &&
	    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)) <= 0) {
		sk_ASN1_OBJECT_free(eku);
		eku = NULL;
	}
	if ((r = add_ext(x, NID_ext_key_usage, eku, 0)) != 0)
		goto out;
	/* subjectAltName: the one URI */
	if ((gens = GENERAL_NAMES_new()) == NULL || (gn = GENERAL_NAME_new()) == NULL ||
	    (ia5 = ASN1_IA5STRING_new()) == NULL ||
	    ASN1_STRING_set(ia5, spec->uri_san, (int)strlen(spec->uri_san)) != 1) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
	ia5 = NULL;
	if (sk_GENERAL_NAME_push(gens, gn) <= 0) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	gn = NULL;
	if ((r = add_ext(x, NID_subject_alt_name, gens, 0)) != 0)
		goto out;
	/* subjectKeyIdentifier */
	if ((r = add_ext(x, NID_subject_key_identifier, ski = key_id_of(x), 0)) != 0)
		goto out;
	/* authorityKeyIdentifier: the CA's own SKI when it has one, else computed alike */
	if ((akid = AUTHORITY_KEYID_new()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((ca_ski = X509_get0_subject_key_id(spec->ca_cert)) != NULL)
		akid->keyid = ASN1_OCTET_STRING_dup(ca_ski);
	else
		akid->keyid = key_id_of(spec->ca_cert);
	if (akid->keyid == NULL) {
		r = ct_error(CT_ERR_CRYPTO, "cannot compute the authority key identifier");
		goto out;
	}
	r = add_ext(x, NID_authority_key_identifier, akid, 0);
 out:
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	sk_ASN1_OBJECT_free(eku);	/* the object is libcrypto's static one */
	GENERAL_NAMES_free(gens);
	GENERAL_NAME_free(gn);
	ASN1_IA5STRING_free(ia5);
	ASN1_OCTET_STRING_free(ski);
	AUTHORITY_KEYID_free(akid);
	return r;
}

static int
set_serial(X509 *x)
{
	uint8_t b[SERIAL_OCTETS];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot get random bytes");
	/* positive (top bit clear) and always 16 octets (next bit set): 126 random bits */
	b[0] = (uint8_t)((b[0] & 0x3f) | 0x40);
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? 0 : ct_error(CT_ERR_CRYPTO, "cannot set serial number");
}

int
ct_x509_issue(const struct ct_x509_spec *spec, X509 **out)
{
	enum ct_key_type cat, st;
	EVP_PKEY *capub;
	X509_NAME *name = NULL;
	X509 *x = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if (spec->not_after <= spec->not_before)
		return ct_error(CT_ERR_INVALID, "empty validity window");
	if ((r = ct_key_type_of(spec->ca_key, &cat)) != 0 ||
	    (r = ct_key_type_of(spec->subject_key, &st)) != 0 || (r = ca_check(spec)) != 0)
		return r;
	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (X509_set_version(x, X509_VERSION_3) != 1 || (r = set_serial(x)) != 0 ||
	    X509_set_issuer_name(x, X509_get_subject_name(spec->ca_cert)) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)spec->common_name, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)spec->not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)spec->not_after) == NULL ||
	    X509_set_pubkey(x, spec->subject_key) != 1) {
		if (r == 0 || r == CT_ERR_INTERNAL)
			r = ct_error(CT_ERR_CRYPTO, "cannot build certificate");
		goto out;
	}
	if ((r = add_extensions(x, spec)) != 0)
		goto out;
	/* Ed25519 signs the message itself: no digest */
	if (X509_sign(x, spec->ca_key, cat == CT_KEY_ED25519 ? NULL : EVP_sha256()) <= 0) {
		r = ct_error(CT_ERR_CRYPTO, "cannot sign certificate");
		goto out;
	}
	/* check our own work before anyone relies on it */
	capub = X509_get0_pubkey(spec->ca_cert);
	if (capub == NULL || X509_verify(x, capub) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "issued certificate does not verify");
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
 out:
	X509_NAME_free(name);
	X509_free(x);
	return r;
}

/* ---- inspect ---- */

static json_t *
cn_of(const X509_NAME *name)
{
	const X509_NAME_ENTRY *e;
	unsigned char *u = NULL;
	json_t *v;
	int i, n;

	if ((i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    (e = X509_NAME_get_entry(name, i)) == NULL ||
	    (n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e))) < 0)
		return json_null();
	v = memchr(u, 0, (size_t)n) == NULL ? json_stringn((const char *)u, (size_t)n) : NULL;
	OPENSSL_free(u);
	return v != NULL ? v : json_null();
}

static json_t *
time_of(const ASN1_TIME *t)
{
	int64_t sec;
	char ts[40];

	if (asn1_time_epoch(t, &sec) != 0 || sec < 0 || sec >= 253402300800LL)
		return json_null();
	ct_time_fmt(sec * 1000000, 0, ts, sizeof(ts));
	return json_string(ts);
}

int
ct_inspect_x509(const char *s, size_t n, json_t **out)
{
	char task[CT_TASK_ID_MAX + 1];
	char *serial = NULL, *sdn = NULL, *idn = NULL;
	GENERAL_NAMES *gens = NULL;
	json_t *o = NULL, *uris = NULL, *cn = NULL, *subject = NULL, *tv = NULL;
	X509 *x = NULL;
	int i, r;

	*out = NULL;
	skip_ws(&s, &n);
	if (!starts_with(s, n, "-----BEGIN CERTIFICATE-----"))
		return ct_error(CT_ERR_FORMAT, "not a PEM certificate");
	if ((r = ct_x509_parse_cert((const uint8_t *)s, n, "certificate", &x)) != 0)
		return r;
	if ((r = ct_x509_serial_hex(x, &serial)) != 0 ||
	    (r = ct_x509_name_text(X509_get_subject_name(x), &sdn)) != 0 ||
	    (r = ct_x509_name_text(X509_get_issuer_name(x), &idn)) != 0)
		goto out;
	if ((uris = json_array()) == NULL)
		goto nomem;
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
		const ASN1_IA5STRING *u;
		const char *p;
		int len;

		if (gn->type != GEN_URI)
			continue;
		u = gn->d.uniformResourceIdentifier;
		p = (const char *)ASN1_STRING_get0_data(u);
		len = ASN1_STRING_length(u);
		if (len <= 0 || memchr(p, 0, (size_t)len) != NULL)
			continue;
		if (json_array_append_new(uris, json_stringn(p, (size_t)len)) != 0)
			goto nomem;
		if (subject == NULL && len > 9 && memcmp(p, "spiffe://", 9) == 0) {
			subject = json_stringn(p, (size_t)len);
			if (ct_task_from_principal(p, (size_t)len, task, sizeof(task)) == 0)
				tv = json_string(task);
		}
	}
	cn = cn_of(X509_get_subject_name(x));
	if (tv == NULL && json_is_string(cn) &&
	    ct_task_from_principal(json_string_value(cn), json_string_length(cn), task,
	    sizeof(task)) == 0)
		tv = json_string(task);
	ct_error_clear();
	o = json_pack("{s:s, s:O, s:s, s:o, s:s, s:s, s:O, s:o, s:o, s:o}",
	    "kind", "x509",
	    "principal", cn,
	    "serial", serial,
	    "subject", subject != NULL ? subject : json_string(sdn),
	    "subject_dn", sdn,
	    "issuer", idn,
	    "uri_sans", uris,
	    "valid_after", time_of(X509_get0_notBefore(x)),
	    "valid_before", time_of(X509_get0_notAfter(x)),
	    "task", tv != NULL ? tv : json_null());
	subject = tv = NULL;	/* stolen by json_pack, success or not */
	if (o == NULL)
		goto nomem;
	*out = o;
	r = 0;
	goto out;
 nomem:
	r = ct_error(CT_ERR_NOMEM, "out of memory");
 out:
	json_decref(subject);
	json_decref(tv);
	json_decref(cn);
	json_decref(uris);
	GENERAL_NAMES_free(gens);
	free(serial);
	free(sdn);
	free(idn);
	X509_free(x);
	return r;
}
