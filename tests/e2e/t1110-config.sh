#!/usr/bin/env bash
# The configuration file: found at $CREDTRAIL_CONFIG, $XDG_CONFIG_HOME/credtrail/config or
# ~/.config/credtrail/config; its db, prefix, sign, upstream-dns and allow keys are defaults
# that the environment and then the flags override; a bad line fails every command with one
# FILE:LINE: reason line; a missing file is no configuration.
. "$(dirname "$0")/../lib.sh"

unset CREDTRAIL_CONFIG CREDTRAIL_PREFIX CREDTRAIL_SIGN CREDTRAIL_UPSTREAM_DNS
cd "$T"
mkdir -p xdg/credtrail home/.config/credtrail

# ---- where the file is ----
printf '# the ledger\n   db   =  %s/xdg.db  \n\n' "$T" >xdg/credtrail/config
(unset CREDTRAIL_DB; XDG_CONFIG_HOME=$T/xdg $CT task new --id viaxdg >/dev/null)
t_is "db from \$XDG_CONFIG_HOME/credtrail/config names the ledger" \
    "$(sqlite3 "$T/xdg.db" 'select id from tasks')" viaxdg
printf 'db = %s/home.db\n' "$T" >home/.config/credtrail/config
(unset CREDTRAIL_DB XDG_CONFIG_HOME; HOME=$T/home $CT task new --id viahome >/dev/null)
t_is "without XDG_CONFIG_HOME it is ~/.config/credtrail/config" \
    "$(sqlite3 "$T/home.db" 'select id from tasks')" viahome
printf 'db = %s/explicit.db\n' "$T" >explicit.conf
(unset CREDTRAIL_DB; CREDTRAIL_CONFIG=$T/explicit.conf XDG_CONFIG_HOME=$T/xdg \
    $CT task new --id viaenv >/dev/null)
t_is "CREDTRAIL_CONFIG names another file" "$(sqlite3 "$T/explicit.db" 'select id from tasks')" \
    viaenv
(unset CREDTRAIL_DB; CREDTRAIL_CONFIG= HOME=$T/home XDG_DATA_HOME=$T/data \
    $CT task new --id noconfig >/dev/null)
t_is "an empty CREDTRAIL_CONFIG reads no file" "$(sqlite3 "$T/data/credtrail/ledger.db" \
    'select id from tasks')" noconfig
(unset CREDTRAIL_DB; CREDTRAIL_CONFIG=$T/nonexistent XDG_DATA_HOME=$T/data \
    $CT task new --id missing >/dev/null)
t_is "a missing file is no configuration" "$(sqlite3 "$T/data/credtrail/ledger.db" \
    'select count(*) from tasks')" 2

# another user's home (setpriv or su without -): its config is not this user's
mkdir -m 700 private && mkdir -p private/.config/credtrail && printf 'db = x\n' >private/.config/credtrail/config
mkdir -m 1777 shared
t_ok "a default path another user's home hides is no configuration" \
    env -u XDG_CONFIG_HOME HOME=$T/private CREDTRAIL_DB=$T/shared/nobody.db \
    setpriv --reuid=nobody --regid=nogroup --clear-groups $CT task list
t_err "but a CREDTRAIL_CONFIG this user cannot reach is an error" 1 \
    "cannot read '$T/private/.config/credtrail/config'" \
    env CREDTRAIL_CONFIG=$T/private/.config/credtrail/config CREDTRAIL_DB=$T/shared/nobody.db \
    setpriv --reuid=nobody --regid=nogroup --clear-groups $CT task list

