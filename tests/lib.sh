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

# SQL on the test ledger (sqlite3, or psql for a PostgreSQL one): rows one a line, columns
# separated by '|', NULL empty.  Use SQL both accept (see src/lib/db.h).
t_sql() {
	case "$CREDTRAIL_DB" in
	postgres://* | postgresql://*)
		psql -X -q -At -F'|' -v ON_ERROR_STOP=1 "$CREDTRAIL_DB" -c "$1" ;;
	*)	sqlite3 -batch -noheader "$CREDTRAIL_DB" "$1" ;;
	esac
}

# t_store_dump: every byte the test's ledger holds (its SQLite files, or pg_dump's text)
t_store_dump() {
	if t_on_pg; then pg_dump --no-owner "$CREDTRAIL_DB"; else cat "$CREDTRAIL_DB"*; fi
}

# t_on_pg: the test's ledger is a PostgreSQL database (checks of a SQLite file skip then)
t_on_pg() { case "$CREDTRAIL_DB" in postgres://* | postgresql://*) return 0 ;; esac; return 1; }

# With CT_TEST_PG=postgres://USER:PASS@HOST:PORT (a server t13xx started, see t_pg_start) the
# test's ledger is a fresh database on that server instead of $T/ledger.db, dropped at exit.
if [ -n "${CT_TEST_PG:-}" ]; then
	_t_pgdb=ct_$$_$RANDOM
	psql -X -q "$CT_TEST_PG/postgres" -c "CREATE DATABASE $_t_pgdb" >/dev/null ||
	    { echo "Bail out! cannot create a database on $CT_TEST_PG"; exit 1; }
	export CREDTRAIL_DB=$CT_TEST_PG/$_t_pgdb
	t_atexit "psql -X -q '$CT_TEST_PG/postgres' -c 'DROP DATABASE IF EXISTS $_t_pgdb WITH (FORCE)' >/dev/null 2>&1"
fi

# t_pg_start: a PostgreSQL server of the test's own (Debian's postgresql 15, run as the postgres
# user: data and socket under $T/pg, 127.0.0.1 on a free port, password auth over TCP), stopped
# at exit.  Sets T_PG=postgres://credtrail:PASS@127.0.0.1:PORT (append /DBNAME), T_PG_PASS.
# Returns 1 when PostgreSQL is not installed or we are not root.
t_pg_start() {
	local bin=/usr/lib/postgresql/15/bin d=$T/pg port pw
	[ -x "$bin/pg_ctl" ] && [ "$(id -u)" = 0 ] || return 1
	pw=pw$RANDOM$RANDOM$RANDOM
	mkdir -p "$d" && chown postgres: "$d" && chmod 700 "$d" || return 1
	printf '%s\n' "$pw" >"$d/pwfile" && chown postgres: "$d/pwfile" || return 1
	runuser -u postgres -- "$bin/initdb" -D "$d/data" -U credtrail --pwfile="$d/pwfile" \
	    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-sync >"$d/initdb.log" 2>&1 ||
	    return 1
	port=$(t_free_port)
	runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 -o \
	    "-c listen_addresses=127.0.0.1 -p $port -k $d -c fsync=off -c full_page_writes=off" \
	    start >/dev/null || return 1
	t_atexit "runuser -u postgres -- '$bin/pg_ctl' -D '$d/data' -m immediate -w stop >/dev/null 2>&1"
	T_PG=postgres://credtrail:$pw@127.0.0.1:$port T_PG_PASS=$pw
}

# A free TCP port on loopback.
t_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
