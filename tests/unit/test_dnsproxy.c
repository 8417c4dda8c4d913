/*
 * test_dnsproxy.c - the DNS proxy library against a real dnsmasq started here: admission
 * per matching rule port with the TTL floor, never for metadata addresses; fail closed when
 * admission fails (enforce) and not in audit; the name map through IPv4-mapped lookups; an
 * IPv6 listener; answers with a wrong ID or question ignored (a UDP peer in this test sends
 * them, as an off-path spoofer would); a stop with a query stuck on a silent upstream; the
 * configuration errors, resolv.conf and ADDR:PORT parsing, and the JSON event fields.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/dnsmsg.h"
#include "lib/dnsproxy.h"
#include "lib/netpolicy.h"
#include "util/err.h"

#define MAXREC 64

struct rec {
	pthread_mutex_t mu;
	struct {
		char qname[256];
		int verdict, rcode, family;
		char error[256];
	} ev[MAXREC];
	size_t nev;
	struct {
		int family;
		uint8_t addr[16];
		uint16_t port;
		uint32_t ttl;
		char name[256];
	} adm[MAXREC];
	size_t nadm;
	int fail_admit;
};

static pid_t dnsmasq_pid;
static uint16_t dnsmasq_port;

static uint16_t
free_port(void)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/*
 * Send a query to 127.0.0.1 or ::1 port `port`; the reply's length, or 0 when none came in
 * `wait_ms` (a readiness probe, not an assertion).
 */
static size_t
ask_wait(int family, uint16_t port, const char *name, uint16_t qtype, uint8_t *ans,
    size_t anssz, int wait_ms)
{
	struct sockaddr_storage ss;
	struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };
	uint8_t q[512];
	size_t qlen;
	ssize_t k;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
	}
	assert_int_equal(ct_dns_build_query(0x4242, name, qtype, q, sizeof(q), &qlen), 0);
	fd = socket(family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(sendto(fd, q, qlen, 0, (struct sockaddr *)&ss,
	    family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)),
	    (ssize_t)qlen);
	k = recv(fd, ans, anssz, 0);
	close(fd);
	return k > 0 ? (size_t)k : 0;
}

static size_t
ask(int family, uint16_t port, const char *name, uint16_t qtype, uint8_t *ans, size_t anssz)
{
	return ask_wait(family, port, name, qtype, ans, anssz, 10000);
}

static int
setup_dnsmasq(void **state)
{
	uint8_t ans[512];
	char port[32];
	int i;

	(void)state;
	dnsmasq_port = free_port();
	snprintf(port, sizeof(port), "--port=%u", dnsmasq_port);
	if ((dnsmasq_pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/sbin/dnsmasq", "dnsmasq", "--no-daemon", "--user=root", port,
		    "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
		    "--log-facility=-", "--host-record=api.example.com,127.0.0.3,::3,300",
		    "--host-record=low.example.com,127.0.0.4,2",
		    "--host-record=meta.example.com,169.254.169.254,300", (char *)NULL);
		_exit(127);
	}
	/* ready when it answers */
	for (i = 0; i < 100; i++) {
		if (ask_wait(AF_INET, dnsmasq_port, "api.example.com", CT_DNS_T_A, ans,
		    sizeof(ans), 100) > 0)
			return 0;
		usleep(100000);
	}
	return -1;
}

static int
teardown_dnsmasq(void **state)
{
	(void)state;
	kill(dnsmasq_pid, SIGTERM);
	waitpid(dnsmasq_pid, NULL, 0);
	return 0;
}

static void
on_event(const struct ct_dns_event *ev, void *arg)
{
	struct rec *r = arg;

	pthread_mutex_lock(&r->mu);
	if (r->nev < MAXREC) {
		snprintf(r->ev[r->nev].qname, 256, "%s", ev->qname);
		snprintf(r->ev[r->nev].error, 256, "%s", ev->error != NULL ? ev->error : "");
		r->ev[r->nev].verdict = ev->verdict;
		r->ev[r->nev].rcode = ev->rcode;
		r->ev[r->nev].family = ev->client_family;
		r->nev++;
	}
	pthread_mutex_unlock(&r->mu);
}

