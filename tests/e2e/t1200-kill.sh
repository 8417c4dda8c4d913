#!/usr/bin/env bash
# SIGKILL of credtrail at random points of a run, an ingest and a mint (20 + 15 + 15 kills,
# delays drawn from a seeded generator, printed: 0-1.5 s for run and ingest, which take that
# long to set up under the sanitizers, 0-150 ms for mint): the store stays consistent, nothing
# is half-written, the agent never outlives its monitor, and the signed prefix of every
# interrupted event log verifies.
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP credtrail run needs root"
	exit 0
fi
PY=/usr/bin/python3
SEED=${CT_KILL_SEED:-$RANDOM}
echo "# seed $SEED (CT_KILL_SEED=$SEED repeats the same delays)"
RANDOM=$SEED
CGMNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
TASK=$($CT task new --class kill-test)

# kill_after MAXMS CMD...: start CMD, SIGKILL it after a random 0..MAXMS ms, wait for it
kill_after() {
	local max=$1 ms pid
	shift
	ms=$((RANDOM % (max + 1)))
	"$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ---- runs: the agent is a copy of sleep under a name nothing else uses ----
AGENT=$T/ct-kill-agent
cp /bin/sleep "$AGENT"
chmod 755 "$AGENT"
DNSPORT=$(t_free_port)	# nothing listens: the agent makes no queries
survivors=0 cgroups_left=0 bad_verify="" runs_seen=0 logs_seen=0 bad_rows=0
for i in $(seq 20); do
	kill_after 1500 $CT run --task "$TASK" --upstream-dns "127.0.0.1:$DNSPORT" \
	    --events "$T/run$i.jsonl" -- "$AGENT" 30
	# the watchdog kills the cgroup when credtrail dies: wait (at most 5 s) for it to empty
	for _w in $(seq 100); do pgrep -f "^$AGENT" >/dev/null || break; sleep 0.05; done
	if pgrep -f "^$AGENT" >/dev/null; then
		survivors=$((survivors + 1))
		pkill -KILL -f "^$AGENT"
	fi
	if [ -s "$T/run$i.jsonl" ]; then
		logs_seen=$((logs_seen + 1))
		run=$(head -1 "$T/run$i.jsonl" | jq -r 'select(.type=="start") | .run' 2>/dev/null)
		if [ -n "$run" ]; then
			cg=$CGMNT/credtrail-$run
			for _w in $(seq 100); do [ ! -e "$cg" ] && break
				[ -z "$(cat "$cg/cgroup.procs" 2>/dev/null)" ] && break; sleep 0.05; done
			if [ -e "$cg" ] && [ -n "$(cat "$cg/cgroup.procs" 2>/dev/null)" ]; then
				cgroups_left=$((cgroups_left + 1))
			fi
		fi
		$CT verify --log "$T/run$i.jsonl" >"$T/verify$i.out" 2>&1
		rc=$?
		case $rc in 0|3) ;; *) bad_verify="$bad_verify run$i:$rc:$(head -c 200 "$T/verify$i.out")";; esac
	fi
done
runs_seen=$(t_sql "select count(*) from runs")
t_is "no process of the agent's program outlived a killed credtrail run (20 kills)" \
    "$survivors" 0
t_is "and no run's cgroup was left with processes in it" "$cgroups_left" 0
t_is "every interrupted event log's signed prefix verifies (exit 0 or 3, never 5)" \
    "${bad_verify:-none}" none
t_is "a run row without an end is never marked complete" \
    "$(t_sql "select count(*) from runs where end_us is null and complete != 0")" 0
t_is "a run row marked complete has its end and exit status" \
    "$(t_sql "select count(*) from runs where complete = 1 and (end_us is null or exit_status is null)")" 0
echo "# $runs_seen run rows, $logs_seen event logs written before the kill"

