#!/usr/bin/env bash
# Attestation of a real `credtrail run`: the log, its checkpoints, the DSSE envelope and the
# detached SSH signature are checked by tools credtrail did not write (openssl pkeyutl,
# python3-cryptography, jq, ssh-keygen -Y verify), then by `credtrail verify` and `prove`.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
TASK=$($CT task new --class attest-demo)
$CT keygen -o "$T/k" >/dev/null
$CT keygen -o "$T/other" >/dev/null
echo "auditor@example $(cat "$T/k.pub")" >"$T/allowed_signers"
# a credential issued to the task: the statement lists its join keys
$CT keygen -o "$T/ca" >/dev/null
$CT keygen -o "$T/user" >/dev/null
$CT mint ssh --task "$TASK" --ca "$T/ca" --pubkey "$T/user.pub" -o "$T/user-cert.pub" >/dev/null

$CT run --task "$TASK" --events "$T/ev.log" --sign "$T/k" -- \
    /bin/sh -c 'for i in 1 2 3 4 5 6; do /bin/true; done; exit 3' 2>"$T/run.err"
t_is "the run exits with the agent's status" "$?" 3
t_ok "the attestation is written beside the log by default" test -s "$T/ev.log.dsse.json"
t_ok "and the detached SSH signature beside it" test -s "$T/ev.log.dsse.json.sig"
t_like "the run names the attestation and its digest" "$(grep attestation: "$T/run.err")" \
    "attestation: $T/ev.log.dsse.json \(and $T/ev.log.dsse.json.sig\), sha256:[0-9a-f]{64}$"
t_is "the ledger holds the envelope's digest for the run" \
    "$(t_sql "select attestation_digest from runs")" \
    "sha256:$(sha256sum <"$T/ev.log.dsse.json" | cut -d' ' -f1)"
nrec=$(grep -c '^{"seq":' "$T/ev.log")
t_ok "a few dozen records were logged" test "$nrec" -ge 20

# --- the statement, read by jq ---
jq -r .payload "$T/ev.log.dsse.json" | base64 -d >"$T/stmt.json"
t_is "payloadType is in-toto's" "$(jq -r .payloadType "$T/ev.log.dsse.json")" \
    "application/vnd.in-toto+json"
t_is "the statement is an in-toto Statement v1 with credtrail's predicate type" \
    "$(jq -r '[._type, .predicateType] | join(" ")' "$T/stmt.json")" \
    "https://in-toto.io/Statement/v1 https://credtrail.dev/attestation/run/v1"
t_is "its subject is the log file and its SHA-256" \
    "$(jq -c '.subject' "$T/stmt.json")" \
    "[{\"digest\":{\"sha256\":\"$(sha256sum <"$T/ev.log" | cut -d' ' -f1)\"},\"name\":\"ev.log\"}]"
t_is "the predicate names task, class, command and exit status" \
    "$(jq -c '.predicate | [.task, .class, .argv[0], .argv[2], .exit_status, .backend]' "$T/stmt.json")" \
    "[\"$TASK\",\"attest-demo\",\"/bin/sh\",\"for i in 1 2 3 4 5 6; do /bin/true; done; exit 3\",3,\"ebpf\"]"
t_is "the credentials issued to the task are there by their join keys, without secrets" \
    "$(jq -c '.predicate.credentials | map([.kind, .key_id, .serial, .ca_fingerprint])' "$T/stmt.json")" \
    "$(t_sql "select json_array(json_array(kind, key_id, serial, ca_fingerprint)) from credentials")"
t_is "and they are the ledger's, keyed as the ledger keys them" \
    "$(jq -r '.predicate.credentials[0].principal' "$T/stmt.json")" \
    "$(t_sql "select principal from credentials")"
t_is "and the tree head covers every record" \
    "$(jq -r '.predicate.log.tree_size' "$T/stmt.json")" "$nrec"
