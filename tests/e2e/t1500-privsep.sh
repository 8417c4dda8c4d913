#!/usr/bin/env bash
# credtrail run's DNS proxy is privilege-separated: the process that parses the agent's DNS
# is a re-executed child with a uid of its own (not root, not the agent's, in no passwd
# entry), no capabilities, no_new_privs, a seccomp filter, an empty deleted root, few fds
# and none of the parent's (no BPF map, no event log, no ledger), and none of the parent's
# memory or environment; DNS still works through it.  When the child dies under enforce,
# nothing new is admitted, the run records the loss and the evidence is marked incomplete.
# (The parent's checking of forged requests is tests/unit/test_privsep.c.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

P1=$(free_port)
start_servers "tcp:127.0.0.2:$P1" "tcp:127.0.0.4:$P1" || exit 1
CANARY=ct-privsep-canary-$RANDOM$RANDOM

# proxy_child STRING: the pid of the DNS proxy child of the run whose command line holds
# STRING, and the run's pid
proxy_child() {
	local p pp i
	for i in $(seq 200); do
		for p in $(pgrep -x credtrail-dns); do
			pp=$(ps -o ppid= -p "$p" | tr -d ' ')
			if [ -n "$pp" ] && tr '\0' ' ' <"/proc/$pp/cmdline" 2>/dev/null |
			    grep -qF -e "$1"; then
				echo "$p $pp"
				return 0
			fi
		done
		sleep 0.05
	done
	return 1
}

