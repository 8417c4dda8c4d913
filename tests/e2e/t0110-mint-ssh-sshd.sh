#!/usr/bin/env bash
# mint ssh against a real sshd (openssh-server, own config on 127.0.0.1, started and stopped
# here): a minted certificate logs in, and sshd's log names its key ID, serial and CA as the
# ledger recorded them; expired, not-yet-valid, wrong-principal and wrong-source
# certificates are refused; force-command is obeyed; credtrail's own OpenSSH key file works
# as the client identity; `inspect` reads the task back from sshd's line and the cert file.
. "$(dirname "$0")/../lib.sh"

user=ctssh
if ! id "$user" >/dev/null 2>&1; then
	useradd -m -s /bin/sh "$user" || { echo "Bail out! cannot create user $user"; exit 1; }
fi
# sshd without PAM refuses a locked account ("!" in shadow); "*" is no password, not locked
usermod -p '*' "$user"
chmod 755 "$(getent passwd "$user" | cut -d: -f6)"	# StrictModes: no group/world write
mkdir -p /run/sshd

id=$($CT task new --class ssh-check)
$CT keygen -t ed25519 -o "$T/ca" >/dev/null
$CT keygen -t rsa-3072 --format openssh -o "$T/rsaca" >/dev/null
cat "$T/ca.pub" "$T/rsaca.pub" > "$T/trusted_cas"
# StrictModes checks every directory above AuthorizedPrincipalsFile, and /tmp is
# world-writable: the principals live in a root-owned 0755 directory under /run
P=$(mktemp -d /run/ct-sshd.XXXXXX)
chmod 755 "$P"
t_atexit "rm -rf '$P'"
echo "task-$id@ironclaw" > "$P/$user"
chmod 644 "$P/$user"

ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
port=$(t_free_port)
cat > "$T/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile none
UsePAM no
StrictModes yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
TrustedUserCAKeys $T/trusted_cas
AuthorizedPrincipalsFile $P/%u
LogLevel VERBOSE
EOF
/usr/sbin/sshd -t -f "$T/sshd_config" || { echo "Bail out! sshd rejects the test config"; exit 1; }
/usr/sbin/sshd -D -e -f "$T/sshd_config" -E "$T/sshd.log" 2>>"$T/sshd.stderr" &
sshd_pid=$!
t_atexit "kill $sshd_pid 2>/dev/null; wait $sshd_pid 2>/dev/null"
for _ in $(seq 100); do
	grep -q "Server listening" "$T/sshd.log" 2>/dev/null && break
	sleep 0.1
done
t_ok "sshd is listening on 127.0.0.1:$port" grep -q "Server listening on 127.0.0.1 port $port" "$T/sshd.log"

# login KEY CERT [COMMAND]: ssh's exit status; output in $T/ssh.out
login() {
	ssh -F /dev/null -i "$1" -o CertificateFile="$2" -o IdentitiesOnly=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
	    -o ConnectTimeout=20 -o LogLevel=ERROR -p "$port" "$user@127.0.0.1" "${3:-true}" \
	    >"$T/ssh.out" 2>&1 </dev/null
}
mint() { $CT mint ssh --task "$id" "$@"; }
# log lines written since mark (sshd -E ends them with CR LF)
mark() { wc -l < "$T/sshd.log"; }
since() { tail -n +$(( $1 + 1 )) "$T/sshd.log" | tr -d '\r'; }

# 1. credtrail's OpenSSH-format Ed25519 key as the identity, certificate from the Ed25519 CA
$CT keygen -t ed25519 --format openssh -o "$T/k1" >/dev/null
j=$(mint --ca "$T/ca" --pubkey "$T/k1.pub" -o "$T/k1-cert.pub" --json)
kid=$(jq -r .key_id <<<"$j") serial=$(jq -r .serial <<<"$j")
m=$(mark)
login "$T/k1" "$T/k1-cert.pub"
t_is "a minted certificate logs in (credtrail key file as the identity)" "$?" 0
line=$(since "$m" | grep "Accepted publickey for $user from 127.0.0.1")
t_like "sshd logs the key ID and serial of the certificate" "$line" \
    "ED25519-CERT SHA256:[^ ]+ ID $kid \(serial $serial\) CA ED25519 SHA256:"
