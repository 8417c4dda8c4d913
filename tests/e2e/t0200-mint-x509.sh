#!/usr/bin/env bash
# mint x509: client certificates that the openssl CLI verifies against a CA it made itself
# (Ed25519, P-256 and RSA), whose fields match the ledger row; CSRs contribute only their key;
# bad input fails with one line and leaves neither a ledger row nor a file.
. "$(dirname "$0")/../lib.sh"

task=$($CT task new --class dns-check)
rows() { t_sql "select count(*) from credentials"; }

# CAs made by the openssl CLI, one per key type
for ty in ed25519 p256 rsa; do
	case $ty in
	ed25519) openssl genpkey -algorithm ed25519 -out "$T/ca-$ty.key" ;;
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ca-$ty.key" ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/ca-$ty.key" ;;
	esac 2>/dev/null
	chmod 600 "$T/ca-$ty.key"
	openssl req -x509 -new -key "$T/ca-$ty.key" -subj "/O=credtrail tests/CN=Test CA $ty" \
	    -days 2 -out "$T/ca-$ty.pem" 2>/dev/null
done
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/client.key" 2>/dev/null
openssl pkey -in "$T/client.key" -pubout -out "$T/client.pub"

n=0
for ty in ed25519 p256 rsa; do
	out=$($CT mint x509 --task "$task" --ca-cert "$T/ca-$ty.pem" --ca-key "$T/ca-$ty.key" \
	    --pubkey "$T/client.pub" --json -o "$T/c-$ty.pem")
	n=$((n + 1))
	t_is "openssl verify accepts the certificate from the $ty CA" \
	    "$(openssl verify -CAfile "$T/ca-$ty.pem" "$T/c-$ty.pem" 2>&1)" "$T/c-$ty.pem: OK"
	t_is "openssl verify accepts it for TLS client use ($ty CA)" \
	    "$(openssl verify -purpose sslclient -CAfile "$T/ca-$ty.pem" "$T/c-$ty.pem" 2>&1)" \
	    "$T/c-$ty.pem: OK"
	text=$(openssl x509 -in "$T/c-$ty.pem" -noout -text)
	t_is "openssl x509 -text shows the SPIFFE URI SAN ($ty CA)" \
	    "$(echo "$text" | grep -A1 'Subject Alternative Name' | tail -1 | tr -d ' ')" \
	    "URI:spiffe://credtrail.local/ironclaw/task/$task"
	t_is "and clientAuth as the only extended key usage ($ty CA)" \
	    "$(echo "$text" | grep -A1 'Extended Key Usage' | tail -1 | sed 's/^ *//')" \
	    "TLS Web Client Authentication"
	t_is "basicConstraints CA:FALSE and keyUsage digitalSignature are critical ($ty CA)" \
	    "$(echo "$text" | grep -A1 -E 'Basic Constraints|X509v3 Key Usage' | grep -v '^--' | sed 's/^ *//' | tr '\n' '|')" \
	    "X509v3 Basic Constraints: critical|CA:FALSE|X509v3 Key Usage: critical|Digital Signature|"
	t_is "the certificate holds the given public key ($ty CA)" \
	    "$(openssl x509 -in "$T/c-$ty.pem" -noout -pubkey)" "$(cat "$T/client.pub")"

	row=$(t_sql "select principal, serial, subject, issuer, ca_fingerprint, scope, issued_us, expires_us, task_id
	    from credentials where kind = 'x509' order by id desc limit 1")
	IFS='|' read -r principal serial subject issuer cafp scope issued expires rtask <<<"$row"
	t_is "the subject CN is the principal in the ledger ($ty CA)" \
	    "$(openssl x509 -in "$T/c-$ty.pem" -noout -subject -nameopt RFC2253)" "subject=CN=$principal"
	t_like "the principal is <prefix>-task-<task>-<nonce>" "$principal" "^ironclaw-task-$task-[0-9a-f]{8}\$"
	t_is "the ledger serial is the certificate's, in lower-case hex ($ty CA)" \
	    "$serial" "$(openssl x509 -in "$T/c-$ty.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)"
	t_is "the ledger subject is the SPIFFE ID" "$subject" "spiffe://credtrail.local/ironclaw/task/$task"
	t_is "the ledger issuer is the CA subject ($ty CA)" "$issuer" \
	    "$(openssl x509 -in "$T/ca-$ty.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')"
	t_is "the ledger CA fingerprint is SHA-256 of the CA certificate ($ty CA)" "$cafp" \
	    "$(openssl x509 -in "$T/ca-$ty.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)"
	t_is "the ledger scope names the URI SAN and the EKU" "$scope" \
	    "{\"uri_san\":\"spiffe://credtrail.local/ironclaw/task/$task\",\"eku\":[\"clientAuth\"]}"
	t_is "the ledger validity is the certificate's ($ty CA)" \
	    "$((issued / 1000000)) $((expires / 1000000))" \
	    "$(date -u -d "$(openssl x509 -in "$T/c-$ty.pem" -noout -startdate | cut -d= -f2)" +%s) $(date -u -d "$(openssl x509 -in "$T/c-$ty.pem" -noout -enddate | cut -d= -f2)" +%s)"
	t_is "the default validity is 15 minutes" "$(( (expires - issued) / 1000000 ))" 900
	t_is "--json reports what the ledger holds ($ty CA)" \
	    "$(echo "$out" | jq -r '[.task,.principal,.serial,.subject,.ca_fingerprint] | join(" ")')" \
	    "$rtask $principal $serial $subject $cafp"
