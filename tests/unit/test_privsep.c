/*
 * test_privsep.c - the parent's side of the DNS proxy's privilege separation: requests sent
 * down a real socketpair as the child would (through its own encoders and ct_privsep_call)
 * are served, and forged ones - bad header, version, type, length, sequence, state, sizes,
 * names, addresses, families, a name outside the policy, a metadata address, a verdict
 * that is not the policy's - are refused, recorded as a "privsep" incident, answered
 * REFUSED, never reach the admission callback, and end the session.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/dnsmsg.h"
#include "lib/dnsproxy.h"
#include "lib/netpolicy.h"
#include "lib/privsep.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"

#define MAXADM 16

struct fx {
	int sp[2];			/* [0] the parent's end, [1] the child's */
	struct ct_netpolicy *pol;
	struct ct_privsep_parent pp;
	struct {
		int family;
		uint8_t addr[16];
		uint16_t port;
		uint32_t ttl;
		char name[256];
	} adm[MAXADM];
	size_t nadm;
	size_t nev;
	char ev_qname[256];
	size_t ev_nanswers, ev_nchain;
	int ev_rcode;
	int64_t ev_time_us;
	char ev_error[256];
	uint64_t ev_queries;
	int stats;
	json_t *incident;
	int nincident;
};

static int
fx_admit(int family, const uint8_t *addr, uint16_t port, uint32_t ttl, const char *name,
    void *arg)
{
	struct fx *f = arg;

	if (f->nadm < MAXADM) {
		f->adm[f->nadm].family = family;
		memcpy(f->adm[f->nadm].addr, addr, family == AF_INET ? 4 : 16);
		f->adm[f->nadm].port = port;
		f->adm[f->nadm].ttl = ttl;
		snprintf(f->adm[f->nadm].name, sizeof(f->adm[f->nadm].name), "%s", name);
	}
	f->nadm++;
	return 0;
}

static void
fx_event(const struct ct_dns_event *ev, const struct ct_privsep_counters *c, void *arg)
{
	struct fx *f = arg;

	f->nev++;
	snprintf(f->ev_qname, sizeof(f->ev_qname), "%s", ev->qname);
	f->ev_nanswers = ev->nanswers;
	f->ev_nchain = ev->nchain;
	f->ev_rcode = ev->rcode;
	f->ev_time_us = ev->time_us;
	snprintf(f->ev_error, sizeof(f->ev_error), "%s", ev->error != NULL ? ev->error : "");
	f->ev_queries = c->queries;
}

static void
fx_stats(const struct ct_privsep_counters *c, void *arg)
{
	((struct fx *)arg)->stats++;
}

static void
fx_incident(json_t *ev, int64_t t, void *arg)
{
	struct fx *f = arg;

	f->nincident++;
	json_decref(f->incident);
	f->incident = ev;
}

static int
setup(void **state)
{
	struct ct_privsep_parent_ops ops;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->sp), 0);
	assert_int_equal(ct_netpolicy_new(&f->pol), 0);
	assert_int_equal(ct_netpolicy_add_rule(f->pol, "api.example.com:443"), 0);
	assert_int_equal(ct_netpolicy_add_rule(f->pol, "*.example.com"), 0);
	memset(&ops, 0, sizeof(ops));
	ops.policy = f->pol;
	ops.enforce = 1;
	ops.ttl_floor = 10;
	ops.start_us = ct_now_us();
	ops.admit = fx_admit;
	ops.on_event = fx_event;
	ops.on_stats = fx_stats;
	ops.on_incident = fx_incident;
	ops.arg = f;
	ct_privsep_parent_init(&f->pp, f->sp[0], &ops);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	close(f->sp[0]);
	close(f->sp[1]);
	ct_netpolicy_free(f->pol);
	json_decref(f->incident);
	free(f);
	return 0;
}

