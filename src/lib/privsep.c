/*
 * privsep.c - privilege separation of the DNS proxy (see privsep.h for the design and the
 * request table).  The parent's side is ct_privsep_parent_handle(): everything the child
 * says goes through it and nothing else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

#define CALL_TIMEOUT_MS		10000
#define MAX_CHAIN		(CT_DNS_CHAIN_MAX + 1)
#define NAME_MAX_LEN		(CT_DNS_NAME_TEXT_MAX - 1)
#define EVENT_FUTURE_US		(5 * 1000000LL)		/* slack for a duration against our clock */
#define EVENT_MAX_DURATION_US	(600 * 1000000LL)
#define DYN_UID_BASE		0x60000000u		/* dynamic uids: base + 24 random bits */

const char *
ct_privsep_type_name(uint32_t type)
{
	switch (type) {
	case CT_PS_READY: return "READY";
	case CT_PS_CHECK: return "CHECK";
	case CT_PS_ADMIT: return "ADMIT";
	case CT_PS_EVENT: return "EVENT";
	case CT_PS_STATS: return "STATS";
	case CT_PS_CONFIG: return "CONFIG";
	case CT_PS_REPLY: return "REPLY";
	}
	return "unknown";
}

/* ---- encoding ---- */

int
ct_privsep_frame(struct ct_buf *out, uint32_t type, uint32_t seq, const void *body, size_t n)
{
	int r;

	if (n > CT_PRIVSEP_MSG_MAX - CT_PRIVSEP_HDR_LEN)
		return ct_error(CT_ERR_LIMIT, "privsep message of %zu octets", n);
	if ((r = ct_buf_put_u32(out, CT_PRIVSEP_VERSION)) != 0 ||
	    (r = ct_buf_put_u32(out, type)) != 0 ||
	    (r = ct_buf_put_u32(out, seq)) != 0 ||
	    (r = ct_buf_put_u32(out, (uint32_t)n)) != 0 ||
	    (n > 0 && (r = ct_buf_put(out, body, n)) != 0))
		return r;
	return 0;
}

int
ct_privsep_enc_check(struct ct_buf *b, const char *qname, uint16_t qtype)
{
	int r;

	if ((r = ct_buf_put_cstring(b, qname)) != 0 || (r = ct_buf_put_u32(b, qtype)) != 0)
		return r;
	return 0;
}

int
ct_privsep_enc_admit(struct ct_buf *b, int family, const uint8_t *addr, uint32_t ttl,
    const char *qname)
{
	int r;

	if ((r = ct_buf_put_u32(b, (uint32_t)family)) != 0 ||
	    (r = ct_buf_put_string(b, addr, family == AF_INET ? 4 : 16)) != 0 ||
	    (r = ct_buf_put_u32(b, ttl)) != 0 ||
	    (r = ct_buf_put_cstring(b, qname)) != 0)
		return r;
	return 0;
}

int
ct_privsep_enc_counters(struct ct_buf *b, const struct ct_privsep_counters *c)
{
	const uint64_t v[] = { c->queries, c->forwarded, c->denied, c->servfail,
	    c->upstream_timeouts, c->dropped, c->tcp_rejected, c->admitted, c->names_dropped };
	size_t i;
	int r;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if ((r = ct_buf_put_u64(b, v[i])) != 0)
			return r;
	return 0;
}

static size_t
answer_size(const struct ct_dns_answer *a)
{
	return 4 + strlen(a->name) + 4 + 4 + 4 +
	    (a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 :
	    a->target != NULL ? strlen(a->target) : 0);
}

