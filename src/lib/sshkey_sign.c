/*
 * sshkey_sign.c - SSH signature blobs as OpenSSH makes and checks them (RFC 4253 section
 * 6.6, RFC 5656 section 3.1.2, RFC 8332, RFC 8709): used for certificates and SSHSIG.
 *
 *   ssh-ed25519          string "ssh-ed25519", string sig[64]
 *   ecdsa-sha2-nistp256  string "ecdsa-sha2-nistp256", string (mpint r, mpint s), SHA-256
 *   rsa-sha2-512         string "rsa-sha2-512", string PKCS#1 v1.5 sig over SHA-512
 *
 * Verification is strict: the algorithm must be the one the key's type calls for, the blob
 * and the ECDSA inner blob must be consumed exactly, mpints must be minimal and positive.
 * A blob is only ever read through bounded buffer views.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "lib/keys.h"
#include "util/buf.h"
#include "util/err.h"

#define SSHSIG_ECDSA_MAX 80	/* two 33-byte mpints with their lengths, plus slack */
#define RSA_MAX_BYTES 2048	/* 16384-bit modulus */

/* Raw signature with libcrypto: `md` NULL for Ed25519 (one-shot). */
static int
evp_sign(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *data, size_t len, uint8_t **out,
    size_t *outlen)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *sig = NULL;
	size_t siglen = 0;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey) != 1 ||
	    (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) ||
	    EVP_DigestSign(ctx, NULL, &siglen, data, len) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot sign");
		goto out;
	}
	if ((sig = OPENSSL_malloc(siglen)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestSign(ctx, sig, &siglen, data, len) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot sign");
		goto out;
	}
	*out = sig;
	*outlen = siglen;
	sig = NULL;
	r = 0;
 out:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(ctx);
	return r;
}

/* 0 when the signature verifies, CT_ERR_VERIFY when not; the libcrypto queue is cleared. */
static int
evp_verify(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *sig, size_t siglen,
    const uint8_t *data, size_t len)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int r = CT_ERR_INTERNAL;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) != 1 ||
	    (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)) {
		r = ct_error(CT_ERR_CRYPTO, "cannot set up signature verification");
		goto out;
	}
	if (EVP_DigestVerify(ctx, sig, siglen, data, len) == 1)
		r = 0;
	else
		r = ct_error(CT_ERR_VERIFY, "signature does not verify");
 out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return r;
}

static int
put_bn(struct ct_buf *b, const BIGNUM *bn)
{
	uint8_t tmp[66];
	int n = BN_num_bytes(bn);

	if (n > (int)sizeof(tmp))
		return ct_error(CT_ERR_INTERNAL, "ECDSA signature value too large");
	BN_bn2bin(bn, tmp);
	return ct_buf_put_bignum2_bytes(b, tmp, (size_t)n);
}

