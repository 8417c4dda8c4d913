// SPDX-License-Identifier: GPL-2.0
/*
 * monitor.bpf.c - the kernel half of `credtrail run`: every network attempt and every process
 * of one cgroup subtree (the agent's), reported through a ring buffer; in enforce mode,
 * destinations outside the allowlist are refused with EPERM.
 *
 * The cgroup/ and sockops programs are attached to the agent's cgroup only, so they run for
 * nothing else.  The tp_btf/ programs are global; each first asks
 * bpf_current_task_under_cgroup() and returns at once for tasks outside the subtree (one
 * helper call per fork/exec/exit on the host).
 *
 * DNS: connect/sendmsg to port 53 (any address, UDP or TCP) is rewritten to credtrail's DNS
 * proxy on loopback; recvmsg rewrites the proxy's source address back to the resolver the
 * agent asked, because glibc drops answers whose source is not the server it queried.
 *
 * The loader may ask for more (each off unless asked): exec events with the program's argument
 * bytes (cfg_exec_args, `credtrail watch`), the DNS client map (cfg_dns_clients: which process
 * asked each query; noted when the redirected socket's port is known - at sendmsg, when TCP
 * is established, at a connected UDP socket's first send), and the fail-closed guard
 * (ctg_* / cta_*, at the end of this file).
 *
 * Verifier rules on the target kernels: connect/sendmsg/sock_create return 0 (EPERM) or 1,
 * recvmsg must return 1, and user_port/user_ip* are written with 4-byte stores.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "monitor.h"

#define AF_INET		2
#define AF_INET6	10
#define AF_PACKET	17
#define SOCK_STREAM	1
#define SOCK_DGRAM	2
#define SOCK_RAW	3
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load. */
const volatile __u32 cfg_enforce = 0;
const volatile __u32 cfg_have_policy = 0;	/* audit mode: flag what the allowlist refuses */
const volatile __u32 cfg_dns_redirect = 0;
const volatile __u32 cfg_dns_ip4 = 0;		/* network order */
const volatile __u32 cfg_dns_have6 = 0;		/* the proxy also listens on cfg_dns_ip6 */
const volatile __u32 cfg_dns_ip6[4] = {};	/* network order */
const volatile __u32 cfg_dns_port_udp = 0;	/* host order */
const volatile __u32 cfg_dns_port_tcp = 0;
const volatile __u32 cfg_wakeup_bytes = 0;	/* wake the reader only past this much data */
const volatile __u32 cfg_exec_args = 0;		/* exec events carry argument bytes */
const volatile __u32 cfg_dns_clients = 0;	/* fill dns_clients */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CT_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ct_mon_allow_key);
	__type(value, struct ct_mon_allow_val);
} allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ct_mon_lpm_key);
	__type(value, struct ct_mon_lpm_val);
} allow_lpm SEC(".maps");

/* [0]: TCP connections of the agent between SYN_SENT and CLOSE (the loader waits for 0). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} inflight SEC(".maps");

/* The agent's cgroup, for the tp_btf programs' descendant test. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup SEC(".maps");

/* DNS client port -> process (cfg_dns_clients); LRU: an old entry may be forgotten, never wrong */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct ct_mon_dns_key);
	__type(value, struct ct_mon_dns_val);
} dns_clients SEC(".maps");

/*
 * Fail-closed guard (`credtrail watch --enforce`): the ctg_ programs below are attached to the
 * watched cgroup without a link (BPF_F_ALLOW_MULTI), so they stay attached if the loader's
 * process dies.  Each refuses everything unless a tail call into the matching cta_ program
 * succeeds.  The loader puts the cta_ programs into these arrays and keeps the arrays' file
 * descriptors; when its process ends, however it ends, the last user reference to the
 * arrays goes and the kernel empties them (prog_array_map_clear), so from then on the guard
 * refuses every connect and sendmsg and drops every packet of the cgroup's sockets, until
 * `credtrail watch --release` detaches it.  One array per attach type: a tail call must stay
 * within one program type and attach type.
 */
#define GUARD_ARRAY(name)						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PROG_ARRAY);			\
		__uint(max_entries, 1);					\
		__type(key, __u32);					\
		__type(value, __u32);					\
	} name SEC(".maps")

GUARD_ARRAY(alive_connect4);
GUARD_ARRAY(alive_connect6);
GUARD_ARRAY(alive_sendmsg4);
GUARD_ARRAY(alive_sendmsg6);
GUARD_ARRAY(alive_egress);

/*
 * Per socket, for the rarer cases: the DNS redirect (restored in recvmsg), the last
 * destination of an unconnected UDP socket, the last unix path, a send on another family.
 */
struct sk_info {
	__u32 verdict;
	__u32 dns_set;
	__u32 dns_ip4;		/* what the agent asked for, as it wrote it */
	__u32 dns_ip6[4];
	__u32 dns_port;		/* network order, as in user_port */
	__u32 dns_pid;		/* who sent DNS through it (cfg_dns_clients) */
	__u32 dns_tid;
	__u32 dns_noted;	/* dns_clients has its port */
	__u32 last_valid;	/* sendmsg: the last destination reported for this socket */
	__u32 last_port;
	__u8 last_addr[16];
	__u32 unix_hash;	/* unix sendmsg: the last path reported (hash), if unix_valid */
	__u32 unix_valid;
	__u32 other_sent;	/* a send on this (non-inet) socket was reported */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sk_info);
} sk_info SEC(".maps");

static __always_inline void
count_drop(__u32 cause)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &cause);

	if (v != NULL)
		__sync_fetch_and_add(v, 1);
}