int
ct_privsep_enc_event(struct ct_buf *b, const struct ct_dns_event *ev,
    const struct ct_privsep_counters *c)
{
	char err[CT_PRIVSEP_MAX_ERROR + 1];
	size_t i, nans = 0, room, elen = 0;
	int r;

	/* printable ASCII only, as the parent insists */
	for (; ev->error != NULL && elen < CT_PRIVSEP_MAX_ERROR && ev->error[elen] != '\0'; elen++)
		err[elen] = ev->error[elen] >= 0x20 && ev->error[elen] <= 0x7e ? ev->error[elen] : '?';
	err[elen] = '\0';

	if ((r = ct_buf_put_u64(b, (uint64_t)ev->time_us)) != 0 ||
	    (r = ct_buf_put_u64(b, (uint64_t)ev->duration_us)) != 0 ||
	    (r = ct_buf_put_u32(b, (uint32_t)ev->proto)) != 0 ||
	    (r = ct_buf_put_u32(b, (uint32_t)ev->client_family)) != 0 ||
	    (r = ct_buf_put_string(b, ev->client_addr, ev->client_family == AF_INET ? 4 :
	    ev->client_family == AF_INET6 ? 16 : 0)) != 0 ||
	    (r = ct_buf_put_u32(b, ev->client_port)) != 0 ||
	    (r = ct_buf_put_u32(b, ev->id)) != 0 ||
	    (r = ct_buf_put_cstring(b, ev->qname)) != 0 ||
	    (r = ct_buf_put_u32(b, ev->qtype)) != 0 ||
	    (r = ct_buf_put_u32(b, (uint32_t)ev->verdict)) != 0 ||
	    (r = ct_buf_put_u32(b, (uint32_t)(ev->rcode + 1))) != 0 ||
	    (r = ct_buf_put_u32(b, ev->upstream_tcp ? 1 : 0)) != 0 ||
	    (r = ct_buf_put_string(b, err, elen)) != 0 ||
	    (r = ct_buf_put_u32(b, (uint32_t)ev->nchain)) != 0)
		return r;
	for (i = 0; i < ev->nchain; i++)
		if ((r = ct_buf_put_cstring(b, ev->chain[i])) != 0)
			return r;
	/* as many answers as fit, after room for the counts and the counters */
	room = CT_PRIVSEP_MSG_MAX - CT_PRIVSEP_HDR_LEN - 4 - 4 - 9 * 8;
	room = b->len < room ? room - b->len : 0;
	for (i = 0; i < ev->nanswers; i++) {
		size_t sz = answer_size(&ev->answers[i]);

		if (sz > room)
			break;
		room -= sz;
		nans++;
	}
	if ((r = ct_buf_put_u32(b, (uint32_t)nans)) != 0)
		return r;
	for (i = 0; i < nans; i++) {
		const struct ct_dns_answer *a = &ev->answers[i];

		if ((r = ct_buf_put_cstring(b, a->name)) != 0 ||
		    (r = ct_buf_put_u32(b, a->type)) != 0 ||
		    (r = ct_buf_put_u32(b, a->ttl)) != 0 ||
		    (r = ct_buf_put_u32(b, (uint32_t)a->family)) != 0)
			return r;
		if (a->family != 0)
			r = ct_buf_put_string(b, a->addr, a->family == AF_INET ? 4 : 16);
		else
			r = ct_buf_put_cstring(b, a->target != NULL ? a->target : "");
		if (r != 0)
			return r;
	}
	if ((r = ct_buf_put_u32(b, (uint32_t)(ev->nanswers - nans))) != 0 ||
	    (r = ct_privsep_enc_counters(b, c)) != 0)
		return r;
	return 0;
}

/* ---- the parent: decoding and checking ---- */

void
ct_privsep_parent_init(struct ct_privsep_parent *pp, int fd,
    const struct ct_privsep_parent_ops *ops)
{
	memset(pp, 0, sizeof(*pp));
	pp->fd = fd;
	pp->state = CT_PS_STATE_INIT;
	pp->ops = *ops;
	pp->init_mono_us = ct_mono_us();
}

/* A presentation-form name: 1..1023 printable ASCII octets (the proxy escapes the rest). */
static int
name_ok(const uint8_t *p, size_t n)
{
	size_t i;

	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	return 1;
}

/* The parent's own verdict on a name, from its policy. */
static enum ct_dns_verdict
verdict_for(const struct ct_privsep_parent *pp, const char *name)
{
	if (pp->ops.policy == NULL ||
	    ct_netpolicy_name_allowed(pp->ops.policy, name, strlen(name)))
		return CT_DNS_ALLOW;
	return pp->ops.enforce ? CT_DNS_DENY : CT_DNS_AUDIT;
}

/* Refuse: remember why (the caller records and replies). */
static int
refuse(struct ct_privsep_parent *pp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
refuse(struct ct_privsep_parent *pp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pp->why, sizeof(pp->why), fmt, ap);
	va_end(ap);
	return CT_ERR_PERM;
}

/* A string field copied NUL-terminated into dst (dstsz > max). */
static int
get_str(struct ct_buf *b, char *dst, size_t dstsz, size_t *len)
{
	const uint8_t *p;
	size_t n;

	if (ct_buf_get_string_direct(b, &p, &n) != 0 || n >= dstsz)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	if (len != NULL)
		*len = n;
	return 0;
}

static int
get_name(struct ct_buf *b, char *dst, size_t dstsz, int may_be_empty)
{
	size_t n;

	if (get_str(b, dst, dstsz, &n) != 0)
		return -1;
	if (n == 0)
		return may_be_empty ? 0 : -1;
	return name_ok((const uint8_t *)dst, n) ? 0 : -1;
}

static int
get_counters(struct ct_buf *b, struct ct_privsep_counters *c)
{
	uint64_t *v[] = { &c->queries, &c->forwarded, &c->denied, &c->servfail,
	    &c->upstream_timeouts, &c->dropped, &c->tcp_rejected, &c->admitted,
	    &c->names_dropped };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (ct_buf_get_u64(b, v[i]) != 0)
			return -1;
	return 0;
}

static int
get_addr(struct ct_buf *b, uint32_t family, uint8_t out[16])
{
	const uint8_t *p;
	size_t n;

	memset(out, 0, 16);
	if (ct_buf_get_string_direct(b, &p, &n) != 0)
		return -1;
	if ((family == AF_INET && n == 4) || (family == AF_INET6 && n == 16)) {
		memcpy(out, p, n);
		return 0;
	}
	return -1;
}

static int
do_check(struct ct_privsep_parent *pp, struct ct_buf *b, uint32_t *value)
{
	char name[CT_DNS_NAME_TEXT_MAX];
	uint32_t qtype;

	if (get_name(b, name, sizeof(name), 0) != 0)
		return refuse(pp, "CHECK: bad name");
	if (ct_buf_get_u32(b, &qtype) != 0 || qtype > 0xffff)
		return refuse(pp, "CHECK: bad qtype");
	if (ct_buf_avail(b) != 0)
		return refuse(pp, "CHECK: trailing octets");
	*value = verdict_for(pp, name);
	return 0;
}

