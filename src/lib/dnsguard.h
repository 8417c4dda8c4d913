/*
 * dnsguard.h - the DNS proxy child's egress, confined.
 *
 * The child that parses the agent's DNS runs without privileges, but it runs outside the
 * agent's cgroup: taken over through a parser bug, it could relay the agent's traffic to
 * anywhere.  So it lives in a cgroup of its own (a sibling of the agent's), with its
 * listening sockets, and BPF programs on that cgroup (bpf/dnsguard.bpf.c) let its connects
 * and addressed sends reach only the upstream resolver, and its UDP answers only loopback.
 *
 * Use: ct_dnsguard_enter() creates the cgroup and moves the calling process into it; start
 * the proxy (its sockets and its child are born there); ct_dnsguard_leave() moves the caller
 * back; ct_dnsguard_attach() loads the programs, before the agent can send the proxy
 * anything.  ct_dnsguard_free() detaches them and removes the (then empty) cgroup.
 */
#ifndef CT_DNSGUARD_H
#define CT_DNSGUARD_H

#include <stdint.h>
#include <sys/socket.h>

struct ct_dnsguard;

/* Create cgroup `name` beside the caller's own cgroup's children and move the caller in. */
int ct_dnsguard_enter(struct ct_dnsguard **out, const char *name);

/* Move the calling process back to the cgroup it was in at ct_dnsguard_enter(). */
int ct_dnsguard_leave(struct ct_dnsguard *g);

/* Load and attach the programs: the upstream resolver, and the proxy's UDP port. */
int ct_dnsguard_attach(struct ct_dnsguard *g, const struct sockaddr_storage *upstream,
    uint16_t listen_port);

/* The cgroup's directory. */
const char *ct_dnsguard_path(const struct ct_dnsguard *g);

/* How many connects and sends the programs have refused so far. */
int ct_dnsguard_refused(const struct ct_dnsguard *g, uint64_t *out);

/* Detach, and remove the cgroup (call once the proxy child is gone).  NULL is fine. */
void ct_dnsguard_free(struct ct_dnsguard *g);

#endif