static __always_inline __u64
submit_flags(void)
{
	if (cfg_wakeup_bytes == 0)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes ?
	    BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void
fill_hdr(struct ct_mon_hdr *h, __u32 type)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pt = bpf_get_current_pid_tgid();

	h->ts_ns = bpf_ktime_get_ns();
	h->type = type;
	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->ppid = task->real_parent->tgid;
	h->pad = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * The cloud metadata and credential endpoints (the list of netpolicy.h): 169.254.169.254,
 * 169.254.170.2, 169.254.170.23, fd00:ec2::254, fd00:ec2::23.
 */
static __always_inline int
is_metadata(__u16 family, const __u8 *a)
{
	if (family == AF_INET)
		return a[0] == 169 && a[1] == 254 && ((a[2] == 169 && a[3] == 254) ||
		    (a[2] == 170 && (a[3] == 2 || a[3] == 23)));
	if (a[0] != 0xfd || a[1] != 0x00 || a[2] != 0x0e || a[3] != 0xc2)
		return 0;
	for (int i = 4; i < 14; i++)
		if (a[i] != 0)
			return 0;
	return (a[14] == 0x02 && a[15] == 0x54) || (a[14] == 0x00 && a[15] == 0x23);
}

static __always_inline int
allowed_exact(struct ct_mon_allow_key *k, __u64 now)
{
	struct ct_mon_allow_val *v = bpf_map_lookup_elem(&allow, k);

	return v != NULL && (v->expires_ns == 0 || v->expires_ns > now);
}

static __always_inline int
allowed_lpm(struct ct_mon_lpm_key *k, int metadata, __u32 full)
{
	struct ct_mon_lpm_val *v = bpf_map_lookup_elem(&allow_lpm, k);

	/* A metadata address needs a rule naming it, not just a wide range around it. */
	return v != NULL && (!metadata || v->cidr == full);
}

/* Does the allowlist admit family/addr/port?  Exact entries first, then CIDR rules. */
static __always_inline int
policy_allows(__u16 family, const __u8 *addr, __u16 port, int metadata)
{
	struct ct_mon_allow_key k = {};
	struct ct_mon_lpm_key lk = {};
	__u64 now = bpf_ktime_get_ns();
	__u32 full = family == AF_INET ? 32 : 128;

	k.family = family;
	k.port = port;
	__builtin_memcpy(k.addr, addr, 16);
	if (allowed_exact(&k, now))
		return 1;
	k.port = 0;
	if (allowed_exact(&k, now))
		return 1;
	lk.prefixlen = CT_MON_LPM_FIXED_BITS + full;
	lk.data[0] = family;
	lk.data[1] = port >> 8;
	lk.data[2] = port & 0xff;
	__builtin_memcpy(&lk.data[3], addr, 16);
	if (allowed_lpm(&lk, metadata, full))
		return 1;
	lk.data[1] = 0;
	lk.data[2] = 0;
	return allowed_lpm(&lk, metadata, full);
}

static __always_inline int
is_proxy(__u16 family, const __u8 *a, __u16 port, int stream)
{
	__u32 want = stream ? cfg_dns_port_tcp : cfg_dns_port_udp;
	__u32 ip4;

	if (!cfg_dns_redirect || port != want)
		return 0;
	if (family == AF_INET) {
		__builtin_memcpy(&ip4, a, 4);
		return ip4 == cfg_dns_ip4;
	}
	if (!cfg_dns_have6)
		return 0;
	for (int i = 0; i < 4; i++) {
		__u32 w;

		__builtin_memcpy(&w, a + 4 * i, 4);
		if (w != cfg_dns_ip6[i])
			return 0;
	}
	return 1;
}

static __always_inline int
same16(const __u8 *a, const __u8 *b)
{
	__u64 a0, a1, b0, b1;

	__builtin_memcpy(&a0, a, 8);
	__builtin_memcpy(&a1, a + 8, 8);
	__builtin_memcpy(&b0, b, 8);
	__builtin_memcpy(&b1, b + 8, 8);
	return a0 == b0 && a1 == b1;
}

static __always_inline void
note_dns_client(__u16 proto, __u16 port, __u32 pid, __u32 tid, __u64 cookie)
{
	struct ct_mon_dns_key k = {};
	struct ct_mon_dns_val v = {};

	if (!cfg_dns_clients || port == 0)
		return;
	k.proto = proto;
	k.port = port;
	v.pid = pid;
	v.tid = tid;
	v.cookie = cookie;
	v.ts_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&dns_clients, &k, &v, BPF_ANY);
}

/*
 * The verdict on a destination that is not redirected DNS, and its flags (metadata, the
 * proxy itself, audit mode's no-match).
 */
static __always_inline __u32
judge(__u16 family, const __u8 *daddr, __u16 dport, int stream, __u32 *flags)
{
	int metadata = is_metadata(family, daddr), allowed;

	if (metadata)
		*flags |= CT_MONF_METADATA;
	if (is_proxy(family, daddr, dport, stream)) {
		*flags |= CT_MONF_PROXY;
		allowed = 1;
	} else if (cfg_enforce || cfg_have_policy) {
		allowed = policy_allows(family, daddr, dport, metadata);
	} else {
		allowed = 1;
	}
	if (cfg_enforce)
		return allowed ? CT_MON_ALLOW : CT_MON_DENY;
	if (!allowed)
		*flags |= CT_MONF_NOMATCH;
	return CT_MON_AUDIT;
}

/*
 * The common path of connect4/6 and sendmsg4/6.  Returns 1 to let the call proceed, 0 to
 * refuse it with EPERM.
 */
