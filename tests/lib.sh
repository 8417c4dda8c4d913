# tests/lib.sh - helpers for end-to-end tests (sourced by tests/e2e/tNNNN-*.sh).
#
# Each check prints one TAP line ("ok N - what" / "not ok N - what"); t_done prints the plan
# and exits non-zero if any check failed.  Every test gets a private temporary folder $T
# (removed at exit unless CT_KEEP=1) and its own ledger there.
set -u
: "${CREDTRAIL:?run through tests/run or set CREDTRAIL to the credtrail binary}"
: "${CT_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
CT=$CREDTRAIL
FIX=$CT_TOP/tests/fixtures
T=$(mktemp -d /tmp/ct-test.XXXXXX)
chmod 755 "$T"
export CREDTRAIL_DB=$T/ledger.db
_t_n=0 _t_fail=0 _t_cleanups=()

t_atexit() { _t_cleanups+=("$1"); }
_t_cleanup() {
	local i
	for ((i = ${#_t_cleanups[@]} - 1; i >= 0; i--)); do eval "${_t_cleanups[$i]}" || true; done
	[ "${CT_KEEP:-0}" = 1 ] && echo "# kept $T" || rm -rf "$T"
}
trap _t_cleanup EXIT

_t_report() { # status desc [diag...]
	local st=$1 desc=$2
	shift 2
	_t_n=$((_t_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $_t_n - $desc"
	else
		_t_fail=$((_t_fail + 1))
		echo "not ok $_t_n - $desc"
		local l
		for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
	fi
}

# t_ok DESC CMD... : CMD exits 0
t_ok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1); rc=$?
	_t_report $(( rc != 0 )) "$desc" "command: $*" "exit status $rc" "$out"
}

# t_is DESC GOT EXPECTED : exact string equality
t_is() {
	[ "$2" = "$3" ]
	_t_report $? "$1" "got:      $2" "expected: $3"
}

# t_like DESC GOT REGEX : extended-regex match
t_like() {
	[[ "$2" =~ $3 ]]
	_t_report $? "$1" "got:      $2" "expected to match: $3"
}

# t_err DESC STATUS REGEX CMD... : CMD exits with STATUS and prints exactly one stderr line
# matching REGEX, and nothing on stdout
t_err() {
	local desc=$1 want=$2 re=$3 out err rc lines
	shift 3
	out=$("$@" 2>"$T/.stderr"); rc=$?
	err=$(cat "$T/.stderr")
	lines=$(printf '%s' "$err" | grep -c '')
	[ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [[ "$err" =~ $re ]] && [ -z "$out" ]
	_t_report $? "$desc" "command: $*" "exit status $rc (expected $want)" "stderr: $err" \
	    "stdout: $out" "expected stderr to match: $re"
}

# t_done : plan line and exit status
t_done() {
	echo "1..$_t_n"
	[ "$_t_fail" -eq 0 ]
	exit $?
}

# sqlite3 on the test ledger
t_sql() { sqlite3 -batch -noheader "$CREDTRAIL_DB" "$1"; }

# A free TCP port on loopback.
t_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
