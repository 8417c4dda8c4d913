#!/bin/sh
# escape: /etc/hosts-style literal addresses
# how: in a user and mount namespace of its own the agent bind-mounts its own hosts file over /etc/hosts, so that an allowed name resolves, without any DNS query, to an address of its choosing
# notes: only the addresses the DNS proxy admitted for the allowed name pass; the event gives the address no name (direct-IP), whatever the agent's resolver said
#
# usage: hosts.sh HOSTS_FILE PROG [ARG...]
exec unshare -Urm sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$@"
