/*
 * gcp.c - service-account key files, the RFC 7523 assertion and its exchange (see gcp.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/gcp.h"
#include "lib/http.h"
#include "lib/jwt.h"
#include "lib/keys.h"
#include "lib/oidc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"

#define EMAIL_MAX 256
#define KEY_ID_MAX 128
#define REMOTE_TEXT_MAX 200

void
ct_gcp_sa_release(struct ct_gcp_sa *sa)
{
	free(sa->client_email);
	free(sa->private_key_id);
	free(sa->token_uri);
	EVP_PKEY_free(sa->key);
	memset(sa, 0, sizeof(*sa));
}

/* A string member, or a one-line error naming the file and the field. */
static int
get_field(json_t *o, const char *what, const char *name, const char **out, size_t *len)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL)
		return ct_error(CT_ERR_FORMAT, "service-account key '%s' has no \"%s\"", what, name);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return ct_error(CT_ERR_FORMAT, "service-account key '%s': \"%s\" is not a "
		    "non-empty string", what, name);
	*out = json_string_value(v);
	*len = json_string_length(v);
	if (strlen(*out) != *len)
		return ct_error(CT_ERR_FORMAT, "service-account key '%s': \"%s\" holds a NUL",
		    what, name);
	return 0;
}

static int
email_check(const char *s, size_t n, const char *what)
{
	const char *at = memchr(s, '@', n);
	size_t i;

	if (n > EMAIL_MAX || at == NULL || at == s || at == s + n - 1 ||
	    memchr(at + 1, '@', n - (size_t)(at + 1 - s)) != NULL)
		goto bad;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    strchr("\"\\<>()[],;:", s[i]) != NULL)
			goto bad;
	return 0;
 bad:
	return ct_error(CT_ERR_FORMAT, "service-account key '%s': \"client_email\" is not an "
	    "e-mail address", what);
}

static int
key_id_check(const char *s, size_t n, const char *what)
{
	size_t i;

	if (n > KEY_ID_MAX)
		goto bad;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			goto bad;
	}
	return 0;
 bad:
	return ct_error(CT_ERR_FORMAT, "service-account key '%s': \"private_key_id\" is not a "
	    "key id (1-%d of [A-Za-z0-9._-])", what, KEY_ID_MAX);
}