done
t_is "one ledger row per certificate" "$(rows)" $n
s1=$(t_sql "select count(distinct serial) from credentials where kind = 'x509'")
t_is "every serial differs" "$s1" $n

# a CSR made by openssl req: only its key is used
openssl req -new -key "$T/client.key" -subj "/CN=evil.example" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "subjectAltName=DNS:evil.example" \
    -out "$T/req.csr" 2>/dev/null
t_ok "a CSR made by openssl req is accepted" $CT mint x509 --task "$task" \
    --ca-cert "$T/ca-p256.pem" --ca-key "$T/ca-p256.key" --csr "$T/req.csr" --ttl 5m \
    --trust-domain prod.example --prefix acme -o "$T/c-csr.pem"
n=$((n + 1))
t_is "the CSR certificate verifies" \
    "$(openssl verify -CAfile "$T/ca-p256.pem" "$T/c-csr.pem" 2>&1)" "$T/c-csr.pem: OK"
text=$(openssl x509 -in "$T/c-csr.pem" -noout -text)
t_is "it certifies the CSR's public key" \
    "$(openssl x509 -in "$T/c-csr.pem" -noout -pubkey)" "$(openssl req -in "$T/req.csr" -noout -pubkey)"
t_like "but not the CN it asked for" \
    "$(openssl x509 -in "$T/c-csr.pem" -noout -subject -nameopt RFC2253)" "^subject=CN=acme-task-$task-[0-9a-f]{8}\$"
t_is "nor its CA:TRUE or DNS name; trust domain and prefix are the given ones" \
    "$(echo "$text" | grep -E '(^|[[:space:],])(CA:(TRUE|FALSE)|DNS:|URI:)' | tr -d ' ' | tr '\n' '|')" \
    "CA:FALSE|URI:spiffe://prod.example/acme/task/$task|"
t_is "--ttl 5m gives a 5-minute certificate" \
    "$(t_sql "select (expires_us - issued_us) / 1000000 from credentials order by id desc limit 1")" 300

# a CSR whose signature is broken (last byte of the signature flipped)
openssl req -in "$T/req.csr" -outform DER -out "$T/req.der"
/usr/bin/python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[-1]^=1; open(sys.argv[1],"wb").write(d)' "$T/req.der"
openssl req -inform DER -in "$T/req.der" -out "$T/bad.csr"
t_err "a CSR with a broken signature is refused" 1 "certificate request '.*bad.csr' has a bad signature" \
    $CT mint x509 --task "$task" --ca-cert "$T/ca-p256.pem" --ca-key "$T/ca-p256.key" \
    --csr "$T/bad.csr" -o "$T/c-bad.pem"
t_ok "and no certificate file is written" test ! -e "$T/c-bad.pem"

# bad input: one line each, no row, no file
mint() { $CT mint x509 --task "$task" --ca-cert "$T/ca-p256.pem" --ca-key "$T/ca-p256.key" \
    --pubkey "$T/client.pub" -o "$T/out.pem" "$@"; }
cp "$T/ca-p256.key" "$T/loose.key" && chmod 644 "$T/loose.key"
t_err "a CA key readable by others is refused" 1 "private key '.*loose.key' is accessible by others \\(mode 0644\\)" \
    $CT mint x509 --task "$task" --ca-cert "$T/ca-p256.pem" --ca-key "$T/loose.key" \
    --pubkey "$T/client.pub" -o "$T/out.pem"