static __always_inline int
handle_sock_addr(struct bpf_sock_addr *ctx, int v6, __u32 type)
{
	struct ct_mon_net *e;
	struct sk_info *si = NULL;
	__u8 daddr[16] = {}, odaddr[16] = {};
	__u32 flags = 0, verdict, w[4], sock_type = ctx->type, proto = ctx->protocol;
	__u16 family, dport, odport = 0, ofamily = 0;
	int stream = sock_type == SOCK_STREAM;

	dport = bpf_ntohs((__u16)ctx->user_port);
	if (!v6) {
		w[0] = ctx->user_ip4;
		family = AF_INET;
		__builtin_memcpy(daddr, &w[0], 4);
		/* UDP on an IPv6 socket to ::ffff:a.b.c.d arrives here, in the IPv4 hook */
		if (ctx->family == AF_INET6)
			flags |= CT_MONF_V4MAPPED;
	} else {
		w[0] = ctx->user_ip6[0];
		w[1] = ctx->user_ip6[1];
		w[2] = ctx->user_ip6[2];
		w[3] = ctx->user_ip6[3];
		if (w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff)) {
			/* ::ffff:a.b.c.d is an IPv4 destination and gets the IPv4 policy */
			family = AF_INET;
			flags |= CT_MONF_V4MAPPED;
			__builtin_memcpy(daddr, &w[3], 4);
		} else {
			family = AF_INET6;
			__builtin_memcpy(daddr, w, 16);
		}
	}

	if (cfg_dns_redirect && dport == 53 && (sock_type == SOCK_STREAM ||
	    sock_type == SOCK_DGRAM) && (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_ ||
	    proto == 0)) {
		__u32 pport = stream ? cfg_dns_port_tcp : cfg_dns_port_udp;

		si = bpf_sk_storage_get(&sk_info, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (si != NULL) {
			__u64 pt = bpf_get_current_pid_tgid();

			si->dns_set = 1;
			si->dns_pid = pt >> 32;
			si->dns_tid = (__u32)pt;
			si->dns_port = ctx->user_port;
			/* sendmsg on an unconnected UDP socket: bound before the hook runs */
			if (!si->dns_noted && ctx->sk->src_port != 0) {
				si->dns_noted = 1;
				note_dns_client(stream ? IPPROTO_TCP_ : IPPROTO_UDP_,
				    (__u16)ctx->sk->src_port, si->dns_pid, si->dns_tid,
				    bpf_get_socket_cookie(ctx));
			}
			if (!v6) {
				si->dns_ip4 = w[0];
			} else {
				si->dns_ip6[0] = w[0];
				si->dns_ip6[1] = w[1];
				si->dns_ip6[2] = w[2];
				si->dns_ip6[3] = w[3];
			}
		} else {
			count_drop(CT_DROP_SKSTORAGE);
		}
		__builtin_memcpy(odaddr, daddr, 16);
		odport = dport;
		ofamily = family;
		__builtin_memset(daddr, 0, 16);
		if (!v6) {
			ctx->user_ip4 = cfg_dns_ip4;
			__builtin_memcpy(daddr, (const void *)&cfg_dns_ip4, 4);
			family = AF_INET;
		} else if ((flags & CT_MONF_V4MAPPED) || !cfg_dns_have6) {
			ctx->user_ip6[0] = 0;
			ctx->user_ip6[1] = 0;
			ctx->user_ip6[2] = bpf_htonl(0xffff);
			ctx->user_ip6[3] = cfg_dns_ip4;
			__builtin_memcpy(daddr, (const void *)&cfg_dns_ip4, 4);
			family = AF_INET;
		} else {
			ctx->user_ip6[0] = cfg_dns_ip6[0];
			ctx->user_ip6[1] = cfg_dns_ip6[1];
			ctx->user_ip6[2] = cfg_dns_ip6[2];
			ctx->user_ip6[3] = cfg_dns_ip6[3];
			__builtin_memcpy(daddr, (const void *)cfg_dns_ip6, 16);
			family = AF_INET6;
		}
		ctx->user_port = bpf_htons((__u16)pport);
		dport = pport;
		flags |= CT_MONF_REDIRECT;

		verdict = cfg_enforce ? CT_MON_ALLOW : CT_MON_AUDIT;
	} else {
		verdict = judge(family, daddr, dport, stream, &flags);
	}

	/*
	 * Unconnected UDP: report the first datagram per socket and destination, not every
	 * one (a busy UDP client would flood the ring buffer with identical records).
	 */
	if (type == CT_MON_SENDMSG) {
		if (si == NULL)
			si = bpf_sk_storage_get(&sk_info, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (si != NULL) {
			if (si->last_valid && si->last_port == dport && si->verdict == verdict &&
			    same16(si->last_addr, daddr))
				goto out;
			si->last_valid = 1;
			si->last_port = dport;
			si->verdict = verdict;
			__builtin_memcpy(si->last_addr, daddr, 16);
		}
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_drop(CT_DROP_RINGBUF_NET);
		goto out;
	}
	fill_hdr(&e->h, type);
	e->cookie = bpf_get_socket_cookie(ctx);
	e->open_ns = 0;
	e->bytes_sent = 0;
	e->bytes_recv = 0;
	e->verdict = verdict;
	e->flags = flags;
	e->family = family;
	e->proto = proto;
	e->sock_type = sock_type;
	e->sock_family = v6 ? AF_INET6 : AF_INET;
	e->sport = 0;
	e->dport = dport;
	e->odport = odport;
	e->ofamily = ofamily;
	__builtin_memset(e->saddr, 0, 16);
	if (type == CT_MON_SENDMSG && !v6) {
		__u32 src = ctx->msg_src_ip4;

		__builtin_memcpy(e->saddr, &src, 4);
	} else if (type == CT_MON_CONNECT && ctx->sk != NULL) {
		/* a socket bound before connect already has its source */
		struct bpf_sock *sk = ctx->sk;
		__u32 s6[4];

		e->sport = sk->src_port;
		if (!v6) {
			s6[0] = sk->src_ip4;
			__builtin_memcpy(e->saddr, &s6[0], 4);
		} else {
			s6[0] = sk->src_ip6[0];
			s6[1] = sk->src_ip6[1];
			s6[2] = sk->src_ip6[2];
			s6[3] = sk->src_ip6[3];
			if (family == AF_INET)
				__builtin_memcpy(e->saddr, &s6[3], 4);
			else
				__builtin_memcpy(e->saddr, s6, 16);
		}
	}
	__builtin_memcpy(e->daddr, daddr, 16);
	__builtin_memcpy(e->odaddr, odaddr, 16);
	bpf_ringbuf_submit(e, submit_flags());
out:
	return verdict == CT_MON_DENY ? 0 : 1;
}

SEC("cgroup/connect4")
int ct_connect4(struct bpf_sock_addr *ctx)
{
	return handle_sock_addr(ctx, 0, CT_MON_CONNECT);
}

SEC("cgroup/connect6")
int ct_connect6(struct bpf_sock_addr *ctx)
{
	return handle_sock_addr(ctx, 1, CT_MON_CONNECT);
}

SEC("cgroup/sendmsg4")
int ct_sendmsg4(struct bpf_sock_addr *ctx)
{
	return handle_sock_addr(ctx, 0, CT_MON_SENDMSG);
}

SEC("cgroup/sendmsg6")
int ct_sendmsg6(struct bpf_sock_addr *ctx)
{
	return handle_sock_addr(ctx, 1, CT_MON_SENDMSG);
}

/* Answers from the proxy: show them as coming from the resolver the agent asked. */
SEC("cgroup/recvmsg4")
int ct_recvmsg4(struct bpf_sock_addr *ctx)
{
	struct sk_info *si;

	if (!cfg_dns_redirect || ctx->user_ip4 != cfg_dns_ip4 ||
	    bpf_ntohs((__u16)ctx->user_port) != cfg_dns_port_udp)
		return 1;
	si = bpf_sk_storage_get(&sk_info, ctx->sk, 0, 0);
	if (si == NULL || !si->dns_set)
		return 1;
	ctx->user_ip4 = si->dns_ip4;
	ctx->user_port = si->dns_port;
	return 1;
}

SEC("cgroup/recvmsg6")
int ct_recvmsg6(struct bpf_sock_addr *ctx)
{
	struct sk_info *si;
	__u32 w0, w1, w2, w3;
	int from_proxy;

	if (!cfg_dns_redirect || bpf_ntohs((__u16)ctx->user_port) != cfg_dns_port_udp)
		return 1;
	w0 = ctx->user_ip6[0];
	w1 = ctx->user_ip6[1];
	w2 = ctx->user_ip6[2];
	w3 = ctx->user_ip6[3];
	from_proxy = (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0xffff) && w3 == cfg_dns_ip4) ||
	    (cfg_dns_have6 && w0 == cfg_dns_ip6[0] && w1 == cfg_dns_ip6[1] &&
	    w2 == cfg_dns_ip6[2] && w3 == cfg_dns_ip6[3]);
	if (!from_proxy)
		return 1;
	si = bpf_sk_storage_get(&sk_info, ctx->sk, 0, 0);
	if (si == NULL || !si->dns_set)
		return 1;
	ctx->user_ip6[0] = si->dns_ip6[0];
	ctx->user_ip6[1] = si->dns_ip6[1];
	ctx->user_ip6[2] = si->dns_ip6[2];
	ctx->user_ip6[3] = si->dns_ip6[3];
	ctx->user_port = si->dns_port;
	return 1;
}

