#!/usr/bin/env bash
# credtrail watch --split-by-exec ironclaw-exec:2 on a hand-made container run the way IronClaw
# runs its per-user container: every command comes in through `ironclaw-exec TIMEOUT NONCE CMD`
# (docker exec), two of them overlapping in time.  Each invocation is a sub-run of its own
# (task = nonce) holding exactly its processes, connections and DNS queries; a daemon one of
# them leaves is killed by ironclaw-exec and recorded there; an ironclaw-exec inside an
# invocation starts nothing new; an invocation already running when the watch attaches is a
# sub-run marked incomplete.  Then the egress proxy's log (a stand-in writing iron-proxy's
# audit lines) is ingested and joined to the invocations, and the one connection that went
# around the proxy is flagged.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0900-lib.inc"

# the proxy listens on an address of its own, so no DNS name labels its connections
PADDR=$SUB.3
ip addr add "$PADDR/29" dev "$VH"
P=$(free_port)
PX=$(free_port)
UP=$(free_port)
start_servers "tcp:$HADDR:$P"
$PROXYPY serve "$PADDR:$PX" "$T/proxy.log" "api.example=127.0.0.1:$UP" \
    "host-only.example=127.0.0.1:$UP" >"$T/proxy.out" 2>&1 &
PXPID=$!
t_atexit "kill $PXPID 2>/dev/null; wait $PXPID 2>/dev/null"
for _i in $(seq 100); do grep -q ready "$T/proxy.out" && break; sleep 0.05; done
GET="$PROXYPY get $PADDR:$PX"
wait_for() { for _i in $(seq 400); do [ -e "$T/$1" ] && return 0; sleep 0.02; done; return 1; }

TASK=$($CT task new --class agents)
$CT keygen -o "$T/key" >/dev/null
new_container user

# an invocation already running when the watch attaches
dexec "$IEXEC" 30 inv-c "while [ ! -e $T/go-c ]; do sleep 0.02; done; $GET http://api.example/c" \
    >"$T/c.out" 2>&1 &
CPID=$!
wait_for_proc() { for _i in $(seq 200); do pgrep -f "$1" >/dev/null && return 0; sleep 0.02; done; }
wait_for_proc "ironclaw-exec 30 inv-c"

watch split --task "$TASK" --split-by-exec ironclaw-exec:2 --sign "$T/key"
touch "$T/go-c"
wait "$CPID"

