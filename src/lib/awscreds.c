/*
 * awscreds.c - AWS source credentials from the environment and the shared files (see
 * awscreds.h for the order).
 *
 * The shared files are read whole (at most 1 MiB) into one buffer of exactly the file's size,
 * so no stray copy of a secret is left behind by a growing buffer, and the buffer is wiped
 * before it is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/awscreds.h"
#include "util/err.h"

#define INI_FILE_MAX	(1024u * 1024)
#define INI_LINE_MAX	4096

static void
free_secret(char **p)
{
	if (*p != NULL)
		OPENSSL_clear_free(*p, strlen(*p));
	*p = NULL;
}

void
ct_aws_creds_release(struct ct_aws_creds *c)
{
	if (c == NULL)
		return;
	free_secret(&c->access_key_id);
	free_secret(&c->secret_access_key);
	free_secret(&c->session_token);
	free(c->region);
	free(c->profile);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

/* ---- the INI reader ---- */

/* Called for each key in each section; a non-zero return stops the walk and is returned. */
typedef int (*ini_cb)(const char *section, size_t seclen, const char *key, size_t keylen,
    const char *val, size_t vallen, void *arg);

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && is_space(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*p)[*n - 1]))
		(*n)--;
}

static int
ini_walk(const char *name, const char *data, size_t len, ini_cb cb, void *arg)
{
	const char *line, *nl, *end = data + len, *sec = NULL, *p, *eq, *k, *v;
	size_t n, lineno = 0, seclen = 0, kn, vn;
	int have_key = 0, r;

	if (memchr(data, '\0', len) != NULL)
		return ct_error(CT_ERR_FORMAT, "'%s' holds a NUL byte", name);
	for (line = data; line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		n = (size_t)(nl - line);
		if (n > INI_LINE_MAX)
			return ct_error(CT_ERR_FORMAT, "'%s':%zu: line longer than %d bytes",
			    name, lineno, INI_LINE_MAX);
		p = line;
		trim(&p, &n);
		if (n == 0 || *p == '#' || *p == ';')
			goto next;
		if (is_space(*line)) {
			/* an indented line continues the previous key (a nested block) */
			if (!have_key)
				return ct_error(CT_ERR_FORMAT, "'%s':%zu: indented line outside "
				    "a key's block", name, lineno);
			goto next;
		}
		if (*p == '[') {
			if (p[n - 1] != ']')
				return ct_error(CT_ERR_FORMAT, "'%s':%zu: section header without "
				    "']'", name, lineno);
			sec = p + 1;
			seclen = n - 2;
			trim(&sec, &seclen);
			if (seclen == 0)
				return ct_error(CT_ERR_FORMAT, "'%s':%zu: empty section name",
				    name, lineno);
			have_key = 0;
			goto next;
		}
		if ((eq = memchr(p, '=', n)) == NULL)
			return ct_error(CT_ERR_FORMAT, "'%s':%zu: expected 'key = value' or "
			    "'[section]'", name, lineno);
		k = p;
		kn = (size_t)(eq - p);
		trim(&k, &kn);
		v = eq + 1;
		vn = (size_t)((p + n) - (eq + 1));
		trim(&v, &vn);
		if (kn == 0)
			return ct_error(CT_ERR_FORMAT, "'%s':%zu: empty key", name, lineno);
		if (sec == NULL)
			return ct_error(CT_ERR_FORMAT, "'%s':%zu: key '%.*s' before any "
			    "[section]", name, lineno, (int)kn, k);
		have_key = 1;
		if ((r = cb(sec, seclen, k, kn, v, vn, arg)) != 0)
			return r;
 next:
		if (nl == end)
			break;
	}
	return 0;
}

struct ini_get_arg {
	const char *section;
	const char *key;
	char **out;
	int *found;
	int nomem;
};