struct admit_arg {
	struct ct_privsep_parent *pp;
	int family;
	const uint8_t *addr;
	uint32_t ttl;
	const char *name;
	int any_port, failed;
};

static int
admit_port(const struct ct_netrule *rule, void *arg)
{
	struct admit_arg *a = arg;
	uint16_t port = rule != NULL ? rule->port : 0;

	if (port == 0) {
		if (a->any_port)
			return 0;
		a->any_port = 1;
	}
	if (a->pp->ops.admit != NULL &&
	    a->pp->ops.admit(a->family, a->addr, port, a->ttl, a->name, a->pp->ops.arg) != 0) {
		a->failed = 1;
		return 1;
	}
	return 0;
}

static int
do_admit(struct ct_privsep_parent *pp, struct ct_buf *b, uint32_t *status)
{
	char name[CT_DNS_NAME_TEXT_MAX];
	struct admit_arg a;
	uint8_t addr[16];
	uint32_t family, ttl;

	if (ct_buf_get_u32(b, &family) != 0 || (family != AF_INET && family != AF_INET6))
		return refuse(pp, "ADMIT: bad address family");
	if (get_addr(b, family, addr) != 0)
		return refuse(pp, "ADMIT: bad address length");
	if (ct_buf_get_u32(b, &ttl) != 0)
		return refuse(pp, "ADMIT: no ttl");
	if (get_name(b, name, sizeof(name), 0) != 0)
		return refuse(pp, "ADMIT: bad name");
	if (ct_buf_avail(b) != 0)
		return refuse(pp, "ADMIT: trailing octets");
	if (verdict_for(pp, name) != CT_DNS_ALLOW)
		return refuse(pp, "ADMIT: '%.200s' is not allowed by the policy", name);
	if (ct_netpolicy_is_metadata((int)family, addr))
		return refuse(pp, "ADMIT: a metadata address for '%.200s'", name);
	if (ttl < pp->ops.ttl_floor)
		ttl = pp->ops.ttl_floor;
	if (ttl > CT_PRIVSEP_TTL_MAX)
		ttl = CT_PRIVSEP_TTL_MAX;
	memset(&a, 0, sizeof(a));
	a.pp = pp;
	a.family = (int)family;
	a.addr = addr;
	a.ttl = ttl;
	a.name = name;
	/* the ports come from the parent's rules for the name, never from the child */
	if (pp->ops.policy == NULL)
		admit_port(NULL, &a);
	else
		ct_netpolicy_match_name(pp->ops.policy, name, strlen(name), admit_port, &a);
	if (a.failed) {
		*status = CT_PS_FAILED;
		return 0;
	}
	pp->admits++;
	*status = CT_PS_OK;
	return 0;
}

/* Decoded EVENT storage: names copied NUL-terminated. */
struct ev_store {
	char qname[CT_DNS_NAME_TEXT_MAX];
	char error[CT_PRIVSEP_MAX_ERROR + 1];
	char chain[MAX_CHAIN][CT_DNS_NAME_TEXT_MAX];
	const char *chainp[MAX_CHAIN];
	struct ct_dns_answer ans[CT_DNS_MAX_ANSWERS];
	char names[CT_DNS_MAX_ANSWERS][CT_DNS_NAME_TEXT_MAX];
	char targets[CT_DNS_MAX_ANSWERS][CT_DNS_NAME_TEXT_MAX];
};

