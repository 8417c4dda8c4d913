#!/usr/bin/env bash
# Clock jumps during `credtrail run --enforce`: credtrail runs under libfaketime (Debian's
# faketime package, LD_PRELOAD) with FAKETIME_TIMESTAMP_FILE and FAKETIME_NO_CACHE=1, so the
# test moves credtrail's CLOCK_REALTIME by hours while the agent runs; CLOCK_MONOTONIC is left
# alone (FAKETIME_DONT_FAKE_MONOTONIC=1), as a real `date -s` leaves it.  The agent (not
# preloaded: its environment is clean) waits for each jump before its next step.
#   offset 0:   resolve the allowed name and connect (admitted, TTL 1 s -> the 10 s floor)
#   +3 hours:   connect to the admitted address directly (not expired early by the jump),
#               resolve and connect again, wait 12 s of real time, connect directly: refused
#               (the TTL ran out on the monotonic clock; it is not kept 3 hours longer)
#   -3 hours:   resolve and connect, then directly: both let through (an admission made with
#               the clock set back is not expired at once)
# The run completes, its log verifies, the summary's duration is the real elapsed time,
# records made by credtrail in user space carry the faked wall time, those of the kernel's
# hooks the run's start plus monotonic time (libfaketime does not reach the kernel's clocks),
# and no duration is negative.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
if [ ! -e "$FT" ]; then
	echo "1..0 # SKIP libfaketime not installed (scripts/install-deps: faketime)"
	exit 0
fi
JUMP=10800

# a resolver of our own whose answers live 1 s (the proxy admits for at least 10 s)
DNS1=$(free_port)
dnsmasq --no-daemon --user=root --port="$DNS1" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --local-ttl=1 --host-record=route53.amazonaws.com,127.0.0.2 \
    >"$T/dnsmasq1.log" 2>&1 &
DNS1PID=$!
t_atexit "kill $DNS1PID 2>/dev/null; wait $DNS1PID 2>/dev/null"
PORT=$(free_port)
start_servers "tcp:127.0.0.2:$PORT"

# the agent: each phase waits for the test's go file, then writes its ready file
SYNC=$T/sync
mkdir -m 0777 "$SYNC"
cat >"$T/agent.py" <<EOF
import os, subprocess, sys, time
def step(name):
    open("$SYNC/ready-" + name, "w").close()
    while not os.path.exists("$SYNC/go-" + name):
        time.sleep(0.02)
def run(*acts):
    for a in acts:
        out = subprocess.run([sys.executable, "$T/t0400-client.py", a], capture_output=True,
                             text=True).stdout.strip()
        print(a.split(":")[0], out, flush=True)
run("tcp:route53.amazonaws.com:$PORT")
step("forward")
run("tcp4:127.0.0.2:$PORT", "tcp:route53.amazonaws.com:$PORT")
t = time.monotonic()
while time.monotonic() - t < 12:
    time.sleep(0.2)
run("tcp4:127.0.0.2:$PORT")
step("back")
run("tcp:route53.amazonaws.com:$PORT", "tcp4:127.0.0.2:$PORT")
EOF
chmod 644 "$T/agent.py"

# jump OFFSET PHASE: wait for the agent's ready file, move the clock, let it go on
jump() {
	local i
	for i in $(seq 600); do [ -e "$SYNC/ready-$2" ] && break; sleep 0.05; done
	echo "$1" >"$T/faketime.new" && mv "$T/faketime.new" "$T/faketime"
	date -u +%s%N >"$T/real-$2"
	touch "$SYNC/go-$2"
}

