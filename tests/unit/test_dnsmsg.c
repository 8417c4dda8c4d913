/*
 * test_dnsmsg.c - the DNS parser on hand-built messages: compression (backwards only, loops,
 * forward and self pointers, hop limit), names at and past 255 octets, reserved label types,
 * every truncation of valid messages (each prefix copied to an exact-size heap block so
 * ASan sees any over-read), counts and RDLENGTHs that lie, CNAME chains (order, TTL,
 * records off the chain, loops, length limit), escaping, EDNS, and the reply builders.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "lib/dnsmsg.h"
#include "util/err.h"

struct mb {
	uint8_t b[70000];
	size_t n;
};

static void
p8(struct mb *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void
p16(struct mb *m, unsigned v)
{
	p8(m, v >> 8);
	p8(m, v);
}

static void
p32(struct mb *m, uint32_t v)
{
	p16(m, v >> 16);
	p16(m, v & 0xffff);
}

/* an uncompressed name from "a.b.c" ("" is the root) */
static void
pname(struct mb *m, const char *s)
{
	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);

		p8(m, (unsigned)n);
		memcpy(m->b + m->n, s, n);
		m->n += n;
		s += n;
		if (*s == '.')
			s++;
	}
	p8(m, 0);
}

static void
pptr(struct mb *m, unsigned off)
{
	p16(m, 0xc000 | off);
}

static void
hdr(struct mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
    unsigned ar)
{
	m->n = 0;
	p16(m, id);
	p16(m, flags);
	p16(m, qd);
	p16(m, an);
	p16(m, ns);
	p16(m, ar);
}

/* a record header after its owner name */
static void
rr(struct mb *m, unsigned type, unsigned cls, uint32_t ttl, unsigned rdlen)
{
	p16(m, type);
	p16(m, cls);
	p32(m, ttl);
	p16(m, rdlen);
}

static int
parse(const struct mb *m, size_t len, struct ct_dns_msg *out)
{
	/* an exact-size copy, so that any read past len is an ASan error */
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, m->b, len);
	r = ct_dns_parse(copy, len, out);
	free(copy);
	return r;
}

static void
parse_fails(const struct mb *m, int code, const char *msg)
{
	struct ct_dns_msg d;

	assert_int_equal(parse(m, m->n, &d), code);
	assert_string_equal(ct_errmsg(code), msg);
	assert_null(d.an);
}

/* www.example.com A: CNAME chain www -> a.cdn.net -> b.cdn.net, A + AAAA at the end */
static void
build_chain_answer(struct mb *m)
{
	size_t a_off;

	hdr(m, 0x1234, 0x8180, 1, 6, 0, 0);
	pname(m, "www.Example.COM");			/* offset 12 */
	p16(m, CT_DNS_T_A);
	p16(m, CT_DNS_C_IN);
	pptr(m, 12);
	rr(m, CT_DNS_T_CNAME, 1, 300, 11);
	a_off = m->n;
	pname(m, "a.cdn.net");				/* 11 octets */
	/* an unrelated record: not on the chain, must be ignored */
	pname(m, "evil.org");
	rr(m, CT_DNS_T_A, 1, 999, 4);
	p32(m, 0x0a0a0a0a);
	pptr(m, (unsigned)a_off);
	rr(m, CT_DNS_T_CNAME, 1, 60, 4);
	p8(m, 1);
	p8(m, 'b');
	pptr(m, (unsigned)a_off + 2);			/* "cdn.net" */
	/* b.cdn.net: label "b" then pointer to cdn.net */
	p8(m, 1);
	p8(m, 'b');
	pptr(m, (unsigned)a_off + 2);
	rr(m, CT_DNS_T_A, 1, 120, 4);
	p32(m, 0xc0000201);				/* 192.0.2.1 */
	p8(m, 1);
	p8(m, 'b');
	pptr(m, (unsigned)a_off + 2);
	rr(m, CT_DNS_T_AAAA, 1, 30, 16);
	p32(m, 0x20010db8);
	p32(m, 0);
	p32(m, 0);
	p32(m, 1);
	/* a CHAOS-class A record for the chain's end: not IN, ignored */
	p8(m, 1);
	p8(m, 'b');
	pptr(m, (unsigned)a_off + 2);
	rr(m, CT_DNS_T_A, 3, 120, 4);
	p32(m, 0x01010101);
}

