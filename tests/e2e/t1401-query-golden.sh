#!/usr/bin/env bash
# credtrail query: the SQL for Athena (AWS's documented CloudTrail table with sourceidentity)
# and BigQuery (a Cloud Logging sink's audit tables) is checked against golden files, and
# every column it names against the documented schemas in tests/fixtures/query (no such
# engine runs here); the ClickHouse text against its golden file too (t1400 runs it); quotes
# in keys are escaped per dialect; bad input fails with one line.
. "$(dirname "$0")/../lib.sh"

Q=$FIX/query
for t in a1 g1 s1 q1; do $CT task new --id $t --class golden >/dev/null; done
$CT task new --id lone >/dev/null
t_sql "insert into credentials (task_id, kind, principal, issued_us, expires_us, access_key_id,
      session_name, source_identity, assumed_role_arn) values ('a1', 'aws',
      'ironclaw-task-a1-0a1b2c3d', 0, 0, 'ASIAGOLDEN0000000001', 'ironclaw-task-a1-0a1b2c3d',
      'ironclaw-task-a1-0a1b2c3d',
      'arn:aws:sts::111122223333:assumed-role/agent/ironclaw-task-a1-0a1b2c3d');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, jti, subject)
      values ('a1', 'jwt', 'ironclaw-task-a1-1b2c3d4e', 0, 0,
      '7f1c0e2d-9a8b-4c3d-8e7f-6a5b4c3d2e1f', 'ironclaw-task-a1-1b2c3d4e');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, jti, subject)
      values ('g1', 'gcp', 'ironclaw-task-g1-3d4e5f60', 0, 0, 'c0ffee00-0000-4000-8000-000000000001',
      'agent@example-project.iam.gserviceaccount.com');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, key_id, serial,
      ca_fingerprint) values ('s1', 'ssh', 'ironclaw-task-s1-2c3d4e5f', 0, 0,
      'ironclaw-task-s1-2c3d4e5f', '7', 'SHA256:K2y3ZqvH0m5x0JmJ3dYVb0o1vKp3mD9q2vWnUu0bW1c');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, serial, subject)
      values ('s1', 'x509', 'ironclaw-task-s1-4e5f6071', 0, 0, '5f3a9c0e11d2b7a4',
      'spiffe://example.org/ironclaw/task/s1');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, session_name)
      values ('q1', 'aws', 'o''brien', 0, 0, 'o''brien\\-x')"
range=(--since 2026-11-01 --until 2026-11-02T12:00:00Z)

out=$($CT query --engine athena --class golden "${range[@]}" 2>&1)
t_is "Athena: the CloudTrail query of the class is the golden one" \
    "$(diff <(echo "$out") "$Q/athena.sql" && echo same)" same
missing=
for c in $(echo "$out" | grep -v '^--' | grep -oE '\b(useridentity(\.[a-z0-9]+)+|[a-z]+(parameters|elements)|eventtime|eventid)\b' | sort -u); do
	first=${c%%.*}
	grep -qE "^ *$first (STRING|STRUCT)" "$Q/athena_cloudtrail_table.sql" || missing+=" $c"
	rest=${c#"$first"}
	for p in ${rest//./ }; do
		grep -qE "^ *$p:" "$Q/athena_cloudtrail_table.sql" || missing+=" $c"
	done
done
t_is "every column it names is in AWS's documented table (sourceidentity added)" "${missing:-none}" none
t_like "a quote in a key is doubled for Athena, a backslash left alone" "$out" ", 'o''brien\\\\-x'\)"

out=$($CT query --engine bigquery --class golden --table example-project.audit_logs "${range[@]}" 2>&1)
t_is "BigQuery: the Cloud Audit Logs query of the class is the golden one" \
    "$(diff <(echo "$out") "$Q/bigquery.sql" && echo same)" same
missing=
for c in $(echo "$out" | grep -v '^--' | grep -oE '\b(protopayload_auditlog(\.[A-Za-z]+)+|d(\.[A-Za-z]+)+|timestamp|insertId)\b' | sort -u); do
	c=${c/#d./protopayload_auditlog.authenticationInfo.serviceAccountDelegationInfo.}
	grep -qx "$c" "$Q/bigquery_auditlog_fields.txt" || missing+=" $c"
done
t_is "every field it names is in the documented export schema" "${missing:-none}" none

out=$($CT query --engine clickhouse --class golden "${range[@]}" 2>&1)
t_is "ClickHouse: the query over credtrail's table is the golden one" \
    "$(diff <(echo "$out") "$Q/clickhouse.sql" && echo same)" same
t_like "a quote in a key is backslash-escaped for ClickHouse, the backslash too" "$out" \
    "position\\(raw, 'o\\\\'brien\\\\\\\\-x'\\) > 0"
t_is "--task selects one task's credentials" \
    "$($CT query --engine clickhouse --task g1 | grep -c 'agent@example-project.iam.gserviceaccount.com')" 2
t_is "a task without credentials still selects its task-named principals" \
    "$($CT query --engine athena --task lone | grep -c -- "-task-lone-")" 6

t_err "no --engine is a usage error" 2 "missing --engine" $CT query --task a1
t_err "an unknown engine is a usage error" 2 "unknown engine 'postgres'" \
    $CT query --engine postgres --task a1
t_err "--task and --class together are a usage error" 2 "give --task or --class, not both" \
    $CT query --engine athena --task a1 --class golden
t_err "BigQuery needs the sink's dataset" 2 "BigQuery needs --table PROJECT.DATASET" \
    $CT query --engine bigquery --task a1
t_err "a table name that is not a plain name is refused" 2 "is not \[DB.\]TABLE" \
    $CT query --engine athena --task a1 --table 'logs"; drop table x; --'
t_err "a bad --since is a usage error" 2 "--since 'yesterday' is not a date" \
    $CT query --engine athena --task a1 --since yesterday
t_err "an unknown task fails" 1 "nope" $CT query --engine athena --task nope
t_err "a class without tasks fails" 1 "no task of class 'none'" \
    $CT query --engine clickhouse --class none
t_done