echo "+0" >"$T/faketime"
real0=$(date -u +%s%N)
(
	export LD_PRELOAD=$FT FAKETIME_TIMESTAMP_FILE=$T/faketime FAKETIME_NO_CACHE=1
	export FAKETIME_DONT_FAKE_MONOTONIC=1
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	exec $CT run --task "$TASK" --upstream-dns "127.0.0.1:$DNS1" --enforce \
	    --allow "route53.amazonaws.com:$PORT" --events "$T/j.jsonl" --json "$T/j.json" \
	    -- $PY "$T/agent.py" >"$T/j.out" 2>"$T/j.err"
) &
RUNPID=$!
jump "+$JUMP" forward
jump "-$JUMP" back
wait $RUNPID
rc=$?
real1=$(date -u +%s%N)

t_is "the run completes with the agent's status" "$rc" 0
t_is "its summary line gives the real duration of the --json summary" \
    "$(head -1 "$T/j.err" | sed 's/.*: exit/exit/')" \
    "exit status 0 after $(jq '.duration_us' "$T/j.json" | awk '{ printf "%.3f", $1 / 1e6 }') s"
t_is "admitted before +3h: reached; after the jump still reached, re-admitted, and refused once its TTL ran out in real time; after -3h admitted and reached" \
    "$(cat "$T/j.out")" "tcp ok
tcp4 ok
tcp ok
tcp4 EPERM
tcp ok
tcp4 ok"
t_is "the refused direct connect is recorded as denied" \
    "$(jq -c 'select(.type=="connect" and .verdict=="deny") | [.dst, .dport]' "$T/j.jsonl")" \
    "[\"127.0.0.2\",$PORT]"
t_ok "the event log and attestation verify" $CT verify "$T/j.jsonl.dsse.json" --log "$T/j.jsonl"
t_is "the evidence is complete" "$(jq -c '.complete' "$T/j.json")" true

# the summary's duration: at least the agent's 12 s wait, at most the real time the test saw
dur=$(jq '.duration_us' "$T/j.json")
real_us=$(( (real1 - real0) / 1000 ))
t_ok "the summary's duration ($dur us) is the real elapsed time (12 s <= it <= $real_us us), not the jump" \
    test "$dur" -ge 12000000 -a "$dur" -le "$real_us"
t_is "no record has a negative duration" \
    "$(jq -s '[.[] | .. | objects | .duration_us? // empty | select(. < 0)] | length' "$T/j.jsonl" "$T/j.json")" 0

# wall time: user-space records carry the faked clock, the kernel's records the real one
f0=$(( $(cat "$T/real-forward") / 1000000000 ))
b0=$(( $(cat "$T/real-back") / 1000000000 ))
r0=$(( real0 / 1000000000 ))
r1=$(( real1 / 1000000000 + 1 ))
# each DNS record in the window of its phase: 0, +3 h, -3 h (two lookups of A and AAAA each)
phases=$(jq -r 'select(.type=="dns") | .time' "$T/j.jsonl" | while read -r q; do
	s=$(date -u -d "$q" +%s)
	if [ "$s" -ge $((r0 - 1)) ] && [ "$s" -le "$f0" ]; then echo 0
	elif [ "$s" -ge $((f0 + JUMP - 1)) ] && [ "$s" -le $((b0 + JUMP)) ]; then echo +3h
	elif [ "$s" -ge $((b0 - JUMP - 1)) ] && [ "$s" -le $((r1 - JUMP)) ]; then echo -3h
	else echo "outside:$q"; fi
done | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')
t_is "DNS records carry the faked wall time of their phase" "$phases" "0:4 +3h:4 -3h:4 "
e=$(date -u -d "$(jq -r 'select(.type=="end") | .time' "$T/j.jsonl")" +%s)
t_ok "the end record is stamped with the clock set back" test "$e" -ge $((b0 - JUMP - 1)) -a "$e" -le $((r1 - JUMP))
c=$(date -u -d "$(jq -r 'select(.type=="connect" and .verdict=="deny") | .time' "$T/j.jsonl")" +%s)
t_ok "the kernel's connect record is stamped start + monotonic time, i.e. real time" \
    test "$c" -ge $((r0 - 1)) -a "$c" -le "$r1"
t_done
