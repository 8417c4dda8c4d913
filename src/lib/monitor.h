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
	/* Called for each record, in the thread that calls ct_monitor_consume(). */
	int (*on_event)(void *arg, const void *rec, size_t len);
	void *arg;
};

/*
 * Open, configure, load and attach everything.  Any failure is returned (with the libbpf or
 * verifier reason in the detail) and nothing stays attached: enforce mode fails closed.
 */
int ct_monitor_open(struct ct_monitor **out, const struct ct_monitor_params *p);
void ct_monitor_free(struct ct_monitor *m);

/* A file descriptor that becomes readable when events are waiting (for poll/epoll). */
int ct_monitor_fd(const struct ct_monitor *m);

/* Hand every waiting record to on_event.  Returns the count, or on_event's negative return. */
int ct_monitor_consume(struct ct_monitor *m);

/*
 * Admit (family, addr, port) until expiry_us (wall clock, µs; 0: for the whole run).  addr
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

/* A record's CLOCK_MONOTONIC nanoseconds as wall-clock microseconds. */
int64_t ct_monitor_wall_us(const struct ct_monitor *m, uint64_t mono_ns);

/* The name of a drop cause ("ringbuf_net", ...). */
const char *ct_monitor_drop_name(int cause);

#endif