/*
 * Raw sockets: recorded; refused in enforce mode.  The agent has no CAP_NET_RAW, so it only
 * gets this far inside a user namespace of its own.  Packet (AF_PACKET) sockets never pass
 * this hook (it runs for inet sockets only); without CAP_NET_RAW in the host's network
 * namespace they can only reach a namespace the agent made, which has no way out.
 */
SEC("cgroup/sock_create")
int ct_sock_create(struct bpf_sock *sk)
{
	struct ct_mon_net *e;
	__u32 verdict;

	if (sk->type != SOCK_RAW && sk->family != AF_PACKET)
		return 1;
	verdict = cfg_enforce ? CT_MON_DENY : CT_MON_AUDIT;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_drop(CT_DROP_RINGBUF_NET);
		goto out;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, CT_MON_SOCK_CREATE);
	e->verdict = verdict;
	e->family = sk->family;
	e->sock_family = sk->family;
	e->sock_type = sk->type;
	e->proto = sk->protocol;
	bpf_ringbuf_submit(e, submit_flags());
out:
	return verdict == CT_MON_DENY ? 0 : 1;
}

static __always_inline int
in_subtree(void)
{
	return bpf_current_task_under_cgroup(&cgroup, 0) == 1;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ct_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ct_mon_proc *e;

	if (!in_subtree() || child->pid != child->tgid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_drop(CT_DROP_RINGBUF_PROC);
		return 0;
	}
	fill_hdr(&e->h, CT_MON_FORK);
	e->h.pid = child->tgid;
	e->h.tid = child->pid;
	e->h.ppid = parent->tgid;
	e->exit_code = 0;
	e->child_tid = 0;
	e->filename[0] = 0;
	e->argv0[0] = 0;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

static __always_inline void
fill_exec(struct ct_mon_proc *e, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	unsigned long arg_start;
	const char *fn;

	fill_hdr(&e->h, CT_MON_EXEC);
	e->exit_code = 0;
	e->child_tid = old_pid;
	fn = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), fn) < 0) {
		e->filename[0] = 0;
		count_drop(CT_DROP_EXEC_PATH);
	}
	arg_start = BPF_CORE_READ(p, mm, arg_start);
	if (bpf_probe_read_user_str(e->argv0, sizeof(e->argv0), (const void *)arg_start) < 0) {
		e->argv0[0] = 0;
		count_drop(CT_DROP_EXEC_PATH);
	}
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ct_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ct_mon_proc *e;
	struct ct_mon_exec *x;
	unsigned long as, ae;
	__u32 n;

	if (!in_subtree())
		return 0;
	if (!cfg_exec_args) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e == NULL) {
			count_drop(CT_DROP_RINGBUF_PROC);
			return 0;
		}
		fill_exec(e, p, old_pid, bprm);
		bpf_ringbuf_submit(e, submit_flags());
		return 0;
	}
	x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
	if (x == NULL) {
		count_drop(CT_DROP_RINGBUF_PROC);
		return 0;
	}
	fill_exec(&x->p, p, old_pid, bprm);
	as = BPF_CORE_READ(p, mm, arg_start);
	ae = BPF_CORE_READ(p, mm, arg_end);
	x->args_total = ae > as && ae - as < 0x7fffffff ? (__u32)(ae - as) : 0;
	/* at most CT_MON_ARGS_LEN - 1 bytes: the mask is the bound the verifier sees */
	n = x->args_total < CT_MON_ARGS_LEN - 1 ? x->args_total : CT_MON_ARGS_LEN - 1;
	barrier_var(n);
	n &= CT_MON_ARGS_LEN - 1;
	x->args_len = 0;
	if (n > 0 && bpf_probe_read_user(x->args, n, (const void *)as) == 0)
		x->args_len = n;
	else if (n > 0)
		count_drop(CT_DROP_EXEC_PATH);
	bpf_ringbuf_submit(x, submit_flags());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ct_exit, struct task_struct *p)
{
	struct ct_mon_proc *e;

	/* only when the last thread of the process goes */
	if (!in_subtree() || BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_drop(CT_DROP_RINGBUF_PROC);
		return 0;
	}
	fill_hdr(&e->h, CT_MON_EXIT);
	e->h.pid = p->tgid;
	e->exit_code = p->exit_code;
	if (BPF_CORE_READ(p, signal, flags) & 0x00000004 /* SIGNAL_GROUP_EXIT */)
		e->exit_code = BPF_CORE_READ(p, signal, group_exit_code);
	e->child_tid = 0;
	e->filename[0] = 0;
	e->argv0[0] = 0;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

/*
 * The agent's TCP connections from SYN to CLOSE: a sock_ops program on the agent's cgroup,
 * so it runs for the agent's sockets only.  An active open about to send its SYN asks for
 * the socket's state changes (a flag the kernel keeps in the socket: nothing to allocate)
 * and is counted in flight; at CLOSE a close record goes out with the connection's
 * addresses and byte counts.  Who connected, the verdict and the flags are the connect
 * record's: the loader joins the two by socket cookie (the close may run in softirq
 * context, where the current task is anybody's).  A connect that fails before its SYN
 * leaves nothing behind.
 */
static __always_inline void
conn_close(struct bpf_sock_ops *ctx, __u32 oldstate)
{
	struct ct_mon_net *e;
	struct bpf_sock *bs = ctx->sk;
	struct tcp_sock *tp;
	__u32 zero = 0, w0, w1, w2, w3;
	__s64 *n;

	if ((n = bpf_map_lookup_elem(&inflight, &zero)) != NULL)
		__sync_fetch_and_add(n, -1);
	if (bs == NULL || (tp = bpf_skc_to_tcp_sock(bs)) == NULL)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_drop(CT_DROP_RINGBUF_NET);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->h.ts_ns = bpf_ktime_get_ns();
	e->h.type = CT_MON_CLOSE;
	e->cookie = bpf_get_socket_cookie(ctx);
	/* established unless it ended while still opening */
	if (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV)
		e->flags = CT_MONF_ESTABLISHED;
	e->sock_family = ctx->family;
	e->sock_type = SOCK_STREAM;
	e->proto = IPPROTO_TCP_;
	/* the local port is already released (skc_num is 0); inet_sport is not */
	e->sport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	/* remote_port holds the port in network order in its upper 16 bits */
	e->dport = bpf_ntohs((__u16)(ctx->remote_port >> 16));
	if (ctx->family == AF_INET) {
		e->family = AF_INET;
		w0 = ctx->local_ip4;
		w1 = ctx->remote_ip4;
		__builtin_memcpy(e->saddr, &w0, 4);
		__builtin_memcpy(e->daddr, &w1, 4);
	} else {
		w0 = ctx->remote_ip6[0];
		w1 = ctx->remote_ip6[1];
		w2 = ctx->remote_ip6[2];
		w3 = ctx->remote_ip6[3];
		if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0xffff)) {
			e->family = AF_INET;
			e->flags |= CT_MONF_V4MAPPED;
			__builtin_memcpy(e->daddr, &w3, 4);
			w3 = ctx->local_ip6[3];
			__builtin_memcpy(e->saddr, &w3, 4);
		} else {
			e->family = AF_INET6;
			__builtin_memcpy(e->daddr, &w0, 4);
			__builtin_memcpy(e->daddr + 4, &w1, 4);
			__builtin_memcpy(e->daddr + 8, &w2, 4);
			__builtin_memcpy(e->daddr + 12, &w3, 4);
			w0 = ctx->local_ip6[0];
			w1 = ctx->local_ip6[1];
			w2 = ctx->local_ip6[2];
			w3 = ctx->local_ip6[3];
			__builtin_memcpy(e->saddr, &w0, 4);
			__builtin_memcpy(e->saddr + 4, &w1, 4);
			__builtin_memcpy(e->saddr + 8, &w2, 4);
			__builtin_memcpy(e->saddr + 12, &w3, 4);
		}
	}
	/*
	 * Payload bytes: bytes_sent counts data octets put on the wire (retransmissions
	 * included), never SYN or FIN; bytes_received counts sequence space, so the peer's FIN
	 * (SOCK_DONE: tcp_fin() saw it) is one too many.
	 */
	e->bytes_sent = tp->bytes_sent;
	e->bytes_recv = tp->bytes_received;
	if ((tp->inet_conn.icsk_inet.sk.__sk_common.skc_flags & (1UL << SOCK_DONE)) &&
	    e->bytes_recv > 0)
		e->bytes_recv--;
	bpf_ringbuf_submit(e, submit_flags());
}