/* Send a raw message from the child's end: header fields as given, body as given. */
static void
forge(struct fx *f, uint32_t ver, uint32_t type, uint32_t seq, uint32_t len, const void *body,
    size_t n)
{
	struct ct_buf b;

	ct_buf_init(&b, 1 << 20);
	assert_int_equal(ct_buf_put_u32(&b, ver), 0);
	assert_int_equal(ct_buf_put_u32(&b, type), 0);
	assert_int_equal(ct_buf_put_u32(&b, seq), 0);
	assert_int_equal(ct_buf_put_u32(&b, len), 0);
	if (n > 0)
		assert_int_equal(ct_buf_put(&b, body, n), 0);
	assert_int_equal(send(f->sp[1], b.data, b.len, 0), (ssize_t)b.len);
	ct_buf_release(&b);
}

/* A well-formed request from the child's end (its body in b, may be NULL). */
static void
request(struct fx *f, uint32_t type, uint32_t seq, const struct ct_buf *b)
{
	forge(f, CT_PRIVSEP_VERSION, type, seq, b != NULL ? (uint32_t)b->len : 0,
	    b != NULL ? b->data : NULL, b != NULL ? b->len : 0);
}

/* Read the parent's reply on the child's end; returns the status, *value the value. */
static uint32_t
reply(struct fx *f, uint32_t seq, uint32_t *value)
{
	uint8_t m[64];
	struct ct_buf b;
	uint32_t v, t, s, l, st, val;
	ssize_t k = recv(f->sp[1], m, sizeof(m), 0);

	assert_int_equal(k, CT_PRIVSEP_HDR_LEN + 8);
	ct_buf_view(&b, m, (size_t)k);
	assert_int_equal(ct_buf_get_u32(&b, &v), 0);
	assert_int_equal(ct_buf_get_u32(&b, &t), 0);
	assert_int_equal(ct_buf_get_u32(&b, &s), 0);
	assert_int_equal(ct_buf_get_u32(&b, &l), 0);
	assert_int_equal(ct_buf_get_u32(&b, &st), 0);
	assert_int_equal(ct_buf_get_u32(&b, &val), 0);
	assert_int_equal(v, CT_PRIVSEP_VERSION);
	assert_int_equal(t, CT_PS_REPLY);
	assert_int_equal(s, seq);
	assert_int_equal(l, 8);
	if (value != NULL)
		*value = val;
	return st;
}

static void
ready(struct fx *f)
{
	struct ct_buf b;

	ct_buf_init(&b, 64);
	assert_int_equal(ct_buf_put_u32(&b, 0), 0);
	assert_int_equal(ct_buf_put_string(&b, "", 0), 0);
	request(f, CT_PS_READY, 1, &b);
	ct_buf_release(&b);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	assert_int_equal(reply(f, 1, NULL), CT_PS_OK);
	assert_int_equal(f->pp.state, CT_PS_STATE_RUN);
}

/* The request served last was refused: recorded, answered REFUSED, the session over. */
static void
assert_refused(struct fx *f, uint32_t seq, const char *request_name, const char *reason)
{
	size_t nadm = f->nadm;

	assert_int_equal(ct_privsep_parent_serve(&f->pp), CT_ERR_PERM);
	assert_int_equal(reply(f, seq, NULL), CT_PS_REFUSED);
	assert_int_equal(f->pp.state, CT_PS_STATE_DEAD);
	assert_int_equal(f->pp.refused, 1);
	assert_int_equal(f->nincident, 1);
	assert_string_equal(json_string_value(json_object_get(f->incident, "type")), "privsep");
	assert_string_equal(json_string_value(json_object_get(f->incident, "event")),
	    "refused");
	assert_string_equal(json_string_value(json_object_get(f->incident, "request")),
	    request_name);
	assert_non_null(strstr(json_string_value(json_object_get(f->incident, "reason")),
	    reason));
	/* and admitted nothing */
	assert_int_equal(f->nadm, nadm);
}

