#!/usr/bin/env bash
# credtrail exec TIMEOUT NONCE CMD: what ironclaw-exec does (the command's output and exit
# status, untouched; a timeout that stops the whole tree with SIGTERM, then SIGKILL; whatever
# the command leaves behind killed and reaped), with the command's egress recorded as a run of
# the task NONCE - also when installed under ironclaw-exec's name.
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP credtrail exec tests need root"
	exit 0
fi
PY=/usr/bin/python3
cp "$CT_TOP/tests/e2e/t0400-servers.py" "$CT_TOP/tests/e2e/t0400-client.py" "$T/"
CLIENT="$PY $T/t0400-client.py"
P=$(t_free_port)
$PY "$T/t0400-servers.py" "tcp:127.0.0.1:$P" >"$T/servers.out" 2>&1 &
SRV=$!
t_atexit "kill $SRV 2>/dev/null; wait $SRV 2>/dev/null"
for _i in $(seq 100); do grep -q ready "$T/servers.out" && break; sleep 0.05; done
EV=$T/ev
X="$CT exec --events-dir $EV --upstream-dns 127.0.0.1:9"

$X 5 n-one "echo hello; $CLIENT tcp4:127.0.0.1:$P; exit 7" >"$T/one.out" 2>"$T/one.err"
RC=$?
t_is "the command's output and exit status are its own, and credtrail says nothing" \
    "$(cat "$T/one.out"; echo "status $RC"; cat "$T/one.err")" "hello
ok
status 7"
t_is "one argument runs with sh -c" \
    "$(jq -c 'select(.type=="start") | [.task, .argv, .user]' "$EV/n-one.jsonl")" \
    "[\"n-one\",[\"/bin/sh\",\"-c\",\"echo hello; $CLIENT tcp4:127.0.0.1:$P; exit 7\"],\"nobody\"]"
t_is "its connection is recorded as the task's" \
    "$(jq -c 'select(.type=="connect") | [.dst, .dport, .verdict]' "$EV/n-one.jsonl")" \
    "[\"127.0.0.1\",$P,\"audit\"]"
t_is "the task is the nonce, created on first use" \
    "$(t_sql "select t.id, r.exit_status, r.complete from runs r join tasks t on t.id = r.task_id where t.id = 'n-one'")" \
    "n-one|7|1"
t_ok "the log and attestation verify" $CT verify "$EV/n-one.jsonl.dsse.json"
t_is "the summary is beside them" "$(jq -c '[.task, .exit_status, .complete]' "$EV/n-one.json")" \
    '["n-one",7,true]'

t_is "more arguments are the program and its arguments" \
    "$($CT exec 5 n-argv /bin/sh -c 'echo "$0 $1"' a b; echo "status $?")" "a b
status 0"

# a daemon left behind is killed when the command ends, and reaped
$X 5 n-daemon 'setsid sleep 60 >/dev/null 2>&1 & p=$!
    while [ "$(cat /proc/$p/comm)" != sleep ]; do sleep 0.01; done; echo $p' >"$T/daemon.out"
t_is "a command that leaves a daemon exits with its own status" "$?" 0
DPID=$(cat "$T/daemon.out")
t_ok "the daemon is gone, reaped" sh -c "[ ! -e /proc/$DPID ]"
t_is "its kill is recorded" \
    "$(jq -c "select(.pid==$DPID and (.type==\"kill\" or .type==\"exit\")) | [.type, .comm, .signal]" "$EV/n-daemon.jsonl")" \
    "[\"kill\",\"sleep\",null]
[\"exit\",\"sleep\",9]"

# the timeout: SIGTERM to every process, SIGKILL after the grace, status 124
$X --grace 1 1 n-timeout 'sleep 30 & echo $!; sleep 30' >"$T/timeout.out"
t_is "a command past its timeout ends with 124" "$?" 124
t_is "everything got SIGTERM" \
    "$(jq -c 'select(.type=="exit") | [.comm, .signal]' "$EV/n-timeout.jsonl" | sort)" \
    '["sh",15]
["sleep",15]
["sleep",15]'
t_is "the timeout and the end say so" \
    "$(jq -c 'select(.type=="timeout" or .type=="end") | [.type, .timeout_us, .grace_us, .exit_status, .timed_out]' "$EV/n-timeout.jsonl")" \
    '["timeout",1000000,1000000,null,null]
["end",null,null,124,true]'
$X --grace 1 1 n-stubborn 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
t_is "a command that ignores SIGTERM gets SIGKILL after the grace" "$? $(jq -c 'select(.type=="exit" and .comm=="sh") | .signal' "$EV/n-stubborn.jsonl")" \
    "124 9"

# installed as ironclaw-exec
mkdir -p "$T/bin"
printf '#!/bin/sh\nexec %s exec --events-dir %s --upstream-dns 127.0.0.1:9 --class invocation "$@"\n' \
    "$CT" "$EV" >"$T/bin/ironclaw-exec"
chmod 755 "$T/bin/ironclaw-exec"
t_is "as ironclaw-exec it takes IronClaw's arguments as they are" \
    "$("$T/bin/ironclaw-exec" 600 n-wrap 'echo via the drop-in; exit 4'; echo "status $?")" \
    "via the drop-in
status 4"
t_is "and records the invocation under its nonce, of the class the wrapper gives" \
    "$(t_sql "select id, class from tasks where id = 'n-wrap'")" "n-wrap|invocation"

# bad input: one line, nothing run
t_err "no command is a usage error" 2 "expected TIMEOUT NONCE CMD" $CT exec 5 n-x
t_err "a timeout that is not a number of seconds is a usage error" 2 "TIMEOUT must be 0 to 86400" \
    $CT exec 5m n-x true
t_err "so is one beyond a day" 2 "TIMEOUT must be 0 to 86400" $CT exec 86401 n-x true
t_err "a nonce that cannot be a task id is refused" 125 "invalid character" \
    $CT exec 5 'bad/nonce' true
t_err "a nonce whose log exists already is refused before the command runs" 125 "n-one.jsonl" \
    $X 5 n-one 'touch '"$T"'/ran'
t_err "a bad allow rule is a usage error" 2 "invalid host name 'a..b'" \
    $X --allow a..b 5 n-rule 'touch '"$T"'/ran'
t_err "a policy file that cannot be read fails set-up" 125 "$T/no-such-policy" \
    $X --policy "$T/no-such-policy" 5 n-rule 'touch '"$T"'/ran'
t_ok "and the command did not run" sh -c "[ ! -e $T/ran ]"

t_done
