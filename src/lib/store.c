/*
 * store.c - SQLite ledger: open, migrate, transactions (see store.h).
 *
 * Why these pragmas: WAL lets a report read while a run appends; foreign_keys is off by
 * default in SQLite and the schema relies on it; synchronous=NORMAL in WAL mode keeps every
 * committed transaction across a crash of credtrail (only power loss can drop the last one),
 * which is the durability a ledger needs without an fsync per row; busy_timeout lets
 * concurrent credtrail processes (a run and an ingest) wait for each other instead of failing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "lib/store.h"
#include "lib/store_schema.h"
#include "util/err.h"
#include "util/fs.h"

struct ct_store {
	sqlite3 *db;
	char *path;
	int in_tx;
};

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
	return ct_error(CT_ERR_DB, "%s: %s", what, sqlite3_errmsg(st->db));
}

int
ct_store_exec(struct ct_store *st, const char *sql)
{
	char *msg = NULL;
	int r;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		r = ct_error(CT_ERR_DB, "store: %s", msg != NULL ? msg : "unknown error");
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

int
ct_store_begin(struct ct_store *st)
{
	int r;

	/* IMMEDIATE takes the write lock now, so a concurrent writer waits here, not mid-way */
	if ((r = ct_store_exec(st, "BEGIN IMMEDIATE")) == 0)
		st->in_tx = 1;
	return r;
}

int
ct_store_commit(struct ct_store *st)
{
	int r = ct_store_exec(st, "COMMIT");

	if (r != 0)
		ct_store_rollback(st);
	st->in_tx = 0;
	return r;
}

void
ct_store_rollback(struct ct_store *st)
{
	if (sqlite3_get_autocommit(st->db) == 0)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
}

int
ct_store_schema_version(struct ct_store *st, const char *component, int *out)
{
	sqlite3_stmt *s = NULL;
	int r = 0;

	*out = 0;
	if (sqlite3_prepare_v2(st->db,
	    "SELECT version FROM schema_versions WHERE component = ?", -1, &s, NULL) != SQLITE_OK)
		return ct_store_error(st, "reading schema version");
	sqlite3_bind_text(s, 1, component, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		*out = sqlite3_column_int(s, 0);
		break;
	case SQLITE_DONE:
		break;
	default:
		r = ct_store_error(st, "reading schema version");
	}
	sqlite3_finalize(s);
	return r;
}

static int
migrate_component(struct ct_store *st, const struct ct_schema_component *c)
{
	sqlite3_stmt *s = NULL;
	int have, r, v;

	if ((r = ct_store_schema_version(st, c->name, &have)) != 0)
		return r;
	if (have > c->count)
		return ct_error(CT_ERR_UNSUPPORTED,
		    "store '%s' has %s schema version %d, newer than this credtrail (%d); upgrade credtrail",
		    st->path, c->name, have, c->count);
	for (v = have; v < c->count; v++) {
		if ((r = ct_store_begin(st)) != 0)
			return r;
		if ((r = ct_store_exec(st, c->migrations[v])) != 0)
			goto fail;
		if (sqlite3_prepare_v2(st->db,
		    "INSERT INTO schema_versions(component, version) VALUES (?, ?) "
		    "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
		    -1, &s, NULL) != SQLITE_OK) {
			r = ct_store_error(st, "recording schema version");
			goto fail;
		}
		sqlite3_bind_text(s, 1, c->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, v + 1);
		if (sqlite3_step(s) != SQLITE_DONE) {
			r = ct_store_error(st, "recording schema version");
			goto fail;
		}
		sqlite3_finalize(s);
		s = NULL;
		if ((r = ct_store_commit(st)) != 0)
			return r;
	}
	return 0;
 fail:
	sqlite3_finalize(s);
	ct_store_rollback(st);
	return r;
}

int
ct_store_open(struct ct_store **out, const char *path, int flags)
{
	struct ct_store *st = NULL;
	char *dir = NULL, *slash;
	size_t i;
	int r = CT_ERR_INTERNAL, oflags;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = strdup(path)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!(flags & CT_STORE_READONLY)) {
		/* the ledger's directory is private: it names every credential ever minted */
		if ((dir = strdup(path)) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			if ((r = ct_mkdir_p(dir, 0700)) != 0)
				goto out;
		}
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	} else {
		oflags = SQLITE_OPEN_READONLY;
	}
	if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = ct_error(CT_ERR_DB, "cannot open store '%s': %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	if (!(flags & CT_STORE_READONLY)) {
		chmod(path, 0600);
		if ((r = ct_store_exec(st, "PRAGMA journal_mode=WAL")) != 0)
			goto badfile;
	}
	if ((r = ct_store_exec(st,
	    "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;")) != 0)
		goto out;
	if (!(flags & CT_STORE_READONLY)) {
		if ((r = ct_store_exec(st,
		    "CREATE TABLE IF NOT EXISTS schema_versions ("
		    " component TEXT PRIMARY KEY, version INTEGER NOT NULL)")) != 0)
			goto badfile;
		for (i = 0; ct_schema_components[i] != NULL; i++)
			if ((r = migrate_component(st, ct_schema_components[i])) != 0)
				goto out;
	}
	*out = st;
	st = NULL;
	r = 0;
	goto out;
 badfile:
	r = ct_error(CT_ERR_DB, "'%s' is not a credtrail store: %s", path, ct_errmsg(r));
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
	if (st->db != NULL) {
		if (st->in_tx)
			ct_store_rollback(st);
		sqlite3_close_v2(st->db);
	}
	free(st->path);
	free(st);
}

const char *
ct_store_path(const struct ct_store *st)
{
	return st->path;
}

sqlite3 *
ct_store_db(struct ct_store *st)
{
	return st->db;
}
