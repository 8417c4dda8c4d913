#!/usr/bin/env bash
# credtrail run --backend seccomp: the fallback monitor (seccomp user notification on
# connect, sendto, sendmsg, sendmmsg) records and enforces destinations, says it is weaker,
# and is what runs without root.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

P=$(free_port)
U=$(free_port)
start_servers "tcp:127.0.0.1:$P" "tcp:127.0.0.2:$P" "tcp:127.0.0.3:$P" "udp:127.0.0.4:$U" \
    "udp:127.0.0.5:$U"

ct_run sc --backend seccomp -- $CLIENT "tcp4:127.0.0.2:$P" "udp:127.0.0.4:$U" \
    "tcp6:::ffff:127.0.0.3:$P"
t_is "audit: the agent's traffic goes through" "$(cat "$T/sc.out")" "ok
ok
ok"
t_is "connect and sendto are recorded by system call, without names" \
    "$(jq -c 'select(.type=="connect" or .type=="sendmsg") | [.type, .syscall, .proto, .dst, .dport, .v4mapped, .verdict, .names]' "$T/sc.jsonl")" \
    "[\"connect\",\"connect\",\"tcp\",\"127.0.0.2\",$P,null,\"audit\",null]
[\"sendmsg\",\"sendto\",\"udp\",\"127.0.0.4\",$U,null,\"audit\",null]
[\"sendmsg\",\"sendto\",\"udp\",\"127.0.0.4\",$U,null,\"audit\",null]
[\"connect\",\"connect\",\"tcp\",\"127.0.0.3\",$P,true,\"audit\",null]"
t_is "the run says which backend ran and what it cannot see" \
    "$(jq -c 'select(.type=="start") | [.backend, (.weakness | test("time-of-check") and test("io_uring"))]' "$T/sc.jsonl") $(jq -c '[.backend, (.weakness != null)]' "$T/sc.json")" \
    '["seccomp",true] ["seccomp",true]'
t_is "the ledger row says seccomp" \
    "$(t_sql "select backend, complete from runs where id = '$(jq -r .run "$T/sc.json")'")" "seccomp|1"

ct_run sce --backend seccomp --enforce --allow "localhost:$P" --allow "127.0.0.4:$U" -- $CLIENT \
    "tcp4:127.0.0.1:$P" "tcp4:127.0.0.2:$P" "udp:127.0.0.4:$U" "udp:127.0.0.5:$U"
t_is "enforce: an exact host rule (resolved at start) and an address rule admit, the rest is EPERM" \
    "$(cat "$T/sce.out")" "ok
EPERM
ok
EPERM"
t_is "the verdicts are recorded" \
    "$(jq -c 'select(.type=="connect" or .type=="sendmsg") | [.dst, .verdict]' "$T/sce.jsonl" | uniq)" \
    '["127.0.0.1","allow"]
["127.0.0.2","deny"]
["127.0.0.4","allow"]
["127.0.0.5","deny"]'
t_err "enforce: a wildcard rule cannot be enforced without DNS names, so the agent does not start" \
    125 "cannot enforce the wildcard rule '\*.example'" \
    $CT run --task "$TASK" --backend seccomp --enforce --allow '*.example' -- /usr/bin/touch "$T/wild-ran"
t_ok "and it did not run" test ! -e "$T/wild-ran"

# sendmmsg: every message's destination is judged
cat >"$T/mmsg.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
int
main(int argc, char **argv)
{
	struct sockaddr_in a[2];
	struct mmsghdr m[2];
	struct iovec iov = { "hello", 5 };
	int s = socket(AF_INET, SOCK_DGRAM, 0), i, n;

	memset(m, 0, sizeof(m));
	for (i = 0; i < 2; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].sin_family = AF_INET;
		a[i].sin_port = htons(atoi(argv[3]));
		inet_pton(AF_INET, argv[1 + i], &a[i].sin_addr);
		m[i].msg_hdr.msg_name = &a[i];
		m[i].msg_hdr.msg_namelen = sizeof(a[i]);
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	n = sendmmsg(s, m, 2, 0);
	printf("%s\n", n < 0 ? (errno == EPERM ? "EPERM" : "error") : "sent");
	return 0;
}
C
cc -O1 -o "$T/mmsg" "$T/mmsg.c"
chmod 755 "$T/mmsg"
ct_run mm --backend seccomp --enforce --allow "127.0.0.4:$U" -- "$T/mmsg" 127.0.0.4 127.0.0.5 "$U"
t_is "enforce: sendmmsg with one message to a refused address is refused" "$(cat "$T/mm.out")" EPERM
t_is "and both destinations are recorded" \
    "$(jq -c 'select(.type=="sendmsg") | [.syscall, .dst, .verdict]' "$T/mm.jsonl")" \
    '["sendmmsg","127.0.0.4","allow"]
["sendmmsg","127.0.0.5","deny"]'

# without root: seccomp, the agent runs as the caller, orphans are still killed at the end
cp "$CT" "$T/credtrail"
chmod 755 "$T/credtrail"
mkdir "$T/nobody"
chown nobody "$T/nobody"
AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups env CREDTRAIL_DB=$T/nobody/l.db"
$AS_NOBODY "$T/credtrail" task new --id nb >/dev/null
$AS_NOBODY "$T/credtrail" run --task nb --events "$T/nobody/ev.jsonl" --json "$T/nobody/s.json" -- \
    $CLIENT "daemon:127.0.0.2:$P" >"$T/nobody/out" 2>"$T/nobody/err"
t_is "without root the run falls back to seccomp, in the caller's identity, no cgroup" \
    "$(jq -c 'select(.type=="start") | [.backend, .fallback_reason, .user, .cgroup]' "$T/nobody/ev.jsonl")" \
    '["seccomp","not root","nobody",null]'
DPID=$(cat "$T/nobody/out")
t_is "the daemon's connect was seen" \
    "$(jq -c "select(.type==\"connect\" and .pid==$DPID) | [.dst, .dport, .verdict]" "$T/nobody/ev.jsonl")" \
    "[\"127.0.0.2\",$P,\"audit\"]"
t_is "and the daemon was killed at the end as the subreaper's orphan" \
    "$(jq -c 'select(.type=="kill") | [.pid, .comm]' "$T/nobody/ev.jsonl") $(jq -c .killed_at_end "$T/nobody/s.json")" \
    "[$DPID,\"python3\"] 1"
t_ok "it is dead" sh -c "[ ! -e /proc/$DPID ] || grep -q '^State:.*Z' /proc/$DPID/status"

t_done
