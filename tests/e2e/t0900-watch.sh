#!/usr/bin/env bash
# credtrail watch: the monitor attached to a container that is already running (its own
# cgroup and network namespace), what it records, and how it ends - cleanly (nothing left
# attached, the container runs on), on its own (--duration, --until-empty), or killed: in
# audit mode the container runs on unobserved and the log says where the record stops; in
# enforce mode the container's egress stays blocked until --release.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0900-lib.inc"

TASK=$($CT task new --class agents)
P=$(free_port)
Q=$(free_port)
start_servers "tcp:$HADDR:$P" "tcp:$HADDR:$Q" "udp:$HADDR:$Q"
new_container a

# ---- attach after the container started, record, stop with SIGINT ----
watch basic --task "$TASK"
t_is "a command run in the container reaches its servers" \
    "$(dexec $CLIENT "tcp:api.example:$P" "udp:$HADDR:$Q")" "ok
ok"
stop_watch INT
t_is "SIGINT ends the watch with status 0" "$WRC" 0
t_is "the container's first process is recorded as present" \
    "$(jq -c "select(.type==\"present\") | [.pid, .ppid, .comm]" "$T/basic.jsonl")" \
    "[$INIT,$(awk '{print $4}' /proc/$INIT/stat),\"sleep\"]"
t_is "its connections are recorded with the names the container's DNS gave" \
    "$(jq -c 'select((.type=="connect" or .type=="sendmsg") and .dns_redirect != true)
        | [.type, .proto, .dst, .dport, .names, .verdict, .comm]' "$T/basic.jsonl")" \
    "[\"connect\",\"tcp\",\"$HADDR\",$P,[\"api.example\"],\"audit\",\"python3\"]
[\"sendmsg\",\"udp\",\"$HADDR\",$Q,[\"api.example\"],\"audit\",\"python3\"]"
t_is "the container's DNS went to its own resolver through credtrail's proxy" \
    "$(jq -sc '[.[] | select(.type=="dns" and .qtype=="A") | [.qname, .rcode, [.answers[].data]]] | unique | .[]' "$T/basic.jsonl")" \
    "[\"api.example\",\"NOERROR\",[\"$HADDR\"]]"
t_is "the connection's source is the container's own address" \
    "$(jq -r 'select(.type=="close") | .src' "$T/basic.jsonl")" "$CADDR"
t_is "the start and end records say what was watched and why it ended" \
    "$(jq -sc '[.[] | select(.type)] | [(.[0] | [.type, .attached, .cgroup, .task, .mode,
        has("pid")]), (.[-1] | [.type, .stopped_by, .complete])]' "$T/basic.jsonl")" \
    "[[\"start\",true,\"$CG\",\"$TASK\",\"audit\",false],[\"end\",\"SIGINT\",true]]"
t_is "nothing of credtrail's is left attached to the cgroup" "$(attached)" ""
t_ok "the container runs on" kill -0 "$INIT"
t_ok "the log and its attestation verify" $CT verify "$T/basic.jsonl.dsse.json"
t_is "the ledger's run is complete, without an exit status" \
    "$(t_sql "select complete, exit_status is null, end_us is not null from runs where id = '$(jq -r .run "$T/basic.json")'")" \
    "1|1|1"
t_is "the summary names the cgroup and the end" \
    "$(jq -c '[.cgroup, .stopped_by, .destinations[0].name, .destinations[0].ports]' "$T/basic.json")" \
    "[\"$CG\",\"SIGINT\",\"api.example\",[$(printf '%s\n' "$P" "$Q" | sort -n | paste -sd,)]]"

# ---- ending on its own ----
watch dur --task "$TASK" --duration 1
wait "$WPID"
t_is "--duration ends the watch by itself" \
    "$(jq -r 'select(.type=="end") | .stopped_by' "$T/dur.jsonl")" duration
new_container short
watch empty --task "$TASK" --until-empty
kill "$INIT"
wait "$WPID"
t_is "--until-empty ends it when the container's last process is gone" \
    "$(jq -c 'select(.type=="end") | [.stopped_by, .complete]' "$T/empty.jsonl")" \
    '["empty",true]'
t_is "and it recorded that process's end" \
    "$(jq -c "select(.type==\"exit\" and .pid==$INIT) | .signal" "$T/empty.jsonl")" 15

# ---- audit mode, killed: the container runs on unobserved ----
new_container b
watch killed --task "$TASK"
dexec $CLIENT "tcp4:$HADDR:$P" >/dev/null
wait_log killed '.type=="close"'
stop_watch KILL
t_is "a killed watch in audit mode leaves nothing attached" "$(attached)" ""
t_is "and its watchdog removes the DNS proxy's cgroup" "$(dns_cgroup_left killed)" ""
t_is "the container runs on and its traffic is no longer observed" \
    "$(dexec $CLIENT "tcp4:$HADDR:$Q")" ok
