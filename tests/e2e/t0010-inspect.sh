#!/usr/bin/env bash
# inspect: every artifact credtrail mints (and the log lines providers write about them) gives
# back the task it was bound to; foreign artifacts say they carry no binding (exit 3); input
# that is no artifact at all is one error line (exit 1).
. "$(dirname "$0")/../lib.sh"

task=$($CT task new --class dns-check)
$CT keygen -o "$T/ca" >/dev/null
$CT keygen -t ecdsa-p256 -o "$T/user" >/dev/null
$CT keygen -o "$T/oidc" >/dev/null
principal_of() { t_sql "select principal from credentials where kind='$1' and task_id='$task'"; }

# OpenSSH certificate
$CT mint ssh --task "$task" --ca "$T/ca" --pubkey "$T/user.pub" -o "$T/user-cert.pub" >/dev/null
j=$($CT inspect --json "$T/user-cert.pub")
t_is "an SSH certificate gives its task, key id and serial" \
    "$(jq -c '[.kind, .task, .key_id, .serial]' <<<"$j")" \
    "[\"ssh-cert\",\"$task\",\"$(principal_of ssh)\",\"$(t_sql "select serial from credentials where kind='ssh'")\"]"
t_is "its CA fingerprint is the one ssh-keygen prints for the CA" \
    "$(jq -r .ca_fingerprint <<<"$j")" "$(ssh-keygen -lf "$T/ca.pub" | awk '{print $2}')"

# JWT, given as the token itself, from a file, and on stdin
tok=$($CT mint jwt --task "$task" --key "$T/oidc" --issuer https://iss.example --audience aud1)
t_is "a JWT gives its task, sub and jti" \
    "$($CT inspect --json "$tok" | jq -c '[.kind, .task, .principal, .jti]')" \
    "[\"jwt\",\"$task\",\"$(principal_of jwt)\",\"$(t_sql "select jti from credentials where kind='jwt'")\"]"
printf '%s\n' "$tok" >"$T/tok"
t_is "the same token read from a file" "$($CT inspect --json "$T/tok" | jq -r .task)" "$task"
t_is "and from standard input" "$(printf '%s' "$tok" | $CT inspect --json - | jq -r .task)" "$task"
t_like "text output names the task" "$($CT inspect "$tok")" "task +$task"

# X.509
openssl req -x509 -newkey ed25519 -nodes -keyout "$T/xca.key" -out "$T/xca.pem" -days 1 \
    -subj /CN=t-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
chmod 600 "$T/xca.key"
$CT mint x509 --task "$task" --ca-cert "$T/xca.pem" --ca-key "$T/xca.key" --pubkey "$T/user.pub" \
    -o "$T/user.pem" >/dev/null
t_is "an X.509 certificate gives its task and SPIFFE ID" \
    "$($CT inspect --json "$T/user.pem" | jq -c '[.kind, .task, .subject]')" \
    "[\"x509\",\"$task\",\"spiffe://credtrail.local/ironclaw/task/$task\"]"

# assumed-role ARN, as CloudTrail's userIdentity.arn carries it
arn="arn:aws:sts::123456789012:assumed-role/dns-checker/ironclaw-task-$task-0a1b2c3d"
t_is "an assumed-role ARN gives its task and session" \
    "$($CT inspect --json "$arn" | jq -c '[.kind, .task, .session_name, .account, .role]')" \
    "[\"aws-arn\",\"$task\",\"ironclaw-task-$task-0a1b2c3d\",\"123456789012\",\"dns-checker\"]"

# an sshd line about a credtrail certificate
line="Nov 25 21:30:18 host sshd[4242]: Accepted publickey for agent from 127.0.0.1 port 50000 ssh2: ED25519-CERT SHA256:z91N96ksU7JlCO24cy6bdxV9SOsCsNTtQhi30doSNnI ID ironclaw-task-$task-0a1b2c3d (serial 77) CA ED25519 SHA256:9qYzrxsq79Ck2ovcTxk5VZ5UD+PEmGuys7h794ZEwsE"
t_is "an sshd login line gives the task from the certificate key ID" \
    "$($CT inspect --json "$line" | jq -c '[.kind, .task, .serial, .user, .source_address]')" \
    "[\"sshd-log\",\"$task\",\"77\",\"agent\",\"127.0.0.1\"]"

# foreign artifacts: real sshd lines from public documents carry no binding
foreign=$(sed -n 1p "$FIX/sshd/cert_logins.log")
out=$($CT inspect "$foreign"); rc=$?
t_is "a foreign sshd certificate login exits 3" "$rc" 3
t_like "and says it carries no task binding" "$out" "no task binding: this sshd-log carries no credtrail task identity"
t_is "its JSON has task null" "$($CT inspect --json "$foreign" | jq -c .task)" null
$CT inspect --json arn:aws:iam::123456789012:role/dns-checker >"$T/role.json"; rc=$?
t_is "an ARN without a session part has no binding (exit 3, task null)" \
    "$rc $(jq -c '[.kind, .role, .task]' "$T/role.json")" '3 ["aws-arn","dns-checker",null]'

# not artifacts
t_err "text that is no artifact is one error line" 1 "not a recognised artifact" $CT inspect "hello world"
t_err "empty input is refused" 1 "the input is empty" $CT inspect - </dev/null
t_err "a broken JWT is reported by the JWT parser" 1 "JWT|base64url|token" $CT inspect "eyJhbGciOi.e30.x"
head -c 200 "$T/user.pem" >"$T/cut.pem"
t_err "a cut-off certificate is reported as such" 1 "certificate" $CT inspect - <"$T/cut.pem"
t_err "inspect needs exactly one argument" 2 "missing ARG" $CT inspect

t_done
