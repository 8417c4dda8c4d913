#!/usr/bin/env bash
# Bash completion: generated from the binary's --help by completion/gen (as make completion
# does), it completes commands, sub-commands, every option a command's --help lists, file
# names after an option that takes a value, and command names after "--".
. "$(dirname "$0")/../lib.sh"

t_ok "completion/gen writes the completion from the binary's --help" \
    sh -c '"$1/completion/gen" "$2" "$1/completion/credtrail.bash" >"$3"' - "$CT_TOP" "$CT" \
    "$T/credtrail.bash"
t_ok "it is valid bash" bash -n "$T/credtrail.bash"
. "$T/credtrail.bash"
t_is "it registers _credtrail for credtrail" "$(complete -p credtrail)" "complete -F _credtrail credtrail"

# complete WORD... : what TAB offers for the last word
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_credtrail
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
t_is "a command prefix completes to the command" "$(complete_words credtrail ta)" "task"
t_is "after a global --db and its value too" "$(complete_words credtrail --db x.db in)" \
    "ingest inspect"
t_is "a group completes its sub-commands" "$(complete_words credtrail mint '')" \
    "--help aws gcp jwt ssh x509"
t_is "a global option prefix" "$(complete_words credtrail --v)" "--version"
want=$($CT run --help | sed -n 's/^      \(--e[a-z-]*\).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
t_is "run --e offers exactly run's --e options" "$(complete_words credtrail run --e)" "$want"
t_like "and those are several" "$want" '^--enforce --env --events$'
want=$($CT mint aws --help | sed -n 's/^      \(--p[a-z-]*\).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
t_is "mint aws --p offers mint aws's --p options" "$(complete_words credtrail mint aws --p)" "$want"

# every option of every command's --help is offered
miss=()
for c in $($CT --help | sed -n '/^commands:$/,/^$/{s/^  \([a-z0-9-]*\)  .*/\1/p}'); do
	h=$($CT "$c" --help 2>&1) || continue	# no help yet: nothing to offer
	subs=$(printf '%s\n' "$h" | sed -n '/^commands:$/,/^$/{s/^  \([a-z0-9-]*\)  .*/\1/p}')
	if [ -z "$subs" ]; then
		for o in $(printf '%s\n' "$h" | sed -n 's/^  \(-[a-zA-Z], \|    \)\(--[a-z0-9-]*\).*/\2/p'); do
			[[ " $(complete_words credtrail "$c" "$o") " == *" $o "* ]] || miss+=("$c $o")
		done
		continue
	fi
	for s in $subs; do
		for o in $($CT "$c" "$s" --help | sed -n 's/^  \(-[a-zA-Z], \|    \)\(--[a-z0-9-]*\).*/\2/p'); do
			[[ " $(complete_words credtrail "$c" "$s" "$o") " == *" $o "* ]] || miss+=("$c $s $o")
		done
	done
done
t_is "every option every --help lists is offered" "${miss[*]}" ""

mkdir "$T/files" && cd "$T/files" && touch events.jsonl evidence.txt
t_is "after an option taking a value, file names" "$(complete_words credtrail run --events ev)" \
    "events.jsonl evidence.txt"
t_is "after a flag, options again" "$(complete_words credtrail run --enforce --us)" "--user"
t_like "after --, the agent's command names" "$(complete_words credtrail run --task t -- bas)" \
    '(^| )bash( |$)'
t_done