/* DER ECDSA-Sig-Value into the SSH inner blob (mpint r, mpint s). */
static int
ecdsa_der_to_ssh(const uint8_t *der, size_t derlen, struct ct_buf *inner)
{
	const unsigned char *p = der;
	const BIGNUM *br = NULL, *bs = NULL;
	ECDSA_SIG *esig;
	int r;

	if (derlen > 256 || (esig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		return ct_error(CT_ERR_CRYPTO, "cannot decode ECDSA signature");
	ECDSA_SIG_get0(esig, &br, &bs);
	if ((r = put_bn(inner, br)) == 0)
		r = put_bn(inner, bs);
	ECDSA_SIG_free(esig);
	return r;
}

int
ct_sshkey_sign(EVP_PKEY *pkey, const uint8_t *data, size_t len, struct ct_buf *sigblob)
{
	struct ct_buf inner;
	enum ct_key_type t;
	uint8_t *sig = NULL;
	size_t siglen = 0;
	int r = CT_ERR_INTERNAL;

	ct_buf_init(&inner, SSHSIG_ECDSA_MAX * 2);
	if ((r = ct_key_type_of(pkey, &t)) != 0)
		goto out;
	switch (t) {
	case CT_KEY_ED25519:
		if ((r = evp_sign(pkey, NULL, data, len, &sig, &siglen)) != 0)
			goto out;
		if (siglen != 64) {
			r = ct_error(CT_ERR_CRYPTO, "unexpected Ed25519 signature length %zu",
			    siglen);
			goto out;
		}
		if ((r = ct_buf_put_cstring(sigblob, "ssh-ed25519")) != 0 ||
		    (r = ct_buf_put_string(sigblob, sig, siglen)) != 0)
			goto out;
		break;
	case CT_KEY_ECDSA_P256:
		if ((r = evp_sign(pkey, EVP_sha256(), data, len, &sig, &siglen)) != 0 ||
		    (r = ecdsa_der_to_ssh(sig, siglen, &inner)) != 0)
			goto out;
		if ((r = ct_buf_put_cstring(sigblob, "ecdsa-sha2-nistp256")) != 0 ||
		    (r = ct_buf_put_string(sigblob, inner.data, inner.len)) != 0)
			goto out;
		break;
	case CT_KEY_RSA:
		if ((r = evp_sign(pkey, EVP_sha512(), data, len, &sig, &siglen)) != 0)
			goto out;
		if ((r = ct_buf_put_cstring(sigblob, "rsa-sha2-512")) != 0 ||
		    (r = ct_buf_put_string(sigblob, sig, siglen)) != 0)
			goto out;
		break;
	default:
		r = ct_error(CT_ERR_INTERNAL, "unreachable key type");
		goto out;
	}
	r = 0;
 out:
	OPENSSL_free(sig);
	ct_buf_release(&inner);
	return r;
}

/* A positive, minimally encoded mpint of at most `max` magnitude bytes. */
static int
get_sig_mpint(struct ct_buf *b, size_t max, BIGNUM **out)
{
	const uint8_t *p;
	size_t n;

	*out = NULL;
	if (ct_buf_get_string_direct(b, &p, &n) != 0 || n == 0 || n > max + 1 ||
	    (p[0] & 0x80) != 0 || (p[0] == 0 && (n == 1 || (p[1] & 0x80) == 0)))
		return ct_error(CT_ERR_VERIFY, "malformed ECDSA signature");
	if ((*out = BN_bin2bn(p, (int)n, NULL)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
verify_ecdsa(EVP_PKEY *pkey, const uint8_t *sig, size_t siglen, const uint8_t *data,
    size_t len)
{
	BIGNUM *br = NULL, *bs = NULL;
	ECDSA_SIG *esig = NULL;
	unsigned char *der = NULL;
	struct ct_buf b;
	int derlen, r = CT_ERR_INTERNAL;

	ct_buf_view(&b, sig, siglen);
	if ((r = get_sig_mpint(&b, 32, &br)) != 0 || (r = get_sig_mpint(&b, 32, &bs)) != 0)
		goto out;
	if (ct_buf_avail(&b) != 0) {
		r = ct_error(CT_ERR_VERIFY, "trailing data in ECDSA signature");
		goto out;
	}
	if ((esig = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(esig, br, bs) != 1) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	br = bs = NULL;		/* owned by esig now */
	if ((derlen = i2d_ECDSA_SIG(esig, &der)) <= 0) {
		r = ct_error(CT_ERR_CRYPTO, "cannot encode ECDSA signature");
		goto out;
	}
	r = evp_verify(pkey, EVP_sha256(), der, (size_t)derlen, data, len);
 out:
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(esig);
	OPENSSL_free(der);
	return r;
}

static int
verify_rsa(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *sig, size_t siglen,
    const uint8_t *data, size_t len)
{
	uint8_t padded[RSA_MAX_BYTES];
	int modlen = EVP_PKEY_get_size(pkey);

	if (modlen <= 0 || (size_t)modlen > sizeof(padded))
		return ct_error(CT_ERR_UNSUPPORTED, "RSA key size not supported");
	if (siglen == 0 || siglen > (size_t)modlen)
		return ct_error(CT_ERR_VERIFY, "RSA signature has the wrong length");
	/* OpenSSH accepts a signature shorter than the modulus (leading zeros dropped) */
	memset(padded, 0, (size_t)modlen - siglen);
	memcpy(padded + (size_t)modlen - siglen, sig, siglen);
	return evp_verify(pkey, md, padded, (size_t)modlen, data, len);
}

/* Whether untrusted bytes may go into an error message as they are. */
static int
printable(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	return 1;
}

static int
alg_is(const uint8_t *p, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(p, name, n) == 0;
}

int
ct_sshkey_verify(EVP_PKEY *pkey, const uint8_t *sig, size_t siglen, const uint8_t *data,
    size_t len)
{
	const uint8_t *alg, *raw;
	size_t alglen, rawlen;
	enum ct_key_type t;
	struct ct_buf b;
	int r;

	if ((r = ct_key_type_of(pkey, &t)) != 0)
		return r;
	ct_buf_view(&b, sig, siglen);
	if (ct_buf_get_string_direct(&b, &alg, &alglen) != 0 ||
	    ct_buf_get_string_direct(&b, &raw, &rawlen) != 0)
		return ct_error(CT_ERR_VERIFY, "truncated SSH signature");
	if (ct_buf_avail(&b) != 0)
		return ct_error(CT_ERR_VERIFY, "trailing data after SSH signature");
	switch (t) {
	case CT_KEY_ED25519:
		if (!alg_is(alg, alglen, "ssh-ed25519"))
			break;
		if (rawlen != 64)
			return ct_error(CT_ERR_VERIFY, "Ed25519 signature is not 64 bytes");
		return evp_verify(pkey, NULL, raw, rawlen, data, len);
	case CT_KEY_ECDSA_P256:
		if (!alg_is(alg, alglen, "ecdsa-sha2-nistp256"))
			break;
		return verify_ecdsa(pkey, raw, rawlen, data, len);
	case CT_KEY_RSA:
		/* SHA-1 "ssh-rsa" signatures are refused, as OpenSSH 8.8+ does */
		if (alg_is(alg, alglen, "rsa-sha2-512"))
			return verify_rsa(pkey, EVP_sha512(), raw, rawlen, data, len);
		if (alg_is(alg, alglen, "rsa-sha2-256"))
			return verify_rsa(pkey, EVP_sha256(), raw, rawlen, data, len);
		break;
	}
	if (alglen > 40 || !printable(alg, alglen))
		return ct_error(CT_ERR_VERIFY, "signature algorithm does not match a %s key",
		    ct_sshkey_type_name(pkey));
	return ct_error(CT_ERR_VERIFY, "signature algorithm '%.*s' does not match a %s key",
	    (int)alglen, (const char *)alg, ct_sshkey_type_name(pkey));
}