SEC("sockops")
int ct_sockops(struct bpf_sock_ops *ctx)
{
	struct sk_info *si;
	struct bpf_sock *bs;
	__u32 zero = 0;
	__s64 *n;

	switch (ctx->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		/* the SYN is about to go: follow the connection to CLOSE */
		if (bpf_sock_ops_cb_flags_set(ctx, ctx->bpf_sock_ops_cb_flags |
		    BPF_SOCK_OPS_STATE_CB_FLAG) == 0 &&
		    (n = bpf_map_lookup_elem(&inflight, &zero)) != NULL)
			__sync_fetch_and_add(n, 1);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		/* DNS over TCP: connect ran before the port was chosen; the query follows */
		if (!cfg_dns_clients || (bs = ctx->sk) == NULL)
			break;
		si = bpf_sk_storage_get(&sk_info, bs, 0, 0);
		if (si != NULL && si->dns_set && !si->dns_noted) {
			si->dns_noted = 1;
			note_dns_client(IPPROTO_TCP_, (__u16)ctx->local_port, si->dns_pid,
			    si->dns_tid, bpf_get_socket_cookie(ctx));
		}
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (ctx->args[1] == TCP_CLOSE)
			conn_close(ctx, ctx->args[0]);
		break;
	}
	return 1;
}

