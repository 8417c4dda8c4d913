/*
 * dnsproxy.c - the DNS proxy of `credtrail run` (see dnsproxy.h for what it does and why).
 *
 * Shape: one listener thread polls the listening sockets and a stop eventfd; each UDP query
 * and each TCP connection gets a detached worker thread with a small stack.  Workers do
 * blocking-style I/O through io_wait(), which polls the socket AND the stop eventfd with a
 * deadline, so no worker can outlive ct_dnsproxy_stop() by more than one poll.  A thread
 * per query costs ~20 µs, which is nothing next to an upstream round trip, and keeps every
 * query's logic straight-line code instead of a state machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/dnsmsg.h"
#include "lib/dnsproxy.h"
#include "lib/netpolicy.h"
#include "lib/privsep.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"

#define NBUCKETS	4096
#define WORKER_STACK	(512 * 1024)
#define UDP_RETRY_MS	1000	/* resend an unanswered UDP query this often */
#define CLASSIC_UDP_MAX	512	/* RFC 1035 UDP size without EDNS */

struct name_entry {
	struct name_entry *next;
	int family;
	uint8_t addr[16];
	char **names;
	size_t n;
};

struct ct_dnsproxy {
	struct ct_dnsproxy_config cfg;
	int udp[CT_DNSPROXY_MAX_LISTEN];
	int tcp[CT_DNSPROXY_MAX_LISTEN];
	size_t nlisten;
	uint16_t port;
	int stopfd;
	atomic_int stopping;
	pthread_t listener;
	int listener_running;

	pthread_mutex_t lock;		/* counters, stats, name map */
	pthread_cond_t idle;		/* signalled when workers drops to 0 */
	size_t workers, inflight, tcp_clients;
	struct ct_dnsproxy_stats st;
	struct name_entry *buckets[NBUCKETS];
	size_t npairs;

	pthread_mutex_t cb_lock;	/* serialises the callbacks */

	/* privsep, the parent: the child, its socket, the thread answering it */
	pid_t child;
	uid_t child_uid;
	int pidfd;
	int psfd;
	pthread_t mon;
	int mon_running;
	int64_t stop_deadline;		/* mono ms: SIGKILL the child after this */
	struct ct_privsep_parent pp;
	struct ct_privsep_counters ctr;	/* as the child last reported them */
	/* privsep, the child: requests to the parent */
	struct ct_privsep_child *psc;
};

struct job {
	struct ct_dnsproxy *px;
	int fd;				/* UDP: the listening socket; TCP: the connection */
	int proto;
	struct sockaddr_storage client;
	socklen_t clientlen;
	uint8_t *query;			/* UDP only */
	size_t qlen;
};

const char *
ct_dns_verdict_name(enum ct_dns_verdict v)
{
	switch (v) {
	case CT_DNS_ALLOW: return "allow";
	case CT_DNS_DENY: return "deny";
	case CT_DNS_AUDIT: return "audit";
	}
	return "unknown";
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
stat_add(struct ct_dnsproxy *px, uint64_t *field)
{
	pthread_mutex_lock(&px->lock);
	(*field)++;
	pthread_mutex_unlock(&px->lock);
}

/* ---- addresses ---- */

static void
ss_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static uint16_t
ss_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static socklen_t
ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : 0;
}

void
ct_dns_fmt_addrport(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
		snprintf(out, outsz, "%s:%u", a, ss_port(ss));
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
		snprintf(out, outsz, "[%s]:%u", a, ss_port(ss));
	} else {
		snprintf(out, outsz, "(none)");
	}
}

/* An IPv4 or IPv6 address (with an optional %scope for IPv6) of n bytes. */
static int
parse_ip(const char *s, size_t n, struct sockaddr_storage *out)
{
	char a[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *pct;
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(a))
		return -1;
	memcpy(a, s, n);
	a[n] = '\0';
	if (inet_pton(AF_INET, a, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if ((pct = strchr(a, '%')) != NULL) {
		*pct++ = '\0';
		if ((sin6->sin6_scope_id = if_nametoindex(pct)) == 0)
			return -1;
	}
	if (inet_pton(AF_INET6, a, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

int
ct_dns_parse_addrport(const char *s, uint16_t defport, struct sockaddr_storage *out)
{
	const char *host = s, *port = NULL, *colon;
	size_t hlen = strlen(s), i;
	unsigned long pv = defport;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':') || close == s + 1)
			goto bad;
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		if (memchr(host, ':', hlen) == NULL)
			goto bad;
	} else if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (port != NULL) {
		pv = 0;
		for (i = 0; i < 6 && port[i] != '\0'; i++) {
			if (port[i] < '0' || port[i] > '9')
				goto bad;
			pv = pv * 10 + (unsigned long)(port[i] - '0');
		}
		if (i == 0 || port[i] != '\0' || pv > 65535)
			goto bad;
	}
	if (parse_ip(host, hlen, out) != 0)
		goto bad;
	ss_set_port(out, (uint16_t)pv);
	return 0;
 bad:
	memset(out, 0, sizeof(*out));
	return ct_error(CT_ERR_INVALID,
	    "invalid address '%.80s' (expected ADDR, ADDR:PORT or [IPV6]:PORT)", s);
}

int
ct_dns_upstream_from_resolv_conf(const char *path, struct sockaddr_storage *out)
{
	char line[512];
	FILE *f;
	int r = CT_ERR_NOTFOUND;

	memset(out, 0, sizeof(*out));
	if ((f = fopen(path, "re")) == NULL)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s'", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t'))
			continue;
		for (p += 10; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r' &&
		    *e != '#' && *e != ';'; e++)
			;
		if (parse_ip(p, (size_t)(e - p), out) == 0) {
			ss_set_port(out, 53);
			r = 0;
			break;
		}
	}
	fclose(f);
	if (r == CT_ERR_NOTFOUND)
		return ct_error(r, "no usable nameserver in '%s'", path);
	return r;
}

static int
same_addrport(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family || ss_port(a) != ss_port(b))
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return a->ss_family == AF_INET6 &&
	    memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static int
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

/* ---- the name map ---- */

static size_t
addr_hash(int family, const uint8_t *addr)
{
	size_t i, n = family == AF_INET ? 4 : 16;
	uint32_t h = 2166136261u;

	for (i = 0; i < n; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h % NBUCKETS;
}

/* Normalise (family, addr) into out[16] (IPv4-mapped -> IPv4); returns the family or 0. */
static int
norm_addr(int family, const void *addr, uint8_t out[16])
{
	memset(out, 0, 16);
	if (family == AF_INET) {
		memcpy(out, addr, 4);
		return AF_INET;
	}
	if (family == AF_INET6) {
		if (ct_addr_v4mapped(addr, out)) {
			memset(out + 4, 0, 12);
			return AF_INET;
		}
		memcpy(out, addr, 16);
		return AF_INET6;
	}
	return 0;
}

static struct name_entry *
names_find(struct ct_dnsproxy *px, int family, const uint8_t *addr)
{
	struct name_entry *e;

	for (e = px->buckets[addr_hash(family, addr)]; e != NULL; e = e->next)
		if (e->family == family && memcmp(e->addr, addr, 16) == 0)
			return e;
	return NULL;
}

/* Record name for addr; caller holds px->lock. */
static void
names_add(struct ct_dnsproxy *px, int family, const uint8_t *addr, const char *name)
{
	struct name_entry *e;
	uint8_t a[16];
	char **nv, *dup;
	size_t i, b;

	if ((family = norm_addr(family, addr, a)) == 0)
		return;
	if ((e = names_find(px, family, a)) != NULL) {
		for (i = 0; i < e->n; i++)
			if (strcmp(e->names[i], name) == 0)
				return;
	}
	if (px->npairs >= CT_DNSPROXY_MAX_NAMES) {
		px->st.names_dropped++;
		return;
	}
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			px->st.names_dropped++;
			return;
		}
		e->family = family;
		memcpy(e->addr, a, 16);
		b = addr_hash(family, a);
		e->next = px->buckets[b];
		px->buckets[b] = e;
	}
	if ((dup = strdup(name)) == NULL ||
	    (nv = realloc(e->names, (e->n + 1) * sizeof(*nv))) == NULL) {
		free(dup);
		px->st.names_dropped++;
		return;
	}
	e->names = nv;
	e->names[e->n++] = dup;
	px->npairs++;
}

