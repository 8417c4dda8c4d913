/*
 * seccomp_mon.h - the fallback egress monitor: seccomp user notification on connect, sendto,
 * sendmsg and sendmmsg, for when eBPF is not available (not root) or not wanted.
 *
 * The agent's process installs the filter just before exec; every such system call then
 * waits while credtrail reads the destination from the agent's memory (process_vm_readv),
 * records it, and answers "continue" or EPERM.  This is WEAKER than the eBPF backend, and the
 * record says so (ct_seccomp_mon_weakness()):
 *   - the sockaddr is read from memory another thread of the agent can rewrite between our
 *     check and the kernel's own read (time of check / time of use): a determined agent can
 *     connect somewhere else than what was checked;
 *   - io_uring submissions do not pass through these system calls (enforce mode refuses
 *     io_uring_setup with ENOSYS; audit mode cannot see them);
 *   - DNS is not redirected, so destinations carry no host names; in enforce mode exact host
 *     rules are resolved once at start (their addresses admitted), CIDR rules apply as
 *     usual, port 53 is allowed to the system resolver only, and wildcard rules are refused;
 *   - there are no process (fork/exec/exit) or connection-end events.
 */
#ifndef CT_SECCOMP_MON_H
#define CT_SECCOMP_MON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ct_netpolicy;
struct ct_seccomp_mon;

struct ct_seccomp_event {
	int64_t time_us;
	pid_t pid;		/* thread group */
	pid_t tid;
	uint32_t uid;
	int family;		/* AF_INET or AF_INET6 (a v4-mapped address is AF_INET) */
	uint8_t addr[16];
	uint16_t port;
	int proto;		/* IPPROTO_*, 0 when unknown */
	int sock_type;
	int sendmsg;		/* sendto/sendmsg/sendmmsg rather than connect */
	int v4mapped;
	int nomatch;		/* audit mode: the allowlist would refuse it */
	const char *verdict;	/* "allow", "deny", "audit" */
	const char *syscall;	/* "connect", "sendto", ... */
};

struct ct_seccomp_mon_params {
	int enforce;
	const struct ct_netpolicy *policy;	/* NULL: no allowlist */
	const char *resolv_conf;		/* NULL: /etc/resolv.conf */
	int (*on_event)(void *arg, const struct ct_seccomp_event *ev);
	void *arg;
};

/* Build the filter and the policy tables (resolving exact host rules in enforce mode). */
int ct_seccomp_mon_new(struct ct_seccomp_mon **out, const struct ct_seccomp_mon_params *p);
void ct_seccomp_mon_free(struct ct_seccomp_mon *m);

/*
 * In the agent's process after fork, after no_new_privs, just before exec (async-signal-safe):
 * install the filter, write the listener's fd number to `sock` and wait until the parent has
 * taken it (ct_seccomp_mon_recv).  Returns 0 or -1 with errno.
 */
int ct_seccomp_mon_child(const struct ct_seccomp_mon *m, int sock);

/* In credtrail: take the listener from the child (pidfd_getfd). */
int ct_seccomp_mon_recv(struct ct_seccomp_mon *m, int sock, int pidfd);

/* The listener (readable when a notification waits). */
int ct_seccomp_mon_fd(const struct ct_seccomp_mon *m);

/* Answer one notification. */
int ct_seccomp_mon_handle(struct ct_seccomp_mon *m);

/* Admit an address (as the DNS proxy would), until expiry_us (ct_mono_us(); 0: for the run). */
int ct_seccomp_mon_allow_addr(struct ct_seccomp_mon *m, int family, const void *addr,
    uint16_t port, int64_t expiry_us);

/* One line naming what this backend cannot see, for the record. */
const char *ct_seccomp_mon_weakness(void);

#endif