static int
on_admit(int family, const uint8_t *addr, uint16_t port, uint32_t ttl, const char *name,
    void *arg)
{
	struct rec *r = arg;

	pthread_mutex_lock(&r->mu);
	if (r->nadm < MAXREC) {
		r->adm[r->nadm].family = family;
		memcpy(r->adm[r->nadm].addr, addr, family == AF_INET ? 4 : 16);
		r->adm[r->nadm].port = port;
		r->adm[r->nadm].ttl = ttl;
		snprintf(r->adm[r->nadm].name, 256, "%s", name);
		r->nadm++;
	}
	pthread_mutex_unlock(&r->mu);
	return r->fail_admit ? -1 : 0;
}

static void
config(struct ct_dnsproxy_config *cfg, struct rec *r, const struct ct_netpolicy *p, int enforce,
    uint16_t upstream_port)
{
	char up[32];

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	ct_dnsproxy_config_init(cfg);
	assert_int_equal(ct_dns_parse_addrport("127.0.0.1:0", 0, &cfg->listen[0]), 0);
	cfg->nlisten = 1;
	snprintf(up, sizeof(up), "127.0.0.1:%u", upstream_port);
	assert_int_equal(ct_dns_parse_addrport(up, 53, &cfg->upstream), 0);
	cfg->policy = p;
	cfg->enforce = enforce;
	cfg->on_event = on_event;
	cfg->admit = on_admit;
	cfg->arg = r;
}

static struct ct_netpolicy *
policy(const char *const *rules)
{
	struct ct_netpolicy *p;

	assert_int_equal(ct_netpolicy_new(&p), 0);
	for (; *rules != NULL; rules++)
		assert_int_equal(ct_netpolicy_add_rule(p, *rules), 0);
	return p;
}

static int
rcode_of(const uint8_t *ans, size_t n)
{
	assert_true(n >= 12);
	return ans[3] & 0x0f;
}

static void
test_admission_and_names(void **state)
{
	static const char *rules[] = { "*.example.com:443", "api.example.com", NULL };
	struct ct_netpolicy *p = policy(rules);
	struct ct_dnsproxy_config cfg;
	struct ct_dnsproxy *px;
	struct rec *r = calloc(1, sizeof(*r));
	struct ct_dns_msg m;
	uint8_t ans[4096], a4[4], a6[16];
	char **names;
	size_t n, nn;

	(void)state;
	config(&cfg, r, p, 1, dnsmasq_port);
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), 0);
	assert_true(ct_dnsproxy_port(px) != 0);

	n = ask(AF_INET, ct_dnsproxy_port(px), "api.example.com", CT_DNS_T_A, ans, sizeof(ans));
	assert_int_equal(rcode_of(ans, n), 0);
	assert_int_equal(ct_dns_parse(ans, n, &m), 0);
	assert_int_equal(m.id, 0x4242);			/* the client's ID is restored */
	assert_int_equal(m.nan, 1);
	ct_dns_msg_release(&m);
	/* one admission per matching rule's port: 443 (wildcard), 0 (exact name) */
	assert_int_equal(r->nadm, 2);
	assert_memory_equal(r->adm[0].addr, "\x7f\0\0\x03", 4);
	assert_int_equal(r->adm[0].port, 443);
	assert_int_equal(r->adm[0].ttl, 300);
	assert_string_equal(r->adm[0].name, "api.example.com");
	assert_int_equal(r->adm[1].port, 0);

	/* TTL 2 is raised to the floor */
	n = ask(AF_INET, ct_dnsproxy_port(px), "low.example.com", CT_DNS_T_A, ans, sizeof(ans));
	assert_int_equal(rcode_of(ans, n), 0);
	assert_int_equal(r->nadm, 3);
	assert_int_equal(r->adm[2].ttl, CT_DNSPROXY_TTL_FLOOR);
	assert_int_equal(r->adm[2].port, 443);

	/* a metadata address is relayed but never admitted */
	n = ask(AF_INET, ct_dnsproxy_port(px), "meta.example.com", CT_DNS_T_A, ans, sizeof(ans));
	assert_int_equal(rcode_of(ans, n), 0);
	assert_int_equal(r->nadm, 3);

	/* the name map, through IPv4 and IPv4-mapped IPv6 */
	inet_pton(AF_INET, "127.0.0.3", a4);
	assert_int_equal(ct_dnsproxy_names_for_addr(px, AF_INET, a4, &names, &nn), 0);
	assert_int_equal(nn, 1);
	assert_string_equal(names[0], "api.example.com");
	ct_dnsproxy_names_free(names, nn);
	inet_pton(AF_INET6, "::ffff:127.0.0.3", a6);
	assert_int_equal(ct_dnsproxy_names_for_addr(px, AF_INET6, a6, &names, &nn), 0);
	assert_int_equal(nn, 1);
	assert_string_equal(names[0], "api.example.com");
	ct_dnsproxy_names_free(names, nn);
	/* ::3 was never asked for: a direct-IP address */
	inet_pton(AF_INET6, "::3", a6);
	assert_int_equal(ct_dnsproxy_names_for_addr(px, AF_INET6, a6, &names, &nn), 0);
	assert_int_equal(nn, 0);
	assert_null(names);
	inet_pton(AF_INET, "169.254.169.254", a4);
	assert_int_equal(ct_dnsproxy_names_for_addr(px, AF_INET, a4, &names, &nn), 0);
	assert_int_equal(nn, 1);
	assert_string_equal(names[0], "meta.example.com");
	ct_dnsproxy_names_free(names, nn);
	assert_int_equal(ct_dnsproxy_names_for_addr(px, AF_UNIX, a4, &names, &nn), CT_ERR_INVALID);

	/* outside the allowlist */
	n = ask(AF_INET, ct_dnsproxy_port(px), "example.com", CT_DNS_T_A, ans, sizeof(ans));
	assert_int_equal(rcode_of(ans, n), CT_DNS_RCODE_REFUSED);
	ct_dnsproxy_stop(px);
	assert_int_equal(r->nev, 4);
	assert_string_equal(r->ev[3].qname, "example.com");
	assert_int_equal(r->ev[3].verdict, CT_DNS_DENY);
	ct_netpolicy_free(p);
	free(r);
}

