#!/usr/bin/env bash
# policy map on real CloudTrail and GCP samples (tests/fixtures/policy): the exceptions come
# out as documented, guesses are marked as guesses, --service-reference widens the table and
# checks it; the diff and suggest outputs state the guesses they rest on; a GCP class (JWT
# credentials whose subject reaches the audit log) gets a custom role; data events seen in
# the logs let "never used" be concluded for object actions.
. "$(dirname "$0")/../lib.sh"

PF=$FIX/policy
SRC_AKID=AKIDSOURCE00000001 SRC_SECRET='source/secret+key=0001'
ROLE=arn:aws:iam::123456789012:role/ironclaw-agent
TRAIL="/usr/bin/python3 $CT_TOP/tests/e2e/t0800-trail.py"

# ---- map ----
$CT policy map "$PF/cloudtrail.jsonl" >"$T/map.json"
t_is "every sample record is mapped" "$(jq length "$T/map.json")" "$(wc -l <"$PF/cloudtrail.jsonl")"
perms() { jq -c "[.[$1].permissions[] | .action]" "$T/map.json"; }
t_is "GetBucketLifecycle is s3:GetLifecycleConfiguration" "$(perms 0)" '["s3:GetLifecycleConfiguration"]'
t_is "DeleteBucketEncryption is s3:PutEncryptionConfiguration" "$(perms 2)" '["s3:PutEncryptionConfiguration"]'
t_is "CopyObject needs GetObject on the source and PutObject on the target" \
    "$(jq -c '[.[5].permissions[] | [.action, .resources[0]]]' "$T/map.json")" \
    '[["s3:GetObject","arn:aws:s3:::ransomware-test-victim-1764604156/customer-database.csv"],["s3:PutObject","arn:aws:s3:::attacker-exfil-1764604156/customer-database.csv"]]'
t_is "ListBuckets is s3:ListAllMyBuckets" "$(perms 8)" '["s3:ListAllMyBuckets"]'
t_is "RunInstances with tags also needs ec2:CreateTags, tied to the create call" \
    "$(jq -c '.[9].permissions[1] | [.action, .condition, .flags]' "$T/map.json")" \
    '["ec2:CreateTags",{"ec2:CreateAction":"RunInstances"},["dependent"]]'
t_is "an instance profile passes its role: iam:PassRole to EC2" \
    "$(jq -c '.[10].permissions[1] | [.action, .condition]' "$T/map.json")" \
    '["iam:PassRole",{"iam:PassedToService":"ec2.amazonaws.com"}]'
t_is "monitoring.amazonaws.com is the cloudwatch prefix" "$(perms 11)" '["cloudwatch:DescribeAlarms"]'
t_is "GetCallerIdentity needs no permission" \
    "$(jq -c '.[16] | [.permissions, .flags, .note]' "$T/map.json")" \
    '[[],["none-needed"],"needs no permission: always allowed"]'
t_is "an event the table does not know is mapped, and marked as a guess" \
    "$(jq -c '.[17].permissions[0] | [.action, .flags, .note]' "$T/map.json")" \
    '["config:PutDeliveryChannel",["guessed","no-resource"],"guessed: prefix from the host, action from the event name"]'

$CT policy map --service-reference "$PF/service-reference" "$PF/cloudtrail.jsonl" >"$T/mapref.json"
t_is "with the service reference the guess is confirmed instead" \
    "$(jq -c '.[17].permissions[0].flags' "$T/mapref.json")" '["no-resource","service-reference"]'
t_err "a service reference directory without service files is refused" 1 \
    "no service reference file in '$T'" $CT policy map --service-reference "$T" "$PF/cloudtrail.jsonl"
mkdir "$T/badref" && echo '{"Name": "s3", "Actions": "all"}' >"$T/badref/s3.json"
t_err "a malformed service reference names the file" 1 \
    "service reference '$T/badref/s3.json' has no Actions array" \
    $CT policy map --service-reference "$T/badref" "$PF/cloudtrail.jsonl"

