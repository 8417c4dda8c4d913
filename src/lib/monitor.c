/*
 * monitor.c - load and drive the eBPF egress monitor (see monitor.h and bpf/monitor.bpf.c).
 *
 * libbpf would print its warnings and the verifier log on stderr; the library never prints,
 * so its print callback keeps them in a per-thread buffer instead, and a failed load reports
 * the first failure line and the verifier's last word as the error detail.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/monitor.skel.h"

/* enum bpf_attach_type values of Linux 6.7, newer than the uapi headers we build with */
#define CT_BPF_CGROUP_UNIX_CONNECT	49
#define CT_BPF_CGROUP_UNIX_SENDMSG	50
#include "lib/conntab.h"
#include "lib/monitor.h"
#include "util/err.h"

struct ct_monitor {
	struct monitor_bpf *skel;
	struct ring_buffer *rb;
	int cb_err;			/* on_event's error, which stopped a consume */
	int (*on_event)(void *arg, const void *rec, size_t len);
	void *arg;
	int64_t mono_to_wall_ns;	/* wall = mono + this */
	int cgfd;			/* our own copy of the cgroup fd (guard detach) */
	int guarded;			/* the guard is attached */
	int enforce;
	struct ct_conntab *conns;	/* connect records of open TCP connections */
	uint64_t close_unjoined;	/* closes whose connect record was not there */
};

/* The guard's programs, their pass programs and tail-call arrays, by attach type. */
struct guard_part {
	enum bpf_attach_type type;
	struct bpf_program *guard, *pass;
	struct bpf_map *alive;
};

static void
guard_parts(struct monitor_bpf *s, struct guard_part g[5])
{
	g[0] = (struct guard_part){ BPF_CGROUP_INET4_CONNECT, s->progs.ctg_connect4,
	    s->progs.cta_connect4, s->maps.alive_connect4 };
	g[1] = (struct guard_part){ BPF_CGROUP_INET6_CONNECT, s->progs.ctg_connect6,
	    s->progs.cta_connect6, s->maps.alive_connect6 };
	g[2] = (struct guard_part){ BPF_CGROUP_UDP4_SENDMSG, s->progs.ctg_sendmsg4,
	    s->progs.cta_sendmsg4, s->maps.alive_sendmsg4 };
	g[3] = (struct guard_part){ BPF_CGROUP_UDP6_SENDMSG, s->progs.ctg_sendmsg6,
	    s->progs.cta_sendmsg6, s->maps.alive_sendmsg6 };
	g[4] = (struct guard_part){ BPF_CGROUP_INET_EGRESS, s->progs.ctg_egress,
	    s->progs.cta_egress, s->maps.alive_egress };
}

/* ---- libbpf messages, kept instead of printed ---- */

static __thread char bpf_log[8192];
static __thread size_t bpf_log_len;
static pthread_once_t print_once = PTHREAD_ONCE_INIT;

static int
keep_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (level == LIBBPF_DEBUG || bpf_log_len >= sizeof(bpf_log) - 1)
		return 0;
	n = vsnprintf(bpf_log + bpf_log_len, sizeof(bpf_log) - bpf_log_len, fmt, ap);
	if (n > 0)
		bpf_log_len += (size_t)n < sizeof(bpf_log) - bpf_log_len ? (size_t)n :
		    sizeof(bpf_log) - bpf_log_len - 1;
	return 0;
}

static void
set_print(void)
{
	libbpf_set_print(keep_libbpf_print);
}

static void
log_reset(void)
{
	pthread_once(&print_once, set_print);
	bpf_log_len = 0;
	bpf_log[0] = '\0';
}

/* The first libbpf line that says what failed, and the verifier's last line if any. */
static void
log_summary(char *out, size_t outsz)
{
	char *p, *first = NULL, *last = NULL, *line, *save = NULL;
	char copy[sizeof(bpf_log)];

	memcpy(copy, bpf_log, sizeof(copy));
	copy[sizeof(copy) - 1] = '\0';
	out[0] = '\0';
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "libbpf: ", 8) == 0)
			line += 8;
		if (strstr(line, "-- END PROG LOAD LOG --") != NULL)
			break;
		if (first == NULL && (strstr(line, "fail") != NULL || strstr(line, "rror") != NULL))
			first = line;
		if (strstr(line, "BEGIN PROG LOAD LOG") == NULL && line[0] != '\0')
			last = line;
	}
	if (first == NULL)
		first = last;
	if (first == NULL)
		return;
	for (p = first; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	if (last != NULL && last != first)
		snprintf(out, outsz, ": %s (%s)", first, last);
	else
		snprintf(out, outsz, ": %s", first);
}

