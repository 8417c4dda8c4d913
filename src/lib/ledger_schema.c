/*
 * ledger_schema.c - tables for tasks and the credentials minted for them.
 *
 * Every join key a provider log can carry back to us has its own indexed column, so the
 * correlation joins are index lookups, not scans: access key id and session name (CloudTrail),
 * source identity (survives role chaining), jti and sub (OIDC/JWT, GCP principalSubject),
 * serial, key id and CA fingerprint (sshd, X.509).  Secrets are never stored.
 */
#include "lib/store_schema.h"

static const char *const ledger_migrations[] = {
	/* 1 */
	"CREATE TABLE tasks ("
	"  id TEXT PRIMARY KEY,"
	"  class TEXT,"
	"  created_us INTEGER NOT NULL"
	");"
	"CREATE INDEX tasks_class ON tasks(class, created_us);"
	"CREATE TABLE credentials ("
	"  id INTEGER PRIMARY KEY,"
	"  task_id TEXT NOT NULL REFERENCES tasks(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('ssh','x509','jwt','gcp','aws')),"
	"  principal TEXT NOT NULL,"
	"  issued_us INTEGER NOT NULL,"
	"  expires_us INTEGER NOT NULL,"
	"  access_key_id TEXT,"
	"  session_name TEXT,"
	"  source_identity TEXT,"
	"  role_arn TEXT,"
	"  assumed_role_arn TEXT,"
	"  jti TEXT,"
	"  subject TEXT,"
	"  issuer TEXT,"
	"  audience TEXT,"
	"  serial TEXT,"
	"  key_id TEXT,"
	"  ca_fingerprint TEXT,"
	"  scope TEXT,"
	"  scope_sha256 TEXT,"
	"  extra TEXT"
	");"
	"CREATE INDEX credentials_task ON credentials(task_id);"
	"CREATE INDEX credentials_principal ON credentials(principal);"
	"CREATE INDEX credentials_akid ON credentials(access_key_id) WHERE access_key_id IS NOT NULL;"
	"CREATE INDEX credentials_session ON credentials(session_name) WHERE session_name IS NOT NULL;"
	"CREATE INDEX credentials_srcid ON credentials(source_identity) WHERE source_identity IS NOT NULL;"
	"CREATE INDEX credentials_jti ON credentials(jti) WHERE jti IS NOT NULL;"
	"CREATE INDEX credentials_subject ON credentials(subject) WHERE subject IS NOT NULL;"
	"CREATE INDEX credentials_serial ON credentials(serial) WHERE serial IS NOT NULL;"
	"CREATE INDEX credentials_keyid ON credentials(key_id) WHERE key_id IS NOT NULL;"
	"CREATE TABLE signing_keys ("
	"  keyid TEXT PRIMARY KEY,"
	"  public_key TEXT NOT NULL,"
	"  path TEXT,"
	"  created_us INTEGER NOT NULL"
	");",
};

const struct ct_schema_component ct_schema_ledger = {
	"ledger", ledger_migrations, sizeof(ledger_migrations) / sizeof(ledger_migrations[0])
};
