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
t_done
