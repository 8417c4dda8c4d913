#!/usr/bin/env bash
# mint ssh: stock `ssh-keygen -L` parses (and so signature-checks) every certificate credtrail
# signs, for Ed25519, ECDSA and RSA subject keys under Ed25519, ECDSA and RSA CAs, and shows
# the key ID, serial, principals, validity and options that credtrail printed and recorded.
. "$(dirname "$0")/../lib.sh"
export TZ=UTC	# ssh-keygen -L prints local time

id=$($CT task new --class ssh-check)
# CAs in each format credtrail reads: PKCS#8 PEM, OpenSSH by credtrail, OpenSSH by ssh-keygen
$CT keygen -t ed25519 -o "$T/ca-ed25519" >/dev/null
$CT keygen -t rsa-3072 --format openssh -o "$T/ca-rsa" >/dev/null
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$T/ca-ecdsa"
for s in ed25519 ecdsa rsa; do ssh-keygen -q -t $s -N '' -f "$T/u-$s"; done

# one ssh-keygen -L field: "Key ID", "Serial", "Valid"
field() { ssh-keygen -L -f "$1" | sed -n "s/^ *$2: //p"; }
# the indented lines under a heading ("Principals", "Critical Options")
block() {
	ssh-keygen -L -f "$1" | awk -v h="$2" '
	    $0 ~ "^ *" h ":" { on = 1; next }
	    on && /^                / { sub(/^ +/, ""); print; next }
	    { on = 0 }' | paste -sd, -
}

for ca in ed25519 ecdsa rsa; do
	for s in ed25519 ecdsa rsa; do
		c="$T/c-$s-$ca"
		j=$($CT mint ssh --task "$id" --ca "$T/ca-$ca" --pubkey "$T/u-$s.pub" \
		    --principal alice --principal task-x@ironclaw --ttl 10m --json -o "$c")
		what="$s key, $ca CA"
		t_is "$what: ssh-keygen -L shows the key ID credtrail printed" \
		    "$(field "$c" "Key ID")" "\"$(jq -r .key_id <<<"$j")\""
		t_is "$what: the serial" "$(field "$c" Serial)" "$(jq -r .serial <<<"$j")"
		t_is "$what: the principals" "$(block "$c" Principals)" "alice,task-x@ironclaw"
		t_is "$what: the validity window" "$(field "$c" Valid)" \
		    "from $(jq -r .valid_after <<<"$j" | tr -d Z) to $(jq -r .valid_before <<<"$j" | tr -d Z)"
		t_is "$what: the ledger row has the same key ID, serial and CA" \
		    "$(t_sql "select key_id||' '||serial||' '||ca_fingerprint from credentials
			where key_id = '$(jq -r .key_id <<<"$j")'")" \
		    "$(field "$c" "Key ID" | tr -d '"') $(field "$c" Serial) $(field "$c" "Signing CA" | awk '{print $2}')"
	done
	t_like "$ca CA: the signature algorithm ssh-keygen sees" "$(field "$c" "Signing CA")" \
	    "$(case $ca in ed25519) echo '\(using ssh-ed25519\)';; ecdsa) echo '\(using ecdsa-sha2-nistp256\)';;
	    rsa) echo '\(using rsa-sha2-512\)';; esac)$"
done

t_is "the subject key in the certificate is the one given" \
    "$(field "$T/c-ecdsa-rsa" "Public key" | awk '{print $2}')" \
    "$(ssh-keygen -lf "$T/u-ecdsa.pub" | awk '{print $2}')"
t_is "the certificate line names its type" "$(cut -d' ' -f1 "$T/c-rsa-ed25519")" \
    ssh-rsa-cert-v01@openssh.com
t_is "the ledger validity is the certificate's (10 minutes)" \
    "$(t_sql "select distinct (expires_us - issued_us) / 1000000 from credentials")" 600
t_is "the granted scope is recorded verbatim" \
    "$(t_sql "select scope from credentials limit 1" | jq -c .)" \
    '{"principals":["alice","task-x@ironclaw"],"critical_options":{},"extensions":["permit-X11-forwarding","permit-agent-forwarding","permit-port-forwarding","permit-pty","permit-user-rc"]}'

# defaults, options and the text summary
out=$($CT mint ssh --task "$id" --ca "$T/ca-ed25519" --pubkey "$T/u-ed25519.pub" \
    --source-address 127.0.0.1/32,::1 --force-command /usr/bin/id --prefix acme -o "$T/d")
t_like "the summary line gives key ID, serial and validity" "$out" \
    "^acme-task-$id-[0-9a-f]{8} serial [0-9]+ valid [0-9T:Z-]+ to [0-9T:Z-]+ -> $T/d$"
t_is "without --principal the principal is task-<task>@<prefix>" \
    "$(block "$T/d" Principals)" "task-$id@acme"
t_is "the critical options are sorted as ssh-keygen writes them" \
    "$(block "$T/d" "Critical Options")" "force-command /usr/bin/id,source-address 127.0.0.1/32,::1"
t_is "the default extensions are ssh-keygen's" "$(block "$T/d" Extensions)" \
    "permit-X11-forwarding,permit-agent-forwarding,permit-port-forwarding,permit-pty,permit-user-rc"
read -r va vb < <(field "$T/d" Valid | awk '{print $2, $4}')
t_is "the default lifetime is 15 minutes" \
    "$(( $(date -d "${vb}Z" +%s) - $(date -d "${va}Z" +%s) ))" 900
t_is "the certificate file is 0644" "$(stat -c %a "$T/d")" 644
t_is "the key ID names the task in the ledger" \
    "$(t_sql "select task_id from credentials where key_id like 'acme-task-%'")" "$id"
t_is "the serials are all different" \
    "$(t_sql "select count(distinct serial) from credentials")" \
    "$(t_sql "select count(*) from credentials")"

# --not-before, absolute and relative
$CT mint ssh --task "$id" --ca "$T/ca-ed25519" --pubkey "$T/u-ed25519.pub" \
    --not-before 2030-01-02T03:04:05Z --ttl 1h -o "$T/nb" >/dev/null
t_is "--not-before takes an RFC 3339 time" "$(field "$T/nb" Valid)" \
    "from 2030-01-02T03:04:05 to 2030-01-02T04:04:05"
$CT mint ssh --task "$id" --ca "$T/ca-ed25519" --pubkey "$T/u-ed25519.pub" \
    --not-before -2h --ttl 1h -o "$T/old" >/dev/null
read -r va vb < <(field "$T/old" Valid | awk '{print $2, $4}')
now=$(date +%s)
t_ok "--not-before -2h starts about two hours ago" \
    test $(( now - $(date -d "${va}Z" +%s) )) -ge 7200 -a $(( now - $(date -d "${va}Z" +%s) )) -lt 7260
t_is "and --ttl 1h ends one hour later" "$(( $(date -d "${vb}Z" +%s) - $(date -d "${va}Z" +%s) ))" 3600

t_done