static int
do_event(struct ct_privsep_parent *pp, struct ct_buf *b, struct ev_store *s)
{
	struct ct_dns_event ev;
	struct ct_privsep_counters c;
	uint64_t t, d;
	uint32_t proto, cfam, cport, id, qtype, verdict, rcode, utcp, n, i, omitted;
	size_t elen, k;
	int64_t now = ct_now_us();

	memset(&ev, 0, sizeof(ev));
	if (ct_buf_get_u64(b, &t) != 0 || ct_buf_get_u64(b, &d) != 0)
		return refuse(pp, "EVENT: no times");
	/*
	 * The child's own time stamp is not used: the record's time is ours (when the query
	 * began: now less its duration, which must be within the proxy's life), so the child
	 * cannot date a record, and a wall clock set while a query runs moves nothing.
	 */
	(void)t;
	if ((int64_t)d < 0 || (int64_t)d > EVENT_MAX_DURATION_US ||
	    (int64_t)d > ct_mono_us() - pp->init_mono_us + EVENT_FUTURE_US)
		return refuse(pp, "EVENT: bad duration");
	if (ct_buf_get_u32(b, &proto) != 0 || (proto != IPPROTO_UDP && proto != IPPROTO_TCP))
		return refuse(pp, "EVENT: bad protocol");
	if (ct_buf_get_u32(b, &cfam) != 0 || (cfam != 0 && cfam != AF_INET && cfam != AF_INET6))
		return refuse(pp, "EVENT: bad client family");
	if (cfam == 0) {
		const uint8_t *p;
		size_t pn;

		if (ct_buf_get_string_direct(b, &p, &pn) != 0 || pn != 0)
			return refuse(pp, "EVENT: bad client address");
	} else if (get_addr(b, cfam, ev.client_addr) != 0) {
		return refuse(pp, "EVENT: bad client address");
	}
	if (ct_buf_get_u32(b, &cport) != 0 || cport > 0xffff ||
	    ct_buf_get_u32(b, &id) != 0 || id > 0xffff)
		return refuse(pp, "EVENT: bad client port or id");
	if (get_name(b, s->qname, sizeof(s->qname), 1) != 0)
		return refuse(pp, "EVENT: bad name");
	if (ct_buf_get_u32(b, &qtype) != 0 || qtype > 0xffff)
		return refuse(pp, "EVENT: bad qtype");
	if (ct_buf_get_u32(b, &verdict) != 0 || verdict > CT_DNS_AUDIT)
		return refuse(pp, "EVENT: bad verdict");
	if (verdict != (uint32_t)(s->qname[0] != '\0' ? verdict_for(pp, s->qname) : CT_DNS_ALLOW))
		return refuse(pp, "EVENT: verdict %s for '%.200s' is not the policy's",
		    ct_dns_verdict_name((enum ct_dns_verdict)verdict), s->qname);
	if (ct_buf_get_u32(b, &rcode) != 0 || rcode > 16)
		return refuse(pp, "EVENT: bad rcode");
	if (ct_buf_get_u32(b, &utcp) != 0 || utcp > 1)
		return refuse(pp, "EVENT: bad upstream flag");
	if (get_str(b, s->error, sizeof(s->error), &elen) != 0)
		return refuse(pp, "EVENT: error text too long");
	for (k = 0; k < elen; k++)
		if ((uint8_t)s->error[k] < 0x20 || (uint8_t)s->error[k] > 0x7e)
			return refuse(pp, "EVENT: error text not printable");
	if (ct_buf_get_u32(b, &n) != 0 || n > MAX_CHAIN)
		return refuse(pp, "EVENT: bad chain length");
	for (i = 0; i < n; i++) {
		if (get_name(b, s->chain[i], sizeof(s->chain[i]), 0) != 0)
			return refuse(pp, "EVENT: bad chain name");
		s->chainp[i] = s->chain[i];
	}
	if (n > 0 && strcmp(s->chain[0], s->qname) != 0)
		return refuse(pp, "EVENT: chain does not start at the question");
	ev.nchain = n;
	if (ct_buf_get_u32(b, &n) != 0 || n > CT_DNS_MAX_ANSWERS)
		return refuse(pp, "EVENT: bad answer count");
	if (verdict == CT_DNS_DENY && (n > 0 || ev.nchain > 0))
		return refuse(pp, "EVENT: answers for a denied name");
	for (i = 0; i < n; i++) {
		struct ct_dns_answer *a = &s->ans[i];
		uint32_t type, ttl, fam;

		memset(a, 0, sizeof(*a));
		if (get_name(b, s->names[i], sizeof(s->names[i]), 0) != 0)
			return refuse(pp, "EVENT: bad answer name");
		if (ct_buf_get_u32(b, &type) != 0 || ct_buf_get_u32(b, &ttl) != 0 ||
		    ct_buf_get_u32(b, &fam) != 0)
			return refuse(pp, "EVENT: truncated answer");
		if (!((type == CT_DNS_T_A && fam == AF_INET) ||
		    (type == CT_DNS_T_AAAA && fam == AF_INET6) ||
		    (type == CT_DNS_T_CNAME && fam == 0)))
			return refuse(pp, "EVENT: answer type %u with family %u", type, fam);
		if (fam != 0) {
			if (get_addr(b, fam, a->addr) != 0)
				return refuse(pp, "EVENT: bad answer address");
		} else if (get_name(b, s->targets[i], sizeof(s->targets[i]), 0) != 0) {
			return refuse(pp, "EVENT: bad cname target");
		} else {
			a->target = s->targets[i];
		}
		a->name = s->names[i];
		a->type = (uint16_t)type;
		a->ttl = ttl;
		a->family = (int)fam;
	}
	if (ct_buf_get_u32(b, &omitted) != 0 || omitted > CT_DNS_MAX_ANSWERS - n)
		return refuse(pp, "EVENT: bad omitted count");
	if (get_counters(b, &c) != 0)
		return refuse(pp, "EVENT: no counters");
	if (ct_buf_avail(b) != 0)
		return refuse(pp, "EVENT: trailing octets");
	ev.time_us = now - (int64_t)d;
	ev.duration_us = (int64_t)d;
	ev.proto = (int)proto;
	ev.client_family = (int)cfam;
	ev.client_port = (uint16_t)cport;
	ev.id = (uint16_t)id;
	ev.qname = s->qname;
	ev.qtype = (uint16_t)qtype;
	ev.verdict = (enum ct_dns_verdict)verdict;
	ev.rcode = (int)rcode - 1;
	ev.answers = n > 0 ? s->ans : NULL;
	ev.nanswers = n;
	ev.chain = ev.nchain > 0 ? s->chainp : NULL;
	ev.upstream_tcp = (int)utcp;
	ev.error = elen > 0 ? s->error : NULL;
	if (pp->ops.on_event != NULL)
		pp->ops.on_event(&ev, &c, pp->ops.arg);
	return 0;
}

