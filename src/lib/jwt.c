/*
 * jwt.c - compact JWS sign/verify, JWKs and thumbprints (see jwt.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "lib/jwt.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define ES256_HALF 32

const char *
ct_jwt_alg_name(enum ct_jwt_alg alg)
{
	switch (alg) {
	case CT_JWT_EDDSA: return "EdDSA";
	case CT_JWT_ES256: return "ES256";
	case CT_JWT_RS256: return "RS256";
	}
	return "unknown";
}

int
ct_jwt_alg_for_key(EVP_PKEY *pkey, enum ct_jwt_alg *out)
{
	enum ct_key_type t;
	int r;

	if ((r = ct_key_type_of(pkey, &t)) != 0)
		return r;
	switch (t) {
	case CT_KEY_ED25519:
		*out = CT_JWT_EDDSA;
		return 0;
	case CT_KEY_ECDSA_P256:
		*out = CT_JWT_ES256;
		return 0;
	case CT_KEY_RSA:
		*out = CT_JWT_RS256;
		return 0;
	}
	return ct_error(CT_ERR_UNSUPPORTED, "no JWS algorithm for this key");
}

/* base64url of a BIGNUM parameter: minimal big-endian bytes, or exactly `pad` bytes. */
static int
bn_param_b64url(EVP_PKEY *pkey, const char *name, int pad, char **out)
{
	BIGNUM *bn = NULL;
	uint8_t buf[1024];
	int len, r = CT_ERR_INTERNAL;

	*out = NULL;
	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot read key parameter '%s'", name);
	len = pad > 0 ? pad : BN_num_bytes(bn);
	if (len <= 0 || (size_t)len > sizeof(buf) || BN_bn2binpad(bn, buf, len) != len) {
		r = ct_error(CT_ERR_CRYPTO, "key parameter '%s' out of range", name);
		goto out;
	}
	r = ct_b64url_encode(buf, (size_t)len, out);
 out:
	BN_free(bn);
	return r;
}

/*
 * The members a JWK of this key must have, in RFC 7638's lexicographic order: names[i] and
 * values[i] (malloc'd), *count of them.  Every value is base64url or a fixed name, so the
 * canonical JSON needs no escaping.
 */
struct jwk_members {
	const char *names[4];
	char *values[4];
	int count;
};

static void
jwk_members_release(struct jwk_members *m)
{
	int i;

	for (i = 0; i < m->count; i++)
		free(m->values[i]);
	memset(m, 0, sizeof(*m));
}

static int
jwk_add(struct jwk_members *m, const char *name, const char *value)
{
	if ((m->values[m->count] = strdup(value)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	m->names[m->count++] = name;
	return 0;
}

/* Append a base64url value that ct_b64url_encode made (taken over: never fails). */
static void
jwk_take(struct jwk_members *m, const char *name, char *value)
{
	m->values[m->count] = value;
	m->names[m->count++] = name;
}

static int
jwk_members(EVP_PKEY *pkey, struct jwk_members *m)
{
	enum ct_jwt_alg alg;
	uint8_t raw[32];
	size_t rawlen = sizeof(raw);
	char *v = NULL;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = ct_jwt_alg_for_key(pkey, &alg)) != 0)
		return r;
	switch (alg) {
	case CT_JWT_EDDSA:
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1 || rawlen != 32)
			return ct_error(CT_ERR_CRYPTO, "cannot read Ed25519 public key");
		if ((r = jwk_add(m, "crv", "Ed25519")) != 0 ||
		    (r = jwk_add(m, "kty", "OKP")) != 0 ||
		    (r = ct_b64url_encode(raw, rawlen, &v)) != 0)
			break;
		jwk_take(m, "x", v);
		break;
	case CT_JWT_ES256:
		if ((r = jwk_add(m, "crv", "P-256")) != 0 ||
		    (r = jwk_add(m, "kty", "EC")) != 0 ||
		    (r = bn_param_b64url(pkey, OSSL_PKEY_PARAM_EC_PUB_X, ES256_HALF, &v)) != 0)
			break;
		jwk_take(m, "x", v);
		if ((r = bn_param_b64url(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, ES256_HALF, &v)) != 0)
			break;
		jwk_take(m, "y", v);
		break;
	case CT_JWT_RS256:
		if ((r = bn_param_b64url(pkey, OSSL_PKEY_PARAM_RSA_E, 0, &v)) != 0)
			break;
		jwk_take(m, "e", v);
		if ((r = jwk_add(m, "kty", "RSA")) != 0 ||
		    (r = bn_param_b64url(pkey, OSSL_PKEY_PARAM_RSA_N, 0, &v)) != 0)
			break;
		jwk_take(m, "n", v);
		break;
	}
	if (r != 0)
		jwk_members_release(m);
	return r;
}