static void
test_admission_failure(void **state)
{
	static const char *rules[] = { "api.example.com", NULL };
	struct ct_netpolicy *p = policy(rules);
	struct ct_dnsproxy_config cfg;
	struct ct_dnsproxy *px;
	struct rec *r = calloc(1, sizeof(*r));
	uint8_t ans[4096];
	size_t n;

	(void)state;
	/* enforce: an address that cannot be admitted is not given to the agent */
	config(&cfg, r, p, 1, dnsmasq_port);
	r->fail_admit = 1;
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), 0);
	n = ask(AF_INET, ct_dnsproxy_port(px), "api.example.com", CT_DNS_T_A, ans, sizeof(ans));
	assert_int_equal(rcode_of(ans, n), CT_DNS_RCODE_SERVFAIL);
	ct_dnsproxy_stop(px);
	assert_int_equal(r->nev, 1);
	assert_string_equal(r->ev[0].error, "cannot admit the answer's addresses");
	assert_int_equal(r->ev[0].rcode, CT_DNS_RCODE_SERVFAIL);

	/* audit: the answer goes through */
	config(&cfg, r, p, 0, dnsmasq_port);
	r->fail_admit = 1;
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), 0);
	n = ask(AF_INET, ct_dnsproxy_port(px), "api.example.com", CT_DNS_T_A, ans, sizeof(ans));
	assert_int_equal(rcode_of(ans, n), 0);
	ct_dnsproxy_stop(px);
	assert_string_equal(r->ev[0].error, "");
	ct_netpolicy_free(p);
	free(r);
}

