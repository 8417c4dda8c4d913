#!/usr/bin/env bash
# oidc init and mint jwt: node's jose verifies every token (EdDSA, ES256, RS256) against the
# JWKS that oidc init wrote, with issuer and audience; the claims are exactly the ledger row;
# tokens from another key or with a changed payload are rejected; bad input fails cleanly.
. "$(dirname "$0")/../lib.sh"

export NODE_PATH=$CT_TOP/tests/node/node_modules
verify() { # JWKS ISSUER AUDIENCE < TOKEN
	node "$CT_TOP/tests/e2e/t0210-jose-verify.cjs" "$@"
}
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
rows() { t_sql "select count(*) from credentials"; }
iss=https://issuer.test/credtrail

task=$($CT task new --class dns-check)
plain=$($CT task new)
n=0
for ty in ed25519 ecdsa-p256 rsa-3072; do
	case $ty in ed25519) alg=EdDSA ;; ecdsa-p256) alg=ES256 ;; rsa-3072) alg=RS256 ;; esac
	$CT keygen -t $ty -o "$T/k-$ty" >/dev/null
	t_ok "oidc init writes the documents for a $ty key" \
	    $CT oidc init --issuer $iss --key "$T/k-$ty" --out "$T/web-$ty"
	conf=$T/web-$ty/.well-known/openid-configuration
	t_is "the discovery document names issuer, JWKS and $alg" \
	    "$(jq -c '[.issuer, .jwks_uri, .id_token_signing_alg_values_supported, .response_types_supported, .subject_types_supported]' "$conf")" \
	    "[\"$iss\",\"$iss/jwks.json\",[\"$alg\"],[\"id_token\"],[\"public\"]]"
	t_is "the JWKS holds one public $ty key: no private member" \
	    "$(jq -c '[(.keys | length), (.keys[0] | has("d") or has("p") or has("q") or has("dp")), .keys[0].use, .keys[0].alg]' "$T/web-$ty/jwks.json")" \
	    "[1,false,\"sig\",\"$alg\"]"
	t_is "the documents are world-readable files" \
	    "$(stat -c %a "$conf" "$T/web-$ty/jwks.json" | tr '\n' ' ')" "644 644 "

	tok=$($CT mint jwt --task "$task" --key "$T/k-$ty" --issuer $iss --audience sts.amazonaws.com)
	n=$((n + 1))
	out=$(verify "$T/web-$ty/jwks.json" $iss sts.amazonaws.com <<<"$tok")
	t_like "jose verifies the $alg token against the JWKS" "$out" '^\{"header"'
	row=$(t_sql "select principal, jti, subject, issuer, audience, key_id, issued_us / 1000000,
	    expires_us / 1000000, scope from credentials order by id desc limit 1")
	IFS='|' read -r principal jti subject issuer audience kid issued expires scope <<<"$row"
	t_like "the principal is <prefix>-task-<task>-<nonce> ($alg)" "$principal" "^ironclaw-task-$task-[0-9a-f]{8}\$"
	t_is "the verified claims are exactly the ledger row's ($alg)" \
	    "$(echo "$out" | jq -c '.payload')" \
	    "{\"iss\":\"$iss\",\"sub\":\"$principal\",\"aud\":\"sts.amazonaws.com\",\"iat\":$issued,\"nbf\":$issued,\"exp\":$expires,\"jti\":\"$jti\",\"ironclaw_task_id\":\"$task\",\"ironclaw_task_class\":\"dns-check\"}"
	t_is "the ledger subject, issuer and audience are the token's ($alg)" \
	    "$subject $issuer $audience" "$principal $iss sts.amazonaws.com"
	t_is "the header has the algorithm and the kid that jose computes as the RFC 7638 thumbprint ($alg)" \
	    "$(echo "$out" | jq -r '[.header.alg, .header.kid, .thumbprint] | join(" ")')" "$alg $kid $kid"
	t_is "the token lives 15 minutes by default ($alg)" "$((expires - issued))" 900
	t_like "the jti is 128 bits of base64url ($alg)" "$jti" '^[A-Za-z0-9_-]{22}$'
	t_is "the ledger scope is the claims other than times ($alg)" \
	    "$(echo "$scope" | jq -cS .)" "$(echo "$out" | jq -cS '.payload | del(.iat, .nbf, .exp)')"
	sig=${tok##*.}
	t_ok "the token itself is nowhere in the ledger files ($alg)" \
	    bash -c "! grep -qaF -- '$sig' '$T'/ledger.db*"
	cp "$T/k-$ty" "$T/last-key"
	lastty=$ty
done

# the jose verifier can say no
tok=$($CT mint jwt --task "$task" --key "$T/k-ed25519" --issuer $iss --audience sts.amazonaws.com)
n=$((n + 1))
t_is "jose rejects the token for another audience" \
    "$(verify "$T/web-ed25519/jwks.json" $iss other <<<"$tok")" "REJECTED ERR_JWT_CLAIM_VALIDATION_FAILED"
t_is "jose rejects the token against another issuer's JWKS (no key with its kid)" \
    "$(verify "$T/web-ecdsa-p256/jwks.json" $iss sts.amazonaws.com <<<"$tok")" "REJECTED ERR_JWKS_NO_MATCHING_KEY"
$CT keygen -t ed25519 -o "$T/other" >/dev/null
$CT oidc init --issuer $iss --key "$T/other" --out "$T/web-other" >/dev/null
kid=$(jq -r .keys[0].kid "$T/web-ed25519/jwks.json")
jq --arg kid "$kid" '.keys[0].kid = $kid' "$T/web-other/jwks.json" > "$T/impostor.json"
t_is "jose rejects the token signed with another key (same kid, other key)" \
    "$(verify "$T/impostor.json" $iss sts.amazonaws.com <<<"$tok")" "REJECTED ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
IFS=. read -r h p s <<<"$tok"
p2=$(printf '%s' "$p" | tr -- '-_' '+/' | base64 -d 2>/dev/null | jq -c '.sub = "ironclaw-task-other-00000000"' | b64url)
t_is "jose rejects the token with a changed payload" \
    "$(verify "$T/web-ed25519/jwks.json" $iss sts.amazonaws.com <<<"$h.$p2.$s")" "REJECTED ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
t_like "and verifies the original" "$(verify "$T/web-ed25519/jwks.json" $iss sts.amazonaws.com <<<"$tok")" '^\{"header"'

# options
tok=$($CT mint jwt --task "$plain" --key "$T/k-ecdsa-p256" --issuer $iss --audience a --ttl 1h --prefix acme)
n=$((n + 1))
out=$(verify "$T/web-ecdsa-p256/jwks.json" $iss a <<<"$tok")
t_is "a task without a class gets no ironclaw_task_class claim" \
    "$(echo "$out" | jq -c '.payload | [has("ironclaw_task_class"), .ironclaw_task_id]')" "[false,\"$plain\"]"
t_like "--prefix sets the principal's prefix" "$(echo "$out" | jq -r .payload.sub)" "^acme-task-$plain-[0-9a-f]{8}\$"
t_is "--ttl 1h gives an hour" "$(echo "$out" | jq '.payload.exp - .payload.iat')" 3600
out=$($CT mint jwt --task "$task" --key "$T/k-rsa-3072" --issuer $iss --audience b -o "$T/tok.jwt")
n=$((n + 1))
t_is "-o writes the token 0600" "$(stat -c %a "$T/tok.jwt")" 600
t_like "and prints no token, only what was minted" "$out" "^ironclaw-task-$task-[0-9a-f]{8} jti [A-Za-z0-9_-]{22} valid until .* -> $T/tok.jwt\$"
t_like "the written token verifies" "$(verify "$T/web-rsa-3072/jwks.json" $iss b < "$T/tok.jwt")" '^\{"header"'
out=$($CT mint jwt --task "$task" --key "$T/k-ed25519" --issuer $iss --audience c --json)
n=$((n + 1))
t_is "--json gives the join keys and the token, as the ledger has them" \
    "$(echo "$out" | jq -r '[.jti, .kid, .principal, (.token | split(".") | length)] | join(" ")')" \
    "$(t_sql "select jti || ' ' || key_id || ' ' || principal from credentials order by id desc limit 1") 3"
t_ok "oidc init accepts the public key file and writes the same JWKS" \
    $CT oidc init --issuer $iss --key "$T/k-ed25519.pub" --out "$T/web-pub"
t_is "same JWKS from the .pub" "$(cat "$T/web-pub/jwks.json")" "$(cat "$T/web-ed25519/jwks.json")"
t_ok "http is allowed for a loopback issuer" \
    $CT oidc init --issuer http://127.0.0.1:8080/iss --key "$T/k-ed25519" --out "$T/web-local"
t_is "issuer with a trailing slash: the JWKS is not at a double slash" \
    "$($CT oidc init --issuer https://issuer.test/ --key "$T/k-ed25519" --out "$T/web-slash" >/dev/null &&
       jq -r .jwks_uri "$T/web-slash/.well-known/openid-configuration")" "https://issuer.test/jwks.json"
t_is "every token minted is one ledger row" "$(rows)" $n

# bad input: one line each, nothing recorded
mint() { $CT mint jwt --task "$task" --key "$T/k-ed25519" --issuer $iss --audience a "$@"; }
t_err "an http issuer is refused" 1 "issuer 'http://issuer.test' must use https" mint --issuer http://issuer.test
t_err "an issuer with a query is refused" 1 "issuer 'https://issuer.test/\\?x=1' must not have a query" \
    mint --issuer 'https://issuer.test/?x=1'
t_err "an issuer that is no URL is refused" 1 "issuer 'issuer.test' is not an https:// URL" mint --issuer issuer.test
cp "$T/k-ed25519" "$T/loose" && chmod 640 "$T/loose"
t_err "a signing key readable by the group is refused" 1 "private key '.*loose' is accessible by others \\(mode 0640\\)" \
    mint --key "$T/loose"
echo garbage > "$T/junk.key" && chmod 600 "$T/junk.key"
t_err "a malformed signing key is refused" 1 "'.*junk.key' is not a PEM or OpenSSH private key" mint --key "$T/junk.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/p384.key" 2>/dev/null
chmod 600 "$T/p384.key"
t_err "a signing key of an unsupported type (P-384) is refused" 1 "curve 'secp384r1' is not supported" \
    mint --key "$T/p384.key"
t_err "an unknown task is refused" 1 "no task 'nosuchtask' in the ledger" \
    $CT mint jwt --task nosuchtask --key "$T/k-ed25519" --issuer $iss --audience a
t_err "an empty audience is refused" 1 "audience must be 1 to 512 characters" mint --audience ''
t_err "a TTL under a minute is a usage error" 2 "--ttl 30s is out of range" mint --ttl 30s
t_err "--audience is required" 2 "missing --audience AUD" \
    $CT mint jwt --task "$task" --key "$T/k-ed25519" --issuer $iss
t_err "a token file that cannot be written records nothing" 1 "cannot create '.*nodir/t.jwt.tmp" \
    mint -o "$T/nodir/t.jwt"
t_is "no failed mint left a ledger row" "$(rows)" $n
t_err "oidc init refuses an http issuer" 1 "issuer 'http://example.com' must use https" \
    $CT oidc init --issuer http://example.com --key "$T/k-ed25519" --out "$T/web-bad"
t_err "oidc init refuses an issuer with a fragment" 1 "must not have a fragment" \
    $CT oidc init --issuer 'https://example.com/#x' --key "$T/k-ed25519" --out "$T/web-bad"
t_err "oidc init refuses a private key others can read" 1 "accessible by others" \
    $CT oidc init --issuer $iss --key "$T/loose" --out "$T/web-bad"
t_ok "and wrote nothing" test ! -e "$T/web-bad"

t_done
