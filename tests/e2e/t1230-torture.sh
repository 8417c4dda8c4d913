#!/usr/bin/env bash
# Allocation-failure injection (curl's torture tests): unit tests whose library fails its Nth
# malloc/calloc/realloc/reallocarray/strdup/strndup/asprintf/vasprintf (tests/unit/torture.c,
# built by the Makefile's torture block in SAN=1 builds) neither crash, nor trip a sanitizer,
# nor leak what the failing call allocated.  make check runs a fixed sample of N per test (the
# first half of the count, the rest spread evenly up to the test's allocation total), fewer
# for the tests whose runs take seconds (key generation); CT_TORTURE_ALL=1 (make torture)
# runs every N until nothing is failed.
. "$(dirname "$0")/../lib.sh"

SAMPLE="util:24 jwt:4 sshcert:4 dnsmsg:24 jscan:24 merkle:6 netpolicy:24 dsse:4 sts:16 sigv4:16 sshdlog:11 dnsproxy:8 ingest:8"
TESTS=$(printf '%s\n' $SAMPLE | cut -d: -f1)
if [ ! -x "${CT_BUILD:-}/tests/torture/test_util" ]; then
	echo "1..0 # SKIP no torture build (make O=DIR SAN=1 unit builds it)"
	exit 0
fi
if [ "${CT_TORTURE_ALL:-0}" = 1 ]; then
	/usr/bin/python3 "$CT_TOP/tests/e2e/t1230-torture.py" "$CT_BUILD" ALL $TESTS >"$T/out" 2>&1
else
	/usr/bin/python3 "$CT_TOP/tests/e2e/t1230-torture.py" "$CT_BUILD" 24 $SAMPLE >"$T/out" 2>&1
fi
cat "$T/out" | sed 's/^/# /'
for t in $TESTS; do
	line=$(grep -P "^$t\t" "$T/out")
	probs=$(awk -v t="$t" -F'\t' '$1 == t { on = 1; next } /^[^\t]/ { on = 0 } on' "$T/out")
	t_is "test_$t: ${line##*$'\t'}: no crash, no sanitizer report, no leak of the failing call" \
	    "$(printf '%s' "$line" | cut -f2)${probs:+ $probs}" ok
done
t_done