static int
bpf_fail(int err, const char *what)
{
	char why[512];

	log_summary(why, sizeof(why));
	errno = err < 0 ? -err : err;
	if (why[0] != '\0')
		return ct_error(CT_ERR_SYSTEM, "cannot %s%s", what, why);
	return ct_error(CT_ERR_SYSTEM, "cannot %s", what);
}

/* ---- events ---- */

/*
 * TCP connections: keep each connect record until the close of the same socket, and
 * complete the close record (which the kernel writes without knowing who connected) from
 * it: the process, the verdict, the flags, the resolver a redirected DNS connection asked
 * for, and the open time (the connect).
 */
static int
join_tcp(struct ct_monitor *m, struct ct_mon_net *e)
{
	struct ct_mon_net c;
	int r;

	if (e->h.type == CT_MON_CONNECT) {
		if (e->sock_type != SOCK_STREAM || e->verdict == CT_MON_DENY)
			return 0;
		r = ct_conntab_put(m->conns, e);
		return r < 0 ? r : 0;
	}
	if (!ct_conntab_take(m->conns, e->cookie, &c)) {
		m->close_unjoined++;
		e->verdict = m->enforce ? CT_MON_ALLOW : CT_MON_AUDIT;
		return 0;
	}
	e->h.pid = c.h.pid;
	e->h.tid = c.h.tid;
	e->h.ppid = c.h.ppid;
	e->h.uid = c.h.uid;
	memcpy(e->h.comm, c.h.comm, sizeof(e->h.comm));
	e->open_ns = c.h.ts_ns;
	e->verdict = c.verdict;
	e->flags |= c.flags & (CT_MONF_REDIRECT | CT_MONF_METADATA | CT_MONF_NOMATCH |
	    CT_MONF_PROXY);
	e->odport = c.odport;
	e->ofamily = c.ofamily;
	memcpy(e->odaddr, c.odaddr, sizeof(e->odaddr));
	return 0;
}

static int
rb_sample(void *ctx, void *data, size_t len)
{
	struct ct_monitor *m = ctx;
	const struct ct_mon_hdr *h = data;
	struct ct_mon_net close;
	int r;

	if (len < sizeof(struct ct_mon_hdr))
		return 0;
	if ((h->type == CT_MON_CONNECT || h->type == CT_MON_CLOSE) &&
	    len >= sizeof(struct ct_mon_net)) {
		if (h->type == CT_MON_CLOSE) {
			/* complete a copy: the ring buffer's record is not ours to change */
			memcpy(&close, data, sizeof(close));
			data = &close;
			len = sizeof(close);
		}
		if ((r = join_tcp(m, data)) < 0) {
			m->cb_err = r;
			return -1;
		}
	}
	if ((r = m->on_event(m->arg, data, len)) < 0) {
		m->cb_err = r;
		return -1;
	}
	return 0;
}

static int64_t
mono_to_wall_offset(void)
{
	struct timespec w1, mo, w2;
	int64_t a, b;

	clock_gettime(CLOCK_REALTIME, &w1);
	clock_gettime(CLOCK_MONOTONIC, &mo);
	clock_gettime(CLOCK_REALTIME, &w2);
	a = (int64_t)w1.tv_sec * 1000000000 + w1.tv_nsec;
	b = (int64_t)w2.tv_sec * 1000000000 + w2.tv_nsec;
	return a + (b - a) / 2 - ((int64_t)mo.tv_sec * 1000000000 + mo.tv_nsec);
}

int64_t
ct_monitor_wall_us(const struct ct_monitor *m, uint64_t mono_ns)
{
	return ((int64_t)mono_ns + m->mono_to_wall_ns) / 1000;
}

static int
attach_cgroup(struct bpf_program *prog, struct bpf_link **link, int cgfd)
{
	char what[128];
	int err;

	*link = bpf_program__attach_cgroup(prog, cgfd);
	if (*link == NULL) {
		err = -errno;
		snprintf(what, sizeof(what), "attach BPF program '%s' to the cgroup",
		    bpf_program__name(prog));
		return bpf_fail(err, what);
	}
	return 0;
}

