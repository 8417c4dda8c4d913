/*
 * sshcert.c - OpenSSH certificates: build, sign, parse, verify, inspect (see sshcert.h).
 *
 * The parser reads hostile input (any file handed to `inspect`): every field goes through
 * the bounded buffer, names are C strings without NULs, option lists must be sorted and
 * unique as PROTOCOL.certkeys requires, and the certificate must be consumed exactly.  The
 * CA signature is always checked; a certificate is never reported as parsed without it.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/sshcert.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define NONCE_LEN 32
#define NAME_MAX_LEN 256	/* an option or principal name, a type name */
#define KEYID_MAX_LEN 1024

const char *const ct_sshcert_default_extensions[] = {
	/* byte order: 'X' sorts before the lower-case letters */
	"permit-X11-forwarding",
	"permit-agent-forwarding",
	"permit-port-forwarding",
	"permit-pty",
	"permit-user-rc",
};
const size_t ct_sshcert_ndefault_extensions =
    sizeof(ct_sshcert_default_extensions) / sizeof(ct_sshcert_default_extensions[0]);

static const struct {
	const char *cert, *plain;
} cert_types[] = {
	{ "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519" },
	{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256" },
	{ "ssh-rsa-cert-v01@openssh.com", "ssh-rsa" },
};

static const char *
cert_type_for(const char *plain)
{
	size_t i;

	for (i = 0; plain != NULL && i < sizeof(cert_types) / sizeof(cert_types[0]); i++)
		if (strcmp(cert_types[i].plain, plain) == 0)
			return cert_types[i].cert;
	return NULL;
}

int
ct_sshcert_random_serial(uint64_t *out)
{
	uint64_t v = 0;

	*out = 0;
	while (v == 0)
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return ct_error(CT_ERR_CRYPTO, "cannot get random bytes");
	*out = v;
	return 0;
}

/* ---- source-address ---- */

static int
check_cidr(const char *s, size_t n)
{
	char tmp[INET6_ADDRSTRLEN + 8], *slash;
	unsigned char addr[16];
	long bits = -1;
	int maxbits, i;
	char *end;

	if (n == 0)
		return ct_error(CT_ERR_INVALID, "empty entry in source address list");
	if (n >= sizeof(tmp))
		return ct_error(CT_ERR_INVALID, "source address '%.*s...' is too long", 48, s);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if ((slash = strchr(tmp, '/')) != NULL) {
		*slash = '\0';
		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			goto bad;
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0')
			goto bad;
	}
	if (inet_pton(AF_INET, tmp, addr) == 1)
		maxbits = 32;
	else if (inet_pton(AF_INET6, tmp, addr) == 1)
		maxbits = 128;
	else
		goto bad;
	if (bits == -1)
		return 0;
	if (bits > maxbits)
		goto bad;
	/* sshd refuses a network with bits set after the prefix */
	for (i = (int)bits; i < maxbits; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return ct_error(CT_ERR_INVALID, "source address '%.*s' has host bits set "
			    "after /%ld", (int)n, s, bits);
	return 0;
 bad:
	return ct_error(CT_ERR_INVALID, "invalid source address '%.*s' (want an IPv4 or IPv6 "
	    "address or CIDR)", (int)n, s);
}

int
ct_sshcert_check_source_address(const char *list)
{
	const char *p = list, *c;
	int r;

	if (*list == '\0')
		return ct_error(CT_ERR_INVALID, "empty source address list");
	for (;;) {
		c = strchr(p, ',');
		if ((r = check_cidr(p, c != NULL ? (size_t)(c - p) : strlen(p))) != 0)
			return r;
		if (c == NULL)
			return 0;
		p = c + 1;
	}
}

/* ---- building ---- */

/* An option with a string value: name, then data = string(value). */
static int
put_option(struct ct_buf *b, const char *name, const char *value)
{
	struct ct_buf data;
	int r;

	ct_buf_init(&data, 0);
	if (value != NULL && (r = ct_buf_put_cstring(&data, value)) != 0)
		goto out;
	if ((r = ct_buf_put_cstring(b, name)) != 0 ||
	    (r = ct_buf_put_string(b, data.data, data.len)) != 0)
		goto out;
 out:
	ct_buf_release(&data);
	return r;
}

int
ct_sshcert_create(const struct ct_sshcert_req *req, EVP_PKEY *ca, uint8_t **blob,
    size_t *bloblen)
{
	struct ct_buf cert, pub, princ, crit, ext, cab;
	const uint8_t *fields, *t;
	uint8_t nonce[NONCE_LEN];
	const char *ctype;
	size_t i, tlen;
	int r = CT_ERR_INTERNAL;

	*blob = NULL;
	*bloblen = 0;
	ct_buf_init(&cert, CT_SSHCERT_MAX_BLOB);
	ct_buf_init(&pub, 4096);
	ct_buf_init(&princ, CT_SSHCERT_MAX_BLOB);
	ct_buf_init(&crit, CT_SSHCERT_MAX_BLOB);
	ct_buf_init(&ext, 4096);
	ct_buf_init(&cab, 4096);
	if (req->key_id == NULL || req->nprincipals > CT_SSHCERT_MAX_PRINCIPALS) {
		r = ct_error(CT_ERR_INVALID, "certificate without key id or with too many "
		    "principals");
		goto out;
	}
	if (req->valid_before <= req->valid_after) {
		r = ct_error(CT_ERR_INVALID, "certificate validity ends before it starts");
		goto out;
	}
	if (req->source_address != NULL &&
	    (r = ct_sshcert_check_source_address(req->source_address)) != 0)
		goto out;
	if ((ctype = cert_type_for(ct_sshkey_type_name(req->key))) == NULL) {
		r = ct_error(CT_ERR_UNSUPPORTED, "unsupported subject key type");
		goto out;
	}
	/* the subject key's fields are its plain blob after the type name */
	if ((r = ct_sshkey_put_public(&pub, req->key)) != 0 ||
	    (r = ct_sshkey_put_public(&cab, ca)) != 0)
		goto out;
	{
		struct ct_buf v;

		ct_buf_view(&v, pub.data, pub.len);
		if ((r = ct_buf_get_string_direct(&v, &t, &tlen)) != 0)
			goto out;
		fields = ct_buf_ptr(&v);
		tlen = ct_buf_avail(&v);
	}
	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot get random bytes");
		goto out;
	}
	for (i = 0; i < req->nprincipals; i++)
		if ((r = ct_buf_put_cstring(&princ, req->principals[i])) != 0)
			goto out;
	/* critical options sorted by name: force-command < source-address */
	if ((req->force_command != NULL &&
	    (r = put_option(&crit, "force-command", req->force_command)) != 0) ||
	    (req->source_address != NULL &&
	    (r = put_option(&crit, "source-address", req->source_address)) != 0))
		goto out;
	for (i = 0; !req->no_extensions && i < ct_sshcert_ndefault_extensions; i++)
		if ((r = put_option(&ext, ct_sshcert_default_extensions[i], NULL)) != 0)
			goto out;
	if ((r = ct_buf_put_cstring(&cert, ctype)) != 0 ||
	    (r = ct_buf_put_string(&cert, nonce, sizeof(nonce))) != 0 ||
	    (r = ct_buf_put(&cert, fields, tlen)) != 0 ||
	    (r = ct_buf_put_u64(&cert, req->serial)) != 0 ||
	    (r = ct_buf_put_u32(&cert, CT_SSHCERT_USER)) != 0 ||
	    (r = ct_buf_put_cstring(&cert, req->key_id)) != 0 ||
	    (r = ct_buf_put_string(&cert, princ.data, princ.len)) != 0 ||
	    (r = ct_buf_put_u64(&cert, req->valid_after)) != 0 ||
	    (r = ct_buf_put_u64(&cert, req->valid_before)) != 0 ||
	    (r = ct_buf_put_string(&cert, crit.data, crit.len)) != 0 ||
	    (r = ct_buf_put_string(&cert, ext.data, ext.len)) != 0 ||
	    (r = ct_buf_put_string(&cert, NULL, 0)) != 0 ||
	    (r = ct_buf_put_string(&cert, cab.data, cab.len)) != 0)
		goto out;
	{
		struct ct_buf sig;

		ct_buf_init(&sig, 4096);
		if ((r = ct_sshkey_sign(ca, cert.data, cert.len, &sig)) == 0)
			r = ct_buf_put_string(&cert, sig.data, sig.len);
		ct_buf_release(&sig);
		if (r != 0)
			goto out;
	}
	*blob = cert.data;
	*bloblen = cert.len;
	cert.data = NULL;
	r = 0;
 out:
	ct_buf_release(&cert);
	ct_buf_release(&pub);
	ct_buf_release(&princ);
	ct_buf_release(&crit);
	ct_buf_release(&ext);
	ct_buf_release(&cab);
	return r;
}

int
ct_sshcert_line(const uint8_t *blob, size_t len, const char *comment, char **out)
{
	struct ct_buf v, line;
	const uint8_t *t;
	char *b64 = NULL;
	size_t tlen;
	int r;

	*out = NULL;
	ct_buf_view(&v, blob, len);
	if (ct_buf_get_string_direct(&v, &t, &tlen) != 0 || tlen == 0 || tlen > NAME_MAX_LEN ||
	    memchr(t, '\0', tlen) != NULL || memchr(t, ' ', tlen) != NULL)
		return ct_error(CT_ERR_FORMAT, "not an SSH certificate");
	if ((r = ct_b64_encode(blob, len, &b64)) != 0)
		return r;
	ct_buf_init(&line, 0);
	if ((r = ct_buf_putf(&line, "%.*s %s%s%s\n", (int)tlen, (const char *)t, b64,
	    comment != NULL && *comment != '\0' ? " " : "",
	    comment != NULL ? comment : "")) == 0 && (r = ct_buf_nul(&line)) == 0) {
		*out = (char *)line.data;
		line.data = NULL;
	}
	ct_buf_release(&line);
	free(b64);
	return r;
}

/* ---- parsing ---- */

void
ct_sshcert_release(struct ct_sshcert *c)
{
	size_t i;

	free(c->type_name);
	EVP_PKEY_free(c->key);
	free(c->key_id);
	for (i = 0; i < c->nprincipals; i++)
		free(c->principals[i]);
	free(c->principals);
	for (i = 0; i < c->ncritical; i++) {
		free(c->critical[i].name);
		free(c->critical[i].value);
	}
	free(c->critical);
	for (i = 0; i < c->nextensions; i++) {
		free(c->extensions[i].name);
		free(c->extensions[i].value);
	}
	free(c->extensions);
	EVP_PKEY_free(c->ca);
	free(c->sig_alg);
	memset(c, 0, sizeof(*c));
}

static int
get_name(struct ct_buf *b, size_t max, const char *what, char **out)
{
	const uint8_t *p;
	size_t n;

	*out = NULL;
	if (ct_buf_get_string_direct(b, &p, &n) != 0)
		return ct_error(CT_ERR_FORMAT, "truncated certificate %s", what);
	if (n > max || memchr(p, '\0', n) != NULL)
		return ct_error(CT_ERR_FORMAT, "invalid certificate %s", what);
	if ((*out = malloc(n + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	memcpy(*out, p, n);
	(*out)[n] = '\0';
	return 0;
}

/* A sequence of (name, data) pairs, sorted and unique; data is empty or one string. */
static int
parse_options(const uint8_t *p, size_t n, const char *what, struct ct_sshcert_opt **out,
    size_t *nout)
{
	struct ct_sshcert_opt *v = NULL, *nv;
	const uint8_t *data;
	size_t count = 0, datalen;
	struct ct_buf b, d;
	char *name = NULL, *value = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	*nout = 0;
	ct_buf_view(&b, p, n);
	while (ct_buf_avail(&b) > 0) {
		if ((r = get_name(&b, NAME_MAX_LEN, what, &name)) != 0)
			goto out;
		if (ct_buf_get_string_direct(&b, &data, &datalen) != 0) {
			r = ct_error(CT_ERR_FORMAT, "truncated certificate %s", what);
			goto out;
		}
		if (count > 0 && strcmp(v[count - 1].name, name) >= 0) {
			r = ct_error(CT_ERR_FORMAT, "certificate %s are not sorted and unique "
			    "('%.64s')", what, name);
			goto out;
		}
		if (datalen == 0) {
			value = strdup("");
		} else {
			ct_buf_view(&d, data, datalen);
			if ((r = get_name(&d, CT_SSHCERT_MAX_BLOB, what, &value)) != 0)
				goto out;
			if (ct_buf_avail(&d) != 0) {
				r = ct_error(CT_ERR_FORMAT,
				    "trailing data in certificate %s '%.64s'", what, name);
				goto out;
			}
		}
		if (value == NULL || count >= 64 ||
		    (nv = realloc(v, (count + 1) * sizeof(*v))) == NULL) {
			r = count >= 64 ? ct_error(CT_ERR_LIMIT, "too many certificate %s", what) :
			    ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		v = nv;
		v[count].name = name;
		v[count].value = value;
		name = value = NULL;
		count++;
	}
	*out = v;
	*nout = count;
	v = NULL;
	count = 0;
	r = 0;
 out:
	free(name);
	free(value);
	while (count > 0) {
		count--;
		free(v[count].name);
		free(v[count].value);
	}
	free(v);
	return r;
}

static int
parse_principals(const uint8_t *p, size_t n, struct ct_sshcert *c)
{
	struct ct_buf b;
	char **nv, *name = NULL;
	int r;

	ct_buf_view(&b, p, n);
	while (ct_buf_avail(&b) > 0) {
		if (c->nprincipals >= CT_SSHCERT_MAX_PRINCIPALS)
			return ct_error(CT_ERR_LIMIT, "too many certificate principals");
		if ((r = get_name(&b, NAME_MAX_LEN, "principal", &name)) != 0)
			return r;
		if ((nv = realloc(c->principals, (c->nprincipals + 1) * sizeof(*nv))) == NULL) {
			free(name);
			return ct_error(CT_ERR_NOMEM, "out of memory");
		}
		c->principals = nv;
		c->principals[c->nprincipals++] = name;
	}
	return 0;
}

/* Skip the subject key fields of `plain` and decode them as a key. */
static int
parse_subject_key(struct ct_buf *b, const char *plain, struct ct_sshcert *c)
{
	const uint8_t *start = ct_buf_ptr(b), *p;
	struct ct_buf kb;
	size_t n, nfields, i;
	int r;

	nfields = strcmp(plain, "ssh-ed25519") == 0 ? 1 : 2;
	for (i = 0; i < nfields; i++)
		if (ct_buf_get_string_direct(b, &p, &n) != 0)
			return ct_error(CT_ERR_FORMAT, "truncated certificate key");
	ct_buf_init(&kb, CT_SSHCERT_MAX_BLOB);
	if ((r = ct_buf_put_cstring(&kb, plain)) == 0 &&
	    (r = ct_buf_put(&kb, start, (size_t)(ct_buf_ptr(b) - start))) == 0)
		r = ct_sshkey_from_blob(kb.data, kb.len, &c->key);
	if (r == 0)
		r = ct_sshkey_fingerprint_blob(kb.data, kb.len, c->key_fp);
	ct_buf_release(&kb);
	return r;
}

int
ct_sshcert_parse(const uint8_t *blob, size_t len, struct ct_sshcert *out)
{
	const uint8_t *nonce, *princ, *crit, *ext, *res, *cab, *sig, *alg;
	size_t noncelen, princlen, critlen, extlen, reslen, cablen, siglen, signed_len, alglen;
	const char *plain = NULL;
	struct ct_buf b, sv;
	size_t i;
	int r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (len > CT_SSHCERT_MAX_BLOB)
		return ct_error(CT_ERR_LIMIT, "certificate larger than %d bytes",
		    CT_SSHCERT_MAX_BLOB);
	ct_buf_view(&b, blob, len);
	if ((r = get_name(&b, NAME_MAX_LEN, "type", &out->type_name)) != 0)
		goto out;
	for (i = 0; i < sizeof(cert_types) / sizeof(cert_types[0]); i++)
		if (strcmp(out->type_name, cert_types[i].cert) == 0)
			plain = cert_types[i].plain;
	if (plain == NULL) {
		r = ct_error(CT_ERR_UNSUPPORTED, "unsupported certificate type '%.64s'",
		    out->type_name);
		goto out;
	}
	if (ct_buf_get_string_direct(&b, &nonce, &noncelen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "truncated certificate");
		goto out;
	}
	if (noncelen < 16 || noncelen > 256) {
		r = ct_error(CT_ERR_FORMAT, "certificate nonce of %zu bytes", noncelen);
		goto out;
	}
	if ((r = parse_subject_key(&b, plain, out)) != 0)
		goto out;
	if (ct_buf_get_u64(&b, &out->serial) != 0 || ct_buf_get_u32(&b, &out->type) != 0) {
		r = ct_error(CT_ERR_FORMAT, "truncated certificate");
		goto out;
	}
	if (out->type != CT_SSHCERT_USER && out->type != CT_SSHCERT_HOST) {
		r = ct_error(CT_ERR_FORMAT, "unknown certificate type %u", out->type);
		goto out;
	}
	if ((r = get_name(&b, KEYID_MAX_LEN, "key id", &out->key_id)) != 0)
		goto out;
	if (ct_buf_get_string_direct(&b, &princ, &princlen) != 0 ||
	    ct_buf_get_u64(&b, &out->valid_after) != 0 ||
	    ct_buf_get_u64(&b, &out->valid_before) != 0 ||
	    ct_buf_get_string_direct(&b, &crit, &critlen) != 0 ||
	    ct_buf_get_string_direct(&b, &ext, &extlen) != 0 ||
	    ct_buf_get_string_direct(&b, &res, &reslen) != 0 ||
	    ct_buf_get_string_direct(&b, &cab, &cablen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "truncated certificate");
		goto out;
	}
	(void)res;
	(void)reslen;	/* "reserved": ignored by this version of the protocol */
	signed_len = (size_t)(ct_buf_ptr(&b) - blob);
	if (ct_buf_get_string_direct(&b, &sig, &siglen) != 0) {
		r = ct_error(CT_ERR_FORMAT, "truncated certificate signature");
		goto out;
	}
	if (ct_buf_avail(&b) != 0) {
		r = ct_error(CT_ERR_FORMAT, "trailing data after certificate");
		goto out;
	}
	if ((r = parse_principals(princ, princlen, out)) != 0 ||
	    (r = parse_options(crit, critlen, "critical options", &out->critical,
	    &out->ncritical)) != 0 ||
	    (r = parse_options(ext, extlen, "extensions", &out->extensions,
	    &out->nextensions)) != 0)
		goto out;
	/* the CA key: a plain key (a certificate cannot sign a certificate) */
	if ((r = ct_sshkey_from_blob(cab, cablen, &out->ca)) != 0) {
		r = ct_error(r, "certificate signature key: %s", ct_errmsg(r));
		goto out;
	}
	if ((r = ct_sshkey_fingerprint_blob(cab, cablen, out->ca_fp)) != 0)
		goto out;
	if ((r = ct_sshkey_verify(out->ca, sig, siglen, blob, signed_len)) != 0) {
		r = ct_error(CT_ERR_VERIFY, "certificate signature does not verify: %s",
		    ct_errmsg(r));
		goto out;
	}
	ct_buf_view(&sv, sig, siglen);
	if (ct_buf_get_string_direct(&sv, &alg, &alglen) != 0 ||
	    (out->sig_alg = strndup((const char *)alg, alglen)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
 out:
	if (r != 0)
		ct_sshcert_release(out);
	return r;
}

/* The type and base64 words of a certificate line whose type word names a certificate. */
static int
cert_line_b64(const char *s, size_t n, const char **type, size_t *typelen, const char **b64,
    size_t *b64len)
{
	const char *p = s, *e = s + n, *w;
	size_t i;

	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	for (w = p; w < e && *w != ' ' && *w != '\t'; w++)
		;
	for (i = 0; i < sizeof(cert_types) / sizeof(cert_types[0]); i++)
		if ((size_t)(w - p) == strlen(cert_types[i].cert) &&
		    memcmp(p, cert_types[i].cert, (size_t)(w - p)) == 0)
			break;
	if (i == sizeof(cert_types) / sizeof(cert_types[0])) {
		if (w - p > 21 && memcmp(w - 21, "-cert-v01@openssh.com", 21) == 0)
			return ct_error(CT_ERR_UNSUPPORTED, "unsupported certificate type '%.*s'",
			    (int)(w - p > 64 ? 64 : w - p), p);
		return ct_error(CT_ERR_FORMAT, "not an OpenSSH certificate");
	}
	*type = p;
	*typelen = (size_t)(w - p);
	while (w < e && (*w == ' ' || *w == '\t'))
		w++;
	for (p = w; w < e && *w != ' ' && *w != '\t' && *w != '\r' && *w != '\n'; w++)
		;
	*b64 = p;
	*b64len = (size_t)(w - p);
	return 0;
}

int
ct_sshcert_parse_line(const char *s, size_t n, struct ct_sshcert *out)
{
	const char *type, *b64;
	uint8_t *blob = NULL;
	size_t typelen, b64len, bloblen = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cert_line_b64(s, n, &type, &typelen, &b64, &b64len)) != 0)
		return r;
	if (b64len > CT_SSHCERT_MAX_BLOB * 4 / 3 + 4)
		return ct_error(CT_ERR_LIMIT, "certificate larger than %d bytes",
		    CT_SSHCERT_MAX_BLOB);
	if (ct_b64_decode(b64, b64len, &blob, &bloblen) != 0)
		return ct_error(CT_ERR_FORMAT, "invalid base64 in certificate");
	r = ct_sshcert_parse(blob, bloblen, out);
	/* the type word must be the blob's own */
	if (r == 0 && (strlen(out->type_name) != typelen ||
	    memcmp(out->type_name, type, typelen) != 0)) {
		ct_sshcert_release(out);
		r = ct_error(CT_ERR_FORMAT, "certificate type word does not match its data");
	}
	free(blob);
	return r;
}

/* ---- inspect ---- */

static json_t *
time_json(uint64_t secs)
{
	char ts[40];

	/* beyond year 9999 is OpenSSH's "forever" (or near enough) */
	if (secs > UINT64_C(253402300799))
		return json_string("forever");
	ct_time_fmt((int64_t)secs * 1000000, 0, ts, sizeof(ts));
	return json_string(ts);
}

int
ct_inspect_sshcert(const char *s, size_t n, json_t **out)
{
	char task[CT_TASK_ID_MAX + 1], serial[24];
	json_t *o = NULL, *princ = NULL, *crit = NULL, *ext = NULL, *tv = NULL;
	struct ct_sshcert c;
	const char *type, *b64;
	size_t i, typelen, b64len;
	int r;

	*out = NULL;
	/* quick no: the first word must be a certificate type */
	if ((r = cert_line_b64(s, n, &type, &typelen, &b64, &b64len)) != 0)
		return r;
	if ((r = ct_sshcert_parse_line(s, n, &c)) != 0)
		return r;
	if ((princ = json_array()) == NULL || (crit = json_object()) == NULL ||
	    (ext = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < c.nprincipals; i++)
		if (json_array_append_new(princ, json_string(c.principals[i])) != 0)
			goto nomem;
	for (i = 0; i < c.ncritical; i++)
		if (json_object_set_new(crit, c.critical[i].name,
		    json_string(c.critical[i].value)) != 0)
			goto nomem;
	for (i = 0; i < c.nextensions; i++)
		if (json_array_append_new(ext, json_string(c.extensions[i].name)) != 0)
			goto nomem;
	/* the task: from the key id, else from a principal such as task-<task>@<prefix> */
	if (ct_task_from_principal(c.key_id, strlen(c.key_id), task, sizeof(task)) == 0)
		tv = json_string(task);
	for (i = 0; tv == NULL && i < c.nprincipals; i++)
		if (ct_task_from_principal(c.principals[i], strlen(c.principals[i]), task,
		    sizeof(task)) == 0)
			tv = json_string(task);
	if (tv == NULL)
		tv = json_null();
	ct_error_clear();
	snprintf(serial, sizeof(serial), "%llu", (unsigned long long)c.serial);
	/* c is released below on every path; the analyzer loses it in json_pack's varargs */
	o = json_pack(	/* NOLINT(clang-analyzer-unix.Malloc) */"{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:s,"
	    " s:o, s:s, s:s}",
	    "kind", "ssh-cert",
	    "cert_type", c.type == CT_SSHCERT_USER ? "user" : "host",
	    "key_type", c.type_name,
	    "key_fingerprint", c.key_fp,
	    "key_id", c.key_id,
	    "serial", serial,
	    "principals", princ,
	    "valid_after", time_json(c.valid_after),
	    "valid_before", time_json(c.valid_before),
	    "ca_fingerprint", c.ca_fp,
	    "ca_type", ct_sshkey_type_name(c.ca),
	    "critical_options", crit,
	    "extensions", ext,
	    "principal", c.key_id,
	    "task", tv,
	    "signature", "verified with the CA key it names (not a trust decision)",
	    "signature_algorithm", c.sig_alg);
	princ = crit = ext = tv = NULL;
	if (o == NULL)
		goto nomem;
	ct_sshcert_release(&c);
	*out = o;
	return 0;
 nomem:
	json_decref(princ);
	json_decref(crit);
	json_decref(ext);
	json_decref(tv);
	ct_sshcert_release(&c);
	return ct_error(CT_ERR_NOMEM, "out of memory");
}
