#!/usr/bin/env bash
# The least-privilege loop: two tasks of a class get a broad session policy from a local STS
# (tests/e2e/stsd.py, which checks SigV4 with botocore), their calls are written as CloudTrail
# records of their assumed-role sessions and ingested; `policy diff` compares granted and
# used; `policy suggest` makes the tightest policy, which the real AWS CLI's parameter
# validation and STS accept as a session policy; `mint aws --policy suggested:CLASS` sends
# exactly it to STS; a third task making the class's calls leaves nothing granted unused.
. "$(dirname "$0")/../lib.sh"

AWS=/usr/bin/aws
SRC_AKID=AKIDSOURCE00000001 SRC_SECRET='source/secret+key=0001'
ROLE=arn:aws:iam::123456789012:role/ironclaw-agent
TRAIL="/usr/bin/python3 $CT_TOP/tests/e2e/t0800-trail.py"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION \
    AWS_DEFAULT_REGION AWS_DEFAULT_PROFILE AWS_CA_BUNDLE
export HOME=$T/home AWS_CONFIG_FILE=$T/aws/config AWS_SHARED_CREDENTIALS_FILE=$T/aws/credentials
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
mkdir -p "$HOME" "$T/aws"

/usr/bin/python3 "$CT_TOP/tests/e2e/stsd.py" --port-file "$T/sts.port" --log "$T/sts.log" \
    --cred "$SRC_AKID:$SRC_SECRET" &
t_atexit "kill $!"
for _ in $(seq 200); do [ -s "$T/sts.port" ] && break; sleep 0.05; done
EP=http://127.0.0.1:$(cat "$T/sts.port")/
export AWS_ACCESS_KEY_ID=$SRC_AKID AWS_SECRET_ACCESS_KEY=$SRC_SECRET

cat >"$T/broad.json" <<'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Dns", "Effect": "Allow", "Action": "route53:*", "Resource": "*" },
    { "Sid": "Ec2", "Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*" },
    { "Sid": "Zones", "Effect": "Allow", "Action": "route53domains:ListDomains", "Resource": "*" }
  ]
}
EOF

# mint for a task; prints "akid arn"
mint() {
	$CT mint aws --task "$1" --role-arn $ROLE --policy "$2" --endpoint "$EP" --region us-east-1 \
	    --format json | jq -r '"\(.AccessKeyId) \(.AssumedRoleArn)"'
}
# a CloudTrail call line for the generator
call() { # akid arn source name params [error]
	jq -cn --arg a "$1" --arg r "$2" --arg s "$3" --arg n "$4" --argjson p "$5" --arg e "${6:-}" \
	    '{akid:$a, arn:$r, source:$s, name:$n, params:$p} + (if $e == "" then {} else {error:$e} end)'
}
R53=route53.amazonaws.com

a=$($CT task new --class dns-check)
b=$($CT task new --class dns-check)
read -r akA arnA <<<"$(mint "$a" "$T/broad.json")"
read -r akB arnB <<<"$(mint "$b" "$T/broad.json")"
t_like "two tasks of class dns-check got session keys from STS" "$akA $akB" '^ASIA[A-Z0-9]{16} ASIA[A-Z0-9]{16}$'

