/*
 * netpolicy.c - allow rules, policy files and matching (see netpolicy.h).
 *
 * Policies are small (tens of rules), so matching is a linear scan: it runs once per DNS
 * query in the proxy and never on the connect path, which the BPF maps serve.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/ledger.h"
#include "lib/netpolicy.h"
#include "util/err.h"
#include "util/fs.h"

struct ct_netpolicy {
	struct ct_netrule *rules;
	size_t n;
	size_t cap;
};

/* Cloud metadata and credential endpoints; see netpolicy.h. */
static const uint8_t meta_v4[][4] = {
	{ 169, 254, 169, 254 },	/* EC2/GCP/Azure instance metadata */
	{ 169, 254, 170, 2 },	/* ECS task credentials */
	{ 169, 254, 170, 23 },	/* EKS pod identity agent */
};
static const uint8_t meta_v6[][16] = {
	{ 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 },	/* fd00:ec2::254 */
	{ 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x23 },	/* fd00:ec2::23 */
};

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Printable, bounded copy of untrusted text for an error message. */
static const char *
quote(const char *s, size_t n, char *buf, size_t bufsz)
{
	size_t i, o = 0, lim = bufsz - 4;

	for (i = 0; i < n && o < lim; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int
is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-';
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int
ct_hostname_canon(const char *s, size_t n, char out[CT_HOSTNAME_MAX + 1])
{
	char q[80];
	size_t i, lab = 0, labstart = 0, orig = n;
	int numeric = 1;

	out[0] = '\0';
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return ct_error(CT_ERR_INVALID, "invalid host name '%s': empty",
		    quote(s, orig, q, sizeof(q)));
	if (n > CT_HOSTNAME_MAX)
		return ct_error(CT_ERR_INVALID,
		    "invalid host name '%s': longer than %d characters",
		    quote(s, n, q, sizeof(q)), CT_HOSTNAME_MAX);
	for (i = 0; i <= n; i++) {
		int c = i < n ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (lab == 0)
				return ct_error(CT_ERR_INVALID,
				    "invalid host name '%s': empty label",
				    quote(s, n, q, sizeof(q)));
			if (lab > 63)
				return ct_error(CT_ERR_INVALID,
				    "invalid host name '%s': label longer than 63 characters",
				    quote(s, n, q, sizeof(q)));
			if (s[labstart] == '-' || s[i - 1] == '-')
				return ct_error(CT_ERR_INVALID,
				    "invalid host name '%s': label starts or ends with '-'",
				    quote(s, n, q, sizeof(q)));
			if (i == n && numeric)
				return ct_error(CT_ERR_INVALID,
				    "invalid host name '%s': the last label is numeric",
				    quote(s, n, q, sizeof(q)));
			lab = 0;
			labstart = i + 1;
			numeric = 1;
			if (i < n)
				out[i] = '.';
			continue;
		}
		if (!is_ldh(c))
			return ct_error(CT_ERR_INVALID,
			    "invalid host name '%s': character '%c' at position %zu "
			    "(allowed: letters, digits, '-', '.')", quote(s, n, q, sizeof(q)),
			    (c < 0x20 || c >= 0x7f) ? '?' : c, i + 1);
		if (c < '0' || c > '9')
			numeric = 0;
		out[i] = (char)lower(c);
		lab++;
	}
	out[n] = '\0';
	return 0;
}

static int
parse_port(const char *s, size_t n, const char *rule, size_t rulelen, uint16_t *out)
{
	char q[80];
	unsigned long v = 0;
	size_t i;

	*out = 0;
	for (i = 0; i < n && i < 6; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (n == 0 || i != n || v == 0 || v > 65535)
		return ct_error(CT_ERR_INVALID, "invalid port in '%s' (1-65535)",
		    quote(rule, rulelen, q, sizeof(q)));
	*out = (uint16_t)v;
	return 0;
}

int
ct_addr_v4mapped(const uint8_t addr[16], uint8_t out[4])
{
	if (memcmp(addr, v4mapped_prefix, 12) != 0)
		return 0;
	memcpy(out, addr + 12, 4);
	return 1;
}

/* Does addr lie within net/prefix?  Both of the same family; alen 4 or 16. */
static int
prefix_match(const uint8_t *addr, const uint8_t *net, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	uint8_t mask;

	if (full > 0 && memcmp(addr, net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (addr[full] & mask) == (net[full] & mask);
}

static int
host_bits_set(const uint8_t *addr, size_t alen, unsigned prefix)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		unsigned bits = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
		uint8_t mask = bits == 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		if ((addr[i] & (uint8_t)~mask) != 0)
			return 1;
	}
	return 0;
}

static void
clear_host_bits(uint8_t *addr, size_t alen, unsigned prefix)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		unsigned bits = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
		uint8_t mask = bits == 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		addr[i] &= mask;
	}
}