void
ct_dnsproxy_names_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
ct_dnsproxy_names_for_addr(struct ct_dnsproxy *px, int family, const void *addr, char ***out,
    size_t *nout)
{
	struct name_entry *e;
	char **v = NULL;
	uint8_t a[16];
	size_t i, n = 0;
	int r = 0;

	*out = NULL;
	*nout = 0;
	if ((family = norm_addr(family, addr, a)) == 0)
		return ct_error(CT_ERR_INVALID, "unknown address family %d", family);
	pthread_mutex_lock(&px->lock);
	if ((e = names_find(px, family, a)) != NULL && e->n > 0) {
		if ((v = calloc(e->n, sizeof(*v))) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < e->n; i++) {
			if ((v[i] = strdup(e->names[i])) == NULL) {
				r = ct_error(CT_ERR_NOMEM, "out of memory");
				goto out;
			}
			n++;
		}
	}
	*out = v;
	*nout = n;
	v = NULL;
 out:
	pthread_mutex_unlock(&px->lock);
	if (v != NULL)
		ct_dnsproxy_names_free(v, n);
	return r;
}

int
ct_dnsproxy_names_foreach(struct ct_dnsproxy *px,
    int (*fn)(int family, const uint8_t *addr, const char *const *names, size_t n, void *arg),
    void *arg)
{
	struct name_entry *e;
	size_t i;
	int r = 0;

	pthread_mutex_lock(&px->lock);
	for (i = 0; i < NBUCKETS && r == 0; i++)
		for (e = px->buckets[i]; e != NULL && r == 0; e = e->next)
			r = fn(e->family, e->addr, (const char *const *)e->names, e->n, arg);
	pthread_mutex_unlock(&px->lock);
	return r;
}

void
ct_dnsproxy_get_stats(struct ct_dnsproxy *px, struct ct_dnsproxy_stats *out)
{
	pthread_mutex_lock(&px->lock);
	*out = px->st;
	if (px->cfg.privsep) {
		/* the child's report; what the parent did itself (admitted, names, refused,
		 * lost) is the parent's own count */
		out->queries = px->ctr.queries;
		out->forwarded = px->ctr.forwarded;
		out->denied = px->ctr.denied;
		out->servfail = px->ctr.servfail;
		out->upstream_timeouts = px->ctr.upstream_timeouts;
		out->dropped = px->ctr.dropped;
		out->tcp_rejected = px->ctr.tcp_rejected;
	}
	pthread_mutex_unlock(&px->lock);
}

uint16_t
ct_dnsproxy_port(const struct ct_dnsproxy *px)
{
	return px->port;
}

/* ---- I/O with a deadline and the stop signal ---- */

/*
 * Wait until fd has `events`, the monotonic deadline passes (CT_ERR_NET "timed out") or the
 * proxy stops (CT_ERR_NET "stopping").
 */
static int
io_wait(struct ct_dnsproxy *px, int fd, short events, int64_t deadline)
{
	struct pollfd p[2];
	int64_t left;
	int n;

	for (;;) {
		if (atomic_load(&px->stopping))
			return ct_error(CT_ERR_NET, "proxy stopping");
		left = deadline - mono_ms();
		if (left <= 0)
			return ct_error(CT_ERR_NET, "timed out");
		p[0].fd = fd;
		p[0].events = events;
		p[0].revents = 0;
		p[1].fd = px->stopfd;
		p[1].events = POLLIN;
		p[1].revents = 0;
		n = poll(p, 2, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno != EINTR)
			return ct_error(CT_ERR_SYSTEM, "poll");
		if (n > 0 && p[1].revents != 0)
			return ct_error(CT_ERR_NET, "proxy stopping");
		if (n > 0 && p[0].revents != 0)
			return 0;
	}
}

static int
read_full(struct ct_dnsproxy *px, int fd, void *buf, size_t n, int64_t deadline, int *eof)
{
	size_t got = 0;
	ssize_t k;
	int r;

	*eof = 0;
	while (got < n) {
		if ((r = io_wait(px, fd, POLLIN, deadline)) != 0)
			return r;
		k = recv(fd, (uint8_t *)buf + got, n - got, MSG_DONTWAIT);
		if (k == 0) {
			*eof = got == 0;
			return ct_error(CT_ERR_NET, "connection closed");
		}
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return ct_error(CT_ERR_NET, "read: %s", strerror(errno));
		}
		got += (size_t)k;
	}
	return 0;
}

static int
write_full(struct ct_dnsproxy *px, int fd, const void *buf, size_t n, int64_t deadline)
{
	size_t done = 0;
	ssize_t k;
	int r;

	while (done < n) {
		if ((r = io_wait(px, fd, POLLOUT, deadline)) != 0)
			return r;
		k = send(fd, (const uint8_t *)buf + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return ct_error(CT_ERR_NET, "write: %s", strerror(errno));
		}
		done += (size_t)k;
	}
	return 0;
}

/* ---- upstream ---- */

/*
 * Is `ans` an answer to `q` (parsed): our ID, QR set, same question?  Returns the parsed
 * answer in *m on success.
 */
static int
answer_matches(const uint8_t *ans, size_t alen, uint16_t id, const struct ct_dns_msg *q)
{
	struct ct_dns_msg m;
	int ok;

	if (alen < CT_DNS_HDR_LEN || ((ans[0] << 8) | ans[1]) != id || !(ans[2] & 0x80))
		return 0;
	/* SERVFAIL/REFUSED answers may carry no question; accept them by ID */
	if (((ans[4] << 8) | ans[5]) == 0)
		return (ans[3] & 0x0f) != 0;
	if (ct_dns_parse(ans, alen, &m) != 0) {
		/* a truncated UDP answer may end in the middle of a record; its question decides */
		size_t off = CT_DNS_HDR_LEN;
		char name[CT_DNS_NAME_TEXT_MAX];

		if (!(ans[2] & 0x02) || ((ans[4] << 8) | ans[5]) != 1 ||
		    ct_dns_read_name(ans, alen, &off, name, sizeof(name)) != 0 || alen - off < 4)
			return 0;
		return strcmp(name, q->qname) == 0 &&
		    ((ans[off] << 8) | ans[off + 1]) == q->qtype &&
		    ((ans[off + 2] << 8) | ans[off + 3]) == q->qclass;
	}
	ok = m.qdcount == 1 && strcmp(m.qname, q->qname) == 0 && m.qtype == q->qtype &&
	    m.qclass == q->qclass;
	ct_dns_msg_release(&m);
	return ok;
}

