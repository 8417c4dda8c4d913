/*
 * http.c - bounded HTTP requests over libcurl (see http.h for the policy).
 *
 * The body is collected into a ct_buf whose maximum is the caller's response limit, so a
 * hostile or broken server cannot make us allocate without bound; CURLOPT_MAXFILESIZE_LARGE
 * refuses early when the server announces a larger Content-Length.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "lib/http.h"
#include "util/err.h"

#ifndef CT_VERSION
#define CT_VERSION "0.0.0-dev"
#endif

#define HEADER_VALUE_MAX 8192	/* longest captured response header value */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct xfer {
	const struct ct_http_request *req;
	struct ct_http_response *resp;
	struct ct_buf body;
	int limit;		/* the body or a header passed its bound */
	int nomem;
};

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	int r;

	if ((r = ct_buf_put(&x->body, p, n)) != 0) {
		if (r == CT_ERR_LIMIT)
			x->limit = 1;
		else
			x->nomem = 1;
		return 0;	/* makes curl abort with CURLE_WRITE_ERROR */
	}
	return n;
}

static void
free_secret_str(char **p)
{
	if (*p != NULL)
		OPENSSL_clear_free(*p, strlen(*p));
	*p = NULL;
}

/* Store a trimmed copy of [v, v+n) in *slot, replacing what was there. */
static int
capture(char **slot, const char *v, size_t n)
{
	char *s;

	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' ||
	    v[n - 1] == '\n'))
		n--;
	if (n > HEADER_VALUE_MAX)
		return CT_ERR_LIMIT;
	if ((s = malloc(n + 1)) == NULL)
		return CT_ERR_NOMEM;
	memcpy(s, v, n);
	s[n] = '\0';
	free_secret_str(slot);
	*slot = s;
	return 0;
}

static size_t
header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	const char *const *want = x->req->want_headers;
	const char *colon;
	size_t n = size * nmemb, namelen, i;
	int r;

	/* a new status line (after "100 Continue") starts a new set of headers */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		for (i = 0; i < CT_HTTP_MAX_WANT; i++)
			free_secret_str(&x->resp->headers[i]);
		free_secret_str(&x->resp->content_type);
		return n;
	}
	if ((colon = memchr(p, ':', n)) == NULL)
		return n;	/* the blank line ending the headers, or junk */
	namelen = (size_t)(colon - p);
	r = 0;
	if (namelen == 12 && strncasecmp(p, "Content-Type", 12) == 0)
		r = capture(&x->resp->content_type, colon + 1, n - namelen - 1);
	for (i = 0; r == 0 && want != NULL && want[i] != NULL; i++) {
		if (strlen(want[i]) == namelen && strncasecmp(p, want[i], namelen) == 0)
			r = capture(&x->resp->headers[i], colon + 1, n - namelen - 1);
	}
	if (r != 0) {
		if (r == CT_ERR_LIMIT)
			x->limit = 1;
		else
			x->nomem = 1;
		return 0;
	}
	return n;
}

static int
has_header(const char *const *headers, const char *name)
{
	size_t n = strlen(name);

	for (; headers != NULL && *headers != NULL; headers++) {
		if (strncasecmp(*headers, name, n) == 0 && (*headers)[n] == ':')
			return 1;
	}
	return 0;
}

/* curl copies header strings; wipe the copies (an Authorization value) before freeing. */
static void
slist_free_secret(struct curl_slist *l)
{
	struct curl_slist *e;

	for (e = l; e != NULL; e = e->next)
		OPENSSL_cleanse(e->data, strlen(e->data));
	curl_slist_free_all(l);
}

void
ct_http_response_release(struct ct_http_response *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->body != NULL)
		OPENSSL_clear_free(r->body, r->body_len + 1);
	for (i = 0; i < CT_HTTP_MAX_WANT; i++)
		free_secret_str(&r->headers[i]);
	free_secret_str(&r->content_type);
	memset(r, 0, sizeof(*r));
}

