// SPDX-License-Identifier: GPL-2.0
/*
 * dnsguard.bpf.c - the DNS proxy child's egress: attached to the cgroup the child (and its
 * listening sockets) live in, these programs let a connect or an addressed send through
 * only to the upstream resolver, and an addressed UDP send from the proxy's own port only
 * to a loopback address (its answers to the agent).  Everything else fails with EPERM, so
 * a child taken over through a parser bug cannot relay the agent's traffic anywhere else.
 *
 * Verifier rules on the target kernels: connect/sendmsg programs return 0 (EPERM) or 1.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dnsguard.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load. */
const volatile __u32 cfg_up_family = 0;		/* CT_DG_AF_INET or CT_DG_AF_INET6 */
const volatile __u32 cfg_up_ip4 = 0;		/* network order */
const volatile __u32 cfg_up_ip6[4] = {};	/* network order */
const volatile __u32 cfg_up_port = 0;		/* host order */
const volatile __u32 cfg_listen_port = 0;	/* the proxy's UDP port, host order */

/* Refusals, for the run's record: [0] connect, [1] sendmsg. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} refused SEC(".maps");

static __always_inline int
refuse(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&refused, &which);

	if (v != NULL)
		__sync_fetch_and_add(v, 1);
	return 0;
}

/* ::ffff:a.b.c.d as a.b.c.d (network order) in *ip4; 0 when it is not v4-mapped */
static __always_inline int
v4mapped(const __u32 w[4], __u32 *ip4)
{
	if (w[0] != 0 || w[1] != 0 || w[2] != bpf_htonl(0xffff))
		return 0;
	*ip4 = w[3];
	return 1;
}

static __always_inline int
upstream4(__u32 ip4, __u16 port)
{
	return cfg_up_family == CT_DG_AF_INET && ip4 == cfg_up_ip4 && port == cfg_up_port;
}

static __always_inline int
upstream6(const __u32 w[4], __u16 port)
{
	__u32 ip4;

	if (v4mapped(w, &ip4))
		return upstream4(ip4, port);
	return cfg_up_family == CT_DG_AF_INET6 && port == cfg_up_port &&
	    w[0] == cfg_up_ip6[0] && w[1] == cfg_up_ip6[1] && w[2] == cfg_up_ip6[2] &&
	    w[3] == cfg_up_ip6[3];
}

static __always_inline int
loopback4(__u32 ip4)
{
	return (bpf_ntohl(ip4) >> 24) == 127;
}

static __always_inline int
loopback6(const __u32 w[4])
{
	__u32 ip4;

	if (v4mapped(w, &ip4))
		return loopback4(ip4);
	return w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == bpf_htonl(1);
}

static __always_inline void
read6(const struct bpf_sock_addr *ctx, __u32 w[4])
{
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
}

/* An answer to the agent: from the proxy's UDP port to a loopback address. */
static __always_inline int
answer(const struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	return sk != NULL && cfg_listen_port != 0 && sk->src_port == cfg_listen_port;
}

SEC("cgroup/connect4")
int dg_connect4(struct bpf_sock_addr *ctx)
{
	if (upstream4(ctx->user_ip4, bpf_ntohs((__u16)ctx->user_port)))
		return 1;
	return refuse(0);
}

SEC("cgroup/connect6")
int dg_connect6(struct bpf_sock_addr *ctx)
{
	__u32 w[4];

	read6(ctx, w);
	if (upstream6(w, bpf_ntohs((__u16)ctx->user_port)))
		return 1;
	return refuse(0);
}

SEC("cgroup/sendmsg4")
int dg_sendmsg4(struct bpf_sock_addr *ctx)
{
	if (upstream4(ctx->user_ip4, bpf_ntohs((__u16)ctx->user_port)) ||
	    (answer(ctx) && loopback4(ctx->user_ip4)))
		return 1;
	return refuse(1);
}

SEC("cgroup/sendmsg6")
int dg_sendmsg6(struct bpf_sock_addr *ctx)
{
	__u32 w[4];

	read6(ctx, w);
	if (upstream6(w, bpf_ntohs((__u16)ctx->user_port)) || (answer(ctx) && loopback6(w)))
		return 1;
	return refuse(1);
}