/* An address or CIDR of `n` bytes: v6 says whether it must be IPv6 (it came in brackets). */
static int
parse_cidr(const char *s, size_t n, int v6only, const char *rule, size_t rulelen,
    struct ct_netrule *r)
{
	char q[80], a[INET6_ADDRSTRLEN + 1], net[INET6_ADDRSTRLEN];
	const char *slash = memchr(s, '/', n);
	size_t alen = slash != NULL ? (size_t)(slash - s) : n, i;
	unsigned maxp, prefix = 0;
	uint8_t v4[4];

	if (alen == 0 || alen >= sizeof(a))
		return ct_error(CT_ERR_INVALID, "invalid address in '%s'",
		    quote(rule, rulelen, q, sizeof(q)));
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (!v6only && inet_pton(AF_INET, a, r->addr) == 1) {
		r->family = AF_INET;
		maxp = 32;
	} else if (memchr(a, ':', alen) != NULL && inet_pton(AF_INET6, a, r->addr) == 1) {
		r->family = AF_INET6;
		maxp = 128;
	} else {
		return ct_error(CT_ERR_INVALID, "invalid %saddress in '%s'",
		    v6only ? "IPv6 " : "", quote(rule, rulelen, q, sizeof(q)));
	}
	if (slash != NULL) {
		const char *p = slash + 1;
		size_t plen = n - alen - 1;

		for (i = 0; i < plen && i < 4; i++) {
			if (p[i] < '0' || p[i] > '9')
				break;
			prefix = prefix * 10 + (unsigned)(p[i] - '0');
		}
		if (plen == 0 || i != plen || plen > 3 || prefix > maxp)
			return ct_error(CT_ERR_INVALID,
			    "invalid prefix length in '%s' (0-%u)",
			    quote(rule, rulelen, q, sizeof(q)), maxp);
	} else {
		prefix = maxp;
	}
	if (host_bits_set(r->addr, maxp / 8, prefix)) {
		uint8_t tmp[16];

		memcpy(tmp, r->addr, sizeof(tmp));
		clear_host_bits(tmp, maxp / 8, prefix);
		inet_ntop(r->family, tmp, net, sizeof(net));
		return ct_error(CT_ERR_INVALID, "'%s' has host bits set (the network is %s/%u)",
		    quote(rule, rulelen, q, sizeof(q)), net, prefix);
	}
	r->prefix = prefix;
	/* an IPv4-mapped IPv6 rule is the IPv4 rule it stands for */
	if (r->family == AF_INET6 && prefix >= 96 && ct_addr_v4mapped(r->addr, v4)) {
		r->family = AF_INET;
		memset(r->addr, 0, sizeof(r->addr));
		memcpy(r->addr, v4, 4);
		r->prefix = prefix - 96;
	}
	r->kind = CT_NETRULE_CIDR;
	return 0;
}

