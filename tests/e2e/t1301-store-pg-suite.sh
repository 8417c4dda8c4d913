#!/usr/bin/env bash
# The store and report suite again, on PostgreSQL: tasks and keys (t0001), ssh mints and their
# errors (t0100, t0120), a monitored run (t0400), ingest (t0600), reports (t0700, t0701) and
# the policy loop (t0800), each with CT_TEST_PG set so tests/lib.sh gives it a fresh database
# on one server started here (and t_sql speaks psql).  Each sub-test must run every one of
# its checks and pass them all; a failure shows the sub-test's failing lines.
. "$(dirname "$0")/../lib.sh"

t_pg_start
t_is "a PostgreSQL server of the test's own is up" "$?" 0
for t in t0001-task-keygen t0100-ssh-keys t0120-mint-ssh-errors t0400-run-basics t0600-ingest \
    t0700-report-aws t0701-report-cli t0800-policy-loop; do
	log=$T/$t.log
	CT_TEST_PG=$T_PG timeout 300 bash "$CT_TOP/tests/e2e/$t.sh" >"$log" 2>&1 </dev/null
	rc=$?
	n=$(grep -c '^ok ' "$log")
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log")
	_t_report $(( rc != 0 || n == 0 || n != plan )) \
	    "$t on PostgreSQL: all ${plan:-?} checks pass" "exit status $rc, $n ok" \
	    "$(grep -A3 '^not ok' "$log" | head -40)" "$(tail -5 "$log")"
done
t_is "the sub-tests' databases were dropped at their exit" \
    "$(psql -X -At "$T_PG/postgres" -c "select count(*) from pg_database where datname like 'ct\_%'")" 0
t_done
