/*
 * db.c - the statement API (db.h), dispatched to the store's backend (db_impl.h).
 */
#include <string.h>

#include "lib/db_impl.h"
#include "lib/store.h"

enum ct_db_backend
ct_db_backend(const struct ct_store *st)
{
	return st->ops->backend;
}

int
ct_db_is_pg_url(const char *path)
{
	return strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0;
}

int
ct_db_prepare(struct ct_store *st, const char *sql, struct ct_stmt **out)
{
	*out = NULL;
	return st->ops->prepare(st, sql, out);
}

int
ct_stmt_bind_text(struct ct_stmt *s, int i, const char *v)
{
	return s->ops->bind_text(s, i, v, 0);
}

int
ct_stmt_bind_text_copy(struct ct_stmt *s, int i, const char *v)
{
	return s->ops->bind_text(s, i, v, 1);
}

int
ct_stmt_bind_int64(struct ct_stmt *s, int i, int64_t v)
{
	return s->ops->bind_int64(s, i, v);
}

int
ct_stmt_bind_null(struct ct_stmt *s, int i)
{
	return s->ops->bind_null(s, i);
}

int
ct_stmt_step(struct ct_stmt *s)
{
	return s->ops->step(s);
}

const char *
ct_stmt_col_text(struct ct_stmt *s, int i)
{
	return s->ops->col_text(s, i);
}

int64_t
ct_stmt_col_int64(struct ct_stmt *s, int i)
{
	return s->ops->col_int64(s, i);
}

int
ct_stmt_col_int(struct ct_stmt *s, int i)
{
	return (int)s->ops->col_int64(s, i);
}

int
ct_stmt_col_is_null(struct ct_stmt *s, int i)
{
	return s->ops->col_is_null(s, i);
}

size_t
ct_stmt_col_bytes(struct ct_stmt *s, int i)
{
	return s->ops->col_bytes(s, i);
}

void
ct_stmt_reset(struct ct_stmt *s)
{
	if (s != NULL)
		s->ops->reset(s);
}

void
ct_stmt_clear_bindings(struct ct_stmt *s)
{
	if (s != NULL)
		s->ops->clear_bindings(s);
}

void
ct_stmt_finalize(struct ct_stmt *s)
{
	if (s != NULL)
		s->ops->finalize(s);
}

void
ct_db_defer(struct ct_store *st, ct_db_defer_fn *fn, void *arg)
{
	st->defer_fn = fn;
	st->defer_arg = arg;
}

int
ct_stmt_step_defer(struct ct_stmt *s, int64_t tag)
{
	return s->ops->step_defer(s, tag);
}

int
ct_db_flush(struct ct_store *st)
{
	return st->ops->flush(st);
}

int64_t
ct_db_changes(struct ct_store *st)
{
	return st->ops->changes(st);
}

int
ct_db_pragma(struct ct_store *st, const char *pragma)
{
	return st->ops->pragma(st, pragma);
}
