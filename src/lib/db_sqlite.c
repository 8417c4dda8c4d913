/*
 * db_sqlite.c - the SQLite backend of the store (db_impl.h): one file, WAL.
 *
 * Why these pragmas: WAL lets a report read while a run appends; foreign_keys is off by
 * default in SQLite and the schema relies on it; synchronous=NORMAL in WAL mode keeps every
 * committed transaction across a crash of credtrail (only power loss can drop the last one),
 * which is the durability a ledger needs without an fsync per row; busy_timeout lets
 * concurrent credtrail processes (a run and an ingest) wait for each other instead of failing;
 * case_sensitive_like makes LIKE behave as PostgreSQL's.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "lib/db_impl.h"
#include "lib/store.h"
#include "util/err.h"

struct sq_stmt {
	struct ct_stmt base;
	sqlite3_stmt *s;
};

#define DB(st)	((sqlite3 *)(st)->conn)
#define SQ(x)	(((struct sq_stmt *)(x))->s)

static const char *
sq_errmsg(struct ct_store *st)
{
	return st->conn != NULL ? sqlite3_errmsg(DB(st)) : "not open";
}

static int
sq_exec(struct ct_store *st, const char *sql)
{
	char *msg = NULL;
	int r;

	if (sqlite3_exec(DB(st), sql, NULL, NULL, &msg) != SQLITE_OK) {
		r = ct_error(CT_ERR_DB, "store '%s': %s", st->display,
		    msg != NULL ? msg : "unknown error");
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

static int
sq_open(struct ct_store *st, int flags)
{
	sqlite3 *db = NULL;
	int oflags;

	if (!(flags & CT_STORE_READONLY))
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	else
		oflags = SQLITE_OPEN_READONLY;
	if (sqlite3_open_v2(st->path, &db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		ct_error(CT_ERR_DB, "cannot open store '%s': %s", st->path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close_v2(db);
		return CT_ERR_DB;
	}
	st->conn = db;
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	if (!(flags & CT_STORE_READONLY)) {
		chmod(st->path, 0600);
		if (sq_exec(st, "PRAGMA journal_mode=WAL") != 0)
			return ct_error(CT_ERR_DB, "'%s' is not a credtrail store: %s", st->path,
			    ct_errmsg(CT_ERR_DB));
	}
	return sq_exec(st, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
	    " PRAGMA case_sensitive_like=ON;");
}

static void
sq_close(struct ct_store *st)
{
	sqlite3_close_v2(DB(st));
	st->conn = NULL;
}

static int
sq_begin(struct ct_store *st)
{
	/* IMMEDIATE takes the write lock now, so a concurrent writer waits here, not mid-way */
	return sq_exec(st, "BEGIN IMMEDIATE");
}

static void
sq_rollback(struct ct_store *st)
{
	if (sqlite3_get_autocommit(DB(st)) == 0)
		sqlite3_exec(DB(st), "ROLLBACK", NULL, NULL, NULL);
}

static int64_t
sq_changes(struct ct_store *st)
{
	return sqlite3_changes(DB(st));
}

static int
sq_pragma(struct ct_store *st, const char *pragma)
{
	char *sql;
	int r;

	if ((sql = sqlite3_mprintf("PRAGMA %s", pragma)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	r = sq_exec(st, sql);
	sqlite3_free(sql);
	return r;
}

static int
sq_prepare(struct ct_store *st, const char *sql, struct ct_stmt **out)
{
	struct sq_stmt *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (sqlite3_prepare_v2(DB(st), sql, -1, &s->s, NULL) != SQLITE_OK) {
		/* no ct_error(): callers quote the message with ct_store_error() */
		free(s);
		return CT_ERR_DB;
	}
	s->base.ops = st->ops;
	s->base.st = st;
	*out = &s->base;
	return 0;
}

static int
sq_bind_text(struct ct_stmt *s, int i, const char *v, int copy)
{
	if (v == NULL)
		return sqlite3_bind_null(SQ(s), i) == SQLITE_OK ? 0 : CT_ERR_DB;
	return sqlite3_bind_text(SQ(s), i, v, -1, copy ? SQLITE_TRANSIENT : SQLITE_STATIC) ==
	    SQLITE_OK ? 0 : CT_ERR_DB;
}

static int
sq_bind_int64(struct ct_stmt *s, int i, int64_t v)
{
	return sqlite3_bind_int64(SQ(s), i, v) == SQLITE_OK ? 0 : CT_ERR_DB;
}

static int
sq_bind_null(struct ct_stmt *s, int i)
{
	return sqlite3_bind_null(SQ(s), i) == SQLITE_OK ? 0 : CT_ERR_DB;
}

static int
sq_step(struct ct_stmt *s)
{
	switch (sqlite3_step(SQ(s))) {
	case SQLITE_ROW:
		return CT_DB_ROW;
	case SQLITE_DONE:
		return CT_DB_DONE;
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return CT_DB_UNIQUE;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return CT_DB_FOREIGN;
	default:
		return CT_ERR_DB;	/* the message: ct_store_error() */
	}
}

static int
sq_step_defer(struct ct_stmt *s, int64_t tag)
{
	int rc = sq_step(s);

	if (s->st->defer_fn != NULL)
		s->st->defer_fn(s->st->defer_arg, tag, rc, sqlite3_changes(DB(s->st)));
	return 0;
}

static int
sq_flush(struct ct_store *st)
{
	(void)st;
	return 0;
}

static const char *
sq_col_text(struct ct_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(SQ(s), i);
}

static int64_t
sq_col_int64(struct ct_stmt *s, int i)
{
	return sqlite3_column_int64(SQ(s), i);
}

static int
sq_col_is_null(struct ct_stmt *s, int i)
{
	return sqlite3_column_type(SQ(s), i) == SQLITE_NULL;
}

static size_t
sq_col_bytes(struct ct_stmt *s, int i)
{
	return (size_t)sqlite3_column_bytes(SQ(s), i);
}

static void
sq_reset(struct ct_stmt *s)
{
	sqlite3_reset(SQ(s));
}

static void
sq_clear_bindings(struct ct_stmt *s)
{
	sqlite3_clear_bindings(SQ(s));
}

static void
sq_finalize(struct ct_stmt *s)
{
	sqlite3_finalize(SQ(s));
	free(s);
}

const struct ct_db_ops ct_db_sqlite_ops = {
	.backend = CT_DB_SQLITE,
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.exec_ddl = sq_exec,
	.begin = sq_begin,
	.rollback = sq_rollback,
	.errmsg = sq_errmsg,
	.changes = sq_changes,
	.pragma = sq_pragma,
	.prepare = sq_prepare,
	.bind_text = sq_bind_text,
	.bind_int64 = sq_bind_int64,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.step_defer = sq_step_defer,
	.flush = sq_flush,
	.col_text = sq_col_text,
	.col_int64 = sq_col_int64,
	.col_is_null = sq_col_is_null,
	.col_bytes = sq_col_bytes,
	.reset = sq_reset,
	.clear_bindings = sq_clear_bindings,
	.finalize = sq_finalize,
};
