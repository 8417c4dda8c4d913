/*
 * dnsmsg.c - bounded DNS message parsing and reply building (see dnsmsg.h).
 *
 * Every read goes through need(), which checks the remaining length first; offsets are
 * size_t and only ever compared against len before use, so no arithmetic here can wrap.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/dnsmsg.h"
#include "util/err.h"

#define MAX_POINTERS 127

static int
need(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Append one label octet in presentation form; 0 or -1 when out is full. */
static int
put_text(char *out, size_t outsz, size_t *o, uint8_t c)
{
	char tmp[5];
	size_t n;

	if (c >= 'A' && c <= 'Z')
		c = (uint8_t)(c - 'A' + 'a');
	if (c == '.' || c == '\\') {
		tmp[0] = '\\';
		tmp[1] = (char)c;
		n = 2;
	} else if (c <= 0x20 || c >= 0x7f) {
		snprintf(tmp, sizeof(tmp), "\\%03u", c);
		n = 4;
	} else {
		tmp[0] = (char)c;
		n = 1;
	}
	if (outsz - *o <= n)
		return -1;
	memcpy(out + *o, tmp, n);
	*o += n;
	return 0;
}

int
ct_dns_read_name(const uint8_t *buf, size_t len, size_t *off, char *out, size_t outsz)
{
	size_t pos = *off, lowest = pos, after = 0, o = 0, wire = 0, i;
	int jumped = 0, hops = 0;

	if (outsz < 2)
		return ct_error(CT_ERR_INTERNAL, "dns name buffer too small");
	out[0] = '\0';
	for (;;) {
		uint8_t c;

		if (!need(len, pos, 1))
			return ct_error(CT_ERR_FORMAT, "dns name runs past the end of the message");
		c = buf[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (!need(len, pos, 2))
				return ct_error(CT_ERR_FORMAT,
				    "dns name runs past the end of the message");
			target = ((size_t)(c & 0x3f) << 8) | buf[pos + 1];
			if (target >= lowest)
				return ct_error(CT_ERR_FORMAT,
				    "dns name compression pointer does not point backwards");
			if (++hops > MAX_POINTERS)
				return ct_error(CT_ERR_FORMAT,
				    "dns name has too many compression pointers");
			if (!jumped)
				after = pos + 2;
			jumped = 1;
			lowest = target;
			pos = target;
			continue;
		}
		if ((c & 0xc0) != 0)
			return ct_error(CT_ERR_FORMAT, "dns name has a reserved label type 0x%02x",
			    c & 0xc0);
		wire += 1 + (size_t)c;
		if (wire > CT_DNS_NAME_WIRE_MAX)
			return ct_error(CT_ERR_FORMAT, "dns name longer than %d octets",
			    CT_DNS_NAME_WIRE_MAX);
		if (c == 0) {
			pos++;
			break;
		}
		if (!need(len, pos + 1, c))
			return ct_error(CT_ERR_FORMAT, "dns label runs past the end of the message");
		if (o > 0) {
			if (outsz - o <= 1)
				return ct_error(CT_ERR_LIMIT, "dns name too long for its buffer");
			out[o++] = '.';
		}
		for (i = 0; i < c; i++)
			if (put_text(out, outsz, &o, buf[pos + 1 + i]) != 0)
				return ct_error(CT_ERR_LIMIT, "dns name too long for its buffer");
		pos += 1 + (size_t)c;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	*off = jumped ? after : pos;
	return 0;
}

void
ct_dns_msg_release(struct ct_dns_msg *m)
{
	if (m == NULL)
		return;
	free(m->an);
	memset(m, 0, sizeof(*m));
}

/* One resource record at *off; `keep` (may be NULL) receives it. */
static int
read_rr(const uint8_t *buf, size_t len, size_t *off, struct ct_dns_rr *keep,
    struct ct_dns_msg *m, int additional)
{
	char name[CT_DNS_NAME_TEXT_MAX];
	uint16_t type, rclass, rdlen;
	uint32_t ttl;
	size_t p;
	int r;

	if ((r = ct_dns_read_name(buf, len, off, name, sizeof(name))) != 0)
		return r;
	if (!need(len, *off, 10))
		return ct_error(CT_ERR_FORMAT, "dns record runs past the end of the message");
	p = *off;
	type = get16(buf + p);
	rclass = get16(buf + p + 2);
	ttl = get32(buf + p + 4);
	rdlen = get16(buf + p + 8);
	p += 10;
	if (!need(len, p, rdlen))
		return ct_error(CT_ERR_FORMAT, "dns record data runs past the end of the message");
	if (ttl & 0x80000000u)
		ttl = 0;
	if (additional && type == CT_DNS_T_OPT && strcmp(name, ".") == 0 && !m->edns) {
		m->edns = 1;
		m->edns_udp_size = rclass;
	}
	if (rclass == CT_DNS_C_IN) {
		if (type == CT_DNS_T_A && rdlen != 4)
			return ct_error(CT_ERR_FORMAT, "dns A record of %u octets", rdlen);
		if (type == CT_DNS_T_AAAA && rdlen != 16)
			return ct_error(CT_ERR_FORMAT, "dns AAAA record of %u octets", rdlen);
	}
	if (keep != NULL) {
		memset(keep, 0, sizeof(*keep));
		memcpy(keep->name, name, sizeof(name));
		keep->type = type;
		keep->rclass = rclass;
		keep->ttl = ttl;
		keep->rdlen = rdlen;
		keep->rdoff = p;
		if (rclass == CT_DNS_C_IN && (type == CT_DNS_T_A || type == CT_DNS_T_AAAA))
			memcpy(keep->addr, buf + p, rdlen);
		if (rclass == CT_DNS_C_IN && type == CT_DNS_T_CNAME) {
			size_t t = p;

			/* the target may be compressed, but must lie within the RDATA */
			if ((r = ct_dns_read_name(buf, p + rdlen, &t, keep->target,
			    sizeof(keep->target))) != 0)
				return r;
			if (t != p + rdlen)
				return ct_error(CT_ERR_FORMAT,
				    "dns CNAME target does not fill its record");
		}
	}
	*off = p + rdlen;
	return 0;
}

int
ct_dns_parse(const uint8_t *buf, size_t len, struct ct_dns_msg *out)
{
	struct ct_dns_msg m;
	size_t off, i;
	int r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (len < CT_DNS_HDR_LEN)
		return ct_error(CT_ERR_FORMAT, "dns message shorter than its header");
	if (len > CT_DNS_MSG_MAX)
		return ct_error(CT_ERR_FORMAT, "dns message longer than %d octets", CT_DNS_MSG_MAX);
	m.id = get16(buf);
	m.flags = get16(buf + 2);
	m.qdcount = get16(buf + 4);
	m.ancount = get16(buf + 6);
	m.nscount = get16(buf + 8);
	m.arcount = get16(buf + 10);
	off = CT_DNS_HDR_LEN;
	if (m.qdcount > 1)
		return ct_error(CT_ERR_UNSUPPORTED, "dns message with %u questions", m.qdcount);
	if (m.ancount > CT_DNS_MAX_ANSWERS)
		return ct_error(CT_ERR_LIMIT, "dns message with %u answers (at most %d)",
		    m.ancount, CT_DNS_MAX_ANSWERS);
	if (m.qdcount == 1) {
		if ((r = ct_dns_read_name(buf, len, &off, m.qname, sizeof(m.qname))) != 0)
			return r;
		if (!need(len, off, 4))
			return ct_error(CT_ERR_FORMAT,
			    "dns question runs past the end of the message");
		m.qtype = get16(buf + off);
		m.qclass = get16(buf + off + 2);
		off += 4;
		m.qend = off;
	}
	if (m.ancount > 0 && (m.an = calloc(m.ancount, sizeof(*m.an))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; i < m.ancount; i++)
		if ((r = read_rr(buf, len, &off, &m.an[i], &m, 0)) != 0)
			goto out;
	m.nan = m.ancount;
	for (i = 0; i < m.nscount; i++)
		if ((r = read_rr(buf, len, &off, NULL, &m, 0)) != 0)
			goto out;
	for (i = 0; i < m.arcount; i++)
		if ((r = read_rr(buf, len, &off, NULL, &m, 1)) != 0)
			goto out;
	*out = m;
	memset(&m, 0, sizeof(m));
	r = 0;
 out:
	free(m.an);
	return r;
}

int
ct_dns_chain(const struct ct_dns_msg *m, struct ct_dns_chain *out)
{
	const char *cur;
	uint32_t chain_ttl = UINT32_MAX;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	if (m->qdcount != 1)
		return ct_error(CT_ERR_INVALID, "dns message without a question");
	cur = m->qname;
	out->names[out->nnames++] = cur;
	for (;;) {
		const struct ct_dns_rr *cn = NULL;

		for (i = 0; i < m->nan; i++) {
			if (m->an[i].type == CT_DNS_T_CNAME && m->an[i].rclass == CT_DNS_C_IN &&
			    strcmp(m->an[i].name, cur) == 0) {
				cn = &m->an[i];
				break;
			}
		}
		if (cn == NULL)
			break;
		for (j = 0; j < out->nnames; j++)
			if (strcmp(out->names[j], cn->target) == 0)
				return ct_error(CT_ERR_FORMAT, "cname chain loops at '%s'",
				    cn->target);
		if (out->nnames > CT_DNS_CHAIN_MAX)
			return ct_error(CT_ERR_LIMIT, "cname chain longer than %d records",
			    CT_DNS_CHAIN_MAX);
		if (cn->ttl < chain_ttl)
			chain_ttl = cn->ttl;
		cur = cn->target;
		out->names[out->nnames++] = cur;
	}
	for (i = 0; i < m->nan; i++) {
		const struct ct_dns_rr *rr = &m->an[i];
		struct ct_dns_addr *a;

		if (rr->rclass != CT_DNS_C_IN || strcmp(rr->name, cur) != 0 ||
		    (rr->type != CT_DNS_T_A && rr->type != CT_DNS_T_AAAA))
			continue;
		a = &out->addrs[out->naddrs++];
		a->family = rr->type == CT_DNS_T_A ? AF_INET : AF_INET6;
		memcpy(a->addr, rr->addr, sizeof(a->addr));
		a->ttl = rr->ttl < chain_ttl ? rr->ttl : chain_ttl;
	}
	return 0;
}

int
ct_dns_build_reply(const uint8_t *query, size_t qlen, int rcode, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	char name[CT_DNS_NAME_TEXT_MAX];
	size_t qend = CT_DNS_HDR_LEN, off = CT_DNS_HDR_LEN;
	uint16_t flags;
	int withq = 0;

	*outlen = 0;
	if (qlen < CT_DNS_HDR_LEN)
		return ct_error(CT_ERR_FORMAT, "dns message shorter than its header");
	/*
	 * Copy the question only when its name is valid and uncompressed: at offset 12 a
	 * pointer could only point into the header, which the reply rewrites.
	 */
	if (get16(query + 4) == 1 &&
	    ct_dns_read_name(query, qlen, &off, name, sizeof(name)) == 0 && need(qlen, off, 4)) {
		size_t p = CT_DNS_HDR_LEN;

		while (p < off && query[p] != 0 && (query[p] & 0xc0) == 0)
			p += 1 + (size_t)query[p];
		if (p < off && query[p] == 0) {
			qend = off + 4;
			withq = 1;
		}
	}
	if (outsz < qend)
		return ct_error(CT_ERR_LIMIT, "dns reply buffer too small");
	flags = get16(query + 2);
	flags = (uint16_t)((flags & (CT_DNS_F_OPCODE | CT_DNS_F_RD)) | CT_DNS_F_QR | CT_DNS_F_RA |
	    (rcode & CT_DNS_F_RCODE));
	memcpy(out, query, qend);
	put16(out + 2, flags);
	put16(out + 4, withq ? 1 : 0);
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	*outlen = qend;
	return 0;
}

int
ct_dns_build_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	size_t n = strlen(name), o = CT_DNS_HDR_LEN, i, start;

	*outlen = 0;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > 253 || outsz < CT_DNS_HDR_LEN + n + 2 + 4)
		return ct_error(CT_ERR_LIMIT, "dns name '%s' too long", name);
	memset(out, 0, CT_DNS_HDR_LEN);
	put16(out, id);
	put16(out + 2, CT_DNS_F_RD);
	put16(out + 4, 1);
	for (start = 0; start < n; start = i + 1) {
		for (i = start; i < n && name[i] != '.'; i++) {
			int c = (unsigned char)name[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return ct_error(CT_ERR_INVALID, "invalid dns name '%s'", name);
		}
		if (i == start || i - start > 63)
			return ct_error(CT_ERR_INVALID, "invalid dns name '%s'", name);
		out[o++] = (uint8_t)(i - start);
		memcpy(out + o, name + start, i - start);
		o += i - start;
	}
	out[o++] = 0;
	put16(out + o, qtype);
	put16(out + o + 2, CT_DNS_C_IN);
	*outlen = o + 4;
	return 0;
}

const char *
ct_dns_type_name(uint16_t type, char *buf, size_t bufsz)
{
	static const struct {
		uint16_t t;
		const char *n;
	} names[] = {
		{ CT_DNS_T_A, "A" }, { CT_DNS_T_NS, "NS" }, { CT_DNS_T_CNAME, "CNAME" },
		{ CT_DNS_T_SOA, "SOA" }, { CT_DNS_T_PTR, "PTR" }, { CT_DNS_T_MX, "MX" },
		{ CT_DNS_T_TXT, "TXT" }, { CT_DNS_T_AAAA, "AAAA" }, { CT_DNS_T_SRV, "SRV" },
		{ CT_DNS_T_OPT, "OPT" }, { CT_DNS_T_SVCB, "SVCB" }, { CT_DNS_T_HTTPS, "HTTPS" },
		{ CT_DNS_T_ANY, "ANY" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == type)
			return names[i].n;
	snprintf(buf, bufsz, "TYPE%u", type);
	return buf;
}

const char *
ct_dns_rcode_name(int rcode, char *buf, size_t bufsz)
{
	static const char *names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED" };

	if (rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])))
		return names[rcode];
	snprintf(buf, bufsz, "RCODE%d", rcode);
	return buf;
}