static int
thumbprint_of(const struct jwk_members *m, char **out)
{
	struct ct_buf b;
	uint8_t md[32];
	unsigned int mdlen = 0;
	int i, r;

	*out = NULL;
	ct_buf_init(&b, 8192);
	r = ct_buf_put_u8(&b, '{');
	for (i = 0; r == 0 && i < m->count; i++)
		r = ct_buf_putf(&b, "%s\"%s\":\"%s\"", i > 0 ? "," : "", m->names[i],
		    m->values[i]);
	if (r == 0)
		r = ct_buf_put_u8(&b, '}');
	if (r == 0 && EVP_Digest(ct_buf_ptr(&b), ct_buf_avail(&b), md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		r = ct_error(CT_ERR_CRYPTO, "cannot hash JWK");
	if (r == 0)
		r = ct_b64url_encode(md, sizeof(md), out);
	ct_buf_release(&b);
	return r;
}

int
ct_jwk_thumbprint(EVP_PKEY *pkey, char **out)
{
	struct jwk_members m;
	int r;

	*out = NULL;
	if ((r = jwk_members(pkey, &m)) != 0)
		return r;
	r = thumbprint_of(&m, out);
	jwk_members_release(&m);
	return r;
}

int
ct_jwk_public(EVP_PKEY *pkey, json_t **out)
{
	struct jwk_members m;
	enum ct_jwt_alg alg;
	char *kid = NULL;
	json_t *o = NULL;
	int i, r;

	*out = NULL;
	if ((r = ct_jwt_alg_for_key(pkey, &alg)) != 0 || (r = jwk_members(pkey, &m)) != 0)
		return r;
	if ((r = thumbprint_of(&m, &kid)) != 0)
		goto out;
	/* kty first, as people read JWKs; then the key members, then kid/use/alg */
	if ((o = json_object()) == NULL)
		goto nomem;
	for (i = 0; i < m.count; i++)
		if (strcmp(m.names[i], "kty") == 0 &&
		    json_object_set_new(o, "kty", json_string(m.values[i])) != 0)
			goto nomem;
	for (i = 0; i < m.count; i++)
		if (strcmp(m.names[i], "kty") != 0 &&
		    json_object_set_new(o, m.names[i], json_string(m.values[i])) != 0)
			goto nomem;
	if (json_object_set_new(o, "kid", json_string(kid)) != 0 ||
	    json_object_set_new(o, "use", json_string("sig")) != 0 ||
	    json_object_set_new(o, "alg", json_string(ct_jwt_alg_name(alg))) != 0)
		goto nomem;
	*out = o;
	o = NULL;
	r = 0;
	goto out;
 nomem:
	r = ct_error(CT_ERR_NOMEM, "out of memory");
 out:
	json_decref(o);
	free(kid);
	jwk_members_release(&m);
	return r;
}

int
ct_jwt_jti_new(char **out)
{
	uint8_t b[16];

	*out = NULL;
	if (RAND_bytes(b, sizeof(b)) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot get random bytes");
	return ct_b64url_encode(b, sizeof(b), out);
}

/* base64url(JSON) of a JSON value, compact, in insertion order. */
static int
json_b64url(const json_t *v, char **out)
{
	char *s;
	int r;

	*out = NULL;
	if ((s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		return ct_error(CT_ERR_NOMEM, "cannot encode JSON");
	r = ct_b64url_encode((const uint8_t *)s, strlen(s), out);
	free(s);
	return r;
}

/* Raw signature bytes over `data`: Ed25519 64 bytes, ES256 r||s, RS256 PKCS#1 v1.5. */
static int
sign_raw(EVP_PKEY *pkey, enum ct_jwt_alg alg, const uint8_t *data, size_t len, uint8_t **out,
    size_t *outlen)
{
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *esig = NULL;
	const BIGNUM *br, *bs;
	const unsigned char *p;
	uint8_t *sig = NULL, *raw = NULL;
	size_t siglen = 0;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (EVP_DigestSignInit(ctx, NULL, alg == CT_JWT_EDDSA ? NULL : EVP_sha256(), NULL,
	    pkey) != 1 || EVP_DigestSign(ctx, NULL, &siglen, data, len) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot sign token");
		goto out;
	}
	if ((sig = malloc(siglen)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestSign(ctx, sig, &siglen, data, len) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot sign token");
		goto out;
	}
	if (alg == CT_JWT_ES256) {
		/* libcrypto gives DER ECDSA-Sig-Value; JWS wants the two integers side by side */
		p = sig;
		if ((esig = d2i_ECDSA_SIG(NULL, &p, (long)siglen)) == NULL) {
			r = ct_error(CT_ERR_CRYPTO, "cannot decode ECDSA signature");
			goto out;
		}
		ECDSA_SIG_get0(esig, &br, &bs);
		if ((raw = malloc(2 * ES256_HALF)) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (BN_bn2binpad(br, raw, ES256_HALF) != ES256_HALF ||
		    BN_bn2binpad(bs, raw + ES256_HALF, ES256_HALF) != ES256_HALF) {
			r = ct_error(CT_ERR_CRYPTO, "ECDSA signature out of range");
			goto out;
		}
		free(sig);
		sig = raw;
		raw = NULL;
		siglen = 2 * ES256_HALF;
	}
	*out = sig;
	*outlen = siglen;
	sig = NULL;
	r = 0;
 out:
	free(sig);
	free(raw);
	ECDSA_SIG_free(esig);
	EVP_MD_CTX_free(ctx);
	return r;
}

int
ct_jwt_sign(EVP_PKEY *pkey, const char *kid, const json_t *claims, char **out)
{
	enum ct_jwt_alg alg;
	json_t *hdr = NULL;
	char *h64 = NULL, *c64 = NULL, *s64 = NULL;
	uint8_t *sig = NULL;
	size_t siglen = 0;
	struct ct_buf b;
	int r;

	*out = NULL;
	ct_buf_init(&b, CT_JWT_MAX_LEN);
	if (!json_is_object(claims))
		return ct_error(CT_ERR_INTERNAL, "JWT claims must be a JSON object");
	if ((r = ct_jwt_alg_for_key(pkey, &alg)) != 0)
		return r;
	if ((hdr = json_pack("{s:s, s:s}", "alg", ct_jwt_alg_name(alg), "typ", "JWT")) == NULL ||
	    (kid != NULL && json_object_set_new(hdr, "kid", json_string(kid)) != 0)) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = json_b64url(hdr, &h64)) != 0 || (r = json_b64url(claims, &c64)) != 0)
		goto out;
	if ((r = ct_buf_putf(&b, "%s.%s", h64, c64)) != 0) {
		r = ct_error(r, "token larger than %u bytes", CT_JWT_MAX_LEN);
		goto out;
	}
	if ((r = sign_raw(pkey, alg, ct_buf_ptr(&b), ct_buf_avail(&b), &sig, &siglen)) != 0 ||
	    (r = ct_b64url_encode(sig, siglen, &s64)) != 0)
		goto out;
	if ((r = ct_buf_putf(&b, ".%s", s64)) != 0 || (r = ct_buf_nul(&b)) != 0) {
		r = ct_error(r, "token larger than %u bytes", CT_JWT_MAX_LEN);
		goto out;
	}
	if ((*out = strdup((const char *)ct_buf_ptr(&b))) == NULL)
		r = ct_error(CT_ERR_NOMEM, "out of memory");
 out:
	json_decref(hdr);
	free(h64);
	free(c64);
	free(s64);
	free(sig);
	ct_buf_release(&b);
	return r;
}

/* ---- parsing and verification ---- */

struct jws_parts {
	json_t *header;
	json_t *claims;
	uint8_t *sig;
	size_t siglen;
	size_t signed_len;	/* bytes of "header.claims", the signing input */
};

static void
jws_parts_release(struct jws_parts *p)
{
	json_decref(p->header);
	json_decref(p->claims);
	free(p->sig);
	memset(p, 0, sizeof(*p));
}

/* base64url without padding (JWS, RFC 7515 section 2), then a JSON object. */
static int
decode_json_part(const char *s, size_t n, const char *what, json_t **out)
{
	uint8_t *d = NULL;
	size_t dlen = 0;
	json_error_t jerr;
	json_t *v;

	*out = NULL;
	if (n == 0)
		return ct_error(CT_ERR_FORMAT, "JWT %s is empty", what);
	if (memchr(s, '=', n) != NULL || ct_b64url_decode(s, n, &d, &dlen) != 0)
		return ct_error(CT_ERR_FORMAT, "JWT %s is not base64url", what);
	v = json_loadb((const char *)d, dlen, JSON_REJECT_DUPLICATES, &jerr);
	free(d);
	if (v == NULL)
		return ct_error(CT_ERR_FORMAT, "JWT %s is not JSON: %s", what, jerr.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return ct_error(CT_ERR_FORMAT, "JWT %s is not a JSON object", what);
	}
	*out = v;
	return 0;
}

static int
jws_split(const char *tok, size_t n, struct jws_parts *out)
{
	const char *d1, *d2;
	const char *alg;
	int r;

	memset(out, 0, sizeof(*out));
	if (n > CT_JWT_MAX_LEN)
		return ct_error(CT_ERR_LIMIT, "JWT is longer than %u bytes", CT_JWT_MAX_LEN);
	if ((d1 = memchr(tok, '.', n)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok))) == NULL ||
	    memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - tok)) != NULL)
		return ct_error(CT_ERR_FORMAT, "not a JWT: it must have exactly three "
		    "dot-separated parts");
	if ((r = decode_json_part(tok, (size_t)(d1 - tok), "header", &out->header)) != 0)
		goto fail;
	alg = json_string_value(json_object_get(out->header, "alg"));
	if (alg == NULL) {
		r = ct_error(CT_ERR_FORMAT, "JWT header has no \"alg\"");
		goto fail;
	}
	if ((r = decode_json_part(d1 + 1, (size_t)(d2 - d1 - 1), "payload", &out->claims)) != 0)
		goto fail;
	if (memchr(d2 + 1, '=', n - (size_t)(d2 + 1 - tok)) != NULL ||
	    ct_b64url_decode(d2 + 1, n - (size_t)(d2 + 1 - tok), &out->sig, &out->siglen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "JWT signature is not base64url");
		goto fail;
	}
	out->signed_len = (size_t)(d2 - tok);
	return 0;
 fail:
	jws_parts_release(out);
	return r;
}

int
ct_jwt_decode(const char *tok, size_t n, json_t **header, json_t **claims)
{
	struct jws_parts p;
	int r;

	*header = NULL;
	*claims = NULL;
	if ((r = jws_split(tok, n, &p)) != 0)
		return r;
	*header = p.header;
	*claims = p.claims;
	p.header = p.claims = NULL;
	jws_parts_release(&p);
	return 0;
}

static int
verify_raw(EVP_PKEY *pkey, enum ct_jwt_alg alg, const uint8_t *data, size_t len,
    const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *esig = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	uint8_t *der = NULL;
	int derlen, r = CT_ERR_INTERNAL;

	if (alg == CT_JWT_ES256) {
		if (siglen != 2 * ES256_HALF)
			return ct_error(CT_ERR_VERIFY, "ES256 signature is %zu bytes, not 64",
			    siglen);
		if ((esig = ECDSA_SIG_new()) == NULL ||
		    (br = BN_bin2bn(sig, ES256_HALF, NULL)) == NULL ||
		    (bs = BN_bin2bn(sig + ES256_HALF, ES256_HALF, NULL)) == NULL ||
		    ECDSA_SIG_set0(esig, br, bs) != 1) {
			BN_free(br);
			BN_free(bs);
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((derlen = i2d_ECDSA_SIG(esig, &der)) <= 0) {
			r = ct_error(CT_ERR_CRYPTO, "cannot encode ECDSA signature");
			goto out;
		}
		sig = der;
		siglen = (size_t)derlen;
	} else if (alg == CT_JWT_EDDSA && siglen != 64) {
		return ct_error(CT_ERR_VERIFY, "EdDSA signature is %zu bytes, not 64", siglen);
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, alg == CT_JWT_EDDSA ? NULL : EVP_sha256(), NULL,
	    pkey) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot verify token");
		goto out;
	}
	if (EVP_DigestVerify(ctx, sig, siglen, data, len) != 1) {
		ERR_clear_error();
		r = ct_error(CT_ERR_VERIFY, "JWT signature does not verify");
		goto out;
	}
	r = 0;
 out:
	OPENSSL_free(der);
	ECDSA_SIG_free(esig);
	EVP_MD_CTX_free(ctx);
	return r;
}

int
ct_jwt_verify(const char *tok, size_t n, EVP_PKEY *pkey, json_t **header, json_t **claims)
{
	struct jws_parts p;
	enum ct_jwt_alg alg;
	const char *halg;
	int r;

	if (header != NULL)
		*header = NULL;
	if (claims != NULL)
		*claims = NULL;
	if ((r = ct_jwt_alg_for_key(pkey, &alg)) != 0)
		return r;
	if ((r = jws_split(tok, n, &p)) != 0)
		return r;
	halg = json_string_value(json_object_get(p.header, "alg"));
	if (strcmp(halg, "none") == 0) {
		r = ct_error(CT_ERR_VERIFY, "unsigned JWT (alg \"none\") refused");
		goto out;
	}
	if (strcmp(halg, ct_jwt_alg_name(alg)) != 0) {
		r = ct_error(CT_ERR_VERIFY, "JWT alg '%.32s' does not match the %s key",
		    halg, ct_jwt_alg_name(alg));
		goto out;
	}
	if (json_object_get(p.header, "crit") != NULL) {
		r = ct_error(CT_ERR_UNSUPPORTED, "JWT header has \"crit\" extensions");
		goto out;
	}
	if ((r = verify_raw(pkey, alg, (const uint8_t *)tok, p.signed_len, p.sig,
	    p.siglen)) != 0)
		goto out;
	if (header != NULL) {
		*header = p.header;
		p.header = NULL;
	}
	if (claims != NULL) {
		*claims = p.claims;
		p.claims = NULL;
	}
 out:
	jws_parts_release(&p);
	return r;
}

/* ---- inspect ---- */

static json_t *
time_claim(json_t *claims, const char *name)
{
	json_t *v = json_object_get(claims, name);
	char ts[40];
	double d;

	if (!json_is_number(v))
		return json_null();
	d = json_number_value(v);
	/* years 1970..9999 only: anything else is not a time we can print */
	if (!(d >= 0 && d < 253402300800.0))
		return json_null();
	ct_time_fmt((int64_t)d * 1000000, 0, ts, sizeof(ts));
	return json_string(ts);
}

static json_t *
string_claim(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	return json_is_string(v) ? json_incref(v) : json_null();
}

static int
inspect(const char *s, size_t n, EVP_PKEY *pkey, json_t **out)
{
	char task[CT_TASK_ID_MAX + 1];
	json_t *hdr = NULL, *cl = NULL, *o = NULL, *aud, *tv;
	const char *sub, *tid;
	int r;

	*out = NULL;
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		n--;
	/* a quick no before any decoding: a JWS starts with base64url of '{' ("ey") */
	if (n < 5 || s[0] != 'e' || s[1] != 'y')
		return ct_error(CT_ERR_FORMAT, "not a JWT");
	if (pkey != NULL)
		r = ct_jwt_verify(s, n, pkey, &hdr, &cl);
	else
		r = ct_jwt_decode(s, n, &hdr, &cl);
	if (r != 0)
		return r;
	aud = json_object_get(cl, "aud");
	sub = json_string_value(json_object_get(cl, "sub"));
	tid = json_string_value(json_object_get(cl, "ironclaw_task_id"));
	if (tid != NULL && ct_task_id_check(tid) == 0)
		tv = json_string(tid);
	else if (sub != NULL && ct_task_from_principal(sub, strlen(sub), task, sizeof(task)) == 0)
		tv = json_string(task);
	else
		tv = json_null();
	ct_error_clear();
	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:O?, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
	    "kind", "jwt",
	    "alg", string_claim(hdr, "alg"),
	    "kid", string_claim(hdr, "kid"),
	    "issuer", string_claim(cl, "iss"),
	    "subject", string_claim(cl, "sub"),
	    "audience", json_is_string(aud) || json_is_array(aud) ? aud : NULL,
	    "jti", string_claim(cl, "jti"),
	    "valid_after", time_claim(cl, "nbf"),
	    "valid_before", time_claim(cl, "exp"),
	    "issued", time_claim(cl, "iat"),
	    "task", tv,
	    "class", string_claim(cl, "ironclaw_task_class"),
	    "principal", string_claim(cl, "sub"),
	    "signature", pkey != NULL ? "verified" : "not verified");
	if (o == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
	r = 0;
 out:
	json_decref(hdr);
	json_decref(cl);
	return r;
}

int
ct_inspect_jwt(const char *s, size_t n, json_t **out)
{
	return inspect(s, n, NULL, out);
}

int
ct_inspect_jwt_key(const char *s, size_t n, EVP_PKEY *pkey, json_t **out)
{
	return inspect(s, n, pkey, out);
}
