/*
 * oidc.c - issuer URL rules, discovery document and JWKS (see oidc.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/jwt.h"
#include "lib/oidc.h"
#include "util/err.h"
#include "util/fs.h"

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 path characters: unreserved, sub-delims, ':' '@' '/' and %XX. */
static int
path_ok(const char *p, size_t n, size_t *bad)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (is_alnum(c) || strchr("-._~!$&'()*+,;=:@/", c) != NULL)
			continue;
		if (c == '%' && i + 2 < n && is_hex((unsigned char)p[i + 1]) &&
		    is_hex((unsigned char)p[i + 2])) {
			i += 2;
			continue;
		}
		*bad = i;
		return 0;
	}
	return 1;
}

/* A DNS name or IPv4 address ([A-Za-z0-9.-], labels not empty), or "[v6]". */
static int
host_ok(const char *h, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > 253)
		return 0;
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			return 0;
		for (i = 1; i + 1 < n; i++)
			if (!is_hex((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
				return 0;
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (is_alnum((unsigned char)h[i]) || h[i] == '-') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

static int
is_loopback(const char *h, size_t n)
{
	return (n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	    (n == 9 && memcmp(h, "127.0.0.1", 9) == 0) || (n == 5 && memcmp(h, "[::1]", 5) == 0);
}

int
ct_oidc_url_check(const char *url, const char *what)
{
	const char *rest, *hostend, *host, *bad;
	size_t n = strlen(url), hlen, off;
	int https;

	if (n > CT_URL_MAX)
		return ct_error(CT_ERR_INVALID, "%s URL is longer than %d characters", what,
		    CT_URL_MAX);
	if (strncmp(url, "https://", 8) == 0) {
		https = 1;
		rest = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		https = 0;
		rest = url + 7;
	} else {
		return ct_error(CT_ERR_INVALID, "%s '%s' is not an https:// URL", what, url);
	}
	if ((bad = strpbrk(url, "?#")) != NULL)
		return ct_error(CT_ERR_INVALID, "%s '%s' must not have a %s", what, url,
		    *bad == '?' ? "query" : "fragment");
	host = rest;
	hostend = host + strcspn(host, "/");
	if (memchr(host, '@', (size_t)(hostend - host)) != NULL)
		return ct_error(CT_ERR_INVALID, "%s '%s' must not carry user information", what,
		    url);
	/* split off ":port" (after a bracketed v6 literal, if any) */
	hlen = (size_t)(hostend - host);
	if (hlen > 0 && host[0] == '[') {
		const char *rb = memchr(host, ']', hlen);

		if (rb == NULL)
			return ct_error(CT_ERR_INVALID, "%s '%s' has a bad host", what, url);
		off = (size_t)(rb - host) + 1;
	} else {
		off = strcspn(host, ":/");
	}
	if (off < hlen) {
		const char *p = host + off;
		unsigned long port = 0;
		size_t i;

		if (*p != ':' || p + 1 == hostend || hostend - p > 6)
			return ct_error(CT_ERR_INVALID, "%s '%s' has a bad port", what, url);
		for (i = 1; p + i < hostend; i++) {
			if (p[i] < '0' || p[i] > '9')
				return ct_error(CT_ERR_INVALID, "%s '%s' has a bad port", what, url);
			port = port * 10 + (unsigned long)(p[i] - '0');
		}
		if (port == 0 || port > 65535)
			return ct_error(CT_ERR_INVALID, "%s '%s' has a bad port", what, url);
		hlen = off;
	}
	if (!host_ok(host, hlen))
		return ct_error(CT_ERR_INVALID, "%s '%s' has a bad host name", what, url);
	if (!https && !is_loopback(host, hlen))
		return ct_error(CT_ERR_INVALID, "%s '%s' must use https (http is allowed only "
		    "for 127.0.0.1, localhost and [::1])", what, url);
	if (*hostend != '\0' && !path_ok(hostend, strlen(hostend), &off))
		return ct_error(CT_ERR_INVALID, "%s '%s' has an invalid character in its path "
		    "at position %zu", what, url, (size_t)(hostend - url) + off + 1);
	return 0;
}

int
ct_oidc_jwks(EVP_PKEY *key, json_t **out)
{
	json_t *jwk = NULL;
	int r;

	*out = NULL;
	if ((r = ct_jwk_public(key, &jwk)) != 0)
		return r;
	if ((*out = json_pack("{s:[o]}", "keys", jwk)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

int
ct_oidc_discovery(const char *issuer, EVP_PKEY *key, json_t **out)
{
	enum ct_jwt_alg alg;
	char jwks_uri[CT_URL_MAX + 16];
	size_t n = strlen(issuer);
	int r;

	*out = NULL;
	if ((r = ct_oidc_url_check(issuer, "issuer")) != 0 ||
	    (r = ct_jwt_alg_for_key(key, &alg)) != 0)
		return r;
	/* "https://a/b/" and "https://a/b" both put the JWKS at https://a/b/jwks.json */
	if (n > 0 && issuer[n - 1] == '/')
		n--;
	snprintf(jwks_uri, sizeof(jwks_uri), "%.*s/jwks.json", (int)n, issuer);
	*out = json_pack("{s:s, s:s, s:[s], s:[s], s:[s], s:[s,s,s,s,s,s,s,s,s]}",
	    "issuer", issuer,
	    "jwks_uri", jwks_uri,
	    "response_types_supported", "id_token",
	    "subject_types_supported", "public",
	    "id_token_signing_alg_values_supported", ct_jwt_alg_name(alg),
	    "claims_supported", "iss", "sub", "aud", "iat", "nbf", "exp", "jti",
	    "ironclaw_task_id", "ironclaw_task_class");
	if (*out == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
write_json(const char *path, json_t *v)
{
	char *s;
	int r;

	if ((s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
		return ct_error(CT_ERR_NOMEM, "cannot encode JSON");
	/* a trailing newline, as text files have */
	{
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);

		if (t == NULL) {
			free(s);
			return ct_error(CT_ERR_NOMEM, "out of memory");
		}
		s = t;
		s[n] = '\n';
		s[n + 1] = '\0';
	}
	r = ct_write_file_atomic(path, s, strlen(s), 0644);
	free(s);
	return r;
}

int
ct_oidc_write(const char *dir, const char *issuer, EVP_PKEY *key)
{
	char wk[PATH_MAX], conf[PATH_MAX], jwks[PATH_MAX];
	json_t *dj = NULL, *jj = NULL;
	int r;

	if ((size_t)snprintf(wk, sizeof(wk), "%s/.well-known", dir) >= sizeof(wk) ||
	    (size_t)snprintf(conf, sizeof(conf), "%s/openid-configuration", wk) >= sizeof(conf) ||
	    (size_t)snprintf(jwks, sizeof(jwks), "%s/jwks.json", dir) >= sizeof(jwks))
		return ct_error(CT_ERR_INVALID, "path too long: '%s'", dir);
	if ((r = ct_oidc_discovery(issuer, key, &dj)) != 0 || (r = ct_oidc_jwks(key, &jj)) != 0)
		goto out;
	if ((r = ct_mkdir_p(wk, 0755)) != 0 || (r = write_json(jwks, jj)) != 0 ||
	    (r = write_json(conf, dj)) != 0)
		goto out;
 out:
	json_decref(dj);
	json_decref(jj);
	return r;
}
