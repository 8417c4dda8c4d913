#!/usr/bin/env bash
# credtrail report end to end against a local AWS (tests/e2e/awsd.py: STS from stsd.py, a
# Route 53 and an S3 endpoint that check SigV4 with botocore and write CloudTrail records):
# a task gets a scoped session, its agent calls Route 53 with the real AWS CLI under
# `credtrail run --enforce`, the same keys are used for S3 from another network namespace
# during the run and once more after it, CloudTrail is ingested, and the report explains the
# two Route 53 calls by the agent's connections, flags the S3 calls (outside the agent's
# egress, unexpected source, after the run), lists the granted permission never used only
# once the logs cover the credential's lifetime, and says whether the evidence is complete.
# The HTML report is rendered by headless Chromium; its screenshot is kept under the build.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
AWS=/usr/bin/aws
SRC_AKID=AKIDREPORTSOURCE001 SRC_SECRET='report/source+secret=01'
ROLE=arn:aws:iam::123456789012:role/ironclaw-agent
ZONE=Z0123456789ABCDEFGHIJ
NS=ctrep$$ HOSTIF=ctrh$$ NSIF=ctrn$$ HOSTIP=10.200.7.1 NSIP=10.200.7.2
ART=${CT_BUILD:-$CT_TOP/build}/artifacts/t0700
mkdir -p "$ART"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION \
    AWS_DEFAULT_PROFILE AWS_CA_BUNDLE
export HOME=$T/home AWS_CONFIG_FILE=$T/aws/config AWS_SHARED_CREDENTIALS_FILE=$T/aws/credentials
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER= AWS_DEFAULT_REGION=us-east-1
mkdir -p "$HOME" "$T/aws"
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"
chmod 755 "$T/aws"
chmod 644 "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"

# ---- a second network namespace: the "other host" the keys are copied to ----
ip netns add $NS
t_atexit "ip netns del $NS"
ip link add $HOSTIF type veth peer name $NSIF
t_atexit "ip link del $HOSTIF 2>/dev/null"
ip link set $NSIF netns $NS
ip addr add $HOSTIP/24 dev $HOSTIF
ip link set $HOSTIF up
ip -n $NS addr add $NSIP/24 dev $NSIF
ip -n $NS link set $NSIF up
ip -n $NS link set lo up

# ---- the local AWS and a resolver that sends the AWS names to it ----
$PY "$CT_TOP/tests/e2e/awsd.py" --port-file "$T/aws.ports" --trail "$T/trail.json" \
    --log "$T/aws.log" --cred "$SRC_AKID:$SRC_SECRET" --sts 127.0.0.1 --route53 127.0.0.2 \
    --s3 "127.0.0.3,$HOSTIP" 2>"$T/awsd.err" &
t_atexit "kill $!"
dport=$(t_free_port)
dnsmasq --no-daemon --user=root --port="$dport" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --address=/route53.amazonaws.com/127.0.0.2 \
    --address=/s3.amazonaws.com/127.0.0.3 --address=/ready.test/127.0.0.9 >"$T/dnsmasq.out" 2>&1 &
t_atexit "kill $!"
for _ in $(seq 200); do
	[ -s "$T/aws.ports" ] && [ "$(dig +short +tries=1 +time=1 @127.0.0.1 -p "$dport" ready.test)" = 127.0.0.9 ] && break
	sleep 0.05
done
port() { jq -r ".$1" "$T/aws.ports"; }
STS=http://127.0.0.1:$(port sts)/ R53P=$(port route53) S3P=$(port s3)

# ---- task, scoped session, signing key ----
task=$($CT task new --class dns-check)
cat >"$T/policy.json" <<'EOF'
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["route53:ListResourceRecordSets", "route53:GetHostedZone"],
   "Resource": "*"},
  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
   "Resource": "arn:aws:s3:::ironclaw-artifacts/*"}]}
EOF
env AWS_ACCESS_KEY_ID=$SRC_AKID AWS_SECRET_ACCESS_KEY=$SRC_SECRET \
    $CT mint aws --task "$task" --role-arn $ROLE --policy "$T/policy.json" --endpoint "$STS" \
    --format json >"$T/creds.json"
t_is "mint aws issued a session for the task" "$(jq -r '.Task' "$T/creds.json")" "$task"
AKID=$(jq -r .AccessKeyId "$T/creds.json") SESSION=$(jq -r .RoleSessionName "$T/creds.json")
$CT keygen -t ed25519 -o "$T/attest.key" >/dev/null

# ---- the agent: the real AWS CLI, under the monitor, allowed only Route 53 ----
mkdir -m 777 "$T/out"
cat >"$T/agent.sh" <<EOF
#!/bin/sh
set -e
$AWS route53 list-resource-record-sets --hosted-zone-id $ZONE \
    --endpoint-url http://route53.amazonaws.com:$R53P/ >$T/out/rrsets.json
