#!/usr/bin/env bash
# The DNS proxy against a real dnsmasq: answers relayed over UDP and TCP, CNAME chains
# recorded under every name, addresses admitted (with their TTL, never metadata) before the
# answer, names outside the allowlist refused without reaching the resolver in enforce mode
# and labelled in audit mode, truncated answers completed over TCP, a dead or silent
# upstream answered SERVFAIL (not a hang), garbage answered FORMERR, policy files by class.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
dport=$(t_free_port)
# 40 addresses for one name: more than a 512-octet UDP answer holds
for i in $(seq 1 40); do echo "10.9.0.$i big.example"; done > "$T/big.hosts"
dnsmasq --no-daemon --user=root --port="$dport" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --addn-hosts="$T/big.hosts" --log-queries \
    --log-facility="$T/dnsmasq.log" \
    --address=/route53.amazonaws.com/127.0.0.2 \
    --host-record=api.example.com,127.0.0.3,::3,300 \
    --cname=www.example.com,api.example.com,120 \
    --cname=alias.example.net,www.example.com \
    --host-record=meta.example.com,169.254.169.254 \
    --address=/evil.org/127.0.0.66 --address=/ready.test/127.0.0.9 >"$T/dnsmasq.out" 2>&1 &
dnsmasq_pid=$!
t_atexit "kill $dnsmasq_pid"
for _ in $(seq 100); do
	[ "$(dig +short +tries=1 +time=1 @127.0.0.1 -p "$dport" ready.test)" = 127.0.0.9 ] &&
	    break
	sleep 0.1
done

# start_proxy NAME ARGS...: run `credtrail dns-proxy` in the background; sets $pport
start_proxy() {
	local name=$1 i
	shift
	$CT dns-proxy --listen 127.0.0.1:0 --events "$T/$name.jsonl" --names "$T/$name.names" \
	    "$@" >"$T/$name.out" 2>"$T/$name.err" &
	eval "${name}_pid=$!"
	t_atexit "kill $! 2>/dev/null"
	for i in $(seq 200); do
		grep -q '^listening on' "$T/$name.out" 2>/dev/null && break
		kill -0 "$(eval echo \$${name}_pid)" 2>/dev/null || break
		sleep 0.05
	done
	pport=$(sed -n 's/^listening on 127\.0\.0\.1://p' "$T/$name.out")
}

stop_proxy() {
	local pid
	pid=$(eval echo \$${1}_pid)
	kill -TERM "$pid"
	wait "$pid"
}

q() { dig +tries=1 +time=5 @127.0.0.1 -p "$pport" "$@"; }
status() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }

# ---- enforce mode ----
start_proxy enf --upstream "127.0.0.1:$dport" --allow '*.example.com' \
    --allow route53.amazonaws.com:443 --enforce
t_like "the proxy says where it listens" "$(cat "$T/enf.out")" '^listening on 127\.0\.0\.1:[0-9]+$'
t_is "an allowed name is answered over UDP" "$(q +short route53.amazonaws.com)" 127.0.0.2
t_is "a CNAME chain is relayed over TCP" "$(q +tcp +short www.example.com)" \
    "api.example.com.
127.0.0.3"
t_is "AAAA through the chain" "$(q +short www.example.com AAAA)" "api.example.com.
::3"
t_is "a name outside the allowlist is refused" "$(status evil.org)" REFUSED
t_is "a CNAME head outside the allowlist is refused, whatever it points to" \
    "$(status alias.example.net)" REFUSED
t_is "*.example.com does not allow example.com itself" "$(status example.com)" REFUSED
t_is "a refusal over TCP too" "$(status +tcp evil.org)" REFUSED
t_is "an allowed name pointing at the metadata address is relayed" \
    "$(q +short meta.example.com)" 169.254.169.254
# a query whose name is a compression pointer to itself: FORMERR with no question
formerr=$($PY - "$pport" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(struct.pack('>HHHHHH', 0xabcd, 0x0100, 1, 0, 0, 0) + b'\xc0\x0c\x00\x01\x00\x01',
    ('127.0.0.1', int(sys.argv[1])))
a = s.recv(512)
print(a.hex())
EOF
)
t_is "a malformed query gets FORMERR (id kept, no question)" "$formerr" abcd81810000000000000000
t_is "the proxy lives on after garbage" "$(q +short route53.amazonaws.com)" 127.0.0.2
stop_proxy enf
t_like "it stops on SIGTERM with its counters" "$(tail -n 1 "$T/enf.out")" \
    '^stopped: 10 queries, 5 forwarded, 4 denied, 0 servfail, 0 upstream timeouts, 0 dropped, 4 admitted$'

