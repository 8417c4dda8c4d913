#!/usr/bin/env bash
# credtrail run: DNS is redirected to the proxy, connections carry the names that led to
# them, and enforce mode admits exactly what the allow rules name (by host, port, CIDR).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

P1=$(free_port)
P2=$(free_port)
start_servers "tcp:127.0.0.2:$P1" "tcp:127.0.0.2:$P2" "tcp:127.0.0.3:$P1" "tcp:127.0.0.4:$P1" \
    "tcp:127.0.0.4:$P2"

# audit: everything goes through, every attempt is labelled
ct_run audit -- $CLIENT "tcp:route53.amazonaws.com:$P1" "tcp:alias.example:$P2" \
    "tcp4:127.0.0.3:$P1" "resolve:evil.example"
t_is "audit mode lets everything through" "$(cat "$T/audit.out")" "ok
ok
ok
127.0.0.3"
t_is "each connection carries the names that resolved to its address; the rest is direct-IP" \
    "$(net_events audit)" \
    "[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.2\",$P1,[\"route53.amazonaws.com\"],false,\"audit\"]
[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.2\",$P2,[\"route53.amazonaws.com\",\"alias.example\"],false,\"audit\"]
[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.3\",$P1,[],true,\"audit\"]"
t_is "the proxy recorded each A query with its answers (CNAME chains included)" \
    "$(dns_events audit | grep '"A"')" \
    '["alias.example","A","allow","NOERROR",["route53.amazonaws.com","127.0.0.2"]]
["evil.example","A","allow","NOERROR",["127.0.0.3"]]
["route53.amazonaws.com","A","allow","NOERROR",["127.0.0.2"]]'
t_is "the agent's DNS went to the resolver of resolv.conf, redirected" \
    "$(jq -c 'select(.dns_redirect == true) | [.dst, .dport, .proto]' "$T/audit.jsonl" | sort -u)" \
    "[\"$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)\",53,\"udp\"]"

# audit with rules: what enforce would refuse is flagged, not refused
ct_run audit2 --allow "route53.amazonaws.com:$P1" -- $CLIENT "tcp:route53.amazonaws.com:$P1" \
    "tcp:route53.amazonaws.com:$P2"
t_is "audit mode with rules flags only the attempt outside them" \
    "$(jq -c 'select(.type=="connect" and .dns_redirect != true) | [.dport, .verdict, .allowlist]' "$T/audit2.jsonl")" \
    "[$P1,\"audit\",null]
[$P2,\"audit\",\"no-match\"]"

# enforce by name and port
ct_run byname --enforce --allow "route53.amazonaws.com:$P1" -- $CLIENT \
    "tcp:route53.amazonaws.com:$P1" "tcp:route53.amazonaws.com:$P2" "tcp:evil.example:$P1" \
    "tcp4:127.0.0.3:$P1"
t_is "enforce: the allowed name and port connect; another port, another name, a bare address do not" \
    "$(cat "$T/byname.out")" "ok
EPERM
resolve-failed
EPERM"
t_is "the refused connects are recorded with verdict deny, labelled" "$(net_events byname)" \
    "[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.2\",$P1,[\"route53.amazonaws.com\"],false,\"allow\"]
[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.2\",$P2,[\"route53.amazonaws.com\"],false,\"deny\"]
[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.3\",$P1,[],true,\"deny\"]"
t_is "a name outside the allowlist is refused by the proxy and never asked upstream" \
    "$(dns_events byname | grep evil)" \
    '["evil.example","A","deny","REFUSED",[]]
["evil.example","AAAA","deny","REFUSED",[]]'
t_is "dnsmasq never saw it" "$(grep -c 'evil' "$T/dnsmasq.log")" 0
t_is "the summary counts the denials" "$(jq -c '[.denials.count, .dns.denied, (.destinations | map([.name, .connects, .denied]))]' "$T/byname.json")" \
    "[$(jq -s '[.[] | select(.verdict=="deny")] | length' "$T/byname.jsonl"),$(jq -s '[.[] | select(.type=="dns" and .verdict=="deny")] | length' "$T/byname.jsonl"),[[\"127.0.0.3\",0,1],[\"route53.amazonaws.com\",1,1]]]"
t_is "the ledger keeps the denials" \
    "$(t_sql "select dst, dport, verdict from net_events where run_id = '$(jq -r .run "$T/byname.json")' and type = 'connect' and verdict = 'deny' order by time_us")" \
    "127.0.0.2|$P2|deny
127.0.0.3|$P1|deny"

# enforce without rules: names resolve, only what DNS produced is reachable
ct_run norules --enforce -- $CLIENT "tcp:evil.example:$P1" "tcp4:127.0.0.2:$P1"
t_is "enforce without rules: a resolved name connects, a never-resolved address does not" \
    "$(cat "$T/norules.out")" "ok
EPERM"

# a wildcard rule
ct_run wild --enforce --allow "*.amazonaws.com" -- $CLIENT "tcp:sts.amazonaws.com:$P2" \
    "tcp:route53.amazonaws.com:$P1" "tcp:evil.example:$P1"
t_is "enforce: *.domain admits names below it, any port" "$(cat "$T/wild.out")" "ok
ok
resolve-failed"

# enforce by CIDR and by address:port
ct_run bycidr --enforce --allow 127.0.0.4/32 --allow "127.0.0.2:$P2" -- $CLIENT \
    "tcp4:127.0.0.4:$P1" "tcp4:127.0.0.4:$P2" "tcp4:127.0.0.2:$P2" "tcp4:127.0.0.2:$P1" \
    "tcp4:127.0.0.3:$P1"
t_is "enforce: a CIDR admits its addresses on any port, ADDR:PORT only that port" \
    "$(cat "$T/bycidr.out")" "ok
ok
ok
EPERM
EPERM"
t_is "and the attempts are recorded as such" \
    "$(jq -c 'select(.type=="connect") | [.dst, .dport, .verdict]' "$T/bycidr.jsonl")" \
    "[\"127.0.0.4\",$P1,\"allow\"]
[\"127.0.0.4\",$P2,\"allow\"]
[\"127.0.0.2\",$P2,\"allow\"]
[\"127.0.0.2\",$P1,\"deny\"]
[\"127.0.0.3\",$P1,\"deny\"]"

# a policy file with a section for the task's class
cat >"$T/policy" <<POL
# everyone
sts.amazonaws.com:$P1
[class dns-check]
route53.amazonaws.com:$P1
[class other]
evil.example
POL
ct_run policy --enforce --policy "$T/policy" -- $CLIENT "tcp:sts.amazonaws.com:$P1" \
    "tcp:route53.amazonaws.com:$P1" "tcp:evil.example:$P1"
t_is "a policy file gives the global rules and the task class's section only" \
    "$(cat "$T/policy.out")" "ok
ok
resolve-failed"
t_is "the start event lists the rules in force" \
    "$(jq -c 'select(.type=="start") | .allow' "$T/policy.jsonl")" \
    "[\"sts.amazonaws.com:$P1\",\"route53.amazonaws.com:$P1\"]"

# DNS over TCP, to any resolver address, is redirected too
ct_run dnstcp --enforce --allow route53.amazonaws.com -- $CLIENT \
    "dnstcp:192.0.2.53:route53.amazonaws.com" "dnstcp:192.0.2.53:evil.example"
t_is "DNS over TCP to an arbitrary address is answered by the proxy" "$(cat "$T/dnstcp.out")" \
    "127.0.0.2
no-answer"
t_is "the TCP connects to port 53 are recorded as redirected" \
    "$(jq -c 'select(.type=="connect") | [.dst, .dport, .proto, .dns_redirect, .verdict]' "$T/dnstcp.jsonl")" \
    '["192.0.2.53",53,"tcp",true,"allow"]
["192.0.2.53",53,"tcp",true,"allow"]'
t_is "and so are their closes, with the resolver asked for" \
    "$(jq -c 'select(.type=="close") | [.dst, .dport, .dns_redirect, .verdict, .established]' "$T/dnstcp.jsonl")" \
    '["192.0.2.53",53,true,"allow",true]
["192.0.2.53",53,true,"allow",true]'
t_is "and the proxy's records say TCP" \
    "$(jq -c 'select(.type=="dns") | [.proto, .qname, .verdict, .rcode]' "$T/dnstcp.jsonl")" \
    '["tcp","route53.amazonaws.com","allow","NOERROR"]
["tcp","evil.example","deny","REFUSED"]'

# unconnected UDP DNS: the answer must seem to come from the resolver the agent asked
ct_run dnsudp -- $CLIENT "dnsudp:192.0.2.53:route53.amazonaws.com" \
    "dnsudp:[2001:db8::53]:route53.amazonaws.com"
t_is "answers to sendto DNS come back from the resolver asked, IPv4 and IPv6" \
    "$(cat "$T/dnsudp.out")" "192.0.2.53 53 answer
2001:db8::53 53 answer"
t_is "both were redirected" \
    "$(jq -c 'select(.type=="sendmsg") | [.family, .dst, .dport, .dns_redirect]' "$T/dnsudp.jsonl")" \
    '["ipv4","192.0.2.53",53,true]
["ipv6","2001:db8::53",53,true]'

# who asked: glibc's connected UDP (audit), refusals answered at once (byname), TCP, sendto
t_is "every DNS event names the process that asked, its parent and its executable" \
    "$(for n in audit byname dnstcp dnsudp; do
	jq -s -c '[([.[] | select(.type=="dns") | .pid] | unique),
	    ([.[] | select(.type=="connect" or .type=="sendmsg") | .pid] | unique),
	    ([.[] | select(.type=="dns") | (.ppid > 0 and (.exe | test("python")) and .tid > 0)] | unique)]
	    | [(.[0] == .[1]), (.[0] | length), .[2]]' "$T/$n.jsonl"
    done)" \
    '[true,1,[true]]
[true,1,[true]]
[true,1,[true]]
[true,1,[true]]'

# cloud metadata
ct_run imds --enforce --allow imds.example --allow 169.254.0.0/16 -- $CLIENT \
    "tcp4:169.254.169.254:80" "tcp:imds.example:80" "udpc:169.254.169.254:80"
t_is "enforce: the metadata address is refused even inside an allowed CIDR or name" \
    "$(cat "$T/imds.out")" "EPERM
EPERM
EPERM"
t_is "and recorded as metadata, labelled with the name once it was asked for" \
    "$(jq -c 'select(.type=="connect" and .dns_redirect != true) | [.proto, .dst, .dport, .metadata, .verdict, .names]' "$T/imds.jsonl")" \
    '["tcp","169.254.169.254",80,true,"deny",[]]
["tcp","169.254.169.254",80,true,"deny",["imds.example"]]
["udp","169.254.169.254",80,true,"deny",["imds.example"]]'
ct_run imds2 --enforce --allow 169.254.169.254:80 -- $CLIENT "udpc:169.254.169.254:80"
t_is "a rule naming the metadata address itself admits it" "$(cat "$T/imds2.out")" ok
ct_run imds3 -- $CLIENT "udpc:169.254.169.254:80"
t_is "audit mode records a metadata attempt without refusing it" \
    "$(jq -c 'select(.type=="connect") | [.dst, .metadata, .verdict, .direct_ip]' "$T/imds3.jsonl")" \
    '["169.254.169.254",true,"audit",true]'

t_done
