/*
 * test_db.c - the store's statement API (db.h) on SQLite: the step codes (row, done, unique,
 * foreign key), RETURNING, changes, NULL text, bindings past the SQL's parameters, reset
 * keeping bindings, case-sensitive LIKE; and the PostgreSQL backend's two translations:
 * placeholders (`?`, `?N` -> `$N` outside quotes and comments) and the migrations' DDL rules.
 * (The PostgreSQL backend against a real server: tests/e2e/t1300, t1301.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "lib/db.h"
#include "lib/db_impl.h"
#include "lib/store.h"
#include "lib/store_schema.h"
#include "util/err.h"

static void
test_sqlite_steps(void **state)
{
	char dir[] = "/tmp/ct-db.XXXXXX", path[64], cmd[128];
	struct ct_store *st;
	struct ct_stmt *s;
	int64_t id1, id2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	assert_int_equal(ct_store_open(&st, path, 0), 0);
	assert_int_equal(ct_db_backend(st), CT_DB_SQLITE);
	assert_string_equal(ct_store_path(st), path);

	assert_int_equal(ct_db_prepare(st, "INSERT INTO tasks (id, class, created_us) "
	    "VALUES (?, ?, ?)", &s), 0);
	ct_stmt_bind_text(s, 1, "t1");
	ct_stmt_bind_text(s, 2, NULL);
	ct_stmt_bind_int64(s, 3, 42);
	assert_int_equal(ct_stmt_bind_int64(s, 4, 7) != 0, 1);	/* not in the SQL: ignored */
	assert_int_equal(ct_stmt_step(s), CT_DB_DONE);
	assert_int_equal(ct_db_changes(st), 1);
	ct_stmt_reset(s);	/* bindings stay: the same id again */
	assert_int_equal(ct_stmt_step(s), CT_DB_UNIQUE);
	ct_stmt_finalize(s);

	assert_int_equal(ct_db_prepare(st, "INSERT INTO credentials (task_id, kind, principal,"
	    " issued_us, expires_us) VALUES (?1, 'ssh', ?2, 1, 2) RETURNING id", &s), 0);
	ct_stmt_bind_text(s, 1, "t1");
	ct_stmt_bind_text_copy(s, 2, "p");
	assert_int_equal(ct_stmt_step(s), CT_DB_ROW);
	id1 = ct_stmt_col_int64(s, 0);
	assert_int_equal(ct_stmt_step(s), CT_DB_DONE);
	ct_stmt_reset(s);
	assert_int_equal(ct_stmt_step(s), CT_DB_ROW);
	id2 = ct_stmt_col_int64(s, 0);
	assert_int_equal(id2, id1 + 1);
	ct_stmt_reset(s);
	ct_stmt_bind_text(s, 1, "nosuch");
	assert_int_equal(ct_stmt_step(s), CT_DB_FOREIGN);
	ct_stmt_finalize(s);

	assert_int_equal(ct_db_prepare(st, "SELECT id, class, created_us, 'AbC' LIKE 'abc',"
	    " 'AbC' LIKE 'A%' FROM tasks WHERE CAST(?1 AS TEXT) IS NULL OR id = ?1", &s), 0);
	ct_stmt_bind_null(s, 1);
	assert_int_equal(ct_stmt_step(s), CT_DB_ROW);
	assert_string_equal(ct_stmt_col_text(s, 0), "t1");
	assert_int_equal(ct_stmt_col_bytes(s, 0), 2);
	assert_null(ct_stmt_col_text(s, 1));
	assert_int_equal(ct_stmt_col_is_null(s, 1), 1);
	assert_int_equal(ct_stmt_col_is_null(s, 2), 0);
	assert_int_equal(ct_stmt_col_int(s, 2), 42);
	assert_int_equal(ct_stmt_col_int64(s, 3), 0);	/* LIKE is case-sensitive */
	assert_int_equal(ct_stmt_col_int64(s, 4), 1);
	assert_int_equal(ct_stmt_step(s), CT_DB_DONE);
	ct_stmt_finalize(s);

	/* a bad statement: the message names the problem */
	assert_int_equal(ct_db_prepare(st, "SELECT nosuchcolumn FROM tasks", &s), CT_ERR_DB);
	assert_null(s);
	assert_int_equal(ct_store_error(st, "reading"), CT_ERR_DB);
	snprintf(cmd, sizeof(cmd), "reading: store '%s': no such column: nosuchcolumn", path);
	assert_string_equal(ct_errmsg(CT_ERR_DB), cmd);

	assert_int_equal(ct_db_pragma(st, "cache_size = -1024"), 0);
	ct_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
