/*
 * sshkey_private.c - the OpenSSH private key format, "openssh-key-v1" (PROTOCOL.key in the
 * OpenSSH sources), unencrypted only: cipher and KDF "none".
 *
 *   "-----BEGIN OPENSSH PRIVATE KEY-----", base64 (70 columns), "-----END ...-----"
 *   byte[15]  "openssh-key-v1\0"
 *   string    ciphername ("none")      string kdfname ("none")      string kdfoptions ("")
 *   uint32    number of keys (exactly 1 here)
 *   string    public key blob
 *   string    private section:
 *               uint32 checkint, uint32 checkint (equal)
 *               string keytype, then per type:
 *                 ssh-ed25519          string pub[32], string seed[32]||pub[32]
 *                 ecdsa-sha2-nistp256  string "nistp256", string Q[65], mpint d
 *                 ssh-rsa              mpint n, e, d, iqmp, p, q
 *               string comment
 *               padding 1, 2, 3, ... to a multiple of 8 bytes
 *
 * The parser treats the file as hostile: every field is length-checked, the private half
 * must produce exactly the public blob stored beside it, and the key must pass libcrypto's
 * consistency check, so a file whose halves disagree is refused rather than half-used.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "lib/keys.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"

#define MARK_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define MARK_END "-----END OPENSSH PRIVATE KEY-----"
#define AUTH_MAGIC "openssh-key-v1"	/* followed by its NUL */
#define BLOCKSIZE 8			/* cipher "none" */
#define WRAP 70
#define RSA_MPINT_MAX 2049		/* 16384 bits and a sign byte */

/* ---- writing ---- */

static int
put_bn(struct ct_buf *b, const BIGNUM *bn)
{
	uint8_t tmp[RSA_MPINT_MAX];
	int n = BN_num_bytes(bn), r;

	if (n > (int)sizeof(tmp))
		return ct_error(CT_ERR_UNSUPPORTED, "key number too large");
	BN_bn2bin(bn, tmp);
	r = ct_buf_put_bignum2_bytes(b, tmp, (size_t)n);
	OPENSSL_cleanse(tmp, (size_t)n);
	return r;
}

static int
put_bn_param(struct ct_buf *b, EVP_PKEY *pkey, const char *name)
{
	BIGNUM *bn = NULL;
	int r;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot read key parameter %s", name);
	r = put_bn(b, bn);
	BN_clear_free(bn);
	return r;
}

/* The type-specific private fields (after the key type string). */
static int
put_private_fields(struct ct_buf *b, EVP_PKEY *pkey, enum ct_key_type t)
{
	uint8_t seed[64], pub[65];
	size_t seedlen = 32, publen = 32;
	int r = CT_ERR_INTERNAL;

	switch (t) {
	case CT_KEY_ED25519:
		if (EVP_PKEY_get_raw_private_key(pkey, seed, &seedlen) != 1 || seedlen != 32 ||
		    EVP_PKEY_get_raw_public_key(pkey, pub, &publen) != 1 || publen != 32) {
			r = ct_error(CT_ERR_CRYPTO, "cannot read Ed25519 key");
			break;
		}
		memcpy(seed + 32, pub, 32);
		if ((r = ct_buf_put_string(b, pub, 32)) == 0)
			r = ct_buf_put_string(b, seed, 64);
		break;
	case CT_KEY_ECDSA_P256:
		if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		    pub, sizeof(pub), &publen) != 1 || publen != 65) {
			r = ct_error(CT_ERR_CRYPTO, "cannot read ECDSA key");
			break;
		}
		if ((r = ct_buf_put_cstring(b, "nistp256")) == 0 &&
		    (r = ct_buf_put_string(b, pub, publen)) == 0)
			r = put_bn_param(b, pkey, OSSL_PKEY_PARAM_PRIV_KEY);
		break;
	case CT_KEY_RSA:
		if ((r = put_bn_param(b, pkey, OSSL_PKEY_PARAM_RSA_N)) == 0 &&
		    (r = put_bn_param(b, pkey, OSSL_PKEY_PARAM_RSA_E)) == 0 &&
		    (r = put_bn_param(b, pkey, OSSL_PKEY_PARAM_RSA_D)) == 0 &&
		    (r = put_bn_param(b, pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1)) == 0 &&
		    (r = put_bn_param(b, pkey, OSSL_PKEY_PARAM_RSA_FACTOR1)) == 0)
			r = put_bn_param(b, pkey, OSSL_PKEY_PARAM_RSA_FACTOR2);
		break;
	}
	OPENSSL_cleanse(seed, sizeof(seed));
	return r;
}

