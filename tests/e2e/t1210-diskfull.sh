#!/usr/bin/env bash
# Disk full: the ledger or a run's event log on a small tmpfs (mounted by the test) that
# fills up during an ingest or a run.  One clear error line, nothing corrupted (integrity
# check, earlier data intact), and an enforce run whose events can no longer be written
# stops its agent instead of letting it talk unrecorded.
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP mounting a tmpfs and credtrail run need root"
	exit 0
fi
PY=/usr/bin/python3

# small_fs DIR SIZE: a tmpfs of SIZE at DIR, unmounted at exit
small_fs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" || return 1
	t_atexit "umount -l '$1'"
}

# trail FILE N FIRST: N CloudTrail records kept by the prefilter (a -task- session name)
trail() {
	$PY - "$@" <<'PYEOF'
import json, sys
path, n, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as out:
    for i in range(first, first + n):
        out.write(json.dumps({
            "eventVersion": "1.08", "eventID": "full-%07d" % i,
            "eventTime": "2026-01-01T00:%02d:%02dZ" % (i // 60 % 60, i % 60),
            "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
            "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.1", "userAgent": "aws-cli/2",
            "userIdentity": {"type": "AssumedRole", "accessKeyId": "ASIAFULL%012d" % i,
                "arn": "arn:aws:sts::111122223333:assumed-role/r/ironclaw-task-full-%d" % i},
            "requestParameters": {"bucketName": "b", "key": "k" * 200}}) + "\n")
PYEOF
}

# ---- ingest into a ledger on a full disk ----
small_fs "$T/small" 1m || { echo "1..0 # SKIP cannot mount a tmpfs"; exit 0; }
export CREDTRAIL_DB=$T/small/ledger.db
trail "$T/first.jsonl" 20 0
trail "$T/big.jsonl" 3000 100
t_ok "a first small ingest fits" $CT ingest "$T/first.jsonl"
BEFORE=$(t_sql "select count(*) || ' ' || group_concat(event_id) from (select event_id from provider_events order by event_id)")
t_err "an ingest that fills the disk fails with one line naming the file and the store: the disk is full" 1 \
    "^credtrail ingest: $T/big.jsonl: store '$T/small/ledger.db': database or disk is full" \
    $CT ingest "$T/big.jsonl"
t_is "the ledger passes integrity_check" "$(t_sql 'pragma integrity_check')" ok
t_is "the earlier events are intact and the failed file added nothing" \
    "$(t_sql "select count(*) || ' ' || group_concat(event_id) from (select event_id from provider_events order by event_id)")" \
    "$BEFORE"
t_is "and no file row is left for it" \
    "$(t_sql "select count(*) from ingested_files where path like '%big.jsonl'")" 0
umount -l "$T/small" && mount -t tmpfs -o size=16m,mode=0700 tmpfs "$T/small"
t_ok "the same file ingests on a larger disk (a new ledger)" $CT ingest "$T/big.jsonl"
t_is "with all of its events" "$(t_sql 'select count(*) from provider_events')" 3000

# ---- a run whose event log fills its disk ----
export CREDTRAIL_DB=$T/ledger.db
TASK=$($CT task new --class disk-full)
small_fs "$T/evsmall" 96k || exit 1
PORT=$(t_free_port)
$PY -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $PORT)); s.listen(512); print('ready', flush=True)
while True:
    c, _ = s.accept(); c.close()" >"$T/server.out" 2>&1 &
SERVER=$!
t_atexit "kill $SERVER 2>/dev/null"
for _i in $(seq 100); do grep -q ready "$T/server.out" && break; sleep 0.05; done
# the agent connects in a loop for ever: only credtrail can stop it
cat >"$T/agent.py" <<EOF
import socket, sys
n = 0
while True:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", $PORT))
    except OSError:
        pass
    s.close()
    n += 1
    if n % 100 == 0:
        with open("$T/agent.count", "w") as f:
            f.write(str(n))
EOF
chmod 644 "$T/agent.py"
chmod 777 "$T"
timeout 120 $CT run --task "$TASK" --enforce --allow "127.0.0.1/32" \
    --upstream-dns "127.0.0.1:$(t_free_port)" --events "$T/evsmall/run.jsonl" \
    -- $PY "$T/agent.py" >"$T/run.out" 2>"$T/run.err"
RC=$?
t_is "an enforce run whose event log fills the disk stops (status 125, not the timeout)" \
    "$RC" 125
t_is "with one error line: $(head -1 "$T/run.err")" "$(grep -c . "$T/run.err" | tr -d ' ')" 1
t_like "that says the log cannot be written" "$(cat "$T/run.err")" \
    "(space|full|write).*run\.jsonl|run\.jsonl.*(space|full|write)"
t_is "the agent is gone" "$(pgrep -f "$T/agent.py" | wc -l)" 0
RUN=$(t_sql "select id from runs where task_id = '$TASK'")
t_is "the run is recorded as not complete" \
    "$(t_sql "select complete from runs where id = '$RUN'")" 0
t_is "the ledger passes integrity_check" "$(t_sql 'pragma integrity_check')" ok
$CT verify --log "$T/evsmall/run.jsonl" >"$T/verify.out" 2>&1
VRC=$?
t_like "the log's signed prefix verifies (0 or 3, never 5): $(head -c 120 "$T/verify.out")" \
    "$VRC" '^[03]$'
t_done
