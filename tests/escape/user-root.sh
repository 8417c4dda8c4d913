#!/bin/sh
# escape: the agent as uid 0 (--user root)
# how: run as uid 0 without capabilities, and do what uid 0 may: write its pid into the root cgroup's cgroup.procs (leaving its cgroup and every hook with it) and read the signing key it owns
# notes: credtrail refuses a uid-0 agent user (status 125): capabilities are dropped, but uid 0 still owns the cgroup tree, the key and the ledger
#
# usage: user-root.sh BINDIR KEY   (BINDIR holds the cgroup-procs and signing-key programs)
"$1/cgroup-procs"
exec "$1/signing-key" "$2"