static void
enc_admit(struct ct_buf *b, int family, const char *addr, uint32_t ttl, const char *name)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(family, addr, a), 1);
	ct_buf_init(b, CT_PRIVSEP_MSG_MAX);
	assert_int_equal(ct_privsep_enc_admit(b, family, a, ttl, name), 0);
}

/* ---- what a well-behaved child gets ---- */

static void
test_session(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;
	uint32_t v = 99;

	ready(f);
	ct_buf_init(&b, 4096);
	assert_int_equal(ct_privsep_enc_check(&b, "api.example.com", CT_DNS_T_A), 0);
	request(f, CT_PS_CHECK, 2, &b);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	assert_int_equal(reply(f, 2, &v), CT_PS_OK);
	assert_int_equal(v, CT_DNS_ALLOW);
	ct_buf_reset(&b);
	assert_int_equal(ct_privsep_enc_check(&b, "evil.org", CT_DNS_T_A), 0);
	request(f, CT_PS_CHECK, 3, &b);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	assert_int_equal(reply(f, 3, &v), CT_PS_OK);
	assert_int_equal(v, CT_DNS_DENY);
	ct_buf_release(&b);

	/* ports from the parent's rules (443 and any), ttl raised to the floor */
	enc_admit(&b, AF_INET, "192.0.2.7", 1, "api.example.com");
	request(f, CT_PS_ADMIT, 4, &b);
	ct_buf_release(&b);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	assert_int_equal(reply(f, 4, NULL), CT_PS_OK);
	assert_int_equal(f->nadm, 2);
	assert_int_equal(f->adm[0].port, 443);
	assert_int_equal(f->adm[1].port, 0);
	assert_int_equal(f->adm[0].ttl, 10);
	assert_string_equal(f->adm[0].name, "api.example.com");
	assert_memory_equal(f->adm[0].addr, "\xc0\x00\x02\x07", 4);
	/* a TTL of years is clamped to a day */
	enc_admit(&b, AF_INET6, "2001:db8::1", 0x7fffffff, "www.example.com");
	request(f, CT_PS_ADMIT, 5, &b);
	ct_buf_release(&b);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	assert_int_equal(reply(f, 5, NULL), CT_PS_OK);
	assert_int_equal(f->nadm, 3);
	assert_int_equal(f->adm[2].ttl, CT_PRIVSEP_TTL_MAX);
	assert_int_equal(f->adm[2].port, 0);
	assert_int_equal(f->pp.admits, 2);

	ct_buf_init(&b, 256);
	{
		struct ct_privsep_counters c = { .queries = 7 };

		assert_int_equal(ct_privsep_enc_counters(&b, &c), 0);
	}
	request(f, CT_PS_STATS, 6, &b);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	assert_int_equal(reply(f, 6, NULL), CT_PS_OK);
	assert_int_equal(f->stats, 1);
	assert_int_equal(f->pp.state, CT_PS_STATE_DONE);
	/* nothing after the final STATS */
	request(f, CT_PS_STATS, 7, &b);
	ct_buf_release(&b);
	assert_refused(f, 7, "STATS", "after the end");
	/* the end of the child's socket is the end */
	close(f->sp[1]);
	f->sp[1] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	f->pp.state = CT_PS_STATE_RUN;
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 1);
}

