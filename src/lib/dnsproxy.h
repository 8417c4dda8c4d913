/*
 * dnsproxy.h - credtrail's DNS proxy: forwards the agent's queries, records name ->
 * addresses, and in enforce mode answers only for allowed names and admits their addresses.
 *
 * The BPF programs of `credtrail run` redirect every DNS packet of the agent's subtree (UDP
 * and TCP port 53, any resolver) to this proxy on loopback.  For each query the proxy
 *
 *   1. parses it (dnsmsg.h); a query it cannot parse gets FORMERR, one that is not a
 *      standard query (opcode) gets NOTIMP;
 *   2. checks the question name against the allowlist (netpolicy.h; no policy given means
 *      every name is allowed).  Enforce mode: a name outside the allowlist is answered
 *      REFUSED locally (cfg.deny_rcode may choose NXDOMAIN instead) and never forwarded, so
 *      the agent cannot leak data upstream through the names it asks for.  Audit mode: it
 *      is forwarded and reported with verdict "audit";
 *   3. forwards it to the upstream resolver with a fresh random ID from a fresh socket
 *      (UDP; TCP when the client used TCP or the UDP answer came back truncated), waiting
 *      at most cfg.timeout_ms in total; an upstream that refuses, times out or answers
 *      garbage gets the client a SERVFAIL at once, never a hang.  An answer must carry our
 *      ID and the same question, or it is ignored (spoofing);
 *   4. follows the answer's CNAME chain from the question (ct_dns_chain()) and records every
 *      final A/AAAA address under every name of the chain (the name map below);
 *   5. for an allowed name, calls cfg.admit for every A/AAAA address of the chain - once
 *      per port the matching rules allow (port 0: any) - with ttl = max(record TTL,
 *      cfg.ttl_floor), BEFORE the answer is relayed, so the agent's connect() that follows
 *      finds the exact address admitted (never a wider prefix).  Metadata addresses
 *      (ct_netpolicy_is_metadata()) are never admitted through DNS.  If admit fails, or an
 *      enforce-mode answer cannot be parsed, the client gets SERVFAIL instead (fail closed);
 *   6. relays the upstream answer (its ID restored) and reports a ct_dns_event.
 * A UDP client gets the full answer when it fits its advertised size (512, or the EDNS
 * size); otherwise the truncated UDP answer, so that it retries over TCP.
 *
 * Threads: ct_dnsproxy_start() binds the sockets and starts one listener thread; every UDP
 * query and every TCP connection is served by a short-lived worker thread (at most
 * cfg.max_inflight queries and cfg.max_tcp_clients connections; beyond that UDP queries are
 * dropped and TCP connections closed, both counted).  The callbacks run on worker threads,
 * ONE AT A TIME (the proxy serialises them), never on the caller's thread.  Every wait
 * also watches the stop signal, so ct_dnsproxy_stop() returns promptly.
 *
 * The proxy makes no BPF or other privileged call: it only calls the callbacks, so it can
 * run in an unprivileged process (cfg.privsep, privsep.h).
 *
 * Name map: every name that resolved to an address (including the heads of CNAME chains)
 * is kept for the whole life of the proxy, TTL or not - a connection made after the TTL
 * expired still came from that name.  It holds at most CT_DNSPROXY_MAX_NAMES pairs; more
 * are counted in stats.names_dropped.
 */
#ifndef CT_DNSPROXY_H
#define CT_DNSPROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct ct_netpolicy;
struct json_t;

#define CT_DNSPROXY_MAX_LISTEN		4
#define CT_DNSPROXY_TIMEOUT_MS		3000	/* upstream, per query, in total */
#define CT_DNSPROXY_TTL_FLOOR		10	/* seconds: admitted addresses live at least this */
#define CT_DNSPROXY_MAX_TCP_CLIENTS	32
#define CT_DNSPROXY_MAX_INFLIGHT	128
#define CT_DNSPROXY_TCP_IDLE_MS		10000	/* a TCP client silent this long is closed */
#define CT_DNSPROXY_MAX_NAMES		65536	/* (address, name) pairs in the name map */