# ---- mint ssh -o: the certificate file and its row exist together or not at all ----
$CT keygen -o "$T/ca" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/user" >/dev/null
for i in $(seq 15); do
	kill_after 150 $CT mint ssh --task "$TASK" --ca "$T/ca" --pubkey "$T/user.pub" \
	    -o "$T/cert$i"
done
nfiles=0 badfiles=0
for i in $(seq 15); do
	[ -e "$T/cert$i" ] || continue
	nfiles=$((nfiles + 1))
	ssh-keygen -L -f "$T/cert$i" >/dev/null 2>&1 || badfiles=$((badfiles + 1))
done
t_is "every certificate file left by a killed mint is whole (ssh-keygen -L reads it)" \
    "$badfiles" 0
keys=""
for i in $(seq 15); do
	[ -e "$T/cert$i" ] && keys="$keys$(ssh-keygen -L -f "$T/cert$i" | sed -n 's/^ *Key ID: "\(.*\)"$/\1/p')
"
done
rows=$(t_sql "select key_id from credentials where kind = 'ssh' order by key_id")
t_is "every certificate file's key ID has its ledger row (no delivered credential unrecorded)" \
    "$(comm -23 <(printf '%s' "$keys" | sort) <(printf '%s\n' "$rows"))" ""
tmpkeys=""
for f in $(find "$T" -maxdepth 1 -name 'cert*.tmp.*'); do
	tmpkeys="$tmpkeys$(ssh-keygen -L -f "$f" 2>/dev/null | sed -n 's/^ *Key ID: "\(.*\)"$/\1/p')
"
done
t_is "a temporary file a kill left behind holds, if anything, a recorded certificate" \
    "$(comm -23 <(printf '%s' "$tmpkeys" | sort) <(printf '%s\n' "$rows"))" ""
echo "# $nfiles of 15 mints delivered before the kill, $(printf '%s\n' "$rows" | grep -c .) recorded"

# ---- ingest: a file is in the store whole, with its events, or not at all ----
$PY - "$T/trail" <<'PYEOF'
import json, sys, os
os.makedirs(sys.argv[1])
for f in range(3):
    with open("%s/trail%d.jsonl" % (sys.argv[1], f), "w") as out:
        for i in range(1500):
            out.write(json.dumps({
                "eventVersion": "1.08", "eventID": "kill-%d-%06d" % (f, i),
                "eventTime": "2026-01-01T00:%02d:%02dZ" % (i // 60 % 60, i % 60),
                "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
                "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.1",
                "userAgent": "aws-cli/2", "userIdentity": {
                    "type": "AssumedRole", "accessKeyId": "ASIAKILL%012d" % i,
                    "arn": "arn:aws:sts::111122223333:assumed-role/r/ironclaw-task-k%d-n" % f,
                    "sessionContext": {"sessionIssuer": {"userName": "r"}}},
                "requestParameters": {"bucketName": "b", "key": "k%d" % i}}) + "\n")
PYEOF
for i in $(seq 15); do
	kill_after 1500 $CT ingest "$T/trail"
done
t_is "per ingested file, the events it added are the provider_events rows that name it" \
    "$(t_sql "select count(*) from ingested_files f where f.events != (select count(*) from provider_events e where e.file_id = f.id)")" 0
t_is "no file row is left without its digest (an ingest cut short is rolled back)" \
    "$(t_sql "select count(*) from ingested_files where sha256 is null")" 0
t_is "an ingested file has all of its 1500 events" \
    "$(t_sql "select count(*) from ingested_files where sha256 is not null and events not in (0, 1500)")" 0
echo "# $(t_sql "select count(*) from ingested_files") ingested_files rows, $(t_sql "select count(*) from provider_events") events after 15 kills"
t_ok "a last ingest completes the store" $CT ingest "$T/trail"
t_is "with every event once" "$(t_sql "select count(*) from provider_events")" 4500

t_is "the store passes PRAGMA integrity_check after 50 kills" "$(t_sql "pragma integrity_check")" ok
t_is "and its foreign keys hold" "$(t_sql "pragma foreign_key_check")" ""
t_done
