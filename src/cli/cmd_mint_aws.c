/*
 * cmd_mint_aws.c - `credtrail mint aws`: an STS session whose name, source identity and
 * session tags carry the task into CloudTrail, scoped down by an inline session policy.
 *
 * RoleSessionName = SourceIdentity = the task principal `<prefix>-task-<task>-<nonce>`;
 * session tags ironclaw:task-id and (when the task has a class) ironclaw:task-class.  With
 * --web-identity the OIDC token (from `credtrail mint jwt`) is exchanged with
 * AssumeRoleWithWebIdentity instead; STS takes no tags or source identity parameters there
 * (they can only come from the token's claims), so only the session name carries the task.
 *
 * The secret access key and the session token go to stdout only: never to the ledger,
 * never to stderr.  The ledger row (join keys: access key id, session name, source identity,
 * assumed-role ARN; scope: the session policy as sent) is committed before the output is
 * printed, and nothing is recorded when STS refuses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "cli/cli.h"
#include "lib/awscreds.h"
#include "lib/ledger.h"
#include "lib/otlp.h"
#include "lib/policy.h"
#include "lib/store.h"
#include "lib/sts.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define POLICY_FILE_MAX	(64u * 1024)
#define TOKEN_FILE_MAX	(64u * 1024)
#define DEFAULT_REGION	"us-east-1"
#define DEFAULT_TTL	900

enum out_format { FMT_PROCESS, FMT_ENV, FMT_JSON };

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Append `s` as a JSON string (the values are printable ASCII, checked by sts.c). */
static int
put_json_str(struct ct_buf *b, const char *s)
{
	int r;

	if ((r = ct_buf_put_u8(b, '"')) != 0)
		return r;
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			r = ct_buf_putf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			r = ct_buf_putf(b, "\\u%04x", (unsigned char)*s);
		else
			r = ct_buf_put_u8(b, (uint8_t)*s);
		if (r != 0)
			return r;
	}
	return ct_buf_put_u8(b, '"');
}

static int
put_json_member(struct ct_buf *b, const char *name, const char *value, int last)
{
	int r;

	if ((r = ct_buf_putf(b, "  \"%s\": ", name)) != 0)
		return r;
	if (value == NULL)
		r = ct_buf_put(b, "null", 4);
	else
		r = put_json_str(b, value);
	if (r != 0)
		return r;
	return ct_buf_put(b, last ? "\n" : ",\n", last ? 1 : 2);
}

/* 'value' for a POSIX shell: single quotes, with each ' written as '\'' */
static int
put_shell_quoted(struct ct_buf *b, const char *s)
{
	int r;

	if ((r = ct_buf_put_u8(b, '\'')) != 0)
		return r;
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			r = ct_buf_put(b, "'\\''", 4);
		else
			r = ct_buf_put_u8(b, (uint8_t)*s);
		if (r != 0)
			return r;
	}
	return ct_buf_put_u8(b, '\'');
}

/*
 * Build the output in a buffer the caller wipes: stdio gets it in one write, and no jansson
 * object ever holds the secret.
 */
static int
format_output(struct ct_buf *b, enum out_format fmt, const struct ct_sts_result *res,
    const char *session_name, const char *source_identity, const char *task)
{
	static const char *const env_names[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_CREDENTIAL_EXPIRATION"
	};
	const char *env_values[4];
	size_t i;
	int r;

	if (fmt == FMT_ENV) {
		env_values[0] = res->access_key_id;
		env_values[1] = res->secret_access_key;
		env_values[2] = res->session_token;
		env_values[3] = res->expiration;
		for (i = 0; i < 4; i++) {
			if ((r = ct_buf_putf(b, "export %s=", env_names[i])) != 0 ||
			    (r = put_shell_quoted(b, env_values[i])) != 0 ||
			    (r = ct_buf_put_u8(b, '\n')) != 0)
				return r;
		}
		return 0;
	}
	/* the credential_process shape (Version 1), then credtrail's additions */
	if ((r = ct_buf_put(b, "{\n  \"Version\": 1,\n", 18)) != 0 ||
	    (r = put_json_member(b, "AccessKeyId", res->access_key_id, 0)) != 0 ||
	    (r = put_json_member(b, "SecretAccessKey", res->secret_access_key, 0)) != 0 ||
	    (r = put_json_member(b, "SessionToken", res->session_token, 0)) != 0 ||
	    (r = put_json_member(b, "Expiration", res->expiration, fmt == FMT_PROCESS)) != 0)
		return r;
	if (fmt == FMT_JSON &&
	    ((r = put_json_member(b, "RoleSessionName", session_name, 0)) != 0 ||
	    (r = put_json_member(b, "AssumedRoleArn", res->assumed_role_arn, 0)) != 0 ||
	    (r = put_json_member(b, "AssumedRoleId", res->assumed_role_id, 0)) != 0 ||
	    (r = put_json_member(b, "SourceIdentity", source_identity, 0)) != 0 ||
	    (r = put_json_member(b, "Task", task, 1)) != 0))
		return r;
	return ct_buf_put(b, "}\n", 2);
}

