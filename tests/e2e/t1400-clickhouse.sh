#!/usr/bin/env bash
# credtrail ingest --from clickhouse://: a real ClickHouse server (Debian's clickhouse-server,
# started here on loopback with its own config and data folder) holds a corpus of real sample
# records, one row each, in the table `credtrail clickhouse init` creates; the push-down
# ingest of a task class fetches only the records that can carry its keys and yields exactly
# the normalised events and reports that ingesting the whole corpus files locally yields;
# again it adds nothing; a key with quotes cannot leave its literal; bad input fails cleanly.
. "$(dirname "$0")/../lib.sh"

I=$FIX/ingest
command -v clickhouse-server >/dev/null || PATH=$PATH:/usr/sbin

# ---- the server: config, users and data under $T ----
CH=$T/ch
mkdir -p "$CH/data" "$CH/tmp" "$CH/user_files" "$CH/format_schemas"
HP=$(t_free_port)
TP=$(t_free_port)
while [ "$TP" = "$HP" ]; do TP=$(t_free_port); done
cat >"$CH/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$CH/server.log</log><errorlog>$CH/error.log</errorlog></logger>
  <http_port>$HP</http_port>
  <tcp_port>$TP</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$CH/data/</path>
  <tmp_path>$CH/tmp/</tmp_path>
  <user_files_path>$CH/user_files/</user_files_path>
  <format_schema_path>$CH/format_schemas/</format_schema_path>
  <mark_cache_size>67108864</mark_cache_size>
  <users_config>$CH/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
</yandex>
EOF
cat >"$CH/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
EOF
clickhouse-server --config-file="$CH/config.xml" >"$CH/stdout" 2>&1 &
chpid=$!
t_atexit "kill $chpid; wait $chpid 2>/dev/null"
CHHTTP=http://127.0.0.1:$HP
for _ in $(seq 300); do
	[ "$(curl -s "$CHHTTP/ping")" = "Ok." ] && break
	sleep 0.1
done
chq() { curl -sS --fail-with-body "$CHHTTP/" --data-binary "$1"; }
URL=clickhouse://127.0.0.1:$HP/ct/events

out=$($CT clickhouse init --url "$URL" 2>&1)
t_is "clickhouse init creates the database and the table" "$?:$out" "0:ct.events ready at $CHHTTP/"
t_is "and is idempotent" "$($CT clickhouse init --url "$URL" 2>&1; echo "rc=$?")" \
    "ct.events ready at $CHHTTP/
rc=0"
t_is "the table has the documented columns, join-key arrays computed by ClickHouse" \
    "$(chq "SELECT name, type, default_kind FROM system.columns WHERE database = 'ct' AND table = 'events' FORMAT CSV" | tr '\n' ' ')" \
    '"source","String","" "raw","String","" "event_time","DateTime","DEFAULT" "keys","Array(String)","MATERIALIZED" "tails","Array(String)","MATERIALIZED" "tasks","Array(String)","MATERIALIZED" "issued","Array(String)","MATERIALIZED" '

