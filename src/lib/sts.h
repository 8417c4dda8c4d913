/*
 * sts.h - AWS STS AssumeRole and AssumeRoleWithWebIdentity over the Query API, and the small
 * XML reader their answers need.
 *
 * AssumeRole is a SigV4-signed (service "sts") POST of a form body:
 *   Action=AssumeRole&Version=2011-06-15&RoleArn=..&RoleSessionName=..&SourceIdentity=..
 *   &Tags.member.N.Key=..&Tags.member.N.Value=..&Policy=..&DurationSeconds=..
 * AssumeRoleWithWebIdentity is not signed: the OIDC token is the credential.  STS does not
 * accept Tags or SourceIdentity parameters on it - session tags and the source identity come
 * only from the token's "https://aws.amazon.com/tags" and
 * "https://aws.amazon.com/source_identity" claims - so none are sent; RoleSessionName, Policy
 * and DurationSeconds are.
 *
 * Inputs are checked before anything is sent (role ARN shape, session name, source identity,
 * tags, DurationSeconds 900-43200, Policy a JSON object of at most 2048 characters), so a
 * mistake is a local one-line error, not an STS round trip.
 *
 * Answers: the credentials, the assumed-role user, SourceIdentity and PackedPolicySize are
 * extracted; an STS <ErrorResponse> becomes CT_ERR_REMOTE with one line
 * "sts refused AssumeRole: AccessDenied: <message>"; a body that is not well-formed XML, or
 * lacks the credentials, is CT_ERR_FORMAT.
 */
#ifndef CT_STS_H
#define CT_STS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ct_aws_creds;

#define CT_STS_DURATION_MIN	900
#define CT_STS_DURATION_MAX	43200
#define CT_STS_POLICY_MAX	2048	/* characters of the inline session policy */
#define CT_STS_MAX_TAGS		50

struct ct_sts_tag {
	const char *key;
	const char *value;
};

struct ct_sts_assume {
	const char *endpoint;		/* URL; NULL: https://sts.<region>.amazonaws.com/ */
	const char *region;		/* signing region and default endpoint */
	const char *role_arn;
	const char *session_name;
	const char *source_identity;	/* AssumeRole only; NULL: none */
	const struct ct_sts_tag *tags;	/* AssumeRole only */
	size_t ntags;
	const char *policy;		/* JSON text sent as is (see ct_sts_policy_prepare), or NULL */
	long duration_seconds;		/* 0: STS's default (3600) */
	const char *web_identity_token;	/* non-NULL: AssumeRoleWithWebIdentity, unsigned */
	long timeout_ms;		/* 0: the http default */
};

struct ct_sts_result {
	char *access_key_id;
	char *secret_access_key;	/* secret */
	char *session_token;		/* secret */
	char *expiration;		/* as STS wrote it, e.g. "2026-11-25T22:00:00Z" */
	int64_t expiration_us;
	char *assumed_role_arn;		/* AssumedRoleUser/Arn */
	char *assumed_role_id;		/* AssumedRoleUser/AssumedRoleId */
	char *source_identity;		/* NULL when STS returned none */
	long packed_policy_size;	/* percent; -1 when absent */
	char *subject;			/* web identity: SubjectFromWebIdentityToken, else NULL */
	char *request_id;		/* ResponseMetadata/RequestId, or NULL */
	char *endpoint;			/* the URL the request went to */
};

/* arn:aws[-cn|-us-gov]:iam::<12 digits>:role/<path/>name; CT_ERR_INVALID saying what is wrong. */
int ct_sts_role_arn_check(const char *arn);

/* 900..43200; CT_ERR_INVALID "--ttl 300: STS allows 900 to 43200 seconds" style text. */
int ct_sts_duration_check(long long seconds);

/*
 * Check a session policy document (`n` bytes of `text`, named `name` in errors) and return
 * the text to send: the document minified (jansson, members in their original order), which
 * must be a JSON object and at most CT_STS_POLICY_MAX characters.  *out is malloc'd.
 */
int ct_sts_policy_prepare(const char *name, const char *text, size_t n, char **out);

/* Call STS.  `creds` may be NULL for AssumeRoleWithWebIdentity. */
int ct_sts_assume_role(const struct ct_aws_creds *creds, const struct ct_sts_assume *req,
    struct ct_sts_result *out);

/*
 * The checks of ct_sts_assume_role() on a 2xx answer to `action` ("AssumeRole", ...): `len`
 * bytes of `body`.  `out` is zeroed by the caller and filled only on success.
 */
int ct_sts_parse_answer(const char *action, const char *body, size_t len,
    struct ct_sts_result *out);

/* Wipe the secrets and free; leaves `r` empty. */
void ct_sts_result_release(struct ct_sts_result *r);

/*
 * The task binding an ARN carries, as JSON for `credtrail inspect`:
 *   {"kind":"aws-arn", "arn", "partition", "service", "region" (null if empty), "account",
 *    "resource", "role", "session_name", "principal", "task", "note"}
 * For arn:aws:sts::<account>:assumed-role/<role>/<session> the session name is the principal
 * and "task" is what it names (ct_task_from_principal()), or null with a note when it names
 * none.  Other ARNs (a role, a user) carry no session: session_name, principal and task are
 * null and "note" says so; for federated-user/<name> the name is the principal.  Reads
 * exactly `n` bytes (surrounding whitespace ignored); CT_ERR_FORMAT at once when the text is
 * not arn:<partition>:<service>:<region>:<account>:<resource>.
 */
int ct_inspect_aws_arn(const char *s, size_t n, json_t **out);

/* ---- a bounded XML element reader ---- */

#define CT_XML_MAX_DEPTH	32
#define CT_XML_MAX_VALUE	(64u * 1024)

struct ct_xml_field {
	const char *path;	/* element names from the root, '/'-separated; prefixes ignored */
	char *value;		/* out: decoded text (malloc'd), NULL when absent */
	size_t len;
};

/*
 * Read `len` bytes of XML once, checking it is one well-formed element tree (balanced tags,
 * depth <= CT_XML_MAX_DEPTH, entities &amp; &lt; &gt; &quot; &apos; &#N; &#xN;, CDATA,
 * comments, an XML declaration; no DTD), and fill each field with the text of the first
 * element whose path matches, which must contain no child elements.  `root` (if non-NULL)
 * receives the root element's local name.  Errors: CT_ERR_FORMAT ("truncated", "mismatched
 * </b>", ...), CT_ERR_LIMIT (too deep, a value over CT_XML_MAX_VALUE), CT_ERR_NOMEM.  On
 * error every field is left NULL.
 */
int ct_xml_extract(const char *xml, size_t len, struct ct_xml_field *fields, size_t nfields,
    char *root, size_t rootsz);

/* Wipe (values may be secrets) and free every field's value. */
void ct_xml_fields_release(struct ct_xml_field *fields, size_t nfields);

#endif
