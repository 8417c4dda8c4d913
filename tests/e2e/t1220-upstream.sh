#!/usr/bin/env bash
# Upstream faults during credtrail run: a resolver that never answers, a resolver that is
# gone (dnsmasq stopped before a run, and in the middle of one), a destination that refuses,
# and destinations without a route (a network namespace of the test's: no route at all, an
# "unreachable" route).  The run neither hangs nor loses the record, the agent gets a failure
# it can handle, and enforcement holds without DNS.  Clock jumps: t1240.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

# a resolver that never answers: UDP and TCP port 53 bound, nothing read
SILENT=$(free_port)
$PY -c "
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', $SILENT))
t = socket.socket(); t.bind(('127.0.0.1', $SILENT)); t.listen(8)
print('ready', flush=True)
while True:
    time.sleep(1)" >"$T/silent.out" 2>&1 &
SILENTPID=$!
t_atexit "kill $SILENTPID 2>/dev/null"
for _i in $(seq 100); do grep -q ready "$T/silent.out" && break; sleep 0.05; done
CLOSED=$(free_port)

# dns_outcomes NAME: qtype rcode error of each DNS event, once each
dns_outcomes() {
	jq -r 'select(.type=="dns") | "\(.qtype) \(.rcode) \(.error)"' "$T/$1.jsonl" | sort -u
}

$CT run --task "$TASK" --upstream-dns "127.0.0.1:$SILENT" --events "$T/silent.jsonl" \
    --json "$T/silent.json" -- $CLIENT resolve:route53.amazonaws.com \
    "tcp4:127.0.0.1:$CLOSED" >"$T/silent.out" 2>"$T/silent.err"
t_is "a silent upstream: the run ends with the agent's status" "$?" 0
t_is "the agent's lookup fails and its refused connect is reported to it" \
    "$(cat "$T/silent.out")" "resolve-failed
ECONNREFUSED"
t_is "each query is answered SERVFAIL with the reason recorded" "$(dns_outcomes silent)" \
    "A SERVFAIL upstream resolver timed out after 3000 ms
AAAA SERVFAIL upstream resolver timed out after 3000 ms"
t_is "the connect to the refusing destination is recorded as a direct-IP attempt" \
    "$(net_events silent)" "[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.1\",$CLOSED,[],true,\"audit\"]"
t_is "and the evidence is complete" "$(jq -c '.complete' "$T/silent.json")" true
t_ok "its attestation verifies" $CT verify "$T/silent.jsonl.dsse.json" --log "$T/silent.jsonl"

# the resolver goes away: enforce mode, a rule by name, dnsmasq stopped
PORT=$(free_port)
start_servers "tcp:127.0.0.2:$PORT"
ct_run before --enforce --allow "route53.amazonaws.com:$PORT" -- \
    $CLIENT "tcp:route53.amazonaws.com:$PORT"
t_is "with dnsmasq up the allowed name is reached" "$(cat "$T/before.out")" ok
kill "$DNSMASQ"
wait "$DNSMASQ" 2>/dev/null
ct_run gone --enforce --allow "route53.amazonaws.com:$PORT" -- \
    $CLIENT "tcp:route53.amazonaws.com:$PORT" "tcp4:127.0.0.2:$PORT"
t_is "with dnsmasq stopped the run still ends with the agent's status" "$(cat "$T/gone.rc")" 0
t_is "the name no longer resolves, and its address is not reachable directly" \
    "$(cat "$T/gone.out")" "resolve-failed
EPERM"
t_like "the queries are answered SERVFAIL" "$(dns_outcomes gone | cut -d' ' -f1,2 | sort -u | tr '\n' ,)" \
    '^A SERVFAIL,(AAAA SERVFAIL,)?$'
t_is "the direct attempt is denied and recorded" "$(net_events gone)" \
    "[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.2\",$PORT,[],true,\"deny\"]"
t_is "and the evidence is complete" "$(jq -c '.complete' "$T/gone.json")" true

# the resolver goes away in the middle of a run: what it admitted stays admitted for its TTL
DNS2=$(free_port)
dnsmasq --no-daemon --user=root --port="$DNS2" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --local-ttl=60 --host-record=route53.amazonaws.com,127.0.0.2 \
    --host-record=sts.amazonaws.com,127.0.0.4 >"$T/dnsmasq2.log" 2>&1 &
