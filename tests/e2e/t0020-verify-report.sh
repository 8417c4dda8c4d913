#!/usr/bin/env bash
# verify accepts a signed report (report --sign): the signer's key verifies it, another key
# or any change to the envelope's payload fails it with exit 5.
. "$(dirname "$0")/../lib.sh"

task=$($CT task new --class dns-check)
$CT keygen -o "$T/k" >/dev/null
$CT keygen -o "$T/other" >/dev/null
$CT keygen -o "$T/oidc" >/dev/null
$CT mint jwt --task "$task" --key "$T/oidc" --issuer https://iss.example --audience a >/dev/null
t_ok "report --sign writes a DSSE envelope" \
    $CT report --task "$task" --format json --sign "$T/k" -o "$T/rep.dsse"
t_is "the envelope holds an in-toto statement of the report predicate" \
    "$(jq -r .payload "$T/rep.dsse" | base64 -d | jq -r .predicateType)" \
    "https://credtrail.dev/attestation/report/v1"

out=$($CT verify "$T/rep.dsse" --key "$T/k.pub"); rc=$?
t_is "verify with the signer's key succeeds (exit 0)" "$rc" 0
t_is "and names the report's task" "$out" \
    "verified: signed report of task $task (key $(jq -r '.signatures[0].keyid' "$T/rep.dsse" | cut -c1-16)...)"
t_is "--json gives the verdict, kind and task" \
    "$($CT verify --json "$T/rep.dsse" --key "$T/k.pub" | jq -c '[.verdict, .kind, .task]')" \
    "[\"verified\",\"report\",\"$task\"]"

$CT verify "$T/rep.dsse" --key "$T/other.pub" >"$T/out"; rc=$?
t_is "another key fails it (exit 5)" "$rc" 5
t_like "saying no trusted key signed it" "$(cat "$T/out")" "^FAILED: .*not signed by a trusted key"

# change one finding of the report inside the signed payload, re-encode, keep the signature
jq -c '.payload |= (@base64d | fromjson | .predicate.complete = (.predicate.complete | not) | tojson | @base64)' \
    "$T/rep.dsse" >"$T/forged.dsse"
$CT verify "$T/forged.dsse" --key "$T/k.pub" >"$T/out"; rc=$?
t_is "a report whose payload was changed fails (exit 5)" "$rc" 5
t_like "with a FAILED verdict" "$(cat "$T/out")" "^FAILED: "

t_done