static void
test_ipv6_listener(void **state)
{
	struct ct_dnsproxy_config cfg;
	struct ct_dnsproxy *px;
	struct rec *r = calloc(1, sizeof(*r));
	uint8_t ans[4096];
	size_t n;

	(void)state;
	/* no policy: every name allowed, and admitted for any port */
	config(&cfg, r, NULL, 0, dnsmasq_port);
	assert_int_equal(ct_dns_parse_addrport("[::1]:0", 0, &cfg.listen[1]), 0);
	cfg.nlisten = 2;
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), 0);
	n = ask(AF_INET6, ct_dnsproxy_port(px), "api.example.com", CT_DNS_T_AAAA, ans,
	    sizeof(ans));
	assert_int_equal(rcode_of(ans, n), 0);
	n = ask(AF_INET, ct_dnsproxy_port(px), "api.example.com", CT_DNS_T_AAAA, ans,
	    sizeof(ans));
	assert_int_equal(rcode_of(ans, n), 0);
	ct_dnsproxy_stop(px);
	assert_int_equal(r->nev, 2);
	assert_int_equal(r->ev[0].family, AF_INET6);
	assert_int_equal(r->ev[0].verdict, CT_DNS_ALLOW);
	assert_int_equal(r->ev[1].family, AF_INET);
	assert_int_equal(r->nadm, 2);
	assert_int_equal(r->adm[0].family, AF_INET6);
	assert_memory_equal(r->adm[0].addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x03", 16);
	assert_int_equal(r->adm[0].port, 0);
	free(r);
}

/* A resolver that answers each query three times: wrong ID, wrong question, right. */
struct spoofer {
	int fd;
	uint16_t port;
};

static void *
spoofer_main(void *arg)
{
	struct spoofer *s = arg;
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	uint8_t q[512], a[512];
	size_t alen, i;
	ssize_t k;

	k = recvfrom(s->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
	if (k <= 0)
		return NULL;
	for (i = 0; i < 3; i++) {
		static const uint8_t addrs[3][4] = { { 6, 6, 6, 6 }, { 7, 7, 7, 7 },
			{ 192, 0, 2, 1 } };

		if (i == 1) {
			/* right ID, another question */
			if (ct_dns_build_query(0, "other.example.com", CT_DNS_T_A, a, sizeof(a),
			    &alen) != 0)
				return NULL;
			memcpy(a, q, 2);
		} else {
			memcpy(a, q, (size_t)k);
			alen = (size_t)k;
		}
		if (i == 0)
			a[1] ^= 0x55;				/* wrong ID */
		a[2] |= 0x80;					/* QR */
		a[7] = 1;					/* ANCOUNT 1 */
		a[alen++] = 0xc0;
		a[alen++] = 0x0c;
		memcpy(a + alen, "\0\x01\0\x01\0\0\x01\x2c\0\x04", 10);
		alen += 10;
		memcpy(a + alen, addrs[i], 4);
		alen += 4;
		sendto(s->fd, a, alen, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static void
test_spoofed_answers_ignored(void **state)
{
	struct ct_dnsproxy_config cfg;
	struct ct_dnsproxy *px;
	struct rec *r = calloc(1, sizeof(*r));
	struct sockaddr_in a;
	struct spoofer s;
	struct ct_dns_msg m;
	pthread_t t;
	socklen_t l = sizeof(a);
	uint8_t ans[4096], six[4] = { 6, 6, 6, 6 };
	char **names;
	size_t n, nn;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s.fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(s.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s.fd, (struct sockaddr *)&a, &l), 0);
	s.port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&t, NULL, spoofer_main, &s), 0);
	config(&cfg, r, NULL, 1, s.port);
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), 0);
	n = ask(AF_INET, ct_dnsproxy_port(px), "victim.example.com", CT_DNS_T_A, ans, sizeof(ans));
	assert_int_equal(ct_dns_parse(ans, n, &m), 0);
	assert_int_equal(m.nan, 1);
	assert_memory_equal(m.an[0].addr, "\xc0\0\x02\x01", 4);
	ct_dns_msg_release(&m);
	assert_int_equal(ct_dnsproxy_names_for_addr(px, AF_INET, six, &names, &nn), 0);
	assert_int_equal(nn, 0);
	ct_dnsproxy_stop(px);
	assert_int_equal(r->nadm, 1);
	assert_memory_equal(r->adm[0].addr, "\xc0\0\x02\x01", 4);
	pthread_join(t, NULL);
	close(s.fd);
	free(r);
}

