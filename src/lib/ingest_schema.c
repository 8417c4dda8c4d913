/*
 * ingest_schema.c - tables for provider audit events and the files they came from.
 *
 * provider_events holds one normalised row per provider event (CloudTrail, GCP audit, Vault,
 * sshd, Kubernetes, IronClaw proxy).  Every column a credential can be joined on has its own
 * partial index (rows without the key cost nothing in it), and time has one for the window
 * queries of the correlation.  dedupe_key is what makes re-ingest idempotent: the provider's
 * event id where it has one ("<auditID>/<stage>" for Kubernetes, "<logName>|<timestamp>|
 * <insertId>" for GCP), else "sha256:<digest of the raw record>".
 *
 * ingested_files has one row per distinct (path, content digest): ingesting the same bytes
 * again updates its counters instead of adding a row, and an event points at the file row
 * it was first read from, with its byte offset in the decompressed stream.
 */
#include "lib/store_schema.h"

static const char *const ingest_migrations[] = {
	/* 1 */
	"CREATE TABLE ingested_files ("
	"  id INTEGER PRIMARY KEY,"
	"  path TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"		/* bytes read from the file (compressed) */
	"  sha256 TEXT,"			/* of those bytes; NULL only while being ingested */
	"  format TEXT NOT NULL,"
	"  records INTEGER NOT NULL DEFAULT 0,"	/* counts of the latest ingest of the file */
	"  new INTEGER NOT NULL DEFAULT 0,"
	"  duplicate INTEGER NOT NULL DEFAULT 0,"
	"  skipped INTEGER NOT NULL DEFAULT 0,"
	"  rejected INTEGER NOT NULL DEFAULT 0,"
	"  events INTEGER NOT NULL DEFAULT 0,"	/* events this file added over all ingests */
	"  first_us INTEGER NOT NULL,"
	"  last_us INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX ingested_files_content ON ingested_files(path, sha256);"
	"CREATE TABLE provider_events ("
	"  id INTEGER PRIMARY KEY,"
	"  provider TEXT NOT NULL"
	"    CHECK (provider IN ('aws','gcp','vault','sshd','k8s','ironproxy')),"
	"  dedupe_key TEXT NOT NULL,"
	"  event_id TEXT,"
	"  time_us INTEGER,"			/* NULL when the log line carries no time */
	"  principal TEXT,"			/* ARN, e-mail, user name, display name */
	"  subject TEXT,"			/* principalSubject, token sub, Vault entity */
	"  session_name TEXT,"
	"  access_key_id TEXT,"
	"  source_identity TEXT,"
	"  session_tags TEXT,"			/* JSON */
	"  delegation TEXT,"			/* JSON: delegation chain, impersonation */
	"  jti TEXT,"
	"  cert_key_id TEXT,"
	"  cert_serial TEXT,"
	"  ca_fingerprint TEXT,"
	"  key_fingerprint TEXT,"
	"  token_accessor TEXT,"
	"  lease_id TEXT,"
	"  vault_metadata TEXT,"		/* JSON, HMAC'd values as logged */
	"  vault_response INTEGER,"		/* 1 once the response of a request is joined */
	"  account TEXT,"
	"  region TEXT,"
	"  service TEXT,"
	"  action TEXT,"
	"  resources TEXT,"			/* JSON */
	"  source_ip TEXT,"			/* only a valid IPv4/IPv6 address */
	"  source_host TEXT,"			/* the source as logged when it is not an address */
	"  user_agent TEXT,"
	"  outcome TEXT CHECK (outcome IN ('success','failure')),"
	"  error_code TEXT,"
	"  read_only INTEGER,"
	"  issued_access_key_id TEXT,"		/* what an AssumeRole*, GetFederationToken, */
	"  issued_session_name TEXT,"		/* GetSessionToken call or a Vault login issued */
	"  issued_source_identity TEXT,"
	"  issued_principal TEXT,"
	"  issued_expires_us INTEGER,"
	"  raw_sha256 TEXT NOT NULL,"
	"  file_id INTEGER REFERENCES ingested_files(id),"
	"  file_offset INTEGER,"
	"  ingested_us INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX provider_events_dedupe ON provider_events(provider, dedupe_key);"
	"CREATE INDEX provider_events_time ON provider_events(time_us);"
	"CREATE INDEX provider_events_akid ON provider_events(access_key_id)"
	"  WHERE access_key_id IS NOT NULL;"
	"CREATE INDEX provider_events_session ON provider_events(session_name)"
	"  WHERE session_name IS NOT NULL;"
	"CREATE INDEX provider_events_srcid ON provider_events(source_identity)"
	"  WHERE source_identity IS NOT NULL;"
	"CREATE INDEX provider_events_principal ON provider_events(principal)"
	"  WHERE principal IS NOT NULL;"
	"CREATE INDEX provider_events_subject ON provider_events(subject)"
	"  WHERE subject IS NOT NULL;"
	"CREATE INDEX provider_events_jti ON provider_events(jti) WHERE jti IS NOT NULL;"
	"CREATE INDEX provider_events_keyid ON provider_events(cert_key_id)"
	"  WHERE cert_key_id IS NOT NULL;"
	"CREATE INDEX provider_events_serial ON provider_events(cert_serial)"
	"  WHERE cert_serial IS NOT NULL;"
	"CREATE INDEX provider_events_accessor ON provider_events(token_accessor)"
	"  WHERE token_accessor IS NOT NULL;"
	"CREATE INDEX provider_events_lease ON provider_events(lease_id)"
	"  WHERE lease_id IS NOT NULL;"
	"CREATE INDEX provider_events_issued_akid ON provider_events(issued_access_key_id)"
	"  WHERE issued_access_key_id IS NOT NULL;"
	"CREATE INDEX provider_events_issued_session ON provider_events(issued_session_name)"
	"  WHERE issued_session_name IS NOT NULL;"
	"CREATE INDEX provider_events_issued_srcid ON provider_events(issued_source_identity)"
	"  WHERE issued_source_identity IS NOT NULL;"
	"CREATE INDEX provider_events_file ON provider_events(file_id);",
};

const struct ct_schema_component ct_schema_ingest = {
	"ingest", ingest_migrations, sizeof(ingest_migrations) / sizeof(ingest_migrations[0])
};