/* ---- beyond inet: unix sockets, refused privileges, other socket families ---- */

#define AF_UNIX		1
#define AF_NETLINK	16
#define SIGSYS_		31
#define SYS_SECCOMP_	1		/* si_code of a seccomp SIGSYS */
#define PF_IO_WORKER_	0x00000010

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/*
 * Unix sockets (kernel 6.7 or later): connect, and sendmsg with an address, recorded with the
 * path the agent gave, never refused (a unix peer is not egress, but a proxy outside the
 * cgroup may forward what it gets).  libbpf 1.1 has no section name for these attach types:
 * the sections below say connect4/sendmsg4 and the loader sets BPF_CGROUP_UNIX_CONNECT and
 * BPF_CGROUP_UNIX_SENDMSG before load.  The address is the kernel's copy (a
 * sockaddr_storage), so reading all of sun_path stays inside it.
 */
static __always_inline int
handle_unix(struct bpf_sock_addr *ctx, __u32 type)
{
	struct bpf_sock_addr_kern *k = bpf_cast_to_kern_ctx(ctx);
	struct sockaddr_un *sun = (struct sockaddr_un *)k->uaddr;
	char path[CT_MON_UNIX_PATH_LEN] = {};
	struct ct_mon_unix *e;
	struct sk_info *si;
	__u32 len = k->uaddrlen, h = 2166136261u;

	len = len > 2 ? len - 2 : 0;
	if (len > CT_MON_UNIX_PATH_LEN)
		len = CT_MON_UNIX_PATH_LEN;
	bpf_probe_read_kernel(path, sizeof(path), sun->sun_path);
	if (type == CT_MON_UNIX_SENDMSG) {
		/* one record per socket and path, not one per datagram (FNV-1a of the path) */
		for (int i = 0; i < CT_MON_UNIX_PATH_LEN; i++) {
			if (i >= len)
				break;
			h = (h ^ (__u8)path[i]) * 16777619u;
		}
		si = bpf_sk_storage_get(&sk_info, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (si != NULL) {
			if (si->unix_valid && si->unix_hash == h)
				return 1;
			si->unix_valid = 1;
			si->unix_hash = h;
		}
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_drop(CT_DROP_RINGBUF_NET);
		return 1;
	}
	fill_hdr(&e->h, type);
	e->cookie = bpf_get_socket_cookie(ctx);
	e->verdict = cfg_enforce ? CT_MON_ALLOW : CT_MON_AUDIT;
	e->sock_type = ctx->type;
	e->path_len = len;
	__builtin_memcpy(e->path, path, sizeof(path));
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_ringbuf_submit(e, submit_flags());
	return 1;
}

SEC("cgroup/connect4")		/* BPF_CGROUP_UNIX_CONNECT, set by the loader */
int ct_connect_unix(struct bpf_sock_addr *ctx)
{
	return handle_unix(ctx, CT_MON_UNIX_CONNECT);
}

SEC("cgroup/sendmsg4")		/* BPF_CGROUP_UNIX_SENDMSG, set by the loader */
int ct_sendmsg_unix(struct bpf_sock_addr *ctx)
{
	return handle_unix(ctx, CT_MON_UNIX_SENDMSG);
}

/* x86-64 system call numbers the refused-privilege record cares about */
#define NR_open		2
#define NR_kill		62
#define NR_tkill	200
#define NR_tgkill	234
#define SIGCONT_	18
#define NR_rename	82
#define NR_mkdir	83
#define NR_creat	85
#define NR_unlink	87
#define NR_truncate	76
#define NR_ptrace	101
#define NR_mount	165
#define NR_umount2	166
#define NR_pivot_root	155
#define NR_openat	257
#define NR_mkdirat	258
#define NR_unlinkat	263
#define NR_renameat	264
#define NR_setns	308
#define NR_process_vm_readv	310
#define NR_process_vm_writev	311
#define NR_kcmp		312
#define NR_renameat2	316
#define NR_bpf		321
#define NR_io_uring_enter	426
#define NR_openat2	437
#define NR_pidfd_getfd	438

/* Does the file name argument come first (1), second (2), or is there none (0)? */
static __always_inline int
path_arg(long nr)
{
	switch (nr) {
	case NR_open: case NR_creat: case NR_mkdir: case NR_unlink: case NR_rename:
	case NR_truncate:
		return 1;
	case NR_openat: case NR_openat2: case NR_mkdirat: case NR_unlinkat: case NR_renameat:
	case NR_renameat2:
		return 2;
	}
	return 0;
}

/*
 * Which refused capability checks are worth a record.  Some checks fail all the time for
 * any unprivileged process without it having tried anything (CAP_SYS_ADMIN on every mmap
 * for the overcommit reserve, CAP_SYS_PTRACE when ps reads another user's /proc/PID/stat,
 * CAP_DAC_* on every PATH lookup through a closed directory): those count only within the
 * system calls where they mean an attempt.  CAP_DAC_READ_SEARCH is always followed by
 * CAP_DAC_OVERRIDE for the same access, which alone is kept.  Within io_uring (the
 * submitting call, or a worker, which has no system call of its own) every one counts.
 */
static __always_inline int
cap_worth_recording(int cap, long nr, int io)
{
	switch (cap) {
	case 1:		/* CAP_DAC_OVERRIDE: opening, making, removing a file it may not */
		return io || path_arg(nr) != 0;
	case 19:	/* CAP_SYS_PTRACE: tracing, or reading/writing another's memory */
		return io || nr == NR_ptrace || nr == NR_process_vm_readv ||
		    nr == NR_process_vm_writev || nr == NR_kcmp || nr == NR_pidfd_getfd ||
		    nr == NR_open || nr == NR_openat || nr == NR_openat2;
	case 21:	/* CAP_SYS_ADMIN: only where it is the point of the call */
		return io || nr == NR_bpf || nr == NR_mount || nr == NR_umount2 ||
		    nr == NR_setns || nr == NR_pivot_root;
	case 5:		/* CAP_KILL */
	case 6:		/* CAP_SETGID */
	case 7:		/* CAP_SETUID */
	case 12:	/* CAP_NET_ADMIN */
	case 13:	/* CAP_NET_RAW */
	case 16:	/* CAP_SYS_MODULE */
	case 17:	/* CAP_SYS_RAWIO */
	case 18:	/* CAP_SYS_CHROOT */
	case 22:	/* CAP_SYS_BOOT */
	case 25:	/* CAP_SYS_TIME */
	case 27:	/* CAP_MKNOD */
	case 38:	/* CAP_PERFMON */
	case 39:	/* CAP_BPF */
		return 1;
	}
	return 0;
}

static __always_inline void
record_denied(struct task_struct *task, __u32 cap, long nr, int with_args)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct ct_mon_denied *e;
	const char *upath = NULL;
	long n;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_drop(CT_DROP_RINGBUF_PROC);
		return;
	}
	fill_hdr(&e->h, CT_MON_DENIED);
	e->cap = cap;
	e->syscall = (__s32)nr;
	e->args[0] = with_args ? BPF_CORE_READ(regs, di) : 0;
	e->args[1] = with_args ? BPF_CORE_READ(regs, si) : 0;
	e->args[2] = with_args ? BPF_CORE_READ(regs, dx) : 0;
	e->path_len = 0;
	e->pad = 0;
	e->path[0] = 0;
	if (path_arg(nr) == 1)
		upath = (const char *)e->args[0];
	else if (path_arg(nr) == 2)
		upath = (const char *)e->args[1];
	if (upath != NULL && (n = bpf_probe_read_user_str(e->path, sizeof(e->path), upath)) > 0)
		e->path_len = (__u32)n - 1;
	bpf_ringbuf_submit(e, submit_flags());
}

