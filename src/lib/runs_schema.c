/*
 * runs_schema.c - tables for `credtrail run`: one row per run of an agent, and the network
 * events the monitor recorded for it.
 *
 * A run row is written when the agent starts (complete = 0) and finished when it ends, so a
 * run whose monitor died shows as incomplete rather than vanishing.  net_events are indexed
 * by (run, time) for timelines and by destination address for the correlation with provider
 * logs ("which runs talked to this endpoint around then").  Process events (fork, exec,
 * exit) live only in the run's event log file.
 */
#include "lib/store_schema.h"

static const char *const runs_migrations[] = {
	/* 1 */
	"CREATE TABLE runs ("
	"  id TEXT PRIMARY KEY,"
	"  task_id TEXT NOT NULL REFERENCES tasks(id),"
	"  class TEXT,"
	"  argv TEXT NOT NULL,"			/* JSON array */
	"  user TEXT,"
	"  backend TEXT NOT NULL CHECK (backend IN ('ebpf','seccomp')),"
	"  mode TEXT NOT NULL CHECK (mode IN ('audit','enforce')),"
	"  traceparent TEXT,"
	"  start_us INTEGER NOT NULL,"
	"  end_us INTEGER,"
	"  exit_status INTEGER,"
	"  drops TEXT,"				/* JSON object: cause -> count */
	"  complete INTEGER NOT NULL DEFAULT 0,"	/* 1: ended cleanly, nothing lost */
	"  events_path TEXT,"
	"  attestation_digest TEXT"
	");"
	"CREATE INDEX runs_task ON runs(task_id, start_us);"
	"CREATE TABLE net_events ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id TEXT NOT NULL REFERENCES runs(id),"
	"  time_us INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  pid INTEGER,"
	"  ppid INTEGER,"
	"  comm TEXT,"
	"  exe TEXT,"
	"  proto TEXT,"
	"  family TEXT,"
	"  src TEXT,"
	"  sport INTEGER,"
	"  dst TEXT,"
	"  dport INTEGER,"
	"  names TEXT,"				/* JSON array; [] for a direct-IP address */
	"  verdict TEXT,"
	"  bytes_sent INTEGER,"
	"  bytes_recv INTEGER,"
	"  open_us INTEGER,"
	"  close_us INTEGER"
	");"
	"CREATE INDEX net_events_run_time ON net_events(run_id, time_us);"
	"CREATE INDEX net_events_dst ON net_events(dst);",
};

const struct ct_schema_component ct_schema_runs = {
	"runs", runs_migrations, sizeof(runs_migrations) / sizeof(runs_migrations[0])
};