static void
incident(struct ct_privsep_parent *pp, uint32_t type, uint32_t seq)
{
	char ts[40];
	int64_t now = ct_now_us();
	json_t *o;

	if (pp->ops.on_incident == NULL)
		return;
	ct_time_fmt(now, 1, ts, sizeof(ts));
	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "time", ts, "type", "privsep",
	    "event", "refused", "request", ct_privsep_type_name(type), "request_seq",
	    (json_int_t)seq,
	    "reason", pp->why, "effect", "dns proxy stopped; nothing more is admitted");
	if (o != NULL)
		pp->ops.on_incident(o, now, pp->ops.arg);
}

static int
send_reply(int fd, uint32_t seq, uint32_t status, uint32_t value)
{
	uint8_t m[CT_PRIVSEP_HDR_LEN + 8];
	struct ct_buf b, body;
	int r;

	ct_buf_init(&body, 8);
	ct_buf_init(&b, sizeof(m));
	if ((r = ct_buf_put_u32(&body, status)) != 0 || (r = ct_buf_put_u32(&body, value)) != 0 ||
	    (r = ct_privsep_frame(&b, CT_PS_REPLY, seq, body.data, body.len)) != 0)
		goto out;
	if (send(fd, b.data, b.len, MSG_NOSIGNAL) != (ssize_t)b.len)
		r = ct_error(CT_ERR_SYSTEM, "cannot reply to the dns proxy");
 out:
	ct_buf_release(&b);
	ct_buf_release(&body);
	return r;
}