static int
upstream_udp(struct ct_dnsproxy *px, const uint8_t *q, size_t qlen, uint16_t id,
    const struct ct_dns_msg *qm, int64_t deadline, uint8_t *ans, size_t anssz, size_t *anslen)
{
	const struct sockaddr_storage *up = &px->cfg.upstream;
	int64_t next_send = 0;
	int fd, r = CT_ERR_INTERNAL;
	ssize_t k;

	*anslen = 0;
	if ((fd = socket(up->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return ct_error(CT_ERR_SYSTEM, "socket");
	if (connect(fd, (const struct sockaddr *)up, ss_len(up)) != 0) {
		r = ct_error(CT_ERR_NET, "cannot reach the upstream resolver: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		int64_t now = mono_ms(), until;

		if (now >= next_send) {
			if (send(fd, q, qlen, MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
				r = ct_error(CT_ERR_NET, "upstream resolver: %s", strerror(errno));
				goto out;
			}
			next_send = now + UDP_RETRY_MS;
		}
		until = next_send < deadline ? next_send : deadline;
		if ((r = io_wait(px, fd, POLLIN, until)) != 0) {
			if (mono_ms() < deadline && !atomic_load(&px->stopping))
				continue;	/* time to resend */
			if (!atomic_load(&px->stopping))
				r = ct_error(CT_ERR_NET, "upstream resolver timed out after %d ms",
				    px->cfg.timeout_ms);
			goto out;
		}
		k = recv(fd, ans, anssz, MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			r = ct_error(CT_ERR_NET, "upstream resolver: %s", strerror(errno));
			goto out;
		}
		if (answer_matches(ans, (size_t)k, id, qm)) {
			*anslen = (size_t)k;
			r = 0;
			goto out;
		}
		/* not ours: keep waiting (the resolver's other answers, or spoofing) */
	}
 out:
	close(fd);
	return r;
}

static int
upstream_tcp(struct ct_dnsproxy *px, const uint8_t *q, size_t qlen, uint16_t id,
    const struct ct_dns_msg *qm, int64_t deadline, uint8_t *ans, size_t anssz, size_t *anslen)
{
	const struct sockaddr_storage *up = &px->cfg.upstream;
	uint8_t hdr[2];
	size_t n;
	socklen_t sl = sizeof(int);
	int fd, r = CT_ERR_INTERNAL, soerr = 0, eof;

	*anslen = 0;
	if ((fd = socket(up->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return ct_error(CT_ERR_SYSTEM, "socket");
	if (connect(fd, (const struct sockaddr *)up, ss_len(up)) != 0) {
		if (errno != EINPROGRESS) {
			r = ct_error(CT_ERR_NET, "cannot reach the upstream resolver over tcp: %s",
			    strerror(errno));
			goto out;
		}
		if ((r = io_wait(px, fd, POLLOUT, deadline)) != 0)
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			r = ct_error(CT_ERR_NET, "cannot reach the upstream resolver over tcp: %s",
			    strerror(soerr != 0 ? soerr : errno));
			goto out;
		}
	}
	hdr[0] = (uint8_t)(qlen >> 8);
	hdr[1] = (uint8_t)qlen;
	if ((r = write_full(px, fd, hdr, 2, deadline)) != 0 ||
	    (r = write_full(px, fd, q, qlen, deadline)) != 0)
		goto out;
	for (;;) {
		if ((r = read_full(px, fd, hdr, 2, deadline, &eof)) != 0)
			goto out;
		n = ((size_t)hdr[0] << 8) | hdr[1];
		if (n > anssz || n < CT_DNS_HDR_LEN) {
			r = ct_error(CT_ERR_FORMAT, "upstream tcp answer of %zu octets", n);
			goto out;
		}
		if ((r = read_full(px, fd, ans, n, deadline, &eof)) != 0)
			goto out;
		if (answer_matches(ans, n, id, qm)) {
			*anslen = n;
			r = 0;
			goto out;
		}
	}
 out:
	if (r != 0 && !atomic_load(&px->stopping) && strcmp(ct_errmsg(r), "timed out") == 0)
		r = ct_error(CT_ERR_NET, "upstream resolver timed out after %d ms (tcp)",
		    px->cfg.timeout_ms);
	close(fd);
	return r;
}

/* ---- one query ---- */

struct admit_ctx {
	struct ct_dnsproxy *px;
	const struct ct_dns_addr *a;
	const char *name;
	uint32_t ttl;
	int failed;
	int any_port;
};

static int
admit_rule(const struct ct_netrule *rule, void *arg)
{
	struct admit_ctx *c = arg;
	struct ct_dnsproxy *px = c->px;

	if (rule->port == 0) {
		if (c->any_port)
			return 0;
		c->any_port = 1;
	}
	if (px->cfg.admit(c->a->family, c->a->addr, rule->port, c->ttl, c->name,
	    px->cfg.arg) != 0) {
		c->failed = 1;
		return 1;
	}
	stat_add(px, &px->st.admitted);
	return 0;
}

/*
 * Admit the chain's addresses for an allowed name.  Returns 0, or -1 when an admit callback
 * failed.  Caller holds cb_lock.
 */
static int
admit_all(struct ct_dnsproxy *px, const struct ct_dns_chain *ch, const char *qname)
{
	struct admit_ctx c;
	struct ct_netrule any;
	size_t i;

	if (px->cfg.admit == NULL)
		return 0;
	memset(&any, 0, sizeof(any));
	for (i = 0; i < ch->naddrs; i++) {
		const struct ct_dns_addr *a = &ch->addrs[i];

		if (ct_netpolicy_is_metadata(a->family, a->addr))
			continue;
		memset(&c, 0, sizeof(c));
		c.px = px;
		c.a = a;
		c.name = qname;
		c.ttl = a->ttl > px->cfg.ttl_floor ? a->ttl : px->cfg.ttl_floor;
		/*
		 * Only rules that match the QUESTION name admit: the CNAME targets are the
		 * resolver's business, and the name the agent asked for is what it was allowed.
		 */
		if (px->cfg.policy == NULL)
			admit_rule(&any, &c);
		else
			ct_netpolicy_match_name(px->cfg.policy, qname, strlen(qname), admit_rule, &c);
		if (c.failed)
			return -1;
	}
	return 0;
}

static void
set_id(uint8_t *msg, uint16_t id)
{
	msg[0] = (uint8_t)(id >> 8);
	msg[1] = (uint8_t)id;
}

/*
 * The policy's verdict on the question name: from cfg.policy, or (privsep child) from the
 * parent, which holds the policy.  Non-zero when the parent could not be asked.
 */
static int
name_verdict(struct ct_dnsproxy *px, const struct ct_dns_msg *qm, enum ct_dns_verdict *v)
{
	struct ct_buf b;
	uint32_t value = 0, status = 0;
	int r;

	*v = CT_DNS_ALLOW;
	if (px->psc != NULL) {
		ct_buf_init(&b, CT_PRIVSEP_MSG_MAX);
		r = ct_privsep_enc_check(&b, qm->qname, qm->qtype);
		if (r == 0)
			r = ct_privsep_call(px->psc, CT_PS_CHECK, b.data, b.len, &status, &value);
		ct_buf_release(&b);
		if (r != 0 || status != CT_PS_OK || value > CT_DNS_AUDIT)
			return -1;
		*v = (enum ct_dns_verdict)value;
		return 0;
	}
	if (px->cfg.policy != NULL &&
	    !ct_netpolicy_name_allowed(px->cfg.policy, qm->qname, strlen(qm->qname)))
		*v = px->cfg.enforce ? CT_DNS_DENY : CT_DNS_AUDIT;
	return 0;
}

struct outcome {
	uint8_t *reply;			/* what to send; points into one of the buffers */
	size_t replylen;
};

/*
 * Handle one query; fill `o` with the reply to send (replylen 0: send nothing).  `buf`
 * (CT_DNS_MSG_MAX bytes) and `buf2` are scratch for answers.
 */
static void
handle_query(struct ct_dnsproxy *px, const uint8_t *q, size_t qlen, int proto,
    const struct sockaddr_storage *client, uint8_t *buf, uint8_t *buf2, struct outcome *o)
{
	struct ct_dns_event ev;
	struct ct_dns_msg qm, am;
	struct ct_dns_chain *ch = NULL;
	struct ct_dns_answer *answers = NULL;
	uint8_t *fq = NULL;
	const uint8_t *full = NULL;
	size_t fulllen = 0, udplen = 0, i, maxudp;
	char errbuf[256];
	int64_t deadline, mono0 = ct_mono_us();	/* the duration: not the wall clock's */
	uint16_t myid;
	int r, have_qm = 0, have_am = 0, rcode = -1, admit_failed = 0;

	memset(&ev, 0, sizeof(ev));
	memset(&am, 0, sizeof(am));
	o->reply = NULL;
	o->replylen = 0;
	ev.time_us = ct_now_us();
	ev.proto = proto;
	ev.client_family = client->ss_family;
	if (client->ss_family == AF_INET)
		memcpy(ev.client_addr, &((const struct sockaddr_in *)client)->sin_addr, 4);
	else if (client->ss_family == AF_INET6)
		memcpy(ev.client_addr, &((const struct sockaddr_in6 *)client)->sin6_addr, 16);
	ev.client_port = ss_port(client);
	ev.qname = "";
	ev.verdict = CT_DNS_ALLOW;
	stat_add(px, &px->st.queries);

	if (qlen < CT_DNS_HDR_LEN || (q[2] & 0x80)) {
		/* no header to answer, or a response sent to us: drop it */
		stat_add(px, &px->st.dropped);
		return;
	}
	ev.id = (uint16_t)((q[0] << 8) | q[1]);
	if ((r = ct_dns_parse(q, qlen, &qm)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "malformed query: %s", ct_errmsg(r));
		ev.error = errbuf;
		rcode = CT_DNS_RCODE_FORMERR;
		goto local;
	}
	have_qm = 1;
	if (qm.qdcount != 1) {
		ev.error = "query without a question";
		rcode = CT_DNS_RCODE_FORMERR;
		goto local;
	}
	ev.qname = qm.qname;
	ev.qtype = qm.qtype;
	/* every record with a name carries the policy's verdict on it (privsep checks so) */
	if (name_verdict(px, &qm, &ev.verdict) != 0) {
		/* privsep: the parent did not answer; nothing is forwarded without its word */
		ev.error = "no verdict from the privileged half of the proxy";
		rcode = CT_DNS_RCODE_SERVFAIL;
		goto local;
	}
	if (ct_dns_opcode(&qm) != 0) {
		ev.error = "not a standard query";
		rcode = CT_DNS_RCODE_NOTIMP;
		goto local;
	}
	if (ev.verdict == CT_DNS_DENY) {
		rcode = px->cfg.deny_rcode;
		stat_add(px, &px->st.denied);
		goto local;
	}

	/* forward with our own ID */
	if ((fq = malloc(qlen)) == NULL) {
		ev.error = "out of memory";
		rcode = CT_DNS_RCODE_SERVFAIL;
		goto local;
	}
	memcpy(fq, q, qlen);
	if (getrandom(&myid, sizeof(myid), 0) != sizeof(myid))
		myid = (uint16_t)(ct_now_us() ^ (uintptr_t)fq);
	set_id(fq, myid);
	stat_add(px, &px->st.forwarded);
	deadline = mono_ms() + px->cfg.timeout_ms;
	if (proto == IPPROTO_UDP) {
		r = upstream_udp(px, fq, qlen, myid, &qm, deadline, buf, CT_DNS_MSG_MAX, &udplen);
		if (r == 0 && (buf[2] & 0x02)) {
			/* truncated: fetch the whole answer over TCP, to see every address */
			size_t tlen;

			if (upstream_tcp(px, fq, qlen, myid, &qm, deadline, buf2, CT_DNS_MSG_MAX,
			    &tlen) == 0) {
				full = buf2;
				fulllen = tlen;
				ev.upstream_tcp = 1;
			} else {
				full = buf;
				fulllen = udplen;
			}
		} else if (r == 0) {
			full = buf;
			fulllen = udplen;
		}
	} else {
		r = upstream_tcp(px, fq, qlen, myid, &qm, deadline, buf, CT_DNS_MSG_MAX, &fulllen);
		if (r == 0) {
			full = buf;
			ev.upstream_tcp = 1;
		}
	}
	if (r != 0) {
		if (atomic_load(&px->stopping))
			goto done;
		snprintf(errbuf, sizeof(errbuf), "%s", ct_errmsg(r));
		if (strstr(errbuf, "timed out") != NULL)
			stat_add(px, &px->st.upstream_timeouts);
		ev.error = errbuf;
		rcode = CT_DNS_RCODE_SERVFAIL;
		goto local;
	}

	/* read the answer: names and addresses */
	if ((r = ct_dns_parse(full, fulllen, &am)) == 0) {
		have_am = 1;
		if ((ch = malloc(sizeof(*ch))) == NULL ||
		    (am.nan > 0 && (answers = calloc(am.nan, sizeof(*answers))) == NULL)) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
		} else if ((r = ct_dns_chain(&am, ch)) == 0) {
			for (i = 0; i < am.nan; i++) {
				const struct ct_dns_rr *rr = &am.an[i];
				struct ct_dns_answer *a = &answers[ev.nanswers];

				if (rr->rclass != CT_DNS_C_IN || (rr->type != CT_DNS_T_A &&
				    rr->type != CT_DNS_T_AAAA && rr->type != CT_DNS_T_CNAME))
					continue;
				a->name = rr->name;
				a->type = rr->type;
				a->ttl = rr->ttl;
				if (rr->type == CT_DNS_T_CNAME) {
					a->target = rr->target;
				} else {
					a->family = rr->type == CT_DNS_T_A ? AF_INET : AF_INET6;
					memcpy(a->addr, rr->addr, 16);
				}
				ev.nanswers++;
			}
			ev.answers = answers;
			ev.chain = ch->names;
			ev.nchain = ch->nnames;
			pthread_mutex_lock(&px->lock);
			for (i = 0; i < ch->naddrs; i++) {
				size_t j;

				for (j = 0; j < ch->nnames; j++)
					names_add(px, ch->addrs[i].family, ch->addrs[i].addr,
					    ch->names[j]);
			}
			pthread_mutex_unlock(&px->lock);
		}
	}
	if (r != 0) {
		snprintf(errbuf, sizeof(errbuf), "unusable answer: %s", ct_errmsg(r));
		ev.error = errbuf;
		if (px->cfg.enforce) {
			rcode = CT_DNS_RCODE_SERVFAIL;
			goto local;
		}
	}

	/* admit, then relay */
	pthread_mutex_lock(&px->cb_lock);
	if (r == 0 && ev.verdict == CT_DNS_ALLOW && admit_all(px, ch, qm.qname) != 0)
		admit_failed = 1;
	pthread_mutex_unlock(&px->cb_lock);
	if (admit_failed && px->cfg.enforce) {
		ev.error = "cannot admit the answer's addresses";
		rcode = CT_DNS_RCODE_SERVFAIL;
		goto local;
	}
	maxudp = qm.edns ? (qm.edns_udp_size > CLASSIC_UDP_MAX ? qm.edns_udp_size :
	    CLASSIC_UDP_MAX) : CLASSIC_UDP_MAX;
	if (proto == IPPROTO_UDP && fulllen > maxudp && full != buf) {
		/* the whole answer does not fit the client's UDP size: the truncated one */
		full = buf;
		fulllen = udplen;
	}
	o->reply = (uint8_t *)full;
	o->replylen = fulllen;
	set_id(o->reply, ev.id);
	ev.rcode = o->reply[3] & 0x0f;
	goto done;

 local:
	/* an answer of our own making, into buf */
	if (rcode == CT_DNS_RCODE_SERVFAIL)
		stat_add(px, &px->st.servfail);
	ev.answers = NULL;
	ev.nanswers = 0;
	if (ct_dns_build_reply(q, qlen, rcode, buf, CT_DNS_MSG_MAX, &o->replylen) == 0) {
		o->reply = buf;
		ev.rcode = rcode;
	} else {
		ev.rcode = -1;
	}
 done:
	if (!atomic_load(&px->stopping) && px->cfg.on_event != NULL) {
		ev.duration_us = ct_mono_us() - mono0;
		pthread_mutex_lock(&px->cb_lock);
		px->cfg.on_event(&ev, px->cfg.arg);
		pthread_mutex_unlock(&px->cb_lock);
	}
	free(answers);
	free(ch);
	free(fq);
	if (have_am)
		ct_dns_msg_release(&am);
	if (have_qm)
		ct_dns_msg_release(&qm);
}

/* ---- workers ---- */

static void
job_done(struct job *j)
{
	struct ct_dnsproxy *px = j->px;
	int tcp = j->proto == IPPROTO_TCP;

	if (tcp)
		close(j->fd);
	free(j->query);
	free(j);
	pthread_mutex_lock(&px->lock);
	if (tcp)
		px->tcp_clients--;
	else
		px->inflight--;
	if (--px->workers == 0)
		pthread_cond_broadcast(&px->idle);
	pthread_mutex_unlock(&px->lock);
}

static void *
udp_worker(void *arg)
{
	struct job *j = arg;
	struct outcome o;
	uint8_t *buf = malloc(CT_DNS_MSG_MAX), *buf2 = malloc(CT_DNS_MSG_MAX);

	if (buf != NULL && buf2 != NULL) {
		handle_query(j->px, j->query, j->qlen, IPPROTO_UDP, &j->client, buf, buf2, &o);
		if (o.replylen > 0 && !atomic_load(&j->px->stopping))
			(void)sendto(j->fd, o.reply, o.replylen, MSG_DONTWAIT | MSG_NOSIGNAL,
			    (struct sockaddr *)&j->client, j->clientlen);
	}
	free(buf);
	free(buf2);
	job_done(j);
	return NULL;
}

static void *
tcp_worker(void *arg)
{
	struct job *j = arg;
	struct ct_dnsproxy *px = j->px;
	uint8_t *q = malloc(CT_DNS_MSG_MAX), *buf = malloc(CT_DNS_MSG_MAX),
	    *buf2 = malloc(CT_DNS_MSG_MAX), hdr[2];
	struct outcome o;
	size_t n;
	int eof;

	if (q == NULL || buf == NULL || buf2 == NULL)
		goto out;
	for (;;) {
		int64_t deadline = mono_ms() + CT_DNSPROXY_TCP_IDLE_MS;

		if (read_full(px, j->fd, hdr, 2, deadline, &eof) != 0)
			break;
		n = ((size_t)hdr[0] << 8) | hdr[1];
		if (n == 0)
			break;
		if (read_full(px, j->fd, q, n, mono_ms() + px->cfg.timeout_ms, &eof) != 0)
			break;
		handle_query(px, q, n, IPPROTO_TCP, &j->client, buf, buf2, &o);
		if (o.replylen == 0)
			break;
		hdr[0] = (uint8_t)(o.replylen >> 8);
		hdr[1] = (uint8_t)o.replylen;
		deadline = mono_ms() + px->cfg.timeout_ms;
		if (write_full(px, j->fd, hdr, 2, deadline) != 0 ||
		    write_full(px, j->fd, o.reply, o.replylen, deadline) != 0)
			break;
	}
 out:
	free(q);
	free(buf);
	free(buf2);
	job_done(j);
	return NULL;
}

/* Start a detached worker for j, within the limits; frees j on failure. */
static void
spawn(struct ct_dnsproxy *px, struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	int tcp = j->proto == IPPROTO_TCP, ok;

	pthread_mutex_lock(&px->lock);
	ok = tcp ? px->tcp_clients < px->cfg.max_tcp_clients :
	    px->inflight < px->cfg.max_inflight;
	if (!ok) {
		if (tcp)
			px->st.tcp_rejected++;
		else
			px->st.dropped++;
		pthread_mutex_unlock(&px->lock);
		goto fail;
	}
	if (tcp)
		px->tcp_clients++;
	else
		px->inflight++;
	px->workers++;
	pthread_mutex_unlock(&px->lock);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ok = pthread_create(&t, &attr, tcp ? tcp_worker : udp_worker, j) == 0;
	pthread_attr_destroy(&attr);
	if (ok)
		return;
	pthread_mutex_lock(&px->lock);
	if (tcp)
		px->tcp_clients--;
	else
		px->inflight--;
	px->workers--;
	px->st.dropped++;
	if (px->workers == 0)
		pthread_cond_broadcast(&px->idle);
	pthread_mutex_unlock(&px->lock);
 fail:
	if (tcp)
		close(j->fd);
	free(j->query);
	free(j);
}

static void
on_udp(struct ct_dnsproxy *px, int fd, uint8_t *buf)
{
	struct job *j;
	ssize_t k;

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);

		k = recvfrom(fd, buf, CT_DNS_MSG_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (k < 0)
			return;		/* EAGAIN: drained */
		if ((j = calloc(1, sizeof(*j))) == NULL ||
		    (j->query = malloc(k > 0 ? (size_t)k : 1)) == NULL) {
			free(j);
			stat_add(px, &px->st.dropped);
			continue;
		}
		memcpy(j->query, buf, (size_t)k);
		j->qlen = (size_t)k;
		j->px = px;
		j->fd = fd;
		j->proto = IPPROTO_UDP;
		j->client = from;
		j->clientlen = fl;
		spawn(px, j);
	}
}

static void
on_tcp(struct ct_dnsproxy *px, int lfd)
{
	struct job *j;
	int fd;

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);

		fd = accept4(lfd, (struct sockaddr *)&from, &fl, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if ((j = calloc(1, sizeof(*j))) == NULL) {
			close(fd);
			stat_add(px, &px->st.tcp_rejected);
			continue;
		}
		j->px = px;
		j->fd = fd;
		j->proto = IPPROTO_TCP;
		j->client = from;
		j->clientlen = fl;
		spawn(px, j);
	}
}

static void *
listener(void *arg)
{
	struct ct_dnsproxy *px = arg;
	struct pollfd p[2 * CT_DNSPROXY_MAX_LISTEN + 1];
	uint8_t *buf = malloc(CT_DNS_MSG_MAX);
	size_t i, n;

	if (buf == NULL)
		return NULL;
	while (!atomic_load(&px->stopping)) {
		n = 0;
		for (i = 0; i < px->nlisten; i++) {
			p[n].fd = px->udp[i];
			p[n++].events = POLLIN;
			p[n].fd = px->tcp[i];
			p[n++].events = POLLIN;
		}
		p[n].fd = px->stopfd;
		p[n++].events = POLLIN;
		for (i = 0; i < n; i++)
			p[i].revents = 0;
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[n - 1].revents != 0)
			break;
		for (i = 0; i < px->nlisten; i++) {
			if (p[2 * i].revents != 0)
				on_udp(px, px->udp[i], buf);
			if (p[2 * i + 1].revents != 0)
				on_tcp(px, px->tcp[i]);
		}
	}
	free(buf);
	return NULL;
}

/* ---- start and stop ---- */

void
ct_dnsproxy_config_init(struct ct_dnsproxy_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

static void
close_listeners(struct ct_dnsproxy *px)
{
	size_t i;

	for (i = 0; i < CT_DNSPROXY_MAX_LISTEN; i++) {
		if (px->udp[i] >= 0)
			close(px->udp[i]);
		if (px->tcp[i] >= 0)
			close(px->tcp[i]);
		px->udp[i] = px->tcp[i] = -1;
	}
	px->nlisten = 0;
}

static int
bind_one(int type, struct sockaddr_storage *ss, int *out)
{
	int fd, one = 1;

	*out = -1;
	if ((fd = socket(ss->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	if (type == SOCK_STREAM)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, ss_len(ss)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) != 0)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*out = fd;
	return 0;
}

/* Bind UDP and TCP on every listen address with one port.  -1 with errno on failure. */
static int
bind_all(struct ct_dnsproxy *px, size_t *failed)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	uint16_t port = ss_port(&px->cfg.listen[0]);
	size_t i;

	for (i = 0; i < px->cfg.nlisten; i++) {
		*failed = i;
		ss = px->cfg.listen[i];
		ss_set_port(&ss, port);
		if (bind_one(SOCK_DGRAM, &ss, &px->udp[i]) != 0)
			return -1;
		if (port == 0) {
			sl = sizeof(ss);
			if (getsockname(px->udp[i], (struct sockaddr *)&ss, &sl) != 0)
				return -1;
			port = ss_port(&ss);
		}
		if (bind_one(SOCK_STREAM, &ss, &px->tcp[i]) != 0)
			return -1;
		px->nlisten = i + 1;
	}
	px->port = port;
	return 0;
}

/* A proxy with its defaults, locks and stop signal, serving nothing yet. */
static int
proxy_new(const struct ct_dnsproxy_config *cfg, struct ct_dnsproxy **out)
{
	struct ct_dnsproxy *px;
	size_t i;

	*out = NULL;
	if ((px = calloc(1, sizeof(*px))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	px->cfg = *cfg;
	if (px->cfg.deny_rcode == 0)
		px->cfg.deny_rcode = CT_DNS_RCODE_REFUSED;
	if (px->cfg.timeout_ms <= 0)
		px->cfg.timeout_ms = CT_DNSPROXY_TIMEOUT_MS;
	if (px->cfg.ttl_floor == 0)
		px->cfg.ttl_floor = CT_DNSPROXY_TTL_FLOOR;
	if (px->cfg.max_tcp_clients == 0)
		px->cfg.max_tcp_clients = CT_DNSPROXY_MAX_TCP_CLIENTS;
	if (px->cfg.max_inflight == 0)
		px->cfg.max_inflight = CT_DNSPROXY_MAX_INFLIGHT;
	px->stopfd = px->psfd = px->pidfd = -1;
	px->child = -1;
	for (i = 0; i < CT_DNSPROXY_MAX_LISTEN; i++)
		px->udp[i] = px->tcp[i] = -1;
	pthread_mutex_init(&px->lock, NULL);
	pthread_mutex_init(&px->cb_lock, NULL);
	pthread_cond_init(&px->idle, NULL);
	if ((px->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		int r = ct_error(CT_ERR_SYSTEM, "eventfd");

		pthread_mutex_destroy(&px->lock);
		pthread_mutex_destroy(&px->cb_lock);
		pthread_cond_destroy(&px->idle);
		free(px);
		return r;
	}
	*out = px;
	return 0;
}

/* Free what proxy_new() and the start made; every thread must be gone. */
static void
proxy_free(struct ct_dnsproxy *px)
{
	struct name_entry *e, *next;
	size_t i, k;

	close_listeners(px);
	if (px->stopfd >= 0)
		close(px->stopfd);
	if (px->psfd >= 0)
		close(px->psfd);
	if (px->pidfd >= 0)
		close(px->pidfd);
	for (i = 0; i < NBUCKETS; i++) {
		for (e = px->buckets[i]; e != NULL; e = next) {
			next = e->next;
			for (k = 0; k < e->n; k++)
				free(e->names[k]);
			free(e->names);
			free(e);
		}
	}
	pthread_mutex_destroy(&px->lock);
	pthread_mutex_destroy(&px->cb_lock);
	pthread_cond_destroy(&px->idle);
	free(px);
}

/* Stop the listener and wait for the workers (the proxy stays allocated). */
static void
proxy_halt(struct ct_dnsproxy *px)
{
	uint64_t one = 1;

	atomic_store(&px->stopping, 1);
	if (write(px->stopfd, &one, sizeof(one)) != sizeof(one)) {
		/* cannot happen with a fresh eventfd; the flag alone stops workers at their
		 * next wait, bounded by the timeouts */
	}
	if (px->listener_running)
		pthread_join(px->listener, NULL);
	px->listener_running = 0;
	pthread_mutex_lock(&px->lock);
	while (px->workers > 0)
		pthread_cond_wait(&px->idle, &px->lock);
	pthread_mutex_unlock(&px->lock);
}

/* ---- privsep, the parent ---- */

static int
ps_signal(struct ct_dnsproxy *px, int sig)
{
	/* through the pidfd: never a recycled pid */
	if (px->pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, px->pidfd, sig, NULL, 0);
	return -1;
}

static int
ps_admit(int family, const uint8_t *addr, uint16_t port, uint32_t ttl, const char *name,
    void *arg)
{
	struct ct_dnsproxy *px = arg;
	int r = 0;

	if (px->cfg.admit != NULL)
		r = px->cfg.admit(family, addr, port, ttl, name, px->cfg.arg);
	if (r == 0)
		stat_add(px, &px->st.admitted);
	return r;
}

static void
ps_event(const struct ct_dns_event *ev, const struct ct_privsep_counters *c, void *arg)
{
	struct ct_dnsproxy *px = arg;
	size_t i, j;

	pthread_mutex_lock(&px->lock);
	px->ctr = *c;
	/* the name map, as the proxy keeps it: the last name's addresses, every chain name */
	for (i = 0; ev->nchain > 0 && i < ev->nanswers; i++) {
		const struct ct_dns_answer *a = &ev->answers[i];

		if (a->family == 0 || strcmp(a->name, ev->chain[ev->nchain - 1]) != 0)
			continue;
		for (j = 0; j < ev->nchain; j++)
			names_add(px, a->family, a->addr, ev->chain[j]);
	}
	pthread_mutex_unlock(&px->lock);
	if (px->cfg.on_event != NULL)
		px->cfg.on_event(ev, px->cfg.arg);
}

static void
ps_stats(const struct ct_privsep_counters *c, void *arg)
{
	struct ct_dnsproxy *px = arg;

	pthread_mutex_lock(&px->lock);
	px->ctr = *c;
	pthread_mutex_unlock(&px->lock);
}

static void
ps_incident(json_t *ev, int64_t time_us, void *arg)
{
	struct ct_dnsproxy *px = arg;

	if (px->cfg.on_incident != NULL)
		px->cfg.on_incident(ev, time_us, px->cfg.arg);
	else
		json_decref(ev);
}

static void
ps_exit_incident(struct ct_dnsproxy *px, int status, int refused)
{
	char ts[40], how[64];
	int64_t now = ct_now_us();
	json_t *o;

	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
	ct_time_fmt(now, 1, ts, sizeof(ts));
	o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:s}", "time", ts, "type", "privsep",
	    "event", "proxy_exit", "pid", (json_int_t)px->child, "status", how,
	    "refused", refused, "effect", px->cfg.enforce ?
	    "nothing more is admitted: the agent's queries go unanswered" :
	    "names of later connections are not recorded");
	if (o != NULL)
		ps_incident(o, now, px);
}

/* The monitor thread: answer the child's requests until it is gone. */
static void *
ps_monitor(void *arg)
{
	struct ct_dnsproxy *px = arg;
	struct pollfd p;
	int r = 0, killed = 0, refused = 0, status = 0;
	int64_t deadline;
	pid_t w;

	for (;;) {
		if (atomic_load(&px->stopping) && !killed && mono_ms() > px->stop_deadline) {
			(void)ps_signal(px, SIGKILL);
			killed = 1;
		}
		p.fd = px->psfd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 200) <= 0)
			continue;
		r = ct_privsep_parent_serve(&px->pp);
		pthread_mutex_lock(&px->lock);
		px->st.refused = px->pp.refused;
		pthread_mutex_unlock(&px->lock);
		if (r == 0)
			continue;
		if (r < 0) {
			/* refused (or the socket failed): the child is presumed hostile */
			refused = r == CT_ERR_PERM;
			(void)ps_signal(px, SIGKILL);
		}
		break;
	}
	/*
	 * The child must be gone now or very soon: a child that closed its socket but lives
	 * on (or ignores SIGTERM) must not hold the run's end hostage.
	 */
	deadline = atomic_load(&px->stopping) ? px->stop_deadline : mono_ms() + 1000;
	for (;;) {
		int64_t left = deadline - mono_ms();

		p.fd = px->pidfd;
		p.events = POLLIN;
		p.revents = 0;
		if (left <= 0 || (poll(&p, 1, (int)left) == 0 && mono_ms() >= deadline)) {
			(void)ps_signal(px, SIGKILL);
			break;
		}
		if (p.revents != 0)
			break;
	}
	do {
		w = waitpid(px->child, &status, 0);
	} while (w < 0 && errno == EINTR);
	pthread_mutex_lock(&px->lock);
	if (!atomic_load(&px->stopping) || refused || px->pp.state != CT_PS_STATE_DONE)
		px->st.lost = 1;
	pthread_mutex_unlock(&px->lock);
	if (px->st.lost && w == px->child)
		ps_exit_incident(px, status, refused);
	pthread_mutex_lock(&px->lock);
	px->child = -1;
	pthread_mutex_unlock(&px->lock);
	return NULL;
}

/* Wait for READY; 0 when the child serves. */
static int
ps_wait_ready(struct ct_dnsproxy *px)
{
	struct pollfd p;
	int64_t deadline = mono_ms() + 10000;
	int n, r, status = 0;

	while (px->pp.state == CT_PS_STATE_INIT) {
		p.fd = px->psfd;
		p.events = POLLIN;
		p.revents = 0;
		n = poll(&p, 1, (int)(deadline - mono_ms() > 0 ? deadline - mono_ms() : 0));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ct_error(CT_ERR_SYSTEM, "the dns proxy child did not start in time");
		r = ct_privsep_parent_serve(&px->pp);
		if (r == 1) {
			if (waitpid(px->child, &status, 0) == px->child) {
				px->child = -1;
				if (WIFSIGNALED(status))
					return ct_error(CT_ERR_SYSTEM, "the dns proxy child was "
					    "killed by signal %d before it was ready",
					    WTERMSIG(status));
				return ct_error(CT_ERR_SYSTEM, "the dns proxy child exited with "
				    "status %d before it was ready", WEXITSTATUS(status));
			}
			return ct_error(CT_ERR_SYSTEM, "the dns proxy child is gone");
		}
		if (r == CT_ERR_SYSTEM && px->pp.state == CT_PS_STATE_DEAD)
			return ct_error(CT_ERR_SYSTEM, "dns proxy child: %s", px->pp.why);
		if (r != 0)
			return r;
	}
	return 0;
}

static int
ps_start(struct ct_dnsproxy *px)
{
	struct ct_privsep_parent_ops ops;
	struct ct_privsep_config c;
	int sp[2] = { -1, -1 }, fds[2 * CT_DNSPROXY_MAX_LISTEN], r = CT_ERR_INTERNAL, status;
	const struct sockaddr_storage *up = &px->cfg.upstream;
	size_t i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0)
		return ct_error(CT_ERR_SYSTEM, "socketpair");
	for (i = 0; i < px->nlisten; i++) {
		fds[2 * i] = px->udp[i];
		fds[2 * i + 1] = px->tcp[i];
	}
	if ((r = ct_privsep_spawn(sp[1], fds, 2 * px->nlisten, &px->child)) != 0)
		goto out;
	close(sp[1]);
	sp[1] = -1;
	px->psfd = sp[0];
	sp[0] = -1;
	if ((px->pidfd = (int)syscall(SYS_pidfd_open, px->child, 0)) < 0) {
		r = ct_error(CT_ERR_SYSTEM, "pidfd_open");
		goto out;
	}

	memset(&c, 0, sizeof(c));
	c.enforce = px->cfg.enforce != 0;
	c.deny_rcode = (uint32_t)px->cfg.deny_rcode;
	c.timeout_ms = (uint32_t)px->cfg.timeout_ms;
	c.ttl_floor = px->cfg.ttl_floor;
	c.max_tcp_clients = (uint32_t)px->cfg.max_tcp_clients;
	c.max_inflight = (uint32_t)px->cfg.max_inflight;
	c.nlisten = (uint32_t)px->nlisten;
	c.port = px->port;
	c.uid = c.gid = geteuid() == 0 ? (uint32_t)ct_privsep_pick_uid() : (uint32_t)geteuid();
	px->child_uid = (uid_t)c.uid;
	c.family = (uint32_t)up->ss_family;
	if (up->ss_family == AF_INET)
		memcpy(c.addr, &((const struct sockaddr_in *)up)->sin_addr, 4);
	else
		memcpy(c.addr, &((const struct sockaddr_in6 *)up)->sin6_addr, 16);
	c.upstream_port = ss_port(up);
	if ((r = ct_privsep_send_config(px->psfd, &c)) != 0)
		goto out;

	memset(&ops, 0, sizeof(ops));
	ops.policy = px->cfg.policy;
	ops.enforce = px->cfg.enforce;
	ops.ttl_floor = px->cfg.ttl_floor;
	ops.start_us = ct_now_us();
	ops.admit = ps_admit;
	ops.on_event = ps_event;
	ops.on_stats = ps_stats;
	ops.on_incident = ps_incident;
	ops.arg = px;
	ct_privsep_parent_init(&px->pp, px->psfd, &ops);
	if ((r = ps_wait_ready(px)) != 0)
		goto out;
	if (pthread_create(&px->mon, NULL, ps_monitor, px) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot start the dns proxy monitor thread");
		goto out;
	}
	px->mon_running = 1;
	r = 0;
 out:
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	if (r != 0 && px->child > 0) {
		(void)ps_signal(px, SIGKILL);
		while (waitpid(px->child, &status, 0) < 0 && errno == EINTR)
			;
		px->child = -1;
	}
	return r;
}

static void
ps_stop(struct ct_dnsproxy *px)
{
	px->stop_deadline = mono_ms() + px->cfg.timeout_ms + 5000;
	atomic_store(&px->stopping, 1);
	pthread_mutex_lock(&px->lock);
	if (px->child > 0)
		(void)ps_signal(px, SIGTERM);
	pthread_mutex_unlock(&px->lock);
	if (px->mon_running)
		pthread_join(px->mon, NULL);
	px->mon_running = 0;
}

pid_t
ct_dnsproxy_child_pid(struct ct_dnsproxy *px)
{
	pid_t p;

	pthread_mutex_lock(&px->lock);
	p = px->child;
	pthread_mutex_unlock(&px->lock);
	return p;
}

uid_t
ct_dnsproxy_child_uid(const struct ct_dnsproxy *px)
{
	return px->child_uid;
}

/* ---- privsep, the child ---- */

struct child_ctx {
	struct ct_privsep_child *psc;
	struct ct_dnsproxy *_Atomic px;
};

static void
child_counters(struct child_ctx *cc, struct ct_privsep_counters *c)
{
	struct ct_dnsproxy *px = atomic_load(&cc->px);
	struct ct_dnsproxy_stats st;

	memset(c, 0, sizeof(*c));
	if (px == NULL)
		return;
	ct_dnsproxy_get_stats(px, &st);
	c->queries = st.queries;
	c->forwarded = st.forwarded;
	c->denied = st.denied;
	c->servfail = st.servfail;
	c->upstream_timeouts = st.upstream_timeouts;
	c->dropped = st.dropped;
	c->tcp_rejected = st.tcp_rejected;
	c->admitted = st.admitted;
	c->names_dropped = st.names_dropped;
}

static void
child_event(const struct ct_dns_event *ev, void *arg)
{
	struct child_ctx *cc = arg;
	struct ct_privsep_counters c;
	struct ct_buf b;

	child_counters(cc, &c);
	ct_buf_init(&b, CT_PRIVSEP_MSG_MAX);
	if (ct_privsep_enc_event(&b, ev, &c) == 0)
		(void)ct_privsep_call(cc->psc, CT_PS_EVENT, b.data, b.len, NULL, NULL);
	ct_buf_release(&b);
}

static int
child_admit(int family, const uint8_t *addr, uint16_t port, uint32_t ttl, const char *name,
    void *arg)
{
	struct child_ctx *cc = arg;
	struct ct_buf b;
	uint32_t status = CT_PS_FAILED;
	int r;

	/* the port is the parent's to choose, from its own rules */
	ct_buf_init(&b, CT_PRIVSEP_MSG_MAX);
	r = ct_privsep_enc_admit(&b, family, addr, ttl, name);
	if (r == 0)
		r = ct_privsep_call(cc->psc, CT_PS_ADMIT, b.data, b.len, &status, NULL);
	ct_buf_release(&b);
	return r == 0 && status == CT_PS_OK ? 0 : -1;
}

static int
child_ready(struct ct_privsep_child *psc, int failed, const char *why)
{
	struct ct_buf b;
	int r;

	ct_buf_init(&b, 1024);
	if ((r = ct_buf_put_u32(&b, failed ? 1 : 0)) == 0 &&
	    (r = ct_buf_put_string(&b, why, strnlen(why, CT_PRIVSEP_MAX_ERROR))) == 0)
		r = ct_privsep_call(psc, CT_PS_READY, b.data, b.len, NULL, NULL);
	ct_buf_release(&b);
	return r;
}

int
ct_dnsproxy_child_main(int fd)
{
	struct ct_privsep_config c;
	struct ct_dnsproxy_config cfg;
	struct ct_dnsproxy *px = NULL;
	struct child_ctx cc;
	struct ct_privsep_counters ctr;
	struct ct_buf b;
	sigset_t sigs;
	pid_t ppid = getppid();
	unsigned long nofile, nproc;
	size_t i;
	int r, sig;

	memset(&cc, 0, sizeof(cc));
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if ((r = ct_privsep_child_new(fd, &cc.psc)) != 0)
		return r;
	if ((r = ct_privsep_recv_config(fd, 10000, &c)) != 0)
		goto out;
	ct_dnsproxy_config_init(&cfg);
	if (c.nlisten < 1 || c.nlisten > CT_DNSPROXY_MAX_LISTEN ||
	    (c.family != AF_INET && c.family != AF_INET6) || c.upstream_port == 0 ||
	    c.upstream_port > 65535 || c.port == 0 || c.port > 65535) {
		r = ct_error(CT_ERR_FORMAT, "bad privsep configuration");
		goto fail;
	}
	if (c.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&cfg.upstream;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, c.addr, 4);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&cfg.upstream;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, c.addr, 16);
	}
	ss_set_port(&cfg.upstream, (uint16_t)c.upstream_port);
	cfg.enforce = c.enforce != 0;
	cfg.deny_rcode = (int)c.deny_rcode;
	cfg.timeout_ms = (int)c.timeout_ms;
	cfg.ttl_floor = c.ttl_floor;
	cfg.max_tcp_clients = c.max_tcp_clients;
	cfg.max_inflight = c.max_inflight;
	cfg.on_event = child_event;
	cfg.admit = child_admit;
	cfg.arg = &cc;
	/* fds: 0-2, the pair, the listeners, the stop eventfd, one per query and per TCP
	 * client and its upstream, and a little slack */
	nofile = 4 + 2 * c.nlisten + 1 + c.max_inflight + 2 * (unsigned long)c.max_tcp_clients +
	    16;
	nproc = 2 + c.max_inflight + c.max_tcp_clients + 8;
	if ((r = ct_privsep_sandbox((uid_t)c.uid, (gid_t)c.gid, nofile, nproc)) != 0)
		goto fail;
	if (getppid() != ppid) {
		r = ct_error(CT_ERR_NET, "the privileged half of the dns proxy is gone");
		goto fail;
	}
	if ((r = proxy_new(&cfg, &px)) != 0)
		goto fail;
	px->psc = cc.psc;
	px->nlisten = c.nlisten;
	px->port = (uint16_t)c.port;
	for (i = 0; i < c.nlisten; i++) {
		px->udp[i] = CT_PRIVSEP_CHILD_FD + 1 + 2 * (int)i;
		px->tcp[i] = CT_PRIVSEP_CHILD_FD + 2 + 2 * (int)i;
	}
	atomic_store(&cc.px, px);
	if (pthread_create(&px->listener, NULL, listener, px) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot start the dns proxy thread");
		goto fail;
	}
	px->listener_running = 1;
	if ((r = child_ready(cc.psc, 0, "")) != 0)
		goto out;
	while (sigwait(&sigs, &sig) != 0)
		;
	proxy_halt(px);
	child_counters(&cc, &ctr);
	ct_buf_init(&b, 256);
	if ((r = ct_privsep_enc_counters(&b, &ctr)) == 0)
		r = ct_privsep_call(cc.psc, CT_PS_STATS, b.data, b.len, NULL, NULL);
	ct_buf_release(&b);
	goto out;
 fail:
	(void)child_ready(cc.psc, 1, ct_errmsg(r));
 out:
	if (px != NULL) {
		proxy_halt(px);
		proxy_free(px);
	}
	ct_privsep_child_free(cc.psc);
	return r;
}

