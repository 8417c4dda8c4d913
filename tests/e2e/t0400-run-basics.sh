#!/usr/bin/env bash
# credtrail run: what the agent gets (user, capabilities, cgroup, environment), exit statuses,
# the run's records (event log, summary, ledger rows), and failing closed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

PORT=$(free_port)
start_servers "tcp:127.0.0.2:$PORT"

# usage and set-up errors: one line, and the agent never starts
t_err "--task is required" 2 "missing --task ID" $CT run -- /bin/true
t_err "a command is required" 2 "missing the command to run" $CT run --task "$TASK"
t_err "an unknown task fails set-up (125)" 125 "no task 'nope' in the ledger" \
    $CT run --task nope -- /bin/true
t_err "a bad allow rule is a usage error" 2 "invalid host name 'a..b'" \
    $CT run --task "$TASK" --allow a..b -- /bin/true
t_err "an unknown backend is a usage error" 2 "unknown backend 'xdp'" \
    $CT run --task "$TASK" --backend xdp -- /bin/true
t_err "an unusable upstream resolver stops an enforce run before the agent starts" 125 \
    "upstream|resolver|address" $CT run --task "$TASK" --enforce --upstream-dns nonsense:x \
    -- /usr/bin/touch "$T/should-not-exist"
t_ok "and the agent did not run" test ! -e "$T/should-not-exist"
t_is "nothing was recorded for the refused runs" "$(t_sql 'select count(*) from runs')" 0

# what the agent runs as
ct_run ids -- $CLIENT ids "escape:/sys/fs/cgroup"
RUN=$(jq -r 'select(.type=="start") | .run' "$T/ids.jsonl")
t_like "the run id is 16 hex characters" "$RUN" '^[0-9a-f]{16}$'
t_is "the agent runs as nobody with no capabilities and no_new_privs" "$(head -1 "$T/ids.out")" \
    "Uid=65534 Gid=65534 CapInh=0000000000000000 CapPrm=0000000000000000 CapEff=0000000000000000 CapBnd=0000000000000000 CapAmb=0000000000000000 NoNewPrivs=1"
CGMNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
ct_run escape -- $CLIENT "escape:$CGMNT"
ESC_RUN=$(jq -r 'select(.type=="start") | .run' "$T/escape.jsonl")
t_is "the agent cannot move itself out of its cgroup" "$(cat "$T/escape.out")" \
    "EACCES /credtrail-$ESC_RUN"
t_is "its cgroup is the one the start event names" \
    "$(jq -r 'select(.type=="start") | .cgroup' "$T/escape.jsonl")" "$CGMNT/credtrail-$ESC_RUN"
t_ok "and the cgroup is removed after the run" test ! -e "$CGMNT/credtrail-$ESC_RUN"
t_err "--user root is refused: uid 0 owns the cgroups and the key even without capabilities" 125 \
    "^credtrail run: the agent cannot run as 'root': uid 0 owns the cgroups" \
    $CT run --task "$TASK" --user root -- /bin/true

# the environment: task id, trace context, what --env adds, and nothing else of ours
AWS_SECRET_ACCESS_KEY=do-not-leak CREDTRAIL_DB=$CREDTRAIL_DB ct_run env --env EXTRA=x=1 -- \
    $CLIENT env:CREDTRAIL_TASK_ID env:TRACEPARENT env:AWS_SECRET_ACCESS_KEY env:CREDTRAIL_DB \
    env:EXTRA env:USER env:HOME
mapfile -t ENVV <"$T/env.out"
t_is "CREDTRAIL_TASK_ID is the task" "${ENVV[0]}" "$TASK"
t_like "TRACEPARENT is W3C trace context" "${ENVV[1]}" '^00-[0-9a-f]{32}-[0-9a-f]{16}-01$'
t_is "the start event and the ledger carry the same traceparent" \
    "$(jq -r 'select(.type=="start") | .traceparent' "$T/env.jsonl") $(t_sql "select traceparent from runs where id = '$(jq -r 'select(.type=="start") | .run' "$T/env.jsonl")'")" \
    "${ENVV[1]} ${ENVV[1]}"
t_is "credtrail's own environment does not reach the agent" "${ENVV[2]} ${ENVV[3]}" "- -"
t_is "--env adds NAME=VALUE, USER and HOME are the agent's" "${ENVV[4]} ${ENVV[5]} ${ENVV[6]}" \
    "x=1 nobody /nonexistent"

# exit statuses
ct_run ex3 -- $CLIENT exit:3
t_is "the agent's exit status is credtrail's" "$(cat "$T/ex3.rc")" 3
ct_run sig -- /bin/sh -c 'kill -TERM $$'
t_is "an agent killed by signal N gives 128+N" "$(cat "$T/sig.rc")" 143
t_is "and its exit event names the signal" \
    "$(jq -c 'select(.type=="exit") | [.signal, .exit_status]' "$T/sig.jsonl")" "[15,null]"