int
ct_privsep_parent_handle(struct ct_privsep_parent *pp, const uint8_t *msg, size_t n)
{
	struct ct_buf b, body;
	struct ev_store *s = NULL;
	uint32_t ver = 0, type = 0, seq = 0, len = 0, status = CT_PS_OK, value = 0;
	int r;

	if (n > CT_PRIVSEP_MSG_MAX) {
		r = refuse(pp, "message of %zu octets (at most %d)", n, CT_PRIVSEP_MSG_MAX);
		goto refused;
	}
	if (n < CT_PRIVSEP_HDR_LEN) {
		r = refuse(pp, "message of %zu octets: no header", n);
		goto refused;
	}
	ct_buf_view(&b, msg, n);
	if (ct_buf_get_u32(&b, &ver) != 0 || ct_buf_get_u32(&b, &type) != 0 ||
	    ct_buf_get_u32(&b, &seq) != 0 || ct_buf_get_u32(&b, &len) != 0) {
		r = refuse(pp, "message of %zu octets: no header", n);
		goto refused;
	}
	if (pp->state == CT_PS_STATE_DEAD || pp->state == CT_PS_STATE_DONE) {
		/* nothing is served after a refusal or the final STATS */
		r = refuse(pp, "request after the end of the session");
		goto refused;
	}
	if (ver != CT_PRIVSEP_VERSION) {
		r = refuse(pp, "protocol version %u (expected %d)", ver, CT_PRIVSEP_VERSION);
		goto refused;
	}
	if (len != ct_buf_avail(&b)) {
		r = refuse(pp, "body length %u, message holds %zu", len, ct_buf_avail(&b));
		goto refused;
	}
	if (seq != pp->seq + 1) {
		r = refuse(pp, "request number %u (expected %u)", seq, pp->seq + 1);
		goto refused;
	}
	ct_buf_view(&body, ct_buf_ptr(&b), len);
	switch (type) {
	case CT_PS_READY:
		if (pp->state != CT_PS_STATE_INIT) {
			r = refuse(pp, "READY twice");
			goto refused;
		}
		/* u32 status, string message: the child could not set itself up */
		{
			char msgtext[CT_PRIVSEP_MAX_ERROR + 1];
			uint32_t st;
			size_t k, ml;

			if (ct_buf_get_u32(&body, &st) != 0 ||
			    get_str(&body, msgtext, sizeof(msgtext), &ml) != 0 ||
			    ct_buf_avail(&body) != 0) {
				r = refuse(pp, "READY: malformed");
				goto refused;
			}
			for (k = 0; k < ml; k++)
				if ((uint8_t)msgtext[k] < 0x20 || (uint8_t)msgtext[k] > 0x7e)
					msgtext[k] = '?';
			if (st != 0) {
				snprintf(pp->why, sizeof(pp->why), "%s", msgtext);
				pp->state = CT_PS_STATE_DEAD;
				pp->seq = seq;
				return CT_ERR_SYSTEM;
			}
		}
		pp->state = CT_PS_STATE_RUN;
		break;
	case CT_PS_CHECK:
		if (pp->state != CT_PS_STATE_RUN) {
			r = refuse(pp, "CHECK before READY");
			goto refused;
		}
		if ((r = do_check(pp, &body, &value)) != 0)
			goto refused;
		break;
	case CT_PS_ADMIT:
		if (pp->state != CT_PS_STATE_RUN) {
			r = refuse(pp, "ADMIT before READY");
			goto refused;
		}
		if ((r = do_admit(pp, &body, &status)) != 0)
			goto refused;
		break;
	case CT_PS_EVENT:
		if (pp->state != CT_PS_STATE_RUN) {
			r = refuse(pp, "EVENT before READY");
			goto refused;
		}
		if ((s = malloc(sizeof(*s))) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		r = do_event(pp, &body, s);
		free(s);
		if (r != 0)
			goto refused;
		break;
	case CT_PS_STATS:
		{
			struct ct_privsep_counters c;

			if (pp->state != CT_PS_STATE_RUN) {
				r = refuse(pp, "STATS before READY");
				goto refused;
			}
			if (get_counters(&body, &c) != 0 || ct_buf_avail(&body) != 0) {
				r = refuse(pp, "STATS: malformed");
				goto refused;
			}
			if (pp->ops.on_stats != NULL)
				pp->ops.on_stats(&c, pp->ops.arg);
			pp->state = CT_PS_STATE_DONE;
		}
		break;
	default:
		r = refuse(pp, "request type %u is not in the table", type);
		goto refused;
	}
	pp->seq = seq;
	pp->requests++;
	return send_reply(pp->fd, seq, status, value);

 refused:
	pp->refused++;
	pp->state = CT_PS_STATE_DEAD;
	incident(pp, type, seq);
	(void)send_reply(pp->fd, seq, CT_PS_REFUSED, 0);
	return ct_error(CT_ERR_PERM, "dns proxy request refused: %s", pp->why);
}

int
ct_privsep_parent_serve(struct ct_privsep_parent *pp)
{
	uint8_t *m;
	ssize_t k;
	int r;

	if ((m = malloc(CT_PRIVSEP_MSG_MAX + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	do {
		k = recv(pp->fd, m, CT_PRIVSEP_MSG_MAX + 1, MSG_TRUNC);
	} while (k < 0 && errno == EINTR);
	if (k == 0) {
		r = 1;
	} else if (k < 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot read from the dns proxy");
	} else {
		/* an oversized datagram arrives cut; MSG_TRUNC tells its real size */
		r = ct_privsep_parent_handle(pp, m, (size_t)k);
	}
	free(m);
	return r;
}

/* ---- configuration ---- */

int
ct_privsep_send_config(int fd, const struct ct_privsep_config *c)
{
	struct ct_buf body, b;
	const uint32_t v[] = { c->enforce, c->deny_rcode, c->timeout_ms, c->ttl_floor,
	    c->max_tcp_clients, c->max_inflight, c->nlisten, c->port, c->uid, c->gid, c->family,
	    c->upstream_port };
	size_t i;
	int r = 0;

	ct_buf_init(&body, 256);
	ct_buf_init(&b, 512);
	for (i = 0; i < sizeof(v) / sizeof(v[0]) && r == 0; i++)
		r = ct_buf_put_u32(&body, v[i]);
	if (r == 0)
		r = ct_buf_put_string(&body, c->addr, 16);
	if (r == 0)
		r = ct_privsep_frame(&b, CT_PS_CONFIG, 0, body.data, body.len);
	if (r == 0 && send(fd, b.data, b.len, MSG_NOSIGNAL) != (ssize_t)b.len)
		r = ct_error(CT_ERR_SYSTEM, "cannot configure the dns proxy");
	ct_buf_release(&b);
	ct_buf_release(&body);
	return r;
}

static int
recv_msg(int fd, int timeout_ms, uint8_t *m, size_t msz, size_t *n)
{
	struct pollfd p;
	ssize_t k;
	int pr;

	*n = 0;
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	do {
		pr = poll(&p, 1, timeout_ms);
	} while (pr < 0 && errno == EINTR);
	if (pr < 0)
		return ct_error(CT_ERR_SYSTEM, "poll");
	if (pr == 0)
		return ct_error(CT_ERR_NET, "no answer from the other half of the dns proxy");
	do {
		k = recv(fd, m, msz, MSG_TRUNC);
	} while (k < 0 && errno == EINTR);
	if (k < 0)
		return ct_error(CT_ERR_SYSTEM, "read from the other half of the dns proxy");
	if (k == 0)
		return ct_error(CT_ERR_NET, "the other half of the dns proxy is gone");
	if ((size_t)k > msz)
		return ct_error(CT_ERR_FORMAT, "privsep message of %zd octets", k);
	*n = (size_t)k;
	return 0;
}

int
ct_privsep_recv_config(int fd, int timeout_ms, struct ct_privsep_config *out)
{
	uint8_t m[512];
	struct ct_buf b;
	uint32_t ver, type, seq, len;
	uint32_t *v[] = { &out->enforce, &out->deny_rcode, &out->timeout_ms, &out->ttl_floor,
	    &out->max_tcp_clients, &out->max_inflight, &out->nlisten, &out->port, &out->uid,
	    &out->gid, &out->family, &out->upstream_port };
	const uint8_t *a;
	size_t n, i, an;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = recv_msg(fd, timeout_ms, m, sizeof(m), &n)) != 0)
		return r;
	ct_buf_view(&b, m, n);
	if (ct_buf_get_u32(&b, &ver) != 0 || ct_buf_get_u32(&b, &type) != 0 ||
	    ct_buf_get_u32(&b, &seq) != 0 || ct_buf_get_u32(&b, &len) != 0 ||
	    ver != CT_PRIVSEP_VERSION || type != CT_PS_CONFIG || len != ct_buf_avail(&b))
		return ct_error(CT_ERR_FORMAT, "bad privsep configuration message");
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (ct_buf_get_u32(&b, v[i]) != 0)
			return ct_error(CT_ERR_FORMAT, "short privsep configuration message");
	if (ct_buf_get_string_direct(&b, &a, &an) != 0 || an != 16 || ct_buf_avail(&b) != 0)
		return ct_error(CT_ERR_FORMAT, "bad privsep configuration message");
	memcpy(out->addr, a, 16);
	return 0;
}

/* ---- the child's requests ---- */

struct ct_privsep_child {
	int fd;
	uint32_t seq;
	int broken;
	pthread_mutex_t mu;
};

int
ct_privsep_child_new(int fd, struct ct_privsep_child **out)
{
	struct ct_privsep_child *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	c->fd = fd;
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return 0;
}

void
ct_privsep_child_free(struct ct_privsep_child *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int
ct_privsep_call(struct ct_privsep_child *c, uint32_t type, const void *body, size_t n,
    uint32_t *status, uint32_t *value)
{
	uint8_t rm[CT_PRIVSEP_HDR_LEN + 8];
	struct ct_buf b, rb;
	uint32_t ver, rtype, rseq, len, st = 0, val = 0;
	size_t rn;
	int r;

	if (status != NULL)
		*status = 0;
	if (value != NULL)
		*value = 0;
	ct_buf_init(&b, CT_PRIVSEP_MSG_MAX);
	pthread_mutex_lock(&c->mu);
	if (c->broken) {
		r = ct_error(CT_ERR_NET, "the privileged half of the dns proxy is gone");
		goto out;
	}
	if ((r = ct_privsep_frame(&b, type, c->seq + 1, body, n)) != 0)
		goto out;
	if (send(c->fd, b.data, b.len, MSG_NOSIGNAL) != (ssize_t)b.len) {
		c->broken = 1;
		r = ct_error(CT_ERR_NET, "the privileged half of the dns proxy is gone");
		goto out;
	}
	c->seq++;
	if ((r = recv_msg(c->fd, CALL_TIMEOUT_MS, rm, sizeof(rm), &rn)) != 0) {
		c->broken = 1;
		goto out;
	}
	ct_buf_view(&rb, rm, rn);
	if (ct_buf_get_u32(&rb, &ver) != 0 || ct_buf_get_u32(&rb, &rtype) != 0 ||
	    ct_buf_get_u32(&rb, &rseq) != 0 || ct_buf_get_u32(&rb, &len) != 0 ||
	    ver != CT_PRIVSEP_VERSION || rtype != CT_PS_REPLY || rseq != c->seq ||
	    ct_buf_get_u32(&rb, &st) != 0 || ct_buf_get_u32(&rb, &val) != 0) {
		c->broken = 1;
		r = ct_error(CT_ERR_FORMAT, "bad reply from the privileged half of the dns proxy");
		goto out;
	}
	if (st == CT_PS_REFUSED)
		c->broken = 1;
	if (status != NULL)
		*status = st;
	if (value != NULL)
		*value = val;
	r = 0;
 out:
	pthread_mutex_unlock(&c->mu);
	ct_buf_release(&b);
	return r;
}

/* ---- the sandbox ---- */

static int
install_seccomp(void)
{
	static const int allow[] = {
		SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(close),
		SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(connect), SCMP_SYS(sendto),
		SCMP_SYS(recvfrom), SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(accept4),
		SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname),
		SCMP_SYS(getpeername), SCMP_SYS(shutdown), SCMP_SYS(getrandom),
		SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
		SCMP_SYS(gettimeofday), SCMP_SYS(futex), SCMP_SYS(mmap), SCMP_SYS(munmap),
		SCMP_SYS(mprotect), SCMP_SYS(madvise), SCMP_SYS(mremap), SCMP_SYS(brk),
		SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigtimedwait),
		SCMP_SYS(sigaltstack), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(gettid),
		SCMP_SYS(getpid), SCMP_SYS(getppid), SCMP_SYS(tgkill), SCMP_SYS(sched_yield),
		SCMP_SYS(sched_getaffinity), SCMP_SYS(eventfd2), SCMP_SYS(fcntl),
		SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(prlimit64), SCMP_SYS(getuid),
		SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(lseek),
	};
	static const struct {
		int nr;
		unsigned long a0;
	} allow_a0[] = {
		{ SCMP_SYS(prctl), PR_GET_NO_NEW_PRIVS }, { SCMP_SYS(prctl), PR_GET_DUMPABLE },
		{ SCMP_SYS(prctl), PR_SET_NAME }, { SCMP_SYS(prctl), PR_GET_NAME },
	};
	scmp_filter_ctx ctx;
	size_t i;
	int r = 0;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return ct_error(CT_ERR_SYSTEM, "seccomp_init");
	for (i = 0; i < sizeof(allow) / sizeof(allow[0]) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0);
	/* prctl only for questions and names */
	for (i = 0; i < sizeof(allow_a0) / sizeof(allow_a0[0]) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow_a0[i].nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, allow_a0[i].a0));
	/*
	 * sockets to the resolver only: IPv4 or IPv6, UDP or TCP with the default protocol
	 * (no raw, ping or other protocol sockets; the flags NONBLOCK and CLOEXEC aside)
	 */
	for (i = 0; i < 4 && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
		    SCMP_A0(SCMP_CMP_EQ, i < 2 ? AF_INET : AF_INET6),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, ~(unsigned long)(SOCK_NONBLOCK | SOCK_CLOEXEC) &
		    0xffffffffUL, i % 2 == 0 ? SOCK_DGRAM : SOCK_STREAM),
		    SCMP_A2(SCMP_CMP_EQ, 0));
	/* files: there are none in the empty root; say so instead of dying */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0) {
		errno = -r;
		return ct_error(CT_ERR_SYSTEM, "cannot install the seccomp filter");
	}
	return 0;
}