static void
test_chain(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ct_dns_msg d;
	struct ct_dns_chain ch;
	char a[64];

	(void)state;
	build_chain_answer(m);
	assert_int_equal(parse(m, m->n, &d), 0);
	assert_int_equal(d.id, 0x1234);
	assert_int_equal(ct_dns_rcode(&d), 0);
	assert_string_equal(d.qname, "www.example.com");
	assert_int_equal(d.qtype, CT_DNS_T_A);
	assert_int_equal(d.nan, 6);
	assert_string_equal(d.an[0].name, "www.example.com");
	assert_string_equal(d.an[0].target, "a.cdn.net");
	assert_string_equal(d.an[2].name, "a.cdn.net");
	assert_string_equal(d.an[2].target, "b.cdn.net");
	assert_string_equal(d.an[3].name, "b.cdn.net");
	assert_int_equal(ct_dns_chain(&d, &ch), 0);
	assert_int_equal(ch.nnames, 3);
	assert_string_equal(ch.names[0], "www.example.com");
	assert_string_equal(ch.names[1], "a.cdn.net");
	assert_string_equal(ch.names[2], "b.cdn.net");
	assert_int_equal(ch.naddrs, 2);
	assert_int_equal(ch.addrs[0].family, AF_INET);
	inet_ntop(AF_INET, ch.addrs[0].addr, a, sizeof(a));
	assert_string_equal(a, "192.0.2.1");
	/* min(120, CNAME 300, CNAME 60) */
	assert_int_equal(ch.addrs[0].ttl, 60);
	assert_int_equal(ch.addrs[1].family, AF_INET6);
	inet_ntop(AF_INET6, ch.addrs[1].addr, a, sizeof(a));
	assert_string_equal(a, "2001:db8::1");
	assert_int_equal(ch.addrs[1].ttl, 30);
	ct_dns_msg_release(&d);
	free(m);
}

static void
test_chain_loop_and_limit(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ct_dns_msg d;
	struct ct_dns_chain ch;
	char name[32], next[32];
	int i;

	(void)state;
	/* a.example CNAME b.example, b.example CNAME a.example */
	hdr(m, 1, 0x8180, 1, 2, 0, 0);
	pname(m, "a.example");
	p16(m, 1);
	p16(m, 1);
	pname(m, "a.example");
	rr(m, CT_DNS_T_CNAME, 1, 5, 11);
	pname(m, "b.example");
	pname(m, "b.example");
	rr(m, CT_DNS_T_CNAME, 1, 5, 11);
	pname(m, "a.example");
	assert_int_equal(parse(m, m->n, &d), 0);
	assert_int_equal(ct_dns_chain(&d, &ch), CT_ERR_FORMAT);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), "cname chain loops at 'a.example'");
	ct_dns_msg_release(&d);

	/* a self-loop */
	hdr(m, 1, 0x8180, 1, 1, 0, 0);
	pname(m, "a.example");
	p16(m, 1);
	p16(m, 1);
	pptr(m, 12);
	rr(m, CT_DNS_T_CNAME, 1, 5, 2);
	pptr(m, 12);
	assert_int_equal(parse(m, m->n, &d), 0);
	assert_int_equal(ct_dns_chain(&d, &ch), CT_ERR_FORMAT);
	ct_dns_msg_release(&d);

	/* 16 CNAMEs are followed, the 17th is one too many */
	for (int len = 16; len <= 17; len++) {
		hdr(m, 1, 0x8180, 1, (unsigned)len + 1, 0, 0);
		pname(m, "n0.example");
		p16(m, 1);
		p16(m, 1);
		for (i = 0; i < len; i++) {
			snprintf(name, sizeof(name), "n%d.example", i);
			snprintf(next, sizeof(next), "n%d.example", i + 1);
			pname(m, name);
			rr(m, CT_DNS_T_CNAME, 1, 5, (unsigned)strlen(next) + 2);
			pname(m, next);
		}
		pname(m, next);
		rr(m, CT_DNS_T_A, 1, 5, 4);
		p32(m, 0x7f000001);
		assert_int_equal(parse(m, m->n, &d), 0);
		if (len == 16) {
			assert_int_equal(ct_dns_chain(&d, &ch), 0);
			assert_int_equal(ch.nnames, 17);
			assert_int_equal(ch.naddrs, 1);
		} else {
			assert_int_equal(ct_dns_chain(&d, &ch), CT_ERR_LIMIT);
			assert_string_equal(ct_errmsg(CT_ERR_LIMIT),
			    "cname chain longer than 16 records");
		}
		ct_dns_msg_release(&d);
	}
	/* no question: no chain */
	hdr(m, 1, 0x8180, 0, 0, 0, 0);
	assert_int_equal(parse(m, m->n, &d), 0);
	assert_int_equal(ct_dns_chain(&d, &ch), CT_ERR_INVALID);
	ct_dns_msg_release(&d);
	free(m);
}