/* ---- start and stop, both ways ---- */

/*
 * Forwarding to ourselves would loop until max_inflight: refuse an upstream that is one of
 * the n first listen addresses on port (0: each address's own port; a port 0 is skipped).
 */
static int
refuse_self(const struct ct_dnsproxy_config *cfg, size_t n, uint16_t port)
{
	char a[INET6_ADDRSTRLEN + 16];
	size_t i;

	for (i = 0; i < n; i++) {
		struct sockaddr_storage me = cfg->listen[i];

		if (port != 0)
			ss_set_port(&me, port);
		if (ss_port(&me) != 0 && same_addrport(&me, &cfg->upstream)) {
			ct_dns_fmt_addrport(&me, a, sizeof(a));
			return ct_error(CT_ERR_INVALID,
			    "the upstream resolver %s is the dns proxy itself", a);
		}
	}
	return 0;
}

int
ct_dnsproxy_start(const struct ct_dnsproxy_config *cfg, struct ct_dnsproxy **out)
{
	struct ct_dnsproxy *px = NULL;
	struct sockaddr_storage failed_ss;
	char a[INET6_ADDRSTRLEN + 16];
	size_t i, failed = 0;
	int r = CT_ERR_INTERNAL, attempt;

	*out = NULL;
	if (cfg->nlisten == 0 || cfg->nlisten > CT_DNSPROXY_MAX_LISTEN)
		return ct_error(CT_ERR_INVALID, "the dns proxy needs 1 to %d listen addresses",
		    CT_DNSPROXY_MAX_LISTEN);
	for (i = 0; i < cfg->nlisten; i++) {
		if (!is_loopback(&cfg->listen[i])) {
			ct_dns_fmt_addrport(&cfg->listen[i], a, sizeof(a));
			return ct_error(CT_ERR_INVALID,
			    "the dns proxy listens on loopback only, not '%s'", a);
		}
	}
	if (cfg->upstream.ss_family != AF_INET && cfg->upstream.ss_family != AF_INET6)
		return ct_error(CT_ERR_INVALID, "no upstream resolver for the dns proxy");
	if (ss_port(&cfg->upstream) == 0)
		return ct_error(CT_ERR_INVALID, "the upstream resolver needs a port other than 0");
	/* the ports asked for, before binding; a port the kernel chooses is checked below */
	if ((r = refuse_self(cfg, cfg->nlisten, 0)) != 0)
		return r;
	if ((r = proxy_new(cfg, &px)) != 0)
		return r;
	/* an ephemeral UDP port may be taken for TCP (or on another address): try again */
	for (attempt = 0; attempt < 16; attempt++) {
		int e;

		if (bind_all(px, &failed) == 0)
			break;
		e = errno;
		close_listeners(px);
		if (e != EADDRINUSE || ss_port(&cfg->listen[0]) != 0) {
			failed_ss = cfg->listen[failed];
			ct_dns_fmt_addrport(&failed_ss, a, sizeof(a));
			errno = e;
			r = ct_error(CT_ERR_SYSTEM, "cannot listen on %s", a);
			goto out;
		}
	}
	if (px->nlisten == 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot find a free port for the dns proxy");
		goto out;
	}
	if ((r = refuse_self(cfg, px->nlisten, px->port)) != 0)
		goto out;
	if (cfg->privsep) {
		/*
		 * The child serves; we keep the listening sockets only so that the port
		 * stays ours (no one else can take it if the child dies), and never read them.
		 */
		if ((r = ps_start(px)) != 0)
			goto out;
	} else {
		if (pthread_create(&px->listener, NULL, listener, px) != 0) {
			r = ct_error(CT_ERR_SYSTEM, "cannot start the dns proxy thread");
			goto out;
		}
		px->listener_running = 1;
	}
	*out = px;
	px = NULL;
	r = 0;
 out:
	if (px != NULL)
		proxy_free(px);
	return r;
}

