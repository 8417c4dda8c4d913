#!/usr/bin/env bash
# mint aws failures: every STS error answer, a malformed answer, a signature the server's
# botocore check rejects, bad ARNs, session names, lifetimes and policies, missing source
# credentials and an unreachable endpoint - each one line on stderr, exit 1 (2 for usage),
# nothing on stdout, and no ledger row.
. "$(dirname "$0")/../lib.sh"

SRC_AKID=AKIDSOURCE00000001 SRC_SECRET=sourcesecret0001
ROLE=arn:aws:iam::123456789012:role/ironclaw-agent

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION \
    AWS_DEFAULT_REGION AWS_DEFAULT_PROFILE
export HOME=$T/home AWS_CONFIG_FILE=$T/aws/config AWS_SHARED_CREDENTIALS_FILE=$T/aws/credentials
mkdir -p "$HOME" "$T/aws"

/usr/bin/python3 "$CT_TOP/tests/e2e/stsd.py" --port-file "$T/sts.port" --log "$T/sts.log" \
    --cred "$SRC_AKID:$SRC_SECRET" &
t_atexit "kill $!"
for _ in $(seq 200); do [ -s "$T/sts.port" ] && break; sleep 0.05; done
EP=http://127.0.0.1:$(cat "$T/sts.port")/
nlog() { wc -l <"$T/sts.log" 2>/dev/null || echo 0; }
rows() { t_sql "select count(*) from credentials"; }
role() { echo "arn:aws:iam::123456789012:role/$1"; }

task=$($CT task new --class dns-check)
export AWS_ACCESS_KEY_ID=$SRC_AKID AWS_SECRET_ACCESS_KEY=$SRC_SECRET
mint() { $CT mint aws --task "$task" --endpoint "$EP" "$@"; }

# ---- STS says no ----
declare -A said=(
	[AccessDenied]="User: arn:aws:iam::123456789012:user/source is not authorized to perform: sts:AssumeRole on resource: $(role fail-AccessDenied)"
	[ExpiredToken]="The security token included in the request is expired"
	[RegionDisabledException]="STS is not activated in this region for account:123456789012. Your account administrator can activate STS in this region using the IAM Console."
	[MalformedPolicyDocument]="Syntax errors in policy."
	[PackedPolicyTooLarge]="Packed size of consumed policies exceeds 100%"
	[ValidationError]="ValidationError (forced by stsd)"
)
for code in AccessDenied ExpiredToken RegionDisabledException MalformedPolicyDocument \
    PackedPolicyTooLarge ValidationError; do
	n=$(nlog)
	mint --role-arn "$(role fail-$code)" >"$T/out" 2>"$T/err"; rc=$?
	t_is "STS $code: exit 1, one line naming the code and STS's message, nothing on stdout" \
	    "$rc|$(cat "$T/err")|$(cat "$T/out")" \
	    "1|credtrail mint aws: sts refused AssumeRole: $code: ${said[$code]}|"
	t_is "STS $code: the request was made and signed correctly" "$(($(nlog) - n)):$(tail -n1 "$T/sts.log" | jq -c .signature_ok)" "1:true"
done
t_err "an answer cut off mid-document is malformed XML" 1 \
    "^credtrail mint aws: sts answer to AssumeRole: malformed XML: truncated inside <SecretAcc>?|truncated" \
    mint --role-arn "$(role fail-malformed-xml)"
t_err "an answer that is not XML at all is refused" 1 \
    "^credtrail mint aws: sts answer to AssumeRole: malformed XML: text outside the root element$" \
    mint --role-arn "$(role fail-not-xml)"
t_err "an answer over the 256 KiB limit is refused, not read to the end" 1 \
    "^credtrail mint aws: response from '$EP' is larger than 262144 bytes$" \
    mint --role-arn "$(role fail-huge)"
n=$(nlog)
t_err "a redirect is not followed" 1 \
    "^credtrail mint aws: sts answered HTTP 307 to AssumeRole without an STS error document$" \
    mint --role-arn "$(role fail-redirect)"
t_is "so STS saw one request only" "$(($(nlog) - n))" 1
t_ok "a proxy in the environment is not used for STS" \
    env http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 all_proxy=http://127.0.0.1:9 \
    $CT mint aws --task "$task" --endpoint "$EP" --role-arn $ROLE
t_is "that mint is the only ledger row so far" "$(rows)" 1
t_err "a request signed with the wrong secret fails botocore's check at the server" 1 \
    "^credtrail mint aws: sts refused AssumeRole: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided\.$" \
    env AWS_SECRET_ACCESS_KEY=not-the-secret $CT mint aws --task "$task" --role-arn $ROLE --endpoint "$EP"
t_is "and the server logged it as a bad signature" "$(tail -n1 "$T/sts.log" | jq -c '[.signature_ok, .status]')" "[false,403]"
t_err "an unknown source key is InvalidClientTokenId" 1 \
    "sts refused AssumeRole: InvalidClientTokenId: The security token included in the request is invalid\.$" \
    env AWS_ACCESS_KEY_ID=AKIDUNKNOWN0000001 $CT mint aws --task "$task" --role-arn $ROLE --endpoint "$EP"
t_is "no STS failure left a ledger row" "$(rows)" 1

