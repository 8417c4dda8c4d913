#!/usr/bin/env bash
# credtrail report as a command: a task without evidence is reported honestly (nothing
# claimed, the evidence incomplete), --fail-on gates on the most severe finding with exit 6,
# -o writes the whole file or nothing, --query-plan shows index searches only, and every
# bad input is one clear error line with status 2 (usage) or 1 (failure) and no output.
. "$(dirname "$0")/../lib.sh"

task=$($CT task new --class dns-check)

# ---- a task with no credential and no run ----
out=$($CT report --task "$task" --format json); rc=$?
t_is "a task without evidence is reported (exit 0)" "$rc" 0
t_is "nothing is claimed: no credential, event, egress or run" \
    "$(jq -c '[.task, .credentials, .egress, .runs, .claims]' <<<"$out")" "[\"$task\",[],[],[],[]]"
t_is "the evidence is incomplete because no run is recorded" \
    "$(jq -c '[.complete, .incomplete_reasons]' <<<"$out")" \
    '[false,["no run of the task is recorded: its egress is unknown"]]'
t_is "one medium finding says so" "$(jq -c '[.findings[] | [.severity, .kind]]' <<<"$out")" \
    '[["medium","evidence-incomplete"]]'
t_is "the attestation is not verified (there is none)" \
    "$(jq -c .attestation <<<"$out")" '{"digest":null,"verified":false,"runs":0,"runs_verified":0}'
t_like "the text report says no credential was issued" "$($CT report --task "$task")" \
    "No credential of the ledger was issued for this task\."

# ---- --fail-on ----
t_is "--fail-on medium exits 6 and still prints the report" \
    "$($CT report --task "$task" --format json --fail-on medium | jq -r .task; echo "${PIPESTATUS[0]}")" \
    "$task
6"
t_is "--fail-on high exits 0" "$($CT report --task "$task" --fail-on high >/dev/null; echo $?)" 0

# ---- -o ----
t_ok "-o writes the report to a file" $CT report --task "$task" --format html -o "$T/r.html"
t_is "the file is mode 0644 and a whole HTML document" \
    "$(stat -c %a "$T/r.html")|$(head -c 15 "$T/r.html")|$(tail -n 1 "$T/r.html")" \
    "644|<!DOCTYPE html>|</body></html>"
t_err "-o into a missing folder fails with one line" 1 "$T/nope/r.json" \
    $CT report --task "$task" -o "$T/nope/r.json"
t_is "and leaves nothing behind" "$(ls "$T" | grep -c '^nope')" 0

# ---- --query-plan (SQLite's plans; t1300 checks the PostgreSQL store's answer) ----
if ! t_on_pg; then
plan=$($CT report --query-plan)
t_is "--query-plan shows 24 queries" "$(jq length <<<"$plan")" 24
t_is "every one is an index search (no table scan)" \
    "$(jq '[.[].plan[] | select(test("^SCAN") and (test("USING") | not))] | length' <<<"$plan")" 0
t_is "the access-key lookup uses its index" \
    "$(jq -r '.[0].plan[0]' <<<"$plan")" "SEARCH e USING INDEX provider_events_akid (access_key_id=?)"
fi

# ---- bad input ----
t_err "--task is required" 2 "missing --task ID" $CT report
t_err "an unknown task is one line" 1 "no task 'nope'" $CT report --task nope
t_err "a bad task id is one line" 1 "invalid character" $CT report --task 'a b'
t_err "an unknown format is a usage error" 2 "unknown format 'pdf'" \
    $CT report --task "$task" --format pdf
t_err "an unknown severity is a usage error" 2 "unknown severity 'severe'" \
    $CT report --task "$task" --fail-on severe
t_err "--egress-ip must be an address" 2 "--egress-ip expects an address, not '300.1.1.1'" \
    $CT report --task "$task" --egress-ip 300.1.1.1
t_err "--endpoint must be SERVICE=PATTERN" 2 "--endpoint expects SERVICE=HOSTPATTERN" \
    $CT report --task "$task" --endpoint vault
t_err "--endpoint patterns are checked" 2 "unknown placeholder" \
    $CT report --task "$task" --endpoint 'vault={host}.example.com'
t_err "--logs-complete-until must be a time" 2 "expects an RFC 3339 time" \
    $CT report --task "$task" --logs-complete-until yesterday
t_err "--skew must be a duration" 2 "--skew expects a duration" \
    $CT report --task "$task" --skew soon
t_err "--sign with html is refused" 2 "--sign signs the JSON report" \
    $CT report --task "$task" --format html --sign "$T/k"
$CT keygen -t ecdsa-p256 -o "$T/ec.key" >/dev/null
t_err "--sign needs an Ed25519 key" 1 "--sign needs an Ed25519 key" \
    $CT report --task "$task" --sign "$T/ec.key"
t_err "--sign with a missing key file is one line" 1 "$T/missing.key" \
    $CT report --task "$task" --sign "$T/missing.key"
t_err "an unknown option is a usage error" 2 "unknown option '--bogus'" \
    $CT report --task "$task" --bogus
t_done
