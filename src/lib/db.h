/*
 * db.h - the store's statement API, the same for every backend (SQLite, PostgreSQL).
 *
 * Shaped like SQLite's own calls so that code reads as it did: prepare, bind (1-based), step
 * until CT_DB_DONE, read columns (0-based) while a step returned CT_DB_ROW, reset or finalize.
 * The SQL is the common subset SQLite 3.40 and PostgreSQL 15 both accept: `?` and `?N`
 * placeholders, `INSERT ... ON CONFLICT ... DO NOTHING|UPDATE`, `RETURNING`, no SQLite-only
 * functions or operators (GLOB, unary +, rowid, IFNULL, printf, strftime, GROUP_CONCAT),
 * every identifier a keyword of neither quoted ("user").  LIKE is case-sensitive on both
 * (the SQLite backend turns case_sensitive_like on).
 *
 * Errors: ct_stmt_step() and the prepare/exec calls return a negative CT_ERR_DB and keep the
 * backend's message for ct_store_error(st, "what") to quote; a refused UNIQUE/PRIMARY KEY or
 * FOREIGN KEY constraint is reported as CT_DB_UNIQUE / CT_DB_FOREIGN so callers can say what
 * it means.  On PostgreSQL an error ends the transaction it happens in: roll back after any.
 */
#ifndef CT_DB_H
#define CT_DB_H

#include <stddef.h>
#include <stdint.h>

struct ct_store;
struct ct_stmt;

enum ct_db_backend {
	CT_DB_SQLITE = 1,
	CT_DB_POSTGRES = 2,
};

/* What ct_stmt_step() returns besides a negative CT_ERR_DB. */
enum ct_db_step {
	CT_DB_DONE = 0,		/* the statement ran; no (more) rows */
	CT_DB_ROW = 1,		/* a row is there for ct_stmt_col_*() */
	CT_DB_UNIQUE = 2,	/* a UNIQUE or PRIMARY KEY constraint refused the write */
	CT_DB_FOREIGN = 3,	/* a FOREIGN KEY constraint refused the write */
};

enum ct_db_backend ct_db_backend(const struct ct_store *st);

int ct_db_prepare(struct ct_store *st, const char *sql, struct ct_stmt **out);

/*
 * Bind parameter `i` (1-based).  ct_stmt_bind_text() keeps the pointer: `v` must stay valid
 * until the statement is stepped (and reset) or rebound; _copy takes a copy.  A NULL `v` binds
 * SQL NULL.  An index the SQL does not use is ignored (as SQLite's SQLITE_RANGE, which callers
 * that bind a superset of the parameters rely on).  Failures surface at the next step.
 */
int ct_stmt_bind_text(struct ct_stmt *s, int i, const char *v);
int ct_stmt_bind_text_copy(struct ct_stmt *s, int i, const char *v);
int ct_stmt_bind_int64(struct ct_stmt *s, int i, int64_t v);
int ct_stmt_bind_null(struct ct_stmt *s, int i);

/* CT_DB_ROW, CT_DB_DONE, CT_DB_UNIQUE, CT_DB_FOREIGN or a negative CT_ERR_DB. */
int ct_stmt_step(struct ct_stmt *s);

/*
 * Columns of the current row (0-based).  Text is NUL-terminated, NULL for SQL NULL, valid
 * until the next step, reset or finalize.  Integers of a NULL are 0; a boolean is 0 or 1.
 */
const char *ct_stmt_col_text(struct ct_stmt *s, int i);
int64_t ct_stmt_col_int64(struct ct_stmt *s, int i);
int ct_stmt_col_int(struct ct_stmt *s, int i);
int ct_stmt_col_is_null(struct ct_stmt *s, int i);
size_t ct_stmt_col_bytes(struct ct_stmt *s, int i);

/* Make the statement ready to step again from the start; bindings stay. */
void ct_stmt_reset(struct ct_stmt *s);
/* Set every parameter back to NULL. */
void ct_stmt_clear_bindings(struct ct_stmt *s);
void ct_stmt_finalize(struct ct_stmt *s);

/*
 * Deferred writes, for a bulk loop that needs each write's outcome but not at once (ingest):
 * between ct_db_defer(st, fn, arg) and ct_db_defer(st, NULL, NULL), ct_stmt_step_defer() runs
 * a write with its current bindings (which may be changed right after) and fn(arg, tag, rc,
 * changes) is told its step code and row count, in order, at the latest by ct_db_flush() or
 * before any other statement runs on the store.  SQLite calls fn at once; PostgreSQL sends
 * the writes in a pipeline and reads their outcomes every CT_DB_PIPELINE of them (one round
 * trip for many).  ct_stmt_step_defer() and ct_db_flush() return a negative CT_ERR_* only when
 * the connection itself failed; a write's own failure goes to fn.
 */
#define CT_DB_PIPELINE	256
typedef void ct_db_defer_fn(void *arg, int64_t tag, int rc, int64_t changes);
void ct_db_defer(struct ct_store *st, ct_db_defer_fn *fn, void *arg);
int ct_stmt_step_defer(struct ct_stmt *s, int64_t tag);
int ct_db_flush(struct ct_store *st);

/* Rows changed by the last INSERT, UPDATE or DELETE on the store's connection. */
int64_t ct_db_changes(struct ct_store *st);

/* A SQLite tuning pragma ("cache_size = -16384"); other backends ignore it. */
int ct_db_pragma(struct ct_store *st, const char *pragma);

#endif
