/*
 * keys.c - key generation, loading and PEM output (see keys.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/keys.h"
#include "util/err.h"
#include "util/fs.h"

int
ct_key_type_parse(const char *name, enum ct_key_type *out)
{
	if (strcmp(name, "ed25519") == 0)
		*out = CT_KEY_ED25519;
	else if (strcmp(name, "ecdsa-p256") == 0 || strcmp(name, "ecdsa") == 0)
		*out = CT_KEY_ECDSA_P256;
	else if (strcmp(name, "rsa-3072") == 0 || strcmp(name, "rsa") == 0)
		*out = CT_KEY_RSA;
	else
		return ct_error(CT_ERR_INVALID,
		    "unknown key type '%s' (use ed25519, ecdsa-p256 or rsa-3072)", name);
	return 0;
}

const char *
ct_key_type_name(enum ct_key_type t)
{
	switch (t) {
	case CT_KEY_ED25519: return "ed25519";
	case CT_KEY_ECDSA_P256: return "ecdsa-p256";
	case CT_KEY_RSA: return "rsa";
	}
	return "unknown";
}

int
ct_key_type_of(EVP_PKEY *pkey, enum ct_key_type *out)
{
	char group[64];
	size_t glen = 0;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_ED25519:
		*out = CT_KEY_ED25519;
		return 0;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
		    sizeof(group), &glen) == 1 && strcmp(group, "prime256v1") == 0) {
			*out = CT_KEY_ECDSA_P256;
			return 0;
		}
		return ct_error(CT_ERR_UNSUPPORTED, "ECDSA key on curve '%s' is not supported "
		    "(use P-256)", glen > 0 ? group : "unknown");
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) < 2048)
			return ct_error(CT_ERR_UNSUPPORTED, "RSA key of %d bits is too short "
			    "(at least 2048)", EVP_PKEY_get_bits(pkey));
		*out = CT_KEY_RSA;
		return 0;
	}
	return ct_error(CT_ERR_UNSUPPORTED, "unsupported key type '%s' (use ed25519, "
	    "ecdsa-p256 or rsa)", OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
}

int
ct_key_generate(enum ct_key_type t, EVP_PKEY **out)
{
	*out = NULL;
	switch (t) {
	case CT_KEY_ED25519:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case CT_KEY_ECDSA_P256:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case CT_KEY_RSA:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	}
	if (*out == NULL)
		return ct_error(CT_ERR_CRYPTO, "cannot generate %s key", ct_key_type_name(t));
	return 0;
}

static int
starts_with(const uint8_t *d, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && memcmp(d, s, k) == 0;
}

/* Skip leading whitespace of a text key file. */
static void
skip_ws(const uint8_t **d, size_t *n)
{
	while (*n > 0 && (**d == ' ' || **d == '\t' || **d == '\r' || **d == '\n')) {
		(*d)++;
		(*n)--;
	}
}

int
ct_key_parse_private(const uint8_t *data, size_t len, const char *what, EVP_PKEY **out)
{
	EVP_PKEY *pkey = NULL;
	enum ct_key_type t;
	BIO *bio = NULL;
	int r;

	*out = NULL;
	skip_ws(&data, &len);
	if (starts_with(data, len, "-----BEGIN OPENSSH PRIVATE KEY-----"))
		return ct_sshkey_parse_private_openssh(data, len, what, out);
	if (!starts_with(data, len, "-----BEGIN ") || len > INT32_MAX)
		return ct_error(CT_ERR_FORMAT, "'%s' is not a PEM or OpenSSH private key", what);
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	/* an empty passphrase callback: encrypted keys fail instead of prompting */
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (pkey == NULL)
		return ct_error(CT_ERR_CRYPTO, "cannot read private key '%s'", what);
	if ((r = ct_key_type_of(pkey, &t)) != 0) {
		EVP_PKEY_free(pkey);
		return ct_error(r, "'%s': %s", what, ct_errmsg(r));
	}
	*out = pkey;
	return 0;
}

