#!/usr/bin/env bash
# A PostgreSQL store (--db / CREDTRAIL_DB = postgres://...): the same schema and migrations as
# SQLite, errors in one line without the password, and 4 processes ingesting overlapping files
# and minting at once lose and duplicate nothing; re-ingest stays a no-op.  The server is
# Debian's postgresql 15, started here on loopback with its data under $T.
. "$(dirname "$0")/../lib.sh"

t_pg_start
t_is "a PostgreSQL server of the test's own is up" "$?" 0
PORT=${T_PG##*:}
newdb() { psql -X -q "$T_PG/postgres" -c "CREATE DATABASE $1" >/dev/null && echo "$T_PG/$1"; }

# ---- schema and migrations ----
$CT task new >/dev/null		# the SQLite ledger to compare with
DB=$(newdb s1)
task=$($CT --db "$DB" task new --class pgclass)
t_like "--db postgres://... creates a task" "$task" '^[0-9a-f]{16}$'
t_is "schema_versions records every component as SQLite does" \
    "$(CREDTRAIL_DB=$DB t_sql 'select component, version from schema_versions order by component')" \
    "$(t_sql 'select component, version from schema_versions order by component')"
t_is "the tables and columns are SQLite's" \
    "$(psql -X -At "$DB" -c "select table_name || '.' || column_name from information_schema.columns
	where table_schema = 'public' order by 1")" \
    "$(sqlite3 "$CREDTRAIL_DB" "select m.name || '.' || p.name from sqlite_master m,
	pragma_table_info(m.name) p where m.type = 'table' order by 1")"
t_is "the indexes are SQLite's" \
    "$(psql -X -At "$DB" -c "select indexname from pg_indexes where schemaname = 'public'
	and indexname not like '%_pkey' order by 1")" \
    "$(sqlite3 "$CREDTRAIL_DB" "select name from sqlite_master where type = 'index' and
	name not like 'sqlite_autoindex%' order by 1")"
t_is "INTEGER PRIMARY KEY became an identity BIGINT, INTEGER BIGINT, user quoted" \
    "$(psql -X -At "$DB" -c "select column_name, data_type, is_identity from information_schema.columns
	where (table_name, column_name) in (('credentials','id'), ('credentials','issued_us'),
	('runs','user')) order by 1")" \
    "id|bigint|YES
issued_us|bigint|NO
user|text|NO"
t_is "CREDTRAIL_DB=postgresql://... reads the same store" \
    "$(CREDTRAIL_DB=postgresql://credtrail:$T_PG_PASS@127.0.0.1:$PORT/s1 $CT task list | awk '{print $1, $2}')" \
    "$task pgclass"
t_is "opening an up-to-date store again migrates nothing" \
    "$($CT --db "$DB" task list >/dev/null; CREDTRAIL_DB=$DB t_sql 'select sum(version) from schema_versions')" 5

FDB=$(newdb fresh)
for n in 0 1 2 3 4 5; do $CT --db "$FDB" task new >"$T/fresh.$n" 2>&1 & done
wait
t_is "6 processes opening one empty database at once create its schema once, all succeed" \
    "$(cat "$T"/fresh.* | grep -cE '^[0-9a-f]{16}$') $(CREDTRAIL_DB=$FDB t_sql 'select count(*), sum(version) from schema_versions') $(CREDTRAIL_DB=$FDB t_sql 'select count(*) from tasks')" \
    "6 5|5 6"

# ---- errors: one line, the URL without its password ----
t_err "a wrong password is one line naming the server, not the password" 1 \
    "^credtrail task list: cannot connect to postgres://credtrail@127\.0\.0\.1:$PORT/s1: .*password authentication failed" \
    $CT --db "postgres://credtrail:wrong-secret-7@127.0.0.1:$PORT/s1" task list
t_is "the password is in no output" \
    "$($CT --db "postgres://credtrail:wrong-secret-7@127.0.0.1:$PORT/s1" task list 2>&1 | grep -c wrong-secret)" 0
t_err "a password given as a URL parameter is left out too" 1 \
    "^credtrail task list: cannot connect to postgres://credtrail@127\.0\.0\.1:$PORT/s1\?connect_timeout=5: .*password authentication failed" \
    $CT --db "postgres://credtrail@127.0.0.1:$PORT/s1?password=wrong-secret-8&connect_timeout=5" task list
t_err "a server that is not there is one line" 1 \
    "^credtrail task new: cannot connect to postgres://credtrail@127\.0\.0\.1:1/s1: .*Connection refused$" \
    $CT --db "postgres://credtrail:$T_PG_PASS@127.0.0.1:1/s1" task new
t_err "a database that does not exist is one line" 1 \
    "^credtrail task new: cannot connect to postgres://credtrail@127\.0\.0\.1:$PORT/nosuch: .*database \"nosuch\" does not exist$" \
    $CT --db "postgres://credtrail:$T_PG_PASS@127.0.0.1:$PORT/nosuch" task new
t_err "report --query-plan says the plans are SQLite's" 1 \
    "^credtrail report: query plans are shown for SQLite stores; for 'postgres://credtrail@127\.0\.0\.1:$PORT/s1' use EXPLAIN in psql$" \
    $CT --db "$DB" report --query-plan
t_err "a duplicate task id is refused as on SQLite" 1 "already" \
    $CT --db "$DB" task new --id "$task"
t_is "and left one row" "$(CREDTRAIL_DB=$DB t_sql "select count(*) from tasks where id = '$task'")" 1

# ---- a write failing in the middle of a file (ingest sends its writes in a pipeline) ----
cp -r "$FIX/ingest" "$T/logs"
L=$T/logs
touch -d '2026-11-26 00:00:00 UTC' "$L"/sshd/*
XDB=$(newdb fail)
$CT --db "$XDB" task list >/dev/null
CREDTRAIL_DB=$XDB t_sql "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS
    'BEGIN IF NEW.event_id = ''12345678-1234-1234-1234-999999999999'' THEN
    RAISE EXCEPTION ''disk full (injected)''; END IF; RETURN NEW; END';
    CREATE TRIGGER boom BEFORE INSERT ON provider_events FOR EACH ROW EXECUTE FUNCTION boom()"
gz=$L/cloudtrail/panther_cloudtrail_rule_tests.jsonl.gz
next=$L/cloudtrail/stratus/aws.persistence.sts-federation-token.json
$CT --db "$XDB" ingest --all "$gz" "$next" >"$T/out" 2>"$T/err"
t_is "a write failing after more than a pipeline's worth of a file fails that file (exit 1, one line)" \
    "$?|$(cat "$T/err")" \
    "1|credtrail ingest: $gz: storing an event: store '${XDB/:$T_PG_PASS/}': disk full (injected) (nothing of it was stored)"
t_is "none of its records stayed; the next file was ingested" \
    "$(CREDTRAIL_DB=$XDB t_sql 'select count(*) from provider_events')|$(CREDTRAIL_DB=$XDB t_sql 'select count(*) from ingested_files')|$(cat "$T/out")" \
    "2|1|$next: cloudtrail: read 2, new 2, duplicate 0, skipped 0, rejected 0"

# ---- concurrency: 4 writers, overlapping ingests and mints at once ----
mapfile -t files < <(find "$L" -type f ! -name '.*' ! -name PROVENANCE.md | sort)
# the reference: every file once into a SQLite ledger
$CT --db "$T/ref.db" ingest --all "${files[@]}" >/dev/null 2>&1
ref_events=$(sqlite3 "$T/ref.db" 'select count(*) from provider_events')
# every event, its time, principal and action (sorted here: collations differ; the raw bytes
# and file of an event logged in two files are those of whichever came first); the one
# principal that is not UTF-8 (Latin-1 in a journal) is checked on its own below
evq="select provider, dedupe_key, time_us, action, outcome,
    case when provider = 'sshd' and time_us = 1764106219000000 then '' else principal end
    from provider_events"
ref_keys=$(sqlite3 "$T/ref.db" "$evq" | LC_ALL=C sort | sha256sum)
ref_nonvault=$(sqlite3 "$T/ref.db" "select count(*) from provider_events where provider <> 'vault'")
ref_files=$(sqlite3 "$T/ref.db" 'select count(*) from ingested_files')

DB=$(newdb conc)
ssh-keygen -q -t ed25519 -N '' -f "$T/ca" && ssh-keygen -q -t ed25519 -N '' -f "$T/u"
shared=$($CT --db "$DB" task new --class shared)
NMINT=6
worker() { # N: its own task, mints into it and the shared one between ingests of every file
	local n=$1 own i k f
	own=$($CT --db "$DB" task new --class worker) || return 1
	echo "$own" >"$T/own.$n"
	k=0
	for ((i = 0; i < ${#files[@]}; i++)); do
		f=${files[$(((i + n * ${#files[@]} / 4) % ${#files[@]}))]}
		$CT --db "$DB" ingest --all "$f" >>"$T/ingest.$n" 2>>"$T/err.$n" || return 1
		if [ $k -lt $NMINT ] && [ $((i % 3)) = 0 ]; then
			$CT --db "$DB" mint ssh --task "$own" --ca "$T/ca" --pubkey "$T/u.pub" \
			    -o "$T/cert.$n.$k" >/dev/null 2>>"$T/err.$n" || return 1
			$CT --db "$DB" mint ssh --task "$shared" --ca "$T/ca" --pubkey "$T/u.pub" \
			    -o "$T/scert.$n.$k" >/dev/null 2>>"$T/err.$n" || return 1
			k=$((k + 1))
		fi
	done
}
pids=()
for n in 0 1 2 3; do worker $n & pids+=($!); done
st=0
for p in "${pids[@]}"; do wait "$p" || st=1; done
t_is "4 concurrent writers all succeed, quietly" "$st:$(cat "$T"/err.*)" "0:"
export CREDTRAIL_DB=$DB
t_is "every mint is one credential row (4 x $NMINT into own tasks, as many into the shared one)" \
    "$(t_sql "select count(*) from credentials") $(t_sql "select count(*) from credentials where task_id = '$shared'") $(t_sql "select count(distinct task_id) from credentials")" \
    "$((8 * NMINT)) $((4 * NMINT)) 5"
t_is "each worker's task holds its own $NMINT" \
    "$(for n in 0 1 2 3; do t_sql "select count(*) from credentials where task_id = '$(cat "$T/own.$n")'"; done | sort -u)" \
    "$NMINT"
t_is "the events are exactly those of one ingest of every file into SQLite" \
    "$(t_sql 'select count(*) from provider_events') $(t_sql "$evq" | LC_ALL=C sort | sha256sum)" \
    "$ref_events $ref_keys"
t_is "a Latin-1 byte in a log is stored as U+FFFD (PostgreSQL's text is UTF-8)" \
    "$(t_sql "select principal from provider_events where provider = 'sshd' and
	time_us = 1764106219000000")" "r$(printf '\xef\xbf\xbd')mi"
t_is "every file content is recorded once" "$(t_sql 'select count(*) from ingested_files')" "$ref_files"
# (a Vault response joining its request counts as new too: sums are exact for the others)
t_is "the workers' 'new' counts add up to the events stored: none counted twice" \
    "$(cat "$T"/ingest.* | grep -v '/vault/' | sed -n 's/.* new \([0-9]*\),.*/\1/p' |
	awk '{ s += $1 } END { print s }')" "$ref_nonvault"
again=$($CT ingest --all "$L" | sed -n 's/.* new \([0-9]*\),.*/\1/p' | sort -u)
t_is "ingesting everything again afterwards adds nothing" \
    "$again $(t_sql 'select count(*) from provider_events')" "0 $ref_events"
t_done
