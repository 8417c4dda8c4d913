/*
 * seccomp_mon.c - the seccomp user-notification fallback monitor (see seccomp_mon.h).
 *
 * The filter is compiled by libseccomp in credtrail's process (ct_seccomp_mon_new) and
 * installed by the child with the raw seccomp() call, because between fork and exec only
 * async-signal-safe calls are allowed.  The listener fd travels to credtrail by pidfd_getfd:
 * the child cannot send it with sendmsg(), which its own filter already holds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "lib/dnsproxy.h"
#include "lib/netpolicy.h"
#include "lib/seccomp_mon.h"
#include "util/err.h"
#include "util/timeutil.h"

#define MMSG_MAX	1024	/* UIO_MAXIOV: the kernel sends at most this many */
#define ADMIT_MAX	65536

struct admit {
	int family;
	uint8_t addr[16];
	uint16_t port;
	int64_t expiry_us;
};

struct ct_seccomp_mon {
	struct ct_seccomp_mon_params p;
	struct sock_filter *insns;
	unsigned short ninsns;
	int fd;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct admit *admit;
	size_t nadmit;
	int have_resolver;
	int resolver_family;
	uint8_t resolver[16];
};

static const char weakness[] =
    "seccomp backend: sockaddr checked in user memory (time-of-check/time-of-use race), "
    "io_uring not seen, no DNS names, no process or connection-end events";

const char *
ct_seccomp_mon_weakness(void)
{
	return weakness;
}

/* Compile the filter: connect, sendto, sendmsg, sendmmsg -> user notification. */
static int
build_filter(struct ct_seccomp_mon *m)
{
	scmp_filter_ctx ctx;
	struct stat st;
	ssize_t n;
	int fd = -1, rc = CT_ERR_INTERNAL;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return ct_error(CT_ERR_NOMEM, "cannot create a seccomp filter");
	if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(connect), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendto), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendmsg), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendmmsg), 0) != 0 ||
	    (m->p.enforce && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(io_uring_setup), 0) != 0)) {
		rc = ct_error(CT_ERR_INTERNAL, "cannot add seccomp rules");
		goto out;
	}
	/* we set no_new_privs ourselves, at the right moment */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if ((fd = memfd_create("credtrail-seccomp", MFD_CLOEXEC)) < 0) {
		rc = ct_error(CT_ERR_SYSTEM, "memfd_create");
		goto out;
	}
	if (seccomp_export_bpf(ctx, fd) != 0 || fstat(fd, &st) != 0 || st.st_size <= 0 ||
	    st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		rc = ct_error(CT_ERR_INTERNAL, "cannot export the seccomp filter");
		goto out;
	}
	if ((m->insns = malloc((size_t)st.st_size)) == NULL) {
		rc = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((n = pread(fd, m->insns, (size_t)st.st_size, 0)) != st.st_size) {
		rc = ct_error(CT_ERR_SYSTEM, "cannot read the seccomp filter");
		goto out;
	}
	m->ninsns = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	rc = 0;
 out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

static int
resolve_host_rule(const struct ct_netrule *rule, void *arg)
{
	struct ct_seccomp_mon *m = arg;
	struct addrinfo hints, *res = NULL, *ai;
	int rc, e;

	if (rule->kind == CT_NETRULE_WILDCARD)
		return ct_error(CT_ERR_UNSUPPORTED, "the seccomp backend cannot enforce the "
		    "wildcard rule '%s' (it sees no DNS names)", rule->text);
	if (rule->kind != CT_NETRULE_HOST)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(rule->name, NULL, &hints, &res)) != 0)
		return ct_error(CT_ERR_NET, "cannot resolve '%s' for the seccomp backend: %s",
		    rule->name, gai_strerror(e));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		const void *a;

		if (ai->ai_family == AF_INET)
			a = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			a = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		else
			continue;
		/* metadata addresses are never admitted through a name */
		if (ct_netpolicy_is_metadata(ai->ai_family, a))
			continue;
		if ((rc = ct_seccomp_mon_allow_addr(m, ai->ai_family, a, rule->port, 0)) != 0) {
			freeaddrinfo(res);
			return rc;
		}
	}
	freeaddrinfo(res);
	return 0;
}

