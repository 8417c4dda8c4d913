/*
 * http.h - a small, bounded HTTP client over libcurl for token and STS endpoints.
 *
 * One request, one response, no surprises:
 *   - http:// and https:// only (CURLOPT_PROTOCOLS_STR); no redirect is followed (a 3xx is
 *     returned to the caller as a status like any other);
 *   - no proxy is taken from the environment (http_proxy, HTTPS_PROXY, ...): credentials go
 *     straight to the endpoint the user named, and tests on loopback are never diverted;
 *   - a hard maximum response body size: past it the transfer is aborted with CT_ERR_LIMIT;
 *   - a timeout for the whole transfer;
 *   - TLS peers are verified with the system trust store (libcurl's defaults).
 * A failure to talk to the server is CT_ERR_NET with curl's own words:
 *   "cannot reach 'https://sts.eu-west-1.amazonaws.com/': Couldn't connect to server".
 * An HTTP error status is NOT an error here: the caller reads the status and the body (an
 * OAuth2 or STS error document) and reports it in its own terms.
 *
 * Request bodies and response bodies may hold secrets (tokens, session credentials): the
 * response body is wiped when released, and the copies of request headers are wiped too.
 */
#ifndef CT_HTTP_H
#define CT_HTTP_H

#include <stddef.h>

#include "util/buf.h"

#define CT_HTTP_TIMEOUT_MS_DEFAULT	30000L
#define CT_HTTP_MAX_RESPONSE_DEFAULT	(1024u * 1024)	/* 1 MiB: token and STS answers are small */
#define CT_HTTP_MAX_WANT		8	/* response headers a caller may ask for */

struct ct_http_request {
	const char *method;		/* "GET", "POST", ...; NULL: POST if body, else GET */
	const char *url;
	const char *const *headers;	/* "Name: value" strings, NULL-terminated; or NULL */
	const void *body;		/* sent as is; may be NULL with body_len 0 */
	size_t body_len;
	long timeout_ms;		/* whole transfer; 0: CT_HTTP_TIMEOUT_MS_DEFAULT */
	size_t max_response;		/* body bytes; 0: CT_HTTP_MAX_RESPONSE_DEFAULT */
	/* response header names to capture (case-insensitive), NULL-terminated; or NULL */
	const char *const *want_headers;
};

struct ct_http_response {
	long status;			/* e.g. 200, 400 */
	char *body;			/* NUL-terminated (the NUL is not counted), never NULL on success */
	size_t body_len;
	/* values of req->want_headers[i] (trimmed; the last one if repeated), or NULL */
	char *headers[CT_HTTP_MAX_WANT];
	char *content_type;		/* always captured; NULL if the server sent none */
};

/*
 * Perform one request.  On success (any HTTP status) fills `out`, which the caller releases
 * with ct_http_response_release().  On failure `out` is left empty (safe to release).
 * Errors: CT_ERR_INVALID (bad request: no URL, scheme not http/https, too many want_headers),
 * CT_ERR_NET (connection, TLS, timeout), CT_ERR_LIMIT (response larger than max_response),
 * CT_ERR_NOMEM.
 */
int ct_http_request(const struct ct_http_request *req, struct ct_http_response *out);

/* POST `body` to `url` with `headers` (NULL-terminated "Name: value" list, or NULL). */
int ct_http_post(const char *url, const char *const *headers, const void *body, size_t body_len,
    long timeout_ms, size_t max_response, struct ct_http_response *out);

/* Wipe and free the body and header copies; leaves `r` empty. */
void ct_http_response_release(struct ct_http_response *r);

/*
 * Append `n` bytes of `s` percent-encoded as RFC 3986 wants it: A-Z a-z 0-9 - _ . ~ kept,
 * every other byte %XX with upper-case hex (so a space is %20, never '+').  This is both the
 * SigV4 URI encoding and a valid application/x-www-form-urlencoded value.
 */
int ct_http_urlencode(struct ct_buf *out, const char *s, size_t n);

#endif
