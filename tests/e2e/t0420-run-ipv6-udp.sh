#!/usr/bin/env bash
# credtrail run: IPv6, IPv4-mapped IPv6 (which a connect4-only monitor would miss) and
# unconnected UDP (sendto) are seen, labelled and enforced like IPv4 TCP.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

P=$(free_port)
U=$(free_port)
start_servers "tcp:[::1]:$P" "tcp:127.0.0.2:$P" "tcp:127.0.0.3:$P" "udp:127.0.0.4:$U" \
    "udp:127.0.0.5:$U" "udp:[::1]:$U"

# IPv6
ct_run v6 --enforce --allow "v6.example:$P" -- $CLIENT "tcp:v6.example:$P" "tcp6:::1:$U"
t_is "enforce: an allowed name with an IPv6 address connects, the same address on another port does not" \
    "$(cat "$T/v6.out")" "ok
EPERM"
t_is "the IPv6 attempts are recorded with their names" "$(net_events v6)" \
    "[\"connect\",\"tcp\",\"ipv6\",\"::1\",$P,[\"v6.example\"],false,\"allow\"]
[\"connect\",\"tcp\",\"ipv6\",\"::1\",$U,[\"v6.example\"],false,\"deny\"]"
t_is "the AAAA answer was recorded by the proxy" "$(dns_events v6 | grep AAAA)" \
    '["v6.example","AAAA","allow","NOERROR",["::1"]]'
t_is "the IPv6 connection's end has IPv6 source and bytes" \
    "$(jq -c 'select(.type=="close") | [.family, .src, .dst, .dport, .bytes_sent, .bytes_recv]' "$T/v6.jsonl")" \
    "[\"ipv6\",\"::1\",\"::1\",$P,5,3]"

# IPv4-mapped IPv6: judged as the IPv4 address it carries
ct_run mapped --enforce --allow "route53.amazonaws.com:$P" -- $CLIENT \
    "resolve:route53.amazonaws.com" "tcp6:::ffff:127.0.0.2:$P" "tcp6:::ffff:127.0.0.3:$P"
t_is "enforce: ::ffff:a.b.c.d gets the IPv4 policy (allowed name yes, unresolved address no)" \
    "$(cat "$T/mapped.out")" "127.0.0.2
ok
EPERM"
t_is "v4-mapped attempts are recorded as IPv4 and flagged" \
    "$(jq -c 'select(.type=="connect" and .dns_redirect != true) | [.family, .dst, .dport, .v4mapped, .names, .verdict]' "$T/mapped.jsonl")" \
    "[\"ipv4\",\"127.0.0.2\",$P,true,[\"route53.amazonaws.com\"],\"allow\"]
[\"ipv4\",\"127.0.0.3\",$P,true,[],\"deny\"]"
t_is "and so is the end of the allowed one" \
    "$(jq -c 'select(.type=="close") | [.family, .src, .dst, .v4mapped, .bytes_sent, .bytes_recv]' "$T/mapped.jsonl")" \
    '["ipv4","127.0.0.1","127.0.0.2",true,5,3]'
ct_run mapped-audit -- $CLIENT "tcp6:::ffff:127.0.0.3:$P"
t_is "audit: a v4-mapped connect to a never-resolved address is labelled direct-IP" \
    "$(net_events mapped-audit)" \
    "[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.3\",$P,[],true,\"audit\"]"

# unconnected UDP
ct_run udp --enforce --allow "127.0.0.4:$U" -- $CLIENT "udp:127.0.0.4:$U" "udp:127.0.0.5:$U" \
    "udp6:::1:$U" "udp6:::ffff:127.0.0.5:$U"
t_is "enforce: sendto reaches the allowed address only, on IPv4, IPv6 and v4-mapped sockets" \
    "$(cat "$T/udp.out")" "ok
EPERM
EPERM
EPERM"
t_is "each socket's first datagram to each destination is one sendmsg event" "$(net_events udp)" \
    "[\"sendmsg\",\"udp\",\"ipv4\",\"127.0.0.4\",$U,[],true,\"allow\"]
[\"sendmsg\",\"udp\",\"ipv4\",\"127.0.0.5\",$U,[],true,\"deny\"]
[\"sendmsg\",\"udp\",\"ipv6\",\"::1\",$U,[],true,\"deny\"]
[\"sendmsg\",\"udp\",\"ipv4\",\"127.0.0.5\",$U,[],true,\"deny\"]"
t_is "the last one was an IPv6 socket aimed at a mapped address" \
    "$(jq -c 'select(.type=="sendmsg") | .v4mapped' "$T/udp.jsonl" | tail -1)" true
ct_run udp-audit -- $CLIENT "udp:127.0.0.5:$U"
t_is "audit: unconnected UDP is recorded and goes through" "$(cat "$T/udp-audit.out") $(net_events udp-audit)" \
    "ok [\"sendmsg\",\"udp\",\"ipv4\",\"127.0.0.5\",$U,[],true,\"audit\"]"

t_done