t_is "the processes and drop counters are there" \
    "$(jq -c '.predicate | [.processes, .drops.ringbuf_full_net, .complete]' "$T/stmt.json")" "[7,0,true]"

# --- the DSSE signature, by openssl over the PAE built here ---
ptype=application/vnd.in-toto+json
{ printf 'DSSEv1 %d %s %d ' ${#ptype} "$ptype" "$(stat -c %s "$T/stmt.json")"; cat "$T/stmt.json"; } \
    >"$T/pae.bin"
jq -r '.signatures[0].sig' "$T/ev.log.dsse.json" | base64 -d >"$T/sig.bin"
openssl pkey -in "$T/k" -pubout -out "$T/k.pem"
t_like "openssl pkeyutl verifies the Ed25519 signature over the PAE" \
    "$(openssl pkeyutl -verify -pubin -inkey "$T/k.pem" -rawin -in "$T/pae.bin" -sigfile "$T/sig.bin" 2>&1)" \
    "Signature Verified Successfully"
printf 'X' >>"$T/pae.bin"
t_like "and refuses it over a changed PAE" \
    "$(openssl pkeyutl -verify -pubin -inkey "$T/k.pem" -rawin -in "$T/pae.bin" -sigfile "$T/sig.bin" 2>&1)" \
    "Signature Verification Failure"
t_is "keyid is the hex of the SHA-256 that ssh-keygen -l prints" \
    "$(jq -r '.signatures[0].keyid' "$T/ev.log.dsse.json")" \
    "$(ssh-keygen -lf "$T/k.pub" | awk '{print $2}' | sed 's/^SHA256://; s/$/=/' | base64 -d | od -An -tx1 | tr -d ' \n')"

# --- the SSH signature, by stock ssh-keygen ---
t_like "ssh-keygen -Y verify accepts the detached signature over the statement" \
    "$(ssh-keygen -Y verify -f "$T/allowed_signers" -I auditor@example -n credtrail-attest \
        -s "$T/ev.log.dsse.json.sig" <"$T/stmt.json" 2>&1)" \
    '^Good "credtrail-attest" signature for auditor@example with ED25519 key SHA256:'
t_ok "and refuses it in another namespace" \
    bash -c "! ssh-keygen -Y verify -f '$T/allowed_signers' -I auditor@example -n file \
        -s '$T/ev.log.dsse.json.sig' <'$T/stmt.json' >/dev/null 2>&1"

# --- the log: Merkle tree and checkpoint signatures, recomputed in Python ---
cat >"$T/check.py" <<'EOF'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.serialization import load_ssh_public_key, Encoding, PublicFormat
pub = load_ssh_public_key(open(sys.argv[2], 'rb').read())
raw = pub.public_bytes(Encoding.Raw, PublicFormat.Raw)
keyhash = hashlib.sha256(b'credtrail\n\x01' + raw).digest()[:4]
def mth(h):  # RFC 6962 over leaf hashes
    if len(h) == 0: return hashlib.sha256(b'').digest()
    if len(h) == 1: return h[0]
    k = 1
    while k * 2 < len(h): k *= 2
    return hashlib.sha256(b'\x01' + mth(h[:k]) + mth(h[k:])).digest()
leaves, cps = [], 0
lines = open(sys.argv[1], 'rb').read().split(b'\n')
assert lines[-1] == b''
for line in lines[:-1]:
    if line.startswith(b'{"checkpoint":'):
        note = json.loads(line)['checkpoint'].encode()
        body, sigs = note.split(b'\n\n', 1)
        body += b'\n'
        origin, size, root = body.split(b'\n')[:3]
        assert int(size) == len(leaves), 'size'
        assert base64.b64decode(root) == mth(leaves), 'root'
        assert sigs.startswith('\u2014 credtrail '.encode()) and sigs.endswith(b'\n'), 'sigline'
        sig = base64.b64decode(sigs[len('\u2014 credtrail '.encode()):-1])
        assert sig[:4] == keyhash, 'keyhash'
        pub.verify(sig[4:], body)
        cps += 1
    else:
        assert json.loads(line)['seq'] == len(leaves), 'seq'
        leaves.append(hashlib.sha256(b'\x00' + line).digest())
print(cps, len(leaves), origin.decode(), mth(leaves).hex())
EOF
out=$($PY "$T/check.py" "$T/ev.log" "$T/k.pub" 2>&1)
t_is "python recomputes the RFC 6962 root and verifies every checkpoint signature" "$out" \
    "1 $nrec $(jq -r '.predicate.log | "\(.origin) \(.root)"' "$T/stmt.json")"

# --- credtrail verify ---
t_like "verify: complete, with the attestation and SSH signatures" \
    "$($CT verify "$T/ev.log.dsse.json" --key "$T/k.pub")" \
    "^verified complete: $nrec records, 1 signed checkpoint, origin credtrail:$TASK:[0-9a-f]{16}, root [0-9a-f]{64}, attestation signature verified$"
t_is "verify --json says the same" \
    "$($CT verify "$T/ev.log.dsse.json" --allowed-signers "$T/allowed_signers" --json |
        jq -c '[.verdict, .exit_status, .records, .unsigned_records, .ssh_signature, .final_counters.complete]')" \
    "[\"complete\",0,$nrec,0,\"verified\",true]"
t_is "without --key the signing keys in the ledger are trusted" \
    "$($CT verify "$T/ev.log.dsse.json" >/dev/null; echo $?)" 0
t_is "another key: FAILED, exit 5" \
    "$($CT verify "$T/ev.log.dsse.json" --key "$T/other.pub"; echo "rc=$?")" \
    "FAILED: attestation '$T/ev.log.dsse.json': envelope is not signed by a trusted key (keyid $(jq -r '.signatures[0].keyid' "$T/ev.log.dsse.json" | cut -c1-16)...)
rc=5"
t_is "the log alone verifies complete" "$($CT verify --log "$T/ev.log" --key "$T/k.pub" >/dev/null; echo $?)" 0

# --- prove one record to an auditor ---
$CT prove --log "$T/ev.log" --record 3 --key "$T/k.pub" -o "$T/proof.json"
t_is "prove gives the record's exact bytes" "$(jq -r .record "$T/proof.json")" \
    "$(grep '^{"seq":3,' "$T/ev.log")"
t_like "verify --proof checks it without the log" \
    "$($CT verify --proof "$T/proof.json" --key "$T/k.pub")" \
    "^verified: record 3 is in log credtrail:$TASK:[0-9a-f]{16} at tree size $nrec \(checkpoint of "
jq '.record |= sub("\"seq\":3,"; "\"seq\":3,\"x\":1,")' "$T/proof.json" >"$T/proof-bad.json"
t_is "a changed record in a proof: FAILED, exit 5" \
    "$($CT verify --proof "$T/proof-bad.json" --key "$T/k.pub"; echo "rc=$?")" \
    "FAILED: leaf_hash is not the hash of the record
rc=5"
jq 'del(.leaf_hash)' "$T/proof-bad.json" >"$T/proof-bad2.json"
t_is "and without its leaf hash the audit path does not reach the root" \
    "$($CT verify --proof "$T/proof-bad2.json" --key "$T/k.pub"; echo "rc=$?")" \
    "FAILED: inclusion proof does not lead to the root
rc=5"
t_err "a record past the end cannot be proven" 1 "has $nrec records; there is no record 999" \
    $CT prove --log "$T/ev.log" --record 999 --key "$T/k.pub"
t_err "verify needs something to verify" 2 "missing ATTESTATION, --log LOG or --proof FILE" $CT verify
t_err "--attest needs --events" 2 "--attest and --sign need --events FILE" \
    $CT run --task "$TASK" --attest "$T/x.json" -- /bin/true

t_done
