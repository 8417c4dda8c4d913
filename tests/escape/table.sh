#!/usr/bin/env bash
# tests/escape/table.sh LOG [README] - the escape suite's results as a markdown table.
#
# LOG is the TAP output of tests/e2e/t1000-escape.sh (tests/run keeps it in
# BUILD/test-logs/t1000-escape.log).  Its lines read "ok N - [TECH] MODE: KIND - what", KIND
# being "blocked", "recorded", "let through", or "not blocked"/"not recorded" for a known gap
# the suite asserts.  A cell says yes when every line of its (technique, mode, kind) is ok,
# no for an asserted gap, **NO** when a line failed, - when the suite checks nothing there.  The technique's name, what it does and
# the notes come from the header of its program, tests/escape/TECH.c or TECH.sh ("escape:",
# "how:", "notes:" lines).
#
# With README, the table replaces whatever stands between the lines
# "<!-- escape-table begin -->" and "<!-- escape-table end -->" of that file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log=${1:?usage: tests/escape/table.sh LOG [README]}
readme=${2:-}

field() { # field FILE KEY: the text after "KEY: " in the file's header comment
	[ -f "$1" ] || { echo "?"; return 0; }
	sed -n -E "s/^( \\*|#) $2: (.*)$/\\2/p" "$1" | head -n 1 | sed 's/|/\\|/g'
}

table() {
	local techs tech src cell_b cell_re cell_ra mode kind

	echo "| technique | how | blocked (enforce) | recorded (enforce) | recorded (audit) | notes |"
	echo "|---|---|---|---|---|---|"
	techs=$(sed -n -E 's/^(not )?ok [0-9]+ - \[([a-z0-9-]+)\] .*/\2/p' "$log" | awk '!seen[$0]++')
	for tech in $techs; do
		src=$here/$tech.c
		[ -f "$src" ] || src=$here/$tech.sh
		cell_b=$(cell2 "$tech" enforce blocked)
		cell_re=$(cell2 "$tech" enforce recorded)
		cell_ra=$(cell2 "$tech" audit recorded)
		printf '| %s ([%s](tests/escape/%s)) | %s | %s | %s | %s | %s |\n' \
		    "$(field "$src" escape)" "$tech" "$(basename "$src")" "$(field "$src" how)" \
		    "$cell_b" "$cell_re" "$cell_ra" "$(field "$src" notes)"
	done
}

# cell2 TECH MODE KIND: cell of KIND, or "no" when the suite asserts the known gap "not KIND"
cell2() {
	local c
	c=$(cell "$1" "$2" "$3")
	if [ "$c" = "-" ]; then
		c=$(cell "$1" "$2" "not $3")
		[ "$c" = yes ] && c=no
	fi
	echo "$c"
}

# cell TECH MODE KIND: yes (every such line ok), NO (one failed), - (none)
cell() {
	local pre="\\[$1\\] $2: $3 - " n f
	n=$(grep -c -E "^ok [0-9]+ - $pre" "$log" || true)
	f=$(grep -c -E "^not ok [0-9]+ - $pre" "$log" || true)
	if [ "$f" -gt 0 ]; then echo "**NO**"; elif [ "$n" -gt 0 ]; then echo yes; else echo "-"; fi
}

if [ -z "$readme" ]; then
	table
	exit 0
fi
grep -q '^<!-- escape-table begin -->$' "$readme" && grep -q '^<!-- escape-table end -->$' "$readme" || {
	echo "table.sh: no escape-table markers in $readme" >&2
	exit 1
}
new=$(mktemp)
trap 'rm -f "$new"' EXIT
table >"$new.t"
awk -v t="$new.t" '
	/^<!-- escape-table end -->$/ { while ((getline l < t) > 0) print l; skip = 0 }
	!skip { print }
	/^<!-- escape-table begin -->$/ { skip = 1 }
' "$readme" >"$new"
rm -f "$new.t"
cat "$new" >"$readme"