t_err "a CA key that is not the CA certificate's is refused" 1 "the CA key does not match the CA certificate" \
    $CT mint x509 --task "$task" --ca-cert "$T/ca-p256.pem" --ca-key "$T/ca-rsa.key" \
    --pubkey "$T/client.pub" -o "$T/out.pem"
openssl req -x509 -new -key "$T/ca-p256.key" -subj "/CN=leaf" -days 1 \
    -addext "basicConstraints=critical,CA:FALSE" -out "$T/leaf.pem" 2>/dev/null
t_err "a CA certificate that is not a CA is refused" 1 "is not a CA certificate" \
    $CT mint x509 --task "$task" --ca-cert "$T/leaf.pem" --ca-key "$T/ca-p256.key" \
    --pubkey "$T/client.pub" -o "$T/out.pem"
echo "not a certificate" > "$T/junk.pem"
t_err "a CA certificate file that is not PEM is refused" 1 "'.*junk.pem' is not a PEM certificate" \
    $CT mint x509 --task "$task" --ca-cert "$T/junk.pem" --ca-key "$T/ca-p256.key" \
    --pubkey "$T/client.pub" -o "$T/out.pem"
printf -- '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' > "$T/bad.key"
chmod 600 "$T/bad.key"
t_err "a malformed CA key is refused" 1 "cannot read private key '.*bad.key'" \
    $CT mint x509 --task "$task" --ca-cert "$T/ca-p256.pem" --ca-key "$T/bad.key" \
    --pubkey "$T/client.pub" -o "$T/out.pem"
t_err "a malformed public key is refused" 1 "'.*junk.pem' is not an OpenSSH public key" \
    $CT mint x509 --task "$task" --ca-cert "$T/ca-p256.pem" --ca-key "$T/ca-p256.key" \
    --pubkey "$T/junk.pem" -o "$T/out.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 2>/dev/null | openssl pkey -pubout -out "$T/p384.pub"
t_err "a subject key of an unsupported type (P-384) is refused" 1 "curve 'secp384r1' is not supported" \
    mint --pubkey "$T/p384.pub"
t_err "an unknown task is refused" 1 "no task 'nosuchtask' in the ledger" \
    $CT mint x509 --task nosuchtask --ca-cert "$T/ca-p256.pem" --ca-key "$T/ca-p256.key" \
    --pubkey "$T/client.pub" -o "$T/out.pem"
t_err "a trust domain with upper case is refused" 1 "trust domain 'Prod.Example' has an invalid character at position 1" \
    mint --trust-domain Prod.Example
t_err "a trust domain with a slash is refused" 1 "trust domain 'a/b' has an invalid character at position 2" \
    mint --trust-domain a/b
t_err "a prefix with a dash is refused" 1 "prefix 'a-b' may hold only letters and digits" mint --prefix a-b
t_err "a TTL over 24h is a usage error" 2 "--ttl 90000s is out of range" mint --ttl 25h
# a CA certificate that expires in an hour, made with python3-cryptography
/usr/bin/python3 - "$T/ca-p256.key" "$T/ca-1h.pem" <<'EOF'
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "short-lived CA")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
open(sys.argv[2], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
EOF
t_err "a TTL the CA certificate does not cover is refused" 1 "would outlive the CA certificate, which expires" \
    mint --ca-cert "$T/ca-1h.pem" --ttl 2h
t_err "--csr and --pubkey together are a usage error" 2 "exactly one of --csr FILE and --pubkey FILE" \
    mint --csr "$T/req.csr"
t_err "-o is required" 2 "missing -o CERT" $CT mint x509 --task "$task" \
    --ca-cert "$T/ca-p256.pem" --ca-key "$T/ca-p256.key" --pubkey "$T/client.pub"
t_ok "no failed mint left an output file" test ! -e "$T/out.pem"
t_is "no failed mint left a ledger row" "$(rows)" $n

# the row and the file go together: an unwritable output fails and records nothing
t_err "an output path that cannot be written fails and records nothing" 1 "cannot create '.*nodir/c.pem.tmp" \
    mint -o "$T/nodir/c.pem"
t_is "and the ledger is unchanged" "$(rows)" $n

t_done