{
	call "$akA" "$arnA" $R53 ListHostedZones null
	call "$akA" "$arnA" $R53 GetHostedZone '{"id":"Z0EXAMPLE1"}'
	call "$akA" "$arnA" $R53 ListResourceRecordSets '{"hostedZoneId":"Z0EXAMPLE1"}'
	call "$akA" "$arnA" $R53 ListResourceRecordSets '{"hostedZoneId":"/hostedzone/Z0EXAMPLE1"}'
	call "$akA" "$arnA" sts.amazonaws.com GetCallerIdentity null
	call "$akB" "$arnB" $R53 ListResourceRecordSets '{"hostedZoneId":"Z0EXAMPLE1"}'
	call "$akB" "$arnB" $R53 ChangeResourceRecordSets '{"hostedZoneId":"Z0EXAMPLE1","changeBatch":{"changes":[{"action":"UPSERT"}]}}'
	call "$akB" "$arnB" $R53 GetChange '{"id":"/change/C0EXAMPLE9"}'
	call "$akB" "$arnB" s3.amazonaws.com ListBuckets null AccessDenied
} | $TRAIL "$T/trail1.json"
t_ok "credtrail ingests the two tasks' CloudTrail records" $CT ingest "$T/trail1.json"
t_is "all nine records are kept (they carry the tasks' access keys)" \
    "$(t_sql 'select count(*) from provider_events')" 9

# ---- diff ----
later=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
$CT policy diff --task "$a" --json >"$T/diffA0.json"
t_is "without later logs nothing is claimed unused: the logs do not cover the lifetime yet" \
    "$(jq -c '.groups[0] | [.logs.covers, (.granted_never_used|length), (.cannot_conclude|map(.action))]' "$T/diffA0.json")" \
    '[false,0,["ec2:DescribeInstances","route53domains:ListDomains"]]'
t_like "and says until when the logs are complete" \
    "$(jq -r '.groups[0].cannot_conclude[0].reason' "$T/diffA0.json")" \
    '^the logs are complete only until .* the credential was valid until '

$CT policy diff --task "$a" --logs-complete-until "$later" --json >"$T/diffA.json"
t_is "task A: used and granted, per action and resource, with call counts" \
    "$(jq -c '[.groups[0].used_and_granted[] | [.action, .resource, .calls]]' "$T/diffA.json")" \
    '[["route53:GetHostedZone","arn:aws:route53:::hostedzone/Z0EXAMPLE1",1],["route53:ListHostedZones","*",1],["route53:ListResourceRecordSets","arn:aws:route53:::hostedzone/Z0EXAMPLE1",2]]'
t_is "task A: the granted actions never used, by statement" \
    "$(jq -c '[.groups[0].granted_never_used[] | [.action, .resource, .statement]]' "$T/diffA.json")" \
    '[["ec2:DescribeInstances","*","Ec2"],["route53domains:ListDomains","*","Zones"]]'
t_is "task A: GetCallerIdentity needs no permission and is listed as such" \
    "$(jq -c '[.groups[0].no_permission_needed[] | [.event, .count]]' "$T/diffA.json")" \
    '[["sts.amazonaws.com GetCallerIdentity",1]]'
t_is "task A: the evidence counts and the session policy's digest" \
    "$(jq -c '.groups[0] | [.events, .calls_allowed, .calls_denied, .scope_evaluated, .scope_sha256 == $s]' \
        --arg s "$(t_sql "select scope_sha256 from credentials where task_id='$a'")" "$T/diffA.json")" \
    '[5,5,0,true,true]'

$CT policy diff --task "$b" --logs-complete-until "$later" --json >"$T/diffB.json"
t_is "task B: the refused S3 call is used-but-not-granted with its error code" \
    "$(jq -c '[.groups[0].used_not_granted[] | [.action, .resource, .denied, .error_code, .allowed_by_scope]]' "$T/diffB.json")" \
    '[["s3:ListAllMyBuckets","*",1,"AccessDenied",false]]'
$CT policy diff --task "$b" --logs-complete-until "$later" >"$T/diffB.txt"
t_like "the text diff names the refused call under 'used but not granted'" \
    "$(cat "$T/diffB.txt")" 'used but not granted:.*s3:ListAllMyBuckets +\*  1 denied \(AccessDenied\)'

