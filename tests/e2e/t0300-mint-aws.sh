#!/usr/bin/env bash
# mint aws against a local STS endpoint (tests/e2e/stsd.py) that checks every request's
# SigV4 signature with botocore's own signer: what STS received (session name, source
# identity, tags, policy, duration), the ledger row's join keys equal STS's answer, no secret
# reaches the ledger, and the real AWS CLI uses the output both as credential_process and
# through eval of the env form (its get-caller-identity is signed with the session keys and
# verified by the server too).  AssumeRoleWithWebIdentity with a credtrail JWT.
. "$(dirname "$0")/../lib.sh"

AWS=/usr/bin/aws	# `aws` on PATH may be a pyenv shim
SRC_AKID=AKIDSOURCE00000001 SRC_SECRET='source/secret+key=0001'
TOK_AKID=AKIDSOURCETOKEN001 TOK_SECRET=tokensecret TOK_TOKEN='FQoGZXIvYXdzEtoken+/='
ROLE=arn:aws:iam::123456789012:role/ironclaw-agent

# Nothing of the machine's own AWS set-up is read: every file and variable lives in $T.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION \
    AWS_DEFAULT_REGION AWS_DEFAULT_PROFILE AWS_CA_BUNDLE
export HOME=$T/home AWS_CONFIG_FILE=$T/aws/config AWS_SHARED_CREDENTIALS_FILE=$T/aws/credentials
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
mkdir -p "$HOME" "$T/aws"

/usr/bin/python3 "$CT_TOP/tests/e2e/stsd.py" --port-file "$T/sts.port" --log "$T/sts.log" \
    --cred "$SRC_AKID:$SRC_SECRET" --cred "$TOK_AKID:$TOK_SECRET:$TOK_TOKEN" &
t_atexit "kill $!"
for _ in $(seq 200); do [ -s "$T/sts.port" ] && break; sleep 0.05; done
EP=http://127.0.0.1:$(cat "$T/sts.port")/
last() { tail -n 1 "$T/sts.log" | jq -c "$1"; }
lastr() { tail -n 1 "$T/sts.log" | jq -r "$1"; }
nlog() { wc -l <"$T/sts.log"; }

task=$($CT task new --class dns-check)
plain=$($CT task new)
cat >"$T/policy.json" <<'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow",
      "Action": ["route53:ListHostedZones", "route53:GetHostedZone", "route53:ListResourceRecordSets"],
      "Resource": "*" }
  ]
}
EOF

# ---- AssumeRole with environment credentials, --format json ----
out=$(AWS_ACCESS_KEY_ID=$SRC_AKID AWS_SECRET_ACCESS_KEY=$SRC_SECRET \
    $CT mint aws --task "$task" --role-arn $ROLE --policy "$T/policy.json" --ttl 30m \
    --endpoint "$EP" --region eu-west-1 --format json 2>"$T/err"); rc=$?
t_is "mint aws succeeds against the local STS" "$rc" 0
t_is "and says nothing on stderr" "$(cat "$T/err")" ""
t_is "STS received one AssumeRole whose signature botocore verified with the source key" \
    "$(last '[.action, .signature_ok, .access_key_id, .status]')" "[\"AssumeRole\",true,\"$SRC_AKID\",200]"
session=$(lastr .RoleSessionName)
t_like "RoleSessionName is ironclaw-task-<task>-<8 hex>" "$session" "^ironclaw-task-$task-[0-9a-f]{8}\$"
t_is "SourceIdentity is the same principal" "$(lastr .SourceIdentity)" "$session"
t_is "the session carries both task tags" "$(last .tags)" \
    "{\"ironclaw:task-class\":\"dns-check\",\"ironclaw:task-id\":\"$task\"}"
t_is "the session policy arrives as the policy document, minified" "$(lastr .Policy)" \
    "$(jq -c . "$T/policy.json")"
t_is "DurationSeconds is --ttl" "$(lastr .DurationSeconds)" 1800
t_is "RoleArn is --role-arn" "$(lastr .RoleArn)" "$ROLE"
t_is "the request was scoped to the region given" \
    "$(lastr .host)" "127.0.0.1:$(cat "$T/sts.port")"

ans=$(tail -n 1 "$T/sts.log" | jq -c .answer)
t_is "the output's keys, session and role ARN are STS's answer" \
    "$(jq -c '[.Version, .AccessKeyId, .Expiration, .RoleSessionName, .AssumedRoleArn, .AssumedRoleId, .SourceIdentity, .Task]' <<<"$out")" \
    "$(jq -c --arg s "$session" --arg t "$task" '[1, .AccessKeyId, .Expiration, $s, .Arn, .AssumedRoleId, .SourceIdentity, $t]' <<<"$ans")"
