/*
 * config.h - the user's configuration file: defaults for options every command may take.
 *
 * $XDG_CONFIG_HOME/credtrail/config, else ~/.config/credtrail/config.  One `key = value` per
 * line; `#` starts a comment line; blank lines are ignored.  Keys (each also a flag):
 *
 *   db = PATH              --db            the ledger
 *   prefix = P             --prefix        principal prefix of minted credentials
 *   sign = KEY             --sign          run: key signing the event log and attestation
 *   upstream-dns = ADDR    --upstream-dns  run, dns-proxy: the resolver to forward to
 *   allow = RULE           --allow         run, dns-proxy: default allow rules (repeatable)
 *
 * Precedence (applied by the CLI): flag > environment > config file > built-in default.
 * A missing file is an empty configuration; any other problem is an error naming FILE:LINE.
 */
#ifndef CT_CONFIG_H
#define CT_CONFIG_H

#include <stddef.h>

#define CT_CONFIG_MAX_BYTES	(64 * 1024)	/* the whole file */
#define CT_CONFIG_MAX_LINE	4096		/* one line, without its newline */
#define CT_CONFIG_MAX_ALLOW	1024		/* allow = lines */

struct ct_config {
	char *path;		/* the file read, or NULL when there was none */
	char *db;
	char *prefix;
	char *sign;
	char *upstream_dns;
	char **allow;
	size_t nallow;
};

/* The file credtrail reads: $XDG_CONFIG_HOME (absolute) or $HOME/.config; *out is malloc'd. */
int ct_config_default_path(char **out);

/*
 * Parse `len` bytes of configuration text (no NUL needed) into `cfg`, which must be zeroed
 * or released.  `name` is used in error messages ("NAME:LINE: reason").  On error `cfg` is
 * left released.
 */
int ct_config_parse(struct ct_config *cfg, const char *name, const char *text, size_t len);

/*
 * Read and parse `path`; a file that does not exist gives an empty configuration.  With
 * CT_CONFIG_DEFAULT_PATH (the path was not given by the user but derived from HOME or
 * XDG_CONFIG_HOME), a path this user may not even look up (EACCES: another user's home, as
 * after setpriv or su without -) is no configuration either.
 */
#define CT_CONFIG_DEFAULT_PATH	(1 << 0)
int ct_config_load(struct ct_config *cfg, const char *path, int flags);

void ct_config_release(struct ct_config *cfg);

#endif