static int
drop_capabilities(void)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capset, &h, d) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot drop capabilities");
	return 0;
}

int
ct_privsep_sandbox(uid_t uid, gid_t gid, unsigned long nofile, unsigned long nproc)
{
	static const char *const parents[] = { "/tmp", "/run", "/dev/shm" };
	char dir[64];
	struct rlimit rl;
	size_t i;
	int root = geteuid() == 0, cap;

	if (root) {
		/* an empty root that cannot get entries: a directory already removed */
		for (i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
			snprintf(dir, sizeof(dir), "%s/credtrail-empty-XXXXXX", parents[i]);
			if (mkdtemp(dir) != NULL)
				break;
		}
		if (i == sizeof(parents) / sizeof(parents[0]))
			return ct_error(CT_ERR_SYSTEM, "cannot create an empty directory");
		if (chdir(dir) != 0 || rmdir(dir) != 0 || chroot(".") != 0 || chdir("/") != 0) {
			int e = errno;

			(void)rmdir(dir);
			errno = e;
			return ct_error(CT_ERR_SYSTEM, "cannot chroot to an empty directory");
		}
		for (cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
				return ct_error(CT_ERR_SYSTEM, "cannot drop the bounding set");
		if (setgroups(0, NULL) != 0)
			return ct_error(CT_ERR_SYSTEM, "cannot drop supplementary groups");
		if (setresgid(gid, gid, gid) != 0)
			return ct_error(CT_ERR_SYSTEM, "cannot change to gid %u", (unsigned)gid);
		if (setresuid(uid, uid, uid) != 0)
			return ct_error(CT_ERR_SYSTEM, "cannot change to uid %u", (unsigned)uid);
		if (getuid() != uid || geteuid() != uid || getgid() != gid ||
		    setuid(0) == 0)
			return ct_error(CT_ERR_PERM, "the uid change did not hold");
	}
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (drop_capabilities() != 0)
		return CT_ERR_SYSTEM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot set no_new_privs");
	(void)prctl(PR_SET_NAME, "credtrail-dns", 0, 0, 0);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot clear the dumpable flag");
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot set the parent death signal");
	rl.rlim_cur = rl.rlim_max = nofile;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot limit open files");
	if (root) {
		/* per uid: ours is ours alone (the dynamic uid) */
		rl.rlim_cur = rl.rlim_max = nproc;
		if (setrlimit(RLIMIT_NPROC, &rl) != 0)
			return ct_error(CT_ERR_SYSTEM, "cannot limit processes");
	}
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) != 0 || setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot limit core and file sizes");
	return install_seccomp();
}

