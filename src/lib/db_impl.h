/*
 * db_impl.h - what a store backend implements (db_sqlite.c, db_pg.c); for store.c and db.c
 * only.  Every backend-specific line lives behind these operations; the store logic
 * (migrations, transactions, error mapping) and every query are shared.
 */
#ifndef CT_DB_IMPL_H
#define CT_DB_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/db.h"

struct ct_db_ops;

struct ct_store {
	const struct ct_db_ops *ops;
	void *conn;		/* the backend's connection */
	char *path;		/* as given: a file name or a postgres:// URL */
	char *display;		/* the path to show: a URL without its password */
	int in_tx;
	ct_db_defer_fn *defer_fn;	/* ct_db_defer() */
	void *defer_arg;
};

/* Every backend's statement starts with this. */
struct ct_stmt {
	const struct ct_db_ops *ops;
	struct ct_store *st;
};

struct ct_db_ops {
	enum ct_db_backend backend;
	/* connect; on failure the error is recorded (naming st->display) and conn stays NULL */
	int (*open)(struct ct_store *st, int flags);
	void (*close)(struct ct_store *st);
	/* SQL without parameters or rows, maybe several statements */
	int (*exec)(struct ct_store *st, const char *sql);
	/* a migration's DDL (written for SQLite; the backend translates it) */
	int (*exec_ddl)(struct ct_store *st, const char *ddl);
	int (*begin)(struct ct_store *st);	/* a write transaction: one writer at a time */
	void (*rollback)(struct ct_store *st);
	const char *(*errmsg)(struct ct_store *st);
	int64_t (*changes)(struct ct_store *st);
	int (*pragma)(struct ct_store *st, const char *pragma);

	int (*prepare)(struct ct_store *st, const char *sql, struct ct_stmt **out);
	int (*bind_text)(struct ct_stmt *s, int i, const char *v, int copy);
	int (*bind_int64)(struct ct_stmt *s, int i, int64_t v);
	int (*bind_null)(struct ct_stmt *s, int i);
	int (*step)(struct ct_stmt *s);
	int (*step_defer)(struct ct_stmt *s, int64_t tag);
	int (*flush)(struct ct_store *st);
	const char *(*col_text)(struct ct_stmt *s, int i);
	int64_t (*col_int64)(struct ct_stmt *s, int i);
	int (*col_is_null)(struct ct_stmt *s, int i);
	size_t (*col_bytes)(struct ct_stmt *s, int i);
	void (*reset)(struct ct_stmt *s);
	void (*clear_bindings)(struct ct_stmt *s);
	void (*finalize)(struct ct_stmt *s);
};

extern const struct ct_db_ops ct_db_sqlite_ops;
extern const struct ct_db_ops ct_db_pg_ops;

/*
 * db.h's placeholders in PostgreSQL's words, outside quotes and comments: `?` -> `$n` (one
 * more than the highest so far, as SQLite numbers them), `?N` -> `$N`.  *out is malloc'd,
 * *nparams the highest number, used[n] set for each number the SQL names.
 */
#define CT_DB_PG_MAXPARAM	255
int ct_db_pg_rewrite_params(const char *sql, char **out, int *nparams,
    unsigned char used[CT_DB_PG_MAXPARAM + 1]);

/* A migration's SQLite DDL in PostgreSQL's words (the rules in db_pg.c); malloc'd. */
int ct_db_pg_translate_ddl(const char *ddl, char **out);

/* postgres:// or postgresql:// */
int ct_db_is_pg_url(const char *path);

#endif