static void
test_compression_pointers(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	char out[CT_DNS_NAME_TEXT_MAX];
	size_t off;
	int i;

	(void)state;
	/* the question's name is a pointer to itself */
	hdr(m, 1, 0, 1, 0, 0, 0);
	pptr(m, 12);
	p16(m, 1);
	p16(m, 1);
	parse_fails(m, CT_ERR_FORMAT, "dns name compression pointer does not point backwards");

	/* a forward pointer (to a valid name further on) */
	hdr(m, 1, 0, 1, 0, 0, 0);
	pptr(m, 18);
	p16(m, 1);
	p16(m, 1);
	pname(m, "x.example");
	parse_fails(m, CT_ERR_FORMAT, "dns name compression pointer does not point backwards");

	/* two names pointing at each other: the second pointer is forward of the first's
	 * target, so the loop is cut at once */
	hdr(m, 1, 0x8000, 1, 1, 0, 0);
	pname(m, "q.example");				/* 12..22 */
	p16(m, 1);
	p16(m, 1);
	p8(m, 1);					/* 27: "a" then pointer to 31 */
	p8(m, 'a');
	pptr(m, 31);
	p8(m, 1);					/* 31: "b" then pointer to 27 */
	p8(m, 'b');
	pptr(m, 27);
	rr(m, 1, 1, 1, 4);
	p32(m, 0);
	parse_fails(m, CT_ERR_FORMAT, "dns name compression pointer does not point backwards");
	off = 31;
	assert_int_equal(ct_dns_read_name(m->b, m->n, &off, out, sizeof(out)), CT_ERR_FORMAT);

	/* a pointer into the middle of a name before it is fine, and names compose */
	hdr(m, 1, 0, 1, 0, 0, 0);
	pname(m, "www.example.com");
	p16(m, 1);
	p16(m, 1);
	off = m->n;
	p8(m, 3);
	memcpy(m->b + m->n, "api", 3);
	m->n += 3;
	pptr(m, 16);					/* "example.com" */
	assert_int_equal(ct_dns_read_name(m->b, m->n, &off, out, sizeof(out)), 0);
	assert_string_equal(out, "api.example.com");
	assert_int_equal(off, m->n);

	/* a chain of backward pointers: 127 are followed, 128 are too many */
	m->n = 0;
	p8(m, 1);
	p8(m, 'z');
	p8(m, 0);
	for (i = 0; i < 128; i++)
		pptr(m, i == 0 ? 0 : 3 + 2 * (unsigned)(i - 1));
	off = 3 + 2 * 126;				/* the 127th pointer */
	assert_int_equal(ct_dns_read_name(m->b, m->n, &off, out, sizeof(out)), 0);
	assert_string_equal(out, "z");
	assert_int_equal(off, 3 + 2 * 127);
	off = 3 + 2 * 127;				/* the 128th */
	assert_int_equal(ct_dns_read_name(m->b, m->n, &off, out, sizeof(out)), CT_ERR_FORMAT);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT),
	    "dns name has too many compression pointers");

	/* a pointer cut in half at the end of the message */
	hdr(m, 1, 0, 1, 0, 0, 0);
	p8(m, 0xc0);
	parse_fails(m, CT_ERR_FORMAT, "dns name runs past the end of the message");
	free(m);
}