$AWS route53 get-hosted-zone --id $ZONE --endpoint-url http://route53.amazonaws.com:$R53P/ \
    >$T/out/zone.json
touch $T/out/agent-done
i=0
while [ ! -e $T/out/go ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
EOF
chmod 755 "$T/agent.sh"
$CT run --task "$task" --enforce --allow route53.amazonaws.com \
    --upstream-dns "127.0.0.1:$dport" --events "$T/run.jsonl" --sign "$T/attest.key" \
    --env AWS_ACCESS_KEY_ID="$AKID" --env AWS_SECRET_ACCESS_KEY="$(jq -r .SecretAccessKey "$T/creds.json")" \
    --env AWS_SESSION_TOKEN="$(jq -r .SessionToken "$T/creds.json")" \
    --env AWS_DEFAULT_REGION=us-east-1 --env AWS_EC2_METADATA_DISABLED=true \
    --env AWS_CONFIG_FILE="$AWS_CONFIG_FILE" --env AWS_SHARED_CREDENTIALS_FILE="$AWS_SHARED_CREDENTIALS_FILE" \
    --env AWS_PAGER= \
    -- "$T/agent.sh" >"$T/run.out" 2>"$T/run.err" &
runpid=$!
for _ in $(seq 600); do [ -e "$T/out/agent-done" ] && break; kill -0 $runpid 2>/dev/null || break; sleep 0.1; done

# while the agent waits: the same keys from the other namespace, to S3
s3get() {
	ip netns exec $NS env AWS_ACCESS_KEY_ID="$AKID" \
	    AWS_SECRET_ACCESS_KEY="$(jq -r .SecretAccessKey "$T/creds.json")" \
	    AWS_SESSION_TOKEN="$(jq -r .SessionToken "$T/creds.json")" \
	    $AWS s3api get-object --bucket ironclaw-artifacts --key zones/ironclaw.example.txt \
	    --endpoint-url "http://$HOSTIP:$S3P" "$1"
}
s3get "$T/obj1" >"$T/s3-1.out" 2>&1
t_is "the S3 call from the other namespace succeeded during the run" "$(cat "$T/obj1")" "www A 192.0.2.10"
touch "$T/out/go"
wait $runpid; rc=$?
t_is "the agent's run exits 0" "$rc" 0
t_is "the agent's Route 53 calls were answered" \
    "$(jq -r '.HostedZone.Id' "$T/out/zone.json")|$(jq -r '.ResourceRecordSets | length' "$T/out/rrsets.json")" \
    "/hostedzone/$ZONE|2"
sleep 3.5	# past the run's end + the skew the report is given (2 s) + CloudTrail's whole seconds
s3get "$T/obj2" >"$T/s3-2.out" 2>&1
t_is "the S3 call after the run succeeded" "$(cat "$T/obj2")" "www A 192.0.2.10"
t_is "botocore verified the signature of every Route 53 and S3 request" \
    "$(jq -sc 'map([.service, .action, .signature_ok, .access_key_id == "'"$AKID"'", .peer, .status])' "$T/aws.log")" \
    "[[\"route53\",\"ListResourceRecordSets\",true,true,\"127.0.0.1\",200],[\"route53\",\"GetHostedZone\",true,true,\"127.0.0.1\",200],[\"s3\",\"GetObject\",true,true,\"$NSIP\",200],[\"s3\",\"GetObject\",true,true,\"$NSIP\",200]]"

# ---- CloudTrail in, report out ----
t_is "the trail holds the AssumeRole and the four calls" \
    "$(jq -c '[.Records[] | .eventName]' "$T/trail.json")" \
    '["AssumeRole","ListResourceRecordSets","GetHostedZone","GetObject","GetObject"]'
$CT ingest "$T/trail.json" >"$T/ingest.out" 2>&1
t_is "ingest keeps the five events of the task's keys" \
    "$(t_sql "select count(*) from provider_events")" 5

report() { $CT report --task "$task" --skew 2s "$@"; }
report --format json >"$T/r0.json"; rc=$?
t_is "report --format json exits 0 without --fail-on" "$rc" 0
J=$T/r0.json
t_is "one credential: the session, with its access key" \
    "$(jq -c '[.task, (.credentials | length), .credentials[0].kind, .credentials[0].principal, .credentials[0].join_keys.access_key_id]' "$J")" \
    "[\"$task\",1,\"aws\",\"$SESSION\",\"$AKID\"]"
t_is "the mint's AssumeRole is the credential's issuing event, not a use" \
    "$(jq -c '.credentials[0].issued_by_event | [.action, .role, .join]' "$J")" \
    '["AssumeRole","issuance","issued_access_key_id"]'
t_is "four uses: the two Route 53 calls explained, the two S3 calls not" \
    "$(jq -c '[.credentials[0].events[] | [.action, .explained]]' "$J")" \
    '[["ListResourceRecordSets",true],["GetHostedZone",true],["GetObject",false],["GetObject",false]]'
t_is "each Route 53 call is explained by a connection to route53.amazonaws.com of the run" \
    "$(jq -c '[.credentials[0].events[] | select(.explained) | .connection | [.host, .address, .port, .run == $run]]' \
    --arg run "$(t_sql 'select id from runs')" "$J")" \
    "[[\"route53.amazonaws.com\",\"127.0.0.2\",$R53P,true],[\"route53.amazonaws.com\",\"127.0.0.2\",$R53P,true]]"
t_is "actions_used are the IAM actions of the calls" \
    "$(jq -c '.credentials[0].actions_used' "$J")" \
    '["route53:GetHostedZone","route53:ListResourceRecordSets","s3:GetObject"]'
t_is "the agent's source address was learned from the explained calls" \
    "$(jq -c '.egress_addresses' "$J")" '{"declared":[],"learned":["127.0.0.1"]}'
t_is "the S3 calls are flagged: unexpected source, and the second after the run" \
    "$(jq -c '[.credentials[0].events[] | select(.action == "GetObject") | [.source_ip, .flags]]' "$J")" \
    "[[\"$NSIP\",[\"unexpected-source\",\"data-event\"]],[\"$NSIP\",[\"unexpected-source\",\"after-run\",\"data-event\"]]]"
t_is "findings: outside the egress (2), unexpected source (2), after the run (1)" \
    "$(jq -c '[.findings[] | select(.kind | test("unexplained|unexpected|after-run")) | [.severity, .kind, (.evidence | length)]]' "$J")" \
    '[["high","unexpected-source",2],["high","unexplained-use",2],["high","used-after-run",1]]'
t_is "the findings' evidence names the CloudTrail events by eventID" \
    "$(jq -c '[.findings[] | select(.kind == "used-after-run") | .evidence[] | .event_id]' "$J")" \
    "$(jq -c '[.Records[-1].eventID]' "$T/trail.json")"
t_is "egress: Route 53 allowed twice, carrying both explained calls" \
    "$(jq -c '[.egress[] | select(.proto != "dns") | [.host, .addresses, .port, .count, .verdict, .explained_events]]' "$J")" \
    "[[\"route53.amazonaws.com\",[\"127.0.0.2\"],$R53P,2,\"allow\",2]]"
t_is "the run's signed event log verifies" \
    "$(jq -c '[.runs[0].verdict, .runs[0].verified, .attestation.verified]' "$J")" '["complete",true,true]'
t_is "the attestation digest is the run's, that of its DSSE envelope" \
    "$(jq -r '.attestation.digest + "|" + .runs[0].attestation' "$J")" \
    "sha256:$(sha256sum "$T/run.jsonl.dsse.json" | cut -c1-64)|$T/run.jsonl.dsse.json"
t_is "before the logs cover the session's lifetime, no permission is called unused" \
    "$(jq -c '.credentials[0].scope | [.evaluated, .unused, [.undetermined[].action], .logs_cover]' "$J")" \
    '[true,[],["s3:PutObject"],false]'
t_is "and the evidence is incomplete for exactly that reason" \
    "$(jq -c '[.complete, (.incomplete_reasons | length), (.incomplete_reasons[0] | test("^CloudTrail events are complete only until .*; credential '"$SESSION"' is valid until"))]' "$J")" \
    '[false,1,true]'

# the operator states the trail is complete past the session's expiry
until=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
report --format json --logs-complete-until "$until" >"$T/r1.json"
J=$T/r1.json
t_is "with the logs complete, s3:PutObject is granted and never used" \
    "$(jq -c '.credentials[0].scope | [.unused, .undetermined, .logs_cover]' "$J")" '[["s3:PutObject"],[],true]'
t_is "an unused-permission finding names it" \
    "$(jq -c '[.findings[] | select(.kind == "unused-permission") | [.severity, (.summary | test("s3:PutObject"))]]' "$J")" \
    '[["low",true]]'
t_is "and the evidence is complete" "$(jq -c '[.complete, .incomplete_reasons]' "$J")" '[true,[]]'
t_is "--fail-on high exits 6 (the S3 findings) and still writes the report" \
    "$(report --format json --logs-complete-until "$until" --fail-on high -o "$T/r2.json"; echo $?)|$(jq -r .task "$T/r2.json")" \
    "6|$task"
t_is "--fail-on critical exits 0 (nothing critical)" \
    "$(report --format json --logs-complete-until "$until" --fail-on critical >/dev/null; echo $?)" 0
t_is "declaring the other namespace's address as the task's own clears unexpected-source" \
    "$(report --format json --egress-ip 127.0.0.1 --egress-ip $NSIP | jq -c '[([.findings[].kind] | index("unexpected-source")), .egress_addresses]')" \
    "[null,{\"declared\":[\"127.0.0.1\",\"$NSIP\"],\"learned\":[]}]"

# ---- text ----
report >"$T/r.txt"
t_like "the text report states the sentence" "$(tr '\n' ' ' <"$T/r.txt" | tr -s ' ')" \
    "For task $task, credential $SESSION was issued; the agent process only communicated with route53\.amazonaws\.com, correlating to the observed CloudTrail events ListResourceRecordSets and GetHostedZone; but 2 other CloudTrail events of this credential are not explained by the agent's egress: GetObject at [0-9:]+Z from $NSIP and GetObject at [0-9:]+Z from $NSIP\."
t_is "every text line fits 80 columns" "$(awk 'length > 80' "$T/r.txt" | wc -l)" 0

# ---- HTML, rendered by Chromium ----
report --format html -o "$T/report.html"
t_is "the HTML report is one file with no external fetch (src, href, url(), @import)" \
    "$(grep -Eic '(src|href)[[:space:]]*=|url\(|@import|<script|<link' "$T/report.html")" 0
t_is "it has no http(s) URL at all" "$(grep -Eic 'https?://' "$T/report.html")" 0
t_like "its findings come before the timeline" "$(grep -o -E '<h2>(Findings|Timeline)' "$T/report.html" | tr '\n' ' ')" \
    '^<h2>Findings <h2>Timeline $'
t_is "the timeline is inline SVG with a dot per provider event of the credential" \
    "$(grep -c '<circle ' "$T/report.html")" 5
cp "$T/report.html" "$ART/report.html"
rm -f "$ART/report.png"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$T/chr" \
    --screenshot="$ART/report.png" --window-size=1200,1600 "file://$ART/report.html" \
    >"$T/chromium.log" 2>&1
t_is "Chromium rendered a screenshot (PNG signature)" \
    "$(head -c 8 "$ART/report.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a
t_is "the screenshot is 1200x1600" \
    "$($PY -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' "$ART/report.png")" \
    1200x1600
t_like "the screenshot is not trivially small" "$(stat -c %s "$ART/report.png")" '^[0-9]{5,}$'

# ---- signed ----
report --sign "$T/attest.key" -o "$T/report.dsse.json"
t_is "the signed report is a DSSE envelope of an in-toto statement about the report" \
    "$(jq -r .payload "$T/report.dsse.json" | base64 -d | jq -c '[._type, .predicateType, .subject[0].name, .predicate.task, .predicate.schema]')" \
    "[\"https://in-toto.io/Statement/v1\",\"https://credtrail.dev/attestation/report/v1\",\"credtrail-report-$task.json\",\"$task\",\"https://credtrail.dev/report/v1\"]"
t_is "python3-cryptography verifies the envelope's Ed25519 signature over the DSSE PAE, and the subject digest is the report's" \
    "$($PY - "$T/report.dsse.json" "$T/attest.key.pub" <<'EOF'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
env = json.load(open(sys.argv[1]))
payload = base64.b64decode(env["payload"])
ptype = env["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
load_ssh_public_key(open(sys.argv[2], "rb").read()).verify(
    base64.b64decode(env["signatures"][0]["sig"]), pae)
st = json.loads(payload)
canon = json.dumps(st["predicate"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print(hashlib.sha256(canon.encode()).hexdigest() == st["subject"][0]["digest"]["sha256"])
EOF
)" True
# ---- refining the class: the other party's S3 calls are not the agent's needs ----
$CT policy diff --task "$task" --json >"$T/diff.json"
t_is "policy diff leaves out the two S3 uses the agent's egress does not explain" \
    "$(jq -c '[.uses_not_by_the_agent, [.groups[].used_and_granted[].action]]' "$T/diff.json")" \
    '[2,["route53:GetHostedZone","route53:ListResourceRecordSets"]]'
$CT policy suggest --class dns-check --no-store --json >"$T/suggest.json"
t_is "policy suggest grants the class only the Route 53 calls the agent made" \
    "$(jq -c '[.policy.Statement[].Action] | flatten | sort' "$T/suggest.json")" \
    '["route53:GetHostedZone","route53:ListResourceRecordSets"]'
t_like "and says what it left out" "$(jq -r '.notes[]' "$T/suggest.json")" \
    "left out 2 uses of the class's credentials that the agents' egress does not explain"
t_done