ct_run nf -- /nonexistent/agent
t_is "a command that does not exist gives 127" "$(cat "$T/nf.rc")" 127
t_is "and the run records why" "$(jq -c '.exec_error' "$T/nf.json")" \
    '{"command":"/nonexistent/agent","error":"No such file or directory"}'
printf 'not a program' >"$T/noexec"
chmod 644 "$T/noexec"
ct_run nx -- "$T/noexec"
t_is "a command that cannot be executed gives 126" "$(cat "$T/nx.rc")" 126

# the records of one run: event log, summary, ledger
ct_run rec --allow "route53.amazonaws.com:$PORT" -- $CLIENT "tcp:route53.amazonaws.com:$PORT"
RUN=$(jq -r 'select(.type=="start") | .run' "$T/rec.jsonl")
t_is "the agent talked to the server by name" "$(cat "$T/rec.out")" ok
t_is "the log starts with the run and ends with its end" \
    "$(jq -c 'select(.type=="start" or .type=="end") | [.type, .task, .mode, .backend, .user, .exit_status, .complete]' "$T/rec.jsonl")" \
    "[\"start\",\"$TASK\",\"audit\",\"ebpf\",\"nobody\",null,null]
[\"end\",null,null,null,null,0,true]"
t_is "records are numbered from 0 without gaps" \
    "$(jq -s '[.[] | select(.seq != null) | .seq] == [range(0; [.[] | select(.seq != null)] | length)]' "$T/rec.jsonl")" true
t_is "the exec event names the program" \
    "$(jq -c 'select(.type=="exec") | [.filename, .exe, .comm, .uid]' "$T/rec.jsonl")" \
    '["/usr/bin/python3","/usr/bin/python3","python3",65534]'
t_is "the connection is recorded with its name" "$(net_events rec)" \
    "[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.2\",$PORT,[\"route53.amazonaws.com\"],false,\"audit\"]"
t_is "and its end with source, bytes each way and the open time" \
    "$(jq -c 'select(.type=="close") | [.src, (.sport > 0), .dst, .dport, .bytes_sent, .bytes_recv, .established, (.open_time < .time), .exe]' "$T/rec.jsonl")" \
    "[\"127.0.0.1\",true,\"127.0.0.2\",$PORT,5,3,true,true,\"/usr/bin/python3\"]"
t_is "the summary lists the destination by name" \
    "$(jq -c '.destinations' "$T/rec.json")" \
    "[{\"name\":\"route53.amazonaws.com\",\"direct_ip\":false,\"connects\":1,\"denied\":0,\"addresses\":[\"127.0.0.2\"],\"ports\":[$PORT]}]"
t_is "and the run's counters" \
    "$(jq -c '[.run, .task, .class, .backend, .mode, .exit_status, .processes, .killed_at_end, .denials.count, .complete, .drops]' "$T/rec.json")" \
    "[\"$RUN\",\"$TASK\",\"dns-check\",\"ebpf\",\"audit\",0,1,0,0,true,{\"ringbuf_full_net\":0,\"ringbuf_full_proc\":0,\"socket_storage\":0,\"exec_path_unreadable\":0,\"dns_names_unrecorded\":0}]"
t_like "the text summary on stderr names the destination" "$(cat "$T/rec.err")" \
    "route53\.amazonaws\.com +port $PORT +1 let through, 0 denied"
t_is "the ledger holds the finished run" \
    "$(t_sql "select task_id, class, backend, mode, exit_status, complete, \"user\", case when events_path = '$T/rec.jsonl' then 1 else 0 end, case when end_us >= start_us then 1 else 0 end from runs where id = '$RUN'")" \
    "$TASK|dns-check|ebpf|audit|0|1|nobody|1|1"
t_is "and one net_events row per network event of the log" \
    "$(t_sql "select count(*) from net_events where run_id = '$RUN'")" \
    "$(jq -s '[.[] | select(.type=="connect" or .type=="sendmsg" or .type=="close" or .type=="dns" or .type=="sock_create")] | length' "$T/rec.jsonl")"
t_is "the connection row has its name, bytes and times" \
    "$(t_sql "select type, proto, dst, dport, names, verdict, bytes_sent, bytes_recv, case when close_us > open_us then 1 when close_us <= open_us then 0 end from net_events where run_id = '$RUN' and dport = $PORT order by time_us")" \
    "connect|tcp|127.0.0.2|$PORT|[\"route53.amazonaws.com\"]|audit|||
