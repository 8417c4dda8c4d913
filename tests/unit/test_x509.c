/*
 * test_x509.c - lib/x509: certificates issued by Ed25519, P-256 and RSA CAs pass libcrypto's
 * own chain verification for TLS clients and carry exactly the fields and extensions the
 * design names; the CA must match, be a CA and outlive the certificate; CSRs give only their
 * key and only when their signature verifies; SPIFFE names; inspect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/keys.h"
#include "lib/x509.h"
#include "util/enc.h"
#include "util/err.h"

static EVP_PKEY *keys[3];	/* ed25519, p-256, rsa */

static int
setup_keys(void **state)
{
	(void)state;
	if (ct_key_generate(CT_KEY_ED25519, &keys[0]) != 0 ||
	    ct_key_generate(CT_KEY_ECDSA_P256, &keys[1]) != 0 ||
	    ct_key_generate(CT_KEY_RSA, &keys[2]) != 0)
		return -1;
	return 0;
}

static int
teardown_keys(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		EVP_PKEY_free(keys[i]);
	return 0;
}

/* A self-signed certificate for `key`, valid [nb, na], a CA when `ca` is set. */
static X509 *
make_ca(EVP_PKEY *key, int64_t nb, int64_t na, int ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509_EXTENSION *ext;
	X509V3_CTX ctx;
	int ed = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;

	assert_non_null(x);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"credtrail tests",
	    -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"Unit CA", -1,
	    -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (ca) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, key, ed ? NULL : EVP_sha256()) > 0);
	return x;
}

static void
spec_init(struct ct_x509_spec *s, X509 *ca, EVP_PKEY *cakey, EVP_PKEY *subject, int64_t now)
{
	memset(s, 0, sizeof(*s));
	s->ca_cert = ca;
	s->ca_key = cakey;
	s->subject_key = subject;
	s->common_name = "ironclaw-task-abc123-0badf00d";
	s->uri_san = "spiffe://credtrail.local/ironclaw/task/abc123";
	s->not_before = now;
	s->not_after = now + 900;
}

static int
ext_critical(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	assert_true(i >= 0);
	return X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

/* libcrypto's own path validation, as a TLS server checks a client certificate. */
static int
chain_verifies(X509 *ca, X509 *leaf)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	X509_STORE_add_cert(store, ca);
	X509_STORE_CTX_init(ctx, store, leaf, NULL);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	ok = X509_verify_cert(ctx);
	if (ok != 1)
		print_message("verify: %s\n",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok == 1;
}

static void
test_issue_with_each_ca_type(void **state)
{
	struct ct_x509_spec s;
	int64_t now = (int64_t)time(NULL), t;
	char *serial = NULL, *prev = NULL;
	const ASN1_INTEGER *sn;
	GENERAL_NAMES *gens;
	const GENERAL_NAME *gn;
	X509 *ca, *x;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		ca = make_ca(keys[i], now - 60, now + 86400, 1);
		spec_init(&s, ca, keys[i], keys[1], now);
		assert_int_equal(ct_x509_issue(&s, &x), 0);
		assert_true(chain_verifies(ca, x));
		assert_int_equal(X509_get_version(x), X509_VERSION_3);
		/* serial: positive, 16 octets */
		sn = X509_get0_serialNumber(x);
		assert_int_equal(ASN1_STRING_type(sn), V_ASN1_INTEGER);
		assert_int_equal(ASN1_STRING_length(sn), 16);
		assert_true(ASN1_STRING_get0_data(sn)[0] >= 0x40 &&
		    ASN1_STRING_get0_data(sn)[0] <= 0x7f);
		assert_int_equal(ct_x509_serial_hex(x, &serial), 0);
		assert_int_equal(strlen(serial), 32);
		if (prev != NULL)
			assert_string_not_equal(serial, prev);
		free(prev);
		prev = serial;
		/* extensions */
		assert_int_equal(X509_get_extension_flags(x) & EXFLAG_CA, 0);
		assert_true(ext_critical(x, NID_basic_constraints));
		assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
		assert_true(ext_critical(x, NID_key_usage));
		assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT);
		assert_false(ext_critical(x, NID_ext_key_usage));
		assert_non_null(X509_get0_subject_key_id(x));
		assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
		    X509_get0_subject_key_id(ca)), 0);
		gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
		assert_int_equal(sk_GENERAL_NAME_num(gens), 1);
		gn = sk_GENERAL_NAME_value(gens, 0);
		assert_int_equal(gn->type, GEN_URI);
		assert_string_equal((const char *)ASN1_STRING_get0_data(
		    gn->d.uniformResourceIdentifier), s.uri_san);
		GENERAL_NAMES_free(gens);
		/* validity is exactly the window asked for */
		assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)now), 0);
		t = now + 900;
		assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)t), 0);
		assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca)),
		    0);
		X509_free(x);
		X509_free(ca);
	}
	free(prev);
}