static int
ini_get_cb(const char *sec, size_t seclen, const char *k, size_t kn, const char *v, size_t vn,
    void *arg)
{
	struct ini_get_arg *a = arg;
	char *s;

	if (strlen(a->section) != seclen || memcmp(a->section, sec, seclen) != 0)
		return 0;
	*a->found = 1;
	if (strlen(a->key) != kn || strncasecmp(a->key, k, kn) != 0)
		return 0;
	if ((s = strndup(v, vn)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	free_secret(a->out);
	*a->out = s;
	return 0;
}

int
ct_ini_get(const char *name, const char *data, size_t len, const char *section,
    const char *key, char **out, int *section_found)
{
	struct ini_get_arg a = { section, key, out, section_found, 0 };
	int r;

	*out = NULL;
	*section_found = 0;
	if ((r = ini_walk(name, data, len, ini_get_cb, &a)) != 0) {
		free_secret(out);
		*section_found = 0;
	}
	return r;
}

/* ---- profiles ---- */

struct profile {
	const char *want;	/* profile name */
	int config;		/* config file: "[profile X]", "[default]" */
	int found;
	char *akid, *secret, *token, *region;
	char unsupported[32];	/* first setting we refuse to follow */
};

static void
profile_release(struct profile *pf)
{
	free_secret(&pf->akid);
	free_secret(&pf->secret);
	free_secret(&pf->token);
	free(pf->region);
	pf->region = NULL;
}

static int
section_matches(const struct profile *pf, const char *sec, size_t n)
{
	size_t wl = strlen(pf->want);

	if (!pf->config)
		return n == wl && memcmp(sec, pf->want, n) == 0;
	if (strcmp(pf->want, "default") == 0 && n == 7 && memcmp(sec, "default", 7) == 0)
		return 1;
	if (n > 8 && memcmp(sec, "profile", 7) == 0 && is_space(sec[7])) {
		sec += 8;
		n -= 8;
		while (n > 0 && is_space(*sec)) {
			sec++;
			n--;
		}
		return n == wl && memcmp(sec, pf->want, n) == 0;
	}
	return 0;
}

static int
set_value(char **slot, const char *v, size_t vn)
{
	char *s;

	if ((s = strndup(v, vn)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	free_secret(slot);
	*slot = s;
	return 0;
}

static int
profile_cb(const char *sec, size_t seclen, const char *k, size_t kn, const char *v, size_t vn,
    void *arg)
{
	static const char *const refused[] = {
		"role_arn", "credential_process", "web_identity_token_file", "sso_start_url",
		"sso_session", "sso_account_id", "credential_source", NULL
	};
	struct profile *pf = arg;
	size_t i;

	if (!section_matches(pf, sec, seclen))
		return 0;
	pf->found = 1;
#define KEY(s) (kn == strlen(s) && strncasecmp(k, s, kn) == 0)
	if (KEY("aws_access_key_id"))
		return set_value(&pf->akid, v, vn);
	if (KEY("aws_secret_access_key"))
		return set_value(&pf->secret, v, vn);
	if (KEY("aws_session_token"))
		return set_value(&pf->token, v, vn);
	if (KEY("region"))
		return set_value(&pf->region, v, vn);
	for (i = 0; refused[i] != NULL; i++) {
		if (KEY(refused[i]) && pf->unsupported[0] == '\0')
			snprintf(pf->unsupported, sizeof(pf->unsupported), "%s", refused[i]);
	}
#undef KEY
	return 0;
}

/* Read a whole shared file; *out NULL (and 0 returned) when it does not exist. */
static int
read_shared(const char *path, char **out, size_t *outlen)
{
	struct stat st;
	char *d = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, r = CT_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s'", path);
	}
	if (fstat(fd, &st) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot stat '%s'", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = ct_error(CT_ERR_FORMAT, "'%s' is not a regular file", path);
		goto out;
	}
	if ((size_t)st.st_size > INI_FILE_MAX) {
		r = ct_error(CT_ERR_LIMIT, "'%s' is larger than %u bytes", path, INI_FILE_MAX);
		goto out;
	}
	if ((d = malloc((size_t)st.st_size + 1)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, d + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = ct_error(CT_ERR_SYSTEM, "cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;	/* shrank underneath us: use what we got */
		got += (size_t)n;
	}
	d[got] = '\0';
	*out = d;
	*outlen = got;
	d = NULL;
	r = 0;
 out:
	if (d != NULL)
		OPENSSL_clear_free(d, (size_t)st.st_size + 1);
	close(fd);
	return r;
}

static int
load_profile_file(const char *path, struct profile *pf)
{
	char *data = NULL;
	size_t len = 0;
	int r;

	if ((r = read_shared(path, &data, &len)) != 0 || data == NULL)
		return r;
	r = ini_walk(path, data, len, profile_cb, pf);
	OPENSSL_clear_free(data, len + 1);
	return r;
}

/* $VAR, with a leading "~/" expanded, else $HOME/.aws/<file>. */
static int
shared_path(const char *var, const char *file, char **out)
{
	const char *v = getenv(var), *home = getenv("HOME");
	struct passwd *pw;
	int n;

	*out = NULL;
	if (home == NULL || *home == '\0') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL)
			return ct_error(CT_ERR_NOTFOUND, "cannot find the home directory "
			    "(HOME is not set)");
		home = pw->pw_dir;
	}
	if (v != NULL && *v != '\0') {
		if (v[0] == '~' && v[1] == '/')
			n = asprintf(out, "%s%s", home, v + 1);
		else
			n = asprintf(out, "%s", v);
	} else {
		n = asprintf(out, "%s/.aws/%s", home, file);
	}
	if (n < 0) {
		*out = NULL;
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static int
dup_str(char **out, const char *s)
{
	if (s == NULL) {
		*out = NULL;
		return 0;
	}
	if ((*out = strdup(s)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

int
ct_aws_creds_load(const char *profile, struct ct_aws_creds *out)
{
	struct profile cred, conf;
	const char *env_akid = getenv("AWS_ACCESS_KEY_ID");
	const char *env_secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *env_token = getenv("AWS_SESSION_TOKEN");
	const char *env_region = getenv("AWS_REGION");
	const char *name, *unsupported = NULL;
	char *credpath = NULL, *confpath = NULL;
	struct profile *from = NULL;
	int explicit = profile != NULL, r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	memset(&cred, 0, sizeof(cred));
	memset(&conf, 0, sizeof(conf));
	if (env_region == NULL || *env_region == '\0')
		env_region = getenv("AWS_DEFAULT_REGION");
	if (env_region != NULL && *env_region == '\0')
		env_region = NULL;
	if (profile == NULL && (profile = getenv("AWS_PROFILE")) != NULL && *profile == '\0')
		profile = NULL;
	name = profile != NULL ? profile : "default";
	if (*name == '\0' || strlen(name) > 128) {
		r = ct_error(CT_ERR_INVALID, "invalid profile name '%.128s'", name);
		goto out;
	}
	cred.want = conf.want = name;
	conf.config = 1;
	/* the config file is always read (the region), as the AWS CLI does */
	if ((r = shared_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", &credpath)) != 0 ||
	    (r = shared_path("AWS_CONFIG_FILE", "config", &confpath)) != 0 ||
	    (r = load_profile_file(confpath, &conf)) != 0)
		goto out;

	/* 1./2. environment keys, unless a profile was asked for explicitly */
	if (!explicit && env_akid != NULL && *env_akid != '\0') {
		if (env_secret == NULL || *env_secret == '\0') {
			r = ct_error(CT_ERR_NOTFOUND, "AWS_ACCESS_KEY_ID is set but "
			    "AWS_SECRET_ACCESS_KEY is not");
			goto out;
		}
		if ((r = dup_str(&out->access_key_id, env_akid)) != 0 ||
		    (r = dup_str(&out->secret_access_key, env_secret)) != 0 ||
		    (r = dup_str(&out->session_token,
		    env_token != NULL && *env_token != '\0' ? env_token : NULL)) != 0 ||
		    (r = dup_str(&out->source, "environment")) != 0)
			goto out;
		goto region;
	}

	/* 3. the profile: settings that make the AWS CLI look elsewhere come first */
	if ((r = load_profile_file(credpath, &cred)) != 0)
		goto out;
	if (cred.unsupported[0] != '\0' && strcmp(cred.unsupported, "credential_process") != 0)
		unsupported = cred.unsupported;
	else if (conf.unsupported[0] != '\0' &&
	    strcmp(conf.unsupported, "credential_process") != 0)
		unsupported = conf.unsupported;
	if (unsupported == NULL) {
		if (cred.akid != NULL || cred.secret != NULL)
			from = &cred;
		else if (cred.unsupported[0] != '\0')
			unsupported = cred.unsupported;
		else if (conf.akid != NULL || conf.secret != NULL)
			from = &conf;
		else if (conf.unsupported[0] != '\0')
			unsupported = conf.unsupported;
	}
	if (unsupported != NULL) {
		r = ct_error(CT_ERR_UNSUPPORTED, "profile '%s' gets its credentials through "
		    "'%s', which credtrail does not follow; give it aws_access_key_id and "
		    "aws_secret_access_key", name, unsupported);
		goto out;
	}
	if (from == NULL) {
		if (profile != NULL && !cred.found && !conf.found)
			r = ct_error(CT_ERR_NOTFOUND, "profile '%s' is not in '%s' or '%s'",
			    name, credpath, confpath);
		else if (profile != NULL)
			r = ct_error(CT_ERR_NOTFOUND, "profile '%s' has no aws_access_key_id",
			    name);
		else
			r = ct_error(CT_ERR_NOTFOUND, "no AWS credentials: set "
			    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give a profile in "
			    "'%s'", credpath);
		goto out;
	}
	if (from->akid == NULL || *from->akid == '\0' || from->secret == NULL ||
	    *from->secret == '\0') {
		r = ct_error(CT_ERR_FORMAT, "profile '%s' in '%s' has %s but no %s", name,
		    from == &cred ? credpath : confpath,
		    from->akid != NULL && *from->akid != '\0' ? "aws_access_key_id" :
		    "aws_secret_access_key",
		    from->akid != NULL && *from->akid != '\0' ? "aws_secret_access_key" :
		    "aws_access_key_id");
		goto out;
	}
	out->access_key_id = from->akid;
	out->secret_access_key = from->secret;
	out->session_token = from->token != NULL && *from->token != '\0' ? from->token : NULL;
	if (out->session_token == NULL)
		free_secret(&from->token);
	from->akid = from->secret = from->token = NULL;
	if (asprintf(&out->source, "'%s' [%s%s]", from == &cred ? credpath : confpath,
	    from == &cred || strcmp(name, "default") == 0 ? "" : "profile ", name) < 0) {
		out->source = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = dup_str(&out->profile, name)) != 0)
		goto out;
 region:
	if ((r = dup_str(&out->region, env_region != NULL ? env_region : conf.region)) != 0)
		goto out;
	if (out->region != NULL && *out->region == '\0') {
		free(out->region);
		out->region = NULL;
	}
	r = 0;
 out:
	profile_release(&cred);
	profile_release(&conf);
	free(credpath);
	free(confpath);
	if (r != 0)
		ct_aws_creds_release(out);
	return r;
}