$CT verify --log "$T/killed.jsonl" >"$T/killed.verify" 2>&1
t_is "the log says it stops without a final checkpoint (verify status 3)" \
    "$? $(grep -c 'unsigned trailing records' "$T/killed.verify")" "3 1"
t_is "the ledger's run has no end and is incomplete" \
    "$(t_sql "select end_us is null, complete from runs where id = '$(watch_run killed)'")" \
    "1|0"

# ---- enforce mode: allowed and denied, then killed: fail closed ----
watch enf --task "$TASK" --enforce --allow "api.example:$P"
t_is "enforce: the allowed name and port pass, others are refused" \
    "$(dexec $CLIENT "tcp:api.example:$P" "tcp4:$HADDR:$Q" "udp:$HADDR:$Q")" "ok
EPERM
EPERM"
t_is "a second watch of a guarded cgroup is refused" \
    "$($CT watch --pid "$INIT" --task "$TASK" --duration 1 2>&1; echo "status $?")" \
    "credtrail watch: a running credtrail watch guards this cgroup
status 1"
t_is "the guard is attached beside the monitor" \
    "$(attached | tr ' ' '\n' | grep -c '^ctg_')" 5
wait_log enf '.type=="sendmsg" and .verdict=="deny"'
stop_watch KILL
t_is "a killed watch in enforce mode leaves only its guard attached" "$(attached)" \
    "ctg_connect4 ctg_connect6 ctg_egress ctg_sendmsg4 ctg_sendmsg6 "
t_is "and no DNS proxy cgroup" "$(dns_cgroup_left enf)" ""
# the kernel empties the guard's pass a moment after the process is gone
for _i in $(seq 50); do
	[ "$(dexec $CLIENT "tcp4:$HADDR:$P")" = EPERM ] && break
	sleep 0.05
done
t_is "and the container's egress is blocked, even to what the watch allowed" \
    "$(dexec $CLIENT "tcp4:$HADDR:$P" "udp:$HADDR:$Q")" "EPERM
EPERM"
t_err "a new watch refuses to start on the blocked cgroup and says how to release it" 1 \
    "^credtrail watch: cgroup '$CG' is still blocked by the guard of a watch that ended without detaching it \(credtrail watch --release --cgroup $CG\)$" \
    $CT watch --pid "$INIT" --task "$TASK" --duration 1
t_is "--release detaches the guard" "$($CT watch --release --cgroup "$CG")" \
    "released 5 guard programs from $CG"
t_is "after which nothing is attached" "$(attached)" ""
t_is "and the container's egress flows again" "$(dexec $CLIENT "tcp4:$HADDR:$Q")" ok
t_is "--release on a cgroup with no guard says so" "$($CT watch --release --pid "$INIT")" \
    "no guard on $CG"
t_is "the denials were recorded before the watch died" \
    "$(jq -c 'select((.type=="connect" or .type=="sendmsg") and .dns_redirect != true)
        | [.type, .dst, .dport, .verdict]' "$T/enf.jsonl")" \
    "[\"connect\",\"$HADDR\",$P,\"allow\"]
[\"connect\",\"$HADDR\",$Q,\"deny\"]
[\"sendmsg\",\"$HADDR\",$Q,\"deny\"]"

# enforce mode ended by SIGTERM: everything goes, the guard too
watch enf2 --task "$TASK" --enforce --allow "$HADDR/32:$P"
stop_watch TERM
t_is "SIGTERM ends an enforce-mode watch cleanly, the guard detached too" "$WRC $(attached)" "0 "
t_is "and leaves the container's egress free" "$(dexec $CLIENT "tcp4:$HADDR:$Q")" ok

# ---- bad input ----
t_err "--cgroup and --pid together are a usage error" 2 "exactly one of --cgroup" \
    $CT watch --cgroup "$CG" --pid "$INIT" --task "$TASK"
t_err "a directory that is not a cgroup is refused" 1 \
    "^credtrail watch: '$T' is not below the cgroup2 mount" \
    $CT watch --cgroup "$T" --task "$TASK"
t_err "a process that does not exist is refused" 1 "^credtrail watch: no process 999999999" \
    $CT watch --pid 999999999 --task "$TASK"
t_err "an unknown task is refused" 1 "no task" $CT watch --pid "$INIT" --task nosuchtask
t_err "a bad allow rule is a usage error" 2 "invalid host name 'a..b'" \
    $CT watch --pid "$INIT" --task "$TASK" --allow a..b
t_err "a policy file that cannot be read is refused" 1 "$T/no-such-policy" \
    $CT watch --pid "$INIT" --task "$TASK" --policy "$T/no-such-policy"
t_err "--until-empty and --duration together are a usage error" 2 "at most one" \
    $CT watch --pid "$INIT" --task "$TASK" --until-empty --duration 5
t_err "a bad --split-by-exec is a usage error" 2 "PROGRAM\[:N\]" \
    $CT watch --pid "$INIT" --task "$TASK" --split-by-exec ":2"
t_is "nothing was attached by the refusals" "$(attached)" ""

t_done
