/*
 * policy_schema.c - the policy suggestions `credtrail policy suggest` stores, which
 * `credtrail mint aws --policy suggested:CLASS` reads back (the latest per class).
 *
 * basis is JSON: the tasks the suggestion rests on and the options it was made with, so a
 * suggestion can always be traced to its evidence.
 */
#include "lib/store_schema.h"

static const char *const policy_migrations[] = {
	/* 1 */
	"CREATE TABLE policy_suggestions ("
	"  id INTEGER PRIMARY KEY,"
	"  class TEXT NOT NULL,"
	"  format TEXT NOT NULL CHECK (format IN ('aws','gcp')),"
	"  created_us INTEGER NOT NULL,"
	"  document TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  characters INTEGER NOT NULL,"
	"  tasks INTEGER NOT NULL,"
	"  events INTEGER NOT NULL,"
	"  calls INTEGER NOT NULL,"
	"  permissions INTEGER NOT NULL,"
	"  basis TEXT NOT NULL"
	");"
	"CREATE INDEX policy_suggestions_class ON policy_suggestions(class, format, created_us);",
};

const struct ct_schema_component ct_schema_policy = {
	"policy", policy_migrations, sizeof(policy_migrations) / sizeof(policy_migrations[0])
};
