#!/usr/bin/env bash
# OpenSSH private keys: what credtrail writes, stock ssh-keygen reads (same public key), and
# what ssh-keygen writes, credtrail loads as a CA; encrypted and tampered keys are refused
# with one clear line.  (ssh using a credtrail key as its identity is in t0110.)
. "$(dirname "$0")/../lib.sh"

id=$($CT task new)
ssh-keygen -q -t ed25519 -N '' -f "$T/user"

for ty in ed25519 ecdsa-p256 rsa-3072; do
	$CT keygen -t $ty --format openssh -C "ct-$ty" -o "$T/ct-$ty" >/dev/null
	t_is "keygen --format openssh $ty writes an OpenSSH private key" \
	    "$(head -1 "$T/ct-$ty")" "-----BEGIN OPENSSH PRIVATE KEY-----"
	t_is "ssh-keygen -y derives the same $ty public key and comment from it" \
	    "$(ssh-keygen -y -f "$T/ct-$ty")" "$(cat "$T/ct-$ty.pub")"
done

# keys ssh-keygen wrote, used by credtrail as CAs; the certificate names the same CA
for ty in ed25519 ecdsa rsa; do
	ssh-keygen -q -t $ty -N '' -f "$T/sk-$ty"
	t_ok "an unencrypted ssh-keygen $ty key loads as a CA" \
	    $CT mint ssh --task "$id" --ca "$T/sk-$ty" --pubkey "$T/user.pub" -o "$T/c-$ty"
	t_is "and the certificate's CA is that $ty key" \
	    "$(ssh-keygen -L -f "$T/c-$ty" | awk '/Signing CA/ {print $4}')" \
	    "$(ssh-keygen -lf "$T/sk-$ty.pub" | awk '{print $2}')"
done

ssh-keygen -q -t ed25519 -N 'secret' -f "$T/enc"
t_err "an encrypted OpenSSH key is refused with what to do about it" 1 \
    "^credtrail mint ssh: '$T/enc' is an encrypted OpenSSH key; decrypt it with ssh-keygen -p or use a PEM key$" \
    $CT mint ssh --task "$id" --ca "$T/enc" --pubkey "$T/user.pub" -o "$T/c-enc"

# a key whose stored public half belongs to another key
ssh-keygen -q -t ed25519 -N '' -f "$T/a"
ssh-keygen -q -t ed25519 -N '' -f "$T/b"
/usr/bin/python3 - "$T/a" "$T/b" "$T/mixed" <<'EOF'
import base64, struct, sys
def body(p):
    t = open(p).read().split('\n')
    return bytearray(base64.b64decode(''.join(t[1:-2])))
a, b = body(sys.argv[1]), body(sys.argv[2])
off = 15 + 8 + 8 + 4 + 4          # magic, "none", "none", "", nkeys
n = struct.unpack('>I', a[off:off + 4])[0]
a[off + 4:off + 4 + n] = b[off + 4:off + 4 + n]   # b's public blob beside a's private key
s = base64.b64encode(bytes(a)).decode()
open(sys.argv[3], 'w').write('-----BEGIN OPENSSH PRIVATE KEY-----\n' +
    '\n'.join(s[i:i + 70] for i in range(0, len(s), 70)) + '\n-----END OPENSSH PRIVATE KEY-----\n')
EOF
chmod 600 "$T/mixed"
t_err "a key whose public half is another key's is refused" 1 \
    "the public key does not match the private key" \
    $CT mint ssh --task "$id" --ca "$T/mixed" --pubkey "$T/user.pub" -o "$T/c-mixed"
t_is "ssh-keygen agrees that this key is broken" \
    "$(ssh-keygen -y -f "$T/mixed" >/dev/null 2>&1; echo $?)" 255
t_is "only the good mints were recorded" "$(t_sql "select count(*) from credentials")" 3

t_done