# ---- suggest ----
$CT policy suggest --class dns-check >"$T/p.json" 2>"$T/suggest.err"
t_is "suggest: one Route 53 statement per resource set, no wildcard, nothing refused or unneeded" \
    "$(jq -c . "$T/p.json")" \
    '{"Version":"2012-10-17","Statement":[{"Sid":"Route53","Effect":"Allow","Action":["route53:ChangeResourceRecordSets","route53:GetHostedZone","route53:ListResourceRecordSets"],"Resource":"arn:aws:route53:::hostedzone/Z0EXAMPLE1"},{"Sid":"Route532","Effect":"Allow","Action":"route53:GetChange","Resource":"arn:aws:route53:::change/C0EXAMPLE9"},{"Sid":"Route533","Effect":"Allow","Action":"route53:ListHostedZones","Resource":"*"}]}'
t_like "and states on stderr what it rests on" "$(head -n1 "$T/suggest.err")" \
    '^credtrail policy suggest: class dns-check: 2 tasks, 9 events, 7 allowed calls -> 5 permissions, [0-9]+ characters; stored as suggestion 1$'
t_is "the stored suggestion is the minified policy" \
    "$(t_sql "select document from policy_suggestions where id = 1")" "$(jq -c . "$T/p.json")"
json=$($CT policy suggest --class dns-check --json --no-store)
t_is "--json wraps it with the tasks, counts and size, within the 2048-character limit" \
    "$(jq -c '[(.tasks|sort) == ([$a,$b]|sort), .events, .calls, .permissions, .characters == ($p|length), .within_limit, .limit]' \
        --arg a "$a" --arg b "$b" --arg p "$(jq -c . "$T/p.json")" <<<"$json")" \
    '[true,9,7,5,true,true,2048]'
t_is "--no-store stored nothing" "$(t_sql 'select count(*) from policy_suggestions')" 1

# the real AWS CLI validates it as a session policy, and STS (botocore-checked) takes it
out=$($AWS sts assume-role --role-arn $ROLE --role-session-name policy-check \
    --policy "file://$T/p.json" --endpoint-url "$EP" --region us-east-1 --output json 2>&1); rc=$?
t_is "aws sts assume-role --policy file://<suggestion> succeeds" "$rc" 0
t_is "and STS received exactly the suggested policy" \
    "$(tail -n1 "$T/sts.log" | jq -c '[.action, .signature_ok, .status, (.Policy | fromjson)]')" \
    "[\"AssumeRole\",true,200,$(jq -c . "$T/p.json")]"

# ---- the next run: mint with the suggestion ----
c=$($CT task new --class dns-check)
read -r akC arnC <<<"$(mint "$c" suggested:dns-check)"
t_is "mint aws --policy suggested:dns-check sends the latest suggestion to STS" \
    "$(tail -n1 "$T/sts.log" | jq -r .Policy)" "$(jq -c . "$T/p.json")"
t_is "and records it as the credential's scope" \
    "$(t_sql "select scope from credentials where task_id = '$c'")" "$(jq -c . "$T/p.json")"
{
	call "$akC" "$arnC" $R53 ListHostedZones null
	call "$akC" "$arnC" $R53 GetHostedZone '{"id":"Z0EXAMPLE1"}'
	call "$akC" "$arnC" $R53 ListResourceRecordSets '{"hostedZoneId":"Z0EXAMPLE1"}'
	call "$akC" "$arnC" $R53 ChangeResourceRecordSets '{"hostedZoneId":"Z0EXAMPLE1"}'
	call "$akC" "$arnC" $R53 GetChange '{"id":"C0EXAMPLE9"}'
} | $TRAIL "$T/trail2.json"
$CT ingest "$T/trail2.json" >/dev/null
$CT policy diff --task "$c" --logs-complete-until "$later" --json >"$T/diffC.json"
t_is "the third run's diff: every granted permission used, nothing refused, nothing unknown" \
    "$(jq -c '.groups[0] | [(.used_and_granted|length), .granted_never_used, .used_not_granted, .cannot_conclude, .guessed]' "$T/diffC.json")" \
    '[5,[],[],[],[]]'
