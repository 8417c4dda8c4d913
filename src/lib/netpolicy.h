/*
 * netpolicy.h - the egress allowlist of `credtrail run`: rules, policy files, matching.
 *
 * A rule (`--allow RULE`, or one line of a policy file) is one of
 *
 *   host             example.com           the name itself, any port
 *   *.domain         *.example.com         every name BELOW example.com (a.example.com,
 *                                          a.b.example.com) but not example.com itself
 *   host:port        example.com:443       (also *.example.com:443)
 *   address          192.0.2.1  2001:db8::1
 *   CIDR             10.0.0.0/8  2001:db8::/32
 *   address:port     192.0.2.1:443  10.0.0.0/8:443  [::1]:443  [2001:db8::/32]:443
 *
 * Host names are LDH (letters, digits, '-'; labels of 1-63 characters that neither start nor
 * end with '-'), at most 253 characters, stored lower-cased with one trailing dot stripped;
 * a name whose last label is all digits is refused (it is a mistyped address).  An IPv6
 * address with a port must be in brackets: without them every ':' belongs to the address,
 * so `::1:443` is the IPv6 address ::1:443.  A CIDR must not have host bits set.  An IPv6
 * rule inside ::ffff:0:0/96 (IPv4-mapped) is stored as the IPv4 rule it stands for, and
 * IPv4-mapped addresses are matched as IPv4, so `::ffff:a.b.c.d` can never slip past an
 * IPv4 rule (nor gain from a broad IPv6 one).
 *
 * Cloud metadata addresses (ct_netpolicy_is_metadata(): 169.254.169.254, 169.254.170.2,
 * 169.254.170.23, fd00:ec2::254, fd00:ec2::23 - instance metadata and the ECS / EKS pod
 * credential endpoints) are allowed ONLY by an address rule naming that very address (a
 * /32 or /128, with or without a port).  A broader CIDR that contains one (169.254.0.0/16,
 * 0.0.0.0/0) does not allow it, and neither does any host name rule, exact or wildcard,
 * whose answers point at it: the DNS proxy never admits a metadata address (see
 * dnsproxy.h), because a name the agent can influence could otherwise be rebound to the
 * credential endpoint.
 *
 * Policy file format (text, UTF-8/ASCII, at most 1 MiB):
 *
 *   # comment to the end of the line ('#' at the start or after white space)
 *   route53.amazonaws.com:443          one rule per line, leading/trailing space ignored
 *   sts.amazonaws.com:443              rules before the first section apply to every task
 *
 *   [class dns-check]                  rules for tasks of class dns-check only (in ADDITION
 *   *.route53.amazonaws.com:443        to the rules above); the name follows the task class
 *   10.0.0.0/8:53                      syntax ([A-Za-z0-9_.-], 1-64)
 *
 * There is no include and no negation.  A class may have at most one section.  Every line
 * of the file is checked, whichever class is selected; an error is "FILE:LINE: reason".
 * Selecting a class that has no section is not an error: the task gets the global rules.
 *
 * The library never prints; errors are CT_ERR_* codes with a detail (err.h).
 */
#ifndef CT_NETPOLICY_H
#define CT_NETPOLICY_H

#include <stddef.h>
#include <stdint.h>

#define CT_HOSTNAME_MAX 253	/* presentation form, without the trailing dot */
#define CT_NETRULE_TEXT_MAX 300	/* longest rule text accepted */
#define CT_NETPOLICY_FILE_MAX (1024u * 1024)

enum ct_netrule_kind {
	CT_NETRULE_HOST = 1,	/* name == rule name */
	CT_NETRULE_WILDCARD,	/* name ends in "." + rule name */
	CT_NETRULE_CIDR,	/* address within addr/prefix */
};

struct ct_netrule {
	enum ct_netrule_kind kind;
	char name[CT_HOSTNAME_MAX + 1];	/* HOST: the name; WILDCARD: the domain after "*." */
	int family;			/* CIDR: AF_INET or AF_INET6 */
	uint8_t addr[16];		/* CIDR: network, host bits zero; 4 bytes for AF_INET */
	unsigned prefix;		/* CIDR: prefix length, 0-32 or 0-128 */
	uint16_t port;			/* 0: any port */
	char text[CT_NETRULE_TEXT_MAX + 8]; /* canonical text, e.g. "[2001:db8::/32]:443" */
};