static void
test_stop_with_query_in_flight(void **state)
{
	struct ct_dnsproxy_config cfg;
	struct ct_dnsproxy_stats st;
	struct ct_dnsproxy *px;
	struct rec *r = calloc(1, sizeof(*r));
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	uint8_t q[512];
	size_t qlen;
	int silent, c, i;

	(void)state;
	/* an upstream that takes queries and never answers */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	silent = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(silent, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(silent, (struct sockaddr *)&a, &l), 0);
	config(&cfg, r, NULL, 1, ntohs(a.sin_port));
	cfg.timeout_ms = 600000;	/* the stop, not the timeout, must end the wait */
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), 0);
	a.sin_port = htons(ct_dnsproxy_port(px));
	c = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ct_dns_build_query(1, "stuck.example", CT_DNS_T_A, q, sizeof(q), &qlen),
	    0);
	assert_int_equal(sendto(c, q, qlen, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)qlen);
	for (i = 0; i < 1000; i++) {
		ct_dnsproxy_get_stats(px, &st);
		if (st.forwarded == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(st.forwarded, 1);
	ct_dnsproxy_stop(px);
	/* a query cut short by the stop is not reported as an answer */
	assert_int_equal(r->nev, 0);
	close(c);
	close(silent);
	free(r);
}

static void
test_config_errors(void **state)
{
	struct ct_dnsproxy_config cfg;
	struct ct_dnsproxy *px;
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	config(&cfg, r, NULL, 0, 53);
	cfg.nlisten = 0;
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), CT_ERR_INVALID);
	assert_null(px);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID),
	    "the dns proxy needs 1 to 4 listen addresses");
	config(&cfg, r, NULL, 0, 53);
	assert_int_equal(ct_dns_parse_addrport("10.0.0.1:5353", 0, &cfg.listen[0]), 0);
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID),
	    "the dns proxy listens on loopback only, not '10.0.0.1:5353'");
	config(&cfg, r, NULL, 0, 0);
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID),
	    "the upstream resolver needs a port other than 0");
	config(&cfg, r, NULL, 0, 53);
	memset(&cfg.upstream, 0, sizeof(cfg.upstream));
	assert_int_equal(ct_dnsproxy_start(&cfg, &px), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID), "no upstream resolver for the dns proxy");
	/* forwarding to itself */
	config(&cfg, r, NULL, 0, 53);
	{
		uint16_t p = free_port();
		char me[96];

		snprintf(me, sizeof(me), "127.0.0.1:%u", p);
		assert_int_equal(ct_dns_parse_addrport(me, 0, &cfg.listen[0]), 0);
		assert_int_equal(ct_dns_parse_addrport(me, 0, &cfg.upstream), 0);
		assert_int_equal(ct_dnsproxy_start(&cfg, &px), CT_ERR_INVALID);
		snprintf(me, sizeof(me), "the upstream resolver 127.0.0.1:%u is the dns proxy itself",
		    p);
		assert_string_equal(ct_errmsg(CT_ERR_INVALID), me);
	}
	ct_dnsproxy_stop(NULL);
	free(r);
}

static void
test_addrport_and_resolv_conf(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "192.0.2.53", "192.0.2.53:53" }, { "192.0.2.53:5353", "192.0.2.53:5353" },
		{ "::1", "[::1]:53" }, { "[::1]:5353", "[::1]:5353" }, { "[2001:db8::1]", "[2001:db8::1]:53" },
		{ "127.0.0.1:0", "127.0.0.1:0" },
	};
	static const char *bad[] = { "", "host:53", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:x",
		"[::1", "[::1]x", "[1.2.3.4]:53", "[]:53", "::1]:53", "1.2.3.4:-1" };
	struct sockaddr_storage ss;
	char text[80], path[] = "/tmp/ct-resolv.XXXXXX";
	size_t i;
	FILE *f;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ct_dns_parse_addrport(ok[i].in, 53, &ss), 0);
		ct_dns_fmt_addrport(&ss, text, sizeof(text));
		assert_string_equal(text, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ct_dns_parse_addrport(bad[i], 53, &ss) != CT_ERR_INVALID)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(ss.ss_family, 0);
	}
	assert_string_equal(ct_errmsg(CT_ERR_INVALID),
	    "invalid address '1.2.3.4:-1' (expected ADDR, ADDR:PORT or [IPV6]:PORT)");

	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fprintf(f, "# generated\n; comment\nsearch example.com\noptions ndots:2\n"
	    "nameserver not-an-address\n\tnameserver   fe80::1%%lo # link-local\n"
	    "nameserver 192.0.2.53\n");
	fclose(f);
	assert_int_equal(ct_dns_upstream_from_resolv_conf(path, &ss), 0);
	ct_dns_fmt_addrport(&ss, text, sizeof(text));
	assert_string_equal(text, "[fe80::1]:53");
	assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, if_nametoindex("lo"));
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "search example.com\nnameserverx 192.0.2.1\n");
	fclose(f);
	assert_int_equal(ct_dns_upstream_from_resolv_conf(path, &ss), CT_ERR_NOTFOUND);
	unlink(path);
	assert_int_equal(ct_dns_upstream_from_resolv_conf(path, &ss), CT_ERR_SYSTEM);
}

