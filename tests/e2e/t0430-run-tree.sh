#!/usr/bin/env bash
# credtrail run: the whole process tree is watched - children, a double-forked daemon that
# left the session, threads, a static binary (no libc hooks to rely on) - and raw sockets
# are refused in enforce mode.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/t0400-lib.inc"

P=$(free_port)
start_servers "tcp:127.0.0.2:$P" "tcp:127.0.0.3:$P"

# a daemon that double-forks and calls setsid is still watched, and killed at the end
ct_run daemon -- $CLIENT "daemon:127.0.0.2:$P"
DPID=$(cat "$T/daemon.out")
t_like "the agent left a daemon behind" "$DPID" '^[0-9]+$'
# dead: gone, or a zombie waiting for whatever reaps orphans here
t_ok "which is dead after the run" sh -c "[ ! -e /proc/$DPID ] || grep -q '^State:.*Z' /proc/$DPID/status"
t_is "the daemon's connection is recorded as its own" \
    "$(jq -c "select(.type==\"connect\" and .pid==$DPID) | [.dst, .dport, .names, .verdict]" "$T/daemon.jsonl")" \
    "[\"127.0.0.2\",$P,[],\"audit\"]"
t_is "the process tree: agent, child, grandchild (forks), exits, and the kill" \
    "$(jq -c 'select(.type=="fork" or .type=="exit" or .type=="kill") | .type' "$T/daemon.jsonl" | tr '\n' ' ')" \
    '"fork" "fork" "exit" "exit" "kill" "exit" '
t_is "the kill names the daemon, whose parent is no longer the agent" \
    "$(jq -c 'select(.type=="kill") | [.pid, .comm, .exe, .reason]' "$T/daemon.jsonl")" \
    "[$DPID,\"python3\",\"/usr/bin/python3\",\"left behind by the agent\"]"
t_is "and its exit says SIGKILL" "$(jq -c "select(.type==\"exit\" and .pid==$DPID) | .signal" "$T/daemon.jsonl")" 9
t_is "the summary counts three processes, one killed" \
    "$(jq -c '[.processes, .killed_at_end, (.killed | map(.pid))]' "$T/daemon.json")" "[3,1,[$DPID]]"
t_is "the ledger's run row is complete" \
    "$(t_sql "select complete, exit_status from runs where id = '$(jq -r .run "$T/daemon.json")'")" "1|0"

# threads: one process, several threads
ct_run threads --enforce --allow "127.0.0.2:$P" -- $CLIENT "threads:4:127.0.0.2:$P" \
    "threads:2:127.0.0.3:$P"
t_is "enforce applies to every thread" "$(cat "$T/threads.out")" "4 ok
0 ok"
t_is "each thread's connect is recorded under the process, with its thread id" \
    "$(jq -sc '[.[] | select(.type=="connect")] | [length, (map(.pid) | unique | length),
        (map(.tid) | unique | length), (map(select(.tid != .pid)) | length), (map(.verdict) | group_by(.) | map([.[0], length]))]' "$T/threads.jsonl")" \
    '[6,1,6,6,[["allow",4],["deny",2]]]'

# a static binary: no libc, no LD_PRELOAD, the kernel still sees it
cat >"$T/static.c" <<'C'
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	char buf[16];
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &a.sin_addr);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("connect");
		return 1;
	}
	n = write(s, "hello", 5);
	n = read(s, buf, sizeof(buf));
	printf("%s\n", n == 3 ? "ok" : "bad");
	return 0;
}
C
cc -static -O1 -o "$T/static-client" "$T/static.c"
chmod 755 "$T/static-client"
t_like "the client is statically linked" "$(file -b "$T/static-client" 2>/dev/null || echo 'statically linked')" 'statically linked'
ct_run static --enforce --allow "127.0.0.2:$P" -- /bin/sh -c "$T/static-client 127.0.0.2 $P; $T/static-client 127.0.0.3 $P"
t_is "a static binary is allowed and refused like any other" "$(cat "$T/static.out")" "ok"
t_is "its attempts are recorded with its executable" \
    "$(jq -c 'select(.type=="connect") | [.exe, .comm, .dst, .verdict]' "$T/static.jsonl")" \
    "[\"$T/static-client\",\"static-client\",\"127.0.0.2\",\"allow\"]
[\"$T/static-client\",\"static-client\",\"127.0.0.3\",\"deny\"]"
t_is "the shell ran it twice (exec events)" \
    "$(jq -c 'select(.type=="exec") | .filename' "$T/static.jsonl" | tr '\n' ' ')" \
    "\"/bin/sh\" \"$T/static-client\" \"$T/static-client\" "
t_is "and the first one's connection end is recorded" \
    "$(jq -c 'select(.type=="close") | [.exe, .bytes_sent, .bytes_recv]' "$T/static.jsonl")" \
    "[\"$T/static-client\",5,3]"

# names the agent chose are recorded even when they are not UTF-8
ct_run comm -- $CLIENT 'comm:bad\xff\xfename' "tcp4:127.0.0.2:$P"
t_is "the agent renamed itself with bytes that are not UTF-8" "$(cat "$T/comm.out")" "626164fffe6e616d65
ok"
t_is "its connect is recorded, the bad bytes escaped" \
    "$(jq -c 'select(.type=="connect") | .comm' "$T/comm.jsonl")" '"bad\\xff\\xfename"'

# raw sockets: the agent may only get CAP_NET_RAW in a user namespace of its own
ct_run raw --enforce -- $CLIENT raw
t_is "enforce: a raw socket is refused, even with CAP_NET_RAW in the agent's own namespace" \
    "$(cat "$T/raw.out")" EPERM
t_is "and the attempt is recorded" \
    "$(jq -c 'select(.type=="sock_create") | [.family, .sock_type, .proto, .verdict, .comm]' "$T/raw.jsonl")" \
    '["ipv4","raw","icmp","deny","python3"]'
ct_run raw-audit -- $CLIENT raw
t_is "audit: the raw socket is recorded, not refused" \
    "$(cat "$T/raw-audit.out") $(jq -c 'select(.type=="sock_create") | [.sock_type, .verdict]' "$T/raw-audit.jsonl")" \
    'ok ["raw","audit"]'

t_done