/* An event made by the child's encoder, with every kind of answer. */
static void
make_event(struct ct_dns_event *ev, struct ct_dns_answer *ans, const char **chain)
{
	memset(ev, 0, sizeof(*ev));
	ev->time_us = ct_now_us();
	ev->duration_us = 1234;
	ev->proto = IPPROTO_UDP;
	ev->client_family = AF_INET;
	memcpy(ev->client_addr, "\x7f\x00\x00\x01", 4);
	ev->client_port = 40000;
	ev->id = 0xbeef;
	ev->qname = "www.example.com";
	ev->qtype = CT_DNS_T_A;
	ev->verdict = CT_DNS_ALLOW;
	ev->rcode = 0;
	chain[0] = "www.example.com";
	chain[1] = "api.example.com";
	ev->chain = chain;
	ev->nchain = 2;
	memset(ans, 0, 2 * sizeof(*ans));
	ans[0].name = "www.example.com";
	ans[0].type = CT_DNS_T_CNAME;
	ans[0].ttl = 120;
	ans[0].target = "api.example.com";
	ans[1].name = "api.example.com";
	ans[1].type = CT_DNS_T_A;
	ans[1].ttl = 300;
	ans[1].family = AF_INET;
	memcpy(ans[1].addr, "\x7f\x00\x00\x03", 4);
	ev->answers = ans;
	ev->nanswers = 2;
}

static void
send_event(struct fx *f, uint32_t seq, const struct ct_dns_event *ev)
{
	struct ct_privsep_counters c = { .queries = 3 };
	struct ct_buf b;

	ct_buf_init(&b, CT_PRIVSEP_MSG_MAX);
	assert_int_equal(ct_privsep_enc_event(&b, ev, &c), 0);
	request(f, CT_PS_EVENT, seq, &b);
	ct_buf_release(&b);
}

static void
test_event_round_trip(void **state)
{
	struct fx *f = *state;
	struct ct_dns_event ev;
	struct ct_dns_answer ans[2];
	const char *chain[2];

	ready(f);
	make_event(&ev, ans, chain);
	ev.error = "an error text";
	send_event(f, 2, &ev);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	assert_int_equal(reply(f, 2, NULL), CT_PS_OK);
	assert_int_equal(f->nev, 1);
	assert_string_equal(f->ev_qname, "www.example.com");
	assert_int_equal(f->ev_nanswers, 2);
	assert_int_equal(f->ev_nchain, 2);
	assert_int_equal(f->ev_rcode, 0);
	assert_string_equal(f->ev_error, "an error text");
	assert_int_equal(f->ev_queries, 3);
}

/* 128 answers with 1000-octet names do not fit 64 KiB: the encoder leaves some out. */
static void
test_event_too_big_for_one_message(void **state)
{
	struct fx *f = *state;
	struct ct_dns_event ev;
	struct ct_dns_answer ans[2], *many;
	const char *chain[2];
	char *longname;
	size_t i;

	ready(f);
	make_event(&ev, ans, chain);
	longname = malloc(1001);
	assert_non_null(longname);
	memset(longname, 'a', 1000);
	longname[1000] = '\0';
	many = calloc(CT_DNS_MAX_ANSWERS, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i < CT_DNS_MAX_ANSWERS; i++) {
		many[i].name = longname;
		many[i].type = CT_DNS_T_CNAME;
		many[i].target = longname;
	}
	ev.answers = many;
	ev.nanswers = CT_DNS_MAX_ANSWERS;
	send_event(f, 2, &ev);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	assert_int_equal(reply(f, 2, NULL), CT_PS_OK);
	assert_true(f->ev_nanswers > 0 && f->ev_nanswers < 40);
	free(many);
	free(longname);
}

/* ---- forgeries ---- */

