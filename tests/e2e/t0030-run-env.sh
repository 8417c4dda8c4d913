#!/usr/bin/env bash
# run --env: NAME=VALUE sets a variable for the agent; NAME alone copies credtrail's own value,
# so a secret never appears in a process list; an unset NAME is refused before the agent runs.
. "$(dirname "$0")/../lib.sh"

task=$($CT task new)
export CT_T0030_SECRET='s3cr3t value/+='
out=$($CT run --task "$task" --env CT_T0030_SECRET --env PLAIN=given -- \
    /bin/sh -c 'echo "$CT_T0030_SECRET|$PLAIN|${HOME+home-set}"' 2>/dev/null); rc=$?
t_is "the agent exits 0" "$rc" 0
t_is "NAME copies credtrail's value, NAME=VALUE sets one" "${out%%|home-set}" "s3cr3t value/+=|given"

# while the agent runs, its secret is in its environment but in no command line
$CT run --task "$task" --env CT_T0030_SECRET -- /bin/sh -c 'sleep 2' 2>/dev/null &
pid=$!
sleep 1
t_is "the secret is in no process's command line" \
    "$(grep -l -a 's3cr3[t] value' /proc/[0-9]*/cmdline 2>/dev/null | wc -l)" 0
wait $pid

unset CT_T0030_NOT_SET
t_err "an --env NAME that credtrail does not have is refused, and the agent does not run" 2 \
    "--env CT_T0030_NOT_SET: no such variable in credtrail's environment" \
    $CT run --task "$task" --env CT_T0030_NOT_SET -- /bin/sh -c 'touch '"$T"'/ran'
t_ok "the agent did not run" test ! -e "$T/ran"
t_err "an empty --env name is refused" 2 "--env expects NAME=VALUE or NAME, not '=x'" \
    $CT run --task "$task" --env =x -- /bin/true
t_done
