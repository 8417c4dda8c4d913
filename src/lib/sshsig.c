/*
 * sshsig.c - OpenSSH SSHSIG detached signatures and allowed-signers files (see sshsig.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/keys.h"
#include "lib/sshsig.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"

#define MAGIC "SSHSIG"
#define MAGIC_LEN 6
#define SIG_VERSION 1
#define BEGIN "-----BEGIN SSH SIGNATURE-----\n"
#define END "-----END SSH SIGNATURE-----"
#define WRAP 70

/* The data actually signed: the preamble, namespace, reserved, hash name and digest. */
static int
signed_data(const char *ns, const char *hashalg, const uint8_t *msg, size_t len,
    struct ct_buf *out)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	const EVP_MD *md = strcmp(hashalg, "sha512") == 0 ? EVP_sha512() : EVP_sha256();
	int r;

	if (EVP_Digest(msg, len, h, &hl, md, NULL) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot hash the message");
	if ((r = ct_buf_put(out, MAGIC, MAGIC_LEN)) != 0 ||
	    (r = ct_buf_put_cstring(out, ns)) != 0 ||
	    (r = ct_buf_put_string(out, NULL, 0)) != 0 ||
	    (r = ct_buf_put_cstring(out, hashalg)) != 0 ||
	    (r = ct_buf_put_string(out, h, hl)) != 0)
		return r;
	return 0;
}

int
ct_sshsig_sign(EVP_PKEY *key, const char *ns, const uint8_t *msg, size_t len, char **out,
    size_t *outlen)
{
	struct ct_buf data, sig, pub, blob, arm;
	char *b64 = NULL;
	size_t i, n;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	ct_buf_init(&data, 4096);
	ct_buf_init(&sig, 4096);
	ct_buf_init(&pub, 4096);
	ct_buf_init(&blob, 16384);
	ct_buf_init(&arm, CT_SSHSIG_MAX);
	if (ns == NULL || *ns == '\0') {
		r = ct_error(CT_ERR_INVALID, "an SSH signature needs a namespace");
		goto out;
	}
	if ((r = signed_data(ns, "sha512", msg, len, &data)) != 0 ||
	    (r = ct_sshkey_sign(key, data.data, data.len, &sig)) != 0 ||
	    (r = ct_sshkey_put_public(&pub, key)) != 0)
		goto out;
	if ((r = ct_buf_put(&blob, MAGIC, MAGIC_LEN)) != 0 ||
	    (r = ct_buf_put_u32(&blob, SIG_VERSION)) != 0 ||
	    (r = ct_buf_put_string(&blob, pub.data, pub.len)) != 0 ||
	    (r = ct_buf_put_cstring(&blob, ns)) != 0 ||
	    (r = ct_buf_put_string(&blob, NULL, 0)) != 0 ||
	    (r = ct_buf_put_cstring(&blob, "sha512")) != 0 ||
	    (r = ct_buf_put_string(&blob, sig.data, sig.len)) != 0 ||
	    (r = ct_b64_encode(blob.data, blob.len, &b64)) != 0)
		goto out;
	if ((r = ct_buf_put(&arm, BEGIN, strlen(BEGIN))) != 0)
		goto out;
	n = strlen(b64);
	for (i = 0; i < n; i += WRAP) {
		if ((r = ct_buf_put(&arm, b64 + i, n - i < WRAP ? n - i : WRAP)) != 0 ||
		    (r = ct_buf_put_u8(&arm, '\n')) != 0)
			goto out;
	}
	if ((r = ct_buf_putf(&arm, "%s\n", END)) != 0 || (r = ct_buf_nul(&arm)) != 0)
		goto out;
	*out = (char *)arm.data;
	*outlen = arm.len;
	arm.data = NULL;
	r = 0;
 out:
	free(b64);
	ct_buf_release(&data);
	ct_buf_release(&sig);
	ct_buf_release(&pub);
	ct_buf_release(&blob);
	ct_buf_release(&arm);
	return r;
}