params(const char *sql, const char *want, int wantn, const char *wantused)
{
	unsigned char used[CT_DB_PG_MAXPARAM + 1] = { 0 };
	char *out, got[16] = "";
	int n, i;

	assert_int_equal(ct_db_pg_rewrite_params(sql, &out, &n, used), 0);
	assert_string_equal(out, want);
	assert_int_equal(n, wantn);
	for (i = 1; i <= n && i < (int)sizeof(got); i++)
		got[i - 1] = used[i] ? 'x' : '.';
	assert_string_equal(got, wantused);
	free(out);
}

static void
test_pg_params(void **state)
{
	unsigned char used[CT_DB_PG_MAXPARAM + 1] = { 0 };
	char *out;
	int n;

	(void)state;
	params("SELECT 1", "SELECT 1", 0, "");
	params("INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)", 3, "xxx");
	params("WHERE ?1 IS NULL OR a = ?1", "WHERE $1 IS NULL OR a = $1", 1, "x");
	/* as SQLite numbers them: a bare ? is one more than the highest so far */
	params("?2, ?, ?", "$2, $3, $4", 4, ".xxx");
	params("a = ?6 AND b = ?2", "a = $6 AND b = $2", 6, ".x...x");
	/* not inside quotes, quoted identifiers or comments */
	params("'?' || \"?\" || ? -- ?\n /* ? */ ?", "'?' || \"?\" || $1 -- ?\n /* ? */ $2", 2,
	    "xx");
	params("'it''s ?' = ?", "'it''s ?' = $1", 1, "x");
	params("'unterminated ?", "'unterminated ?", 0, "");
	assert_int_equal(ct_db_pg_rewrite_params("?0", &out, &n, used), CT_ERR_INTERNAL);
	assert_int_equal(ct_db_pg_rewrite_params("?256", &out, &n, used), CT_ERR_INTERNAL);
	assert_null(out);
}

static void
ddl(const char *in, const char *want)
{
	char *out;

	assert_int_equal(ct_db_pg_translate_ddl(in, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void
test_pg_ddl(void **state)
{
	const struct ct_schema_component *const *c;
	char *out;
	int i;

	(void)state;
	ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, b BLOB, r REAL)",
	    "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
	    "n BIGINT NOT NULL, b BYTEA, r DOUBLE PRECISION)");
	ddl("id integer  primary\n key autoincrement, x int",
	    "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x int");
	ddl("user TEXT, username TEXT, a_user INTEGER", "\"user\" TEXT, username TEXT, a_user BIGINT");
	/* words inside strings, quoted names and comments stay */
	ddl("CHECK (k IN ('INTEGER', 'user')) -- REAL\n, \"BLOB\" TEXT",
	    "CHECK (k IN ('INTEGER', 'user')) -- REAL\n, \"BLOB\" TEXT");
	ddl("REALM TEXT, INTEGERS TEXT", "REALM TEXT, INTEGERS TEXT");
	/* every real migration translates without an SQLite word left */
	for (c = ct_schema_components; *c != NULL; c++) {
		for (i = 0; i < (*c)->count; i++) {
			assert_int_equal(ct_db_pg_translate_ddl((*c)->migrations[i], &out), 0);
			assert_null(strstr(out, "INTEGER"));
			assert_null(strstr(out, " user "));
			free(out);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_steps),
		cmocka_unit_test(test_pg_params),
		cmocka_unit_test(test_pg_ddl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
