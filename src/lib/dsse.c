/*
 * dsse.c - DSSE envelopes with Ed25519 (see dsse.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/dsse.h"
#include "lib/evlog.h"
#include "lib/keys.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"

int
ct_ed25519_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *ctx = NULL;
	size_t siglen = 64;
	int r = CT_ERR_INTERNAL;

	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		return ct_error(CT_ERR_UNSUPPORTED, "attestations are signed with Ed25519 keys only");
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) != 1 || siglen != 64) {
		r = ct_error(CT_ERR_CRYPTO, "Ed25519 signing failed");
		goto out;
	}
	r = 0;
 out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int
ct_ed25519_verify(EVP_PKEY *key, const void *msg, size_t len, const uint8_t sig[64])
{
	EVP_MD_CTX *ctx = NULL;
	int r = CT_ERR_INTERNAL, ok;

	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		return ct_error(CT_ERR_UNSUPPORTED, "only Ed25519 keys verify attestations");
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot set up Ed25519 verification");
		goto out;
	}
	ok = EVP_DigestVerify(ctx, sig, 64, msg, len);
	r = ok == 1 ? 0 : ct_error(CT_ERR_VERIFY, "Ed25519 signature does not verify");
 out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int
ct_dsse_pae(const char *type, const uint8_t *body, size_t len, struct ct_buf *out)
{
	int r;

	if ((r = ct_buf_putf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, len)) != 0)
		return r;
	return ct_buf_put(out, body, len);
}

int
ct_dsse_keyid(EVP_PKEY *key, char out[CT_KEYID_LEN + 1])
{
	struct ct_buf b;
	uint8_t h[32];
	unsigned int hl = 0;
	int r;

	out[0] = '\0';
	ct_buf_init(&b, 4096);
	if ((r = ct_sshkey_put_public(&b, key)) != 0)
		goto out;
	if (EVP_Digest(b.data, b.len, h, &hl, EVP_sha256(), NULL) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot hash the public key");
		goto out;
	}
	ct_hex_fmt(h, sizeof(h), out);
	r = 0;
 out:
	ct_buf_release(&b);
	return r;
}

int
ct_dsse_sign(EVP_PKEY *key, const char *type, const uint8_t *payload, size_t len,
    char **out, size_t *outlen)
{
	struct ct_buf pae;
	char keyid[CT_KEYID_LEN + 1], *b64p = NULL, *b64s = NULL, *text = NULL;
	uint8_t sig[64];
	size_t tlen = 0;
	json_t *env = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	ct_buf_init(&pae, CT_DSSE_MAX);
	if ((r = ct_dsse_keyid(key, keyid)) != 0 ||
	    (r = ct_dsse_pae(type, payload, len, &pae)) != 0 ||
	    (r = ct_ed25519_sign(key, pae.data, pae.len, sig)) != 0 ||
	    (r = ct_b64_encode(payload, len, &b64p)) != 0 ||
	    (r = ct_b64_encode(sig, sizeof(sig), &b64s)) != 0)
		goto out;
	if ((env = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payloadType", type, "payload", b64p,
	    "signatures", "keyid", keyid, "sig", b64s)) == NULL) {
		r = ct_error(CT_ERR_INVALID, "cannot encode the envelope (payload type not UTF-8?)");
		goto out;
	}
	if ((r = ct_evlog_canonical(env, &text, &tlen)) != 0)
		goto out;
	/* room for the newline: ct_evlog_canonical's buffer is NUL-terminated */
	{
		char *t = realloc(text, tlen + 2);

		if (t == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		text = t;
		text[tlen++] = '\n';
		text[tlen] = '\0';
	}
	*out = text;
	*outlen = tlen;
	text = NULL;
	r = 0;
 out:
	json_decref(env);
	free(b64p);
	free(b64s);
	free(text);
	ct_buf_release(&pae);
	return r;
}

void
ct_dsse_release(struct ct_dsse *e)
{
	free(e->payload_type);
	free(e->payload);
	memset(e, 0, sizeof(*e));
}

/* Every member of `o` is one of `names` (NULL-terminated) and each of those is present. */
static int
exact_members(json_t *o, const char *const *names, const char *what)
{
	size_t i, n = 0;

	for (i = 0; names[i] != NULL; i++) {
		if (json_object_get(o, names[i]) == NULL)
			return ct_error(CT_ERR_FORMAT, "%s has no '%s'", what, names[i]);
		n++;
	}
	if (json_object_size(o) != n)
		return ct_error(CT_ERR_FORMAT, "%s has members other than %s", what,
		    n == 2 ? "'keyid' and 'sig'" : "'payload', 'payloadType' and 'signatures'");
	return 0;
}

