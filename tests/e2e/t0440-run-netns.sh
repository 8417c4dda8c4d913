#!/usr/bin/env bash
# credtrail run: a destination behind a veth pair in a network namespace of the test, where
# the source address is not the destination's: the connection's end carries the real source
# (the one the route chose, or the one the agent bound), and CIDR/port rules hold off-loopback.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

NS=ct0440-$$
VH=ct$$h
VN=ct$$n
SUB=10.213.$((RANDOM % 200 + 20))
ip netns add "$NS"
t_atexit "ip netns del $NS 2>/dev/null"
ip link add "$VH" type veth peer name "$VN"
t_atexit "ip link del $VH 2>/dev/null"
ip link set "$VN" netns "$NS"
ip addr add "$SUB.1/29" dev "$VH"
ip addr add "$SUB.4/29" dev "$VH"
ip link set "$VH" up
ip netns exec "$NS" ip addr add "$SUB.2/29" dev "$VN"
ip netns exec "$NS" ip addr add "$SUB.3/29" dev "$VN"
ip netns exec "$NS" ip link set "$VN" up
ip netns exec "$NS" ip link set lo up
P=$(free_port)
Q=$(free_port)
ip netns exec "$NS" $PY "$T/t0400-servers.py" "tcp:$SUB.2:$P" "tcp:$SUB.2:$Q" "tcp:$SUB.3:$P" \
    >"$T/ns-servers.out" 2>&1 &
NSPID=$!
t_atexit "kill $NSPID 2>/dev/null; wait $NSPID 2>/dev/null"
for _i in $(seq 100); do grep -q ready "$T/ns-servers.out" && break; sleep 0.05; done

ct_run ns --enforce --allow "$SUB.2/32:$P" --allow "$SUB.3/32" -- $CLIENT "tcp4:$SUB.2:$P" \
    "tcp4:$SUB.2:$Q" "tcpfrom:$SUB.4:$SUB.3:$P"
t_is "enforce: CIDR:port and CIDR rules admit exactly their destinations in another namespace" \
    "$(cat "$T/ns.out")" "ok
EPERM
ok"
t_is "the attempts are recorded as direct-IP with their verdicts" "$(net_events ns)" \
    "[\"connect\",\"tcp\",\"ipv4\",\"$SUB.2\",$P,[],true,\"allow\"]
[\"connect\",\"tcp\",\"ipv4\",\"$SUB.2\",$Q,[],true,\"deny\"]
[\"connect\",\"tcp\",\"ipv4\",\"$SUB.3\",$P,[],true,\"allow\"]"
t_is "the connections' ends carry the source the route chose and the one the agent bound" \
    "$(jq -c 'select(.type=="close") | [.src, .dst, .dport, .bytes_sent, .bytes_recv, .established]' "$T/ns.jsonl")" \
    "[\"$SUB.1\",\"$SUB.2\",$P,5,3,true]
[\"$SUB.4\",\"$SUB.3\",$P,5,3,true]"
t_is "the bound source is in the connect event too" \
    "$(jq -c "select(.type==\"connect\" and .dst==\"$SUB.3\") | .src" "$T/ns.jsonl")" "\"$SUB.4\""
t_is "the ledger rows carry the sources" \
    "$(t_sql "select src, dst from net_events where run_id = '$(jq -r .run "$T/ns.json")' and type = 'close' order by time_us")" \
    "$SUB.1|$SUB.2
$SUB.4|$SUB.3"

t_done