/* The `const volatile` settings, between open and load. */
static int
configure(struct monitor_bpf *s, const struct ct_monitor_params *p)
{
	uint32_t ip4;

	s->rodata->cfg_enforce = p->enforce != 0;
	s->rodata->cfg_have_policy = p->have_policy != 0;
	s->rodata->cfg_dns_redirect = p->dns_redirect != 0;
	memcpy(&ip4, p->dns_ip4, 4);
	s->rodata->cfg_dns_ip4 = ip4;
	s->rodata->cfg_dns_have6 = p->dns_have6 != 0;
	memcpy((void *)s->rodata->cfg_dns_ip6, p->dns_ip6, 16);
	s->rodata->cfg_dns_port_udp = p->dns_port_udp;
	s->rodata->cfg_dns_port_tcp = p->dns_port_tcp;
	s->rodata->cfg_wakeup_bytes = p->wakeup_bytes;
	s->rodata->cfg_exec_args = p->exec_args != 0;
	s->rodata->cfg_dns_clients = p->dns_clients != 0;
	/* the optional programs are not even loaded unless asked for */
	if (!p->guard) {
		struct guard_part g[5];
		int i;

		guard_parts(s, g);
		for (i = 0; i < 5; i++)
			if (bpf_program__set_autoload(g[i].guard, false) != 0 ||
			    bpf_program__set_autoload(g[i].pass, false) != 0)
				return -EINVAL;
	}
	if (p->ringbuf_bytes != 0)
		return bpf_map__set_max_entries(s->maps.events, p->ringbuf_bytes);
	return 0;
}

/* Arm the pass programs, then attach the guard without links (it outlives us). */
static int
guard_attach(struct ct_monitor *m)
{
	struct guard_part g[5];
	uint32_t key = 0;
	int i, fd, err, r;

	guard_parts(m->skel, g);
	for (i = 0; i < 5; i++) {
		fd = bpf_program__fd(g[i].pass);
		if (bpf_map_update_elem(bpf_map__fd(g[i].alive), &key, &fd, BPF_ANY) != 0)
			return bpf_fail(-errno, "arm the fail-closed guard");
	}
	for (i = 0; i < 5; i++) {
		if (bpf_prog_attach(bpf_program__fd(g[i].guard), m->cgfd, g[i].type,
		    BPF_F_ALLOW_MULTI) != 0) {
			err = -errno;
			while (--i >= 0)
				bpf_prog_detach2(bpf_program__fd(g[i].guard), m->cgfd, g[i].type);
			r = bpf_fail(err, "attach the fail-closed guard to the cgroup");
			return r;
		}
	}
	m->guarded = 1;
	return 0;
}

