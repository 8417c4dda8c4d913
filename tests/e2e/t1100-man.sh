#!/usr/bin/env bash
# Man pages: the scdoc sources build into roff that mandoc and man accept without warnings,
# every command and sub-command has a page, and a page lists exactly the options its
# command's --help lists (so neither can drift from the option tables).
. "$(dirname "$0")/../lib.sh"

o=$T/o
make -s -C "$CT_TOP" O="$o" man >"$T/make.log" 2>&1
t_ok "make man builds every page with scdoc" test $? -eq 0 -a -d "$o/man"
nsrc=$(ls "$CT_TOP"/man/*.scd | wc -l)
t_is "one roff page per scdoc source" "$(ls "$o"/man/*.1 | wc -l)" "$nsrc"

# scdoc emits a .PP after every .SH and between list items; mandoc says it skips them, which
# changes nothing in the output.  Anything else mandoc or groff say is a defect of a page.
lint=""
for p in "$o"/man/*.1; do
	lint+=$(mandoc -Tlint -W warning "$p" 2>&1 | grep -v 'skipping paragraph macro')
	lint+=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
done
t_is "mandoc -Tlint and man --warnings find nothing in any page" "$lint" ""

# Rendered text of a page (ASCII, so options keep their two hyphens).
render() { mandoc -Tascii "$o/man/$1.1" 2>/dev/null | col -bx; }
# The long options a help text lists.
help_opts() { sed -n 's/^  \(-[a-zA-Z], \|    \)\(--[a-z0-9-]*\).*/\2/p' | sort -u; }
# The options a page's source describes (its option list entries: a line "*--name*...").
page_opts() { sed -n 's/^\*\(-[a-zA-Z]\*, \*\)\{0,1\}\(--[a-z0-9-]*\)\*.*/\2/p' "$CT_TOP/man/$1.1.scd" | sort -u; }

missing=() drift=() extra=()
check_page() { # PAGE HELPTEXT
	local page=$1 help=$2 opt
	if [ ! -f "$o/man/$page.1" ]; then
		missing+=("$page")
		return
	fi
	for opt in $(printf "%s\n" "$help" | help_opts); do
		page_opts "$page" | grep -qx -- "$opt" || drift+=("$page: $opt")
	done
}
cmds=$($CT --help | sed -n '/^commands:$/,/^$/{s/^  \([a-z0-9-]*\)  .*/\1/p}')
t_like "credtrail --help lists the commands" "$(echo $cmds)" '^task .*policy'
declare -A listed=()
for c in $cmds; do
	h=$($CT "$c" --help 2>&1)
	case $h in usage:*) ;; *) continue ;; esac	# a command with no help has no options yet
	subs=$(printf '%s\n' "$h" | sed -n '/^commands:$/,/^$/{s/^  \([a-z0-9-]*\)  .*/\1/p}')
	if [ -z "$subs" ]; then
		check_page "credtrail-$c" "$h"
		listed[credtrail-$c]=$(printf '%s\n' "$h" | help_opts)
		continue
	fi
	[ -f "$o/man/credtrail-$c.1" ] || missing+=("credtrail-$c")
	for s in $subs; do
		hs=$($CT "$c" "$s" --help)
		render "credtrail-$c" | grep -q "^ *$c $s\$" && page=credtrail-$c || page=credtrail-$c-$s
		check_page "$page" "$hs"
		listed[$page]+=$'\n'$(printf '%s\n' "$hs" | help_opts)
	done
done
t_is "every command and sub-command has a page" "${missing[*]}" ""
t_is "every option a --help lists has an entry in its command's page" "${drift[*]}" ""
for page in "${!listed[@]}"; do
	for opt in $(page_opts "$page"); do
		printf '%s\n' "${listed[$page]}" | grep -qx -- "$opt" || extra+=("$page: $opt")
	done
done
t_is "no page describes an option its command does not take" "${extra[*]}" ""
t_like "the pages checked include run, mint aws and task new" \
    "$(printf '%s\n' "${!listed[@]}" | sort | tr '\n' ' ')" \
    'credtrail-mint-aws .*credtrail-run .*credtrail-task '

# credtrail(1) itself: the exit status table and the configuration file
top=$(render credtrail)
nostatus=()
for s in 3 4 5 6 124 125 126 127; do
	printf '%s\n' "$top" | grep -Eq "^ *\| *$s *\|" || nostatus+=("$s")
done
t_is "credtrail(1) documents every exit status above 2" "${nostatus[*]}" ""
t_like "credtrail(1) documents the configuration precedence" "$(echo $top)" \
    'a flag wins over the environment, which wins over the configuration file, which wins over the built-in default'
t_like "a page renders its synopsis from the help's usage" "$(render credtrail-run)" \
    'credtrail run --task ID \[--allow RULE\]\.\.\.'
t_done