void
ct_dnsproxy_stop(struct ct_dnsproxy *px)
{
	if (px == NULL)
		return;
	if (px->cfg.privsep)
		ps_stop(px);
	else
		proxy_halt(px);
	proxy_free(px);
}

/* ---- events as JSON ---- */

json_t *
ct_dns_event_json(const struct ct_dns_event *ev)
{
	char ts[40], tb[16], rb[16], a[INET6_ADDRSTRLEN];
	json_t *o, *ans, *chain;
	size_t i;

	ct_time_fmt(ev->time_us, 1, ts, sizeof(ts));
	if ((ans = json_array()) == NULL || (chain = json_array()) == NULL) {
		json_decref(ans);
		return NULL;
	}
	for (i = 0; i < ev->nanswers; i++) {
		const struct ct_dns_answer *x = &ev->answers[i];
		const char *data = x->target;

		if (x->family != 0) {
			inet_ntop(x->family, x->addr, a, sizeof(a));
			data = a;
		}
		json_array_append_new(ans, json_pack("{s:s, s:s, s:I, s:s?}", "name", x->name,
		    "type", ct_dns_type_name(x->type, tb, sizeof(tb)), "ttl", (json_int_t)x->ttl,
		    "data", data));
	}
	for (i = 0; i < ev->nchain; i++)
		json_array_append_new(chain, json_string(ev->chain[i]));
	inet_ntop(ev->client_family, ev->client_addr, a, sizeof(a));
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s?, s:s, s:s?, s:o, s:o, s:b,"
	    " s:I, s:s?}",
	    "type", "dns", "time", ts, "proto", ev->proto == IPPROTO_TCP ? "tcp" : "udp",
	    "client", ev->client_family != 0 ? a : "", "client_port", (int)ev->client_port,
	    "id", (int)ev->id, "qname", ev->qname,
	    "qtype", ev->qname[0] != '\0' ? ct_dns_type_name(ev->qtype, tb, sizeof(tb)) : NULL,
	    "verdict", ct_dns_verdict_name(ev->verdict),
	    "rcode", ev->rcode >= 0 ? ct_dns_rcode_name(ev->rcode, rb, sizeof(rb)) : NULL,
	    "answers", ans, "chain", chain, "upstream_tcp", ev->upstream_tcp,
	    "duration_us", (json_int_t)ev->duration_us, "error", ev->error);
	return o;
}