int
ct_monitor_open(struct ct_monitor **out, const struct ct_monitor_params *p)
{
	struct ct_monitor *m = NULL;
	struct monitor_bpf *s;
	uint32_t key = 0;
	int err, cgfd = p->cgroup_fd, r = CT_ERR_INTERNAL;

	*out = NULL;
	log_reset();
	if (p->on_event == NULL)
		return ct_error(CT_ERR_INVALID, "no event callback");
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	m->on_event = p->on_event;
	m->arg = p->arg;
	m->enforce = p->enforce != 0;
	m->mono_to_wall_ns = mono_to_wall_offset();
	if ((m->conns = ct_conntab_new(0)) == NULL) {
		free(m);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	if ((m->cgfd = fcntl(cgfd, F_DUPFD_CLOEXEC, 3)) < 0) {
		ct_conntab_free(m->conns);
		free(m);
		return ct_error(CT_ERR_SYSTEM, "cannot duplicate the cgroup descriptor");
	}
	if ((m->skel = s = monitor_bpf__open()) == NULL) {
		r = bpf_fail(-errno, "open the BPF object");
		goto out;
	}
	if ((err = configure(s, p)) != 0) {
		r = bpf_fail(err, "configure the BPF object");
		goto out;
	}
	/* the unix programs' real attach types (see ct_connect_unix in monitor.bpf.c) */
	if ((err = bpf_program__set_expected_attach_type(s->progs.ct_connect_unix,
	    CT_BPF_CGROUP_UNIX_CONNECT)) != 0 ||
	    (err = bpf_program__set_expected_attach_type(s->progs.ct_sendmsg_unix,
	    CT_BPF_CGROUP_UNIX_SENDMSG)) != 0) {
		r = bpf_fail(err, "configure the BPF object");
		goto out;
	}
	if ((err = monitor_bpf__load(s)) != 0) {
		r = bpf_fail(err, "load the BPF programs");
		goto out;
	}
	if (bpf_map_update_elem(bpf_map__fd(s->maps.cgroup), &key, &cgfd, BPF_ANY) != 0) {
		r = bpf_fail(-errno, "register the cgroup with the BPF programs");
		goto out;
	}
	/* Process tree first, so the agent's first connect already has an exec before it. */
	if ((s->links.ct_fork = bpf_program__attach(s->progs.ct_fork)) == NULL ||
	    (s->links.ct_exec = bpf_program__attach(s->progs.ct_exec)) == NULL ||
	    (s->links.ct_exit = bpf_program__attach(s->progs.ct_exit)) == NULL ||
	    (s->links.ct_cap_denied = bpf_program__attach(s->progs.ct_cap_denied)) == NULL ||
	    (s->links.ct_sigsys = bpf_program__attach(s->progs.ct_sigsys)) == NULL ||
	    (s->links.ct_other_send = bpf_program__attach(s->progs.ct_other_send)) == NULL) {
		r = bpf_fail(-errno, "attach the BPF tracing programs");
		goto out;
	}

	if ((r = attach_cgroup(s->progs.ct_connect4, &s->links.ct_connect4, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_connect6, &s->links.ct_connect6, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_sendmsg4, &s->links.ct_sendmsg4, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_sendmsg6, &s->links.ct_sendmsg6, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_recvmsg4, &s->links.ct_recvmsg4, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_recvmsg6, &s->links.ct_recvmsg6, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_sock_create, &s->links.ct_sock_create, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_sockops, &s->links.ct_sockops, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_connect_unix, &s->links.ct_connect_unix, cgfd)) != 0 ||
	    (r = attach_cgroup(s->progs.ct_sendmsg_unix, &s->links.ct_sendmsg_unix, cgfd)) != 0)
		goto out;
	m->rb = ring_buffer__new(bpf_map__fd(s->maps.events), rb_sample, m, NULL);
	if (m->rb == NULL) {
		r = bpf_fail(-errno, "open the BPF ring buffer");
		goto out;
	}
	/* last, so that nothing can fail after it: a failed open leaves no guard behind */
	if (p->guard && (r = guard_attach(m)) != 0)
		goto out;
	*out = m;
	m = NULL;
	r = 0;
 out:
	ct_monitor_free(m);
	return r;
}

void
ct_monitor_free(struct ct_monitor *m)
{
	if (m == NULL)
		return;
	ring_buffer__free(m->rb);
	/* the guard, if attached, stays: closing the arrays' fds arms it */
	monitor_bpf__destroy(m->skel);
	if (m->cgfd >= 0)
		close(m->cgfd);
	ct_conntab_free(m->conns);
	free(m);
}

int
ct_monitor_fd(const struct ct_monitor *m)
{
	return ring_buffer__epoll_fd(m->rb);
}

int
ct_monitor_consume(struct ct_monitor *m)
{
	int n;

	m->cb_err = 0;
	n = ring_buffer__consume(m->rb);
	if (m->cb_err != 0)
		return m->cb_err;	/* on_event's own code, detail already set */
	if (n < 0 && n != -EINTR) {
		errno = -n;
		return ct_error(CT_ERR_SYSTEM, "cannot read the BPF ring buffer");
	}
	return n < 0 ? 0 : n;
}

/* Normalise to family + 16 address bytes (IPv4 in the first 4, v4-mapped turned IPv4). */
static int
norm_addr(int family, const void *addr, uint8_t out[16], int *outfam)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(out, 0, 16);
	if (family == AF_INET) {
		memcpy(out, addr, 4);
		*outfam = AF_INET;
	} else if (family == AF_INET6) {
		if (memcmp(addr, mapped, 12) == 0) {
			memcpy(out, (const uint8_t *)addr + 12, 4);
			*outfam = AF_INET;
		} else {
			memcpy(out, addr, 16);
			*outfam = AF_INET6;
		}
	} else {
		return ct_error(CT_ERR_INVALID, "address family %d is not IPv4 or IPv6", family);
	}
	return 0;
}