struct ct_netpolicy;

int ct_netpolicy_new(struct ct_netpolicy **out);
void ct_netpolicy_free(struct ct_netpolicy *p);

/*
 * Parse one rule of `n` bytes (no NUL needed).  CT_ERR_INVALID with a message quoting the
 * rule, e.g. "invalid host name 'a..b': empty label".
 */
int ct_netrule_parse(const char *s, size_t n, struct ct_netrule *out);

/* Parse a NUL-terminated rule and add it (an identical rule already present is skipped). */
int ct_netpolicy_add_rule(struct ct_netpolicy *p, const char *rule);
int ct_netpolicy_add(struct ct_netpolicy *p, const struct ct_netrule *r);

/*
 * Read a policy file and add its global rules plus those of section `class` (NULL: global
 * rules only).  `name` (for messages) is the file name.  Nothing is added unless the whole
 * file is valid.  Errors: CT_ERR_FORMAT "FILE:LINE: reason", CT_ERR_SYSTEM (cannot read),
 * CT_ERR_LIMIT (file larger than CT_NETPOLICY_FILE_MAX).
 */
int ct_netpolicy_load_file(struct ct_netpolicy *p, const char *path, const char *class);
int ct_netpolicy_load_buf(struct ct_netpolicy *p, const char *name, const char *buf, size_t len,
    const char *class);

size_t ct_netpolicy_count(const struct ct_netpolicy *p);
const struct ct_netrule *ct_netpolicy_rule(const struct ct_netpolicy *p, size_t i);

/*
 * Is the name (`len` bytes, any case, an optional trailing dot) allowed by a HOST or
 * WILDCARD rule?  Calls fn (if not NULL) for each matching rule (so the caller learns the
 * ports), stopping early if fn returns non-zero.  Returns the number of matching rules seen
 * (0: not allowed).  A name that is not a plain host name (characters other than letters,
 * digits, '-', '_', '.', empty labels, too long) never matches.
 */
int ct_netpolicy_match_name(const struct ct_netpolicy *p, const char *name, size_t len,
    int (*fn)(const struct ct_netrule *r, void *arg), void *arg);
int ct_netpolicy_name_allowed(const struct ct_netpolicy *p, const char *name, size_t len);

/*
 * Is (address, port) allowed by a CIDR rule?  `addr` is 4 bytes (AF_INET) or 16 bytes
 * (AF_INET6; IPv4-mapped addresses are matched as IPv4).  A rule with a port matches only
 * that port; port 0 in the query matches only rules without a port.  Metadata addresses:
 * see above.  Returns 1 (allowed) or 0.
 */
int ct_netpolicy_addr_allowed(const struct ct_netpolicy *p, int family, const void *addr,
    uint16_t port);

/* Is this one of the cloud metadata / credential endpoint addresses listed above? */
int ct_netpolicy_is_metadata(int family, const void *addr);

/*
 * Call fn for every CIDR rule (in the order added; one CIDR may come several times with
 * different ports), for loading a BPF LPM map.  Stops at and returns fn's first non-zero.
 */
int ct_netpolicy_foreach_cidr(const struct ct_netpolicy *p,
    int (*fn)(const struct ct_netrule *r, void *arg), void *arg);

/*
 * Call fn for each metadata address NOT allowed by an exact rule, as a /32 or /128 CIDR
 * rule with port 0: an LPM map holding these as "deny" entries makes a broad allow CIDR
 * (longer prefixes win) unable to reach them, which is the metadata rule above.
 */
int ct_netpolicy_foreach_metadata_deny(const struct ct_netpolicy *p,
    int (*fn)(const struct ct_netrule *r, void *arg), void *arg);

/* If addr (16 bytes) is IPv4-mapped (::ffff:a.b.c.d), write the IPv4 address and return 1. */
int ct_addr_v4mapped(const uint8_t addr[16], uint8_t out[4]);

/*
 * Check a host name (`n` bytes) by the rules above and write its canonical form (lower
 * case, no trailing dot) into out (CT_HOSTNAME_MAX + 1 bytes).  CT_ERR_INVALID with the
 * reason: "invalid host name 'x': empty label".
 */
int ct_hostname_canon(const char *s, size_t n, char out[CT_HOSTNAME_MAX + 1]);

#endif