static void
rule_text(struct ct_netrule *r)
{
	char a[INET6_ADDRSTRLEN], body[CT_NETRULE_TEXT_MAX];
	size_t maxp;

	switch (r->kind) {
	case CT_NETRULE_HOST:
		snprintf(body, sizeof(body), "%s", r->name);
		break;
	case CT_NETRULE_WILDCARD:
		snprintf(body, sizeof(body), "*.%s", r->name);
		break;
	case CT_NETRULE_CIDR:
		inet_ntop(r->family, r->addr, a, sizeof(a));
		maxp = r->family == AF_INET ? 32 : 128;
		if (r->prefix == maxp)
			snprintf(body, sizeof(body), "%s", a);
		else
			snprintf(body, sizeof(body), "%s/%u", a, r->prefix);
		if (r->family == AF_INET6 && r->port != 0) {
			snprintf(r->text, sizeof(r->text), "[%s]:%u", body, r->port);
			return;
		}
		break;
	}
	if (r->port != 0)
		snprintf(r->text, sizeof(r->text), "%s:%u", body, r->port);
	else
		snprintf(r->text, sizeof(r->text), "%s", body);
}

static int
all_digits_dots(const char *s, size_t n)
{
	size_t i;
	int digit = 0;

	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digit = 1;
		else if (s[i] != '.')
			return 0;
	}
	return digit;
}

int
ct_netrule_parse(const char *s, size_t n, struct ct_netrule *out)
{
	const char *body = s, *colon;
	size_t blen = n, ncolon = 0, i;
	char q[80];
	int r;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return ct_error(CT_ERR_INVALID, "empty rule");
	if (n > CT_NETRULE_TEXT_MAX)
		return ct_error(CT_ERR_INVALID, "rule '%s' is longer than %d characters",
		    quote(s, n, q, sizeof(q)), CT_NETRULE_TEXT_MAX);
	if (memchr(s, '\0', n) != NULL)
		return ct_error(CT_ERR_INVALID, "rule '%s' holds a NUL byte",
		    quote(s, n, q, sizeof(q)));
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return ct_error(CT_ERR_INVALID, "missing ']' in '%s'",
			    quote(s, n, q, sizeof(q)));
		body = s + 1;
		blen = (size_t)(close - body);
		if (memchr(body, ':', blen) == NULL)
			return ct_error(CT_ERR_INVALID,
			    "only an IPv6 address or CIDR may be in brackets: '%s'",
			    quote(s, n, q, sizeof(q)));
		if (close + 1 < s + n) {
			if (close[1] != ':')
				return ct_error(CT_ERR_INVALID,
				    "expected ':PORT' after ']' in '%s'",
				    quote(s, n, q, sizeof(q)));
			if ((r = parse_port(close + 2, (size_t)(s + n - close - 2), s, n,
			    &out->port)) != 0)
				return r;
		}
		if ((r = parse_cidr(body, blen, 1, s, n, out)) != 0)
			return r;
		rule_text(out);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (s[i] == ':')
			ncolon++;
	if (ncolon >= 2) {
		/* IPv6 without brackets: every ':' belongs to the address */
		if ((r = parse_cidr(s, n, 1, s, n, out)) != 0)
			return r;
		rule_text(out);
		return 0;
	}
	if (ncolon == 1) {
		colon = memchr(s, ':', n);
		blen = (size_t)(colon - s);
		if ((r = parse_port(colon + 1, n - blen - 1, s, n, &out->port)) != 0)
			return r;
	}
	if (blen == 0)
		return ct_error(CT_ERR_INVALID, "missing host or address in '%s'",
		    quote(s, n, q, sizeof(q)));
	if (memchr(body, '/', blen) != NULL || all_digits_dots(body, blen)) {
		if ((r = parse_cidr(body, blen, 0, s, n, out)) != 0)
			return r;
	} else if (blen >= 1 && body[0] == '*') {
		if (blen < 3 || body[1] != '.' || memchr(body + 1, '*', blen - 1) != NULL) {
			return ct_error(CT_ERR_INVALID,
			    "invalid wildcard '%s': '*' may only be the whole first label, "
			    "as in '*.example.com'", quote(s, n, q, sizeof(q)));
		}
		if ((r = ct_hostname_canon(body + 2, blen - 2, out->name)) != 0)
			return r;
		out->kind = CT_NETRULE_WILDCARD;
	} else {
		if (memchr(body, '*', blen) != NULL)
			return ct_error(CT_ERR_INVALID,
			    "invalid wildcard '%s': '*' may only be the whole first label, "
			    "as in '*.example.com'", quote(s, n, q, sizeof(q)));
		if ((r = ct_hostname_canon(body, blen, out->name)) != 0)
			return r;
		out->kind = CT_NETRULE_HOST;
	}
	rule_text(out);
	return 0;
}