int
ct_monitor_allow_addr(struct ct_monitor *m, int family, const void *addr, uint16_t port,
    int64_t expiry_us)
{
	struct ct_mon_allow_key k;
	struct ct_mon_allow_val v = { 0 }, old;
	int fam, r;

	memset(&k, 0, sizeof(k));
	if ((r = norm_addr(family, addr, k.addr, &fam)) != 0)
		return r;
	k.family = (uint8_t)fam;
	k.port = port;
	if (expiry_us != 0) {
		int64_t wall_ns = expiry_us * 1000;

		v.expires_ns = (uint64_t)(wall_ns - m->mono_to_wall_ns);
		if ((int64_t)v.expires_ns <= 0)
			v.expires_ns = 1;
	}
	/* Never shorten an admission: two names may share an address with different TTLs. */
	if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.allow), &k, &old) == 0 &&
	    (old.expires_ns == 0 || (v.expires_ns != 0 && old.expires_ns > v.expires_ns)))
		return 0;
	if (bpf_map_update_elem(bpf_map__fd(m->skel->maps.allow), &k, &v, BPF_ANY) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot update the BPF allow map");
	return 0;
}

int
ct_monitor_allow_cidr(struct ct_monitor *m, int family, const void *addr, unsigned prefix,
    uint16_t port)
{
	struct ct_mon_lpm_key k;
	struct ct_mon_lpm_val v;
	uint8_t a[16];
	unsigned full;
	int fam, r;

	if ((r = norm_addr(family, addr, a, &fam)) != 0)
		return r;
	full = fam == AF_INET ? 32 : 128;
	if (fam == AF_INET && family == AF_INET6) {
		/* ::ffff:0:0/96 + n is the IPv4 /n */
		if (prefix < 96)
			return ct_error(CT_ERR_INVALID, "an IPv6 prefix shorter than /96 covering "
			    "IPv4-mapped addresses is not supported");
		prefix -= 96;
	}
	if (prefix > full)
		return ct_error(CT_ERR_INVALID, "prefix /%u is too long", prefix);
	memset(&k, 0, sizeof(k));
	k.prefixlen = CT_MON_LPM_FIXED_BITS + prefix;
	k.data[0] = (uint8_t)fam;
	k.data[1] = port >> 8;
	k.data[2] = port & 0xff;
	memcpy(&k.data[3], a, 16);
	v.cidr = prefix;
	if (bpf_map_update_elem(bpf_map__fd(m->skel->maps.allow_lpm), &k, &v, BPF_ANY) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot update the BPF CIDR map");
	return 0;
}

int
ct_monitor_expire(struct ct_monitor *m)
{
	struct ct_mon_allow_key k, next;
	struct ct_mon_allow_val v;
	struct timespec mo;
	uint64_t now;
	int fd = bpf_map__fd(m->skel->maps.allow), first = 1, n = 0;

	clock_gettime(CLOCK_MONOTONIC, &mo);
	now = (uint64_t)mo.tv_sec * 1000000000 + (uint64_t)mo.tv_nsec;
	/* deleting the current key would restart the walk: delete the previous one instead */
	while (bpf_map_get_next_key(fd, first ? NULL : &k, &next) == 0) {
		if (!first && bpf_map_lookup_elem(fd, &k, &v) == 0 && v.expires_ns != 0 &&
		    v.expires_ns < now && bpf_map_delete_elem(fd, &k) == 0)
			n++;
		k = next;
		first = 0;
	}
	if (!first && bpf_map_lookup_elem(fd, &k, &v) == 0 && v.expires_ns != 0 &&
	    v.expires_ns < now && bpf_map_delete_elem(fd, &k) == 0)
		n++;
	return n;
}

int64_t
ct_monitor_open_connections(struct ct_monitor *m)
{
	uint32_t k = 0;
	int64_t v = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.inflight), &k, &v) != 0)
		return 0;
	return v;
}

int
ct_monitor_drops(struct ct_monitor *m, uint64_t out[CT_DROP_MAX])
{
	uint32_t i;

	for (i = 0; i < CT_DROP_MAX; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.drops), &i, &out[i]) != 0)
			return ct_error(CT_ERR_SYSTEM, "cannot read the BPF drop counters");
	}
	out[CT_DROP_SKSTORAGE] += m->close_unjoined;
	return 0;
}

const char *
ct_monitor_drop_name(int cause)
{
	switch (cause) {
	case CT_DROP_RINGBUF_NET: return "ringbuf_full_net";
	case CT_DROP_RINGBUF_PROC: return "ringbuf_full_proc";
	case CT_DROP_SKSTORAGE: return "socket_storage";
	case CT_DROP_EXEC_PATH: return "exec_path_unreadable";
	}
	return "unknown";
}