static void
test_forged_header(void **state)
{
	struct fx *f = *state;
	uint8_t junk[8] = { 0, 0, 0, 1, 0, 0, 0, 1 };

	/* a message too short to hold a header */
	assert_int_equal(send(f->sp[1], junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	assert_refused(f, 0, "unknown", "no header");
}

static void
test_forged_version(void **state)
{
	struct fx *f = *state;

	forge(f, 2, CT_PS_READY, 1, 0, NULL, 0);
	assert_refused(f, 1, "READY", "protocol version 2");
}

static void
test_forged_type(void **state)
{
	struct fx *f = *state;

	ready(f);
	/* the parent's own message type, and one that does not exist */
	forge(f, CT_PRIVSEP_VERSION, CT_PS_CONFIG, 2, 0, NULL, 0);
	assert_refused(f, 2, "CONFIG", "not in the table");
}

static void
test_forged_length(void **state)
{
	struct fx *f = *state;
	uint8_t body[8] = { 0 };

	forge(f, CT_PRIVSEP_VERSION, CT_PS_READY, 1, 100, body, sizeof(body));
	assert_refused(f, 1, "READY", "body length 100");
}

static void
test_forged_oversized(void **state)
{
	struct fx *f = *state;
	uint8_t *body = calloc(1, 70000);

	assert_non_null(body);
	forge(f, CT_PRIVSEP_VERSION, CT_PS_READY, 1, 70000, body, 70000);
	free(body);
	/* refused before its header is read: no type, no number */
	assert_refused(f, 0, "unknown", "at most 65536");
}

static void
test_forged_sequence(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;

	ready(f);
	/* a replayed request number */
	ct_buf_init(&b, 4096);
	assert_int_equal(ct_privsep_enc_check(&b, "api.example.com", CT_DNS_T_A), 0);
	request(f, CT_PS_CHECK, 1, &b);
	ct_buf_release(&b);
	assert_refused(f, 1, "CHECK", "request number 1 (expected 2)");
}

static void
test_forged_state(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;

	/* an ADMIT before READY */
	enc_admit(&b, AF_INET, "192.0.2.7", 60, "api.example.com");
	request(f, CT_PS_ADMIT, 1, &b);
	ct_buf_release(&b);
	assert_refused(f, 1, "ADMIT", "before READY");
}

static void
test_admit_outside_policy(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;

	ready(f);
	enc_admit(&b, AF_INET, "203.0.113.66", 60, "evil.org");
	request(f, CT_PS_ADMIT, 2, &b);
	ct_buf_release(&b);
	assert_refused(f, 2, "ADMIT", "'evil.org' is not allowed");
}

static void
test_admit_metadata(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;

	ready(f);
	enc_admit(&b, AF_INET, "169.254.169.254", 60, "api.example.com");
	request(f, CT_PS_ADMIT, 2, &b);
	ct_buf_release(&b);
	assert_refused(f, 2, "ADMIT", "metadata address");
}

static void
test_admit_bad_fields(void **state)
{
	static const struct {
		uint32_t family;
		size_t alen;
		const char *name;
		const char *why;
	} cases[] = {
		{ AF_INET, 16, "api.example.com", "bad address length" },
		{ AF_INET6, 4, "api.example.com", "bad address length" },
		{ 17, 4, "api.example.com", "bad address family" },
		{ AF_INET, 4, "", "bad name" },
		{ AF_INET, 4, "api.example.com\n", "bad name" },
		{ AF_INET, 4, "api example.com", "bad name" },
	};
	struct fx *f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_buf b;
		uint8_t a[16] = { 192, 0, 2, 1 };

		teardown(state);
		setup(state);
		f = *state;
		ready(f);
		ct_buf_init(&b, 4096);
		assert_int_equal(ct_buf_put_u32(&b, cases[i].family), 0);
		assert_int_equal(ct_buf_put_string(&b, a, cases[i].alen), 0);
		assert_int_equal(ct_buf_put_u32(&b, 60), 0);
		assert_int_equal(ct_buf_put_cstring(&b, cases[i].name), 0);
		request(f, CT_PS_ADMIT, 2, &b);
		ct_buf_release(&b);
		assert_refused(f, 2, "ADMIT", cases[i].why);
	}
}

static void
test_admit_long_name(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;
	char *name = malloc(2001);

	assert_non_null(name);
	memset(name, 'a', 2000);
	name[2000] = '\0';
	ready(f);
	enc_admit(&b, AF_INET, "192.0.2.1", 60, name);
	free(name);
	request(f, CT_PS_ADMIT, 2, &b);
	ct_buf_release(&b);
	assert_refused(f, 2, "ADMIT", "bad name");
}

static void
test_admit_trailing(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;

	ready(f);
	enc_admit(&b, AF_INET, "192.0.2.1", 60, "api.example.com");
	assert_int_equal(ct_buf_put_u8(&b, 0), 0);
	request(f, CT_PS_ADMIT, 2, &b);
	ct_buf_release(&b);
	assert_refused(f, 2, "ADMIT", "trailing octets");
}

static void
test_event_verdict_lie(void **state)
{
	struct fx *f = *state;
	struct ct_dns_event ev;
	struct ct_dns_answer ans[2];
	const char *chain[2];

	ready(f);
	make_event(&ev, ans, chain);
	/* "allow" for a name the policy denies */
	ev.qname = "evil.org";
	chain[0] = "evil.org";
	send_event(f, 2, &ev);
	assert_refused(f, 2, "EVENT", "is not the policy's");
	assert_int_equal(f->nev, 0);
}

static void
test_event_bad_answer(void **state)
{
	struct fx *f = *state;
	struct ct_dns_event ev;
	struct ct_dns_answer ans[2];
	const char *chain[2];

	ready(f);
	make_event(&ev, ans, chain);
	/* an A record claiming to be IPv6 */
	ans[1].family = AF_INET6;
	send_event(f, 2, &ev);
	assert_refused(f, 2, "EVENT", "answer type 1 with family");
	assert_int_equal(f->nev, 0);
}

static void
test_event_bad_counts(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;

	ready(f);
	/* an event whose answer count claims more than the parser can ever produce */
	ct_buf_init(&b, 4096);
	assert_int_equal(ct_buf_put_u64(&b, (uint64_t)ct_now_us()), 0);
	assert_int_equal(ct_buf_put_u64(&b, 0), 0);
	assert_int_equal(ct_buf_put_u32(&b, IPPROTO_UDP), 0);
	assert_int_equal(ct_buf_put_u32(&b, 0), 0);
	assert_int_equal(ct_buf_put_string(&b, "", 0), 0);
	assert_int_equal(ct_buf_put_u32(&b, 53), 0);
	assert_int_equal(ct_buf_put_u32(&b, 1), 0);
	assert_int_equal(ct_buf_put_cstring(&b, "api.example.com"), 0);
	assert_int_equal(ct_buf_put_u32(&b, CT_DNS_T_A), 0);
	assert_int_equal(ct_buf_put_u32(&b, CT_DNS_ALLOW), 0);
	assert_int_equal(ct_buf_put_u32(&b, 1), 0);
	assert_int_equal(ct_buf_put_u32(&b, 0), 0);
	assert_int_equal(ct_buf_put_string(&b, "", 0), 0);
	assert_int_equal(ct_buf_put_u32(&b, 0), 0);		/* chain */
	assert_int_equal(ct_buf_put_u32(&b, 100000), 0);	/* answers */
	request(f, CT_PS_EVENT, 2, &b);
	ct_buf_release(&b);
	assert_refused(f, 2, "EVENT", "bad answer count");
}

static void
test_event_time(void **state)
{
	struct fx *f = *state;
	struct ct_dns_event ev;
	struct ct_dns_answer ans[2];
	const char *chain[2];

	int64_t before, after;

	/* the child's time stamp is not believed: the record gets the parent's clock */
	ready(f);
	make_event(&ev, ans, chain);
	ev.time_us += 3600LL * 1000000;
	before = ct_now_us();
	send_event(f, 2, &ev);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), 0);
	after = ct_now_us();
	assert_int_equal(reply(f, 2, NULL), CT_PS_OK);
	assert_int_equal(f->nev, 1);
	assert_true(f->ev_time_us >= before - ev.duration_us &&
	    f->ev_time_us <= after - ev.duration_us);
}

