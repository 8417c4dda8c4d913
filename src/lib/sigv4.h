/*
 * sigv4.h - AWS Signature Version 4 (header-based signing, AWS4-HMAC-SHA256).
 *
 * The four steps, as AWS documents them:
 *   1. canonical request: METHOD \n canonical URI \n canonical query \n canonical headers \n
 *      \n signed headers \n hex(SHA-256(payload));
 *   2. string to sign: "AWS4-HMAC-SHA256" \n X-Amz-Date \n <date>/<region>/<service>/aws4_request
 *      \n hex(SHA-256(canonical request));
 *   3. signing key: HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request";
 *   4. Authorization: "AWS4-HMAC-SHA256 Credential=<akid>/<scope>, SignedHeaders=<list>,
 *      Signature=<hex HMAC(signing key, string to sign)>".
 *
 * The request's `path` is the path as it goes on the wire (already percent-encoded).  For every
 * service except S3 it is normalised (empty and "." segments dropped, ".." resolved, a trailing
 * slash kept) and then each byte outside RFC 3986's unreserved set and '/' is encoded once
 * more - AWS's "encode twice" rule, the same as botocore.  With CT_SIGV4_S3 the wire path is
 * used verbatim.  Query parameters are percent-decoded, re-encoded (RFC 3986, %20 for space),
 * and sorted by name then value.  Header names are lower-cased, values trimmed and runs of
 * spaces collapsed; repeated names are joined with ',' in the order given.  Every header
 * passed in is signed.
 *
 * X-Amz-Date and, with a session token, X-Amz-Security-Token are added (and signed) when the
 * caller did not pass them; the caller must then send the lines in `out->add_headers`.  With
 * CT_SIGV4_TOKEN_UNSIGNED the token header is added after signing instead, as some older
 * services expect (the suite's post-sts-header-after case).
 *
 * Secrets: the secret access key and every derived key are wiped after use.  Nothing here
 * keeps a copy of the secret.
 */
#ifndef CT_SIGV4_H
#define CT_SIGV4_H

#include <stddef.h>

#define CT_SIGV4_MAX_HEADERS	64
#define CT_SIGV4_MAX_PARAMS	256

enum ct_sigv4_flags {
	CT_SIGV4_S3 = 1 << 0,			/* no path normalisation or second encoding */
	CT_SIGV4_TOKEN_UNSIGNED = 1 << 1,	/* add X-Amz-Security-Token after signing */
};

struct ct_sigv4_header {
	const char *name;
	const char *value;
};

struct ct_sigv4_request {
	const char *method;		/* "GET", "POST" */
	const char *path;		/* wire form, starts with '/' */
	const char *query;		/* wire form without '?', or NULL */
	const struct ct_sigv4_header *headers;	/* must include Host */
	size_t nheaders;
	const void *body;
	size_t body_len;
	const char *payload_hash;	/* hex SHA-256 (or "UNSIGNED-PAYLOAD"); NULL: hash body */
};

struct ct_sigv4_params {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL for long-term credentials */
	const char *region;		/* "us-east-1" */
	const char *service;		/* "sts" */
	const char *amz_date;		/* "20150830T123600Z"; NULL: now */
	int flags;			/* enum ct_sigv4_flags */
};

struct ct_sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signed_headers;		/* "host;x-amz-date" */
	char *authorization;		/* the Authorization header's value */
	char amz_date[17];		/* "YYYYMMDDTHHMMSSZ" used */
	/* "Name: value" header lines the caller must add to the request (X-Amz-Date,
	 * X-Amz-Security-Token), NULL-terminated; the Authorization line is separate */
	char *add_headers[3];
};

/*
 * Sign one request.  Errors: CT_ERR_INVALID naming the bad input (no Host header, a header
 * value with a control character, a malformed percent escape, a bad X-Amz-Date, too many
 * headers or parameters), CT_ERR_CRYPTO, CT_ERR_NOMEM, CT_ERR_LIMIT.
 */
int ct_sigv4_sign(const struct ct_sigv4_params *p, const struct ct_sigv4_request *req,
    struct ct_sigv4_result *out);

void ct_sigv4_result_release(struct ct_sigv4_result *r);

/*
 * Steps 3 and 4 alone: the hex signature of a string to sign, with the signing key derived
 * from `secret` for the scope date8 ("YYYYMMDD") / region / service.
 */
int ct_sigv4_signature(const char *secret, const char *date8, const char *region,
    const char *service, const char *sts, size_t stslen, char out[65]);

/* "YYYYMMDDTHHMMSSZ" for a time in microseconds since the epoch; out holds 17 bytes. */
void ct_sigv4_amz_date(long long us, char out[17]);

#endif
