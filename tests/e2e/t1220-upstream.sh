#!/usr/bin/env bash
# Upstream faults during credtrail run: a resolver that never answers, a resolver that is
# gone (dnsmasq stopped), and a destination that refuses.  The run neither hangs nor loses
# the record, the agent gets a failure it can handle, and enforcement holds without DNS.
# Clock jumps are not tested: faking one needs the machine's real clock (never changed here)
# or a time namespace, which does not move CLOCK_REALTIME.
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
t_done