# two invocations overlapping: each waits for the other before it acts, and before it ends
dexec "$IEXEC" 30 inv-a "touch $T/a.up; while [ ! -e $T/b.up ]; do sleep 0.02; done;
    $CLIENT tcp:api.example:$P; $GET http://api.example/a; touch $T/a.proxied;
    setsid sleep 60 >/dev/null 2>&1 & d=\$!;
    while [ \"\$(cat /proc/\$d/comm)\" != sleep ]; do sleep 0.02; done; echo daemon \$d;
    while [ ! -e $T/release ]; do sleep 0.02; done" >"$T/a.out" 2>&1 &
APID=$!
dexec "$IEXEC" 30 inv-b "touch $T/b.up; while [ ! -e $T/a.up ]; do sleep 0.02; done;
    $CLIENT resolve:other.example; $GET http://evil.example/b;
    $IEXEC 5 nested-x '$GET http://api.example/nested'; touch $T/b.proxied;
    while [ ! -e $T/release ]; do sleep 0.02; done; exit 3" >"$T/b.out" 2>&1 &
BPID=$!
wait_for a.proxied
wait_for b.proxied
# while both run: the container's own command, and a request from outside the container
dexec $GET http://api.example/own >"$T/own.out"
$GET http://host-only.example/host >"$T/host.out"
touch "$T/release"
wait "$APID"
ARC=$?
wait "$BPID"
BRC=$?
stop_watch INT

t_is "the invocations ran as ironclaw-exec runs them" \
    "$(cat "$T/a.out" | sed 's/daemon [0-9]*/daemon PID/'; echo "a $ARC"; cat "$T/b.out"; echo "b $BRC"; cat "$T/c.out" "$T/own.out" "$T/host.out")" \
    "ok
200 ok /a
daemon PID
a 0
$SUB.5
403 forbidden
200 ok /nested
b 3
200 ok /c
200 ok /own
200 ok /host"
DPID=$(sed -n 's/^daemon //p' "$T/a.out")
t_is "the watch ended cleanly with three sub-runs, nothing left attached" \
    "$WRC $(jq -c '[.sub_runs[] | .task] | sort' "$T/split.json") $(attached)" \
    '0 ["inv-a","inv-b","inv-c"] '

sub() { jq -r ".sub_runs[] | select(.task==\"$1\") | .$2" "$T/split.json"; }
A=$(sub inv-a events_path)
B=$(sub inv-b events_path)
C=$(sub inv-c events_path)
net() {
	jq -c 'select((.type=="connect" or .type=="sendmsg") and .dns_redirect != true)
	    | [.dst, .dport, .names, .comm]' "$1"
}
t_is "invocation a holds its own connections: the direct one and the proxied request" \
    "$(net "$A")" "[\"$HADDR\",$P,[\"api.example\"],\"python3\"]
[\"$PADDR\",$PX,[],\"python3\"]"
t_is "invocation b holds its own: two proxied requests, one through a nested ironclaw-exec" \
    "$(net "$B")" "[\"$PADDR\",$PX,[],\"python3\"]
[\"$PADDR\",$PX,[],\"python3\"]"
t_is "each invocation's DNS questions are in its own record" \
    "$(jq -r 'select(.type=="dns") | .qname' "$A" | sort -u; echo --; jq -r 'select(.type=="dns") | .qname' "$B" | sort -u)" \
    "api.example
--
other.example"
t_is "the watch's own record holds the container's own command, not the invocations'" \
    "$(net "$T/split.jsonl")" "[\"$PADDR\",$PX,[],\"python3\"]"
t_is "no process of one invocation appears in another's record" \
    "$(jq -nc --slurpfile a "$A" --slurpfile b "$B" '[$a[] | .pid // empty] as $x |
        [$b[] | .pid // empty] as $y | [$x[] | select(. as $p | $y | index($p))] | unique')" \
    "[]"
t_is "the daemon invocation a left was killed by ironclaw-exec, in a's record" \
    "$(jq -c "select(.pid==$DPID) | [.type, .comm, .signal]" "$A")" \
    "[\"fork\",\"sh\",null]
[\"exec\",\"setsid\",null]
[\"exec\",\"sleep\",null]
[\"exit\",\"sleep\",15]"
t_is "the nested ironclaw-exec began no sub-run: an exec in b's record, without its argv" \
    "$(jq -c 'select(.type=="exec" and .comm=="ironclaw-exec") | has("argv")' "$B")" "true
false"
t_is "each sub-run starts with the ironclaw-exec argv as IronClaw gave it" \
    "$(jq -c 'select(.type=="start") | [.task, .nonce, .argv[0:3], .parent_run, .attached_late]' "$A" "$C")" \
    "[\"inv-a\",\"inv-a\",[\"$IEXEC\",\"30\",\"inv-a\"],\"$(jq -r .run "$T/split.json")\",false]
[\"inv-c\",\"inv-c\",[\"$IEXEC\",\"30\",\"inv-c\"],\"$(jq -r .run "$T/split.json")\",true]"
t_is "the sub-runs end with their root's exit status" \
    "$(jq -c '.sub_runs | sort_by(.task) | map([.task, .exit_status, .complete])' "$T/split.json")" \
    '[["inv-a",0,true],["inv-b",3,true],["inv-c",0,false]]'
t_is "the one found running says why it is incomplete" \
    "$(jq -c 'select(.type=="end") | .incomplete' "$C")" \
    '["it was running before the watch attached"]'
t_is "the watch's record marks where each sub-run began and ended" \
    "$(jq -c 'select(.sub_task != null) | [.type, .sub_task]' "$T/split.jsonl" | sort)" \
    '["exec","inv-a"]
["exec","inv-b"]
["present","inv-c"]
["sub_run_end","inv-a"]
["sub_run_end","inv-b"]
["sub_run_end","inv-c"]'
t_ok "invocation a's log and attestation verify" $CT verify "$A.dsse.json" --key "$T/key.pub"
t_ok "invocation b's too" $CT verify "$B.dsse.json" --key "$T/key.pub"
t_is "the ledger has one run per sub-run, under the nonce's task, linked to the watch" \
    "$(t_sql "select r.task_id, t.class, s.nonce, s.attached_late, r.complete, s.parent_run_id = '$(jq -r .run "$T/split.json")' from watch_subruns s join runs r on r.id = s.run_id join tasks t on t.id = r.task_id order by r.task_id")" \
    "inv-a|agents|inv-a|0|1|1
inv-b|agents|inv-b|0|1|1
inv-c|agents|inv-c|1|0|1"
t_is "and their connections under their own run ids" \
    "$(t_sql "select r.task_id, count(*) from net_events n join runs r on r.id = n.run_id where n.type = 'connect' and n.dport <> 53 group by r.task_id order by 1")" \
    "$TASK|1
inv-a|2
inv-b|2
inv-c|1"

# ---- the proxy's view, joined ----
$CT ingest --format ironproxy "$T/proxy.log" >/dev/null
$CT watch report --run "$(jq -r .run "$T/split.json")" --json >"$T/join.json"
t_is "every proxy request from the container joins its invocation by source address and port" \
    "$(jq -c '[.invocations[] | [.task, [.requests[] | [.method, .host, .path, .action, .status,
        .joined_by]]]] | sort_by(.[0]) | .[]' "$T/join.json")" \
    "[\"$TASK\",[[\"GET\",\"api.example\",\"/own\",\"allow\",200,\"source\"]]]
[\"inv-a\",[[\"GET\",\"api.example\",\"/a\",\"allow\",200,\"source\"]]]
[\"inv-b\",[[\"GET\",\"evil.example\",\"/b\",\"deny\",403,\"source\"],[\"GET\",\"api.example\",\"/nested\",\"allow\",200,\"source\"]]]
[\"inv-c\",[[\"GET\",\"api.example\",\"/c\",\"allow\",200,\"source\"]]]"
t_is "the request from outside the container joins nothing" \
    "$(jq -c '.unattributed[] | [.host, .path, .source_ip]' "$T/join.json")" \
    "[\"host-only.example\",\"/host\",\"$HADDR\"]"
t_is "the proxy's address is learnt from the joined requests" \
    "$(jq -c '.proxy' "$T/join.json")" "{\"rules\":[],\"inferred\":[\"$PADDR:$PX\"],\"known\":true}"
t_is "the connection that went around the proxy is flagged, and only that one" \
    "$(jq -c '.invocations[] | .findings[] | [.kind, .severity, .summary]' "$T/join.json" | sed "s/pid [0-9]*/pid N/")" \
    "[\"proxy-bypass\",\"high\",\"tcp $HADDR:$P (api.example) by pid N did not go through the proxy: the proxy never saw it\"]"
t_is "the totals" "$(jq -c .totals "$T/join.json")" \
    '{"invocations":4,"connections":6,"requests":6,"joined":5,"bypasses":1}'
t_is "the request line is the proxy's own, read back and checked against its digest" \
    "$(jq -c '[.invocations[].requests[].read_back] | unique' "$T/join.json")" "[true]"
$CT watch report --run "$(jq -r .run "$T/split.json")" --fail-on-bypass >"$T/join.txt"
t_is "--fail-on-bypass makes a bypass exit 6" "$?" 6
t_like "the text view shows the proxy's request beside the monitor's connection" \
    "$(grep -A4 '^invocation inv-a' "$T/join.txt")" \
    "monitor: tcp $HADDR:$P \(api.example\) pid [0-9]+ audit, NOT via the proxy.*proxy:   GET api.example /a  allow 200  from $CADDR:[0-9]+  \[by source\].*high proxy-bypass"
t_is "a sub-run alone can be reported: its siblings' requests stay theirs" \
    "$($CT watch report --run "$(sub inv-b run)" --json |
        jq -c '[.totals.invocations, .totals.joined, .totals.bypasses, (.unattributed | length)]')" \
    "[1,2,0,1]"
t_is "with the proxy given, a wrong address makes every connection a bypass" \
    "$($CT watch report --task inv-b --proxy 192.0.2.1:3128 --json | jq -c '[.totals.bypasses, .proxy.known]')" \
    "[2,true]"
t_is "with the right one, the same as learnt" \
    "$($CT watch report --run "$(jq -r .run "$T/split.json")" --proxy "$PADDR:$PX" --json | jq -c '.totals')" \
    '{"invocations":4,"connections":6,"requests":6,"joined":5,"bypasses":1}'
mv "$T/proxy.log" "$T/proxy.moved"
t_is "when the proxy's file is gone the rows join by time alone, when one invocation fits" \
    "$($CT watch report --run "$(sub inv-c run)" --proxy "$PADDR:$PX" --skew 0 --json |
        jq -c '[.invocations[].requests[] | [.path, .joined_by, .read_back, .note]]')" \
    '[["/c","window",false,"joined by time alone: weak"]]'
t_is "and not at all when two invocations ran then" \
    "$($CT watch report --run "$(sub inv-a run)" --proxy "$PADDR:$PX" --skew 0 --json |
        jq -c '[[.invocations[].requests[].path], [.unattributed[].path | select(. == "/a")]]')" \
    '[[],["/a"]]'
sed 's|"/a"|"/A"|' "$T/proxy.moved" >"$T/proxy.log"
t_is "a line changed since it was ingested is not believed: the row's words are used instead" \
    "$($CT watch report --run "$(jq -r .run "$T/split.json")" --json |
        jq -c '[.invocations[].requests[], .unattributed[] | select(.path == "/a" or .path == "/A")
            | [.path, .read_back, .note]]')" \
    '[["/a",false,"its line cannot be read back as ingested"]]'
t_err "a run that is not in the ledger is one error line" 1 "no run with id 'nope'" \
    $CT watch report --run nope
t_err "--run and --task together are a usage error" 2 "exactly one of --run" \
    $CT watch report --run x --task y

t_done