static void
test_nothing_after_a_refusal(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;

	ready(f);
	enc_admit(&b, AF_INET, "203.0.113.66", 60, "evil.org");
	request(f, CT_PS_ADMIT, 2, &b);
	ct_buf_release(&b);
	assert_refused(f, 2, "ADMIT", "not allowed");
	/* even a request that would have been fine */
	enc_admit(&b, AF_INET, "192.0.2.1", 60, "api.example.com");
	request(f, CT_PS_ADMIT, 3, &b);
	ct_buf_release(&b);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), CT_ERR_PERM);
	assert_int_equal(reply(f, 3, NULL), CT_PS_REFUSED);
	assert_int_equal(f->nadm, 0);
	assert_int_equal(f->pp.refused, 2);
}

/* READY with a failure: the child's reason, not a refusal. */
static void
test_ready_failure(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;

	ct_buf_init(&b, 256);
	assert_int_equal(ct_buf_put_u32(&b, 1), 0);
	assert_int_equal(ct_buf_put_cstring(&b, "cannot chroot\x01"), 0);
	request(f, CT_PS_READY, 1, &b);
	ct_buf_release(&b);
	assert_int_equal(ct_privsep_parent_serve(&f->pp), CT_ERR_SYSTEM);
	assert_string_equal(f->pp.why, "cannot chroot?");
	assert_int_equal(f->pp.state, CT_PS_STATE_DEAD);
	assert_int_equal(f->nincident, 0);
}

