/*
 * sshkey.c - SSH public key encodings (RFC 4253 section 6.6, RFC 5656, RFC 8709) and
 * fingerprints, as OpenSSH writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "lib/keys.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"

const char *
ct_sshkey_type_name(EVP_PKEY *pkey)
{
	enum ct_key_type t;

	if (ct_key_type_of(pkey, &t) != 0)
		return NULL;
	switch (t) {
	case CT_KEY_ED25519: return "ssh-ed25519";
	case CT_KEY_ECDSA_P256: return "ecdsa-sha2-nistp256";
	case CT_KEY_RSA: return "ssh-rsa";
	}
	return NULL;
}

static int
put_bn_param(struct ct_buf *b, EVP_PKEY *pkey, const char *param)
{
	uint8_t tmp[1024];
	BIGNUM *bn = NULL;
	int n, r;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot read RSA key");
	n = BN_num_bytes(bn);
	if (n > (int)sizeof(tmp)) {
		BN_free(bn);
		return ct_error(CT_ERR_UNSUPPORTED, "RSA key too large");
	}
	BN_bn2bin(bn, tmp);
	BN_free(bn);
	r = ct_buf_put_bignum2_bytes(b, tmp, (size_t)n);
	return r;
}

int
ct_sshkey_put_public(struct ct_buf *b, EVP_PKEY *pkey)
{
	enum ct_key_type t;
	uint8_t pub[133];
	size_t len = sizeof(pub);
	int r;

	if ((r = ct_key_type_of(pkey, &t)) != 0)
		return r;
	switch (t) {
	case CT_KEY_ED25519:
		if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 || len != 32)
			return ct_error(CT_ERR_CRYPTO, "cannot read Ed25519 public key");
		if ((r = ct_buf_put_cstring(b, "ssh-ed25519")) != 0)
			return r;
		return ct_buf_put_string(b, pub, len);
	case CT_KEY_ECDSA_P256:
		if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		    pub, sizeof(pub), &len) != 1 || len != 65 || pub[0] != 0x04)
			return ct_error(CT_ERR_CRYPTO, "cannot read ECDSA public key");
		if ((r = ct_buf_put_cstring(b, "ecdsa-sha2-nistp256")) != 0 ||
		    (r = ct_buf_put_cstring(b, "nistp256")) != 0)
			return r;
		return ct_buf_put_string(b, pub, len);
	case CT_KEY_RSA:
		if ((r = ct_buf_put_cstring(b, "ssh-rsa")) != 0 ||
		    (r = put_bn_param(b, pkey, OSSL_PKEY_PARAM_RSA_E)) != 0)
			return r;
		return put_bn_param(b, pkey, OSSL_PKEY_PARAM_RSA_N);
	}
	return ct_error(CT_ERR_INTERNAL, "unreachable key type");
}

static int
pkey_fromdata(const char *alg, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	int r = 0;

	*out = NULL;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		r = ct_error(CT_ERR_FORMAT, "invalid %s public key", alg);
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* An SSH mpint that must be positive and minimal. */
static int
get_mpint(struct ct_buf *b, BIGNUM **out)
{
	const uint8_t *p;
	size_t n;
	int r;

	*out = NULL;
	if ((r = ct_buf_get_string_direct(b, &p, &n)) != 0)
		return r;
	if (n == 0 || (p[0] & 0x80) != 0 || (n > 1 && p[0] == 0 && (p[1] & 0x80) == 0) ||
	    n > 2049)
		return ct_error(CT_ERR_FORMAT, "invalid mpint in key");
	if ((*out = BN_bin2bn(p, (int)n, NULL)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

int
ct_sshkey_from_blob(const uint8_t *blob, size_t len, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *e = NULL, *n = NULL;
	const uint8_t *p, *q;
	size_t plen, qlen;
	enum ct_key_type t;
	struct ct_buf b;
	int r;

	*out = NULL;
	ct_buf_view(&b, blob, len);
	if ((r = ct_buf_get_string_direct(&b, &p, &plen)) != 0)
		return ct_error(CT_ERR_FORMAT, "truncated SSH public key");
	if (plen == 11 && memcmp(p, "ssh-ed25519", 11) == 0) {
		if ((r = ct_buf_get_string_direct(&b, &q, &qlen)) != 0 || qlen != 32)
			return ct_error(CT_ERR_FORMAT, "invalid ssh-ed25519 public key");
		if ((*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, q, 32)) == NULL)
			return ct_error(CT_ERR_CRYPTO, "invalid ssh-ed25519 public key");
	} else if (plen == 19 && memcmp(p, "ecdsa-sha2-nistp256", 19) == 0) {
		if ((r = ct_buf_get_string_direct(&b, &p, &plen)) != 0 || plen != 8 ||
		    memcmp(p, "nistp256", 8) != 0 ||
		    (r = ct_buf_get_string_direct(&b, &q, &qlen)) != 0 || qlen != 65 ||
		    q[0] != 0x04)
			return ct_error(CT_ERR_FORMAT, "invalid ecdsa-sha2-nistp256 public key");
		if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
		    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
		    "prime256v1", 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, qlen)) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((r = pkey_fromdata("EC", bld, out)) != 0)
			goto out;
	} else if (plen == 7 && memcmp(p, "ssh-rsa", 7) == 0) {
		if ((r = get_mpint(&b, &e)) != 0 || (r = get_mpint(&b, &n)) != 0)
			goto out;
		if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((r = pkey_fromdata("RSA", bld, out)) != 0)
			goto out;
	} else {
		return ct_error(CT_ERR_UNSUPPORTED, "unsupported SSH key type '%.*s'",
		    (int)(plen > 40 ? 40 : plen), (const char *)p);
	}
	if (ct_buf_avail(&b) != 0) {
		r = ct_error(CT_ERR_FORMAT, "trailing data after SSH public key");
		goto out;
	}
	r = ct_key_type_of(*out, &t);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	if (r != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	return r;
}

int
ct_sshkey_public_line(EVP_PKEY *pkey, const char *comment, char **out)
{
	struct ct_buf b, line;
	char *b64 = NULL;
	int r;

	*out = NULL;
	ct_buf_init(&b, 4096);
	ct_buf_init(&line, 8192);
	if ((r = ct_sshkey_put_public(&b, pkey)) != 0 ||
	    (r = ct_b64_encode(b.data, b.len, &b64)) != 0)
		goto out;
	if ((r = ct_buf_putf(&line, "%s %s%s%s\n", ct_sshkey_type_name(pkey), b64,
	    comment != NULL && *comment != '\0' ? " " : "",
	    comment != NULL ? comment : "")) != 0 || (r = ct_buf_nul(&line)) != 0)
		goto out;
	*out = (char *)line.data;
	line.data = NULL;
 out:
	free(b64);
	ct_buf_release(&b);
	ct_buf_release(&line);
	return r;
}

int
ct_sshkey_parse_public_line(const char *line, size_t len, EVP_PKEY **out)
{
	const char *sp1, *end, *tend;
	uint8_t *blob = NULL;
	size_t bloblen = 0, tlen;
	struct ct_buf b;
	const uint8_t *p;
	size_t plen;
	int r;

	*out = NULL;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	end = line + len;
	if ((sp1 = memchr(line, ' ', len)) == NULL)
		return ct_error(CT_ERR_FORMAT, "not an OpenSSH public key line");
	tlen = (size_t)(sp1 - line);
	while (sp1 < end && *sp1 == ' ')
		sp1++;
	for (tend = sp1; tend < end && *tend != ' ' && *tend != '\t'; tend++)
		;
	if ((r = ct_b64_decode(sp1, (size_t)(tend - sp1), &blob, &bloblen)) != 0)
		return ct_error(CT_ERR_FORMAT, "invalid base64 in OpenSSH public key");
	/* the type word must match the blob's own type */
	ct_buf_view(&b, blob, bloblen);
	if ((r = ct_buf_get_string_direct(&b, &p, &plen)) != 0 || plen != tlen ||
	    memcmp(p, line, tlen) != 0) {
		free(blob);
		if (tlen > 28 && memcmp(line + tlen - 28, "-cert-v01@openssh.com", 21) == 0)
			return ct_error(CT_ERR_FORMAT, "this is an SSH certificate, not a key");
		return ct_error(CT_ERR_FORMAT, "key type '%.*s' does not match the key data",
		    (int)(tlen > 40 ? 40 : tlen), line);
	}
	r = ct_sshkey_from_blob(blob, bloblen, out);
	free(blob);
	return r;
}

int
ct_sshkey_fingerprint_blob(const uint8_t *blob, size_t len, char out[64])
{
	unsigned char md[32];
	char *b64 = NULL;
	size_t n;
	int r;

	if (EVP_Digest(blob, len, md, NULL, EVP_sha256(), NULL) != 1)
		return ct_error(CT_ERR_CRYPTO, "hashing key");
	if ((r = ct_b64_encode(md, sizeof(md), &b64)) != 0)
		return r;
	n = strlen(b64);
	while (n > 0 && b64[n - 1] == '=')
		b64[--n] = '\0';
	snprintf(out, 64, "SHA256:%s", b64);
	free(b64);
	return 0;
}

int
ct_sshkey_fingerprint(EVP_PKEY *pkey, char out[64])
{
	struct ct_buf b;
	int r;

	ct_buf_init(&b, 4096);
	if ((r = ct_sshkey_put_public(&b, pkey)) == 0)
		r = ct_sshkey_fingerprint_blob(b.data, b.len, out);
	ct_buf_release(&b);
	return r;
}