/*
 * The token file: one compact JWS.  Its payload's ironclaw_task_id must name --task (the
 * signature is STS's business; this only stops a token of another task being used by
 * mistake).
 */
static int
load_web_identity(const char *path, const char *task, char **out)
{
	uint8_t *data = NULL, *payload = NULL;
	size_t len = 0, plen = 0;
	const char *dot1, *dot2, *claim;
	json_t *claims = NULL, *exp;
	json_error_t jerr;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if ((r = ct_read_file(path, TOKEN_FILE_MAX, &data, &len)) != 0)
		goto out;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
	    data[len - 1] == ' ' || data[len - 1] == '\t'))
		data[--len] = '\0';
	if (memchr(data, '\0', len) != NULL ||
	    (dot1 = memchr(data, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - (char *)data))) == NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - (char *)data)) != NULL) {
		r = ct_error(CT_ERR_FORMAT, "'%s' does not hold a JWT (header.payload.signature)",
		    path);
		goto out;
	}
	if (ct_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &payload, &plen) != 0 ||
	    (claims = json_loadb((const char *)payload, plen, 0, &jerr)) == NULL ||
	    !json_is_object(claims)) {
		r = ct_error(CT_ERR_FORMAT, "the JWT in '%s' has a payload that is not a JSON "
		    "object", path);
		goto out;
	}
	if ((claim = json_string_value(json_object_get(claims, "ironclaw_task_id"))) == NULL) {
		r = ct_error(CT_ERR_INVALID, "the JWT in '%s' has no ironclaw_task_id claim; "
		    "mint it with 'credtrail mint jwt --task %s'", path, task);
		goto out;
	}
	if (strcmp(claim, task) != 0) {
		r = ct_error(CT_ERR_INVALID, "the JWT in '%s' is for task '%.64s', not '%s'", path,
		    claim, task);
		goto out;
	}
	exp = json_object_get(claims, "exp");
	if (json_is_integer(exp) && json_integer_value(exp) <= ct_now_us() / 1000000) {
		char ts[40];

		ct_time_fmt((int64_t)json_integer_value(exp) * 1000000, 0, ts, sizeof(ts));
		r = ct_error(CT_ERR_INVALID, "the JWT in '%s' expired at %s", path, ts);
		goto out;
	}
	*out = (char *)data;
	data = NULL;
	r = 0;
 out:
	if (data != NULL)
		OPENSSL_clear_free(data, len + 1);
	if (payload != NULL)
		OPENSSL_clear_free(payload, plen + 1);
	json_decref(claims);
	return r;
}