/* ---- the child's client against a serving parent ---- */

static void *
serve_thread(void *arg)
{
	struct fx *f = arg;

	while (ct_privsep_parent_serve(&f->pp) == 0)
		;
	return NULL;
}

static void
test_call(void **state)
{
	struct fx *f = *state;
	struct ct_privsep_child *c;
	struct ct_buf b;
	pthread_t t;
	uint32_t st, v;
	uint8_t a[4] = { 198, 51, 100, 9 };

	assert_int_equal(pthread_create(&t, NULL, serve_thread, f), 0);
	assert_int_equal(ct_privsep_child_new(f->sp[1], &c), 0);
	ct_buf_init(&b, CT_PRIVSEP_MSG_MAX);
	assert_int_equal(ct_buf_put_u32(&b, 0), 0);
	assert_int_equal(ct_buf_put_string(&b, "", 0), 0);
	assert_int_equal(ct_privsep_call(c, CT_PS_READY, b.data, b.len, &st, NULL), 0);
	assert_int_equal(st, CT_PS_OK);
	ct_buf_reset(&b);
	assert_int_equal(ct_privsep_enc_check(&b, "x.example.com", CT_DNS_T_AAAA), 0);
	assert_int_equal(ct_privsep_call(c, CT_PS_CHECK, b.data, b.len, &st, &v), 0);
	assert_int_equal(v, CT_DNS_ALLOW);
	ct_buf_reset(&b);
	assert_int_equal(ct_privsep_enc_admit(&b, AF_INET, a, 60, "evil.org"), 0);
	assert_int_equal(ct_privsep_call(c, CT_PS_ADMIT, b.data, b.len, &st, NULL), 0);
	assert_int_equal(st, CT_PS_REFUSED);
	/* the child's client gives up after a refusal */
	ct_buf_reset(&b);
	assert_int_equal(ct_privsep_enc_check(&b, "x.example.com", CT_DNS_T_A), 0);
	assert_int_equal(ct_privsep_call(c, CT_PS_CHECK, b.data, b.len, &st, &v), CT_ERR_NET);
	ct_buf_release(&b);
	shutdown(f->sp[1], SHUT_RDWR);
	pthread_join(t, NULL);
	ct_privsep_child_free(c);
	assert_int_equal(f->nadm, 0);
	assert_int_equal(f->nincident, 1);
}