t_is "and the CA fingerprint the ledger recorded for it" \
    "$(sed 's/.* CA ED25519 //' <<<"$line")" \
    "$(t_sql "select ca_fingerprint from credentials where key_id = '$kid' and serial = '$serial'")"
t_is "the ledger row for that key ID and serial names the task" \
    "$(t_sql "select task_id from credentials where key_id = '$kid' and serial = '$serial'")" "$id"

# inspect joins sshd's line and the certificate file to the same task
t_is "inspect reads sshd's login line: task, key ID, serial, user, source" \
    "$($CT inspect --json "$line" | jq -r '[.task, .key_id, .serial, .user, .source_address] | join(" ")')" \
    "$id $kid $serial $user 127.0.0.1"
t_is "inspect reads the certificate file: the same task, key ID and serial" \
    "$($CT inspect --json "$T/k1-cert.pub" | jq -r '[.task, .key_id, .serial] | join(" ")')" \
    "$id $kid $serial"

# 2. ECDSA key from ssh-keygen, certificate from the RSA CA (rsa-sha2-512)
ssh-keygen -q -t ecdsa -N '' -f "$T/k2"
j=$(mint --ca "$T/rsaca" --pubkey "$T/k2.pub" -o "$T/k2-cert.pub" --json)
m=$(mark)
login "$T/k2" "$T/k2-cert.pub"
t_is "an ECDSA certificate signed by an RSA CA logs in" "$?" 0
t_like "sshd logs it with its key ID, serial and RSA CA" \
    "$(since "$m" | grep "Accepted publickey")" \
    "ECDSA-CERT SHA256:[^ ]+ ID $(jq -r .key_id <<<"$j") \(serial $(jq -r .serial <<<"$j")\) CA RSA SHA256:"

# 3. force-command
mint --ca "$T/ca" --pubkey "$T/k1.pub" --force-command 'echo forced-by-cert' -o "$T/fc" >/dev/null
login "$T/k1" "$T/fc" 'echo asked-for'
t_is "the force-command critical option replaces the client's command" "$(cat "$T/ssh.out")" \
    forced-by-cert

# refusals: each certificate is valid but for the wrong time, principal or source
refused() { # desc cert sshd-log-regex
	local m
	m=$(mark)
	login "$T/k1" "$2"
	t_is "$1 is refused" "$?" 255
	t_like "  and sshd says why" "$(since "$m" | tr '\n' ' ')" "$3"
}
mint --ca "$T/ca" --pubkey "$T/k1.pub" --not-before -2h --ttl 1h -o "$T/expired" >/dev/null
refused "an expired certificate" "$T/expired" "Certificate invalid: expired"
mint --ca "$T/ca" --pubkey "$T/k1.pub" --not-before +1h -o "$T/future" >/dev/null
refused "a not-yet-valid certificate" "$T/future" "Certificate invalid: not yet valid"
mint --ca "$T/ca" --pubkey "$T/k1.pub" --principal someone-else -o "$T/wrongp" >/dev/null
refused "a certificate for another principal" "$T/wrongp" \
    "(not a listed principal|does not contain an authorized principal)"
mint --ca "$T/ca" --pubkey "$T/k1.pub" --source-address 10.9.9.9/32 -o "$T/src" >/dev/null
refused "a certificate restricted to 10.9.9.9/32, used from 127.0.0.1" "$T/src" \
    "not from a permitted source address"
mint --ca "$T/ca" --pubkey "$T/k1.pub" --source-address 10.9.9.9/32,127.0.0.0/8 -o "$T/src2" >/dev/null
login "$T/k1" "$T/src2"
t_is "the same restriction with 127.0.0.0/8 added logs in" "$?" 0

# a certificate from a CA sshd does not trust
$CT keygen -t ed25519 -o "$T/otherca" >/dev/null
mint --ca "$T/otherca" --pubkey "$T/k1.pub" -o "$T/untrusted" >/dev/null
login "$T/k1" "$T/untrusted"
t_is "a certificate from an untrusted CA is refused" "$?" 255

t_is "every login attempt was one certificate credtrail recorded" \
    "$(grep -c 'Accepted publickey' "$T/sshd.log")" 4

t_done