static void
test_name_limits(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ct_dns_msg d;
	char l63[64], name[300];
	int i;

	(void)state;
	memset(l63, 'x', 63);
	l63[63] = '\0';
	/* 63+1 times 3, plus 61+1, plus the root: exactly 255 octets */
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", l63, l63, l63, l63);
	hdr(m, 1, 0, 1, 0, 0, 0);
	pname(m, name);
	p16(m, 1);
	p16(m, 1);
	assert_int_equal(m->n, 12 + 255 + 4);
	assert_int_equal(parse(m, m->n, &d), 0);
	assert_string_equal(d.qname, name);
	ct_dns_msg_release(&d);

	/* one octet more */
	snprintf(name, sizeof(name), "%s.%s.%s.%.62s", l63, l63, l63, l63);
	hdr(m, 1, 0, 1, 0, 0, 0);
	pname(m, name);
	p16(m, 1);
	p16(m, 1);
	parse_fails(m, CT_ERR_FORMAT, "dns name longer than 255 octets");

	/* 255 octets reached through compression count the same */
	hdr(m, 1, 0x8000, 1, 1, 0, 0);
	snprintf(name, sizeof(name), "%s.%s.%s", l63, l63, l63);	/* 193 octets */
	pname(m, name);
	p16(m, 1);
	p16(m, 1);
	p8(m, 62);
	for (i = 0; i < 62; i++)
		p8(m, 'y');
	pptr(m, 12);					/* 63 + 193 = 256 */
	rr(m, 1, 1, 1, 4);
	p32(m, 0);
	parse_fails(m, CT_ERR_FORMAT, "dns name longer than 255 octets");

	/* label lengths 64..191 are the reserved types 01 and 10 */
	hdr(m, 1, 0, 1, 0, 0, 0);
	p8(m, 64);
	for (i = 0; i < 64; i++)
		p8(m, 'a');
	p8(m, 0);
	p16(m, 1);
	p16(m, 1);
	parse_fails(m, CT_ERR_FORMAT, "dns name has a reserved label type 0x40");
	m->b[12] = 0x80;
	parse_fails(m, CT_ERR_FORMAT, "dns name has a reserved label type 0x80");

	/* a label that runs past the end */
	hdr(m, 1, 0, 1, 0, 0, 0);
	p8(m, 10);
	p8(m, 'a');
	parse_fails(m, CT_ERR_FORMAT, "dns label runs past the end of the message");
	free(m);
}

static void
test_escaping(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ct_dns_msg d;

	(void)state;
	hdr(m, 1, 0, 1, 0, 0, 0);
	p8(m, 6);
	memcpy(m->b + m->n, "A.b\\\0 ", 6);
	m->n += 6;
	p8(m, 3);
	memcpy(m->b + m->n, "\x7f\xffZ", 3);
	m->n += 3;
	p8(m, 0);
	p16(m, 1);
	p16(m, 1);
	assert_int_equal(parse(m, m->n, &d), 0);
	assert_string_equal(d.qname, "a\\.b\\\\\\000\\032.\\127\\255z");
	ct_dns_msg_release(&d);

	/* the root */
	hdr(m, 1, 0, 1, 0, 0, 0);
	p8(m, 0);
	p16(m, CT_DNS_T_NS);
	p16(m, 1);
	assert_int_equal(parse(m, m->n, &d), 0);
	assert_string_equal(d.qname, ".");
	ct_dns_msg_release(&d);
	free(m);
}

static void
test_every_truncation_fails(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ct_dns_msg d;
	size_t len, full;

	(void)state;
	build_chain_answer(m);
	/* an OPT record in the additional section, so the whole message is walked */
	m->b[11] = 1;
	p8(m, 0);
	rr(m, CT_DNS_T_OPT, 1232, 0, 0);
	full = m->n;
	assert_int_equal(parse(m, full, &d), 0);
	assert_true(d.edns);
	assert_int_equal(d.edns_udp_size, 1232);
	ct_dns_msg_release(&d);
	for (len = 0; len < full; len++) {
		int r = parse(m, len, &d);

		if (r == 0)
			fail_msg("a prefix of %zu of %zu octets parsed", len, full);
		assert_int_equal(r, CT_ERR_FORMAT);
	}
	free(m);
}