t_is "one dns event per query: name, type, proto, verdict, rcode" \
    "$(jq -r 'select(.type=="dns") | [.qname,.qtype,.proto,.verdict,.rcode] | @tsv' "$T/enf.jsonl")" \
    "$(printf '%s\t%s\t%s\t%s\t%s\n' \
	route53.amazonaws.com A udp allow NOERROR \
	www.example.com A tcp allow NOERROR \
	www.example.com AAAA udp allow NOERROR \
	evil.org A udp deny REFUSED \
	alias.example.net A udp deny REFUSED \
	example.com A udp deny REFUSED \
	evil.org A tcp deny REFUSED \
	meta.example.com A udp allow NOERROR \
	'' '' udp allow FORMERR \
	route53.amazonaws.com A udp allow NOERROR)"
t_is "the chain of a CNAME answer is recorded from the question name" \
    "$(jq -c 'select(.qname=="www.example.com" and .qtype=="A") | .chain' "$T/enf.jsonl")" \
    '["www.example.com","api.example.com"]'
t_is "its answers are recorded with their TTLs" \
    "$(jq -c 'select(.qname=="www.example.com" and .qtype=="A") | .answers' "$T/enf.jsonl")" \
    '[{"name":"www.example.com","type":"CNAME","ttl":120,"data":"api.example.com"},{"name":"api.example.com","type":"A","ttl":300,"data":"127.0.0.3"}]'
t_is "the FORMERR event says why" \
    "$(jq -r 'select(.rcode=="FORMERR") | .error' "$T/enf.jsonl")" \
    "malformed query: dns name compression pointer does not point backwards"
t_is "the client port of each event is the port dig used (join key for the monitor)" \
    "$(jq -r 'select(.type=="dns") | .client_port > 0' "$T/enf.jsonl" | sort -u)" true
# admitted: exact addresses, the rule's port, TTL = min over the chain, floor 10 s; no metadata
t_is "addresses of allowed names are admitted, each before its answer" \
    "$(jq -r 'select(.type=="admit") | [.addr,.port,.ttl,.name] | @tsv' "$T/enf.jsonl")" \
    "$(printf '%s\t%s\t%s\t%s\n' \
	127.0.0.2 443 10 route53.amazonaws.com \
	127.0.0.3 0 120 www.example.com \
	::3 0 120 www.example.com \
	127.0.0.2 443 10 route53.amazonaws.com)"
t_is "an admit line always precedes the dns event of its query" \
    "$(jq -r '.type' "$T/enf.jsonl" | head -n 2 | tr '\n' ' ')" "admit dns "
t_is "the name map holds every name of a chain, and nothing for refused names" \
    "$(jq -c . "$T/enf.names")" \
    '{"127.0.0.2":["route53.amazonaws.com"],"127.0.0.3":["www.example.com","api.example.com"],"169.254.169.254":["meta.example.com"],"::3":["www.example.com","api.example.com"]}'
t_is "refused names never reached the resolver" \
    "$(grep -c -E 'query\[A\] (evil\.org|alias\.example\.net|example\.com) ' "$T/dnsmasq.log")" 0
t_is "allowed ones did" \
    "$(grep -c 'query\[A\] route53.amazonaws.com from 127.0.0.1' "$T/dnsmasq.log")" 2

# ---- audit mode ----
start_proxy aud --upstream "127.0.0.1:$dport" --allow '*.example.com'
t_is "audit mode forwards a name outside the allowlist" "$(q +short evil.org)" 127.0.0.66
t_is "audit mode relays CNAME heads outside it" "$(q +short alias.example.net | tail -n 1)" \
    127.0.0.3
stop_proxy aud
t_is "and labels them audit, allowed ones allow" \
    "$(jq -r 'select(.type=="dns") | [.qname,.verdict,.rcode] | @tsv' "$T/aud.jsonl")" \
    "$(printf '%s\t%s\t%s\n' evil.org audit NOERROR alias.example.net audit NOERROR)"
t_is "audit mode admits nothing for names outside the allowlist" \
    "$(jq -r 'select(.type=="admit") | .addr' "$T/aud.jsonl")" ""
t_is "but records them in the name map" "$(jq -c . "$T/aud.names")" \
    '{"127.0.0.3":["alias.example.net","www.example.com","api.example.com"],"127.0.0.66":["evil.org"]}'

# ---- truncation ----
start_proxy big --upstream "127.0.0.1:$dport" --allow big.example --enforce
t_is "a UDP client without EDNS gets the truncated answer (and would retry over TCP)" \
    "$(q +noedns +ignore big.example | grep -cE '^;; flags: qr( aa)? tc ')" 1
t_is "a UDP client that retries over TCP gets all 40 addresses" \
    "$(q +noedns +short big.example | wc -l)" 40
stop_proxy big
t_is "the proxy fetched the whole answer over TCP and admitted every address" \
    "$(jq -r 'select(.type=="admit") | .addr' "$T/big.jsonl" | sort -u | wc -l)" 40