/* ---- spawning ---- */

uid_t
ct_privsep_pick_uid(void)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 16; i++) {
		uid_t u;

		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			v = (uint32_t)ct_now_us();
		u = (uid_t)(DYN_UID_BASE + (v & 0xffffff));
		if (u != getuid() && getpwuid(u) == NULL && getgrgid((gid_t)u) == NULL)
			return u;
	}
	return 65534;
}

int
ct_privsep_spawn(int pair_fd, const int *listen_fds, size_t n, pid_t *pid)
{
	static const char *const keep[] = { "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=" };
	char *argv[] = { "credtrail", "dns-proxy", "--privsep-child", "3", NULL };
	char *envp[8];
	int high[1 + 2 * CT_DNSPROXY_MAX_LISTEN], devnull;
	size_t ne = 0, i, k;
	extern char **environ;
	pid_t p;

	*pid = -1;
	if (n > 2 * CT_DNSPROXY_MAX_LISTEN)
		return ct_error(CT_ERR_INVALID, "too many listening sockets");
	envp[ne++] = "CREDTRAIL_CONFIG=";
	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (strncmp(environ[i], keep[k], strlen(keep[k])) == 0 && ne < 7)
				envp[ne++] = environ[i];
	envp[ne] = NULL;
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '/dev/null'");
	if ((p = fork()) < 0) {
		close(devnull);
		return ct_error(CT_ERR_SYSTEM, "cannot fork the dns proxy");
	}
	if (p == 0) {
		/* async-signal-safe calls only from here on */
		sigset_t none;

		/* out of the way of the targets 3.., then into place */
		if ((high[0] = fcntl(pair_fd, F_DUPFD_CLOEXEC, 64)) < 0)
			_exit(127);
		for (i = 0; i < n; i++)
			if ((high[1 + i] = fcntl(listen_fds[i], F_DUPFD_CLOEXEC, 64)) < 0)
				_exit(127);
		if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0)
			_exit(127);
		for (i = 0; i <= n; i++)
			if (dup2(high[i], CT_PRIVSEP_CHILD_FD + (int)i) < 0)
				_exit(127);
		if (syscall(SYS_close_range, CT_PRIVSEP_CHILD_FD + n + 1, ~0U, 0) != 0)
			_exit(127);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(devnull);
	*pid = p;
	return 0;
}
