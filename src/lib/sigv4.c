/*
 * sigv4.c - AWS Signature Version 4 (see sigv4.h for the rules implemented).
 *
 * Everything is built in bounded ct_bufs: a request with a path, query or header set larger
 * than SIGV4_MAX_TEXT is refused (CT_ERR_LIMIT) rather than signed, since nothing credtrail
 * sends comes close.  HMAC and SHA-256 come from libcrypto's EVP interfaces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/http.h"
#include "lib/sigv4.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define SIGV4_MAX_TEXT	(256u * 1024)	/* canonical request and its parts */
#define ALGORITHM	"AWS4-HMAC-SHA256"

/* Hand a buffer's bytes over as a NUL-terminated string. */
static int
buf_take(struct ct_buf *b, char **out)
{
	int r;

	*out = NULL;
	if ((r = ct_buf_nul(b)) != 0)
		return r;
	*out = (char *)b->data;
	memset(b, 0, sizeof(*b));
	return 0;
}

static int
sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return ct_error(CT_ERR_CRYPTO, "SHA-256 failed");
	ct_hex_fmt(md, 32, out);
	return 0;
}

static int
hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t msglen, uint8_t out[32])
{
	size_t outlen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, msg, msglen, out, 32,
	    &outlen) == NULL || outlen != 32)
		return ct_error(CT_ERR_CRYPTO, "HMAC-SHA256 failed");
	return 0;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode [s, s+n) into `out` (cleared first).  '+' is a literal '+'. */
static int
pct_decode(struct ct_buf *out, const char *s, size_t n)
{
	size_t i;
	int hi, lo, r;

	ct_buf_reset(out);
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				return ct_error(CT_ERR_INVALID,
				    "truncated percent escape in query '%.*s'", (int)n, s);
			if ((hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return ct_error(CT_ERR_INVALID,
				    "bad percent escape in query '%.*s'", (int)n, s);
			r = ct_buf_put_u8(out, (uint8_t)(hi << 4 | lo));
			i += 2;
		} else {
			r = ct_buf_put_u8(out, (uint8_t)s[i]);
		}
		if (r != 0)
			return r;
	}
	return 0;
}

/* ---- canonical URI ---- */

struct seg {
	const char *p;
	size_t n;
};