static void
test_event_json(void **state)
{
	struct ct_dns_answer an[2];
	const char *chain[] = { "www.example.com", "api.example.com" };
	struct ct_dns_event ev;
	json_t *o;
	char *s;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	memset(an, 0, sizeof(an));
	ev.time_us = 1764106218123456LL;
	ev.duration_us = 812;
	ev.proto = IPPROTO_TCP;
	ev.client_family = AF_INET;
	memcpy(ev.client_addr, "\x7f\0\0\x01", 4);
	ev.client_port = 40000;
	ev.id = 7;
	ev.qname = "www.example.com";
	ev.qtype = CT_DNS_T_A;
	ev.verdict = CT_DNS_ALLOW;
	ev.rcode = 0;
	an[0].name = "www.example.com";
	an[0].type = CT_DNS_T_CNAME;
	an[0].ttl = 120;
	an[0].target = "api.example.com";
	an[1].name = "api.example.com";
	an[1].type = CT_DNS_T_A;
	an[1].ttl = 300;
	an[1].family = AF_INET;
	memcpy(an[1].addr, "\x7f\0\0\x03", 4);
	ev.answers = an;
	ev.nanswers = 2;
	ev.chain = chain;
	ev.nchain = 2;
	ev.upstream_tcp = 1;
	assert_non_null(o = ct_dns_event_json(&ev));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"type\":\"dns\",\"time\":\"2025-11-25T21:30:18.123456Z\","
	    "\"proto\":\"tcp\",\"client\":\"127.0.0.1\",\"client_port\":40000,\"id\":7,"
	    "\"qname\":\"www.example.com\",\"qtype\":\"A\",\"verdict\":\"allow\","
	    "\"rcode\":\"NOERROR\",\"answers\":[{\"name\":\"www.example.com\",\"type\":\"CNAME\","
	    "\"ttl\":120,\"data\":\"api.example.com\"},{\"name\":\"api.example.com\","
	    "\"type\":\"A\",\"ttl\":300,\"data\":\"127.0.0.3\"}],"
	    "\"chain\":[\"www.example.com\",\"api.example.com\"],\"upstream_tcp\":true,"
	    "\"duration_us\":812,\"error\":null}");
	free(s);
	json_decref(o);
	/* no answer sent, no question */
	ev.rcode = -1;
	ev.qname = "";
	ev.nanswers = ev.nchain = 0;
	ev.error = "malformed query: x";
	assert_non_null(o = ct_dns_event_json(&ev));
	assert_true(json_is_null(json_object_get(o, "rcode")));
	assert_true(json_is_null(json_object_get(o, "qtype")));
	assert_string_equal(json_string_value(json_object_get(o, "error")), "malformed query: x");
	json_decref(o);
	assert_string_equal(ct_dns_verdict_name(CT_DNS_AUDIT), "audit");
	assert_string_equal(ct_dns_verdict_name(CT_DNS_DENY), "deny");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admission_and_names),
		cmocka_unit_test(test_admission_failure),
		cmocka_unit_test(test_ipv6_listener),
		cmocka_unit_test(test_spoofed_answers_ignored),
		cmocka_unit_test(test_stop_with_query_in_flight),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_addrport_and_resolv_conf),
		cmocka_unit_test(test_event_json),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup_dnsmasq, teardown_dnsmasq);
}
