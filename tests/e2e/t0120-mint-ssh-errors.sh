#!/usr/bin/env bash
# mint ssh with bad input: each problem is one error line naming it, a non-zero exit, no
# certificate file and no credential row; a failed certificate write rolls the row back.
. "$(dirname "$0")/../lib.sh"

id=$($CT task new)
$CT keygen -t ed25519 -o "$T/ca" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/user"
base=(--task "$id" --ca "$T/ca" --pubkey "$T/user.pub")

# CA keys
echo "not a key at all" > "$T/garbage"; chmod 600 "$T/garbage"
t_err "a CA file that is not a key is refused" 1 \
    "^credtrail mint ssh: '$T/garbage' is not a PEM or OpenSSH private key$" \
    $CT mint ssh --task "$id" --ca "$T/garbage" --pubkey "$T/user.pub" -o "$T/out"
$CT keygen -t ed25519 --format openssh -o "$T/oss" >/dev/null
{ head -3 "$T/oss"; tail -1 "$T/oss"; } > "$T/cut"; chmod 600 "$T/cut"
t_err "a truncated OpenSSH CA key is refused" 1 "'$T/cut'.*(truncated|invalid)" \
    $CT mint ssh --task "$id" --ca "$T/cut" --pubkey "$T/user.pub" -o "$T/out"
cp "$T/ca" "$T/ca644"; chmod 644 "$T/ca644"
t_err "a CA key others can read is refused, saying how to fix it" 1 \
    "^credtrail mint ssh: private key '$T/ca644' is accessible by others \(mode 0644\); run: chmod 600 '$T/ca644'$" \
    $CT mint ssh --task "$id" --ca "$T/ca644" --pubkey "$T/user.pub" -o "$T/out"
ssh-keygen -q -t ecdsa -b 384 -N '' -f "$T/p384"
t_err "a P-384 CA key is refused as unsupported" 1 "'$T/p384': unsupported OpenSSH key type" \
    $CT mint ssh --task "$id" --ca "$T/p384" --pubkey "$T/user.pub" -o "$T/out"
t_err "a missing CA key file is named" 1 "cannot open '$T/nope'" \
    $CT mint ssh --task "$id" --ca "$T/nope" --pubkey "$T/user.pub" -o "$T/out"

# subject keys
t_err "a P-384 subject key is refused as unsupported" 1 \
    "'$T/p384.pub': unsupported SSH key type 'ecdsa-sha2-nistp384'" \
    $CT mint ssh --task "$id" --ca "$T/ca" --pubkey "$T/p384.pub" -o "$T/out"
ssh-keygen -q -t rsa -b 1024 -N '' -f "$T/rsa1k"
t_err "a 1024-bit RSA subject key is refused as too short" 1 "RSA key of 1024 bits is too short" \
    $CT mint ssh --task "$id" --ca "$T/ca" --pubkey "$T/rsa1k.pub" -o "$T/out"
t_err "a missing public key file is named" 1 "^credtrail mint ssh: cannot open '$T/none.pub'" \
    $CT mint ssh --task "$id" --ca "$T/ca" --pubkey "$T/none.pub" -o "$T/out"
t_err "a directory as the public key file is refused" 1 "cannot read '$T'" \
    $CT mint ssh --task "$id" --ca "$T/ca" --pubkey "$T" -o "$T/out"
echo "ssh-ed25519 AAAA!!!! x" > "$T/badline.pub"
t_err "a corrupt public key line is refused" 1 "'$T/badline.pub'.*base64" \
    $CT mint ssh --task "$id" --ca "$T/ca" --pubkey "$T/badline.pub" -o "$T/out"

# the task and the options
t_err "an unknown task is refused" 1 "^credtrail mint ssh: no task 'nosuchtask' in the ledger$" \
    $CT mint ssh --task nosuchtask --ca "$T/ca" --pubkey "$T/user.pub" -o "$T/out"
t_err "an invalid task id is refused" 1 "task id 'a/b' has an invalid character" \
    $CT mint ssh --task a/b --ca "$T/ca" --pubkey "$T/user.pub" -o "$T/out"
t_err "a CIDR with host bits set is refused" 1 \
    "source address '10.0.0.1/8' has host bits set after /8" \
    $CT mint ssh "${base[@]}" --source-address 10.0.0.1/8 -o "$T/out"
t_err "a source address that is not an address is refused" 1 \
    "invalid source address '300.1.1.1'" \
    $CT mint ssh "${base[@]}" --source-address 127.0.0.1/32,300.1.1.1 -o "$T/out"
t_err "a prefix length out of range is refused" 1 "invalid source address '::1/129'" \
    $CT mint ssh "${base[@]}" --source-address ::1/129 -o "$T/out"
t_err "an empty entry in the address list is refused" 1 "empty entry in source address list" \
    $CT mint ssh "${base[@]}" --source-address 10.0.0.0/8,,::1 -o "$T/out"
t_err "--ttl 0 is refused" 2 "--ttl 0s is out of range \(1m to 24h\)" \
    $CT mint ssh "${base[@]}" --ttl 0 -o "$T/out"
t_err "--ttl over a day is refused" 2 "--ttl 90000s is out of range" \
    $CT mint ssh "${base[@]}" --ttl 25h -o "$T/out"
t_err "a --ttl that is not a duration is refused" 2 "--ttl expects a duration" \
    $CT mint ssh "${base[@]}" --ttl soon -o "$T/out"
t_err "a --not-before that is not a time is refused" 1 "invalid --not-before 'tomorrow'" \
    $CT mint ssh "${base[@]}" --not-before tomorrow -o "$T/out"
t_err "a principal with a comma is refused" 1 "principal 'a,b' has an invalid character at position 2" \
    $CT mint ssh "${base[@]}" --principal a,b -o "$T/out"
t_err "an empty principal is refused" 1 "principal must be 1 to 255 characters" \
    $CT mint ssh "${base[@]}" --principal '' -o "$T/out"
t_err "an empty --force-command is refused" 1 "--force-command is empty" \
    $CT mint ssh "${base[@]}" --force-command '' -o "$T/out"
t_err "a prefix with a dash is refused" 1 "prefix 'a-b' may hold only letters and digits" \
    $CT mint ssh "${base[@]}" --prefix a-b -o "$T/out"
t_err "a missing -o is a usage error" 2 "missing -o CERT" $CT mint ssh "${base[@]}"
t_err "a missing --ca is a usage error" 2 "missing --ca KEY" \
    $CT mint ssh --task "$id" --pubkey "$T/user.pub" -o "$T/out"
t_err "a stray argument is a usage error" 2 "unexpected argument 'extra'" \
    $CT mint ssh "${base[@]}" -o "$T/out" extra

t_ok "no certificate file was written by any of them" test ! -e "$T/out"
t_is "and no credential was recorded" "$(t_sql "select count(*) from credentials")" 0

# the certificate cannot be written: the ledger row goes too
t_err "an output path in a missing directory fails" 1 "cannot create '$T/no/dir/cert" \
    $CT mint ssh "${base[@]}" -o "$T/no/dir/cert"
t_is "and its credential row was rolled back" "$(t_sql "select count(*) from credentials")" 0
t_ok "a good mint after all that works" $CT mint ssh "${base[@]}" -o "$T/out"
t_is "and is the only credential" "$(t_sql "select count(*) from credentials")" 1
t_ok "the key given as --pubkey was only read: no private key was written beside it" \
    test "$(ls "$T" | grep -c '^user')" -eq 2

t_done