int
ct_netpolicy_new(struct ct_netpolicy **out)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

void
ct_netpolicy_free(struct ct_netpolicy *p)
{
	if (p == NULL)
		return;
	free(p->rules);
	free(p);
}

int
ct_netpolicy_add(struct ct_netpolicy *p, const struct ct_netrule *r)
{
	struct ct_netrule *nr;
	size_t i, ncap;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->rules[i].text, r->text) == 0)
			return 0;
	if (p->n == p->cap) {
		ncap = p->cap == 0 ? 16 : p->cap * 2;
		if (ncap > 65536)
			return ct_error(CT_ERR_LIMIT, "too many rules (at most 65536)");
		if ((nr = realloc(p->rules, ncap * sizeof(*nr))) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		p->rules = nr;
		p->cap = ncap;
	}
	p->rules[p->n++] = *r;
	return 0;
}

int
ct_netpolicy_add_rule(struct ct_netpolicy *p, const char *rule)
{
	struct ct_netrule r;
	int rc;

	if ((rc = ct_netrule_parse(rule, strlen(rule), &r)) != 0)
		return rc;
	return ct_netpolicy_add(p, &r);
}

size_t
ct_netpolicy_count(const struct ct_netpolicy *p)
{
	return p->n;
}

const struct ct_netrule *
ct_netpolicy_rule(const struct ct_netpolicy *p, size_t i)
{
	return i < p->n ? &p->rules[i] : NULL;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int
ct_netpolicy_load_buf(struct ct_netpolicy *p, const char *name, const char *buf, size_t len,
    const char *class)
{
	struct ct_netpolicy *tmp = NULL;
	struct ct_netrule rule;
	char **seen = NULL, q[80];
	size_t nseen = 0, i, off = 0, lineno = 0;
	int r = CT_ERR_INTERNAL, in_selected = 1;

	if (len > CT_NETPOLICY_FILE_MAX)
		return ct_error(CT_ERR_LIMIT, "policy '%s' is larger than %u bytes", name,
		    CT_NETPOLICY_FILE_MAX);
	if ((r = ct_netpolicy_new(&tmp)) != 0)
		return r;
	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off), *hash;
		size_t n = nl != NULL ? (size_t)(nl - line) : len - off;

		off += n + (nl != NULL);
		lineno++;
		if (memchr(line, '\0', n) != NULL) {
			r = ct_error(CT_ERR_FORMAT, "%s:%zu: NUL byte in the line", name, lineno);
			goto out;
		}
		/* a comment: '#' at the start or after white space */
		for (hash = line; (hash = memchr(hash, '#', (size_t)(line + n - hash))) != NULL;
		    hash++) {
			if (hash == line || is_space((unsigned char)hash[-1])) {
				n = (size_t)(hash - line);
				break;
			}
		}
		while (n > 0 && is_space((unsigned char)line[0])) {
			line++;
			n--;
		}
		while (n > 0 && is_space((unsigned char)line[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (line[0] == '[' && memchr(line, ':', n) == NULL) {
			/* a section header: "[class NAME]" */
			const char *nm;
			char cname[65];
			size_t nlen;

			if (n < 9 || memcmp(line, "[class", 6) != 0 ||
			    !is_space((unsigned char)line[6]) || line[n - 1] != ']') {
				r = ct_error(CT_ERR_FORMAT,
				    "%s:%zu: invalid section header '%s' (expected '[class NAME]')",
				    name, lineno, quote(line, n, q, sizeof(q)));
				goto out;
			}
			nm = line + 7;
			nlen = n - 8;
			while (nlen > 0 && is_space((unsigned char)nm[0])) {
				nm++;
				nlen--;
			}
			while (nlen > 0 && is_space((unsigned char)nm[nlen - 1]))
				nlen--;
			if (nlen == 0 || nlen > 64) {
				r = ct_error(CT_ERR_FORMAT,
				    "%s:%zu: a class name must be 1 to 64 characters", name, lineno);
				goto out;
			}
			memcpy(cname, nm, nlen);
			cname[nlen] = '\0';
			if ((r = ct_task_class_check(cname)) != 0) {
				r = ct_error(CT_ERR_FORMAT, "%s:%zu: %s", name, lineno,
				    ct_errmsg(r));
				goto out;
			}
			for (i = 0; i < nseen; i++) {
				if (strcmp(seen[i], cname) == 0) {
					r = ct_error(CT_ERR_FORMAT,
					    "%s:%zu: a second section for class '%s'", name,
					    lineno, cname);
					goto out;
				}
			}
			{
				char **ns = realloc(seen, (nseen + 1) * sizeof(*ns));

				if (ns == NULL) {
					r = ct_error(CT_ERR_NOMEM, "out of memory");
					goto out;
				}
				seen = ns;
				if ((seen[nseen] = strdup(cname)) == NULL) {
					r = ct_error(CT_ERR_NOMEM, "out of memory");
					goto out;
				}
				nseen++;
			}
			in_selected = class != NULL && strcmp(class, cname) == 0;
			continue;
		}
		if ((r = ct_netrule_parse(line, n, &rule)) != 0) {
			r = ct_error(CT_ERR_FORMAT, "%s:%zu: %s", name, lineno, ct_errmsg(r));
			goto out;
		}
		if (in_selected && (r = ct_netpolicy_add(tmp, &rule)) != 0) {
			r = ct_error(r, "%s:%zu: %s", name, lineno, ct_errmsg(r));
			goto out;
		}
	}
	for (i = 0; i < tmp->n; i++)
		if ((r = ct_netpolicy_add(p, &tmp->rules[i])) != 0)
			goto out;
	r = 0;
 out:
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	ct_netpolicy_free(tmp);
	return r;
}

int
ct_netpolicy_load_file(struct ct_netpolicy *p, const char *path, const char *class)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int r;

	if ((r = ct_read_file(path, CT_NETPOLICY_FILE_MAX, &data, &len)) != 0)
		return r;
	r = ct_netpolicy_load_buf(p, path, (const char *)data, len, class);
	free(data);
	return r;
}

/* Lower-case a query name into out; 0 if it is not a plain host name. */
static int
plain_name(const char *s, size_t n, char out[CT_HOSTNAME_MAX + 1], size_t *outlen)
{
	size_t i, lab = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > CT_HOSTNAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (is_ldh(c) || c == '_') {
			if (++lab > 63)
				return 0;
		} else {
			return 0;
		}
		out[i] = (char)lower(c);
	}
	if (lab == 0)
		return 0;
	out[n] = '\0';
	*outlen = n;
	return 1;
}