$CT policy map "$PF/gcp.jsonl" >"$T/gmap.json"
t_is "GCP: a record's authorizationInfo is what it needed" \
    "$(jq -c '[.[2].permissions[] | .action] | sort' "$T/gmap.json")" \
    '["compute.disks.create","compute.instances.create","compute.instances.setServiceAccount","compute.subnetworks.use","compute.subnetworks.useExternalIp"]'
t_is "GCP: flagged as coming from it" "$(jq -c '.[4].permissions[0] | [.action, .flags]' "$T/gmap.json")" \
    '["iam.serviceAccountKeys.create",["authorization-info"]]'
echo 'not json' >"$T/junk"
t_err "a file that is no JSON is refused with one line" 1 "'$T/junk': not JSON at byte 0" \
    $CT policy map "$T/junk"

# ---- guesses stated in diff and suggest; data events ----
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_SESSION_TOKEN
export HOME=$T/home AWS_CONFIG_FILE=$T/aws/config AWS_SHARED_CREDENTIALS_FILE=$T/aws/credentials
mkdir -p "$HOME" "$T/aws"
/usr/bin/python3 "$CT_TOP/tests/e2e/stsd.py" --port-file "$T/sts.port" --log "$T/sts.log" \
    --cred "$SRC_AKID:$SRC_SECRET" &
t_atexit "kill $!"
for _ in $(seq 200); do [ -s "$T/sts.port" ] && break; sleep 0.05; done
EP=http://127.0.0.1:$(cat "$T/sts.port")/
cat >"$T/p.json" <<'EOF'
{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["config:PutDeliveryChannel","config:Describe*","s3:GetObject","s3:PutObject"],
  "Resource":"*"}]}
EOF
task=$($CT task new --class audit)
read -r ak arn <<<"$(AWS_ACCESS_KEY_ID=$SRC_AKID AWS_SECRET_ACCESS_KEY=$SRC_SECRET \
    $CT mint aws --task "$task" --role-arn $ROLE --policy "$T/p.json" --endpoint "$EP" \
    --format json | jq -r '"\(.AccessKeyId) \(.AssumedRoleArn)"')"
{
	jq -cn --arg a "$ak" --arg r "$arn" '{akid:$a, arn:$r, source:"config.amazonaws.com", name:"PutDeliveryChannel", params:{deliveryChannel:{name:"d"}}}'
	jq -cn --arg a "$ak" --arg r "$arn" '{akid:$a, arn:$r, source:"s3.amazonaws.com", name:"GetObject", params:{bucketName:"logs-1", key:"a/b.txt"}, resources:[{type:"AWS::S3::Object", ARN:"arn:aws:s3:::logs-1/a/b.txt"}]}'
} | $TRAIL "$T/trail.json"
$CT ingest "$T/trail.json" >/dev/null
later=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
$CT policy diff --task "$task" --logs-complete-until "$later" >"$T/diff.txt"
t_like "the text diff states which mappings are guesses" "$(cat "$T/diff.txt")" \
    'guessed mappings \(no table entry\):.*config:PutDeliveryChannel +from config.amazonaws.com PutDeliveryChannel'
$CT policy diff --task "$task" --logs-complete-until "$later" --json >"$T/diff.json"
t_is "a GetObject data event in the logs lets PutObject be called unused" \
    "$(jq -c '[.data_events_seen, (.groups[0] | (.granted_never_used|map(.action)), (.cannot_conclude|map(.action)), (.used_and_granted|map(.action)))]' "$T/diff.json")" \
    '[["s3.amazonaws.com"],["s3:PutObject"],["config:Describe*"],["config:PutDeliveryChannel","s3:GetObject"]]'
t_like "config:Describe* cannot be concluded: a call of its service was mapped by a guess" \
    "$(jq -r '.groups[0].cannot_conclude[0].reason' "$T/diff.json")" '^1 permission of this service was mapped by a guess$'
$CT policy suggest --class audit --no-store >"$T/s.json" 2>"$T/s.err"
t_like "suggest states on stderr the guessed mapping it rests on" "$(cat "$T/s.err")" \
    'credtrail policy suggest: guessed mapping: config:PutDeliveryChannel \(from config.amazonaws.com PutDeliveryChannel\)'
