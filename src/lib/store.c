/*
 * store.c - the ledger: open, migrate, transactions (see store.h), over a backend (db_impl.h:
 * db_sqlite.c, db_pg.c) chosen by the store's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db.h"
#include "lib/db_impl.h"
#include "lib/store.h"
#include "lib/store_schema.h"
#include "util/err.h"
#include "util/fs.h"

int
ct_store_default_path(const char *explicit, char **out)
{
	const char *env, *home;
	char buf[4096];

	*out = NULL;
	if (explicit != NULL && *explicit != '\0')
		env = explicit;
	else
		env = getenv("CREDTRAIL_DB");
	if (env != NULL && *env != '\0') {
		if ((*out = strdup(env)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		return 0;
	}
	if ((env = getenv("XDG_DATA_HOME")) != NULL && env[0] == '/')
		snprintf(buf, sizeof(buf), "%s/credtrail/ledger.db", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		snprintf(buf, sizeof(buf), "%s/.local/share/credtrail/ledger.db", home);
	else
		return ct_error(CT_ERR_INVALID,
		    "no store path: set --db, CREDTRAIL_DB, XDG_DATA_HOME or HOME");
	if ((*out = strdup(buf)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

int
(ct_store_error)(struct ct_store *st, const char *what)
{
	/* the store is named: a full disk or a bad file must say which */
	return ct_error(CT_ERR_DB, "%s: store '%s': %s", what, st->display, st->ops->errmsg(st));
}

int
ct_store_exec(struct ct_store *st, const char *sql)
{
	return st->ops->exec(st, sql);
}

int
ct_store_begin(struct ct_store *st)
{
	int r;

	if ((r = st->ops->begin(st)) == 0)
		st->in_tx = 1;
	else
		st->ops->rollback(st);
	return r;
}

int
ct_store_commit(struct ct_store *st)
{
	int r = st->ops->exec(st, "COMMIT");

	if (r != 0)
		ct_store_rollback(st);
	st->in_tx = 0;
	return r;
}

void
ct_store_rollback(struct ct_store *st)
{
	st->ops->rollback(st);
	st->in_tx = 0;
}

int
ct_store_schema_version(struct ct_store *st, const char *component, int *out)
{
	struct ct_stmt *s = NULL;
	int r = 0;

	*out = 0;
	if (ct_db_prepare(st, "SELECT version FROM schema_versions WHERE component = ?", &s) != 0)
		return ct_store_error(st, "reading schema version");
	ct_stmt_bind_text(s, 1, component);
	switch (ct_stmt_step(s)) {
	case CT_DB_ROW:
		*out = ct_stmt_col_int(s, 0);
		break;
	case CT_DB_DONE:
		break;
	default:
		r = ct_store_error(st, "reading schema version");
	}
	ct_stmt_finalize(s);
	return r;
}

static int
migrate_component(struct ct_store *st, const struct ct_schema_component *c)
{
	struct ct_stmt *s = NULL;
	int have, r;

	if ((r = ct_store_schema_version(st, c->name, &have)) != 0)
		return r;
	while (have != c->count) {
		/* re-read inside the write transaction: another process may have migrated */
		if ((r = ct_store_begin(st)) != 0)
			return r;
		if ((r = ct_store_schema_version(st, c->name, &have)) != 0)
			goto fail;
		if (have > c->count) {
			r = ct_error(CT_ERR_UNSUPPORTED, "store '%s' has %s schema version %d, "
			    "newer than this credtrail (%d); upgrade credtrail", st->display,
			    c->name, have, c->count);
			goto fail;
		}
		if (have == c->count)
			break;
		if ((r = st->ops->exec_ddl(st, c->migrations[have])) != 0)
			goto fail;
		if (ct_db_prepare(st,
		    "INSERT INTO schema_versions(component, version) VALUES (?, ?) "
		    "ON CONFLICT(component) DO UPDATE SET version = excluded.version", &s) != 0) {
			r = ct_store_error(st, "recording schema version");
			goto fail;
		}
		ct_stmt_bind_text(s, 1, c->name);
		ct_stmt_bind_int64(s, 2, have + 1);
		if (ct_stmt_step(s) != CT_DB_DONE) {
			r = ct_store_error(st, "recording schema version");
			goto fail;
		}
		ct_stmt_finalize(s);
		s = NULL;
		if ((r = ct_store_commit(st)) != 0)
			return r;
		have++;
	}
	if (st->in_tx)
		ct_store_rollback(st);
	return 0;
 fail:
	ct_stmt_finalize(s);
	ct_store_rollback(st);
	return r;
}

