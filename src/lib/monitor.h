/*
 * monitor.h - the user half of the eBPF egress monitor: load bpf/monitor.bpf.c, attach it to
 * the agent's cgroup, read its events, and fill the allowlist maps.
 *
 * The event records are the structs of bpf/monitor.h (struct ct_mon_hdr first, then
 * ct_mon_net or ct_mon_proc by type).  Times in them are CLOCK_MONOTONIC; ct_monitor_wall_us()
 * turns one into wall-clock microseconds.
 *
 * The allow maps may be written from any thread (each update is one bpf() call), which is
 * what the DNS proxy does when it admits an answer's addresses before the agent sees them.
 */
#ifndef CT_MONITOR_H
#define CT_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "../../bpf/monitor.h"

struct ct_monitor;

struct ct_monitor_params {
	int cgroup_fd;			/* the agent's cgroup directory */
	int enforce;			/* refuse what the allow maps do not admit */
	int have_policy;		/* audit mode: flag what the allow maps would refuse */
	int dns_redirect;		/* send port-53 traffic to the proxy below */
	uint8_t dns_ip4[4];		/* proxy address (loopback) */
	int dns_have6;
	uint8_t dns_ip6[16];		/* proxy IPv6 address, when dns_have6 */
	uint16_t dns_port_udp;
	uint16_t dns_port_tcp;
	uint32_t ringbuf_bytes;		/* power of two; 0: 4 MiB */
	uint32_t wakeup_bytes;		/* wake the reader past this much data; 0: always */
	int exec_args;			/* exec records are struct ct_mon_exec (argument bytes) */
	int dns_clients;		/* record DNS client ports (ct_monitor_dns_client) */
	int guard;			/* attach the fail-closed guard (see below) */
	/* Called for each record, in the thread that calls ct_monitor_consume(). */
	int (*on_event)(void *arg, const void *rec, size_t len);
	void *arg;
};

/*
 * Open, configure, load and attach everything.  Any failure is returned (with the libbpf or
 * verifier reason in the detail) and nothing stays attached: enforce mode fails closed.
 *
 * With `guard`, programs that refuse every connect/sendmsg and drop every egress packet of
 * the cgroup's sockets are attached as well, without a link (BPF_F_ALLOW_MULTI), so that
 * they outlive this process; while this process holds the monitor they let everything
 * through (the monitor's own programs decide), and the moment it ends - exit, crash,
 * SIGKILL - the kernel disarms their pass (the tail-call arrays empty when their last file
 * descriptor closes) and the cgroup's egress is blocked until ct_monitor_guards_release()
 * (`credtrail watch --release`).  ct_monitor_free() leaves the guard attached: detach it
 * with ct_monitor_guard_detach() when the watch ends cleanly.
 */
int ct_monitor_open(struct ct_monitor **out, const struct ct_monitor_params *p);
void ct_monitor_free(struct ct_monitor *m);

/* A file descriptor that becomes readable when events are waiting (for poll/epoll). */
int ct_monitor_fd(const struct ct_monitor *m);

/* Hand every waiting record to on_event.  Returns the count, or on_event's negative return. */
int ct_monitor_consume(struct ct_monitor *m);

/*
 * Admit (family, addr, port) until expiry_us (µs on the monitor's wall clock, i.e.
 * ct_monitor_wall_us() of a CLOCK_MONOTONIC time, so that a jump of the real wall clock moves
 * no expiry; 0: for the whole run).  addr
 * is 4 or 16 bytes; an IPv4-mapped IPv6 address is stored as the IPv4 address.  port 0: any.
 */
int ct_monitor_allow_addr(struct ct_monitor *m, int family, const void *addr, uint16_t port,
    int64_t expiry_us);

/* Admit a CIDR (addr with host bits clear, prefix bits) on a port (0: any). */
int ct_monitor_allow_cidr(struct ct_monitor *m, int family, const void *addr, unsigned prefix,
    uint16_t port);

/* Remove the exact admissions whose time is up (the map has room for 65536).  Returns how many. */
int ct_monitor_expire(struct ct_monitor *m);

/* The agent's TCP connections that have started (SYN sent) and not yet reached CLOSE. */
int64_t ct_monitor_open_connections(struct ct_monitor *m);

/* Lost-event counters, indexed by enum ct_mon_drop. */
int ct_monitor_drops(struct ct_monitor *m, uint64_t out[CT_DROP_MAX]);

/*
 * Which process sent DNS through the agent socket with local port `port` (proto IPPROTO_UDP
 * or IPPROTO_TCP): *pid, *tid and *cookie (the socket).  CT_ERR_NOTFOUND when not recorded
 * (dns_clients not asked for, not noted yet, or the entry was evicted).
 */
int ct_monitor_dns_client(struct ct_monitor *m, int proto, uint16_t port, uint32_t *pid,
    uint32_t *tid, uint64_t *cookie);

/*
 * Stop observing: detach every program of the monitor but the guard, keeping the maps and
 * the ring buffer so that what is still in it can be consumed.
 */
void ct_monitor_detach(struct ct_monitor *m);

/* Detach the guard attached by ct_monitor_open() (no-op without one). */
int ct_monitor_guard_detach(struct ct_monitor *m);

/*
 * Guards left on a cgroup (`cgfd`) by monitors that ended without detaching them: count them
 * in *n and, with `detach`, detach them.  Only credtrail's guard programs (named "ctg_...")
 * are touched.
 */
int ct_monitor_guards_find(int cgfd, int detach, unsigned *n);

/* A record's CLOCK_MONOTONIC nanoseconds as wall-clock microseconds. */
int64_t ct_monitor_wall_us(const struct ct_monitor *m, uint64_t mono_ns);

/* The name of a drop cause ("ringbuf_net", ...). */
const char *ct_monitor_drop_name(int cause);

#endif