static void
test_ca_must_fit(void **state)
{
	struct ct_x509_spec s;
	int64_t now = (int64_t)time(NULL);
	X509 *ca, *x = NULL;

	(void)state;
	/* the CA key must be the certificate's */
	ca = make_ca(keys[0], now - 60, now + 86400, 1);
	spec_init(&s, ca, keys[1], keys[1], now);
	assert_int_equal(ct_x509_issue(&s, &x), CT_ERR_INVALID);
	assert_non_null(strstr(ct_errmsg(CT_ERR_INVALID), "does not match"));
	assert_null(x);
	X509_free(ca);
	/* it must be a CA */
	ca = make_ca(keys[0], now - 60, now + 86400, 0);
	spec_init(&s, ca, keys[0], keys[1], now);
	assert_int_equal(ct_x509_issue(&s, &x), CT_ERR_INVALID);
	assert_non_null(strstr(ct_errmsg(CT_ERR_INVALID), "not a CA certificate"));
	X509_free(ca);
	/* and valid for the whole window */
	ca = make_ca(keys[0], now - 60, now + 600, 1);
	spec_init(&s, ca, keys[0], keys[1], now);
	assert_int_equal(ct_x509_issue(&s, &x), CT_ERR_INVALID);
	assert_non_null(strstr(ct_errmsg(CT_ERR_INVALID), "would outlive the CA certificate"));
	s.not_after = now + 600;
	assert_int_equal(ct_x509_issue(&s, &x), 0);
	X509_free(x);
	X509_free(ca);
	ca = make_ca(keys[0], now + 3600, now + 86400, 1);
	spec_init(&s, ca, keys[0], keys[1], now);
	assert_int_equal(ct_x509_issue(&s, &x), CT_ERR_INVALID);
	assert_non_null(strstr(ct_errmsg(CT_ERR_INVALID), "not valid before"));
	X509_free(ca);
}

static char *
csr_pem(EVP_PKEY *key, int tamper)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *ext;
	unsigned char *der = NULL;
	const unsigned char *p;
	char *out, *mem;
	long len;
	int dlen;
	BIO *bio;
	int ed = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;

	/* what a greedy requester asks for: another name and a CA certificate */
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"evil", -1, -1,
	    0);
	X509_REQ_set_subject_name(req, n);
	X509_NAME_free(n);
	X509_REQ_set_pubkey(req, key);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
	sk_X509_EXTENSION_push(exts, ext);
	X509_REQ_add_extensions(req, exts);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	assert_true(X509_REQ_sign(req, key, ed ? NULL : EVP_sha256()) > 0);
	dlen = i2d_X509_REQ(req, &der);
	assert_true(dlen > 0);
	X509_REQ_free(req);
	if (tamper)
		der[dlen - 1] ^= 0x01;	/* the last byte of the signature */
	p = der;
	req = d2i_X509_REQ(NULL, &p, dlen);
	assert_non_null(req);
	OPENSSL_free(der);
	bio = BIO_new(BIO_s_mem());
	PEM_write_bio_X509_REQ(bio, req);
	len = BIO_get_mem_data(bio, &mem);
	out = strndup(mem, (size_t)len);
	BIO_free(bio);
	X509_REQ_free(req);
	return out;
}

static void
test_csr(void **state)
{
	struct ct_x509_spec s;
	int64_t now = (int64_t)time(NULL);
	EVP_PKEY *pk = NULL;
	X509 *ca, *x = NULL;
	char *pem;
	int i;

	(void)state;
	ca = make_ca(keys[2], now - 60, now + 86400, 1);
	for (i = 0; i < 3; i++) {
		pem = csr_pem(keys[i], 0);
		assert_int_equal(ct_x509_parse_csr_key((const uint8_t *)pem, strlen(pem), "req.pem",
		    &pk), 0);
		assert_int_equal(EVP_PKEY_eq(pk, keys[i]), 1);
		free(pem);
		/* only the key is taken: the requested CN and CA:TRUE are not */
		spec_init(&s, ca, keys[2], pk, now);
		assert_int_equal(ct_x509_issue(&s, &x), 0);
		assert_int_equal(X509_get_extension_flags(x) & EXFLAG_CA, 0);
		assert_int_equal(X509_NAME_get_index_by_NID(X509_get_subject_name(x),
		    NID_commonName, -1), 0);
		assert_int_equal(X509_check_host(x, "evil", 4, 0, NULL), 0);
		X509_free(x);
		EVP_PKEY_free(pk);
		pk = NULL;

		pem = csr_pem(keys[i], 1);
		assert_int_equal(ct_x509_parse_csr_key((const uint8_t *)pem, strlen(pem), "req.pem",
		    &pk), CT_ERR_VERIFY);
		assert_string_equal(ct_errmsg(CT_ERR_VERIFY),
		    "certificate request 'req.pem' has a bad signature");
		assert_null(pk);
		free(pem);
	}
	assert_int_equal(ct_x509_parse_csr_key((const uint8_t *)"hello", 5, "req.pem", &pk),
	    CT_ERR_FORMAT);
	X509_free(ca);
}

