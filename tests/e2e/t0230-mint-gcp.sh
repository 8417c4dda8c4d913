#!/usr/bin/env bash
# mint gcp: the RFC 7523 service-account grant, checked by a local token endpoint that verifies
# the RS256 signature with python3-cryptography; token responses are printed, OAuth2 errors and
# broken answers become one line with no ledger row; bad key files are refused one by one.
. "$(dirname "$0")/../lib.sh"

rows() { t_sql "select count(*) from credentials"; }
email=agent@proj-1.iam.gserviceaccount.com
kid=4f1c0b7a9e2d3c5b6a7980f1e2d3c4b5a6978870
port=$(t_free_port)
url=http://127.0.0.1:$port/token

# a service-account key file as gcloud writes it, and its public key for the endpoint
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/sa.pem" 2>/dev/null
openssl pkey -in "$T/sa.pem" -pubout -out "$T/sa.pub"
sakey() { # FILE [jq filter]
	jq -n --rawfile pk "$T/sa.pem" --arg email $email --arg kid $kid --arg uri "$url" \
	    '{type: "service_account", project_id: "proj-1", private_key_id: $kid, private_key: $pk,
	      client_email: $email, client_id: "1234567890", token_uri: $uri}' | jq "${2:-.}" > "$1"
	chmod 600 "$1"
}
sakey "$T/sa.json"

/usr/bin/python3 "$CT_TOP/tests/e2e/t0230-token-endpoint.py" $port "$T/sa.pub" $email $kid \
    "$T/grants.log" 2>"$T/endpoint.err" &
epid=$!
t_atexit "kill $epid"
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

task=$($CT task new --class bucket-audit)
n=0

# the assertion alone: its aud is the key's token_uri, so the endpoint can judge it
assertion=$($CT mint gcp --task "$task" --sa-key "$T/sa.json")
n=$((n + 1))
t_like "without --token-url the assertion is printed" "$assertion" '^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
resp=$(/usr/bin/python3 -c '
import sys, urllib.parse, urllib.request
body = urllib.parse.urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                               "assertion": sys.argv[2]}).encode()
print(urllib.request.urlopen(sys.argv[1], body).read().decode())' "$url" "$assertion")
t_is "the endpoint accepts the printed assertion (signature checked by python3-cryptography)" \
    "$(echo "$resp" | jq -r .token_type)" Bearer
claims=$(tail -1 "$T/grants.log")
t_is "its header is RS256 with the key's private_key_id" \
    "$(echo "$claims" | jq -c .header)" "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"$kid\"}"
t_is "the default scope is cloud-platform" \
    "$(echo "$claims" | jq -r .claims.scope)" https://www.googleapis.com/auth/cloud-platform