int
ct_monitor_dns_client(struct ct_monitor *m, int proto, uint16_t port, uint32_t *pid,
    uint32_t *tid, uint64_t *cookie)
{
	struct ct_mon_dns_key k;
	struct ct_mon_dns_val v;

	*pid = *tid = 0;
	*cookie = 0;
	memset(&k, 0, sizeof(k));
	k.proto = (uint16_t)proto;
	k.port = port;
	if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.dns_clients), &k, &v) != 0)
		return ct_error(CT_ERR_NOTFOUND, "no DNS client on port %u", port);
	*pid = v.pid;
	*tid = v.tid;
	*cookie = v.cookie;
	return 0;
}

void
ct_monitor_detach(struct ct_monitor *m)
{
	struct bpf_link **l[] = {
		&m->skel->links.ct_connect4, &m->skel->links.ct_connect6,
		&m->skel->links.ct_sendmsg4, &m->skel->links.ct_sendmsg6,
		&m->skel->links.ct_recvmsg4, &m->skel->links.ct_recvmsg6,
		&m->skel->links.ct_sock_create, &m->skel->links.ct_fork,
		&m->skel->links.ct_exec, &m->skel->links.ct_exit,
		&m->skel->links.ct_sockops,
	};
	size_t i;

	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		bpf_link__destroy(*l[i]);
		*l[i] = NULL;
	}
}

int
ct_monitor_guard_detach(struct ct_monitor *m)
{
	struct guard_part g[5];
	int i, r = 0;

	if (!m->guarded)
		return 0;
	guard_parts(m->skel, g);
	for (i = 0; i < 5; i++)
		if (bpf_prog_detach2(bpf_program__fd(g[i].guard), m->cgfd, g[i].type) != 0 &&
		    errno != ENOENT && r == 0)
			r = ct_error(CT_ERR_SYSTEM, "cannot detach the fail-closed guard");
	if (r == 0)
		m->guarded = 0;
	return r;
}

/*
 * A guard program's state: 1 when its tail-call array is empty (its monitor is gone), 0 when
 * a live monitor still holds it, negative when that cannot be told (taken as alive).
 */
static int
guard_orphaned(int prog_fd)
{
	struct bpf_prog_info info;
	struct bpf_map_info mi;
	uint32_t len = sizeof(info), ids[8], key = 0, val, i, mlen;
	int mfd, r = -1;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0)
		return -1;
	for (i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++) {
		if ((mfd = bpf_map_get_fd_by_id(ids[i])) < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		mlen = sizeof(mi);
		if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen) == 0 &&
		    mi.type == BPF_MAP_TYPE_PROG_ARRAY) {
			r = bpf_map_lookup_elem(mfd, &key, &val) != 0 && errno == ENOENT;
			close(mfd);
			break;
		}
		close(mfd);
	}
	return r;
}

int
ct_monitor_guards_find(int cgfd, int detach, unsigned *n)
{
	static const enum bpf_attach_type types[] = { BPF_CGROUP_INET4_CONNECT,
	    BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP6_SENDMSG,
	    BPF_CGROUP_INET_EGRESS };
	uint32_t ids[64], cnt, flags, i;
	size_t t;
	int fd, orphan, live = 0;

	*n = 0;
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		cnt = sizeof(ids) / sizeof(ids[0]);
		if (bpf_prog_query(cgfd, types[t], 0, &flags, ids, &cnt) != 0)
			return ct_error(CT_ERR_SYSTEM, "cannot list the cgroup's BPF programs");
		for (i = 0; i < cnt; i++) {
			struct bpf_prog_info info;
			uint32_t len = sizeof(info);

			if ((fd = bpf_prog_get_fd_by_id(ids[i])) < 0)
				continue;	/* detached meanwhile */
			memset(&info, 0, sizeof(info));
			if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 ||
			    strncmp(info.name, "ctg_", 4) != 0) {
				close(fd);
				continue;
			}
			if ((orphan = guard_orphaned(fd)) <= 0) {
				live = 1;
			} else {
				(*n)++;
				if (detach && bpf_prog_detach2(fd, cgfd, types[t]) != 0 &&
				    errno != ENOENT) {
					close(fd);
					return ct_error(CT_ERR_SYSTEM,
					    "cannot detach a fail-closed guard");
				}
			}
			close(fd);
		}
	}
	if (live)
		return ct_error(CT_ERR_EXISTS, "a running credtrail watch guards this cgroup");
	return 0;
}