# ---- precedence for db: flag > environment > file ----
export CREDTRAIL_CONFIG=$T/explicit.conf
CREDTRAIL_DB=$T/env.db $CT task new --id dbenv >/dev/null
t_is "CREDTRAIL_DB wins over the file's db" "$(sqlite3 "$T/env.db" 'select id from tasks')" dbenv
CREDTRAIL_DB=$T/env.db $CT --db "$T/flag.db" task new --id dbflag >/dev/null
t_is "--db wins over both" "$(sqlite3 "$T/flag.db" 'select id from tasks')" dbflag
t_is "the file's ledger got neither" "$(sqlite3 "$T/explicit.db" 'select group_concat(id) from tasks')" \
    viaenv

# ---- prefix: flag > CREDTRAIL_PREFIX > file > ironclaw ----
export CREDTRAIL_DB=$T/ledger.db
$CT task new --id t1 >/dev/null
$CT keygen -o ca >/dev/null && $CT keygen -o user >/dev/null
keyid() { ssh-keygen -Lf "$1" | sed -n 's/^ *Key ID: "\(.*\)-[0-9a-f]*"$/\1/p'; }
printf 'prefix = acme\n' >p.conf
CREDTRAIL_CONFIG=/dev/null $CT mint ssh --task t1 --ca ca --pubkey user.pub -o c0 >/dev/null
t_is "without configuration the prefix is ironclaw" "$(keyid c0)" ironclaw-task-t1
CREDTRAIL_CONFIG=p.conf $CT mint ssh --task t1 --ca ca --pubkey user.pub -o c1 >/dev/null
t_is "the file's prefix names the certificate's key ID" "$(keyid c1)" acme-task-t1
CREDTRAIL_CONFIG=p.conf CREDTRAIL_PREFIX=envco $CT mint ssh --task t1 --ca ca --pubkey user.pub \
    -o c2 >/dev/null
t_is "CREDTRAIL_PREFIX wins over the file" "$(keyid c2)" envco-task-t1
CREDTRAIL_CONFIG=p.conf CREDTRAIL_PREFIX=envco $CT mint ssh --task t1 --ca ca --pubkey user.pub \
    --prefix flagco -o c3 >/dev/null
t_is "--prefix wins over both" "$(keyid c3)" flagco-task-t1
t_is "the ledger records the principal the file chose" \
    "$(t_sql "select count(*) from credentials where principal like 'acme-task-t1-%'")" 1

# ---- upstream-dns and allow: dns-proxy against a real dnsmasq ----
dport=$(t_free_port)
dnsmasq --no-daemon --user=root --port="$dport" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --address=/allowed.test/127.0.0.7 --address=/other.test/127.0.0.8 \
    --address=/ready.test/127.0.0.9 >"$T/dnsmasq.out" 2>&1 &
t_atexit "kill $!"
for _ in $(seq 100); do
	[ "$(dig +short +tries=1 +time=1 @127.0.0.1 -p "$dport" ready.test)" = 127.0.0.9 ] && break
	sleep 0.1
