#!/usr/bin/env bash
# The per-host signing key (made on first use beside the ledger, private, recorded in the
# ledger, out of the agent's reach, refused when others can read it), and a run whose
# monitor is SIGKILLed: its log's signed prefix verifies and the unsigned tail is counted.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
TASK=$($CT task new)

# --- the per-host key ---
$CT run --task "$TASK" --events "$T/h1.log" -- /bin/true 2>/dev/null
t_is "without --sign a key is made beside the ledger, mode 0600" "$(stat -c %a "$T/attest.key")" 600
t_like "with its OpenSSH public key" "$(cat "$T/attest.key.pub")" '^ssh-ed25519 AAAA'
kid=$(jq -r '.signatures[0].keyid' "$T/h1.log.dsse.json")
t_is "its public key is recorded in the ledger under the envelope's keyid" \
    "$(t_sql "select keyid, path, public_key from signing_keys")" \
    "$kid|$T/attest.key|$(cut -d' ' -f1-2 "$T/attest.key.pub")"
t_is "verify trusts it from the ledger" "$($CT verify "$T/h1.log.dsse.json" >/dev/null; echo $?)" 0
t_is "and from its .pub file" \
    "$($CT verify "$T/h1.log.dsse.json" --key "$T/attest.key.pub" >/dev/null; echo $?)" 0
$CT run --task "$TASK" --events "$T/h2.log" -- /bin/true 2>/dev/null
t_is "the next run signs with the same key" "$(jq -r '.signatures[0].keyid' "$T/h2.log.dsse.json") $(t_sql "select count(*) from signing_keys")" "$kid 1"
$CT run --task "$TASK" --events "$T/h3.log" -- /bin/cat "$T/attest.key" >"$T/h3.out" 2>"$T/h3.err"
t_is "the agent cannot read the key" "$? $(grep -c PRIVATE "$T/h3.out")" "1 0"
chmod 640 "$T/attest.key"
t_err "a key others can read is refused before the agent starts" 125 \
    "private key '$T/attest.key' is accessible by others \(mode 0640\)" \
    $CT run --task "$TASK" --events "$T/h4.log" -- /bin/touch "$T/ran"
t_ok "and the agent did not run" test ! -e "$T/ran"
chmod 600 "$T/attest.key"
$CT keygen -t ecdsa-p256 -o "$T/ec" >/dev/null
t_err "--sign refuses a key that is not Ed25519" 125 "signing key '$T/ec' is not Ed25519" \
    $CT run --task "$TASK" --events "$T/h5.log" --sign "$T/ec" -- /bin/touch "$T/ran"

# --- SIGKILL mid-run ---
$CT keygen -o "$T/k" >/dev/null
$CT run --task "$TASK" --events "$T/c.log" --sign "$T/k" -- \
    /bin/sh -c 'while :; do /bin/true; done' 2>"$T/c.err" &
pid=$!
t_atexit "kill -9 $pid 2>/dev/null"
# the agent's cgroup, in case the watchdog did not get to it
t_atexit 'cg=$(head -n1 "$T/c.log" | jq -r .cgroup 2>/dev/null); [ -n "$cg" ] && [ -e "$cg/cgroup.kill" ] && echo 1 >"$cg/cgroup.kill"'
# wait for a checkpoint with records after it
for _i in $(seq 600); do
	last=$(grep -n '^{"checkpoint"' "$T/c.log" 2>/dev/null | tail -n1 | cut -d: -f1)
	[ -n "$last" ] && [ "$(wc -l <"$T/c.log")" -gt $((last + 5)) ] && break
	sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null
t_ok "the monitor was killed after writing a checkpoint" test -n "$last"
t_ok "no attestation was written" test ! -e "$T/c.log.dsse.json"
# what the file says, counted here: records, records before the last checkpoint, checkpoints
counts=$($PY - "$T/c.log" <<'EOF'
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')
lines = lines[:-1]			# the last element is '' or a partial line
recs = signed = cps = 0
for l in lines:
    if l.startswith(b'{"checkpoint":'):
        signed, cps = recs, cps + 1
    else:
        recs += 1
print(recs - signed, signed, cps)
EOF
)
read -r tail signed cps <<<"$counts"
out=$($CT verify --log "$T/c.log" --key "$T/k.pub")
rc=$?
t_is "verify --log: the signed prefix verifies, exit 3" "$rc" 3
t_like "and the unsigned tail is counted exactly" "$out" \
    "^verified with $tail unsigned trailing records: $signed records signed by $cps checkpoints?, no final checkpoint"
t_is "--json gives the same numbers" \
    "$($CT verify --log "$T/c.log" --key "$T/k.pub" --json | jq -c '[.verdict, .exit_status, .signed_records, .unsigned_records, .final]')" \
    "[\"unsigned-tail\",3,$signed,$tail,false]"
$CT prove --log "$T/c.log" --record $((signed - 1)) --key "$T/k.pub" -o "$T/p.json"
t_is "the last signed record can still be proven" \
    "$($CT verify --proof "$T/p.json" --key "$T/k.pub" >/dev/null; echo $?)" 0
t_err "a record of the unsigned tail cannot" 1 "record $signed is in the unsigned tail" \
    $CT prove --log "$T/c.log" --record "$signed" --key "$T/k.pub"

t_done