enum ct_dns_verdict {
	CT_DNS_ALLOW = 0,	/* allowed (or no policy): forwarded */
	CT_DNS_DENY,		/* enforce mode, outside the allowlist: answered locally */
	CT_DNS_AUDIT,		/* audit mode, outside the allowlist: forwarded anyway */
};

/* "allow", "deny", "audit" */
const char *ct_dns_verdict_name(enum ct_dns_verdict v);

struct ct_dns_answer {
	const char *name;	/* owner, presentation form */
	uint16_t type;
	uint32_t ttl;
	int family;		/* A: AF_INET, AAAA: AF_INET6, else 0 */
	uint8_t addr[16];
	const char *target;	/* CNAME: the target, else NULL */
};

struct ct_dns_event {
	int64_t time_us;		/* the query arrived (µs since the epoch) */
	int64_t duration_us;		/* until the reply was sent */
	int proto;			/* IPPROTO_UDP or IPPROTO_TCP, as the client asked */
	int client_family;		/* AF_INET or AF_INET6 */
	uint8_t client_addr[16];
	uint16_t client_port;		/* join key with the BPF sendmsg/connect event */
	uint16_t id;			/* the client's query ID */
	const char *qname;		/* "" when the query had no parsable question */
	uint16_t qtype;
	enum ct_dns_verdict verdict;
	int rcode;			/* as sent to the client; -1: nothing sent */
	const struct ct_dns_answer *answers;	/* A, AAAA and CNAME records (class IN) */
	size_t nanswers;
	const char *const *chain;	/* question name, then CNAME targets */
	size_t nchain;
	int upstream_tcp;		/* the answer came from upstream over TCP */
	const char *error;		/* why the proxy answered by itself, or NULL */
};

struct ct_dnsproxy_config {
	/* loopback address(es) to listen on, UDP and TCP; port 0 in the first: an
	 * ephemeral port, used for all of them */
	struct sockaddr_storage listen[CT_DNSPROXY_MAX_LISTEN];
	size_t nlisten;
	struct sockaddr_storage upstream;	/* the resolver (see ct_dns_parse_addrport) */
	const struct ct_netpolicy *policy;	/* NULL: every name allowed; must outlive
						 * the proxy and not change while it runs */
	int enforce;
	int deny_rcode;			/* 0: CT_DNS_RCODE_REFUSED */
	int timeout_ms;			/* 0: CT_DNSPROXY_TIMEOUT_MS */
	unsigned ttl_floor;		/* 0: CT_DNSPROXY_TTL_FLOOR */
	size_t max_tcp_clients;		/* 0: CT_DNSPROXY_MAX_TCP_CLIENTS */
	size_t max_inflight;		/* 0: CT_DNSPROXY_MAX_INFLIGHT */
	/* one event per query (may be NULL) */
	void (*on_event)(const struct ct_dns_event *ev, void *arg);
	/* admit (family, addr: 4 or 16 bytes, port or 0, ttl seconds) for `name` (the question
	 * name); 0 to go on, non-zero to answer SERVFAIL (may be NULL) */
	int (*admit)(int family, const uint8_t *addr, uint16_t port, uint32_t ttl, const char *name,
	    void *arg);
	void *arg;
	/*
	 * Privilege separation (privsep.h): parse nothing here.  The proxy runs in a child
	 * process of its own - re-executed, a dynamic uid when root, no capabilities, seccomp,
	 * an empty root - and this process only answers its requests, each checked against
	 * `policy` again: on_event and admit then run on the proxy's monitor thread, after the
	 * checks.  If the child breaks the request table or dies, nothing more is admitted
	 * (stats.lost) and on_incident gets a "privsep" event.
	 */
	int privsep;
	/* privsep: a "privsep" event for the run's log; the reference is stolen (may be NULL) */
	void (*on_incident)(struct json_t *ev, int64_t time_us, void *arg);
};

