#!/usr/bin/env bash
# credtrail run: eight runs started at once on one host and one ledger (a fleet node runs
# several agents' tasks side by side).  Each run records its own agent's connections and
# nobody else's, every one finishes, and the ledger ends up with all eight runs whole.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

P=$(free_port)
start_servers "tcp:127.0.0.1:$P"

K=8
pids=()
for i in $(seq $K); do
	# even runs enforce (the allowed port), odd ones audit; each agent connects i times
	mode=()
	[ $((i % 2)) = 0 ] && mode=(--enforce --allow "127.0.0.1:$P")
	acts=()
	for _j in $(seq "$i"); do acts+=("tcp4:127.0.0.1:$P"); done
	ct_run "c$i" "${mode[@]}" -- $CLIENT "${acts[@]}" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

st="" errs=""
for i in $(seq $K); do
	st="$st$(cat "$T/c$i.rc") "
	errs="$errs$(grep -v -e '^credtrail run: run [0-9a-f]* of task' -e '^  ' "$T/c$i.err")"
done
t_is "all $K runs started at once exit 0" "$st" "0 0 0 0 0 0 0 0 "
t_is "and none of them says anything but its summary" "$errs" ""

counts="" rows="" ends=""
for i in $(seq $K); do
	run=$(jq -r 'select(.type=="start") | .run' "$T/c$i.jsonl")
	counts="$counts$(jq -s "[.[] | select(.type==\"connect\" and .dport==$P)] | length" \
	    "$T/c$i.jsonl") "
	rows="$rows$(t_sql "select count(*) from net_events where run_id = '$run' and
	    type = 'connect' and dport = $P") "
	ends="$ends$(t_sql "select complete, exit_status, end_us >= start_us from runs
	    where id = '$run'") "
	$CT verify --log "$T/c$i.jsonl" >"$T/c$i.verify" 2>&1 || echo "# c$i: $(cat "$T/c$i.verify")"
done
t_is "each run's log holds exactly its own agent's connects (1 to $K)" "$counts" \
    "1 2 3 4 5 6 7 8 "
t_is "and so does the ledger, run by run" "$rows" "1 2 3 4 5 6 7 8 "
t_is "every run is in the ledger, complete, with its exit status and end" "$ends" \
    "1|0|1 1|0|1 1|0|1 1|0|1 1|0|1 1|0|1 1|0|1 1|0|1 "
t_is "the ledger has the $K runs and no other" \
    "$(t_sql "select count(*) from runs where task_id = '$TASK'")" "$K"
t_is "every event log verifies" "$(cat "$T"/c*.verify | grep -c '^verified complete')" "$K"

# A run batches its ledger rows, but takes the write lock only to write a batch: a busy run
# must not keep the other writers of the ledger (the runs beside it, ingest, mint) waiting.
# The agent connects for 5 s; meanwhile another writer asks for the lock 20 times, willing to
# wait 200 ms each time.  (When a batch's transaction stayed open from its first row until it
# was written, 250 ms later, tries failed 2 times in 10 and 3 times in 20.)
if t_on_pg; then
	t_ok "# SKIP the write-lock check is SQLite's" true
else
	ct_run busy -- $PY -c "
import socket, time
end = time.time() + 5
while time.time() < end:
    s = socket.create_connection(('127.0.0.1', $P)); s.close()" &
	busy=$!
	for _i in $(seq 100); do
		[ -s "$T/busy.jsonl" ] && [ "$(grep -c '"connect"' "$T/busy.jsonl")" -gt 100 ] && break
		sleep 0.05
	done
	fails=0
	for _i in $(seq 20); do
		sqlite3 -cmd ".timeout 200" "$CREDTRAIL_DB" "BEGIN IMMEDIATE; ROLLBACK;" \
		    >/dev/null 2>&1 || fails=$((fails + 1))
		sleep 0.1
	done
	wait "$busy"
	t_is "while a run records a stream of connects, another writer gets the ledger's write lock within 200 ms, 20 times out of 20" \
	    "$fails $(cat "$T/busy.rc")" "0 0"
fi
t_done
