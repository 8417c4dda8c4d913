/*
 * privsep.h - privilege separation of the DNS proxy, after OpenSSH's monitor.
 *
 * The DNS proxy parses what the agent controls (its queries) and what the agent can
 * influence (the answers to names it picks), so with privsep it runs in a child process
 * that holds nothing worth stealing and can do almost nothing:
 *
 *   privileged parent (credtrail run/watch/exec)   unprivileged child (the proxy)
 *   - the signing key, the event log, the store     - the bound listening sockets
 *   - the BPF maps (admission), the policy          - one end of a SOCK_SEQPACKET pair
 *   - the name map labelling connections            - an empty, deleted root directory
 *   - validates every request of the child          - a dynamic uid, no groups, no caps,
 *                                                     no_new_privs, seccomp, low rlimits
 *
 * The parent binds the sockets, forks and re-executes credtrail (`credtrail dns-proxy
 * --privsep-child 3`), so the child's memory holds no copy of the key.  The child reads its
 * configuration, locks itself down (ct_privsep_sandbox) and serves; the parent then only
 * answers the child's requests, one at a time, each checked against this table:
 *
 *   request  allowed in       body (SSH wire encoding)          the parent's checks
 *   READY    INIT             -                                  once; INIT -> RUN
 *   CHECK    RUN              qname, qtype                       name syntax; replies the
 *                                                                verdict from ITS policy
 *   ADMIT    RUN              family, addr, ttl, qname           family/length, name syntax,
 *                                                                name allowed by ITS policy,
 *                                                                never a metadata address,
 *                                                                ttl clamped;
 *                                                                ports from ITS rules
 *   EVENT    RUN              the query's record, the chain,     every length and count,
 *                             the answers, the proxy's counters  name syntax, types match
 *                                                                families, the verdict is
 *                                                                the parent's, the duration
 *                                                                within the proxy's life
 *                                                                (the time is the parent's)
 *   STATS    RUN              the proxy's counters               once; RUN -> DONE
 *
 * Every message is one datagram of at most CT_PRIVSEP_MSG_MAX octets: a 16-octet header
 * (u32 version, u32 type, u32 sequence number, u32 body length) and the body.  Requests are
 * numbered 1, 2, 3, ... and every reply carries the number it answers.  A request that
 * breaks the table (bad version, unknown type, wrong state, wrong number, bad length, any
 * field out of bounds, an ADMIT the policy does not allow) is REFUSED and recorded: the
 * parent reports it (on_incident) and stops serving, and the caller kills the child - a
 * well-behaved child never sends one, so the child is presumed compromised.  From then on
 * nothing new is admitted (fail closed): the agent's queries go unanswered.
 */
#ifndef CT_PRIVSEP_H
#define CT_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ct_netpolicy;
struct ct_dns_event;
struct json_t;

#define CT_PRIVSEP_VERSION	1
#define CT_PRIVSEP_HDR_LEN	16
#define CT_PRIVSEP_MSG_MAX	65536	/* header included */
#define CT_PRIVSEP_TTL_MAX	86400	/* admitted addresses live at most a day */
#define CT_PRIVSEP_MAX_ERROR	255	/* octets of an event's error text */
#define CT_PRIVSEP_CHILD_FD	3	/* the child's end of the pair, after exec */

enum ct_privsep_type {
	/* child -> parent */
	CT_PS_READY = 1,
	CT_PS_CHECK = 2,
	CT_PS_ADMIT = 3,
	CT_PS_EVENT = 4,
	CT_PS_STATS = 5,
	/* parent -> child */
	CT_PS_CONFIG = 64,
	CT_PS_REPLY = 65,
};

enum ct_privsep_state {
	CT_PS_STATE_INIT = 0,	/* waiting for READY */
	CT_PS_STATE_RUN,
	CT_PS_STATE_DONE,	/* final STATS received: nothing more is accepted */
	CT_PS_STATE_DEAD,	/* a request was refused, or the child is gone */
};

/* REPLY status */
#define CT_PS_OK	0
#define CT_PS_REFUSED	1
#define CT_PS_FAILED	2	/* allowed, but the parent could not do it (e.g. BPF map full) */

/* The proxy's counters as the child reports them (see struct ct_dnsproxy_stats). */
struct ct_privsep_counters {
	uint64_t queries, forwarded, denied, servfail, upstream_timeouts, dropped,
	    tcp_rejected, admitted, names_dropped;
};

/* What the parent sends the child first. */
struct ct_privsep_config {
	uint32_t enforce;
	uint32_t deny_rcode;
	uint32_t timeout_ms;
	uint32_t ttl_floor;
	uint32_t max_tcp_clients;
	uint32_t max_inflight;
	uint32_t nlisten;		/* listening fds: UDP then TCP, pairwise, from fd 4 */
	uint32_t port;
	uint32_t uid, gid;		/* drop to these (root only) */
	uint32_t family;		/* the upstream resolver */
	uint8_t addr[16];
	uint32_t upstream_port;
};