secret=$(jq -r .SecretAccessKey <<<"$out") token=$(jq -r .SessionToken <<<"$out")
t_like "the output holds the session's secret key and token" "$secret:${#token}" '^[A-Za-z0-9+/]{40}:[0-9]{3}$'

row=$(t_sql "select task_id, kind, principal, access_key_id, session_name, source_identity,
    role_arn, assumed_role_arn, expires_us / 1000000, scope_sha256 from credentials")
exp=$(cut -d'|' -f9 <<<"$row")
row=${row/|$exp|/|$(date -u -d "@$exp" +%Y-%m-%dT%H:%M:%SZ)|}
t_is "the ledger row holds STS's join keys, the role and the expiry" "$row" \
    "$task|aws|$session|$(jq -r .AccessKeyId <<<"$ans")|$session|$session|$ROLE|$(jq -r .Arn <<<"$ans")|$(jq -r .Expiration <<<"$ans")|$(printf '%s' "$(jq -c . "$T/policy.json")" | sha256sum | cut -c1-64)"
t_is "the ledger's scope is exactly the policy STS received" \
    "$(t_sql 'select scope from credentials')" "$(lastr .Policy)"
t_is "the ledger extra records action, region and packed policy size" \
    "$(t_sql 'select extra from credentials' | jq -c '[.action, .region, .packed_policy_size > 0, .endpoint]')" \
    "[\"AssumeRole\",\"eu-west-1\",true,\"$EP\"]"
sync
t_is "neither the secret key nor the session token is anywhere in the ledger files" \
    "$(t_store_dump | grep -c -F -e "$secret" -e "$token")" 0

# ---- a task without a class, no policy, default ttl, profile credentials ----
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF
[default]
aws_access_key_id = AKIDNOTTHISONE0001
aws_secret_access_key = wrong

[src]
aws_access_key_id = $SRC_AKID
aws_secret_access_key = $SRC_SECRET
EOF
cat >"$AWS_CONFIG_FILE" <<EOF
[profile src]
region = ap-southeast-2
EOF
out=$($CT mint aws --task "$plain" --role-arn $ROLE --endpoint "$EP" --profile src)
t_is "--profile takes the source keys from the shared credentials file" \
    "$(last '[.signature_ok, .access_key_id]')" "[true,\"$SRC_AKID\"]"
t_is "a task without a class gets only the task-id tag" "$(last .tags)" "{\"ironclaw:task-id\":\"$plain\"}"
t_is "without --policy no Policy is sent and the ledger scope is empty" \
    "$(last .Policy)|$(t_sql "select count(*) from credentials where task_id = '$plain' and scope is null")" "null|1"
t_is "the default lifetime is 15 minutes" "$(lastr .DurationSeconds)" 900
t_is "the region comes from the profile's config" \
    "$(t_sql "select extra from credentials where task_id = '$plain'" | jq -r .region)" ap-southeast-2
t_is "credential-process output is exactly the five fields the AWS CLI reads" \
    "$(jq -c '[keys_unsorted, .Version, (.AccessKeyId == $a)]' --arg a "$(jq -r .answer.AccessKeyId <<<"$(tail -n1 "$T/sts.log")")" <<<"$out")" \
    '[["Version","AccessKeyId","SecretAccessKey","SessionToken","Expiration"],1,true]'

# ---- source credentials that are themselves a session (AWS_SESSION_TOKEN) ----
t_ok "source credentials with a session token sign with X-Amz-Security-Token" \
    env AWS_ACCESS_KEY_ID=$TOK_AKID AWS_SECRET_ACCESS_KEY=$TOK_SECRET AWS_SESSION_TOKEN=$TOK_TOKEN \
    $CT mint aws --task "$plain" --role-arn $ROLE --endpoint "$EP"
t_is "and STS verified both the signature and the token" \
    "$(last '[.signature_ok, .access_key_id, .status]')" "[true,\"$TOK_AKID\",200]"

# ---- the AWS CLI: credential_process ----
# (--ttl 1h: botocore re-runs credential_process for credentials that expire within 15
# minutes, so a 15-minute session would be minted twice per command)
cat >"$AWS_CONFIG_FILE" <<EOF
[profile src]
region = us-east-1

[profile agent]
region = us-east-1
credential_process = $CT mint aws --task $task --role-arn $ROLE --endpoint $EP --profile src --ttl 1h --format credential-process
EOF
before=$(t_sql "select count(*) from credentials")
id=$($AWS --profile agent sts get-caller-identity --endpoint-url "${EP%/}" --output json 2>"$T/err")
t_is "aws sts get-caller-identity through credential_process succeeds" "$?:$(cat "$T/err")" "0:"
proc_session=$(t_sql "select session_name from credentials order by id desc limit 1")
t_is "credential_process minted one new ledger row" "$(t_sql "select count(*) from credentials")" $((before + 1))
t_is "the AWS CLI is the assumed role of the session credtrail minted" "$(jq -r .Arn <<<"$id")" \
    "arn:aws:sts::123456789012:assumed-role/ironclaw-agent/$proc_session"
t_is "its request was signed with the session keys and verified by botocore" \
    "$(last '[.action, .signature_ok, .access_key_id]')" \
    "[\"GetCallerIdentity\",true,\"$(t_sql "select access_key_id from credentials order by id desc limit 1")\"]"

# ---- the AWS CLI: eval of the env form ----
env_out=$(AWS_PROFILE=src $CT mint aws --task "$task" --role-arn $ROLE --endpoint "$EP" --format env)
t_like "the env form is four export lines" "$(printf '%s\n' "$env_out" | cut -d= -f1 | tr '\n' ' ')" \
    '^export AWS_ACCESS_KEY_ID export AWS_SECRET_ACCESS_KEY export AWS_SESSION_TOKEN export AWS_CREDENTIAL_EXPIRATION $'
env_session=$(t_sql "select session_name from credentials order by id desc limit 1")
id=$(eval "$env_out"; $AWS sts get-caller-identity --region us-east-1 --endpoint-url "${EP%/}" --output json)
t_is "after eval, the AWS CLI is the session's assumed role" "$(jq -r .Arn <<<"$id")" \
    "arn:aws:sts::123456789012:assumed-role/ironclaw-agent/$env_session"
t_is "and its request verified with the session keys" "$(last '[.action, .signature_ok]')" '["GetCallerIdentity",true]'

# ---- AssumeRoleWithWebIdentity with a credtrail JWT ----
$CT keygen -t ed25519 -o "$T/oidc.key" >/dev/null
$CT mint jwt --task "$task" --key "$T/oidc.key" --issuer https://issuer.test/ct \
    --audience sts.amazonaws.com >"$T/token.jwt"
n=$(nlog)
out=$(env -u AWS_SHARED_CREDENTIALS_FILE -u AWS_CONFIG_FILE $CT mint aws --task "$task" \
    --role-arn $ROLE --web-identity "$T/token.jwt" --endpoint "$EP" --format json 2>"$T/err")
t_is "mint aws --web-identity succeeds without any AWS credentials" "$?:$(cat "$T/err")" "0:"
t_is "STS received an unsigned AssumeRoleWithWebIdentity without tags or SourceIdentity" \
    "$(last '[.action, .signed, .unexpected, .status]')" '["AssumeRoleWithWebIdentity",false,[],200]'
wsession=$(lastr .RoleSessionName)
t_like "its RoleSessionName is the task principal" "$wsession" "^ironclaw-task-$task-[0-9a-f]{8}\$"
t_is "the token STS got is the task's JWT" "$(last '[.token_claims.ironclaw_task_id, .token_claims.aud]')" \
    "[\"$task\",\"sts.amazonaws.com\"]"
t_is "the ledger row's join keys are STS's answer (no source identity from this token)" \
    "$(t_sql "select access_key_id, session_name, coalesce(source_identity, 'NULL'), assumed_role_arn from credentials order by id desc limit 1")" \
    "$(lastr '.answer.AccessKeyId')|$wsession|NULL|$(lastr .answer.Arn)"
t_is "the ledger extra names the action and the token's subject" \
    "$(t_sql 'select extra from credentials order by id desc limit 1' | jq -c '[.action, (.web_identity_subject | startswith("ironclaw-task-"))]')" \
    '["AssumeRoleWithWebIdentity",true]'
t_is "STS was called once" "$(nlog)" $((n + 1))

other=$($CT task new)
n=$(nlog) rows=$(t_sql "select count(*) from credentials")
t_err "a token minted for another task is refused before STS is called" 1 \
    "the JWT in '.*token.jwt' is for task '$task', not '$other'" \
    $CT mint aws --task "$other" --role-arn $ROLE --web-identity "$T/token.jwt" --endpoint "$EP"
echo "not.a-jwt" >"$T/junk.jwt"
t_err "a token file that is no JWT is refused" 1 "'.*junk.jwt' does not hold a JWT" \
    $CT mint aws --task "$task" --role-arn $ROLE --web-identity "$T/junk.jwt" --endpoint "$EP"
t_is "neither reached STS nor the ledger" "$(nlog):$(t_sql "select count(*) from credentials")" "$n:$rows"

t_done