static void
test_spiffe_names(void **state)
{
	static const char *good[] = { "credtrail.local", "example.org", "a", "prod-1_eu.corp" };
	static const char *bad[] = { "", "Example.org", "a/b", "a b", "x:443", "é.example" };
	char *id = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(ct_spiffe_trust_domain_check(good[i]), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ct_spiffe_trust_domain_check(bad[i]), CT_ERR_INVALID);
	assert_int_equal(ct_spiffe_task_id("example.org", "acme", "t-1", &id), 0);
	assert_string_equal(id, "spiffe://example.org/acme/task/t-1");
	free(id);
	assert_int_equal(ct_spiffe_task_id("example.org", "a-b", "t", &id), CT_ERR_INVALID);
	assert_int_equal(ct_spiffe_task_id("example.org", "acme", "t/../x", &id), CT_ERR_INVALID);
	assert_null(id);
}

static char *
pem_of(X509 *x)
{
	char *p = NULL;
	size_t n = 0;

	assert_int_equal(ct_x509_pem(x, &p, &n), 0);
	assert_int_equal(strlen(p), n);
	return p;
}

static void
test_inspect(void **state)
{
	struct ct_x509_spec s;
	int64_t now = 1800000000;	/* 2027-01-15T08:00:00Z */
	unsigned char md[32];
	unsigned int mdlen = 0;
	char fp[65], hex[65], *pem, *padded, *serial = NULL;
	json_t *o = NULL;
	X509 *ca, *x = NULL;

	(void)state;
	ca = make_ca(keys[1], now - 60, now + 86400, 1);
	spec_init(&s, ca, keys[1], keys[0], now);
	assert_int_equal(ct_x509_issue(&s, &x), 0);
	pem = pem_of(x);
	assert_true(asprintf(&padded, "\n\n  %s\n", pem) > 0);
	assert_int_equal(ct_inspect_x509(padded, strlen(padded), &o), 0);
	assert_int_equal(ct_x509_serial_hex(x, &serial), 0);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "x509");
	assert_string_equal(json_string_value(json_object_get(o, "principal")), s.common_name);
	assert_string_equal(json_string_value(json_object_get(o, "serial")), serial);
	assert_string_equal(json_string_value(json_object_get(o, "subject")), s.uri_san);
	assert_string_equal(json_string_value(json_object_get(o, "subject_dn")),
	    "CN=ironclaw-task-abc123-0badf00d");
	assert_string_equal(json_string_value(json_object_get(o, "issuer")),
	    "CN=Unit CA,O=credtrail tests");
	assert_int_equal(json_array_size(json_object_get(o, "uri_sans")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "valid_after")),
	    "2027-01-15T08:00:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "valid_before")),
	    "2027-01-15T08:15:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "task")), "abc123");
	json_decref(o);
	free(padded);
	free(pem);
	free(serial);

	/* the fingerprint is SHA-256 over the DER */
	{
		unsigned char *der = NULL;
		int dlen = i2d_X509(ca, &der);

		assert_true(dlen > 0);
		assert_int_equal(EVP_Digest(der, (size_t)dlen, md, &mdlen, EVP_sha256(), NULL), 1);
		OPENSSL_free(der);
	}
	assert_int_equal(ct_x509_fingerprint(ca, fp), 0);
	ct_hex_fmt(md, mdlen, hex);
	assert_string_equal(fp, hex);

	/* a certificate that names no task: the CA itself */
	pem = pem_of(ca);
	assert_int_equal(ct_inspect_x509(pem, strlen(pem), &o), 0);
	assert_true(json_is_null(json_object_get(o, "task")));
	assert_string_equal(json_string_value(json_object_get(o, "subject")),
	    "CN=Unit CA,O=credtrail tests");
	assert_int_equal(json_array_size(json_object_get(o, "uri_sans")), 0);
	json_decref(o);
	free(pem);

	assert_int_equal(ct_inspect_x509("eyJhbGciOi.x.y", 14, &o), CT_ERR_FORMAT);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), "not a PEM certificate");
	pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	assert_int_equal(ct_inspect_x509(pem, strlen(pem), &o), CT_ERR_CRYPTO);
	assert_null(o);
	X509_free(x);
	X509_free(ca);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_with_each_ca_type),
		cmocka_unit_test(test_ca_must_fit),
		cmocka_unit_test(test_csr),
		cmocka_unit_test(test_spiffe_names),
		cmocka_unit_test(test_inspect),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