static void
test_counts_and_lengths(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ct_dns_msg d;
	unsigned i;

	(void)state;
	hdr(m, 1, 0, 2, 0, 0, 0);
	parse_fails(m, CT_ERR_UNSUPPORTED, "dns message with 2 questions");
	hdr(m, 1, 0, 0, 129, 0, 0);
	parse_fails(m, CT_ERR_LIMIT, "dns message with 129 answers (at most 128)");
	/* more records announced than present */
	hdr(m, 1, 0, 0, 2, 0, 0);
	p8(m, 0);
	rr(m, 1, 1, 1, 4);
	p32(m, 1);
	parse_fails(m, CT_ERR_FORMAT, "dns name runs past the end of the message");
	/* ... in the authority and additional sections too */
	hdr(m, 1, 0, 0, 0, 1, 0);
	parse_fails(m, CT_ERR_FORMAT, "dns name runs past the end of the message");
	hdr(m, 1, 0, 0, 0, 0, 65535);
	parse_fails(m, CT_ERR_FORMAT, "dns name runs past the end of the message");
	/* an RDLENGTH past the end */
	hdr(m, 1, 0, 0, 1, 0, 0);
	p8(m, 0);
	rr(m, CT_DNS_T_TXT, 1, 1, 200);
	p8(m, 3);
	parse_fails(m, CT_ERR_FORMAT, "dns record data runs past the end of the message");
	/* A and AAAA of the wrong size */
	hdr(m, 1, 0, 0, 1, 0, 0);
	p8(m, 0);
	rr(m, CT_DNS_T_A, 1, 1, 5);
	p32(m, 1);
	p8(m, 1);
	parse_fails(m, CT_ERR_FORMAT, "dns A record of 5 octets");
	hdr(m, 1, 0, 0, 1, 0, 0);
	p8(m, 0);
	rr(m, CT_DNS_T_AAAA, 1, 1, 4);
	p32(m, 1);
	parse_fails(m, CT_ERR_FORMAT, "dns AAAA record of 4 octets");
	/* a CNAME whose target does not fill its RDATA, or runs past it */
	hdr(m, 1, 0, 0, 1, 0, 0);
	p8(m, 0);
	rr(m, CT_DNS_T_CNAME, 1, 1, 5);
	pname(m, "a");
	p16(m, 0);
	parse_fails(m, CT_ERR_FORMAT, "dns CNAME target does not fill its record");
	hdr(m, 1, 0, 0, 1, 0, 0);
	p8(m, 0);
	rr(m, CT_DNS_T_CNAME, 1, 1, 2);
	pname(m, "ab");
	parse_fails(m, CT_ERR_FORMAT, "dns label runs past the end of the message");
	/* a question without its type and class */
	hdr(m, 1, 0, 1, 0, 0, 0);
	pname(m, "a");
	p16(m, 1);
	parse_fails(m, CT_ERR_FORMAT, "dns question runs past the end of the message");
	/* shorter than a header, longer than a message */
	hdr(m, 1, 0, 0, 0, 0, 0);
	m->n = 11;
	parse_fails(m, CT_ERR_FORMAT, "dns message shorter than its header");
	assert_int_equal(ct_dns_parse(m->b, CT_DNS_MSG_MAX + 1, &d), CT_ERR_FORMAT);

	/* 128 answers are fine; TTLs with the top bit set read as 0; trailing bytes ignored */
	hdr(m, 7, 0x8180, 1, 128, 0, 0);
	pname(m, "many.example");
	p16(m, 1);
	p16(m, 1);
	for (i = 0; i < 128; i++) {
		pptr(m, 12);
		rr(m, CT_DNS_T_A, 1, i == 5 ? 0x80000001u : 3600, 4);
		p32(m, 0x0a000000 + i);
	}
	p32(m, 0xdeadbeef);
	assert_int_equal(parse(m, m->n, &d), 0);
	assert_int_equal(d.nan, 128);
	assert_int_equal(d.an[5].ttl, 0);
	assert_int_equal(d.an[6].ttl, 3600);
	assert_int_equal(d.an[127].addr[3], 127);
	ct_dns_msg_release(&d);
	free(m);
}

