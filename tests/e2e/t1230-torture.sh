#!/usr/bin/env bash
# Allocation-failure injection (curl's torture tests): unit tests whose library fails its Nth
# malloc/calloc/realloc/reallocarray/strdup/strndup/asprintf/vasprintf (tests/unit/torture.c,
# built by the Makefile's torture block in SAN=1 builds) neither crash, nor trip a sanitizer,
# nor leak what the failing call allocated.  make check runs a fixed sample of N per test (the
# first half of the count, the rest spread evenly up to the test's allocation total), fewer
# for the tests whose runs take seconds (key generation, the DNS proxy's sockets, a store);
# CT_TORTURE_ALL=1 (make torture) runs every N until nothing is failed.  A second pass (CT_TORTURE_LIBS=1) fails the Nth
# allocation counting libcrypto's, jansson's and SQLite's as well (tests/unit/torture.c routes
# their allocators through the same counter), for the tests that use them.
. "$(dirname "$0")/../lib.sh"

SAMPLE="util:24 jwt:2 sshcert:2 dnsmsg:24 jscan:24 merkle:6 netpolicy:24 dsse:2 sts:16 sigv4:16 sshdlog:11 dnsproxy:4 ingest:8 correlate:1 policy:2"
LIBSAMPLE="jwt:1 dsse:1 sts:3 sigv4:3 sshdlog:4 dnsproxy:3 ingest:3 correlate:1 policy:2"
TESTS=$(printf '%s\n' $SAMPLE | cut -d: -f1)
LIBTESTS=$(printf '%s\n' $LIBSAMPLE | cut -d: -f1)
if [ ! -x "${CT_BUILD:-}/tests/torture/test_util" ]; then
	echo "1..0 # SKIP no torture build (make O=DIR SAN=1 unit builds it)"
	exit 0
fi
if [ "${CT_TORTURE_ALL:-0}" = 1 ]; then
	/usr/bin/python3 "$CT_TOP/tests/e2e/t1230-torture.py" "$CT_BUILD" ALL $TESTS >"$T/out" 2>&1
	CT_TORTURE_LIBS=1 /usr/bin/python3 "$CT_TOP/tests/e2e/t1230-torture.py" "$CT_BUILD" ALL \
	    $LIBTESTS >"$T/libs" 2>&1
else
	/usr/bin/python3 "$CT_TOP/tests/e2e/t1230-torture.py" "$CT_BUILD" 24 $SAMPLE >"$T/out" 2>&1
	CT_TORTURE_LIBS=1 /usr/bin/python3 "$CT_TOP/tests/e2e/t1230-torture.py" "$CT_BUILD" 6 \
	    $LIBSAMPLE >"$T/libs" 2>&1
fi
sed 's/^/# /' "$T/out"
sed 's/^/# libs: /' "$T/libs"
# verdicts OUTFILE WHAT TEST...
verdicts() {
	local f=$1 what=$2 t line probs
	shift 2
	for t in "$@"; do
		line=$(grep -P "^$t\t" "$f")
		probs=$(awk -v t="$t" -F'\t' '$1 == t { on = 1; next } /^[^\t]/ { on = 0 } on' "$f")
		t_is "test_$t$what: ${line##*$'\t'}: no crash, no sanitizer report, no leak of the failing call" \
		    "$(printf '%s' "$line" | cut -f2)${probs:+ $probs}" ok
	done
}
verdicts "$T/out" "" $TESTS
verdicts "$T/libs" " (libcrypto, jansson, SQLite failing too)" $LIBTESTS
t_done