/* The parent's side: what it checks against and what it calls. */
struct ct_privsep_parent_ops {
	const struct ct_netpolicy *policy;	/* NULL: every name allowed */
	int enforce;
	unsigned ttl_floor;
	int64_t start_us;			/* the start (event times from before the run are refused) */
	/* the real admission (BPF map), per port (0: any); 0 or non-zero as in dnsproxy.h */
	int (*admit)(int family, const uint8_t *addr, uint16_t port, uint32_t ttl,
	    const char *name, void *arg);
	/* a validated event; every pointer in it is valid during the call only */
	void (*on_event)(const struct ct_dns_event *ev, const struct ct_privsep_counters *c,
	    void *arg);
	/* a validated final STATS */
	void (*on_stats)(const struct ct_privsep_counters *c, void *arg);
	/* a refused request ("privsep" event, the reference is stolen) */
	void (*on_incident)(struct json_t *ev, int64_t time_us, void *arg);
	void *arg;
};

struct ct_privsep_parent {
	int fd;
	enum ct_privsep_state state;
	uint32_t seq;			/* the last request number served */
	uint64_t requests;		/* served */
	uint64_t refused;
	uint64_t admits;		/* ADMITs granted */
	char why[256];			/* the last refusal */
	struct ct_privsep_parent_ops ops;
	int64_t init_mono_us;		/* ct_mono_us() at init, to place ops.start_us */
};

/* Set up the parent's side over fd (not owned). */
void ct_privsep_parent_init(struct ct_privsep_parent *pp, int fd,
    const struct ct_privsep_parent_ops *ops);

/*
 * Receive one request (blocking), check it against the table, act on it and reply.
 * Returns 0 when served, 1 at end of file (the child is gone), CT_ERR_PERM when the request
 * was refused (recorded through on_incident; pp->state is then DEAD and the caller must
 * kill the child), another negative code when the socket failed.
 */
int ct_privsep_parent_serve(struct ct_privsep_parent *pp);

/*
 * The same for a message the caller already holds (n octets).  Exposed for the tests and
 * the fuzzer: this is the whole of the parent's attack surface.
 */
int ct_privsep_parent_handle(struct ct_privsep_parent *pp, const uint8_t *msg, size_t n);

/* Send the configuration (parent) / receive it (child, blocking up to timeout_ms). */
int ct_privsep_send_config(int fd, const struct ct_privsep_config *c);
int ct_privsep_recv_config(int fd, int timeout_ms, struct ct_privsep_config *out);

/*
 * Child side: one request and its reply (thread-safe: one call at a time).  `body` is the
 * encoded body (may be NULL with n 0); *status and *value from the REPLY (may be NULL).
 * CT_ERR_NET when the parent is gone or did not answer within 10 s.
 */
struct ct_privsep_child;
int ct_privsep_child_new(int fd, struct ct_privsep_child **out);
void ct_privsep_child_free(struct ct_privsep_child *c);
int ct_privsep_call(struct ct_privsep_child *c, uint32_t type, const void *body, size_t n,
    uint32_t *status, uint32_t *value);

/* Encoders of the request bodies (the child's, and the tests' forgeries). */
struct ct_buf;
int ct_privsep_enc_check(struct ct_buf *b, const char *qname, uint16_t qtype);
int ct_privsep_enc_admit(struct ct_buf *b, int family, const uint8_t *addr, uint32_t ttl,
    const char *qname);
/* Answers that would not fit CT_PRIVSEP_MSG_MAX are left out and counted in the body. */
int ct_privsep_enc_event(struct ct_buf *b, const struct ct_dns_event *ev,
    const struct ct_privsep_counters *c);
int ct_privsep_enc_counters(struct ct_buf *b, const struct ct_privsep_counters *c);
/* A whole message: header then body. */
int ct_privsep_frame(struct ct_buf *out, uint32_t type, uint32_t seq, const void *body,
    size_t n);

/*
 * Lock the calling process down for good (before it starts any thread): chroot into an
 * empty directory that no longer exists, no supplementary groups, uid/gid as given (when
 * root), every capability and the bounding set dropped, no_new_privs, not dumpable, the
 * parent's death delivers SIGTERM, RLIMIT_NOFILE at nofile, RLIMIT_NPROC at nproc, no core
 * or file writes, then the seccomp filter (see privsep.c for the list; anything else kills
 * the process).  Any failure is returned and the caller must exit.
 */
int ct_privsep_sandbox(uid_t uid, gid_t gid, unsigned long nofile, unsigned long nproc);

/*
 * Parent side: fork and re-execute credtrail (/proc/self/exe) as the child with fd pair_fd
 * as CT_PRIVSEP_CHILD_FD and listen_fds[0..n) from CT_PRIVSEP_CHILD_FD + 1 on, nothing else
 * open but stderr, and an environment of only the sanitizer options.  *pid on success.
 */
int ct_privsep_spawn(int pair_fd, const int *listen_fds, size_t n, pid_t *pid);

/* A dynamic uid for the child: free in the passwd database, never 0 or the caller's. */
uid_t ct_privsep_pick_uid(void);

/* "READY", "CHECK", ... */
const char *ct_privsep_type_name(uint32_t type);

#endif
