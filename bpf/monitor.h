/*
 * monitor.h - what the kernel side (monitor.bpf.c) and the loader (src/lib/monitor.c) share:
 * event records, map keys, drop causes.  Fixed-width types only, no pointers, so the layout is
 * the same for clang -target bpf and the host compiler.
 *
 * Addresses are 16 bytes in network order; an IPv4 address takes the first 4 bytes (and an
 * IPv4-mapped IPv6 destination is reported and judged as the IPv4 address it carries).  Ports
 * are in host order.  Times are CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns); the loader
 * turns them into wall-clock time.
 */
#ifndef CT_BPF_MONITOR_H
#define CT_BPF_MONITOR_H

#define CT_MON_COMM_LEN		16
#define CT_MON_PATH_LEN		256
#define CT_MON_ARG_LEN		128
#define CT_MON_ARGS_LEN		512	/* exec argument bytes kept, when asked for */

/* ct_mon_hdr.type */
enum ct_mon_type {
	CT_MON_CONNECT = 1,	/* connect() on an inet socket (TCP, UDP, ping) */
	CT_MON_SENDMSG = 2,	/* sendto/sendmsg with a destination (unconnected UDP) */
	CT_MON_SOCK_CREATE = 3,	/* a raw or packet socket */
	CT_MON_CLOSE = 4,	/* a TCP connection reached CLOSE (the kernel leaves the
				 * process, verdict and open time to the loader, which
				 * takes them from the connect record of the same cookie) */
	CT_MON_FORK = 5,	/* a new process (not a thread) */
	CT_MON_EXEC = 6,
	CT_MON_EXIT = 7,	/* the last thread of a process exited */
	CT_MON_UNIX_CONNECT = 8,	/* connect() on a unix socket (struct ct_mon_unix) */
	CT_MON_UNIX_SENDMSG = 9,	/* sendmsg to a unix address (struct ct_mon_unix) */
	CT_MON_DENIED = 10,	/* a privilege check the kernel refused (struct ct_mon_denied) */
	CT_MON_OTHER_SEND = 11,	/* a send on a socket not inet/unix/netlink (ct_mon_net) */
	CT_MON_TYPE_MAX = 12,
};

/* ct_mon_net.verdict */
enum ct_mon_verdict {
	CT_MON_ALLOW = 1,	/* enforce mode: let through */
	CT_MON_DENY = 2,	/* enforce mode: refused with EPERM */
	CT_MON_AUDIT = 3,	/* audit mode: let through, recorded */
};

/* ct_mon_net.flags */
enum ct_mon_flags {
	CT_MONF_REDIRECT = 1 << 0,	/* DNS: sent to the proxy instead of odaddr:odport */
	CT_MONF_V4MAPPED = 1 << 1,	/* an IPv6 socket aimed at ::ffff:a.b.c.d */
	CT_MONF_METADATA = 1 << 2,	/* a cloud metadata address */
	CT_MONF_NOMATCH = 1 << 3,	/* audit mode: the allowlist would have refused it */
	CT_MONF_ESTABLISHED = 1 << 4,	/* close: the connection was established */
	CT_MONF_PROXY = 1 << 5,		/* straight to credtrail's DNS proxy */
};

/* Drop causes: index into the `drops` array map. */
enum ct_mon_drop {
	CT_DROP_RINGBUF_NET = 0,	/* ring buffer full: network event lost */
	CT_DROP_RINGBUF_PROC = 1,	/* ring buffer full: process event lost */
	CT_DROP_SKSTORAGE = 2,		/* per-socket state lost: DNS redirect storage, or
					 * (counted by the loader) a close whose connect
					 * record was not there to join */
	CT_DROP_EXEC_PATH = 3,		/* exec filename or argv[0] unreadable (event kept) */
	CT_DROP_MAX = 4,
};

struct ct_mon_hdr {
	__u64 ts_ns;
	__u32 type;		/* enum ct_mon_type */
	__u32 pid;		/* process (thread group) id */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 pad;
	char comm[CT_MON_COMM_LEN];
};

struct ct_mon_net {
	struct ct_mon_hdr h;
	__u64 cookie;		/* socket cookie: ties a close to its connect */
	__u64 open_ns;		/* close: when connect() was called */
	__u64 bytes_sent;	/* close: payload bytes sent (retransmissions included) */
	__u64 bytes_recv;	/* close: payload bytes received */
	__u32 verdict;		/* enum ct_mon_verdict */
	__u32 flags;		/* enum ct_mon_flags */
	__u16 family;		/* AF_INET or AF_INET6 of the destination as judged */
	__u16 proto;		/* IPPROTO_* */
	__u16 sock_type;	/* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ... */
	__u16 sock_family;	/* the socket's own family (AF_INET6 for a v4-mapped connect) */
	__u16 sport;
	__u16 dport;
	__u16 odport;		/* DNS redirect: the port the agent asked for (53) */
	__u16 ofamily;		/* DNS redirect: the family of odaddr as judged */
	__u8 saddr[16];
	__u8 daddr[16];
	__u8 odaddr[16];	/* DNS redirect: the resolver the agent asked for */
};

