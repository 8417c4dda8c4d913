/*
 * gcp.h - the Google service-account JWT grant (RFC 7523) with the task's claims added.
 *
 * A service-account key file (the JSON `gcloud iam service-accounts keys create` writes) holds
 * client_email, private_key (PEM RSA), private_key_id and token_uri.  The assertion is an RS256
 * JWT whose header "kid" is private_key_id - which is what GCP audit logs report as
 * serviceAccountKeyName, so the ledger records it as the credential's key id - and whose
 * claims are iss = sub = client_email, aud = the token endpoint, scope, iat, exp, jti, plus
 * ironclaw_task_id, ironclaw_task_class and ironclaw_principal.  Exchanged at the token
 * endpoint (grant_type urn:ietf:params:oauth:grant-type:jwt-bearer) it becomes an OAuth2 access
 * token; an OAuth2 error answer becomes one CT_ERR_REMOTE line.
 */
#ifndef CT_GCP_H
#define CT_GCP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#define CT_GCP_KEY_MAX_FILE (64 * 1024)
#define CT_GCP_MAX_RESPONSE (64 * 1024)
#define CT_GCP_TTL_MAX 3600		/* Google refuses assertions valid for longer */
#define CT_GCP_DEFAULT_SCOPE "https://www.googleapis.com/auth/cloud-platform"

struct ct_gcp_sa {
	char *client_email;
	char *private_key_id;
	char *token_uri;
	EVP_PKEY *key;			/* RSA */
};

/*
 * Parse a service-account key file's bytes; `what` names it in errors.  Each missing or
 * malformed field is its own CT_ERR_FORMAT message; a private key that is not RSA is
 * CT_ERR_UNSUPPORTED.
 */
int ct_gcp_sa_parse(const uint8_t *data, size_t len, const char *what, struct ct_gcp_sa *out);
/* Read and parse a key file, refusing it when group or others can read it. */
int ct_gcp_sa_load(const char *path, struct ct_gcp_sa *out);
void ct_gcp_sa_release(struct ct_gcp_sa *sa);

/* A scope token as RFC 6749 3.3 allows it (printable ASCII, no space, '"' or '\'). */
int ct_gcp_scope_check(const char *scope);

struct ct_gcp_grant {
	const char *audience;		/* the token endpoint URL */
	const char *scope;		/* space-separated scopes */
	int64_t issued;			/* iat, seconds */
	int64_t expires;		/* exp, seconds; at most CT_GCP_TTL_MAX after iat */
	const char *jti;
	const char *task_id;
	const char *task_class;		/* NULL: claim omitted */
	const char *principal;
};

/* The signed assertion; malloc'd (a credential until it expires: wipe it). */
int ct_gcp_assertion(const struct ct_gcp_sa *sa, const struct ct_gcp_grant *g, char **out);

/*
 * POST the assertion to `token_url` and return the token response (a JSON object with a
 * string "access_token").  Errors, each one line: CT_ERR_NET (unreachable), CT_ERR_LIMIT
 * (answer larger than CT_GCP_MAX_RESPONSE), CT_ERR_REMOTE (an OAuth2 error document, or
 * a non-2xx status), CT_ERR_FORMAT (2xx but not JSON or no access_token).
 */
int ct_gcp_exchange(const char *token_url, const char *assertion, json_t **out);

/* The checks of ct_gcp_exchange() on an answer: HTTP `status` and `len` bytes of `body`. */
int ct_gcp_token_answer(long status, const char *body, size_t len, json_t **out);

#endif