# ---- the corpus: real sample records, one per line, as a warehouse holds them ----
C=$T/corpus
mkdir -p "$C"
lines() { local f; for f; do cat "$f"; [ -n "$(tail -c1 "$f")" ] && echo; done; }
{
	lines "$I"/cloudtrail/otrf_ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl \
	    "$I"/cloudtrail/derived_task_chain.jsonl "$I"/cloudtrail/derived_athena_lowercase.jsonl \
	    "$I"/cloudtrail/awsdocs_iam_user_guide_examples.jsonl \
	    "$I"/cloudtrail/plaso_aws_cloudtrail_lookupevents.jsonl
	zcat "$I"/cloudtrail/panther_cloudtrail_rule_tests.jsonl.gz
	jq -c '.[]' "$I"/cloudtrail/stratus/*.json
} | grep -v '^$' >"$C/cloudtrail.jsonl"
# the panther copy of a plaso entry keeps its logName, timestamp and insertId (the entry's
# identity) but not its content: which one a store keeps depends on which it reads first, and
# a warehouse has no "first"; the corpus keeps one record per identity
lines "$I"/gcp/*.jsonl | grep -v '^$' | /usr/bin/python3 -c '
import json, sys
seen = set()
for line in sys.stdin:
    r = json.loads(line)
    k = (r.get("logName"), r.get("timestamp"), r.get("insertId"))
    if k not in seen:
        seen.add(k)
        sys.stdout.write(line)' >"$C/gcp.jsonl"
lines "$I"/k8s/*.jsonl | grep -v '^$' >"$C/k8s.jsonl"
jq -c . "$I"/vault/* >"$C/vault.jsonl"
jq -c . "$I"/sshd/derived_journal.json >"$C/sshd-journal.jsonl"
# sshd text lines that carry their year (RFC 5424, RFC 3339): syslog's year would come from
# the file's modification time, which a warehouse row does not have
grep -E '^(<[0-9]+>1 )?20[0-9]{2}-' "$I"/sshd/derived_prefix_forms.log | tr -d '\r' >"$C/sshd.log"
total=0
for f in "$C"/*; do
	src=$(basename "$f"); src=${src%%[.-]*}
	jq -Rc --arg s "$src" '{source: $s, raw: .}' <"$f" |
	    curl -sS --fail-with-body "$CHHTTP/?query=INSERT%20INTO%20ct.events%20(source,%20raw)%20FORMAT%20JSONEachRow" \
	    --data-binary @- || echo "load of $f failed"
	total=$((total + $(grep -c '' "$f")))
done
t_is "every corpus record is one row" "$(chq 'SELECT count() FROM ct.events')" "$total"

# ---- one ledger, copied for the two ways of ingesting ----
export CREDTRAIL_DB=$T/ledger.db
for t in 7b3f9a t2 t3 t4 inj; do $CT task new --id $t --class ci >/dev/null; done
$CT task new --id other --class elsewhere >/dev/null
t_sql "insert into credentials (task_id, kind, principal, issued_us, expires_us, access_key_id,
      session_name, source_identity) values ('7b3f9a', 'aws', 'ironclaw-task-7b3f9a-1c2d3e4f',
      1600000000000000, 1600003600000000, 'ASIAEXAMPLETASK00001', 'ironclaw-task-7b3f9a-1c2d3e4f',
      'ironclaw-task-7b3f9a-1c2d3e4f');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, jti, subject)
      values ('7b3f9a', 'jwt', 'ironclaw-task-7b3f9a-0a0b0c0d', 0, 0,
      '3c1e7d2a-5b4f-4e8a-9d6c-0f1e2d3c4b5a', 'ironclaw-task-7b3f9a-0a0b0c0d');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, session_name)
      values ('t2', 'aws', 'i-0317f6c6b66ae9c40', 0, 0, 'i-0317f6c6b66ae9c40');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, access_key_id)
      values ('t3', 'aws', 'christophe', 0, 0, 'AKIAWOGXN38MFN92ING5');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, key_id, serial,
      ca_fingerprint) values ('t4', 'ssh', 'Jane Jolie', 0, 0, 'Jane Jolie', '1',
      'SHA256:A5ZBb5b/GbAv03EAb8fmDzv4p+q0g8Ulxrt8QZpbamM');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, subject)
      values ('t4', 'gcp', 'some.user@company.com', 0, 0, 'some.user@company.com');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, session_name)
      values ('inj', 'aws', 'o''brien\\', 0, 0, 'x'') OR 1=1 OR (''');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, access_key_id)
      values ('other', 'aws', 'pedro', 0, 0, 'AKIA5FLZVX4OPVKKVBMX')"
cp "$T/ledger.db" "$T/local.db"
cp "$T/ledger.db" "$T/push.db"
export CREDTRAIL_DB=$T/push.db

# the task of the other class must not take part: on the local side it is not in the ledger
sqlite3 "$T/local.db" "delete from credentials where task_id = 'other'"
sqlite3 "$T/push.db" "delete from credentials where task_id = 'other'"

# ---- local: the whole corpus files; push-down: the class's records only ----
CREDTRAIL_DB=$T/local.db $CT ingest "$C" >"$T/local.out" 2>&1
t_is "the local ingest of the whole corpus succeeds" "$?" 0
$CT ingest --from "$URL" --class ci --json >"$T/push.out" 2>"$T/push.err"
t_is "the push-down ingest of the class succeeds quietly on stderr" "$?:$(cat "$T/push.err")" "0:"
read_n=$(jq -s 'map(.read) | add' "$T/push.out")
t_like "it fetched a small part of the corpus ($read_n of $total records)" \
    "$((read_n * 10 < total)):$read_n" "^1:[1-9][0-9]*$"
t_is "the JSON records and the text lines are ingested as two sets named after the URL" \
    "$(jq -r '.file' "$T/push.out" | tr '\n' ' ')" "$URL?class=ci#json $URL?class=ci#lines "

cols="provider, dedupe_key, event_id, time_us, principal, subject, session_name, access_key_id,
    source_identity, session_tags, delegation, jti, cert_key_id, cert_serial, ca_fingerprint,
    key_fingerprint, token_accessor, lease_id, vault_metadata, vault_response, account, region,
    service, action, resources, source_ip, source_host, user_agent, outcome, error_code,
    read_only, issued_access_key_id, issued_session_name, issued_source_identity,
    issued_principal, issued_expires_us, raw_sha256"
events() { sqlite3 -batch -noheader "$1" "select $cols from provider_events order by provider, dedupe_key"; }
events "$T/local.db" >"$T/local.events"
events "$T/push.db" >"$T/push.events"
t_is "exactly the normalised events of the local ingest" \
    "$(diff "$T/local.events" "$T/push.events" && echo same)" same
t_is "of every kind the class's credentials reach (aws gcp k8s sshd)" \
    "$(sqlite3 "$T/push.db" "select group_concat(p, ' ') from (select distinct provider p from provider_events order by 1)")" \
    "aws gcp k8s sshd"
t_is "the role chains were followed on the server: the keys the class's AssumeRole calls issued" \
    "$(sqlite3 "$T/push.db" "select count(*) from provider_events u where u.access_key_id in
      (select issued_access_key_id from provider_events where action like 'AssumeRole%')")" \
    "$(sqlite3 "$T/local.db" "select count(*) from provider_events u where u.access_key_id in
      (select issued_access_key_id from provider_events where action like 'AssumeRole%')")"

t_is "a second query fetched what only an issued key reaches: the 30 calls of the key t3's AssumeRole issued" \
    "$(sqlite3 "$T/push.db" "select count(*) from provider_events where access_key_id = 'ASIANQQHHS551LWULIWD'")" 30

# row ids and file offsets depend on the order rows were stored, and so does the order of two
# events of the same instant: compared without them, every array as a set
norm() {
	jq -S 'del(.generated) | walk(if type == "object" then del(.file, .offset, .id) else . end)
	    | walk(if type == "array" then sort else . end)'
}
for t in 7b3f9a t2 t3 t4; do
	CREDTRAIL_DB=$T/local.db $CT report --task $t --format json --logs-complete-until 2026-01-01T00:00:00Z | norm >"$T/local.$t.json"
	$CT report --task $t --format json --logs-complete-until 2026-01-01T00:00:00Z | norm >"$T/push.$t.json"
	t_is "task $t: the same report ($(jq '.findings | length' "$T/push.$t.json") findings)" \
	    "$(diff "$T/local.$t.json" "$T/push.$t.json" && echo same)" same
done

# ---- idempotent ----
files_before=$(t_sql 'select count(*) from ingested_files')
$CT ingest --from "$URL" --class ci --json >"$T/again.out"
t_is "ingesting again adds nothing" \
    "$(jq -c '[.new, .duplicate > 0]' "$T/again.out" | tr '\n' ' ')" "[0,true] [0,true] "
t_is "and no ingested_files row" "$(t_sql 'select count(*) from ingested_files')" "$files_before"
t_is "events unchanged" "$(events "$T/push.db" | diff - "$T/push.events" && echo same)" same

# ---- quoting: a key with quotes and a backslash stays inside its literal ----
t_like "the printed query escapes the key's quote" \
    "$($CT query --engine clickhouse --task inj --table ct.events)" "'x\\\\'\\) OR 1=1 OR \\(\\\\''"
t_is "the server runs it and finds no record (OR 1=1 did not leave the literal)" \
    "$($CT ingest --from "$URL" --task inj --json | jq -c '[.read, .new]' | tr '\n' ' ')" "[0,0] [0,0] "
cp "$T/ledger.db" "$T/t4.db"
CREDTRAIL_DB=$T/t4.db $CT ingest --from "$URL" --task t4 >/dev/null
t_is "a single task's push-down: the events of its SSH key id and service account only" \
    "$(events "$T/t4.db")" \
    "$(sqlite3 -batch -noheader "$T/local.db" "select $cols from provider_events
      where cert_key_id = 'Jane Jolie' or principal = 'some.user@company.com'
      order by provider, dedupe_key")"

# ---- --since: the server bounds the event time ----
export CREDTRAIL_DB=$T/since.db
cp "$T/ledger.db" "$T/since.db"
$CT ingest --from "$URL" --class ci --since 2020-09-14T01:00:00Z >/dev/null
t_is "--since: only events at or after it are fetched" \
    "$(t_sql "select count(*) > 0, min(time_us) >= 1600045200000000 from provider_events")" "1|1"
export CREDTRAIL_DB=$T/until.db
cp "$T/ledger.db" "$T/until.db"
$CT ingest --from "$URL" --class ci --until 2020-09-14T01:00:00Z >/dev/null
t_is "--until: only events before it" \
    "$(t_sql "select count(*) > 0, max(time_us) < 1600045200000000 from provider_events")" "1|1"

# ---- bad input ----
t_err "--from with a PATH is a usage error" 2 "give --from or PATH, not both" \
    $CT ingest --from "$URL" --task t2 "$C"
t_err "--from needs a task or a class" 2 "--from needs --task ID or --class CLASS" \
    $CT ingest --from "$URL"
t_err "--task without --from is a usage error" 2 "go with --from" $CT ingest --task t2 "$C"
t_err "a URL that is not clickhouse:// is a usage error" 2 "is not a clickhouse://HOST:PORT/DB/TABLE URL" \
    $CT ingest --from "http://127.0.0.1:$HP/ct/events" --task t2
t_err "an unknown task fails before the server is asked" 1 "nope" \
    $CT ingest --from "$URL" --task nope
t_err "a missing table: ClickHouse's own message on one line" 1 \
    "ClickHouse at '$CHHTTP/' answered 404: Code: 60.*ct.nothere.*doesn't exist" \
    $CT ingest --from "clickhouse://127.0.0.1:$HP/ct/nothere" --task t2
closed=$(t_free_port)
t_err "a server that is not there: one line, exit 1" 1 "cannot reach" \
    $CT ingest --from "clickhouse://127.0.0.1:$closed/ct/events" --task t2
t_err "clickhouse init refuses a table name that is not a plain name" 2 "is not a clickhouse://" \
    $CT clickhouse init --url "clickhouse://127.0.0.1:$HP/ct/ev;drop"
t_done