t_is "the truncated UDP query's event says the upstream answer came over TCP" \
    "$(jq -r 'select(.type=="dns") | [.proto,.upstream_tcp,(.answers|length)] | @tsv' \
	"$T/big.jsonl" | head -n 1)" "$(printf 'udp\ttrue\t40')"

# ---- upstream down or silent ----
dead=$(t_free_port)
start_proxy dead --upstream "127.0.0.1:$dead" --allow '*.example.com' --enforce
t_is "a refused upstream gives SERVFAIL over UDP" "$(status api.example.com)" SERVFAIL
t_is "and over TCP" "$(status +tcp api.example.com)" SERVFAIL
stop_proxy dead
t_is "the events say why" \
    "$(jq -r 'select(.type=="dns") | [.rcode,.error] | @tsv' "$T/dead.jsonl")" \
    "$(printf 'SERVFAIL\tupstream resolver: Connection refused\nSERVFAIL\tcannot reach the upstream resolver over tcp: Connection refused')"

# a resolver that reads queries (UDP) and accepts connections (TCP) but never answers
silent=$(t_free_port)
$PY - "$silent" <<'EOF' &
import socket, sys, time
p = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', p))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(('127.0.0.1', p)); t.listen(8)
held = []
u.settimeout(0.05); t.settimeout(0.05)
while True:
    try: u.recv(65535)
    except socket.timeout: pass
    try: held.append(t.accept()[0])
    except socket.timeout: pass
EOF
silent_pid=$!
t_atexit "kill $silent_pid"
start_proxy sil --upstream "127.0.0.1:$silent" --allow '*.example.com' --enforce --timeout-ms 700
t_is "a silent upstream gives SERVFAIL within the proxy's timeout, before dig gives up" \
    "$(status api.example.com)" SERVFAIL
t_is "over TCP too" "$(status +tcp api.example.com)" SERVFAIL
stop_proxy sil
t_is "the events say it timed out" \
    "$(jq -r 'select(.type=="dns") | .error' "$T/sil.jsonl")" \
    "upstream resolver timed out after 700 ms
upstream resolver timed out after 700 ms (tcp)"
t_like "and the counters count it" "$(tail -n 1 "$T/sil.out")" ', 2 servfail, 2 upstream timeouts,'

# ---- policy files ----
cat > "$T/policy" <<'EOF'
# global
*.example.com      # every task

[class dns-check]
route53.amazonaws.com:443
EOF
start_proxy pol --upstream "127.0.0.1:$dport" --policy "$T/policy" --class dns-check --enforce
t_is "a policy file's class section allows its names" "$(q +short route53.amazonaws.com)" 127.0.0.2
t_is "and its global rules apply too" "$(q +short api.example.com)" 127.0.0.3
stop_proxy pol
start_proxy pol2 --upstream "127.0.0.1:$dport" --policy "$T/policy" --enforce
t_is "without the class only the global rules apply" "$(status route53.amazonaws.com)" REFUSED
stop_proxy pol2
start_proxy none --upstream "127.0.0.1:$dport" --enforce --deny-rcode nxdomain
t_is "enforce without any rule denies every name, here with NXDOMAIN" \
    "$(status api.example.com)" NXDOMAIN
stop_proxy none

# ---- bad input ----
printf 'ok.example\n10.1.0.0/8\n' > "$T/badpolicy"
t_err "a bad policy line is reported as FILE:LINE: reason" 1 \
    "^credtrail dns-proxy: .*/badpolicy:2: '10.1.0.0/8' has host bits set \(the network is 10.0.0.0/8\)$" \
    $CT dns-proxy --upstream 127.0.0.1:53 --policy "$T/badpolicy"
t_err "a bad --allow rule is a usage error" 2 \
    "invalid host name 'bad host': character ' ' at position 4" \
    $CT dns-proxy --upstream 127.0.0.1:53 --allow 'bad host'
t_err "the proxy refuses to listen beyond loopback" 1 \
    "^credtrail dns-proxy: the dns proxy listens on loopback only, not '192.0.2.1:53'$" \
    $CT dns-proxy --upstream 127.0.0.1:53 --listen 192.0.2.1:53
t_err "a bad upstream address is a usage error" 2 \
    "--upstream: invalid address 'nope:53' \(expected ADDR, ADDR:PORT or \[IPV6\]:PORT\)" \
    $CT dns-proxy --upstream nope:53
t_err "a timeout out of range is a usage error" 2 "--timeout-ms must be between 1 and 60000" \
    $CT dns-proxy --upstream 127.0.0.1:53 --timeout-ms 0
t_err "a port in use is reported" 1 "^credtrail dns-proxy: cannot listen on 127.0.0.1:$dport: Address already in use$" \
    $CT dns-proxy --upstream 127.0.0.1:53 --listen "127.0.0.1:$dport"

t_done
