/*
 * config.c - parser of the configuration file (config.h).
 *
 * The format is deliberately small: no sections, no quoting, no includes, no line
 * continuations.  A value is the rest of the line after '=', with surrounding white space
 * removed; '#' inside a value is part of it (an allow rule or a path may not hold one
 * today, but a comment after a value would silently change its meaning if the value ever
 * did).  Every line is bounded and checked: an unknown key, a key given twice, an empty
 * value or a control character is an error, never ignored.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/config.h"
#include "util/err.h"
#include "util/fs.h"

void
ct_config_release(struct ct_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->db);
	free(cfg->prefix);
	free(cfg->sign);
	free(cfg->upstream_dns);
	for (i = 0; i < cfg->nallow; i++)
		free(cfg->allow[i]);
	free(cfg->allow);
	memset(cfg, 0, sizeof(*cfg));
}

int
ct_config_default_path(char **out)
{
	const char *xdg, *home;

	*out = NULL;
	if ((xdg = getenv("XDG_CONFIG_HOME")) != NULL && xdg[0] == '/') {
		if (asprintf(out, "%s/credtrail/config", xdg) < 0)
			goto nomem;
	} else if ((home = getenv("HOME")) != NULL && home[0] != '\0') {
		if (asprintf(out, "%s/.config/credtrail/config", home) < 0)
			goto nomem;
	} else
		return ct_error(CT_ERR_NOTFOUND, "no configuration directory: "
		    "neither XDG_CONFIG_HOME nor HOME is set");
	return 0;
 nomem:
	*out = NULL;
	return ct_error(CT_ERR_NOMEM, "out of memory");
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* One single-valued key: set it once. */
static int
set_once(char **slot, const char *name, size_t lineno, const char *key, const char *v,
    size_t vlen)
{
	if (*slot != NULL)
		return ct_error(CT_ERR_FORMAT, "%s:%zu: '%s' is given twice", name, lineno, key);
	if ((*slot = strndup(v, vlen)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
parse_line(struct ct_config *cfg, const char *name, size_t lineno, const char *l, size_t n)
{
	const char *eq, *k, *v;
	size_t klen, vlen, i;
	char key[32], **nv;

	for (i = 0; i < n; i++)
		if (((unsigned char)l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f)
			return ct_error(CT_ERR_FORMAT, "%s:%zu: control character in the line",
			    name, lineno);
	while (n > 0 && is_space(*l)) {
		l++;
		n--;
	}
	while (n > 0 && is_space(l[n - 1]))
		n--;
	if (n == 0 || l[0] == '#')
		return 0;
	if ((eq = memchr(l, '=', n)) == NULL)
		return ct_error(CT_ERR_FORMAT, "%s:%zu: expected 'key = value'", name, lineno);
	k = l;
	klen = (size_t)(eq - l);
	while (klen > 0 && is_space(k[klen - 1]))
		klen--;
	v = eq + 1;
	vlen = n - (size_t)(v - l);
	while (vlen > 0 && is_space(*v)) {
		v++;
		vlen--;
	}
	if (klen == 0)
		return ct_error(CT_ERR_FORMAT, "%s:%zu: a key is missing before '='", name, lineno);
	if (klen >= sizeof(key))
		return ct_error(CT_ERR_FORMAT, "%s:%zu: unknown key '%.*s...'", name, lineno,
		    (int)(sizeof(key) - 1), k);
	memcpy(key, k, klen);
	key[klen] = '\0';
	if (vlen == 0)
		return ct_error(CT_ERR_FORMAT, "%s:%zu: '%s' has no value", name, lineno, key);

	if (strcmp(key, "db") == 0)
		return set_once(&cfg->db, name, lineno, key, v, vlen);
	if (strcmp(key, "prefix") == 0)
		return set_once(&cfg->prefix, name, lineno, key, v, vlen);
	if (strcmp(key, "sign") == 0)
		return set_once(&cfg->sign, name, lineno, key, v, vlen);
	if (strcmp(key, "upstream-dns") == 0)
		return set_once(&cfg->upstream_dns, name, lineno, key, v, vlen);
	if (strcmp(key, "allow") == 0) {
		if (cfg->nallow >= CT_CONFIG_MAX_ALLOW)
			return ct_error(CT_ERR_LIMIT, "%s:%zu: more than %d allow rules", name,
			    lineno, CT_CONFIG_MAX_ALLOW);
		if ((nv = realloc(cfg->allow, (cfg->nallow + 1) * sizeof(*nv))) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		cfg->allow = nv;
		if ((cfg->allow[cfg->nallow] = strndup(v, vlen)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		cfg->nallow++;
		return 0;
	}
	return ct_error(CT_ERR_FORMAT, "%s:%zu: unknown key '%s' (db, prefix, sign, "
	    "upstream-dns, allow)", name, lineno, key);
}

int
ct_config_parse(struct ct_config *cfg, const char *name, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t lineno = 0, n;
	int r = CT_ERR_INTERNAL;

	if (len > CT_CONFIG_MAX_BYTES) {
		r = ct_error(CT_ERR_LIMIT, "%s: larger than %d bytes", name, CT_CONFIG_MAX_BYTES);
		goto out;
	}
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > CT_CONFIG_MAX_LINE) {
			r = ct_error(CT_ERR_LIMIT, "%s:%zu: line longer than %d bytes", name,
			    lineno, CT_CONFIG_MAX_LINE);
			goto out;
		}
		if ((r = parse_line(cfg, name, lineno, p, n)) != 0)
			goto out;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	r = 0;
 out:
	if (r != 0)
		ct_config_release(cfg);
	return r;
}

int
ct_config_load(struct ct_config *cfg, const char *path, int flags)
{
	struct stat sb;
	uint8_t *text = NULL;
	size_t len = 0;
	int r = CT_ERR_INTERNAL;

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT || errno == ENOTDIR ||
		    (errno == EACCES && (flags & CT_CONFIG_DEFAULT_PATH)))
			return 0;
		return ct_error(CT_ERR_SYSTEM, "cannot read '%s'", path);
	}
	/* not only regular files: /dev/null is the usual way to say "no configuration" */
	if (S_ISDIR(sb.st_mode))
		return ct_error(CT_ERR_INVALID, "'%s' is a directory, not a configuration file",
		    path);
	if ((r = ct_read_file(path, CT_CONFIG_MAX_BYTES, &text, &len)) != 0)
		goto out;
	if ((r = ct_config_parse(cfg, path, (const char *)text, len)) != 0)
		goto out;
	if ((cfg->path = strdup(path)) == NULL) {
		ct_config_release(cfg);
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
 out:
	free(text);
	return r;
}
