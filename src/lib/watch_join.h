/*
 * watch_join.h - an egress proxy's records beside the monitor's, per invocation (`credtrail
 * watch report`).
 *
 * IronClaw sends a container's HTTP(S) through its iron-proxy sidecar, which logs one line per
 * request (host, method, path, remote_addr, action; `credtrail ingest --format ironproxy`
 * stores them as provider events).  The monitor records every connection of every sub-run of
 * a watch (one per ironclaw-exec invocation).  The join puts each proxy request under the
 * invocation whose connection carried it, and flags each connection of an invocation the
 * proxy cannot have seen: a bypass of the proxy.
 *
 * A request joins a connection, in this order of strength:
 *   "source"  its remote_addr (address and port, read back from the proxy's own line in the
 *             ingested file and checked against the line's digest) is the connection's source,
 *             and it happened while the connection was open (give or take the skew);
 *   "host"    its host is one of the names the connection's address was resolved from (a
 *             transparent proxy: the name led to the proxy), the connection may be the
 *             proxy's (see below), it was open then, and only one invocation has one;
 *   "window"  exactly one invocation talked to the proxy then - when the request's source
 *             port is known, over a connection whose port is not (still open when the record
 *             ended) - (weak: said so).
 * Otherwise it is unattributed (another container, before or after the watch, ambiguous).
 * A selected sub-run's siblings in the same watch take part in the join (their requests are
 * theirs, and a time that fits two invocations fits none) but are not shown.
 *
 * The proxy's addresses are the destinations matching `proxy` (rules as for --allow: a name,
 * an address or CIDR, optionally with a port), or, when none are given, the destinations of
 * the connections that some request joined by source.  A connection is a bypass when it was
 * let through (not denied), is not DNS (port 53 goes to credtrail's own DNS proxy), and its
 * destination is not the proxy; without any known proxy address nothing can be called a
 * bypass and the result says so.
 *
 * The proxy's records come from the store (provider "ironproxy"); the monitor's from the
 * runs, net_events and watch_subruns tables.  Nothing is written.
 */
#ifndef CT_WATCH_JOIN_H
#define CT_WATCH_JOIN_H

#include <stdint.h>

#include <jansson.h>

struct ct_store;
struct ct_netpolicy;

#define CT_WATCH_JOIN_SKEW_US	2000000	/* default: 2 s */

struct ct_watch_join_params {
	const char *run_id;		/* a watch's run (all its sub-runs) or one sub-run */
	const char *task_id;		/* or: every watch run of this task, and the sub-runs
					 * whose task it is */
	const struct ct_netpolicy *proxy;	/* the proxy's addresses; NULL: inferred */
	int64_t skew_us;		/* negative: CT_WATCH_JOIN_SKEW_US */
};

/*
 * The join as JSON:
 *   {"proxy": {"rules": [text], "inferred": [addr:port], "known": bool}, "skew_us",
 *    "invocations": [{"run", "task", "nonce", "watch_run", "pid", "start", "end",
 *        "exit_status", "complete", "own": bool (the watch's own events, not a sub-run),
 *        "connections": [{"net_event", "time", "close", "proto", "src", "sport", "dst",
 *            "dport", "names", "verdict", "pid", "via_proxy": bool|null, "requests": [id]}],
 *        "requests": [{"provider_event", "time", "host", "method", "path", "action",
 *            "status", "source", "joined_by": "source|host|window", "net_event",
 *            "read_back": bool, "note"}],
 *        "findings": [{"kind": "proxy-bypass|proxy-unrecorded", "severity", "summary",
 *            "net_event"}]}],
 *    "unattributed": [request, with "reason"],
 *    "totals": {"invocations", "connections", "requests", "joined", "bypasses"}}
 * CT_ERR_NOTFOUND when the run or task has nothing to join.
 */
int ct_watch_join(struct ct_store *st, const struct ct_watch_join_params *p, json_t **out);

#endif
