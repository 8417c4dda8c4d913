#!/usr/bin/env bash
# Tasks and keys: ids are generated or validated, the ledger is found where documented, keys
# are written private and readable by stock OpenSSH, and bad input fails with one clear line.
. "$(dirname "$0")/../lib.sh"

id=$($CT task new --class dns-check)
t_like "a generated task id is 16 hex characters" "$id" '^[0-9a-f]{16}$'
id2=$($CT task new)
[ "$id" != "$id2" ]; _t_report $? "two generated ids differ"
t_is "a caller-supplied UUID is accepted as the id" \
    "$($CT task new --id 3f1c2d9e-1b7a-4c55-9d8e-0a1b2c3d4e5f)" "3f1c2d9e-1b7a-4c55-9d8e-0a1b2c3d4e5f"
t_err "a duplicate id is refused" 1 "task '3f1c2d9e-1b7a-4c55-9d8e-0a1b2c3d4e5f' already exists" \
    $CT task new --id 3f1c2d9e-1b7a-4c55-9d8e-0a1b2c3d4e5f
t_err "an id with a space is refused" 1 "invalid character at position 4" $CT task new --id 'abc def'
t_err "an id over 40 characters is refused" 1 "longer than 40 characters" \
    $CT task new --id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
t_err "a class with a slash is refused" 1 "task class 'a/b' has an invalid character" \
    $CT task new --class a/b
t_is "refused tasks left no rows" "$(t_sql 'select count(*) from tasks')" 3
t_is "task show --json gives id and class" \
    "$($CT task show --json "$id" | jq -c '[.id,.class,.credentials]')" "[\"$id\",\"dns-check\",[]]"
t_err "task show of an unknown id fails" 1 "no task 'nope' in the ledger" $CT task show nope
t_is "task list shows every task" "$($CT task list | wc -l)" 3
t_is "task list --json is an array of every task" "$($CT task list --json | jq length)" 3
t_err "an unknown option is a usage error" 2 "unknown option '--bogus'" $CT task new --bogus

# where the ledger lives
(unset CREDTRAIL_DB; XDG_DATA_HOME=$T/xdg $CT task new >/dev/null)
t_ok "without --db or CREDTRAIL_DB the ledger is under XDG_DATA_HOME" test -f "$T/xdg/credtrail/ledger.db"
(unset CREDTRAIL_DB XDG_DATA_HOME; HOME=$T/home $CT task new >/dev/null)
t_ok "without XDG_DATA_HOME it is under ~/.local/share" test -f "$T/home/.local/share/credtrail/ledger.db"
$CT --db "$T/other.db" task new --id viaflag >/dev/null
t_is "--db overrides CREDTRAIL_DB" "$(sqlite3 "$T/other.db" 'select id from tasks')" viaflag
if ! t_on_pg; then	# a SQLite file (t1300 runs this test on PostgreSQL too)
	t_is "the store uses WAL" "$(t_sql 'pragma journal_mode')" wal
	t_is "the ledger file is private" "$(stat -c %a "$CREDTRAIL_DB")" 600
fi
t_is "the schema version is recorded" "$(t_sql "select version from schema_versions where component='ledger'")" 1
echo "not a database at all" > "$T/junk.db"
t_err "a file that is not a store is refused" 1 "junk.db' is not a credtrail store" \
    $CT --db "$T/junk.db" task list
t_is "and left as it was" "$(cat "$T/junk.db")" "not a database at all"

# keys
for ty in ed25519 ecdsa-p256 rsa-3072; do
	out=$($CT keygen -t $ty -o "$T/k-$ty")
	t_is "keygen $ty writes the private key 0600" "$(stat -c %a "$T/k-$ty")" 600
	fp=$(ssh-keygen -lf "$T/k-$ty.pub" | awk '{print $2}')
	t_is "keygen $ty prints the fingerprint ssh-keygen computes from FILE.pub" \
	    "$(echo "$out" | awk '{print $2}')" "$fp"
	t_ok "openssl reads the $ty private key" openssl pkey -in "$T/k-$ty" -noout
done
t_err "keygen refuses to overwrite a key" 1 "already exists" $CT keygen -o "$T/k-ed25519"
t_err "keygen refuses an unknown type" 2 "unknown key type 'dsa'" $CT keygen -t dsa -o "$T/x"
t_err "keygen needs -o" 2 "missing -o FILE" $CT keygen

t_done