struct ct_dnsproxy_stats {
	uint64_t queries;		/* every query received */
	uint64_t forwarded;
	uint64_t denied;		/* answered locally by policy */
	uint64_t servfail;		/* answered SERVFAIL by the proxy */
	uint64_t upstream_timeouts;
	uint64_t dropped;		/* UDP queries over max_inflight, bad packets */
	uint64_t tcp_rejected;		/* TCP connections over max_tcp_clients */
	uint64_t admitted;		/* admit calls that succeeded */
	uint64_t names_dropped;		/* pairs the full name map could not keep */
	/* privsep: the counters above the admitted line are the child's own report */
	uint64_t refused;		/* requests of the child refused (then it is killed) */
	uint64_t lost;			/* 1: the child died or was killed before the stop */
};

struct ct_dnsproxy;

void ct_dnsproxy_config_init(struct ct_dnsproxy_config *cfg);

/*
 * Bind the listening sockets and start the proxy.  Errors: CT_ERR_INVALID (no listen
 * address, no upstream), CT_ERR_SYSTEM (bind: "cannot listen on 127.0.0.1:53: ..."),
 * CT_ERR_NOMEM.
 */
int ct_dnsproxy_start(const struct ct_dnsproxy_config *cfg, struct ct_dnsproxy **out);

/* Stop (waits for the workers, each bounded by the timeouts) and free.  NULL is a no-op. */
void ct_dnsproxy_stop(struct ct_dnsproxy *px);

/* The port the proxy listens on (host order), UDP and TCP. */
uint16_t ct_dnsproxy_port(const struct ct_dnsproxy *px);

/*
 * Every name that resolved to (family, addr) so far (addr 4 or 16 bytes; IPv4-mapped IPv6
 * is looked up as IPv4), in the order first seen; *out is a malloc'd array of malloc'd
 * strings (ct_dnsproxy_names_free).  *nout 0 and *out NULL: none (a direct-IP address).
 * Thread-safe.
 */
int ct_dnsproxy_names_for_addr(struct ct_dnsproxy *px, int family, const void *addr, char ***out,
    size_t *nout);
void ct_dnsproxy_names_free(char **names, size_t n);

/*
 * Call fn for every address in the name map with its names (in the order first seen),
 * holding the proxy's lock: fn must not call back into the proxy.  Addresses come in no
 * particular order.  Stops at and returns fn's first non-zero.
 */
int ct_dnsproxy_names_foreach(struct ct_dnsproxy *px,
    int (*fn)(int family, const uint8_t *addr, const char *const *names, size_t n, void *arg),
    void *arg);

void ct_dnsproxy_get_stats(struct ct_dnsproxy *px, struct ct_dnsproxy_stats *out);

/* privsep: the child's pid (-1 without privsep, or once it is gone) and the uid it runs as. */
pid_t ct_dnsproxy_child_pid(struct ct_dnsproxy *px);
uid_t ct_dnsproxy_child_uid(const struct ct_dnsproxy *px);

/*
 * The child's side of privsep, in the re-executed process (`credtrail dns-proxy
 * --privsep-child 3`): read the configuration from fd, lock down, serve until SIGTERM (or
 * the parent's death), report the counters.  Returns when done; the caller must _exit().
 */
int ct_dnsproxy_child_main(int fd);

/*
 * "ADDR", "ADDR:PORT", "[V6ADDR]:PORT" (a bare IPv6 address takes no port; PORT 0-65535)
 * into a socket address; defport when no port is given.  CT_ERR_INVALID with the reason.
 */
int ct_dns_parse_addrport(const char *s, uint16_t defport, struct sockaddr_storage *out);

/*
 * The first "nameserver" of a resolv.conf (port 53).  CT_ERR_NOTFOUND when there is none,
 * CT_ERR_SYSTEM when the file cannot be read.
 */
int ct_dns_upstream_from_resolv_conf(const char *path, struct sockaddr_storage *out);

/* "127.0.0.1:53" or "[::1]:53" */
void ct_dns_fmt_addrport(const struct sockaddr_storage *ss, char *out, size_t outsz);

/*
 * The event as a JSON object (a new reference, NULL when out of memory) with the stable
 * field names documented in the README: type "dns", time, proto, client_port, id, qname,
 * qtype, verdict, rcode, answers [{name, type, ttl, data}], chain, upstream_tcp, error.
 */
struct json_t *ct_dns_event_json(const struct ct_dns_event *ev);

#endif