int
ct_sshkey_private_openssh(EVP_PKEY *pkey, const char *comment, char **out, size_t *outlen)
{
	struct ct_buf pubblob, priv, blob, text;
	enum ct_key_type t;
	uint32_t check;
	char *b64 = NULL;
	size_t i, n, b64len = 0;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	ct_buf_init(&pubblob, 4096);
	ct_buf_init(&priv, 16384);
	ct_buf_init(&blob, 32768);
	ct_buf_init(&text, 65536);
	if ((r = ct_key_type_of(pkey, &t)) != 0 ||
	    (r = ct_sshkey_put_public(&pubblob, pkey)) != 0)
		goto out;
	if (RAND_bytes((unsigned char *)&check, sizeof(check)) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot get random bytes");
		goto out;
	}
	if ((r = ct_buf_put_u32(&priv, check)) != 0 ||
	    (r = ct_buf_put_u32(&priv, check)) != 0 ||
	    (r = ct_buf_put_cstring(&priv, ct_sshkey_type_name(pkey))) != 0 ||
	    (r = put_private_fields(&priv, pkey, t)) != 0 ||
	    (r = ct_buf_put_cstring(&priv, comment != NULL ? comment : "")) != 0)
		goto out;
	for (i = 1; priv.len % BLOCKSIZE != 0; i++)
		if ((r = ct_buf_put_u8(&priv, (uint8_t)i)) != 0)
			goto out;
	if ((r = ct_buf_put(&blob, AUTH_MAGIC, sizeof(AUTH_MAGIC))) != 0 ||
	    (r = ct_buf_put_cstring(&blob, "none")) != 0 ||
	    (r = ct_buf_put_cstring(&blob, "none")) != 0 ||
	    (r = ct_buf_put_string(&blob, NULL, 0)) != 0 ||
	    (r = ct_buf_put_u32(&blob, 1)) != 0 ||
	    (r = ct_buf_put_string(&blob, pubblob.data, pubblob.len)) != 0 ||
	    (r = ct_buf_put_string(&blob, priv.data, priv.len)) != 0)
		goto out;
	if ((r = ct_b64_encode(blob.data, blob.len, &b64)) != 0)
		goto out;
	b64len = strlen(b64);
	if ((r = ct_buf_put(&text, MARK_BEGIN "\n", sizeof(MARK_BEGIN))) != 0)
		goto out;
	for (i = 0; i < b64len; i += n) {
		n = b64len - i > WRAP ? WRAP : b64len - i;
		if ((r = ct_buf_put(&text, b64 + i, n)) != 0 ||
		    (r = ct_buf_put_u8(&text, '\n')) != 0)
			goto out;
	}
	if ((r = ct_buf_put(&text, MARK_END "\n", sizeof(MARK_END))) != 0)
		goto out;
	if ((*out = OPENSSL_malloc(text.len + 1)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*out, text.data, text.len);
	(*out)[text.len] = '\0';
	*outlen = text.len;
	r = 0;
 out:
	if (b64 != NULL) {
		OPENSSL_cleanse(b64, b64len);
		free(b64);
	}
	ct_buf_release(&pubblob);
	ct_buf_release_secret(&priv);
	ct_buf_release_secret(&blob);
	ct_buf_release_secret(&text);
	return r;
}

/* ---- reading ---- */

static int
str_is(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* A positive, minimal mpint of at most RSA_MPINT_MAX bytes. */
static int
get_mpint(struct ct_buf *b, const char *what, BIGNUM **out)
{
	const uint8_t *p;
	size_t n;

	*out = NULL;
	if (ct_buf_get_string_direct(b, &p, &n) != 0)
		return ct_error(CT_ERR_FORMAT, "'%s': truncated private key", what);
	if (n == 0 || n > RSA_MPINT_MAX || (p[0] & 0x80) != 0 ||
	    (p[0] == 0 && (n == 1 || (p[1] & 0x80) == 0)))
		return ct_error(CT_ERR_FORMAT, "'%s': invalid number in private key", what);
	if ((*out = BN_bin2bn(p, (int)n, NULL)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	BN_set_flags(*out, BN_FLG_CONSTTIME);
	return 0;
}

static int
pkey_from_params(const char *alg, OSSL_PARAM_BLD *bld, const char *what, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	OSSL_PARAM *params = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) != 1) {
		r = ct_error(CT_ERR_FORMAT, "'%s': invalid private key", what);
		goto out;
	}
	/* the private and public halves must belong together */
	if ((check = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL)) == NULL ||
	    EVP_PKEY_pairwise_check(check) != 1) {
		r = ct_error(CT_ERR_FORMAT, "'%s': the private key does not match its public key",
		    what);
		goto out;
	}
	r = 0;
 out:
	ERR_clear_error();
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(check);
	if (r != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	return r;
}

static int
parse_ed25519(struct ct_buf *b, const char *what, EVP_PKEY **out)
{
	const uint8_t *pub, *sk;
	size_t publen, sklen;
	uint8_t derived[32];
	size_t dlen = sizeof(derived);

	*out = NULL;
	if (ct_buf_get_string_direct(b, &pub, &publen) != 0 ||
	    ct_buf_get_string_direct(b, &sk, &sklen) != 0)
		return ct_error(CT_ERR_FORMAT, "'%s': truncated private key", what);
	if (publen != 32 || sklen != 64)
		return ct_error(CT_ERR_FORMAT, "'%s': invalid Ed25519 private key", what);
	if ((*out = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32)) == NULL)
		return ct_error(CT_ERR_CRYPTO, "'%s': invalid Ed25519 private key", what);
	if (EVP_PKEY_get_raw_public_key(*out, derived, &dlen) != 1 || dlen != 32 ||
	    CRYPTO_memcmp(derived, pub, 32) != 0 || CRYPTO_memcmp(derived, sk + 32, 32) != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return ct_error(CT_ERR_FORMAT, "'%s': the private key does not match its public "
		    "key", what);
	}
	return 0;
}

static int
parse_ecdsa(struct ct_buf *b, const char *what, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	const uint8_t *curve, *q;
	size_t curvelen, qlen;
	BIGNUM *d = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if (ct_buf_get_string_direct(b, &curve, &curvelen) != 0 ||
	    ct_buf_get_string_direct(b, &q, &qlen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': truncated private key", what);
		goto out;
	}
	if (!str_is(curve, curvelen, "nistp256") || qlen != 65 || q[0] != 0x04) {
		r = ct_error(CT_ERR_FORMAT, "'%s': invalid ecdsa-sha2-nistp256 private key",
		    what);
		goto out;
	}
	if ((r = get_mpint(b, what, &d)) != 0)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, qlen) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = pkey_from_params("EC", bld, what, out);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return r;
}

static int
parse_rsa(struct ct_buf *b, const char *what, EVP_PKEY **out)
{
	BIGNUM *n = NULL, *e = NULL, *d = NULL, *iqmp = NULL, *p = NULL, *q = NULL;
	BIGNUM *dmp1 = NULL, *dmq1 = NULL, *t = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	BN_CTX *ctx = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if ((r = get_mpint(b, what, &n)) != 0 || (r = get_mpint(b, what, &e)) != 0 ||
	    (r = get_mpint(b, what, &d)) != 0 || (r = get_mpint(b, what, &iqmp)) != 0 ||
	    (r = get_mpint(b, what, &p)) != 0 || (r = get_mpint(b, what, &q)) != 0)
		goto out;
	/* libcrypto wants the CRT exponents the OpenSSH format leaves out */
	if ((ctx = BN_CTX_secure_new()) == NULL || (dmp1 = BN_secure_new()) == NULL ||
	    (dmq1 = BN_secure_new()) == NULL || (t = BN_secure_new()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (BN_is_zero(p) || BN_is_zero(q) || BN_is_one(p) || BN_is_one(q) ||
	    !BN_sub(t, p, BN_value_one()) || !BN_mod(dmp1, d, t, ctx) ||
	    !BN_sub(t, q, BN_value_one()) || !BN_mod(dmq1, d, t, ctx)) {
		r = ct_error(CT_ERR_FORMAT, "'%s': invalid RSA private key", what);
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp)) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = pkey_from_params("RSA", bld, what, out);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_clear_free(iqmp);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	BN_clear_free(t);
	return r;
}

/* Find the armored body between the markers, bounded by len. */
static int
dearmor(const uint8_t *data, size_t len, const char *what, uint8_t **out, size_t *outlen)
{
	const uint8_t *b, *e;

	*out = NULL;
	*outlen = 0;
	if ((b = memmem(data, len, MARK_BEGIN, strlen(MARK_BEGIN))) == NULL)
		return ct_error(CT_ERR_FORMAT, "'%s' is not an OpenSSH private key", what);
	b += strlen(MARK_BEGIN);
	if ((e = memmem(b, len - (size_t)(b - data), MARK_END, strlen(MARK_END))) == NULL)
		return ct_error(CT_ERR_FORMAT, "'%s': OpenSSH private key without its end line",
		    what);
	if (ct_b64_decode((const char *)b, (size_t)(e - b), out, outlen) != 0)
		return ct_error(CT_ERR_FORMAT, "'%s': invalid base64 in OpenSSH private key",
		    what);
	return 0;
}

int
ct_sshkey_parse_private_openssh(const uint8_t *data, size_t len, const char *what,
    EVP_PKEY **out)
{
	const uint8_t *cipher, *kdf, *kdfopt, *pub, *privsec, *ktype, *comment;
	size_t cipherlen, kdflen, kdfoptlen, publen, privlen, ktypelen, commentlen, i;
	struct ct_buf b, priv, mine;
	uint32_t nkeys, check1, check2;
	uint8_t *raw = NULL, pad;
	size_t rawlen = 0;
	EVP_PKEY *pkey = NULL;
	enum ct_key_type t;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	ct_buf_init(&mine, 4096);
	if ((r = dearmor(data, len, what, &raw, &rawlen)) != 0)
		goto out;
	ct_buf_view(&b, raw, rawlen);
	if (rawlen < sizeof(AUTH_MAGIC) || memcmp(raw, AUTH_MAGIC, sizeof(AUTH_MAGIC)) != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': not an openssh-key-v1 private key", what);
		goto out;
	}
	if (ct_buf_skip(&b, sizeof(AUTH_MAGIC)) != 0 ||
	    ct_buf_get_string_direct(&b, &cipher, &cipherlen) != 0 ||
	    ct_buf_get_string_direct(&b, &kdf, &kdflen) != 0 ||
	    ct_buf_get_string_direct(&b, &kdfopt, &kdfoptlen) != 0 ||
	    ct_buf_get_u32(&b, &nkeys) != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': truncated OpenSSH private key", what);
		goto out;
	}
	if (!str_is(cipher, cipherlen, "none") || !str_is(kdf, kdflen, "none")) {
		r = ct_error(CT_ERR_UNSUPPORTED, "'%s' is an encrypted OpenSSH key; decrypt it "
		    "with ssh-keygen -p or use a PEM key", what);
		goto out;
	}
	if (kdfoptlen != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': KDF options in an unencrypted key", what);
		goto out;
	}
	if (nkeys != 1) {
		r = ct_error(CT_ERR_FORMAT, "'%s' holds %u keys; exactly one is supported", what,
		    nkeys);
		goto out;
	}
	if (ct_buf_get_string_direct(&b, &pub, &publen) != 0 ||
	    ct_buf_get_string_direct(&b, &privsec, &privlen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': truncated OpenSSH private key", what);
		goto out;
	}
	if (ct_buf_avail(&b) != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': trailing data after the private key", what);
		goto out;
	}
	if (privlen % BLOCKSIZE != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': private section is not a multiple of %d bytes",
		    what, BLOCKSIZE);
		goto out;
	}

	ct_buf_view(&priv, privsec, privlen);
	if (ct_buf_get_u32(&priv, &check1) != 0 || ct_buf_get_u32(&priv, &check2) != 0 ||
	    ct_buf_get_string_direct(&priv, &ktype, &ktypelen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': truncated private key", what);
		goto out;
	}
	if (check1 != check2) {
		r = ct_error(CT_ERR_FORMAT, "'%s': check numbers differ (corrupt or encrypted "
		    "key)", what);
		goto out;
	}
	if (str_is(ktype, ktypelen, "ssh-ed25519"))
		r = parse_ed25519(&priv, what, &pkey);
	else if (str_is(ktype, ktypelen, "ecdsa-sha2-nistp256"))
		r = parse_ecdsa(&priv, what, &pkey);
	else if (str_is(ktype, ktypelen, "ssh-rsa"))
		r = parse_rsa(&priv, what, &pkey);
	else
		r = ct_error(CT_ERR_UNSUPPORTED, "'%s': unsupported OpenSSH key type (use "
		    "ed25519, ecdsa-p256 or rsa)", what);
	if (r != 0)
		goto out;
	if (ct_buf_get_string_direct(&priv, &comment, &commentlen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': truncated private key", what);
		goto out;
	}
	/* padding: 1, 2, 3, ... and less than one block of it */
	if (ct_buf_avail(&priv) >= BLOCKSIZE) {
		r = ct_error(CT_ERR_FORMAT, "'%s': trailing data in the private section", what);
		goto out;
	}
	for (i = 1; ct_buf_avail(&priv) > 0; i++) {
		if (ct_buf_get_u8(&priv, &pad) != 0 || pad != (uint8_t)i) {
			r = ct_error(CT_ERR_FORMAT, "'%s': invalid padding in private key", what);
			goto out;
		}
	}
	if ((r = ct_key_type_of(pkey, &t)) != 0) {
		r = ct_error(r, "'%s': %s", what, ct_errmsg(r));
		goto out;
	}
	/* the public blob beside the private section must be this key's */
	if ((r = ct_sshkey_put_public(&mine, pkey)) != 0)
		goto out;
	if (mine.len != publen || memcmp(mine.data, pub, publen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s': the public key does not match the private key",
		    what);
		goto out;
	}
	*out = pkey;
	pkey = NULL;
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	ct_buf_release(&mine);
	if (raw != NULL) {
		OPENSSL_cleanse(raw, rawlen);
		free(raw);
	}
	return r;
}
