/*
 * store.h - the ledger: credtrail's persistent store.  A file name is a SQLite file (WAL); a
 * postgres:// or postgresql:// URL is a PostgreSQL database shared by many hosts.  Queries go
 * through db.h, the same for both; db_impl.h is what a backend implements.
 *
 * The store holds tasks, the credentials minted for them with every join key, and the tables
 * later subsystems add (runs, events, provider events, findings).  Each subsystem owns a
 * "schema component" with its own numbered migrations, so the monitor, ingest and report code
 * can evolve their tables independently; ct_store_open() brings every component up to date in
 * one transaction per migration.
 *
 * Every multi-row write goes through ct_store_begin()/ct_store_commit() so that a crash or an
 * error leaves the store as it was.
 */
#ifndef CT_STORE_H
#define CT_STORE_H

#include <stdint.h>

struct ct_store;

struct ct_schema_component {
	const char *name;
	const char *const *migrations;	/* migrations[i] brings version i to i+1 */
	int count;
};

enum ct_store_flags {
	CT_STORE_READONLY = 1 << 0,	/* never create, never migrate */
};

/*
 * Resolve the store path: `explicit` if given, else $CREDTRAIL_DB, else
 * $XDG_DATA_HOME/credtrail/ledger.db, else ~/.local/share/credtrail/ledger.db.
 * Returns a malloc'd string.
 */
int ct_store_default_path(const char *explicit, char **out);

int ct_store_open(struct ct_store **out, const char *path, int flags);
void ct_store_close(struct ct_store *st);
/* The store's name as given, a URL without its password. */
const char *ct_store_path(const struct ct_store *st);

int ct_store_begin(struct ct_store *st);
int ct_store_commit(struct ct_store *st);
void ct_store_rollback(struct ct_store *st);

/* Map the last error on the store's connection to CT_ERR_DB with context: "what: message". */
int ct_store_error(struct ct_store *st, const char *what);
#ifdef __clang_analyzer__
/* for clang-tidy (scripts/lint), which cannot see into store.c: the result is CT_ERR_DB */
#define ct_store_error(st, what)	(ct_store_error((st), (what)), CT_ERR_DB)
#endif

/* Execute SQL with no parameters and no result rows (may hold several statements). */
int ct_store_exec(struct ct_store *st, const char *sql);

/* Current schema version of a component (0 when absent). */
int ct_store_schema_version(struct ct_store *st, const char *component, int *out);

#endif