struct ct_mon_proc {
	struct ct_mon_hdr h;
	__s32 exit_code;	/* exit: wait status (code << 8 | signal) */
	__u32 child_tid;	/* fork: unused (h.pid is the child, h.ppid the parent) */
	char filename[CT_MON_PATH_LEN];	/* exec */
	char argv0[CT_MON_ARG_LEN];	/* exec */
};

/*
 * An exec event with the start of the new program's argument area (argv strings, each
 * NUL-terminated), sent instead of a bare ct_mon_proc when the loader sets cfg_exec_args
 * (`credtrail watch --split-by-exec` needs an argument of the exec, not just argv[0]).
 */
struct ct_mon_exec {
	struct ct_mon_proc p;
	__u32 args_len;		/* bytes in args */
	__u32 args_total;	/* size of the whole argument area (more than args_len: cut) */
	char args[CT_MON_ARGS_LEN];
};

/*
 * DNS clients (when the loader asks for them): the local port of an agent socket whose DNS
 * was redirected to the proxy -> the process that sent through it, recorded before the query
 * can reach the proxy, so the proxy's report of a query can name the process that asked.
 */
struct ct_mon_dns_key {
	__u16 proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	__u16 port;		/* the agent socket's local port, host order */
};

struct ct_mon_dns_val {
	__u32 pid;
	__u32 tid;
	__u64 cookie;		/* the socket */
	__u64 ts_ns;
};

#define CT_MON_UNIX_PATH_LEN	108	/* sizeof(sun_path) */

/*
 * A unix socket's connect, or sendmsg with an address (the first per socket and path).  Not
 * egress, never refused, but recorded: a listener outside the cgroup may forward what it
 * gets.  path holds sun_path as the agent gave it (path_len bytes; an abstract address
 * starts with a NUL byte).
 */
struct ct_mon_unix {
	struct ct_mon_hdr h;
	__u64 cookie;
	__u32 verdict;		/* CT_MON_ALLOW (enforce mode) or CT_MON_AUDIT */
	__u16 sock_type;
	__u16 path_len;
	char path[CT_MON_UNIX_PATH_LEN];
	__u8 pad[4];
};

/* ct_mon_denied.cap when seccomp refused the system call (credtrail's own filter) */
#define CT_MON_CAP_SECCOMP	0xffff

/*
 * A capability check the kernel refused the agent (signalling or tracing a process of
 * another user, opening a file it may not, a raw socket in the host's namespace, ...), or a
 * system call credtrail's seccomp filter trapped: the attempt failed, and this is its record.
 * The system call and its first three arguments are the caller's (x86-64 numbers; -1 when
 * the check ran outside one, e.g. on an io_uring worker); path is the file name argument of
 * the open/mkdir/unlink/rename family, read from the caller's memory.
 */
struct ct_mon_denied {
	struct ct_mon_hdr h;
	__u32 cap;		/* CAP_*, or CT_MON_CAP_SECCOMP */
	__s32 syscall;
	__u64 args[3];
	__u32 path_len;		/* bytes in path, 0: none */
	__u32 pad;
	char path[CT_MON_PATH_LEN];
};

/* Exact allow entries (enforce mode), filled by the loader and the DNS proxy. */
struct ct_mon_allow_key {
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 pad;
	__u16 port;		/* 0: any port */
	__u8 addr[16];
};

struct ct_mon_allow_val {
	__u64 expires_ns;	/* CLOCK_MONOTONIC; 0: never */
};

/*
 * CIDR rules: an LPM trie over family, port and address.  prefixlen counts 24 bits for family
 * and port plus the CIDR length; a rule for any port is stored with port 0 and found by a
 * second lookup.
 */
struct ct_mon_lpm_key {
	__u32 prefixlen;
	__u8 data[20];		/* [0] family, [1..2] port big-endian, [3..18] address, [19] 0 */
};

struct ct_mon_lpm_val {
	__u32 cidr;		/* the rule's own prefix length (metadata needs a host route) */
};

#define CT_MON_LPM_FIXED_BITS	24

#endif