static void
test_config_round_trip(void **state)
{
	struct fx *f = *state;
	struct ct_privsep_config c, d;

	memset(&c, 0, sizeof(c));
	c.enforce = 1;
	c.deny_rcode = 5;
	c.timeout_ms = 3000;
	c.nlisten = 2;
	c.port = 5353;
	c.uid = c.gid = 0x60000001;
	c.family = AF_INET;
	memcpy(c.addr, "\x7f\x00\x00\x01", 4);
	c.upstream_port = 53;
	assert_int_equal(ct_privsep_send_config(f->sp[0], &c), 0);
	assert_int_equal(ct_privsep_recv_config(f->sp[1], 1000, &d), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	/* a request where the configuration is expected */
	forge(f, CT_PRIVSEP_VERSION, CT_PS_READY, 1, 0, NULL, 0);
	assert_int_equal(ct_privsep_recv_config(f->sp[0], 1000, &d), CT_ERR_FORMAT);
}

/* ---- the sandbox, in a forked process ---- */

/*
 * Lock a child down, check what it may still do, then (what) try one thing it may not:
 * returns the child's wait status.
 */
static int
sandboxed(int what)
{
	uid_t uid = geteuid() == 0 ? ct_privsep_pick_uid() : geteuid();
	pid_t pid;
	int st = 0, fd;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "true", NULL }, *envp[] = { NULL };

		if (ct_privsep_sandbox(uid, (gid_t)uid, 64, 64) != 0)
			_exit(10);
		if (getuid() != uid || geteuid() != uid || getgid() != (gid_t)uid)
			_exit(11);
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			_exit(12);
		/* files: none to see, and opening fails without killing */
		if ((fd = open("/etc/passwd", O_RDONLY)) >= 0 || errno != EACCES)
			_exit(13);
		/* the sockets the proxy needs */
		if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) < 0)
			_exit(14);
		close(fd);
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
			_exit(15);
		close(fd);
		switch (what) {
		case 0:
			_exit(0);
		case 1:
			execve("/bin/true", argv, envp);
			break;
		case 2:
			(void)socket(AF_UNIX, SOCK_STREAM, 0);
			break;
		case 3:
			(void)syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, getppid(), 0, 0);
			break;
		case 4:
			(void)kill(getppid(), 0);
			break;
		case 5:
			(void)syscall(SYS_bpf, 0, NULL, 0);
			break;
		case 6:
			if (setuid(0) == 0)
				_exit(21);
			break;
		case 7:
			(void)socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);	/* a ping socket */
			break;
		case 8:
			(void)socket(AF_INET6, SOCK_RAW, IPPROTO_UDP);
			break;
		case 9:
			(void)socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
			break;
		}
		_exit(20);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void
test_sandbox_allows_what_the_proxy_needs(void **state)
{
	int st = sandboxed(0);

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_sandbox_kills_the_rest(void **state)
{
	int what, st;

	(void)state;
	/* execve, a unix socket, ptrace, kill, bpf, setuid, ping, raw and MPTCP sockets */
	for (what = 1; what <= 9; what++) {
		st = sandboxed(what);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
			fail_msg("case %d: wait status %#x, not killed by SIGSYS", what, st);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_session),
		T(test_event_round_trip),
		T(test_event_too_big_for_one_message),
		T(test_forged_header),
		T(test_forged_version),
		T(test_forged_type),
		T(test_forged_length),
		T(test_forged_oversized),
		T(test_forged_sequence),
		T(test_forged_state),
		T(test_admit_outside_policy),
		T(test_admit_metadata),
		T(test_admit_bad_fields),
		T(test_admit_long_name),
		T(test_admit_trailing),
		T(test_event_verdict_lie),
		T(test_event_bad_answer),
		T(test_event_bad_counts),
		T(test_event_time),
		T(test_nothing_after_a_refusal),
		T(test_ready_failure),
		T(test_call),
		T(test_config_round_trip),
		cmocka_unit_test(test_sandbox_allows_what_the_proxy_needs),
		cmocka_unit_test(test_sandbox_kills_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