int
cmd_mint_aws(int argc, char **argv)
{
	const char *task = NULL, *role_arn = NULL, *policy_path = NULL, *token_path = NULL;
	const char *endpoint = NULL, *region = NULL, *profile = NULL, *prefix = cli.prefix;
	const char *format = "credential-process", *source_identity;
	long long ttl = -1;
	char principal[CT_PRINCIPAL_MAX + 1];
	char *policy = NULL, *token = NULL, *extra = NULL, *suggested = NULL;
	uint8_t *policy_file = NULL;
	size_t policy_len = 0;
	struct ct_aws_creds creds;
	struct ct_sts_result res;
	struct ct_sts_assume req;
	struct ct_sts_tag tags[3];
	struct ct_traceparent trace;
	const char *tpenv;
	size_t ntags;
	struct ct_store *st = NULL;
	struct ct_cred cred;
	struct ct_task t;
	struct ct_buf outbuf;
	enum out_format fmt;
	json_t *ex = NULL;
	int npos, r, rc = CLI_FAIL;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &task, "ID", "the task the session is for" },
		{ OPT_STRING, 0, "role-arn", &role_arn, "ARN",
		  "the role to assume (arn:aws:iam::<account>:role/<name>)" },
		{ OPT_STRING, 0, "policy", &policy_path, "FILE",
		  "inline session policy (JSON) that scopes the role down; suggested:CLASS takes "
		  "the latest 'credtrail policy suggest' of CLASS" },
		{ OPT_STRING, 0, "web-identity", &token_path, "TOKENFILE",
		  "use AssumeRoleWithWebIdentity with this JWT (from 'credtrail mint jwt')" },
		{ OPT_STRING, 0, "endpoint", &endpoint, "URL",
		  "STS endpoint (default https://sts.<region>.amazonaws.com/)" },
		{ OPT_STRING, 0, "region", &region, "R",
		  "region (default $AWS_REGION, $AWS_DEFAULT_REGION, the profile's, us-east-1)" },
		{ OPT_STRING, 0, "profile", &profile, "P",
		  "take the source credentials from this profile of the shared files" },
		{ OPT_DURATION, 0, "ttl", &ttl, "DUR",
		  "session lifetime, DurationSeconds: 15m (the default) to 12h" },
		{ OPT_STRING, 0, "prefix", &prefix, "P", "principal prefix (default ironclaw)" },
		{ OPT_STRING, 0, "format", &format, "F",
		  "credential-process (default), env or json" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail mint aws --task ID --role-arn ARN [--policy FILE] [--web-identity TOKENFILE]\n"
		"       [--endpoint URL] [--region R] [--profile P] [--ttl DUR] [--prefix P]\n"
		"       [--format credential-process|env|json]",
		"Assume ARN with STS for the task.  RoleSessionName and SourceIdentity are the task\n"
		"principal <prefix>-task-<task>-<nonce>; the session is tagged ironclaw:task-id and,\n"
		"when the task has a class, ironclaw:task-class, and with a valid W3C TRACEPARENT in\n"
		"the environment, ironclaw:trace-id; --policy scopes it down.  Requests\n"
		"are SigV4-signed with the source credentials found as the AWS CLI finds them\n"
		"(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, else the profile --profile\n"
		"or AWS_PROFILE names in ~/.aws/credentials and ~/.aws/config).  With --web-identity,\n"
		"AssumeRoleWithWebIdentity (unsigned, no source credentials) exchanges the task's JWT;\n"
		"STS takes no tags or SourceIdentity there.",
		"Formats: credential-process prints the JSON the AWS CLI's credential_process expects\n"
		"({\"Version\": 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration}); env prints\n"
		"'export AWS_...=' lines for eval; json adds RoleSessionName, AssumedRoleArn,\n"
		"AssumedRoleId, SourceIdentity and Task.\n"
		"The ledger records the access key id, session name, source identity, role and\n"
		"assumed-role ARNs, the session policy and the expiry - never the secret key or token."
	};

	memset(&t, 0, sizeof(t));
	memset(&creds, 0, sizeof(creds));
	memset(&res, 0, sizeof(res));
	memset(&req, 0, sizeof(req));
	ct_buf_init(&outbuf, 64 * 1024);
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (task == NULL || role_arn == NULL)
		return cli_usage_error("missing %s", task == NULL ? "--task ID" : "--role-arn ARN");
	if (strcmp(format, "credential-process") == 0)
		fmt = FMT_PROCESS;
	else if (strcmp(format, "env") == 0)
		fmt = FMT_ENV;
	else if (strcmp(format, "json") == 0)
		fmt = FMT_JSON;
	else
		return cli_usage_error("unknown format '%s' (credential-process, env or json)",
		    format);
	if (ttl == -1)
		ttl = DEFAULT_TTL;
	if (ttl < CT_STS_DURATION_MIN || ttl > CT_STS_DURATION_MAX)
		return cli_error("--ttl %lld: STS allows %d to %d seconds", ttl,
		    CT_STS_DURATION_MIN, CT_STS_DURATION_MAX);
	if (token_path != NULL && profile != NULL)
		return cli_usage_error("--profile is for AssumeRole; --web-identity needs no "
		    "source credentials");

	/* everything local first: a mistake costs no STS call */
	if ((r = ct_prefix_check(prefix)) != 0 || (r = ct_task_id_check(task)) != 0 ||
	    (r = ct_sts_role_arn_check(role_arn)) != 0)
		goto fail;
	if (policy_path != NULL && strncmp(policy_path, "suggested:", 10) == 0) {
		/* the latest `credtrail policy suggest` of that class (policy.h) */
		if ((r = ct_policy_latest_suggestion(cli_store(), policy_path + 10,
		    &suggested)) != 0 ||
		    (r = ct_sts_policy_prepare(policy_path, suggested, strlen(suggested),
		    &policy)) != 0)
			goto fail;
	} else if (policy_path != NULL) {
		if ((r = ct_read_file(policy_path, POLICY_FILE_MAX, &policy_file,
		    &policy_len)) != 0 ||
		    (r = ct_sts_policy_prepare(policy_path, (const char *)policy_file, policy_len,
		    &policy)) != 0)
			goto fail;
	}
	if (token_path != NULL && (r = load_web_identity(token_path, task, &token)) != 0)
		goto fail;
	st = cli_store();
	if ((r = ct_task_get(st, task, &t)) != 0 ||
	    (r = ct_principal_new(prefix, t.id, principal)) != 0)
		goto fail;
	if (token_path == NULL) {
		if ((r = ct_aws_creds_load(profile, &creds)) != 0)
			goto fail;
		if (region == NULL)
			region = creds.region;
	} else if (region == NULL) {
		region = getenv("AWS_REGION");
		if (region == NULL || *region == '\0')
			region = getenv("AWS_DEFAULT_REGION");
		if (region != NULL && *region == '\0')
			region = NULL;
	}
	if (region == NULL)
		region = DEFAULT_REGION;

	tags[0].key = "ironclaw:task-id";
	tags[0].value = t.id;
	ntags = 1;
	if (t.class != NULL) {
		tags[ntags].key = "ironclaw:task-class";
		tags[ntags++].value = t.class;
	}
	/* the caller's W3C trace id, so CloudTrail events carry it (a malformed one: none) */
	if ((tpenv = getenv("TRACEPARENT")) != NULL &&
	    ct_traceparent_parse(&trace, tpenv, strlen(tpenv)) == 0) {
		tags[ntags].key = "ironclaw:trace-id";
		tags[ntags++].value = trace.trace_id;
	}
	ct_error_clear();
	req.endpoint = endpoint;
	req.region = region;
	req.role_arn = role_arn;
	req.session_name = principal;
	req.source_identity = token_path == NULL ? principal : NULL;
	req.tags = tags;
	req.ntags = token_path != NULL ? 0 : ntags;
	req.policy = policy;
	req.duration_seconds = (long)ttl;
	req.web_identity_token = token;
	if ((r = ct_sts_assume_role(token_path == NULL ? &creds : NULL, &req, &res)) != 0)
		goto fail;
	/* the join key as STS has it; STS echoes the SourceIdentity it accepted */
	source_identity = res.source_identity != NULL ? res.source_identity :
	    req.source_identity;

	ex = json_pack("{s:s, s:s, s:s, s:s*, s:s*, s:s*}",
	    "action", token_path != NULL ? "AssumeRoleWithWebIdentity" : "AssumeRole",
	    "region", region, "endpoint", res.endpoint,
	    "assumed_role_id", res.assumed_role_id, "request_id", res.request_id,
	    "web_identity_subject", res.subject);
	if (ex != NULL && res.packed_policy_size >= 0)
		json_object_set_new(ex, "packed_policy_size",
		    json_integer(res.packed_policy_size));
	if (ex != NULL && t.class != NULL)
		json_object_set_new(ex, "task_class", json_string(t.class));
	if (ex == NULL || (extra = json_dumps(ex, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((r = format_output(&outbuf, fmt, &res, principal, source_identity, t.id)) != 0)
		goto fail;

	memset(&cred, 0, sizeof(cred));
	cred.task_id = t.id;
	cred.kind = "aws";
	cred.principal = principal;
	cred.issued_us = ct_now_us();
	cred.expires_us = res.expiration_us;
	cred.access_key_id = res.access_key_id;
	cred.session_name = principal;
	cred.source_identity = source_identity;
	cred.role_arn = role_arn;
	cred.assumed_role_arn = res.assumed_role_arn;
	cred.scope = policy;
	cred.extra = extra;
	/* the row is committed before the secret is printed (see ct_cred_record) */
	if ((r = ct_cred_record(st, &cred, NULL, NULL, 0, 0)) != 0)
		goto fail;
	/* straight to the descriptor: no stdio buffer keeps a copy of the secret */
	if (fflush(stdout) != 0 || write_all(STDOUT_FILENO, outbuf.data, outbuf.len) != 0) {
		rc = cli_error("cannot write output");
		goto out;
	}
	rc = CLI_OK;
	goto out;
 fail:
	rc = cli_fail(r);
 out:
	ct_buf_release_secret(&outbuf);
	ct_sts_result_release(&res);
	ct_aws_creds_release(&creds);
	ct_task_release(&t);
	if (token != NULL)
		OPENSSL_clear_free(token, strlen(token));
	if (policy_file != NULL)
		free(policy_file);
	free(policy);
	free(suggested);
	free(extra);
	json_decref(ex);
	return rc;
}