int
ct_key_load_private(const char *path, EVP_PKEY **out)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = ct_check_private_file(path)) != 0)
		return r;
	if ((r = ct_read_file(path, CT_KEY_MAX_FILE, &data, &len)) != 0)
		return r;
	r = ct_key_parse_private(data, len, path, out);
	OPENSSL_clear_free(data, len);
	return r;
}

int
ct_key_parse_public(const uint8_t *data, size_t len, const char *what, EVP_PKEY **out)
{
	EVP_PKEY *pkey = NULL;
	enum ct_key_type t;
	X509 *x = NULL;
	BIO *bio = NULL;
	int r;

	*out = NULL;
	skip_ws(&data, &len);
	if (starts_with(data, len, "ssh-") || starts_with(data, len, "ecdsa-")) {
		const uint8_t *nl = memchr(data, '\n', len);

		r = ct_sshkey_parse_public_line((const char *)data,
		    nl != NULL ? (size_t)(nl - data) : len, out);
		return r != 0 ? ct_error(r, "'%s': %s", what, ct_errmsg(r)) : 0;
	}
	if (starts_with(data, len, "-----BEGIN OPENSSH PRIVATE KEY-----") ||
	    (starts_with(data, len, "-----BEGIN ") && len < 1024 * 64 &&
	    memmem(data, len, "PRIVATE KEY-----", 16) != NULL))
		return ct_key_parse_private(data, len, what, out);
	if (!starts_with(data, len, "-----BEGIN ") || len > INT32_MAX)
		return ct_error(CT_ERR_FORMAT,
		    "'%s' is not an OpenSSH public key, PEM public key or certificate", what);
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (starts_with(data, len, "-----BEGIN CERTIFICATE-----")) {
		if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
			pkey = X509_get_pubkey(x);
		X509_free(x);
	} else {
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	BIO_free(bio);
	if (pkey == NULL)
		return ct_error(CT_ERR_CRYPTO, "cannot read public key '%s'", what);
	if ((r = ct_key_type_of(pkey, &t)) != 0) {
		EVP_PKEY_free(pkey);
		return ct_error(r, "'%s': %s", what, ct_errmsg(r));
	}
	*out = pkey;
	return 0;
}

int
ct_key_load_public(const char *path, EVP_PKEY **out)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = ct_read_file(path, CT_KEY_MAX_FILE, &data, &len)) != 0)
		return r;
	/* a private key given where a public one is expected is read for its public half,
	 * but only from a file that keeps it private */
	if (memmem(data, len, "PRIVATE KEY-----", 16) != NULL &&
	    (r = ct_check_private_file(path)) != 0) {
		OPENSSL_clear_free(data, len);
		return r;
	}
	r = ct_key_parse_public(data, len, path, out);
	OPENSSL_clear_free(data, len);
	return r;
}

static int
bio_to_string(BIO *bio, char **out, size_t *outlen)
{
	char *p = NULL, *s;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0 || (s = malloc((size_t)n + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*out = s;
	if (outlen != NULL)
		*outlen = (size_t)n;
	return 0;
}

int
ct_key_private_pem(EVP_PKEY *pkey, char **out, size_t *outlen)
{
	BIO *bio;
	int r;

	*out = NULL;
	*outlen = 0;
	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
		r = ct_error(CT_ERR_CRYPTO, "cannot encode private key");
	else
		r = bio_to_string(bio, out, outlen);
	BIO_free(bio);
	return r;
}

int
ct_key_public_pem(EVP_PKEY *pkey, char **out)
{
	BIO *bio;
	int r;

	*out = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (PEM_write_bio_PUBKEY(bio, pkey) != 1)
		r = ct_error(CT_ERR_CRYPTO, "cannot encode public key");
	else
		r = bio_to_string(bio, out, NULL);
	BIO_free(bio);
	return r;
}