/* Whether the store has its schema_versions table (read without a lock). */
static int
has_versions(struct ct_store *st)
{
	struct ct_stmt *s = NULL;
	int ok;

	ok = ct_db_prepare(st, "SELECT count(*) FROM schema_versions", &s) == 0 &&
	    ct_stmt_step(s) == CT_DB_ROW;
	ct_stmt_finalize(s);
	return ok;
}

/*
 * A URL's password is never shown: postgres://user:secret@host/db?password=x&sslmode=require
 * -> postgres://user@host/db?sslmode=require.
 */
static char *
display_name(const char *path)
{
	const char *p, *auth, *end, *at = NULL, *colon, *q, *amp;
	size_t o = 0, n;
	int first = 1;
	char *d;

	if (!ct_db_is_pg_url(path))
		return strdup(path);
	if ((d = malloc(strlen(path) + 1)) == NULL)
		return NULL;
	auth = strstr(path, "://") + 3;
	end = auth + strcspn(auth, "/?");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;		/* the last one: a password may hold an '@' */
	memcpy(d, path, (size_t)(auth - path));
	o = (size_t)(auth - path);
	if (at != NULL && (colon = memchr(auth, ':', (size_t)(at - auth))) != NULL) {
		memcpy(d + o, auth, (size_t)(colon - auth));
		o += (size_t)(colon - auth);
		p = at;
	} else {
		p = auth;
	}
	/* the rest up to the query, then every query parameter but password= */
	n = strcspn(p, "?");
	memcpy(d + o, p, n);
	o += n;
	p += n;
	for (q = p; *q == '?' || *q == '&'; q = amp) {
		amp = q + 1 + strcspn(q + 1, "&");
		if (strncmp(q + 1, "password=", 9) == 0)
			continue;
		d[o++] = first ? '?' : '&';
		first = 0;
		memcpy(d + o, q + 1, (size_t)(amp - q - 1));
		o += (size_t)(amp - q - 1);
	}
	d[o] = '\0';
	return d;
}

int
ct_store_open(struct ct_store **out, const char *path, int flags)
{
	struct ct_store *st = NULL;
	char *dir = NULL, *slash;
	size_t i;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = strdup(path)) == NULL ||
	    (st->display = display_name(path)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (ct_db_is_pg_url(path)) {
		st->ops = &ct_db_pg_ops;
	} else {
		st->ops = &ct_db_sqlite_ops;
		if (!(flags & CT_STORE_READONLY)) {
			/* the ledger's directory is private: it names every credential minted */
			if ((dir = strdup(path)) == NULL) {
				r = ct_error(CT_ERR_NOMEM, "out of memory");
				goto out;
			}
			if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
				*slash = '\0';
				if ((r = ct_mkdir_p(dir, 0700)) != 0)
					goto out;
			}
		}
	}
	if ((r = st->ops->open(st, flags)) != 0)
		goto out;
	if (!(flags & CT_STORE_READONLY)) {
		/*
		 * Created in a write transaction, so that concurrent creators wait for each
		 * other; an existing store takes no write lock to be opened (a report does not
		 * wait for an ingest).
		 */
		if (!has_versions(st) && ((r = ct_store_begin(st)) != 0 || (r = ct_store_exec(st,
		    "CREATE TABLE IF NOT EXISTS schema_versions ("
		    " component TEXT PRIMARY KEY, version INTEGER NOT NULL)")) != 0 ||
		    (r = ct_store_commit(st)) != 0)) {
			r = ct_error(CT_ERR_DB, "'%s' is not a credtrail store: %s", st->display,
			    ct_errmsg(r));
			goto out;
		}
		for (i = 0; ct_schema_components[i] != NULL; i++)
			if ((r = migrate_component(st, ct_schema_components[i])) != 0)
				goto out;
	}
	*out = st;
	st = NULL;
	r = 0;
 out:
	free(dir);
	ct_store_close(st);
	return r;
}

void
ct_store_close(struct ct_store *st)
{
	if (st == NULL)
		return;
	if (st->conn != NULL) {
		if (st->in_tx)
			ct_store_rollback(st);
		st->ops->close(st);
	}
	free(st->path);
	free(st->display);
	free(st);
}

const char *
ct_store_path(const struct ct_store *st)
{
	return st->display;
}