# exchanged at --token-url
out=$($CT mint gcp --task "$task" --sa-key "$T/sa.json" --token-url "$url" \
    --scope https://www.googleapis.com/auth/devstorage.read_only --scope https://www.googleapis.com/auth/logging.read)
n=$((n + 1))
t_is "with --token-url the token response is printed" \
    "$(echo "$out" | jq -c '[(.access_token | startswith("ya29.test-")), .expires_in, .token_type]')" '[true,3599,"Bearer"]'
g=$(tail -1 "$T/grants.log")
row=$(t_sql "select kind, principal, jti, subject, issuer, audience, scope, key_id, issued_us / 1000000,
    (expires_us - issued_us) / 1000000, task_id from credentials order by id desc limit 1")
IFS='|' read -r kind principal jti subject issuer audience scope rkid issued life rtask <<<"$row"
t_is "the endpoint saw exactly the claims the ledger records" \
    "$(echo "$g" | jq -c .claims)" \
    "{\"iss\":\"$email\",\"sub\":\"$email\",\"aud\":\"$url\",\"scope\":\"$scope\",\"iat\":$issued,\"exp\":$((issued + 900)),\"jti\":\"$jti\",\"ironclaw_task_id\":\"$task\",\"ironclaw_task_class\":\"bucket-audit\",\"ironclaw_principal\":\"$principal\"}"
t_is "the ledger row: kind, subject, issuer, audience, key id" \
    "$kind $subject $issuer $audience $rkid $rtask" "gcp $email $email $url $kid $task"
t_is "the scopes are space-joined in order" "$scope" \
    "https://www.googleapis.com/auth/devstorage.read_only https://www.googleapis.com/auth/logging.read"
t_like "the principal names the task" "$principal" "^ironclaw-task-$task-[0-9a-f]{8}\$"
t_is "the recorded expiry is the access token's (expires_in)" "$life" 3599
t_ok "the access token is nowhere in the ledger files" \
    bash -c "! grep -qaF -- '$(echo "$out" | jq -r .access_token)' '$T'/ledger.db*"
out=$($CT mint gcp --task "$task" --sa-key "$T/sa.json" --token-url "$url" --ttl 1h --json)
n=$((n + 1))
t_is "--ttl 1h makes a one-hour assertion" "$(tail -1 "$T/grants.log" | jq '.claims.exp - .claims.iat')" 3600
t_is "--json carries the join keys and the token response" \
    "$(echo "$out" | jq -r '[.jti, .key_id, .client_email, .token_response.token_type] | join(" ")')" \
    "$(t_sql "select jti from credentials order by id desc limit 1") $kid $email Bearer"
t_is "every successful mint is one row" "$(rows)" $n

# answers that are not a token: one line each, no row
mint() { $CT mint gcp --task "$task" --sa-key "$T/sa.json" "$@"; }
t_err "an OAuth2 invalid_grant answer is one clear line" 1 \
    "token endpoint refused the grant \\(HTTP 400\\): invalid_grant: Invalid grant: account not found\$" \
    mint --token-url "http://127.0.0.1:$port/invalid"
t_err "an answer that is not JSON is refused" 1 "token endpoint answer is not a JSON object" \
    mint --token-url "http://127.0.0.1:$port/garbage"
t_err "an HTTP 500 without an OAuth2 document is refused" 1 "token endpoint answered HTTP 500 without an OAuth2 error document" \
    mint --token-url "http://127.0.0.1:$port/500"
t_err "an answer without access_token is refused" 1 "token endpoint answer has no access_token" \
    mint --token-url "http://127.0.0.1:$port/noaccess"
t_err "an oversized answer is refused" 1 "token endpoint answer is larger than 65536 bytes" \
    mint --token-url "http://127.0.0.1:$port/big"
closed=$(t_free_port)
t_err "an unreachable endpoint is refused" 1 "cannot reach 'http://127.0.0.1:$closed/token'" \
    mint --token-url "http://127.0.0.1:$closed/token"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/other.pem" 2>/dev/null
jq --rawfile pk "$T/other.pem" '.private_key = $pk' "$T/sa.json" > "$T/other.json"
chmod 600 "$T/other.json"
t_err "a grant signed with another key is refused by the endpoint" 1 \
    "refused the grant \\(HTTP 400\\): invalid_grant: Invalid JWT Signature\\.\$" \
    $CT mint gcp --task "$task" --sa-key "$T/other.json" --token-url "$url"
t_is "no refused exchange left a ledger row" "$(rows)" $n

# bad key files and options
cp "$T/sa.json" "$T/loose.json" && chmod 644 "$T/loose.json"
t_err "a key file readable by others is refused" 1 "private key '.*loose.json' is accessible by others \\(mode 0644\\)" \
    $CT mint gcp --task "$task" --sa-key "$T/loose.json"
bad() { # DESC REGEX JQ-FILTER
	sakey "$T/bad.json" "$3"
	t_err "$1" 1 "$2" $CT mint gcp --task "$task" --sa-key "$T/bad.json"
}
bad "a key file holding a JSON string is refused" "service-account key '.*bad.json' is not JSON" '"x"'
echo '{"type": ' > "$T/bad.json"
t_err "a truncated key file is refused" 1 "service-account key '.*bad.json' is not JSON \\(line" \
    $CT mint gcp --task "$task" --sa-key "$T/bad.json"
bad "a user credential is not a service-account key" "is a \"authorized_user\" credential, not a service_account key" \
    '.type = "authorized_user"'
bad "a key without client_email is refused" "has no \"client_email\"" 'del(.client_email)'
bad "a client_email that is no address is refused" "\"client_email\" is not an e-mail address" '.client_email = "agent"'
bad "a key without private_key is refused" "has no \"private_key\"" 'del(.private_key)'
bad "a key without private_key_id is refused" "has no \"private_key_id\"" 'del(.private_key_id)'
bad "a key without token_uri is refused" "has no \"token_uri\"" 'del(.token_uri)'
bad "a plain-http token_uri off loopback is refused" "token_uri 'http://oauth2.example/token' must use https" \
    '.token_uri = "http://oauth2.example/token"'
bad "a private_key that is not a key is refused" "cannot read private key '.*bad.json \\(private_key\\)'" \
    '.private_key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"'
openssl genpkey -algorithm ed25519 -out "$T/ed.pem"
bad "an Ed25519 private_key is refused: Google's grant is RS256" "private_key is ed25519, not RSA" \
    ".private_key = $(jq -Rs . < "$T/ed.pem")"
t_err "an unknown task is refused" 1 "no task 'nosuchtask' in the ledger" \
    $CT mint gcp --task nosuchtask --sa-key "$T/sa.json"
t_err "a scope with a space is refused" 1 "scope 'a b' has an invalid character at position 2" mint --scope 'a b'
t_err "a plain-http token URL off loopback is refused" 1 "token URL 'http://example.com/token' must use https" \
    mint --token-url http://example.com/token
t_err "a TTL over an hour is a usage error" 2 "--ttl 7200s is out of range \\(1m to 1h\\)" mint --ttl 2h
t_err "--sa-key is required" 2 "missing --sa-key KEY.json" $CT mint gcp --task "$task"
t_is "no refused mint left a ledger row" "$(rows)" $n

t_done