close|tcp|127.0.0.2|$PORT|[\"route53.amazonaws.com\"]|audit|5|3|1"
t_like "credtrail verify accepts the run's signed log and attestation" \
    "$($CT verify "$T/rec.jsonl.dsse.json" 2>&1)" \
    "^verified complete: $(jq -s '[.[] | select(.seq != null)] | length' "$T/rec.jsonl") records"
# a close is joined to its connect by socket: who connected, not who was running at the
# close; a connect refused before its SYN (broadcast: ENETUNREACH) has no close and is not
# left counted as open
ct_run join -- $CLIENT "tcp4:255.255.255.255:$PORT" "tcp4:127.0.0.2:$PORT"
t_is "the broadcast connect fails before its SYN, the other one works" "$(cat "$T/join.out")" \
    "ENETUNREACH
ok"
t_is "both connects are recorded, one close" \
    "$(jq -c 'select(.type=="connect" or .type=="close") | [.type, .dst]' "$T/join.jsonl")" \
    '["connect","255.255.255.255"]
["connect","127.0.0.2"]
["close","127.0.0.2"]'
t_is "the close names the process, thread and verdict of its connect" \
    "$(jq -s -c '[.[] | select(.type=="connect" and .dst=="127.0.0.2")][0] as $c
        | [.[] | select(.type=="close")][0] as $e
        | [$e.socket == $c.socket, $e.pid == $c.pid, $e.tid == $c.tid, $e.comm, $e.uid, $e.verdict,
           $e.open_time == $c.time]' "$T/join.jsonl")" \
    '[true,true,true,"python3",65534,"audit",true]'
t_is "and the run ends with no connection left open and nothing lost" \
    "$(jq -c 'select(.type=="end") | [.open_connections, .complete, .drops.socket_storage]' "$T/join.jsonl")" \
    '[0,true,0]'
t_err "an existing events file is never overwritten" 125 "exists" \
    $CT run --task "$TASK" --events "$T/rec.jsonl" -- /bin/true

# fail closed
cp "$CT" "$T/credtrail"
chmod 755 "$T/credtrail"
mkdir "$T/nobody"
chown nobody "$T/nobody"
AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups env CREDTRAIL_DB=$T/nobody/l.db"
$AS_NOBODY "$T/credtrail" task new --id nb >/dev/null
t_err "without root, enforce mode refuses to start the agent" 125 "enforce mode needs root" \
    $AS_NOBODY "$T/credtrail" run --task nb --enforce -- /usr/bin/touch "$T/nobody/ran"
t_ok "and the agent did not run" test ! -e "$T/nobody/ran"
t_err "without root, the eBPF backend cannot start either" 125 "cgroup|BPF|permitted" \
    $AS_NOBODY "$T/credtrail" run --task nb --backend ebpf -- /usr/bin/touch "$T/nobody/ran"
t_ok "and the agent did not run" test ! -e "$T/nobody-ran"

# signals to credtrail reach the agent; credtrail's death kills the whole subtree
$CT run --task "$TASK" --upstream-dns "127.0.0.1:$DNSPORT" --events "$T/term.jsonl" -- \
    /bin/sh -c 'trap "exit 7" TERM; while :; do sleep 0.05; done' \
    >/dev/null 2>&1 &
CTPID=$!
for _i in $(seq 100); do [ -n "$(jq -r 'select(.type=="exec" and .comm=="sleep") | .pid' "$T/term.jsonl" 2>/dev/null | head -1)" ] && break; sleep 0.05; done
kill -TERM $CTPID
wait $CTPID
t_is "SIGTERM to credtrail is passed to the agent, whose status credtrail returns" "$?" 7

$CT run --task "$TASK" --upstream-dns "127.0.0.1:$DNSPORT" --events "$T/wd.jsonl" -- \
    /bin/sh -c "$CLIENT daemon:127.0.0.2:$PORT; sleep 60" >"$T/wd.out" 2>&1 &
CTPID=$!
for _i in $(seq 100); do [ -s "$T/wd.out" ] && break; sleep 0.05; done
DAEMON=$(head -1 "$T/wd.out")
t_like "the agent's daemon is running" "$DAEMON" '^[0-9]+$'
WDCG=$(jq -r 'select(.type=="start") | .cgroup' "$T/wd.jsonl")
kill -9 $CTPID
wait $CTPID 2>/dev/null
dead() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status"; }
for _i in $(seq 200); do dead "$DAEMON" && break; sleep 0.05; done
t_ok "when credtrail is killed, its watchdog kills the agent's cgroup" dead "$DAEMON"
for _i in $(seq 200); do [ -e "$WDCG" ] || break; sleep 0.05; done
t_ok "and removes it" test ! -e "$WDCG"

t_done