int
ct_netpolicy_match_name(const struct ct_netpolicy *p, const char *name, size_t len,
    int (*fn)(const struct ct_netrule *r, void *arg), void *arg)
{
	char q[CT_HOSTNAME_MAX + 1];
	size_t qlen, i, dlen;
	int nmatch = 0;

	if (p == NULL || !plain_name(name, len, q, &qlen))
		return 0;
	for (i = 0; i < p->n; i++) {
		const struct ct_netrule *r = &p->rules[i];
		int hit = 0;

		if (r->kind == CT_NETRULE_HOST) {
			hit = strcmp(q, r->name) == 0;
		} else if (r->kind == CT_NETRULE_WILDCARD) {
			dlen = strlen(r->name);
			hit = qlen > dlen + 1 && q[qlen - dlen - 1] == '.' &&
			    memcmp(q + qlen - dlen, r->name, dlen) == 0;
		}
		if (!hit)
			continue;
		nmatch++;
		if (fn != NULL && fn(r, arg) != 0)
			break;
	}
	return nmatch;
}

int
ct_netpolicy_name_allowed(const struct ct_netpolicy *p, const char *name, size_t len)
{
	return ct_netpolicy_match_name(p, name, len, NULL, NULL) > 0;
}

int
ct_netpolicy_is_metadata(int family, const void *addr)
{
	uint8_t v4[4];
	size_t i;

	if (family == AF_INET6 && ct_addr_v4mapped(addr, v4)) {
		family = AF_INET;
		addr = v4;
	}
	if (family == AF_INET) {
		for (i = 0; i < sizeof(meta_v4) / sizeof(meta_v4[0]); i++)
			if (memcmp(addr, meta_v4[i], 4) == 0)
				return 1;
	} else if (family == AF_INET6) {
		for (i = 0; i < sizeof(meta_v6) / sizeof(meta_v6[0]); i++)
			if (memcmp(addr, meta_v6[i], 16) == 0)
				return 1;
	}
	return 0;
}