t_is "class diff groups the credentials by scope: the broad one and the suggested one" \
    "$($CT policy diff --class dns-check --logs-complete-until "$later" --json | jq -c '[.groups[] | [(.credentials|length), (.granted_never_used|map(.action))]]')" \
    '[[2,["ec2:DescribeInstances","route53domains:ListDomains"]],[1,[]]]'
t_is "--runs 1 takes the newest task only" \
    "$($CT policy diff --class dns-check --runs 1 --json | jq -c '[.tasks == [$c], (.groups|length)]' --arg c "$c")" \
    '[true,1]'

# ---- size: a class that touched 60 zones ----
d=$($CT task new --class zone-sweep)
read -r akD arnD <<<"$(mint "$d" "$T/broad.json")"
for i in $(seq -w 1 60); do
	call "$akD" "$arnD" $R53 ListResourceRecordSets "{\"hostedZoneId\":\"Z0SWEEPZONE000$i\"}"
done | $TRAIL "$T/trail3.json"
$CT ingest "$T/trail3.json" >/dev/null
$CT policy suggest --class zone-sweep >"$T/big.json" 2>"$T/big.err"; rc=$?
t_is "an oversized suggestion is still printed and stored" "$rc:$(jq '.Statement[0].Resource|length' "$T/big.json")" 0:60
t_like "with a warning naming the size and STS's limit" "$(tail -n1 "$T/big.err")" \
    '^credtrail policy suggest: warning: the policy is [0-9]{4} characters after minifying; STS takes at most 2048 in an inline session policy \(try --generalise\)$'
e=$($CT task new --class zone-sweep)
t_err "mint aws refuses it clearly before calling STS" 1 \
    "policy 'suggested:zone-sweep' is [0-9]+ characters after minifying; STS allows 2048" \
    $CT mint aws --task "$e" --role-arn $ROLE --policy suggested:zone-sweep --endpoint "$EP"
$CT policy suggest --class zone-sweep --generalise >"$T/gen.json" 2>"$T/gen.err"
t_is "--generalise turns the 60 zones into one wildcard" "$(jq -c .Statement "$T/gen.json")" \
    '[{"Sid":"Route53","Effect":"Allow","Action":"route53:ListResourceRecordSets","Resource":"arn:aws:route53:::hostedzone/*"}]'
t_like "and says so" "$(cat "$T/gen.err")" 'generalised: route53:ListResourceRecordSets on 60 resources became wildcards'

# ---- errors ----
t_err "suggest for a class without tasks fails with one line" 1 "no task of class 'nope' in the ledger" \
    $CT policy suggest --class nope
f=$($CT task new --class quiet)
t_err "suggest for a class whose tasks made no call says there is nothing to base it on" 1 \
    "no successful AWS call of class 'quiet' in the logs: nothing to base a policy on" \
    $CT policy suggest --class quiet
t_err "mint aws --policy suggested: for a class never suggested fails with one line" 1 \
    "no suggested policy for class 'quiet' \(run 'credtrail policy suggest --class quiet'\)" \
    $CT mint aws --task "$f" --role-arn $ROLE --policy suggested:quiet --endpoint "$EP"
t_err "diff needs a task or a class" 2 "missing --task ID or --class CLASS" $CT policy diff
t_err "suggest needs a class" 2 "missing --class CLASS" $CT policy suggest
t_err "an unknown format is a usage error" 2 "unknown format 'yaml' \(aws, gcp or vault\)" \
    $CT policy suggest --class dns-check --format yaml
t_err "--runs 0 is a usage error" 2 "--runs must be at least 1" $CT policy diff --class dns-check --runs 0
t_err "a bad --since is a usage error" 2 "--since 'yesterday' is not a date" \
    $CT policy suggest --class dns-check --since yesterday
t_is "failed commands stored no suggestion" "$(t_sql 'select count(*) from policy_suggestions')" 3

t_done
