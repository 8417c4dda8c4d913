/*
 * awscreds.h - the AWS source credentials credtrail signs STS requests with, found where the
 * AWS CLI finds them.
 *
 * Order, as the AWS CLI does it:
 *   1. an explicit profile (`--profile P`): that profile from the shared files, and nothing
 *      from the environment's keys;
 *   2. otherwise AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 *   3. otherwise the profile AWS_PROFILE names, or "default", from the shared credentials file
 *      (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials; sections "[name]") and then
 *      the config file (AWS_CONFIG_FILE, default ~/.aws/config; sections "[profile name]" and
 *      "[default]"): aws_access_key_id, aws_secret_access_key, aws_session_token.
 * The region: AWS_REGION, else AWS_DEFAULT_REGION, else the profile's `region` in the config
 * file; NULL when none (the caller decides the default).
 *
 * Profiles that get their keys some other way (credential_process, role_arn + source_profile,
 * sso_*, web_identity_token_file) are refused with CT_ERR_UNSUPPORTED naming the setting:
 * credtrail does not run other programs or chain roles to find its source credentials.
 *
 * The INI reader is bounded (1 MiB file, 4 KiB line) and reports errors as 'file':line.
 * The secret key and token are wiped by ct_aws_creds_release(), and file contents are wiped
 * after parsing.
 */
#ifndef CT_AWSCREDS_H
#define CT_AWSCREDS_H

#include <stddef.h>

struct ct_aws_creds {
	char *access_key_id;
	char *secret_access_key;	/* secret */
	char *session_token;		/* secret; NULL for long-term keys */
	char *region;			/* NULL when none is configured */
	char *profile;			/* the profile used; NULL when the keys came from env */
	char *source;			/* for messages: "environment" or "'FILE' [profile P]" */
};

/*
 * Find source credentials; `profile` is the --profile option or NULL.
 * Errors: CT_ERR_NOTFOUND (no credentials anywhere, or no such profile), CT_ERR_FORMAT (a file
 * does not parse, or a profile has a key id without a secret), CT_ERR_UNSUPPORTED (see above),
 * CT_ERR_SYSTEM, CT_ERR_LIMIT, CT_ERR_NOMEM.
 */
int ct_aws_creds_load(const char *profile, struct ct_aws_creds *out);

/* Wipe the secrets and free everything; leaves `c` empty. */
void ct_aws_creds_release(struct ct_aws_creds *c);

/*
 * Look up `key` in `section` of an INI document (AWS shared-file dialect: "[section]" lines,
 * "key = value" lines, '#' and ';' full-line comments, indented lines after "key =" form a
 * nested block that is skipped).  `name` names the document in errors.  Keys compare
 * case-insensitively, sections exactly (after trimming).  The value is a malloc'd copy;
 * *out stays NULL when the section or key is absent; *section_found says whether the section
 * exists.  Every line of the document is checked, so a malformed file fails even when the
 * wanted key comes before the bad line.
 */
int ct_ini_get(const char *name, const char *data, size_t len, const char *section,
    const char *key, char **out, int *section_found);

#endif