/* Refused capability checks (the capability LSM's tracepoint; ret is its answer). */
SEC("tp_btf/cap_capable")
int BPF_PROG(ct_cap_denied, const struct cred *cred, struct user_namespace *target_ns,
    const struct user_namespace *capable_ns, int cap, int ret)
{
	struct task_struct *task;
	long nr;

	if (ret == 0 || !in_subtree())
		return 0;
	task = bpf_get_current_task_btf();
	nr = BPF_CORE_READ((struct pt_regs *)bpf_task_pt_regs(task), orig_ax);
	if (!cap_worth_recording(cap, nr, (task->flags & PF_IO_WORKER_) != 0 ||
	    nr == NR_io_uring_enter))
		return 0;
	/* SIGCONT within the session is let through after this check fails: not refused */
	if (cap == 5 && (nr == NR_kill || nr == NR_tkill) &&
	    BPF_CORE_READ((struct pt_regs *)bpf_task_pt_regs(task), si) == SIGCONT_)
		return 0;
	if (cap == 5 && nr == NR_tgkill &&
	    BPF_CORE_READ((struct pt_regs *)bpf_task_pt_regs(task), dx) == SIGCONT_)
		return 0;
	record_denied(task, (__u32)cap, nr, 1);
	return 0;
}

/*
 * socket() or socketpair() trapped by a seccomp filter (SIGSYS, SYS_SECCOMP) in the subtree:
 * credtrail's socket-family filter of enforce mode (an agent's own filter that traps these
 * is recorded too; the traps of a syscall-emulating sandbox for other calls are not).  An
 * IA-32 call is recorded under the x86-64 number, without its arguments (args all 0).
 */
