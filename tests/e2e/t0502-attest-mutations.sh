#!/usr/bin/env bash
# Mutation loop over a real run's log and attestation, as OpenSSH's signature fuzz tests do:
# every changed byte, every deleted line, every swapped pair of lines and every truncation
# must make verify fail (or, for the log alone cut after a checkpoint, report the exact
# unsigned tail).  The thousands of cases run in one process (t0502-mutate.c, built here
# against the library under test, calling what `credtrail verify` calls); a sample goes
# through the credtrail binary to pin the exit status.
. "$(dirname "$0")/../lib.sh"

# build the test program like the library it links
libs="-lcrypto -lsqlite3 -lpq -ljansson -lcurl -lz -lbpf -lelf -lseccomp -lpthread"
san=
nm "$CT_BUILD/libcredtrail.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
cc -std=c11 -D_GNU_SOURCE -I"$CT_TOP/src" $san -o "$T/mutate" "$CT_TOP/tests/e2e/t0502-mutate.c" \
    "$CT_BUILD/libcredtrail.a" $libs
t_is "the mutation program builds against the library" "$?" 0

TASK=$($CT task new)
$CT keygen -o "$T/k" >/dev/null
$CT run --task "$TASK" --events "$T/ev.log" --sign "$T/k" -- \
    /bin/sh -c 'for i in 1 2 3 4 5 6; do /bin/true; done' 2>/dev/null
t_is "the run's attestation verifies before any mutation" \
    "$($CT verify "$T/ev.log.dsse.json" --key "$T/k.pub" >/dev/null; echo $?)" 0
logsz=$(stat -c %s "$T/ev.log")
attsz=$(stat -c %s "$T/ev.log.dsse.json")
nl=$(wc -l <"$T/ev.log")

out=$("$T/mutate" bytes "$T/ev.log.dsse.json" "$T/ev.log" "$T/k.pub" 2>&1)
t_is "every changed byte of the log and of the attestation fails" "$out" \
    "log-bytes $logsz $logsz
attestation-bytes $attsz $attsz"
out=$("$T/mutate" lines "$T/ev.log.dsse.json" "$T/ev.log" "$T/k.pub" 2>&1)
t_is "every deleted line and every swapped pair fails" "$out" \
    "deleted-lines $nl $nl
swapped-pairs $((nl * (nl - 1) / 2)) $((nl * (nl - 1) / 2))"
out=$("$T/mutate" cut "$T/ev.log.dsse.json" "$T/ev.log" "$T/k.pub" 2>&1)
t_is "every truncation fails with the attestation, and alone reports its exact unsigned tail" \
    "$out" "truncations $logsz $logsz
truncations-exact-tail $logsz $logsz"

# the same through the binary, for a sample: exit 5 with the line, or 3 for a cut log alone
cp "$T/ev.log" "$T/orig.log"
sample() { # OFFSET: flip bit 0 of that byte of the log
	cp "$T/orig.log" "$T/ev.log"
	printf "$(printf '\\%03o' $(( $(od -An -tu1 -j "$1" -N1 "$T/orig.log") ^ 1 )))" |
	    dd of="$T/ev.log" bs=1 seek="$1" conv=notrunc status=none
	$CT verify "$T/ev.log.dsse.json" --key "$T/k.pub" >/dev/null
	echo $?
}
rcs=""
for off in 0 7 100 $((logsz / 2)) $((logsz - 40)) $((logsz - 2)); do rcs="$rcs$(sample $off)"; done
t_is "credtrail verify exits 5 for each sampled change" "$rcs" 555555
cp "$T/orig.log" "$T/ev.log"
sed -i '3d' "$T/ev.log"
t_is "a deleted record is named by its line" \
    "$($CT verify "$T/ev.log.dsse.json" --key "$T/k.pub"; echo "rc=$?")" \
    "FAILED at line 3: line 3 is not record 2 (records missing, added or out of order)
rc=5"
head -n $((nl - 1)) "$T/orig.log" >"$T/ev.log"
t_is "without its final checkpoint the log alone reports the unsigned tail, exit 3" \
    "$($CT verify --log "$T/ev.log" --key "$T/k.pub"; echo "rc=$?")" \
    "verified with $((nl - 1)) unsigned trailing records: 0 records signed by 0 checkpoints, no final checkpoint
rc=3"
t_like "while the attestation fails on it, exit 5" \
    "$($CT verify "$T/ev.log.dsse.json" --key "$T/k.pub"; echo "rc=$?")" \
    "^FAILED: log '$T/ev.log' is not the file the attestation signs .*
rc=5$"

t_done