# ---- refused before anything is sent ----
n=$(nlog)
for c in "ironclaw-agent|not an ARN" \
    "arn:aws:iam::1234:role/a|the account must be 12 digits" \
    "arn:aws:iam::123456789012:user/a|resource is not role/<name>" \
    "arn:aws:sts::123456789012:assumed-role/a/b|not an IAM ARN" \
    "arn:aws:iam::123456789012:role/bad name|invalid character in the role name" \
    "arn:azure:iam::123456789012:role/a|partition must be aws, aws-cn or aws-us-gov"; do
	arn=${c%%|*} why=${c#*|}
	t_err "a bad role ARN is refused: $why" 1 "^credtrail mint aws: invalid role ARN '$arn': $why" \
	    mint --role-arn "$arn"
done
long=$($CT task new --id 0123456789012345678901234567890123456789)
t_err "a session name over 64 characters (long --prefix and task id) is refused" 1 \
    "principal 'abcdefghijklmnop-task-$long-[0-9a-f]{8}' is longer than 64 characters" \
    $CT mint aws --task "$long" --role-arn $ROLE --endpoint "$EP" --prefix abcdefghijklmnop
t_err "a prefix with characters outside the session-name alphabet is refused" 1 \
    "prefix 'iron claw' may hold only letters and digits" mint --role-arn $ROLE --prefix 'iron claw'
t_err "a task id with a character AWS forbids in session names is refused" 1 \
    "task id 'a/b' has an invalid character at position 2" \
    $CT mint aws --task a/b --role-arn $ROLE --endpoint "$EP"
t_err "--ttl under 900 seconds is refused" 1 "^credtrail mint aws: --ttl 300: STS allows 900 to 43200 seconds$" \
    mint --role-arn $ROLE --ttl 300
t_err "--ttl over 12 hours is refused" 1 "--ttl 46800: STS allows 900 to 43200 seconds" \
    mint --role-arn $ROLE --ttl 13h
echo '{"Version": "2012-10-17", "Statement": [' >"$T/bad.json"
t_err "a policy file that is not JSON is refused" 1 "policy '.*bad.json' is not JSON: .*\(line 2\)" \
    mint --role-arn $ROLE --policy "$T/bad.json"
echo '["not", "an", "object"]' >"$T/array.json"
t_err "a policy that is not a JSON object is refused" 1 "policy '.*array.json' is not a JSON object" \
    mint --role-arn $ROLE --policy "$T/array.json"
printf '{"Version":"2012-10-17","Sid":"%03000d"}' 0 >"$T/big.json"
t_err "a policy over STS's 2048 characters is refused" 1 \
    "is $(jq -j -c . "$T/big.json" | wc -m) characters after minifying; STS allows 2048" \
    mint --role-arn $ROLE --policy "$T/big.json"
t_err "a missing policy file is refused" 1 "cannot open '.*nope.json'" \
    mint --role-arn $ROLE --policy "$T/nope.json"
t_err "an unknown task is refused" 1 "no task 'nosuchtask' in the ledger" \
    $CT mint aws --task nosuchtask --role-arn $ROLE --endpoint "$EP"
t_err "an endpoint that is not http(s) is refused" 1 "endpoint 'ftp://127.0.0.1/' is not http:// or https://" \
    mint --role-arn $ROLE --endpoint ftp://127.0.0.1/
t_err "an unknown output format is a usage error" 2 "unknown format 'yaml'" \
    mint --role-arn $ROLE --format yaml
t_err "a missing --role-arn is a usage error" 2 "missing --role-arn ARN" $CT mint aws --task "$task"
t_is "none of these reached STS" "$(nlog)" "$n"

# ---- no source credentials ----
t_err "no credentials anywhere: one line saying where they were looked for" 1 \
    "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give a profile in '$T/aws/credentials'" \
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY $CT mint aws --task "$task" --role-arn $ROLE --endpoint "$EP"
t_err "an access key id without its secret is refused" 1 "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not" \
    env -u AWS_SECRET_ACCESS_KEY $CT mint aws --task "$task" --role-arn $ROLE --endpoint "$EP"
t_err "an unknown --profile is refused" 1 "profile 'nope' is not in '$T/aws/credentials' or '$T/aws/config'" \
    mint --role-arn $ROLE --profile nope
printf '[default]\naws_access_key_id = AKID\nthis line is broken\n' >"$T/aws/credentials"
t_err "a broken shared credentials file is named with its line" 1 \
    "'$T/aws/credentials':3: expected 'key = value' or '\[section\]'" \
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY $CT mint aws --task "$task" --role-arn $ROLE --endpoint "$EP"
printf '[default]\nregion = eu-west-1\n[broken\n' >"$T/aws/config"
t_err "a broken config file is named with its line even with keys in the environment" 1 \
    "'$T/aws/config':3: section header without '\]'" mint --role-arn $ROLE
rm "$T/aws/config"

# ---- nobody there ----
port=$(t_free_port)
t_err "an unreachable endpoint is one line naming it" 1 \
    "^credtrail mint aws: cannot reach 'http://127.0.0.1:$port/': Couldn't connect to server$" \
    mint --role-arn $ROLE --endpoint "http://127.0.0.1:$port/"

t_is "after all of it the ledger holds only the one successful mint" "$(rows)" 1
t_done