static int
str_is(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

int
ct_sshsig_verify(const char *armored, size_t alen, const char *ns, const uint8_t *msg,
    size_t len, EVP_PKEY *const *keys, size_t nkeys, size_t *which)
{
	struct ct_buf b, data, kb;
	const uint8_t *pubblob, *sns, *reserved, *halg, *sigblob;
	size_t pubbloblen, snslen, reservedlen, halglen, sigbloblen, blen = 0, k, endlen;
	uint8_t *blob = NULL, magic[MAGIC_LEN];
	const char *body, *tail;
	char hashalg[8];
	uint32_t version;
	int r = CT_ERR_INTERNAL;

	if (which != NULL)
		*which = 0;
	ct_buf_init(&data, 4096);
	ct_buf_init(&kb, 4096);
	endlen = strlen(END);
	if (alen > CT_SSHSIG_MAX || alen < strlen(BEGIN) + endlen ||
	    memcmp(armored, BEGIN, strlen(BEGIN)) != 0) {
		r = ct_error(CT_ERR_FORMAT, "not an armored SSH signature");
		goto out;
	}
	/* the END line, then at most one newline */
	tail = armored + alen;
	if (tail[-1] == '\n')
		tail--;
	if ((size_t)(tail - armored) < strlen(BEGIN) + endlen ||
	    memcmp(tail - endlen, END, endlen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "SSH signature has no END line");
		goto out;
	}
	body = armored + strlen(BEGIN);
	if (ct_b64_decode(body, (size_t)(tail - endlen - body), &blob, &blen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "SSH signature is not base64");
		goto out;
	}
	ct_buf_view(&b, blob, blen);
	if (ct_buf_get(&b, magic, MAGIC_LEN) != 0 || memcmp(magic, MAGIC, MAGIC_LEN) != 0 ||
	    ct_buf_get_u32(&b, &version) != 0 ||
	    ct_buf_get_string_direct(&b, &pubblob, &pubbloblen) != 0 ||
	    ct_buf_get_string_direct(&b, &sns, &snslen) != 0 ||
	    ct_buf_get_string_direct(&b, &reserved, &reservedlen) != 0 ||
	    ct_buf_get_string_direct(&b, &halg, &halglen) != 0 ||
	    ct_buf_get_string_direct(&b, &sigblob, &sigbloblen) != 0 ||
	    ct_buf_avail(&b) != 0) {
		r = ct_error(CT_ERR_FORMAT, "malformed SSH signature");
		goto out;
	}
	if (version != SIG_VERSION) {
		r = ct_error(CT_ERR_FORMAT, "SSH signature version %u is not 1", version);
		goto out;
	}
	if (!str_is(sns, snslen, ns)) {
		r = ct_error(CT_ERR_VERIFY, "SSH signature is not for namespace '%s'", ns);
		goto out;
	}
	if (reservedlen != 0) {
		r = ct_error(CT_ERR_FORMAT, "SSH signature has a non-empty reserved field");
		goto out;
	}
	if (str_is(halg, halglen, "sha512"))
		snprintf(hashalg, sizeof(hashalg), "sha512");
	else if (str_is(halg, halglen, "sha256"))
		snprintf(hashalg, sizeof(hashalg), "sha256");
	else {
		r = ct_error(CT_ERR_FORMAT, "SSH signature hash is not sha512 or sha256");
		goto out;
	}
	for (k = 0; k < nkeys; k++) {
		ct_buf_reset(&kb);
		if ((r = ct_sshkey_put_public(&kb, keys[k])) != 0)
			goto out;
		if (kb.len == pubbloblen && memcmp(kb.data, pubblob, pubbloblen) == 0)
			break;
	}
	if (k == nkeys) {
		r = ct_error(CT_ERR_VERIFY, "SSH signature is by a key that is not trusted");
		goto out;
	}
	if ((r = signed_data(ns, hashalg, msg, len, &data)) != 0)
		goto out;
	if ((r = ct_sshkey_verify(keys[k], sigblob, sigbloblen, data.data, data.len)) != 0) {
		r = ct_error(CT_ERR_VERIFY, "SSH signature does not verify");
		goto out;
	}
	if (which != NULL)
		*which = k;
	r = 0;
 out:
	free(blob);
	ct_buf_release(&data);
	ct_buf_release(&kb);
	return r;
}

void
ct_keys_free(EVP_PKEY **keys, size_t nkeys)
{
	size_t i;

	if (keys == NULL)
		return;
	for (i = 0; i < nkeys; i++)
		EVP_PKEY_free(keys[i]);
	free(keys);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Does the options field (no spaces outside quotes) allow namespace `ns`? */
static int
options_allow(const char *o, size_t n, const char *ns, int *skip)
{
	size_t i = 0, j, nslen = strlen(ns);

	*skip = 0;
	while (i < n) {
		for (j = i; j < n && o[j] != ','; j++) {
			if (o[j] == '"') {
				for (j++; j < n && o[j] != '"'; j++)
					;
				if (j == n)
					return ct_error(CT_ERR_FORMAT, "unterminated quote in "
					    "allowed-signers options");
			}
		}
		if (j - i == 14 && strncasecmp(o + i, "cert-authority", 14) == 0)
			*skip = 1;
		else if (j - i > 12 && strncasecmp(o + i, "namespaces=\"", 12) == 0 &&
		    o[j - 1] == '"') {
			const char *l = o + i + 12, *le = o + j - 1, *c;
			int found = 0;

			while (l < le) {
				for (c = l; c < le && *c != ','; c++)
					;
				if ((size_t)(c - l) == nslen && memcmp(l, ns, nslen) == 0)
					found = 1;
				l = c + 1;
			}
			if (!found)
				*skip = 1;
		}
		i = j + 1;
	}
	return 0;
}

int
ct_allowed_signers_parse(const uint8_t *data, size_t len, const char *ns, EVP_PKEY ***keys,
    size_t *nkeys)
{
	const char *p = (const char *)data, *end = p + len, *nl, *s, *e, *f;
	EVP_PKEY **v = NULL, **nv, *k = NULL;
	size_t n = 0, lineno = 0;
	int r = CT_ERR_INTERNAL, skip;

	*keys = NULL;
	*nkeys = 0;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lineno++;
		for (s = p; s < nl && is_space(*s); s++)
			;
		e = nl;
		if (e > s && e[-1] == '\r')
			e--;
		if (s == e || *s == '#')
			continue;
		/* principals */
		for (f = s; f < e && !is_space(*f); f++)
			;
		for (; f < e && is_space(*f); f++)
			;
		skip = 0;
		if (ct_sshkey_parse_public_line(f, (size_t)(e - f), &k) != 0) {
			const char *o = f;

			/* an options field first */
			for (; f < e && !is_space(*f); f++) {
				if (*f == '"') {
					for (f++; f < e && *f != '"'; f++)
						;
					if (f == e)
						break;
				}
			}
			if ((r = options_allow(o, (size_t)(f - o), ns, &skip)) != 0)
				goto out;
			for (; f < e && is_space(*f); f++)
				;
			if ((r = ct_sshkey_parse_public_line(f, (size_t)(e - f), &k)) != 0) {
				r = ct_error(CT_ERR_FORMAT, "allowed-signers line %zu: %s", lineno,
				    ct_errmsg(r));
				goto out;
			}
		}
		if (skip) {
			EVP_PKEY_free(k);
			k = NULL;
			continue;
		}
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		v = nv;
		v[n++] = k;
		k = NULL;
		if (n > 1024) {
			r = ct_error(CT_ERR_LIMIT, "allowed-signers file has more than 1024 keys");
			goto out;
		}
	}
	if (n == 0) {
		r = ct_error(CT_ERR_NOTFOUND, "allowed-signers file has no key for namespace '%s'",
		    ns);
		goto out;
	}
	*keys = v;
	*nkeys = n;
	v = NULL;
	n = 0;
	r = 0;
 out:
	EVP_PKEY_free(k);
	ct_keys_free(v, n);
	return r;
}
