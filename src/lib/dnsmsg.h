/*
 * dnsmsg.h - a bounded DNS message parser (RFC 1035) and the few replies the proxy builds.
 *
 * Everything here reads bytes from the network that an untrusted agent or a remote resolver
 * chose.  The parser takes (buf, len), never reads past len, and trusts no count, length or
 * pointer in the message:
 *   - names: labels of at most 63 octets, at most 255 octets on the wire (RFC 1035 2.3.4)
 *     counting length octets and the root; the reserved label types 01 and 10 are refused;
 *   - compression pointers must point strictly BEFORE the lowest offset of the name read so
 *     far (so they can never loop or point forward), and at most 127 are followed per name;
 *   - counts: at most one question (QDCOUNT 0 or 1) and at most CT_DNS_MAX_ANSWERS answer
 *     records; every record's RDLENGTH must fit the message; A and AAAA (class IN) must be 4
 *     and 16 octets; a CNAME's target must fill its RDATA exactly;
 *   - TTLs with the top bit set are read as 0 (RFC 2181 section 8).
 * The authority and additional sections are walked with the same checks (but not kept),
 * except that an OPT record there gives the EDNS UDP payload size (RFC 6891).  Bytes after
 * the last record are ignored, as resolvers do.
 *
 * Names are returned in presentation form, lower-cased, without the trailing dot ("." for
 * the root); octets other than printable ASCII, '.' and '\' inside a label are escaped as
 * \DDD or \. and \\ (RFC 1035 5.1), so equal names always give equal strings.
 */
#ifndef CT_DNSMSG_H
#define CT_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#define CT_DNS_MSG_MAX		65535	/* a TCP message; UDP ones are smaller */
#define CT_DNS_HDR_LEN		12
#define CT_DNS_NAME_WIRE_MAX	255
#define CT_DNS_NAME_TEXT_MAX	1024	/* 255 octets, each \DDD at worst, fit */
#define CT_DNS_MAX_ANSWERS	128	/* more answer records: CT_ERR_LIMIT */
#define CT_DNS_CHAIN_MAX	16	/* CNAME records followed from the question */

enum {
	CT_DNS_T_A = 1,
	CT_DNS_T_NS = 2,
	CT_DNS_T_CNAME = 5,
	CT_DNS_T_SOA = 6,
	CT_DNS_T_PTR = 12,
	CT_DNS_T_MX = 15,
	CT_DNS_T_TXT = 16,
	CT_DNS_T_AAAA = 28,
	CT_DNS_T_SRV = 33,
	CT_DNS_T_OPT = 41,
	CT_DNS_T_SVCB = 64,
	CT_DNS_T_HTTPS = 65,
	CT_DNS_T_ANY = 255,
	CT_DNS_C_IN = 1,
};

enum {
	CT_DNS_RCODE_NOERROR = 0,
	CT_DNS_RCODE_FORMERR = 1,
	CT_DNS_RCODE_SERVFAIL = 2,
	CT_DNS_RCODE_NXDOMAIN = 3,
	CT_DNS_RCODE_NOTIMP = 4,
	CT_DNS_RCODE_REFUSED = 5,
};

/* header flag bits (the second 16-bit word) */
#define CT_DNS_F_QR	0x8000
#define CT_DNS_F_OPCODE	0x7800
#define CT_DNS_F_AA	0x0400
#define CT_DNS_F_TC	0x0200
#define CT_DNS_F_RD	0x0100
#define CT_DNS_F_RA	0x0080
#define CT_DNS_F_RCODE	0x000f

struct ct_dns_rr {
	char name[CT_DNS_NAME_TEXT_MAX];	/* owner */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdoff;				/* RDATA offset in the message */
	uint8_t addr[16];			/* A (4 octets) and AAAA, class IN */
	char target[CT_DNS_NAME_TEXT_MAX];	/* CNAME, class IN; else "" */
};

struct ct_dns_msg {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
	/* the question, when qdcount is 1 */
	char qname[CT_DNS_NAME_TEXT_MAX];
	uint16_t qtype;
	uint16_t qclass;
	size_t qend;				/* offset just past the question */
	struct ct_dns_rr *an;			/* the answer section, nan == ancount */
	size_t nan;
	int edns;				/* an OPT record was present */
	uint16_t edns_udp_size;			/* its CLASS field */
};

/*
 * Parse a whole message.  On success the caller releases `out` with ct_dns_msg_release();
 * on failure `out` holds nothing to release.  Errors: CT_ERR_FORMAT (malformed, with the
 * reason: "dns name compression pointer does not point backwards"), CT_ERR_UNSUPPORTED
 * (more than one question), CT_ERR_LIMIT (more than CT_DNS_MAX_ANSWERS answers),
 * CT_ERR_NOMEM.
 */
int ct_dns_parse(const uint8_t *buf, size_t len, struct ct_dns_msg *out);
void ct_dns_msg_release(struct ct_dns_msg *m);

/* Read one (possibly compressed) name at *off with the checks above; advances *off. */
int ct_dns_read_name(const uint8_t *buf, size_t len, size_t *off, char *out, size_t outsz);

static inline int ct_dns_rcode(const struct ct_dns_msg *m) { return m->flags & CT_DNS_F_RCODE; }
static inline int ct_dns_opcode(const struct ct_dns_msg *m) { return (m->flags >> 11) & 0xf; }

/*
 * The answer for the question, following CNAME records (class IN) from the question name
 * up to CT_DNS_CHAIN_MAX of them.  names[0] is the question name, then each CNAME target
 * in order; addrs are the A and AAAA records (class IN) owned by the LAST name, each with
 * ttl = min(its own TTL, the TTLs of the CNAME records followed).  Records that are not on
 * the chain (another owner) are ignored: they are not the answer to this question.
 * Errors: CT_ERR_FORMAT ("cname chain loops at 'x'"), CT_ERR_LIMIT (chain too long),
 * CT_ERR_INVALID (the message has no question).
 */
struct ct_dns_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint32_t ttl;
};

struct ct_dns_chain {
	const char *names[CT_DNS_CHAIN_MAX + 1];	/* point into the message struct */
	size_t nnames;
	struct ct_dns_addr addrs[CT_DNS_MAX_ANSWERS];
	size_t naddrs;
};

int ct_dns_chain(const struct ct_dns_msg *m, struct ct_dns_chain *out);

/*
 * Build a reply with `rcode` and no records to the query in (query, qlen): its ID, opcode,
 * RD and question are copied, QR and RA are set.  When the question cannot be parsed the
 * reply carries only the header (QDCOUNT 0), as for FORMERR.  The query's header (12
 * octets) must be present: CT_ERR_FORMAT otherwise.  CT_ERR_LIMIT if out is too small.
 * (A question name that is compressed is not copied: at offset 12 it could only point into
 * the header, which the reply changes.)
 */
int ct_dns_build_reply(const uint8_t *query, size_t qlen, int rcode, uint8_t *out, size_t outsz,
    size_t *outlen);

/*
 * Build a query (RD set, one question of class IN) for a name in presentation form (plain
 * host names only: LDH and '_' labels); for tests and tools.
 */
int ct_dns_build_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *out, size_t outsz,
    size_t *outlen);

/* "A", "AAAA", "CNAME", ... or "TYPE<n>" (RFC 3597) written into buf (>= 12 bytes). */
const char *ct_dns_type_name(uint16_t type, char *buf, size_t bufsz);
/* "NOERROR", "SERVFAIL", "NXDOMAIN", "REFUSED", ... or "RCODE<n>" (buf >= 12 bytes). */
const char *ct_dns_rcode_name(int rcode, char *buf, size_t bufsz);

#endif