t_is "and lists it in --json" \
    "$($CT policy suggest --class audit --no-store --json | jq -c .guessed)" \
    '[{"action":"config:PutDeliveryChannel","event":"config.amazonaws.com PutDeliveryChannel"}]'
t_is "the object resource comes from the request" \
    "$(jq -c '.Statement[] | select(.Sid == "S3") | .Resource' "$T/s.json")" '"arn:aws:s3:::logs-1/a/b.txt"'
$CT policy suggest --class audit --no-store --service-reference "$PF/service-reference" >/dev/null 2>"$T/s2.err"
t_is "with the service reference it is no longer a guess" "$(grep -c 'guessed mapping' "$T/s2.err")" 0

# ---- GCP ----
$CT keygen -t ed25519 -o "$T/iss.key" >/dev/null
g=$($CT task new --class gcs-read)
tok=$($CT mint jwt --task "$g" --key "$T/iss.key" --issuer https://issuer.example --audience gcp)
sub=$(t_sql "select subject from credentials where task_id = '$g'")
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for m in storage.objects.get storage.objects.list google.iam.admin.v1.CreateServiceAccountKey; do
	svc=storage.googleapis.com; [ "${m#google.iam}" != "$m" ] && svc=iam.googleapis.com
	jq -cn --arg s "$sub" --arg m "$m" --arg svc "$svc" --arg t "$now" '{protoPayload:{"@type":"type.googleapis.com/google.cloud.audit.AuditLog", authenticationInfo:{principalSubject:$s}, serviceName:$svc, methodName:$m, resourceName:"projects/_/buckets/b1", status:{}}, insertId:$m, logName:"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access", timestamp:$t}'
done >"$T/gcp.jsonl"
$CT ingest "$T/gcp.jsonl" >/dev/null
t_is "suggest --format gcp: a custom role of the permissions the class's calls needed" \
    "$($CT policy suggest --class gcs-read --format gcp 2>/dev/null)" \
    "title: credtrail gcs-read
description: least privilege observed by credtrail over 1 task (3 calls)
stage: GA
includedPermissions:
- iam.serviceAccountKeys.create
- storage.objects.get
- storage.objects.list"
# ---- Vault: requests made with the token a JWT login gave ----
vrec() { # operation path [type]
	jq -cn --arg op "$1" --arg p "$2" --arg ty "${3:-request}" --arg s "jwt-$sub" --arg t "$now" \
	    '{time:$t, type:$ty, auth:{display_name:$s, accessor:"hmac-sha256:aa", policies:["default"]},
	      request:{id:("r-" + $op + $p), operation:$op, path:$p, mount_type:"kv", remote_address:"127.0.0.1"}}'
}
{
	vrec update auth/jwt/login
	vrec read secret/data/app/db
	vrec read secret/data/app/db response
	vrec list secret/metadata/app/
	vrec update sys/audit/file
} >"$T/vault.log"
$CT ingest "$T/vault.log" >/dev/null
nsugg=$(t_sql 'select count(*) from policy_suggestions')
t_is "suggest --format vault: one path block per path, capabilities in Vault's order, sudo where needed" \
    "$($CT policy suggest --class gcs-read --format vault 2>/dev/null)" \
    'path "secret/data/app/db" {
  capabilities = ["read"]
}

path "secret/metadata/app/" {
  capabilities = ["list"]
}

path "sys/audit/file" {
  capabilities = ["update", "sudo"]
}'
t_is "Vault suggestions are not stored" "$(t_sql 'select count(*) from policy_suggestions')" "$nsugg"
t_is "the login needed no policy and is listed as such" \
    "$($CT policy diff --class gcs-read --json | jq -c '[.groups[0].no_permission_needed[] | [.event, .why]]')" \
    '[["kv update auth/jwt/login","a login: needs no policy"]]'
t_is "the token itself is in no table" "$(t_sql "select count(*) from credentials where scope like '%$tok%'")" 0

t_done