static void
test_build_reply(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	uint8_t out[600];
	struct ct_dns_msg d;
	size_t n;

	(void)state;
	/* a query with RD, CD and an EDNS OPT record */
	hdr(m, 0xbeef, 0x0110, 1, 0, 0, 1);
	pname(m, "Evil.Example");
	p16(m, CT_DNS_T_AAAA);
	p16(m, 1);
	p8(m, 0);
	rr(m, CT_DNS_T_OPT, 4096, 0, 0);
	assert_int_equal(ct_dns_build_reply(m->b, m->n, CT_DNS_RCODE_REFUSED, out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, 12 + 14 + 4);
	assert_int_equal(ct_dns_parse(out, n, &d), 0);
	assert_int_equal(d.id, 0xbeef);
	/* QR, RD and RA set, REFUSED; CD, AA and TC not copied */
	assert_int_equal(d.flags, 0x8000 | 0x0100 | 0x0080 | 5);
	assert_int_equal(d.qdcount, 1);
	assert_int_equal(d.ancount + d.nscount + d.arcount, 0);
	assert_string_equal(d.qname, "evil.example");
	assert_int_equal(d.qtype, CT_DNS_T_AAAA);
	/* the question's case is kept as the client sent it */
	assert_memory_equal(out + 13, "Evil", 4);
	ct_dns_msg_release(&d);

	/* NXDOMAIN and SERVFAIL */
	assert_int_equal(ct_dns_build_reply(m->b, m->n, CT_DNS_RCODE_NXDOMAIN, out, sizeof(out),
	    &n), 0);
	assert_int_equal(out[3] & 0x0f, 3);
	/* a query whose question is broken: header only (FORMERR) */
	hdr(m, 0x0102, 0x0100, 1, 0, 0, 0);
	p8(m, 0xc0);
	p8(m, 0x0c);
	assert_int_equal(ct_dns_build_reply(m->b, m->n, CT_DNS_RCODE_FORMERR, out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, 12);
	assert_memory_equal(out, "\x01\x02\x81\x81\0\0\0\0\0\0\0\0", 12);
	/* no header */
	assert_int_equal(ct_dns_build_reply(m->b, 11, 1, out, sizeof(out), &n), CT_ERR_FORMAT);
	assert_int_equal(n, 0);
	/* the output is bounded */
	hdr(m, 1, 0, 1, 0, 0, 0);
	pname(m, "a.example");
	p16(m, 1);
	p16(m, 1);
	assert_int_equal(ct_dns_build_reply(m->b, m->n, 5, out, 20, &n), CT_ERR_LIMIT);
	free(m);
}

static void
test_build_query(void **state)
{
	uint8_t out[512];
	struct ct_dns_msg d;
	size_t n;
	char tb[16], rb[16];

	(void)state;
	assert_int_equal(ct_dns_build_query(42, "route53.amazonaws.com.", CT_DNS_T_A, out,
	    sizeof(out), &n), 0);
	assert_int_equal(n, 12 + 23 + 4);
	assert_int_equal(ct_dns_parse(out, n, &d), 0);
	assert_int_equal(d.id, 42);
	assert_int_equal(d.flags, CT_DNS_F_RD);
	assert_string_equal(d.qname, "route53.amazonaws.com");
	ct_dns_msg_release(&d);
	assert_int_equal(ct_dns_build_query(1, "a..b", 1, out, sizeof(out), &n), CT_ERR_INVALID);
	assert_int_equal(ct_dns_build_query(1, "a b", 1, out, sizeof(out), &n), CT_ERR_INVALID);
	assert_int_equal(ct_dns_build_query(1, "abc", 1, out, 10, &n), CT_ERR_LIMIT);
	assert_string_equal(ct_dns_type_name(CT_DNS_T_AAAA, tb, sizeof(tb)), "AAAA");
	assert_string_equal(ct_dns_type_name(999, tb, sizeof(tb)), "TYPE999");
	assert_string_equal(ct_dns_rcode_name(5, rb, sizeof(rb)), "REFUSED");
	assert_string_equal(ct_dns_rcode_name(11, rb, sizeof(rb)), "RCODE11");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_chain_loop_and_limit),
		cmocka_unit_test(test_compression_pointers),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_every_truncation_fails),
		cmocka_unit_test(test_counts_and_lengths),
		cmocka_unit_test(test_build_reply),
		cmocka_unit_test(test_build_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
