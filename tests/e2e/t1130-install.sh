#!/usr/bin/env bash
# make install puts exactly the binary, one man page per scdoc source and the bash completion
# under DESTDIR/PREFIX (nothing else: no service files, no BPF object beside the binary), the
# installed binary and pages work, and make uninstall removes every file it installed.
. "$(dirname "$0")/../lib.sh"

# An output folder holding the binary under test; -o keeps make from rebuilding it.
o=$T/o
mkdir -p "$o" && cp "$CT" "$o/credtrail"
d=$T/dest
make -s -C "$CT_TOP" O="$o" -o "$o/credtrail" DESTDIR="$d" PREFIX=/opt/ct install \
    >"$T/install.log" 2>&1
t_ok "make install DESTDIR=... PREFIX=/opt/ct succeeds" test $? -eq 0

want=$( {
	echo opt/ct/bin/credtrail
	echo opt/ct/share/bash-completion/completions/credtrail
	for s in "$CT_TOP"/man/*.scd; do
		n=$(basename "$s" .scd)
		echo "opt/ct/share/man/man1/$n"
	done
} | sort)
got=$(cd "$d" && find . -type f -o -type l | sed 's|^\./||' | sort)
t_is "exactly the binary, the man pages and the completion are installed" "$got" "$want"
t_like "there is a page per command (credtrail.1, credtrail-run.1, credtrail-mint-aws.1)" \
    "$(echo $got)" 'man1/credtrail-mint-aws\.1 .*man1/credtrail-run\.1 .*man1/credtrail\.1$'
t_is "the binary is installed executable" "$(stat -c %a "$d/opt/ct/bin/credtrail")" 755
t_is "pages and completion are installed read-only for others" \
    "$(stat -c %a "$d/opt/ct/share/man/man1/credtrail.1" \
    "$d/opt/ct/share/bash-completion/completions/credtrail" | sort -u)" 644
t_is "the installed binary is the one built" "$("$d/opt/ct/bin/credtrail" --version)" \
    "$($CT --version)"
t_is "man finds the installed page by name" \
    "$(MANPATH=$d/opt/ct/share/man man -w credtrail-run)" "$d/opt/ct/share/man/man1/credtrail-run.1"
t_like "and renders it" "$(MANWIDTH=80 MANPATH=$d/opt/ct/share/man man credtrail-run 2>&1 | col -b)" \
    'credtrail-run - run an agent under the egress monitor'
t_ok "the installed completion is valid bash naming the commands" \
    bash -c '. "$1" && [ -n "$_credtrail_cmds" ] && complete -p credtrail' - \
    "$d/opt/ct/share/bash-completion/completions/credtrail"

make -s -C "$CT_TOP" O="$o" -o "$o/credtrail" DESTDIR="$d" PREFIX=/opt/ct uninstall \
    >"$T/uninstall.log" 2>&1
t_ok "make uninstall succeeds" test $? -eq 0
t_is "and leaves no file behind" "$(cd "$d" && find . -type f -o -type l)" ""
make -s -C "$CT_TOP" O="$o" -o "$o/credtrail" DESTDIR="$d" PREFIX=/opt/ct uninstall \
    >"$T/uninstall2.log" 2>&1
t_ok "uninstalling twice is not an error" test $? -eq 0
t_done
