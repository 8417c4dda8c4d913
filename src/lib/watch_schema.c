/*
 * watch_schema.c - the sub-runs of `credtrail watch --split-by-exec`: which run is a sub-run
 * of which watch, and what began it.
 *
 * A sub-run is an ordinary row of `runs` (its own task, window, completeness, attestation
 * digest) with its network events in net_events; this table adds the link to the watch's
 * run, the exec argument it is keyed by (IronClaw's nonce, as given), the program and the
 * process that began it.  The IronClaw side can join nonce -> invocation from here.
 */
#include "lib/store_schema.h"

static const char *const watch_migrations[] = {
	/* 1 */
	"CREATE TABLE watch_subruns ("
	"  run_id TEXT PRIMARY KEY REFERENCES runs(id),"
	"  parent_run_id TEXT NOT NULL,"	/* the watch's run */
	"  nonce TEXT,"			/* argv[ARGINDEX]; NULL when the exec had none */
	"  program TEXT NOT NULL,"		/* the exec's file name */
	"  root_pid INTEGER NOT NULL,"
	"  attached_late INTEGER NOT NULL DEFAULT 0"	/* running before the watch began */
	");"
	"CREATE INDEX watch_subruns_parent ON watch_subruns(parent_run_id);"
	"CREATE INDEX watch_subruns_nonce ON watch_subruns(nonce) WHERE nonce IS NOT NULL;",
};

const struct ct_schema_component ct_schema_watch = {
	"watch", watch_migrations, sizeof(watch_migrations) / sizeof(watch_migrations[0])
};