done
start_proxy() { # NAME ARGS... ; sets $pport
	local name=$1 i
	shift
	$CT dns-proxy --listen 127.0.0.1:0 "$@" >"$T/$name.out" 2>"$T/$name.err" &
	eval "${name}_pid=$!"
	t_atexit "kill $! 2>/dev/null"
	for i in $(seq 200); do
		grep -q '^listening on' "$T/$name.out" 2>/dev/null && break
		sleep 0.05
	done
	pport=$(sed -n 's/^listening on 127\.0\.0\.1://p' "$T/$name.out")
}
status() { dig +tries=1 +time=5 @127.0.0.1 -p "$pport" "$1" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
printf 'upstream-dns = 127.0.0.1:%s\nallow = allowed.test\n# a comment\nallow = *.also.test\n' \
    "$dport" >dns.conf
CREDTRAIL_CONFIG=dns.conf start_proxy cfg --enforce
t_is "the file's upstream-dns is where an allowed name is resolved" \
    "$(dig +short +tries=1 +time=5 @127.0.0.1 -p "$pport" allowed.test)" 127.0.0.7
t_is "a name outside the file's allow rules is refused" "$(status other.test)" REFUSED
kill "$cfg_pid"; wait "$cfg_pid" 2>/dev/null
CREDTRAIL_CONFIG=dns.conf start_proxy flag --enforce --allow other.test
t_is "--allow replaces the file's rules: the flag's name is allowed" \
    "$(dig +short +tries=1 +time=5 @127.0.0.1 -p "$pport" other.test)" 127.0.0.8
t_is "and the file's name is no longer" "$(status allowed.test)" REFUSED
kill "$flag_pid"; wait "$flag_pid" 2>/dev/null
printf 'upstream-dns = 127.0.0.1:%s\nallow = bad..name\n' "$dport" >badrule.conf
t_err "a bad allow rule in the file is refused like the flag's" 2 "bad\.\.name" \
    env CREDTRAIL_CONFIG=badrule.conf $CT dns-proxy --listen 127.0.0.1:0 --enforce

# ---- sign: the key signing a run's log and attestation ----
$CT keygen -o filekey >/dev/null && $CT keygen -o envkey >/dev/null && $CT keygen -o flagkey >/dev/null
printf 'sign = %s/filekey\n' "$T" >sign.conf
signed_by() { # EVENTS: which of the three keys verifies the run's attestation (4: verified,
	local k	# evidence marked incomplete because the seccomp backend is weaker)
	for k in filekey envkey flagkey; do
		$CT verify "$1.dsse.json" --key "$k.pub" >/dev/null 2>&1
		[ $? -eq 4 ] && printf '%s ' "$k"
	done
}
run() { $CT run --task t1 --backend seccomp "$@" -- true 2>/dev/null; }
CREDTRAIL_CONFIG=sign.conf run --events ev1
t_is "the file's sign key signs the run's attestation" "$(signed_by ev1)" "filekey "
CREDTRAIL_CONFIG=sign.conf CREDTRAIL_SIGN=$T/envkey run --events ev2
t_is "CREDTRAIL_SIGN wins over the file" "$(signed_by ev2)" "envkey "
CREDTRAIL_CONFIG=sign.conf CREDTRAIL_SIGN=$T/envkey run --events ev3 --sign flagkey
t_is "--sign wins over both" "$(signed_by ev3)" "flagkey "
CREDTRAIL_CONFIG=sign.conf run
t_is "without --events the file's key asks for nothing (no attestation, status 0)" "$?" 0

# ---- errors: one line naming the file and line, for every command ----
bad() { # DESC CONTENT REGEX
	printf "$2" >bad.conf
	t_err "$1" 1 "^credtrail: bad\.conf:$3" env CREDTRAIL_CONFIG=bad.conf $CT task list
}
bad "an unknown key is refused with its line" '# c\n\ncolour = blue\n' \
    "3: unknown key 'colour'"
bad "a line without = is refused" 'db\n' "1: expected 'key = value'"
bad "a key without a value is refused" 'prefix =   \n' "1: 'prefix' has no value"
bad "a value without a key is refused" ' = x\n' "1: a key is missing before '='"
bad "a single-valued key given twice is refused" 'db = a\nprefix = p\ndb = b\n' \
    "3: 'db' is given twice"
bad "a control character is refused" 'prefix = a\033[31m\n' "1: control character"
printf 'prefix = %*s\n' 5000 x >bad.conf
t_err "a line over 4096 bytes is refused" 1 "^credtrail: bad\.conf:1: line longer than 4096" \
    env CREDTRAIL_CONFIG=bad.conf $CT task list
t_err "a directory is not a configuration file" 1 "'$T' is a directory" \
    env CREDTRAIL_CONFIG=$T $CT task list
printf 'prefix = a\r\nallow = x.test\r\n' >crlf.conf
t_ok "CRLF line ends are accepted" env CREDTRAIL_CONFIG=crlf.conf $CT task list
t_ok "--help works whatever the file says" env CREDTRAIL_CONFIG=bad.conf $CT --help
t_done