#define AUDIT_ARCH_X86_64_	0xc000003e
#define AUDIT_ARCH_I386_	0x40000003
#define NR_socket	41
#define NR_socketpair	53

SEC("tp_btf/signal_generate")
int BPF_PROG(ct_sigsys, int sig, struct kernel_siginfo *info, struct task_struct *task,
    int group, int result)
{
	struct task_struct *cur;
	int nr;
	__u32 arch;

	if (sig != SIGSYS_ || info == NULL || info->si_code != SYS_SECCOMP_)
		return 0;
	/* read, not dereferenced: the verifier walks the union by another member */
	if (bpf_probe_read_kernel(&nr, sizeof(nr), &info->_sifields._sigsys._syscall) != 0 ||
	    bpf_probe_read_kernel(&arch, sizeof(arch), &info->_sifields._sigsys._arch) != 0)
		return 0;
	if (arch == AUDIT_ARCH_I386_ && (nr == 359 || nr == 360 || nr == 102))
		nr = nr == 360 ? NR_socketpair : NR_socket;
	else if (arch != AUDIT_ARCH_X86_64_ || (nr != NR_socket && nr != NR_socketpair))
		return 0;
	cur = bpf_get_current_task_btf();
	if (cur != task || !in_subtree())
		return 0;
	record_denied(cur, CT_MON_CAP_SECCOMP, nr, arch == AUDIT_ARCH_X86_64_);
	return 0;
}

/*
 * Sends on sockets of any family the cgroup hooks do not cover (packet, vsock, ...): the
 * first per socket, with the result of the send.  The tracepoint runs for every send on the
 * host, so the family test comes first.
 */
SEC("tp_btf/sock_send_length")
int BPF_PROG(ct_other_send, struct sock *sk, int ret, int flags)
{
	struct ct_mon_net *e;
	struct sk_info *si;
	__u16 fam = sk->__sk_common.skc_family;

	if ((fam == AF_INET || fam == AF_INET6) && cfg_dns_clients &&
	    sk->sk_protocol == IPPROTO_UDP_) {
		/* a connect()ed UDP socket (glibc's resolver) got its port at connect, after
		 * the hook: note it at its first send (the proxy answers after an upstream
		 * round trip, or at once when it refuses: the reader retries once) */
		si = bpf_sk_storage_get(&sk_info, sk, 0, 0);
		if (si != NULL && si->dns_set && !si->dns_noted) {
			si->dns_noted = 1;
			note_dns_client(IPPROTO_UDP_, sk->__sk_common.skc_num, si->dns_pid,
			    si->dns_tid, bpf_get_socket_cookie(sk));
		}
		return 0;
	}
	if (fam == AF_UNIX || fam == AF_INET || fam == AF_INET6 || fam == AF_NETLINK ||
	    !in_subtree())
		return 0;
	si = bpf_sk_storage_get(&sk_info, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (si != NULL) {
		if (si->other_sent)
			return 0;
		si->other_sent = 1;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		count_drop(CT_DROP_RINGBUF_NET);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, CT_MON_OTHER_SEND);
	e->cookie = bpf_get_socket_cookie(sk);
	e->verdict = cfg_enforce ? CT_MON_ALLOW : CT_MON_AUDIT;
	e->family = fam;
	e->sock_family = fam;
	e->sock_type = sk->sk_type;
	e->proto = sk->sk_protocol;
	e->bytes_sent = ret > 0 ? (__u64)ret : 0;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

/* ---- the fail-closed guard (see alive_connect4 above) ---- */

SEC("cgroup/connect4")
int ctg_connect4(struct bpf_sock_addr *ctx)
{
	bpf_tail_call(ctx, &alive_connect4, 0);
	return 0;
}

SEC("cgroup/connect6")
int ctg_connect6(struct bpf_sock_addr *ctx)
{
	bpf_tail_call(ctx, &alive_connect6, 0);
	return 0;
}

SEC("cgroup/sendmsg4")
int ctg_sendmsg4(struct bpf_sock_addr *ctx)
{
	bpf_tail_call(ctx, &alive_sendmsg4, 0);
	return 0;
}

SEC("cgroup/sendmsg6")
int ctg_sendmsg6(struct bpf_sock_addr *ctx)
{
	bpf_tail_call(ctx, &alive_sendmsg6, 0);
	return 0;
}

SEC("cgroup_skb/egress")
int ctg_egress(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &alive_egress, 0);
	return 0;
}

SEC("cgroup/connect4")
int cta_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/connect6")
int cta_connect6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg4")
int cta_sendmsg4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg6")
int cta_sendmsg6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup_skb/egress")
int cta_egress(struct __sk_buff *skb)
{
	return 1;
}