DNS2PID=$!
t_atexit "kill $DNS2PID 2>/dev/null; wait $DNS2PID 2>/dev/null"
SYNC=$T/sync
mkdir -m 0777 "$SYNC"
printf '%s\n' "import os, subprocess, sys, time" \
    "def run(*acts):" \
    "    for a in acts:" \
    "        out = subprocess.run([sys.executable, '$T/t0400-client.py', a], capture_output=True," \
    "                             text=True).stdout.strip()" \
    "        print(a.split(':')[0], out, flush=True)" \
    "run('tcp:route53.amazonaws.com:$PORT')" \
    "open('$SYNC/ready', 'w').close()" \
    "while not os.path.exists('$SYNC/go'):" \
    "    time.sleep(0.02)" \
    "run('tcp:route53.amazonaws.com:$PORT', 'tcp4:127.0.0.2:$PORT', 'resolve:sts.amazonaws.com'," \
    "    'tcp4:127.0.0.4:$PORT')" >"$T/mid.py"
chmod 644 "$T/mid.py"
$CT run --task "$TASK" --upstream-dns "127.0.0.1:$DNS2" --enforce \
    --allow "route53.amazonaws.com:$PORT" --allow "sts.amazonaws.com:$PORT" \
    --events "$T/mid.jsonl" --json "$T/mid.json" -- $PY "$T/mid.py" >"$T/mid.out" 2>"$T/mid.err" &
MIDPID=$!
for _i in $(seq 600); do [ -e "$SYNC/ready" ] && break; sleep 0.05; done
kill "$DNS2PID"
wait "$DNS2PID" 2>/dev/null
touch "$SYNC/go"
wait "$MIDPID"
t_is "dnsmasq stopped mid-run: the run ends with the agent's status" "$?" 0
t_is "the name resolved before still connects by the address it was given, new lookups fail, and an address no answer gave is refused" \
    "$(cat "$T/mid.out")" "tcp ok
tcp resolve-failed
tcp4 ok
resolve resolve-failed
tcp4 EPERM"
t_is "before the stop dnsmasq answers; after it every query is answered SERVFAIL with the reason" \
    "$(jq -r 'select(.type=="dns") | "\(.qname) \(.qtype) \(.rcode) \(.error)"' "$T/mid.jsonl" |
    sort -u)" \
    "route53.amazonaws.com A NOERROR null
route53.amazonaws.com A SERVFAIL upstream resolver: Connection refused
route53.amazonaws.com AAAA REFUSED null
route53.amazonaws.com AAAA SERVFAIL upstream resolver: Connection refused
sts.amazonaws.com A SERVFAIL upstream resolver: Connection refused
sts.amazonaws.com AAAA SERVFAIL upstream resolver: Connection refused"
t_is "the refused address is recorded as denied" \
    "$(jq -c 'select(.type=="connect" and .verdict=="deny") | [.dst, .dport]' "$T/mid.jsonl")" \
    "[\"127.0.0.4\",$PORT]"
t_is "and the evidence is complete" "$(jq -c '.complete' "$T/mid.json")" true

# destinations without a route: a network namespace with only its loopback, and an
# "unreachable" route; allowed by the rules, so what the agent sees is the network's answer
NS=ct1220-$$
ip netns add "$NS"
t_atexit "ip netns del $NS 2>/dev/null"
ip -n "$NS" link set lo up
ip -n "$NS" route add unreachable 10.9.9.0/24
NOROUTE=10.255.255.1
# nsenter, not ip netns exec: that one mounts a sysfs of its own, without the cgroup2 tree
nsenter --net="/run/netns/$NS" $CT run --task "$TASK" --upstream-dns "127.0.0.1:$DNSPORT" --enforce \
    --allow "$NOROUTE:$PORT" --allow "10.9.9.9:$PORT" --events "$T/unr.jsonl" \
    --json "$T/unr.json" -- $CLIENT "tcp4:$NOROUTE:$PORT" "tcp4:10.9.9.9:$PORT" \
    >"$T/unr.out" 2>"$T/unr.err"
t_is "no route: the run ends with the agent's status" "$?" 0
t_is "the agent sees ENETUNREACH without a route and EHOSTUNREACH for an unreachable one" \
    "$(cat "$T/unr.out")" "ENETUNREACH
EHOSTUNREACH"
t_is "both attempts are recorded, let through by the rules" "$(net_events unr)" \
    "[\"connect\",\"tcp\",\"ipv4\",\"$NOROUTE\",$PORT,[],true,\"allow\"]
[\"connect\",\"tcp\",\"ipv4\",\"10.9.9.9\",$PORT,[],true,\"allow\"]"
t_is "and the evidence is complete" "$(jq -c '.complete' "$T/unr.json")" true
t_done