int
ct_seccomp_mon_new(struct ct_seccomp_mon **out, const struct ct_seccomp_mon_params *p)
{
	struct ct_seccomp_mon *m;
	struct sockaddr_storage ss;
	size_t i;
	int rc;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	m->p = *p;
	m->fd = -1;
	if ((rc = build_filter(m)) != 0)
		goto out;
	if (seccomp_notify_alloc(&m->req, &m->resp) != 0) {
		rc = ct_error(CT_ERR_NOMEM, "cannot allocate seccomp notification buffers");
		goto out;
	}
	if (ct_dns_upstream_from_resolv_conf(p->resolv_conf != NULL ? p->resolv_conf :
	    "/etc/resolv.conf", &ss) == 0) {
		m->have_resolver = 1;
		m->resolver_family = ss.ss_family;
		if (ss.ss_family == AF_INET)
			memcpy(m->resolver, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		else
			memcpy(m->resolver, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	} else {
		ct_error_clear();
	}
	if (p->enforce && p->policy != NULL) {
		for (i = 0; i < ct_netpolicy_count(p->policy); i++)
			if ((rc = resolve_host_rule(ct_netpolicy_rule(p->policy, i), m)) != 0)
				goto out;
	}
	*out = m;
	m = NULL;
	rc = 0;
 out:
	ct_seccomp_mon_free(m);
	return rc;
}

void
ct_seccomp_mon_free(struct ct_seccomp_mon *m)
{
	if (m == NULL)
		return;
	if (m->fd >= 0)
		close(m->fd);
	if (m->req != NULL)
		seccomp_notify_free(m->req, m->resp);
	free(m->insns);
	free(m->admit);
	free(m);
}

int
ct_seccomp_mon_child(const struct ct_seccomp_mon *m, int sock)
{
	struct sock_fprog prog = { m->ninsns, m->insns };
	char ack;
	int fd;

	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
	    &prog);
	if (fd < 0)
		return -1;
	/* write/read are not filtered; sendmsg would wait for a supervisor not yet listening */
	if (write(sock, &fd, sizeof(fd)) != (ssize_t)sizeof(fd) || read(sock, &ack, 1) != 1)
		return -1;
	close(fd);
	return 0;
}

int
ct_seccomp_mon_recv(struct ct_seccomp_mon *m, int sock, int pidfd)
{
	int cfd = -1, fd;
	ssize_t n;

	do {
		n = read(sock, &cfd, sizeof(cfd));
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(cfd))
		return ct_error(CT_ERR_SYSTEM, "the agent did not install the seccomp filter");
	if ((fd = (int)syscall(SYS_pidfd_getfd, pidfd, cfd, 0)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot take the seccomp listener from the agent");
	if (write(sock, "k", 1) != 1) {
		close(fd);
		return ct_error(CT_ERR_SYSTEM, "cannot release the agent");
	}
	m->fd = fd;
	return 0;
}

int
ct_seccomp_mon_fd(const struct ct_seccomp_mon *m)
{
	return m->fd;
}

int
ct_seccomp_mon_allow_addr(struct ct_seccomp_mon *m, int family, const void *addr,
    uint16_t port, int64_t expiry_us)
{
	struct admit *n;
	uint8_t v4[4];
	size_t i;

	if (family == AF_INET6 && ct_addr_v4mapped(addr, v4)) {
		family = AF_INET;
		addr = v4;
	}
	for (i = 0; i < m->nadmit; i++) {
		struct admit *a = &m->admit[i];

		if (a->family == family && a->port == port &&
		    memcmp(a->addr, addr, family == AF_INET ? 4 : 16) == 0) {
			if (a->expiry_us != 0 && (expiry_us == 0 || expiry_us > a->expiry_us))
				a->expiry_us = expiry_us;
			return 0;
		}
	}
	if (m->nadmit >= ADMIT_MAX)
		return ct_error(CT_ERR_LIMIT, "too many admitted addresses");
	if ((n = reallocarray(m->admit, m->nadmit + 1, sizeof(*n))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	m->admit = n;
	n = &m->admit[m->nadmit++];
	memset(n, 0, sizeof(*n));
	n->family = family;
	memcpy(n->addr, addr, family == AF_INET ? 4 : 16);
	n->port = port;
	n->expiry_us = expiry_us;
	return 0;
}

static int
admitted(const struct ct_seccomp_mon *m, int family, const uint8_t *addr, uint16_t port)
{
	int64_t now = ct_mono_us();	/* expiry_us is on the monotonic clock */
	size_t i;

	for (i = 0; i < m->nadmit; i++) {
		const struct admit *a = &m->admit[i];

		if (a->family == family && (a->port == 0 || a->port == port) &&
		    memcmp(a->addr, addr, family == AF_INET ? 4 : 16) == 0 &&
		    (a->expiry_us == 0 || a->expiry_us > now))
			return 1;
	}
	return 0;
}

static int
read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, rm = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &l, 1, &rm, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* Thread group and uid of a thread, from /proc. */
static void
task_ids(pid_t tid, pid_t *tgid, uint32_t *uid)
{
	char path[64], buf[2048], *p;
	ssize_t n;
	int fd;

	*tgid = tid;
	*uid = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nTgid:")) != NULL)
		*tgid = (pid_t)strtol(p + 6, NULL, 10);
	if ((p = strstr(buf, "\nUid:")) != NULL)
		*uid = (uint32_t)strtoul(p + 5, NULL, 10);
}

/* The socket's type and protocol, from a copy of the agent's fd. */
static void
sock_info(pid_t tid, int sfd, int *type, int *proto)
{
	socklen_t l;
	int pfd, fd;

	*type = 0;
	*proto = 0;
	if ((pfd = (int)syscall(SYS_pidfd_open, tid, 0)) < 0)
		return;
	if ((fd = (int)syscall(SYS_pidfd_getfd, pfd, sfd, 0)) >= 0) {
		l = sizeof(*type);
		getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &l);
		l = sizeof(*proto);
		getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, proto, &l);
		close(fd);
	}
	close(pfd);
}

/*
 * Judge one destination.  Returns 1 to let it through; fills the event's verdict.  A
 * sockaddr that is not IPv4/IPv6 (unix, netlink) passes unrecorded (*skip = 1).
 */
static int
judge(struct ct_seccomp_mon *m, const uint8_t *sa, size_t salen, struct ct_seccomp_event *ev,
    int *skip)
{
	const struct sockaddr_in *s4 = (const void *)sa;
	const struct sockaddr_in6 *s6 = (const void *)sa;
	sa_family_t fam;
	int allowed;

	*skip = 0;
	if (salen < sizeof(sa_family_t)) {
		*skip = 1;
		return 1;
	}
	memcpy(&fam, sa, sizeof(fam));
	memset(ev->addr, 0, sizeof(ev->addr));
	if (fam == AF_INET && salen >= sizeof(*s4)) {
		ev->family = AF_INET;
		memcpy(ev->addr, &s4->sin_addr, 4);
		ev->port = ntohs(s4->sin_port);
	} else if (fam == AF_INET6 && salen >= sizeof(*s6)) {
		ev->port = ntohs(s6->sin6_port);
		if (ct_addr_v4mapped(s6->sin6_addr.s6_addr, ev->addr)) {
			ev->family = AF_INET;
			ev->v4mapped = 1;
		} else {
			ev->family = AF_INET6;
			memcpy(ev->addr, &s6->sin6_addr, 16);
		}
	} else {
		*skip = 1;
		return 1;
	}
	allowed = admitted(m, ev->family, ev->addr, ev->port) ||
	    (m->p.policy != NULL && ct_netpolicy_addr_allowed(m->p.policy, ev->family, ev->addr,
	    ev->port)) ||
	    (ev->port == 53 && m->have_resolver && m->resolver_family == ev->family &&
	    memcmp(m->resolver, ev->addr, ev->family == AF_INET ? 4 : 16) == 0);
	if (m->p.enforce) {
		ev->verdict = allowed ? "allow" : "deny";
		return allowed;
	}
	ev->verdict = "audit";
	ev->nomatch = m->p.policy != NULL && !allowed;
	return 1;
}

static int
report(struct ct_seccomp_mon *m, struct ct_seccomp_event *ev)
{
	return m->p.on_event != NULL ? m->p.on_event(m->p.arg, ev) : 0;
}

int
ct_seccomp_mon_handle(struct ct_seccomp_mon *m)
{
	struct seccomp_notif *req = m->req;
	struct seccomp_notif_resp *resp = m->resp;
	struct ct_seccomp_event ev;
	uint8_t sa[128];
	uint64_t a;
	size_t len;
	int allow = 1, skip, rc = 0, nr;

	memset(req, 0, sizeof(*req));	/* the kernel refuses a dirty buffer (EINVAL) */
	if (seccomp_notify_receive(m->fd, req) != 0) {
		/* the target died before we looked, or a signal: nothing to answer */
		if (errno == ENOENT || errno == EINTR || errno == 0)
			return 0;
		return ct_error(CT_ERR_SYSTEM, "cannot receive a seccomp notification");
	}
	memset(&ev, 0, sizeof(ev));
	ev.time_us = ct_now_us();
	ev.tid = (pid_t)req->pid;
	task_ids(ev.tid, &ev.pid, &ev.uid);
	nr = req->data.nr;
	if (nr == SCMP_SYS(connect)) {
		ev.syscall = "connect";
		a = req->data.args[1];
		len = (size_t)req->data.args[2];
	} else if (nr == SCMP_SYS(sendto)) {
		ev.syscall = "sendto";
		ev.sendmsg = 1;
		a = req->data.args[4];
		len = (size_t)req->data.args[5];
	} else if (nr == SCMP_SYS(sendmsg) || nr == SCMP_SYS(sendmmsg)) {
		struct msghdr mh;
		uint64_t base = req->data.args[1];
		size_t cnt = 1, i, stride = sizeof(struct mmsghdr);

		ev.syscall = nr == SCMP_SYS(sendmsg) ? "sendmsg" : "sendmmsg";
		ev.sendmsg = 1;
		if (nr == SCMP_SYS(sendmmsg)) {
			cnt = (size_t)req->data.args[2];
			if (cnt > MMSG_MAX)
				cnt = MMSG_MAX;
		} else {
			stride = 0;
		}
		a = 0;
		len = 0;
		sock_info(ev.tid, (int)req->data.args[0], &ev.sock_type, &ev.proto);
		/* every message's destination is judged; one refusal refuses the call */
		for (i = 0; i < cnt && allow; i++) {
			if (read_mem(ev.tid, base + i * stride, &mh, sizeof(mh)) != 0) {
				allow = 0;
				ev.verdict = "deny";
				break;
			}
			if (mh.msg_name == NULL || mh.msg_namelen == 0)
				continue;
			len = mh.msg_namelen < sizeof(sa) ? mh.msg_namelen : sizeof(sa);
			if (read_mem(ev.tid, (uint64_t)(uintptr_t)mh.msg_name, sa, len) != 0) {
				allow = 0;
				break;
			}
			allow = judge(m, sa, len, &ev, &skip);
			if (!skip && (rc = report(m, &ev)) != 0)
				break;
		}
		goto respond;
	} else {
		goto respond;
	}
	if (a == 0 || len == 0)
		goto respond;		/* sendto, connected socket: its connect was judged */
	if (len > sizeof(sa))
		len = sizeof(sa);
	if (read_mem(ev.tid, a, sa, len) != 0) {
		allow = 0;		/* unreadable: we cannot say where it goes */
		goto respond;
	}
	sock_info(ev.tid, (int)req->data.args[0], &ev.sock_type, &ev.proto);
	allow = judge(m, sa, len, &ev, &skip);
	if (!skip)
		rc = report(m, &ev);
 respond:
	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	/* the agent may have been killed while we looked: the answer would go nowhere */
	if (seccomp_notify_id_valid(m->fd, req->id) != 0)
		return rc;
	if (allow) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else {
		resp->error = -EPERM;
	}
	if (seccomp_notify_respond(m->fd, resp) != 0 && errno != ENOENT && rc == 0)
		rc = ct_error(CT_ERR_SYSTEM, "cannot answer a seccomp notification");
	return rc;
}