int
ct_gcp_sa_parse(const uint8_t *data, size_t len, const char *what, struct ct_gcp_sa *out)
{
	json_error_t jerr;
	json_t *o = NULL;
	const char *type, *email, *pem, *kid, *uri;
	size_t tlen, elen, plen, klen, ulen;
	enum ct_key_type kt;
	char pkwhat[512];
	int r;

	memset(out, 0, sizeof(*out));
	/*
	 * jansson keeps its own copy of "private_key", which it frees without wiping; the
	 * copy lives only as long as this call.
	 */
	if ((o = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return ct_error(CT_ERR_FORMAT, "service-account key '%s' is not JSON (line %d: %s)",
		    what, jerr.line, jerr.text);
	if (!json_is_object(o)) {
		r = ct_error(CT_ERR_FORMAT, "service-account key '%s' is not a JSON object", what);
		goto out;
	}
	if ((r = get_field(o, what, "type", &type, &tlen)) != 0)
		goto out;
	if (strcmp(type, "service_account") != 0) {
		r = ct_error(CT_ERR_FORMAT, "'%s' is a \"%.40s\" credential, not a service_account "
		    "key", what, type);
		goto out;
	}
	if ((r = get_field(o, what, "client_email", &email, &elen)) != 0 ||
	    (r = email_check(email, elen, what)) != 0 ||
	    (r = get_field(o, what, "private_key_id", &kid, &klen)) != 0 ||
	    (r = key_id_check(kid, klen, what)) != 0 ||
	    (r = get_field(o, what, "token_uri", &uri, &ulen)) != 0)
		goto out;
	if ((r = ct_oidc_url_check(uri, "token_uri")) != 0) {
		r = ct_error(CT_ERR_FORMAT, "service-account key '%s': %s", what, ct_errmsg(r));
		goto out;
	}
	if ((r = get_field(o, what, "private_key", &pem, &plen)) != 0)
		goto out;
	snprintf(pkwhat, sizeof(pkwhat), "%s (private_key)", what);
	if ((r = ct_key_parse_private((const uint8_t *)pem, plen, pkwhat, &out->key)) != 0)
		goto out;
	if ((r = ct_key_type_of(out->key, &kt)) != 0)
		goto out;
	if (kt != CT_KEY_RSA) {
		r = ct_error(CT_ERR_UNSUPPORTED, "service-account key '%s': private_key is %s, not "
		    "RSA (Google's grant is RS256)", what, ct_key_type_name(kt));
		goto out;
	}
	if ((out->client_email = strdup(email)) == NULL ||
	    (out->private_key_id = strdup(kid)) == NULL || (out->token_uri = strdup(uri)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
 out:
	json_decref(o);
	if (r != 0)
		ct_gcp_sa_release(out);
	return r;
}

int
ct_gcp_sa_load(const char *path, struct ct_gcp_sa *out)
{
	uint8_t *d = NULL;
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ct_check_private_file(path)) != 0 ||
	    (r = ct_read_file(path, CT_GCP_KEY_MAX_FILE, &d, &n)) != 0)
		return r;
	r = ct_gcp_sa_parse(d, n, path, out);
	OPENSSL_clear_free(d, n);
	return r;
}

int
ct_gcp_scope_check(const char *scope)
{
	size_t i, n = strlen(scope);

	if (n == 0 || n > 512)
		return ct_error(CT_ERR_INVALID, "a scope must be 1 to 512 characters");
	for (i = 0; i < n; i++) {
		int c = (unsigned char)scope[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return ct_error(CT_ERR_INVALID, "scope '%s' has an invalid character at "
			    "position %zu", scope, i + 1);
	}
	return 0;
}

int
ct_gcp_assertion(const struct ct_gcp_sa *sa, const struct ct_gcp_grant *g, char **out)
{
	json_t *claims;
	int r;

	*out = NULL;
	if (g->expires <= g->issued || g->expires - g->issued > CT_GCP_TTL_MAX)
		return ct_error(CT_ERR_INVALID, "assertion lifetime must be 1 to %d seconds",
		    CT_GCP_TTL_MAX);
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s*, s:s}",
	    "iss", sa->client_email, "sub", sa->client_email, "aud", g->audience,
	    "scope", g->scope, "iat", (json_int_t)g->issued, "exp", (json_int_t)g->expires,
	    "jti", g->jti, "ironclaw_task_id", g->task_id, "ironclaw_task_class", g->task_class,
	    "ironclaw_principal", g->principal);
	if (claims == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	r = ct_jwt_sign(sa->key, sa->private_key_id, claims, out);
	json_decref(claims);
	return r;
}

/* Remote text made safe for one error line: printable ASCII, bounded. */
static void
sanitize(const char *s, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < outsz; i++) {
		if (i >= REMOTE_TEXT_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	}
	out[o] = '\0';
}

/* The token endpoint's answer: `status` and `len` bytes of `body` (see gcp.h). */
int
ct_gcp_token_answer(long status, const char *body, size_t len, json_t **out)
{
	json_error_t jerr;
	json_t *o = NULL;
	const char *err, *desc;
	char e1[REMOTE_TEXT_MAX + 8], e2[REMOTE_TEXT_MAX + 8];
	int r;

	*out = NULL;
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	err = json_string_value(json_object_get(o, "error"));
	if (err != NULL) {
		desc = json_string_value(json_object_get(o, "error_description"));
		sanitize(err, strlen(err), e1, sizeof(e1));
		if (desc != NULL)
			sanitize(desc, strlen(desc), e2, sizeof(e2));
		r = ct_error(CT_ERR_REMOTE, "token endpoint refused the grant (HTTP %ld): %s%s%s",
		    status, e1, desc != NULL ? ": " : "", desc != NULL ? e2 : "");
		goto out;
	}
	if (status < 200 || status > 299) {
		r = ct_error(CT_ERR_REMOTE, "token endpoint answered HTTP %ld without an OAuth2 "
		    "error document", status);
		goto out;
	}
	if (o == NULL) {
		r = ct_error(CT_ERR_FORMAT, "token endpoint answer is not a JSON object");
		goto out;
	}
	if (!json_is_string(json_object_get(o, "access_token")) ||
	    json_string_length(json_object_get(o, "access_token")) == 0) {
		r = ct_error(CT_ERR_FORMAT, "token endpoint answer has no access_token");
		goto out;
	}
	if (json_object_get(o, "expires_in") != NULL &&
	    (!json_is_integer(json_object_get(o, "expires_in")) ||
	    json_integer_value(json_object_get(o, "expires_in")) <= 0)) {
		r = ct_error(CT_ERR_FORMAT, "token endpoint answer has a bad expires_in");
		goto out;
	}
	*out = o;
	o = NULL;
	r = 0;
 out:
	json_decref(o);
	return r;
}

int
ct_gcp_exchange(const char *token_url, const char *assertion, json_t **out)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json",
		NULL
	};
	struct ct_http_response resp;
	struct ct_buf body;
	int r;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	ct_buf_init(&body, CT_JWT_MAX_LEN * 4);
	if ((r = ct_oidc_url_check(token_url, "token URL")) != 0)
		goto out;
	if ((r = ct_buf_putf(&body, "grant_type=")) != 0 ||
	    (r = ct_http_urlencode(&body, "urn:ietf:params:oauth:grant-type:jwt-bearer",
	    strlen("urn:ietf:params:oauth:grant-type:jwt-bearer"))) != 0 ||
	    (r = ct_buf_putf(&body, "&assertion=")) != 0 ||
	    (r = ct_http_urlencode(&body, assertion, strlen(assertion))) != 0)
		goto out;
	r = ct_http_post(token_url, headers, ct_buf_ptr(&body), ct_buf_avail(&body), 0,
	    CT_GCP_MAX_RESPONSE, &resp);
	if (r == CT_ERR_LIMIT) {
		r = ct_error(CT_ERR_LIMIT, "token endpoint answer is larger than %d bytes",
		    CT_GCP_MAX_RESPONSE);
		goto out;
	}
	if (r != 0)
		goto out;
	r = ct_gcp_token_answer(resp.status, resp.body, resp.body_len, out);
 out:
	ct_http_response_release(&resp);
	ct_buf_release_secret(&body);
	return r;
}