static int
canonical_uri(struct ct_buf *out, const char *path, int s3)
{
	struct seg *segs = NULL;
	size_t len, i, nsegs = 0, maxsegs = 1, start, n;
	int trailing = 0, r = CT_ERR_INTERNAL;

	if (path == NULL || path[0] != '/')
		return ct_error(CT_ERR_INVALID, "request path '%s' does not start with '/'",
		    path != NULL ? path : "");
	len = strnlen(path, SIGV4_MAX_TEXT + 1);
	if (len > SIGV4_MAX_TEXT)
		return ct_error(CT_ERR_LIMIT, "request path longer than %u bytes", SIGV4_MAX_TEXT);
	for (i = 0; i < len; i++) {
		if ((unsigned char)path[i] <= 0x20 || path[i] == 0x7f || path[i] == '?' ||
		    path[i] == '#')
			return ct_error(CT_ERR_INVALID, "request path has an invalid character "
			    "at position %zu", i);
	}
	if (s3)
		return ct_buf_put(out, path, len);

	for (i = 0; i < len; i++)
		maxsegs += path[i] == '/';
	if ((segs = calloc(maxsegs, sizeof(*segs))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	/* RFC 3986 remove_dot_segments, and empty segments ("//") dropped as AWS does */
	for (start = 1; start <= len; start = i + 1) {
		for (i = start; i < len && path[i] != '/'; i++)
			;
		n = i - start;
		trailing = i == len && (n == 0 || (n == 1 && path[start] == '.') ||
		    (n == 2 && path[start] == '.' && path[start + 1] == '.'));
		if (n == 0 || (n == 1 && path[start] == '.'))
			continue;
		if (n == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (nsegs > 0)
				nsegs--;
			continue;
		}
		segs[nsegs].p = path + start;
		segs[nsegs].n = n;
		nsegs++;
	}
	if ((r = ct_buf_put_u8(out, '/')) != 0)
		goto out;
	for (i = 0; i < nsegs; i++) {
		if (i > 0 && (r = ct_buf_put_u8(out, '/')) != 0)
			goto out;
		/* the wire form is encoded again: '%' becomes "%25" */
		if ((r = ct_http_urlencode(out, segs[i].p, segs[i].n)) != 0)
			goto out;
	}
	if (trailing && nsegs > 0 && (r = ct_buf_put_u8(out, '/')) != 0)
		goto out;
	r = 0;
 out:
	free(segs);
	return r;
}

/* ---- canonical query ---- */

struct param {
	char *k;
	char *v;
};

static int
param_cmp(const void *a, const void *b)
{
	const struct param *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c != 0 ? c : strcmp(x->v, y->v);
}

static int
encode_component(const char *s, size_t n, char **out)
{
	struct ct_buf dec, enc;
	int r;

	*out = NULL;
	ct_buf_init(&dec, SIGV4_MAX_TEXT);
	ct_buf_init(&enc, SIGV4_MAX_TEXT);
	if ((r = pct_decode(&dec, s, n)) == 0 &&
	    (r = ct_http_urlencode(&enc, (const char *)dec.data, dec.len)) == 0)
		r = buf_take(&enc, out);
	ct_buf_release(&dec);
	ct_buf_release(&enc);
	return r;
}

static int
canonical_query(struct ct_buf *out, const char *query)
{
	struct param *ps = NULL;
	const char *p, *amp, *eq, *end;
	size_t np = 0, i, len;
	int r = CT_ERR_INTERNAL;

	if (query == NULL || *query == '\0')
		return 0;
	len = strnlen(query, SIGV4_MAX_TEXT + 1);
	if (len > SIGV4_MAX_TEXT)
		return ct_error(CT_ERR_LIMIT, "query longer than %u bytes", SIGV4_MAX_TEXT);
	if ((ps = calloc(CT_SIGV4_MAX_PARAMS, sizeof(*ps))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	end = query + len;
	for (p = query; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;	/* "a=1&&b=2" */
		if (np >= CT_SIGV4_MAX_PARAMS) {
			r = ct_error(CT_ERR_LIMIT, "more than %d query parameters",
			    CT_SIGV4_MAX_PARAMS);
			goto out;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if ((r = encode_component(p, (size_t)(eq - p), &ps[np].k)) != 0 ||
		    (r = encode_component(eq < amp ? eq + 1 : amp,
		    eq < amp ? (size_t)(amp - eq - 1) : 0, &ps[np].v)) != 0) {
			np++;
			goto out;
		}
		np++;
		if (amp == end)
			break;
	}
	qsort(ps, np, sizeof(*ps), param_cmp);
	for (i = 0; i < np; i++) {
		if ((i > 0 && (r = ct_buf_put_u8(out, '&')) != 0) ||
		    (r = ct_buf_putf(out, "%s=%s", ps[i].k, ps[i].v)) != 0)
			goto out;
	}
	r = 0;
 out:
	for (i = 0; i < np; i++) {
		free(ps[i].k);
		free(ps[i].v);
	}
	free(ps);
	return r;
}

/* ---- canonical headers ---- */

struct hdr {
	char *name;		/* lower case */
	char *value;		/* trimmed, spaces collapsed */
	size_t order;		/* position given, for a stable sort */
};

static int
hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
hdr_make(struct hdr *h, const char *name, const char *value, size_t order)
{
	struct ct_buf b;
	size_t i, n, vn;
	int r, space = 0;

	memset(h, 0, sizeof(*h));
	if (name == NULL || value == NULL)
		return ct_error(CT_ERR_INVALID, "header without a name or value");
	n = strnlen(name, 257);
	if (n == 0 || n > 256)
		return ct_error(CT_ERR_INVALID, "header name '%.64s' is empty or too long", name);
	for (i = 0; i < n; i++) {
		if (!is_tchar((unsigned char)name[i]))
			return ct_error(CT_ERR_INVALID, "header name '%.64s' has an invalid "
			    "character", name);
	}
	if ((h->name = strdup(name)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		h->name[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);

	vn = strnlen(value, SIGV4_MAX_TEXT + 1);
	if (vn > SIGV4_MAX_TEXT)
		return ct_error(CT_ERR_LIMIT, "header '%s' longer than %u bytes", h->name,
		    SIGV4_MAX_TEXT);
	ct_buf_init(&b, SIGV4_MAX_TEXT);
	while (vn > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		vn--;
	}
	while (vn > 0 && (value[vn - 1] == ' ' || value[vn - 1] == '\t'))
		vn--;
	for (i = 0; i < vn; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			ct_buf_release(&b);
			return ct_error(CT_ERR_INVALID, "header '%s' has a control character",
			    h->name);
		}
		if (c == ' ') {
			if (space)
				continue;
			space = 1;
		} else {
			space = 0;
		}
		if ((r = ct_buf_put_u8(&b, c)) != 0) {
			ct_buf_release(&b);
			return r;
		}
	}
	if ((r = buf_take(&b, &h->value)) != 0) {
		ct_buf_release(&b);
		return r;
	}
	h->order = order;
	return 0;
}

static int
check_amz_date(const char *d)
{
	size_t i;

	if (strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		goto bad;
	for (i = 0; i < 15; i++) {
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			goto bad;
	}
	return 0;
 bad:
	return ct_error(CT_ERR_INVALID, "X-Amz-Date '%.32s' is not YYYYMMDDTHHMMSSZ", d);
}

static int
check_scope_part(const char *what, const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strnlen(s, 129)) == 0 || n > 128)
		return ct_error(CT_ERR_INVALID, "missing or overlong %s", what);
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '/' || s[i] == ',')
			return ct_error(CT_ERR_INVALID, "%s '%s' has an invalid character", what, s);
	}
	return 0;
}

void
ct_sigv4_amz_date(long long us, char out[17])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int
ct_sigv4_signature(const char *secret, const char *date8, const char *region,
    const char *service, const char *sts, size_t stslen, char out[65])
{
	struct ct_buf key0;
	uint8_t k[32], sig[32];
	size_t n;
	int r = CT_ERR_INTERNAL;

	out[0] = '\0';
	ct_buf_init(&key0, 4 + 1024);
	if (secret == NULL || (n = strnlen(secret, 1025)) == 0 || n > 1024) {
		r = ct_error(CT_ERR_INVALID, "secret access key missing or too long");
		goto out;
	}
	if (strlen(date8) != 8) {
		r = ct_error(CT_ERR_INVALID, "scope date '%.16s' is not YYYYMMDD", date8);
		goto out;
	}
	if ((r = ct_buf_put(&key0, "AWS4", 4)) != 0 ||
	    (r = ct_buf_put(&key0, secret, n)) != 0)
		goto out;
	if ((r = hmac_sha256(key0.data, key0.len, date8, 8, k)) != 0 ||
	    (r = hmac_sha256(k, 32, region, strlen(region), k)) != 0 ||
	    (r = hmac_sha256(k, 32, service, strlen(service), k)) != 0 ||
	    (r = hmac_sha256(k, 32, "aws4_request", 12, k)) != 0 ||
	    (r = hmac_sha256(k, 32, sts, stslen, sig)) != 0)
		goto out;
	ct_hex_fmt(sig, 32, out);
	r = 0;
 out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(sig, sizeof(sig));
	ct_buf_release_secret(&key0);
	return r;
}

void
ct_sigv4_result_release(struct ct_sigv4_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->canonical_request);
	free(r->string_to_sign);
	free(r->signed_headers);
	free(r->authorization);
	for (i = 0; i < sizeof(r->add_headers) / sizeof(r->add_headers[0]); i++) {
		/* may hold the session token */
		if (r->add_headers[i] != NULL)
			OPENSSL_clear_free(r->add_headers[i], strlen(r->add_headers[i]));
	}
	memset(r, 0, sizeof(*r));
}

int
ct_sigv4_sign(const struct ct_sigv4_params *p, const struct ct_sigv4_request *req,
    struct ct_sigv4_result *out)
{
	struct hdr *hs = NULL;
	struct ct_buf creq, sts, sh;
	char payload[65], creq_hash[65], sighex[65], date8[9];
	const char *amz_date = NULL;
	size_t nh = 0, i, nadd = 0, maxh = 0;
	int have_host = 0, have_date = 0, have_token = 0, r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	ct_buf_init(&creq, SIGV4_MAX_TEXT);
	ct_buf_init(&sts, SIGV4_MAX_TEXT);
	ct_buf_init(&sh, SIGV4_MAX_TEXT);

	if ((r = check_scope_part("access key id", p->access_key_id)) != 0 ||
	    (r = check_scope_part("region", p->region)) != 0 ||
	    (r = check_scope_part("service", p->service)) != 0)
		goto out;
	if (p->secret_access_key == NULL || *p->secret_access_key == '\0') {
		r = ct_error(CT_ERR_INVALID, "missing secret access key");
		goto out;
	}
	if (req->method == NULL || *req->method == '\0') {
		r = ct_error(CT_ERR_INVALID, "missing request method");
		goto out;
	}
	if (req->nheaders > CT_SIGV4_MAX_HEADERS) {
		r = ct_error(CT_ERR_LIMIT, "more than %d headers to sign", CT_SIGV4_MAX_HEADERS);
		goto out;
	}
	maxh = req->nheaders + 2;
	if ((hs = calloc(maxh, sizeof(*hs))) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < req->nheaders; i++) {
		if ((r = hdr_make(&hs[nh], req->headers[i].name, req->headers[i].value, i)) != 0) {
			nh++;
			goto out;
		}
		if (strcmp(hs[nh].name, "host") == 0)
			have_host = 1;
		else if (strcmp(hs[nh].name, "x-amz-date") == 0) {
			have_date = 1;
			amz_date = hs[nh].value;
		} else if (strcmp(hs[nh].name, "x-amz-security-token") == 0)
			have_token = 1;
		nh++;
	}
	if (!have_host) {
		r = ct_error(CT_ERR_INVALID, "no Host header to sign");
		goto out;
	}
	if (!have_date) {
		if (p->amz_date != NULL)
			snprintf(out->amz_date, sizeof(out->amz_date), "%s", p->amz_date);
		else
			ct_sigv4_amz_date(ct_now_us(), out->amz_date);
		if ((r = check_amz_date(p->amz_date != NULL ? p->amz_date : out->amz_date)) != 0)
			goto out;
		if ((r = hdr_make(&hs[nh], "x-amz-date", out->amz_date, nh)) != 0) {
			nh++;
			goto out;
		}
		nh++;
		if (asprintf(&out->add_headers[nadd++], "X-Amz-Date: %s", out->amz_date) < 0) {
			out->add_headers[--nadd] = NULL;
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
	} else {
		if ((r = check_amz_date(amz_date)) != 0)
			goto out;
		snprintf(out->amz_date, sizeof(out->amz_date), "%s", amz_date);
	}
	if (p->session_token != NULL && !have_token) {
		if (!(p->flags & CT_SIGV4_TOKEN_UNSIGNED)) {
			if ((r = hdr_make(&hs[nh], "x-amz-security-token", p->session_token,
			    nh)) != 0) {
				nh++;
				goto out;
			}
			nh++;
		}
		if (asprintf(&out->add_headers[nadd++], "X-Amz-Security-Token: %s",
		    p->session_token) < 0) {
			out->add_headers[--nadd] = NULL;
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	qsort(hs, nh, sizeof(*hs), hdr_cmp);

	/* 1. canonical request */
	if ((r = ct_buf_putf(&creq, "%s\n", req->method)) != 0 ||
	    (r = canonical_uri(&creq, req->path, p->flags & CT_SIGV4_S3)) != 0 ||
	    (r = ct_buf_put_u8(&creq, '\n')) != 0 ||
	    (r = canonical_query(&creq, req->query)) != 0 ||
	    (r = ct_buf_put_u8(&creq, '\n')) != 0)
		goto out;
	for (i = 0; i < nh; i++) {
		if (i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0) {
			r = ct_buf_putf(&creq, ",%s", hs[i].value);
		} else {
			if (i > 0 && (r = ct_buf_put_u8(&creq, '\n')) != 0)
				goto out;
			r = ct_buf_putf(&creq, "%s:%s", hs[i].name, hs[i].value);
			if (r == 0)
				r = ct_buf_putf(&sh, "%s%s", sh.len > 0 ? ";" : "", hs[i].name);
		}
		if (r != 0)
			goto out;
	}
	if (req->payload_hash != NULL)
		snprintf(payload, sizeof(payload), "%s", req->payload_hash);
	else if ((r = sha256_hex(req->body != NULL ? req->body : "", req->body_len,
	    payload)) != 0)
		goto out;
	if ((r = ct_buf_put(&creq, "\n\n", 2)) != 0 ||
	    (r = ct_buf_put(&creq, sh.data, sh.len)) != 0 ||
	    (r = ct_buf_putf(&creq, "\n%s", payload)) != 0)
		goto out;

	/* 2. string to sign */
	memcpy(date8, out->amz_date, 8);
	date8[8] = '\0';
	if ((r = sha256_hex(creq.data, creq.len, creq_hash)) != 0 ||
	    (r = ct_buf_putf(&sts, ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", out->amz_date,
	    date8, p->region, p->service, creq_hash)) != 0)
		goto out;

	/* 3. signing key, and the signature */
	if ((r = ct_sigv4_signature(p->secret_access_key, date8, p->region, p->service,
	    (const char *)sts.data, sts.len, sighex)) != 0)
		goto out;

	/* 4. the Authorization value */
	if (ct_buf_nul(&sh) != 0 ||
	    asprintf(&out->authorization, ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", p->access_key_id, date8, p->region, p->service,
	    (const char *)sh.data, sighex) < 0) {
		out->authorization = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = buf_take(&creq, &out->canonical_request)) != 0 ||
	    (r = buf_take(&sts, &out->string_to_sign)) != 0 ||
	    (r = buf_take(&sh, &out->signed_headers)) != 0)
		goto out;
	r = 0;
 out:
	ct_buf_release(&creq);
	ct_buf_release(&sts);
	ct_buf_release(&sh);
	for (i = 0; hs != NULL && i < maxh; i++) {
		free(hs[i].name);
		if (hs[i].value != NULL)
			OPENSSL_clear_free(hs[i].value, strlen(hs[i].value));
	}
	free(hs);
	if (r != 0)
		ct_sigv4_result_release(out);
	return r;
}