int
ct_dsse_parse(const uint8_t *data, size_t len, struct ct_dsse *out)
{
	static const char *const env_members[] = { "payload", "payloadType", "signatures", NULL };
	static const char *const sig_members[] = { "keyid", "sig", NULL };
	json_error_t jerr;
	json_t *env = NULL, *sigs, *s, *v;
	const char *str;
	uint8_t *bytes = NULL;
	char *canon = NULL;
	size_t i, n, clen = 0;
	int r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (len > CT_DSSE_MAX)
		return ct_error(CT_ERR_LIMIT, "envelope is larger than %d bytes", CT_DSSE_MAX);
	if (len < 2 || data[len - 1] != '\n')
		return ct_error(CT_ERR_FORMAT, "envelope is not one JSON line ending in a newline");
	if ((env = json_loadb((const char *)data, len - 1, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		r = ct_error(CT_ERR_FORMAT, "envelope is not JSON: %s at offset %d", jerr.text,
		    jerr.position);
		goto out;
	}
	if (!json_is_object(env)) {
		r = ct_error(CT_ERR_FORMAT, "envelope is not a JSON object");
		goto out;
	}
	if ((r = exact_members(env, env_members, "envelope")) != 0)
		goto out;
	/* one encoding only: the bytes must be exactly what ct_dsse_sign writes */
	if ((r = ct_evlog_canonical(env, &canon, &clen)) != 0)
		goto out;
	if (clen != len - 1 || memcmp(canon, data, clen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "envelope is not in canonical form (compact, sorted "
		    "keys, one line)");
		goto out;
	}
	if ((str = json_string_value(json_object_get(env, "payloadType"))) == NULL ||
	    *str == '\0') {
		r = ct_error(CT_ERR_FORMAT, "envelope payloadType is not a non-empty string");
		goto out;
	}
	if ((out->payload_type = strdup(str)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	v = json_object_get(env, "payload");
	if (!json_is_string(v) || ct_b64_decode(json_string_value(v), json_string_length(v),
	    &out->payload, &out->payload_len) != 0) {
		r = ct_error(CT_ERR_FORMAT, "envelope payload is not base64");
		goto out;
	}
	sigs = json_object_get(env, "signatures");
	if (!json_is_array(sigs) || json_array_size(sigs) == 0 ||
	    json_array_size(sigs) > CT_DSSE_MAX_SIGS) {
		r = ct_error(CT_ERR_FORMAT, "envelope signatures must be an array of 1-%d",
		    CT_DSSE_MAX_SIGS);
		goto out;
	}
	json_array_foreach(sigs, i, s) {
		struct ct_dsse_sig *ds = &out->sigs[i];

		if (!json_is_object(s) || (r = exact_members(s, sig_members, "signature")) != 0) {
			r = ct_error(CT_ERR_FORMAT, "envelope signature %zu is not {keyid, sig}", i);
			goto out;
		}
		v = json_object_get(s, "keyid");
		if (!json_is_string(v) || json_string_length(v) > CT_KEYID_LEN) {
			r = ct_error(CT_ERR_FORMAT, "envelope signature %zu has a bad keyid", i);
			goto out;
		}
		memcpy(ds->keyid, json_string_value(v), json_string_length(v));
		ds->keyid[json_string_length(v)] = '\0';
		v = json_object_get(s, "sig");
		if (!json_is_string(v) || ct_b64_decode(json_string_value(v),
		    json_string_length(v), &bytes, &n) != 0 || n != 64) {
			r = ct_error(CT_ERR_FORMAT, "envelope signature %zu is not a base64 "
			    "Ed25519 signature", i);
			goto out;
		}
		memcpy(ds->sig, bytes, 64);
		free(bytes);
		bytes = NULL;
		out->nsigs++;
	}
	r = 0;
 out:
	free(bytes);
	free(canon);
	json_decref(env);
	if (r != 0)
		ct_dsse_release(out);
	return r;
}

int
ct_dsse_verify(const struct ct_dsse *e, EVP_PKEY *const *keys, size_t nkeys, size_t *which)
{
	struct ct_buf pae;
	char kid[CT_KEYID_LEN + 1];
	size_t i, k;
	int r = CT_ERR_INTERNAL, matched = 0;

	if (which != NULL)
		*which = 0;
	ct_buf_init(&pae, CT_DSSE_MAX + 256);
	if ((r = ct_dsse_pae(e->payload_type, e->payload, e->payload_len, &pae)) != 0)
		goto out;
	for (k = 0; k < nkeys; k++) {
		if ((r = ct_dsse_keyid(keys[k], kid)) != 0)
			goto out;
		for (i = 0; i < e->nsigs; i++) {
			if (strcmp(e->sigs[i].keyid, kid) != 0)
				continue;
			matched = 1;
			if ((r = ct_ed25519_verify(keys[k], pae.data, pae.len, e->sigs[i].sig)) != 0) {
				r = ct_error(CT_ERR_VERIFY, "envelope signature by key %.16s... does "
				    "not verify", kid);
				goto out;
			}
			if (which != NULL)
				*which = k;
			r = 0;
			goto out;
		}
	}
	r = ct_error(CT_ERR_VERIFY, matched ? "no envelope signature verifies" :
	    "envelope is not signed by a trusted key (keyid %.16s...)", e->sigs[0].keyid);
 out:
	ct_buf_release(&pae);
	return r;
}
