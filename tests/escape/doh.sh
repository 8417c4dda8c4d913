#!/bin/sh
# escape: DNS over HTTPS to a literal IP
# how: curl --doh-url https://ADDR:PORT/dns-query: names resolved over HTTPS to an address given as a literal, so the DNS proxy never sees a query
# notes: reaching the DoH server is an ordinary TCP connect: cgroup/connect4 refuses the literal address (direct-IP)
#
# usage: doh.sh DOH_ADDR:PORT URL   (prints "curl STATUS")
echo "pid $$"
echo "ppid $PPID"
curl -sS --max-time 5 --doh-url "https://$1/dns-query" -o /dev/null "$2" 2>/dev/null
echo "curl $?"