int
ct_netpolicy_addr_allowed(const struct ct_netpolicy *p, int family, const void *addr,
    uint16_t port)
{
	uint8_t v4[4];
	size_t i;
	int meta;

	if (p == NULL || (family != AF_INET && family != AF_INET6))
		return 0;
	if (family == AF_INET6 && ct_addr_v4mapped(addr, v4)) {
		family = AF_INET;
		addr = v4;
	}
	meta = ct_netpolicy_is_metadata(family, addr);
	for (i = 0; i < p->n; i++) {
		const struct ct_netrule *r = &p->rules[i];

		if (r->kind != CT_NETRULE_CIDR || r->family != family)
			continue;
		if (r->port != 0 && r->port != port)
			continue;
		if (meta && r->prefix != (family == AF_INET ? 32u : 128u))
			continue;
		if (prefix_match(addr, r->addr, r->prefix))
			return 1;
	}
	return 0;
}

int
ct_netpolicy_foreach_cidr(const struct ct_netpolicy *p,
    int (*fn)(const struct ct_netrule *r, void *arg), void *arg)
{
	size_t i;
	int r;

	for (i = 0; p != NULL && i < p->n; i++)
		if (p->rules[i].kind == CT_NETRULE_CIDR && (r = fn(&p->rules[i], arg)) != 0)
			return r;
	return 0;
}

static int
exact_rule_for(const struct ct_netpolicy *p, int family, const uint8_t *addr)
{
	size_t i, alen = family == AF_INET ? 4 : 16;

	for (i = 0; p != NULL && i < p->n; i++) {
		const struct ct_netrule *r = &p->rules[i];

		if (r->kind == CT_NETRULE_CIDR && r->family == family &&
		    r->prefix == alen * 8 && memcmp(r->addr, addr, alen) == 0)
			return 1;
	}
	return 0;
}

int
ct_netpolicy_foreach_metadata_deny(const struct ct_netpolicy *p,
    int (*fn)(const struct ct_netrule *r, void *arg), void *arg)
{
	struct ct_netrule r;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(meta_v4) / sizeof(meta_v4[0]) + sizeof(meta_v6) /
	    sizeof(meta_v6[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.kind = CT_NETRULE_CIDR;
		if (i < sizeof(meta_v4) / sizeof(meta_v4[0])) {
			r.family = AF_INET;
			memcpy(r.addr, meta_v4[i], 4);
			r.prefix = 32;
		} else {
			r.family = AF_INET6;
			memcpy(r.addr, meta_v6[i - sizeof(meta_v4) / sizeof(meta_v4[0])], 16);
			r.prefix = 128;
		}
		if (exact_rule_for(p, r.family, r.addr))
			continue;
		rule_text(&r);
		if ((rc = fn(&r, arg)) != 0)
			return rc;
	}
	return 0;
}