int
ct_http_request(const struct ct_http_request *req, struct ct_http_response *out)
{
	struct xfer x;
	struct curl_slist *hl = NULL, *tmp;
	CURL *c = NULL;
	CURLcode cc;
	const char *method;
	size_t i, max;
	long status = 0;
	int r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	max = req->max_response != 0 ? req->max_response : CT_HTTP_MAX_RESPONSE_DEFAULT;
	ct_buf_init(&x.body, max);
	x.req = req;
	x.resp = out;

	if (req->url == NULL || *req->url == '\0')
		return ct_error(CT_ERR_INVALID, "no URL given");
	if (strncasecmp(req->url, "http://", 7) != 0 && strncasecmp(req->url, "https://", 8) != 0)
		return ct_error(CT_ERR_INVALID, "URL '%s' is not http:// or https://", req->url);
	for (i = 0; req->want_headers != NULL && req->want_headers[i] != NULL; i++) {
		if (i >= CT_HTTP_MAX_WANT)
			return ct_error(CT_ERR_INVALID, "more than %d response headers asked for",
			    CT_HTTP_MAX_WANT);
	}
	method = req->method != NULL ? req->method : req->body != NULL ? "POST" : "GET";

	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return ct_error(CT_ERR_NET, "cannot initialise libcurl: %s",
		    curl_easy_strerror(global_rc));
	if ((c = curl_easy_init()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "cannot create a curl handle");
		goto out;
	}

	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if ((tmp = curl_slist_append(hl, req->headers[i])) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		hl = tmp;
	}
	/* no "Expect: 100-continue" round trip for our small bodies */
	if (!has_header(req->headers, "Expect")) {
		if ((tmp = curl_slist_append(hl, "Expect:")) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		hl = tmp;
	}

	if (curl_easy_setopt(c, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    req->timeout_ms > 0 ? req->timeout_ms : CT_HTTP_TIMEOUT_MS_DEFAULT) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "credtrail/" CT_VERSION) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x) != CURLE_OK) {
		r = ct_error(CT_ERR_INTERNAL, "cannot set up the request to '%s'", req->url);
		goto out;
	}
	if (strcmp(method, "GET") == 0) {
		cc = curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		cc = curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(method, "POST") != 0)
			cc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		else
			cc = curl_easy_setopt(c, CURLOPT_POST, 1L);
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)req->body_len);
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			    req->body != NULL ? req->body : "");
	}
	if (cc != CURLE_OK) {
		r = ct_error(CT_ERR_INTERNAL, "cannot set up the request to '%s'", req->url);
		goto out;
	}

	cc = curl_easy_perform(c);
	if (x.nomem) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (x.limit || cc == CURLE_FILESIZE_EXCEEDED) {
		r = ct_error(CT_ERR_LIMIT, "response from '%s' is larger than %zu bytes",
		    req->url, max);
		goto out;
	}
	if (cc != CURLE_OK) {
		r = ct_error(CT_ERR_NET, "cannot reach '%s': %s", req->url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if ((r = ct_buf_nul(&x.body)) != 0)
		goto out;
	/* hand the body over; it came from ct_buf, so free()/OPENSSL_clear_free() own it */
	out->body_len = x.body.len;
	out->body = (char *)x.body.data;
	if (out->body == NULL && (out->body = calloc(1, 1)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(&x.body, 0, sizeof(x.body));
	out->status = status;
	r = 0;
 out:
	ct_buf_release_secret(&x.body);
	slist_free_secret(hl);
	if (c != NULL)
		curl_easy_cleanup(c);
	if (r != 0)
		ct_http_response_release(out);
	return r;
}

int
ct_http_post(const char *url, const char *const *headers, const void *body, size_t body_len,
    long timeout_ms, size_t max_response, struct ct_http_response *out)
{
	struct ct_http_request req;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body_len;
	req.timeout_ms = timeout_ms;
	req.max_response = max_response;
	return ct_http_request(&req, out);
}

int
ct_http_urlencode(struct ct_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char ch;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			r = ct_buf_put_u8(out, ch);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			r = ct_buf_put(out, e, 3);
		}
		if (r != 0)
			return r;
	}
	return 0;
}
