# The completion function (completion/gen puts the command and option tables in front).
#
#   credtrail <TAB>              commands        credtrail mint <TAB>      its sub-commands
#   credtrail run --<TAB>        run's options   credtrail run --events <TAB>   file names
#   credtrail run --task T -- <TAB>              command names (the agent's command line)

_credtrail()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local i=1 j cmd="" key w

	COMPREPLY=()
	# the command: the first word that is not a global option (or --db's value)
	while [ "$i" -lt "$COMP_CWORD" ]; do
		w=${COMP_WORDS[i]}
		case $w in
		--db) i=$((i + 2)) ;;
		-*) i=$((i + 1)) ;;
		*) cmd=$w; break ;;
		esac
	done
	if [ -z "$cmd" ]; then
		if [ "$prev" = --db ]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--db --version --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_credtrail_cmds" -- "$cur"))
		fi
		return 0
	fi
	key=$cmd
	if [ -n "${_credtrail_subs[$cmd]+set}" ]; then
		if [ $((i + 1)) -ge "$COMP_CWORD" ]; then
			COMPREPLY=($(compgen -W "${_credtrail_subs[$cmd]} --help" -- "$cur"))
			return 0
		fi
		key="$cmd ${COMP_WORDS[i + 1]}"
	fi
	# after "--" comes the agent's command line
	for ((j = i + 1; j < COMP_CWORD; j++)); do
		if [ "${COMP_WORDS[j]}" = -- ]; then
			COMPREPLY=($(compgen -c -- "$cur"))
			return 0
		fi
	done
	if [[ " ${_credtrail_vals[$key]-} " == *" $prev "* ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${_credtrail_opts[$key]-} --help" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
	return 0
}
complete -F _credtrail credtrail