# wait_line NAME N: until the agent printed N lines
wait_line() {
	local i
	for i in $(seq 200); do
		[ "$(grep -c '' "$T/$1.out" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# ---- the child's privileges, while an enforce run is going on ----
CT_PRIVSEP_CANARY=$CANARY ct_run insp --enforce --allow "route53.amazonaws.com:$P1" -- \
    sh -c "$CLIENT tcp:route53.amazonaws.com:$P1; while [ ! -e $T/go-insp ]; do sleep 0.05; done" &
runner=$!
set -- $(proxy_child "$T/insp.jsonl")
child=${1:-none} parent=${2:-none}
t_like "the run has a DNS proxy child, re-executed as 'credtrail dns-proxy --privsep-child 3'" \
    "$(tr '\0' ' ' <"/proc/$child/cmdline" 2>&1)" '^credtrail dns-proxy --privsep-child 3 $'
wait_line insp 1
t_is "DNS works through it: the agent resolves and connects to an allowed name" \
    "$(cat "$T/insp.out")" ok

set -- $(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$child/status")
uid=${1:-x}
t_is "its real, effective, saved and fs uids are one" "$*" "$uid $uid $uid $uid"
t_like "that uid is not root, not the agent's (nobody), and no passwd entry has it" \
    "$uid $(id -u nobody) $(getent passwd "$uid" || echo unknown)" '^[1-9][0-9]* [0-9]+ unknown$'
[ "$uid" != "$(id -u nobody)" ]
_t_report $? "the agent's uid is not the proxy's: the agent cannot signal or trace it" \
    "proxy $uid, agent $(id -u nobody)"
t_is "its gid is its own and it has no supplementary groups" \
    "$(awk '/^Gid:/ {print $2, $3, $4, $5} /^Groups:/ {print "groups:" $2}' "/proc/$child/status")" \
    "$uid $uid $uid $uid
groups:"
t_is "it has no capabilities at all: inheritable, permitted, effective, bounding, ambient" \
    "$(awk '/^Cap/ {print $1, $2}' "/proc/$child/status")" \
    "CapInh: 0000000000000000
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapBnd: 0000000000000000
CapAmb: 0000000000000000"
t_is "no_new_privs is set and a seccomp filter is in force" \
    "$(awk '/^NoNewPrivs:|^Seccomp:/ {print $1, $2}' "/proc/$child/status")" \
    "NoNewPrivs: 1
Seccomp: 2"
t_like "its root is an empty directory that no longer exists" \
    "$(readlink "/proc/$child/root") [$(ls -A "/proc/$child/root" 2>&1)]" \
    '^/tmp/credtrail-empty-[A-Za-z0-9]+ \(deleted\) \[\]$'
t_like "it may open few files" "$(awk '/^Max open files/ {print $4, $5}' "/proc/$child/limits")" \
    '^[0-9]{2,3} [0-9]{2,3}$'
fds() { for f in /proc/$1/fd/*; do readlink "$f"; done | sed 's/:\[[0-9]*\]$//' | LC_ALL=C sort | uniq -c |
    awk '{print $2 "=" $1}' | tr '\n' ' '; }
t_is "its descriptors: /dev/null, credtrail's stderr, the request socket and the listeners, its stop eventfd" \
    "$(fds "$child")" "/dev/null=2 $T/insp.err=1 anon_inode:[eventfd]=1 socket=5 "
t_like "the parent holds what the child must not: the event log, the ledger, BPF maps" \
    "$(fds "$parent")" "$T/insp.jsonl=1 .*$T/ledger.db=1 .*anon_inode:bpf-map=[0-9]+ "
t_is "the child runs as root's child but not as root: the parent is uid 0" \
    "$(awk '/^Uid:/ {print $3}' "/proc/$parent/status")" 0
t_is "its environment is not credtrail's (no canary), only what the child needs" \
    "$(tr '\0' '\n' <"/proc/$child/environ" | grep -v '^[A-Z]*SAN_OPTIONS=' |
    grep -c "$CANARY")/$(tr '\0' '\n' <"/proc/$child/environ" | grep -v '^[A-Z]*SAN_OPTIONS=')" \
    "0/CREDTRAIL_CONFIG="
t_is "its memory is not a copy of credtrail's: the canary of credtrail's environment is not in it" \
    "$($PY - "$child" "$parent" "$CANARY" <<'EOF'
import re, sys
def has(pid, needle):
    found = False
    with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
            if not m or "[vvar]" in line or "[vsyscall]" in line:
                continue
            a, b = int(m.group(1), 16), int(m.group(2), 16)
            if b - a > 1 << 28:
                continue        # a sanitizer's shadow: nothing of ours in it
            try:
                mem.seek(a)
                if needle in mem.read(b - a):
                    found = True
            except OSError:
                pass
    return found
print("child:%s parent:%s" % (has(sys.argv[1], sys.argv[3].encode()),
    has(sys.argv[2], sys.argv[3].encode())))
EOF
)" "child:False parent:True"
touch "$T/go-insp"
wait "$runner"
t_is "the run ends normally" "$(cat "$T/insp.rc")" 0
t_is "its start event names the proxy child, the uid it ran as and its cgroup (signed with the log)" \
    "$(jq -c 'select(.type=="start") | .dns_proxy | [.pid, .privsep, .uid, (.cgroup | test("/credtrail-dns-[0-9a-f]{16}$"))]' "$T/insp.jsonl")" \
    "[$child,true,$uid,true]"
t_is "a normal run records no privsep incident, the evidence is complete" \
    "$(jq -c 'select(.type=="privsep")' "$T/insp.jsonl")/$(jq -c 'select(.type=="end") |
    [.complete, .dns_proxy_lost]' "$T/insp.jsonl")" "/[true,null]"
t_is "the allowed name was asked through the child and recorded by the parent" \
    "$(dns_events insp | grep '"A"')" '["route53.amazonaws.com","A","allow","NOERROR",["127.0.0.2"]]'
t_is "the proxy child is gone with the run" "$([ -e "/proc/$child" ] && echo alive || echo gone)" gone

# ---- the child killed during an enforce run: fail closed, recorded ----
ct_run killed --enforce --allow "*.amazonaws.com:$P1" -- \
    sh -c "$CLIENT tcp:route53.amazonaws.com:$P1; while [ ! -e $T/go-killed ]; do sleep 0.05; done;
    $CLIENT dnsudp:127.0.0.1:sts.amazonaws.com tcp4:127.0.0.4:$P1 tcp4:127.0.0.2:$P1" &
runner=$!
set -- $(proxy_child "$T/killed.jsonl")
child=${1:-none}
wait_line killed 1
kill -9 "$child"
touch "$T/go-killed"
wait "$runner"
t_is "after the child died: the agent's query goes unanswered, a new address stays shut, one admitted before stays open" \
    "$(cat "$T/killed.out")" "ok
TimeoutError
EPERM
ok"
t_is "the run records the child's death and what it means" \
    "$(jq -c 'select(.type=="privsep") | [.event, .status, .refused, .effect]' "$T/killed.jsonl")" \
    '["proxy_exit","killed by signal 9 (Killed)",false,"nothing more is admitted: the agent'"'"'s queries go unanswered"]'
t_is "the connect to the address the dead proxy never admitted is denied" \
    "$(net_events killed | grep 127.0.0.4)" \
    "[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.4\",$P1,[],true,\"deny\"]"
t_is "the end event says the proxy was lost and the evidence is incomplete" \
    "$(jq -c 'select(.type=="end") | [.complete, .dns_proxy_lost]' "$T/killed.jsonl")" \
    "[false,true]"
t_like "the summary says so too" "$(cat "$T/killed.err")" 'evidence: INCOMPLETE'

# ---- the same in audit mode: the agent goes on, but later connections have no names ----
ct_run audk --allow "*.amazonaws.com:$P1" -- \
    sh -c "$CLIENT tcp:route53.amazonaws.com:$P1; while [ ! -e $T/go-audk ]; do sleep 0.05; done;
    $CLIENT dnsudp:127.0.0.1:sts.amazonaws.com tcp4:127.0.0.4:$P1" &
runner=$!
set -- $(proxy_child "$T/audk.jsonl")
child=${1:-none}
wait_line audk 1
kill -9 "$child"
touch "$T/go-audk"
wait "$runner"
t_is "audit mode, child killed: the query goes unanswered, the connect goes through" \
    "$(cat "$T/audk.out")" "ok
TimeoutError
ok"
t_is "audit mode: the death is recorded with what it costs the evidence" \
    "$(jq -c 'select(.type=="privsep") | [.event, .effect]' "$T/audk.jsonl")" \
    '["proxy_exit","names of later connections are not recorded"]'
t_is "audit mode: the later connect is recorded, without a name, and the evidence is incomplete" \
    "$(net_events audk | grep 127.0.0.4) $(jq -c 'select(.type=="end") |
    [.complete, .dns_proxy_lost]' "$T/audk.jsonl")" \
    "[\"connect\",\"tcp\",\"ipv4\",\"127.0.0.4\",$P1,[],true,\"audit\"] [false,true]"

# ---- credtrail exec and dns-proxy --privsep start the proxy the same way ----
mkdir -p "$T/ev"
$CT exec --events-dir "$T/ev" --upstream-dns "127.0.0.1:$DNSPORT" 30 "n-privsep-$$" \
    sh -c "while [ ! -e $T/go-exec ]; do sleep 0.05; done" >/dev/null 2>"$T/exec.err" &
runner=$!
set -- $(proxy_child "n-privsep-$$")
child=${1:-none}
t_like "credtrail exec's proxy child: its own uid, no capabilities, no_new_privs, seccomp" \
    "$(awk '/^Uid:|^CapEff:|^CapBnd:|^NoNewPrivs:|^Seccomp:/ {print $1, $2}' "/proc/$child/status" |
    tr '\n' ' ')" \
    '^Uid: [1-9][0-9]+ CapEff: 0{16} CapBnd: 0{16} NoNewPrivs: 1 Seccomp: 2 $'
touch "$T/go-exec"
wait "$runner"

$CT dns-proxy --privsep --listen 127.0.0.1:0 --upstream "127.0.0.1:$DNSPORT" --enforce \
    --allow route53.amazonaws.com --events "$T/px.jsonl" >"$T/px.out" 2>"$T/px.err" &
runner=$!
for _i in $(seq 200); do grep -q '^privsep: child pid' "$T/px.out" && break; sleep 0.05; done
pport=$(sed -n 's/^listening on 127\.0\.0\.1://p' "$T/px.out")
child=$(sed -n 's/^privsep: child pid //p' "$T/px.out")
t_is "dns-proxy --privsep: answers through its child (an allowed name, then a refused one)" \
    "$(dig +short +tries=1 +time=5 @127.0.0.1 -p "$pport" route53.amazonaws.com) $(dig \
    +tries=1 +time=5 @127.0.0.1 -p "$pport" evil.example | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')" \
    "127.0.0.2 REFUSED"
# an inverse query (opcode 1) for a denied name: answered NOTIMP, recorded with the policy's
# verdict - a record the parent accepts, so the child lives on
t_is "an odd query for a denied name is answered NOTIMP by the child, not taken for a lie" \
    "$($PY - "$pport" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
q = struct.pack(">HHHHHH", 0x5151, 0x0900, 1, 0, 0, 0) + b"\x04evil\x07example\x00" + \
    struct.pack(">HH", 1, 1)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
print(s.recv(512)[3] & 0x0f)
EOF
)" 4
t_like "dns-proxy --privsep: the child is not root and has no capabilities" \
    "$(awk '/^Uid:|^CapEff:/ {print $1, $2}' "/proc/$child/status" | tr '\n' ' ')" \
    '^Uid: [1-9][0-9]+ CapEff: 0{16} $'
kill -TERM "$runner"
wait "$runner"
t_is "dns-proxy --privsep: a clean stop, nothing refused, the parent's records of the three queries" \
    "$(grep '^privsep: [0-9]' "$T/px.out") $(jq -c 'select(.type=="dns") | [.qname, .verdict]' \
    "$T/px.jsonl" | tr '\n' ' ')" \
    'privsep: 0 requests refused, child serving ["route53.amazonaws.com","allow"] ["evil.example","deny"] ["evil.example","deny"] '


# ---- the child's egress: a cgroup of its own, whose programs let it reach the upstream
# resolver and loopback answers from its port, nothing else ----
ct_run eg --enforce --allow "route53.amazonaws.com:$P1" -- \
    sh -c "$CLIENT tcp:route53.amazonaws.com:$P1; while [ ! -e $T/go-eg ]; do sleep 0.05; done" &
runner=$!
wait_line eg 1
t_is "DNS works through the confined child" "$(cat "$T/eg.out")" ok
# the child's cgroup, from /proc (the event log is not read while the run goes on)
set -- $(proxy_child "$T/eg.jsonl")
egchild=${1:-none}
CGMNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
CG=$CGMNT$(sed -n 's/^0:://p' "/proc/$egchild/cgroup" 2>/dev/null)
t_like "the child lives in a cgroup of its own, beside credtrail's agent cgroups" "$CG" \
    "^$CGMNT(/.*)?/credtrail-dns-[0-9a-f]{16}\$"
t_is "the child is alone in it" "$(cat "$CG/cgroup.procs" 2>&1)" "$egchild"
# a stand-in for a child taken over through a parser bug: a process joining that cgroup
[ -d "$CG" ] || CG=$T/no-such-cgroup
t_is "a process in the child's cgroup reaches the upstream resolver (UDP, TCP) and nothing else" \
    "$(sh -c "echo \$\$ >'$CG/cgroup.procs' && exec $PY - $P1 $DNSPORT" <<'EOF'
import errno, socket, struct, sys
p1, dnsport = int(sys.argv[1]), int(sys.argv[2])
def tcp(fam, addr, port):
    s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3)
    try:
        s.connect((addr, port)); return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e))
    finally:
        s.close()
def udp(addr, port, q=b"x"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    try:
        s.sendto(q, (addr, port))
        return "answer" if len(s.recv(512)) > 12 else "short"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e))
q = struct.pack(">HHHHHH", 7, 0x100, 1, 0, 0, 0) + b"\x07route53\x09amazonaws\x03com\x00" + \
    struct.pack(">HH", 1, 1)
print(tcp(socket.AF_INET, "127.0.0.2", p1), udp("127.0.0.2", p1),
      tcp(socket.AF_INET6, "::1", p1), tcp(socket.AF_INET6, "::ffff:127.0.0.2", p1),
      tcp(socket.AF_INET, "192.0.2.1", 443), udp("127.0.0.1", dnsport, q),
      tcp(socket.AF_INET, "127.0.0.1", dnsport))
EOF
)" "EPERM EPERM EPERM EPERM EPERM answer ok"
touch "$T/go-eg"
wait "$runner"
t_is "the run ends well, with the five refusals counted" \
    "$(jq -c 'select(.type=="end") | [.exit_status, .dns_proxy_egress_refused]' "$T/eg.jsonl")" '[0,5]'
t_is "its start event names the child and that cgroup" \
    "$(jq -r 'select(.type=="start") | "\(.dns_proxy.pid) \(.dns_proxy.cgroup)"' "$T/eg.jsonl")" \
    "$egchild $CG"
t_ok "and the child's cgroup is gone" test ! -e "$CG"

t_done
