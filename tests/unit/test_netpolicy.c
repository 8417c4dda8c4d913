/*
 * test_netpolicy.c - allow rules: every form and its canonical text, bad rules with their
 * exact messages, wildcard and port semantics, IPv4-mapped IPv6, the metadata rule, policy
 * files with [class] sections and FILE:LINE errors, and the iterators the monitor uses.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "lib/netpolicy.h"
#include "util/err.h"

#define A16 "aaaaaaaaaaaaaaaa"

static struct ct_netrule
parse_ok(const char *s)
{
	struct ct_netrule r;
	int rc = ct_netrule_parse(s, strlen(s), &r);

	if (rc != 0)
		fail_msg("rule '%s' refused: %s", s, ct_errmsg(rc));
	return r;
}

static void
parse_bad(const char *s, const char *msg)
{
	struct ct_netrule r;

	assert_int_equal(ct_netrule_parse(s, strlen(s), &r), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID), msg);
}

static void
test_rule_forms(void **state)
{
	static const struct {
		const char *in, *text;
		int kind, family;
		unsigned prefix;
		uint16_t port;
	} t[] = {
		{ "example.com", "example.com", CT_NETRULE_HOST, 0, 0, 0 },
		{ "Route53.AmazonAWS.com.", "route53.amazonaws.com", CT_NETRULE_HOST, 0, 0, 0 },
		{ "example.com:443", "example.com:443", CT_NETRULE_HOST, 0, 0, 443 },
		{ "*.example.com", "*.example.com", CT_NETRULE_WILDCARD, 0, 0, 0 },
		{ "*.Example.com.:8443", "*.example.com:8443", CT_NETRULE_WILDCARD, 0, 0, 8443 },
		{ "localhost", "localhost", CT_NETRULE_HOST, 0, 0, 0 },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example", CT_NETRULE_HOST, 0, 0, 0 },
		{ "192.0.2.1", "192.0.2.1", CT_NETRULE_CIDR, AF_INET, 32, 0 },
		{ "192.0.2.1:443", "192.0.2.1:443", CT_NETRULE_CIDR, AF_INET, 32, 443 },
		{ "10.0.0.0/8", "10.0.0.0/8", CT_NETRULE_CIDR, AF_INET, 8, 0 },
		{ "10.0.0.0/8:53", "10.0.0.0/8:53", CT_NETRULE_CIDR, AF_INET, 8, 53 },
		{ "0.0.0.0/0", "0.0.0.0/0", CT_NETRULE_CIDR, AF_INET, 0, 0 },
		{ "192.0.2.1/32", "192.0.2.1", CT_NETRULE_CIDR, AF_INET, 32, 0 },
		{ "2001:db8::1", "2001:db8::1", CT_NETRULE_CIDR, AF_INET6, 128, 0 },
		{ "2001:DB8::/32", "2001:db8::/32", CT_NETRULE_CIDR, AF_INET6, 32, 0 },
		{ "[::1]:443", "[::1]:443", CT_NETRULE_CIDR, AF_INET6, 128, 443 },
		{ "[::1]", "::1", CT_NETRULE_CIDR, AF_INET6, 128, 0 },
		{ "[2001:db8::/32]:443", "[2001:db8::/32]:443", CT_NETRULE_CIDR, AF_INET6, 32, 443 },
		/* without brackets every ':' belongs to the IPv6 address */
		{ "::1:443", "::0.1.4.67", CT_NETRULE_CIDR, AF_INET6, 128, 0 },
		/* IPv4-mapped rules are IPv4 rules */
		{ "::ffff:10.0.0.0/104", "10.0.0.0/8", CT_NETRULE_CIDR, AF_INET, 8, 0 },
		{ "[::ffff:192.0.2.7]:80", "192.0.2.7:80", CT_NETRULE_CIDR, AF_INET, 32, 80 },
		{ "::/0", "::/0", CT_NETRULE_CIDR, AF_INET6, 0, 0 },
		{ "a.b:65535", "a.b:65535", CT_NETRULE_HOST, 0, 0, 65535 },
	};
	struct ct_netrule r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = parse_ok(t[i].in);
		assert_string_equal(r.text, t[i].text);
		assert_int_equal(r.kind, t[i].kind);
		assert_int_equal(r.port, t[i].port);
		if (t[i].kind == CT_NETRULE_CIDR) {
			assert_int_equal(r.family, t[i].family);
			assert_int_equal(r.prefix, t[i].prefix);
		}
		/* the canonical text parses back to itself */
		r = parse_ok(t[i].text);
		assert_string_equal(r.text, t[i].text);
	}
	r = parse_ok("*.example.com");
	assert_string_equal(r.name, "example.com");
}

static void
test_bad_rules(void **state)
{
	char longname[300], longlabel[80];

	(void)state;
	parse_bad("", "empty rule");
	parse_bad("ex ample.com", "invalid host name 'ex ample.com': character ' ' at position 3 "
	    "(allowed: letters, digits, '-', '.')");
	parse_bad("a..b", "invalid host name 'a..b': empty label");
	parse_bad(".example.com", "invalid host name '.example.com': empty label");
	parse_bad(".", "invalid host name '.': empty");
	parse_bad("-a.com", "invalid host name '-a.com': label starts or ends with '-'");
	parse_bad("a-.com", "invalid host name 'a-.com': label starts or ends with '-'");
	parse_bad("under_score.com", "invalid host name 'under_score.com': character '_' at "
	    "position 6 (allowed: letters, digits, '-', '.')");
	parse_bad("a.123", "invalid host name 'a.123': the last label is numeric");
	parse_bad("1.2.3.256", "invalid address in '1.2.3.256'");
	parse_bad("1.2.3", "invalid address in '1.2.3'");
	parse_bad("010.1.1.1", "invalid address in '010.1.1.1'");
	parse_bad("example.com:0", "invalid port in 'example.com:0' (1-65535)");
	parse_bad("example.com:65536", "invalid port in 'example.com:65536' (1-65535)");
	parse_bad("example.com:", "invalid port in 'example.com:' (1-65535)");
	parse_bad("example.com:+80", "invalid port in 'example.com:+80' (1-65535)");
	parse_bad("example.com:http", "invalid port in 'example.com:http' (1-65535)");
	parse_bad(":443", "missing host or address in ':443'");
	parse_bad("*", "invalid wildcard '*': '*' may only be the whole first label, "
	    "as in '*.example.com'");
	parse_bad("*.", "invalid wildcard '*.': '*' may only be the whole first label, "
	    "as in '*.example.com'");
	parse_bad("a*.example.com", "invalid wildcard 'a*.example.com': '*' may only be the "
	    "whole first label, as in '*.example.com'");
	parse_bad("*.*.example.com", "invalid wildcard '*.*.example.com': '*' may only be the "
	    "whole first label, as in '*.example.com'");
	parse_bad("www.*.com", "invalid wildcard 'www.*.com': '*' may only be the whole first "
	    "label, as in '*.example.com'");
	parse_bad("10.1.2.3/8", "'10.1.2.3/8' has host bits set (the network is 10.0.0.0/8)");
	parse_bad("2001:db8::1/32",
	    "'2001:db8::1/32' has host bits set (the network is 2001:db8::/32)");
	parse_bad("10.0.0.0/33", "invalid prefix length in '10.0.0.0/33' (0-32)");
	parse_bad("10.0.0.0/", "invalid prefix length in '10.0.0.0/' (0-32)");
	parse_bad("10.0.0.0/-1", "invalid prefix length in '10.0.0.0/-1' (0-32)");
	parse_bad("::/129", "invalid prefix length in '::/129' (0-128)");
	parse_bad("host/8", "invalid address in 'host/8'");
	parse_bad("[::1", "missing ']' in '[::1'");
	parse_bad("[::1]443", "expected ':PORT' after ']' in '[::1]443'");
	parse_bad("[::1]:", "invalid port in '[::1]:' (1-65535)");
	parse_bad("[10.0.0.1]:80", "only an IPv6 address or CIDR may be in brackets: "
	    "'[10.0.0.1]:80'");
	parse_bad("[example.com]:80", "only an IPv6 address or CIDR may be in brackets: "
	    "'[example.com]:80'");
	parse_bad("[:::1]:80", "invalid IPv6 address in '[:::1]:80'");
	parse_bad("fe80::1%eth0", "invalid IPv6 address in 'fe80::1%eth0'");
	parse_bad("exa\001mple.com", "invalid host name 'exa?mple.com': character '?' at "
	    "position 4 (allowed: letters, digits, '-', '.')");

	memset(longlabel, 'a', 64);
	memcpy(longlabel + 64, ".com", 5);
	parse_bad(longlabel, "invalid host name '" A16 A16 A16 A16 ".com': "
	    "label longer than 63 characters");
	longlabel[62] = 'b';
	longlabel[63] = '\0';
	assert_int_equal(strlen(parse_ok(longlabel).name), 63);

	/* 254 characters: 63+1+63+1+63+1+62 = 254 */
	memset(longname, 'a', sizeof(longname));
	longname[63] = longname[127] = longname[191] = '.';
	longname[254] = '\0';
	/* untrusted text in a message is cut at 76 characters */
	parse_bad(longname, "invalid host name '" A16 A16 A16 "aaaaaaaaaaaaaaa.aaaaaaaaaaaa...': "
	    "longer than 253 characters");
	longname[253] = '\0';
	assert_int_equal(strlen(parse_ok(longname).name), 253);
	/* the trailing dot does not count */
	longname[253] = '.';
	longname[254] = '\0';
	assert_int_equal(strlen(parse_ok(longname).name), 253);
	/* a rule as a whole is bounded */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(ct_netrule_parse(longname, 299, &(struct ct_netrule){ 0 }),
	    CT_ERR_INVALID);
	{
		struct ct_netrule r;

		assert_int_equal(ct_netrule_parse("a.com\0x", 7, &r), CT_ERR_INVALID);
		assert_string_equal(ct_errmsg(CT_ERR_INVALID), "rule 'a.com?x' holds a NUL byte");
		/* the length is honoured: no NUL needed, nothing read past it */
		assert_int_equal(ct_netrule_parse("example.comXXXX", 11, &r), 0);
		assert_string_equal(r.text, "example.com");
	}
}

static struct ct_netpolicy *
policy(const char *const *rules)
{
	struct ct_netpolicy *p;

	assert_int_equal(ct_netpolicy_new(&p), 0);
	for (; *rules != NULL; rules++)
		if (ct_netpolicy_add_rule(p, *rules) != 0)
			fail_msg("rule '%s': %s", *rules, ct_errmsg(-5));
	return p;
}

static int
allowed(const struct ct_netpolicy *p, const char *name)
{
	return ct_netpolicy_name_allowed(p, name, strlen(name));
}

static void
test_name_matching(void **state)
{
	static const char *rules[] = { "*.example.com", "api.test.org", "Upper.Case.net", NULL };
	struct ct_netpolicy *p = policy(rules);

	(void)state;
	assert_true(allowed(p, "a.example.com"));
	assert_true(allowed(p, "a.b.example.com"));
	assert_true(allowed(p, "A.EXAMPLE.COM."));
	assert_true(allowed(p, "_acme.example.com"));
	assert_false(allowed(p, "example.com"));
	assert_false(allowed(p, "badexample.com"));
	assert_false(allowed(p, "example.com.evil.org"));
	assert_false(allowed(p, ".example.com"));
	assert_false(allowed(p, "a..example.com"));
	assert_true(allowed(p, "api.test.org"));
	assert_true(allowed(p, "API.test.org."));
	assert_false(allowed(p, "x.api.test.org"));
	assert_false(allowed(p, "test.org"));
	assert_true(allowed(p, "upper.case.net"));
	/* names that are not plain host names never match, whatever the rules */
	assert_false(allowed(p, "a\\.example.com"));
	assert_false(allowed(p, "a b.example.com"));
	assert_false(allowed(p, ""));
	assert_false(allowed(p, "."));
	/* the length is honoured */
	assert_true(ct_netpolicy_name_allowed(p, "api.test.orgXYZ", 12));
	assert_false(ct_netpolicy_name_allowed(p, "api.test.org", 11));
	ct_netpolicy_free(p);
}

struct ports {
	uint16_t v[8];
	size_t n;
};

static int
collect_port(const struct ct_netrule *r, void *arg)
{
	struct ports *ps = arg;

	ps->v[ps->n++] = r->port;
	return 0;
}

static void
test_name_ports(void **state)
{
	static const char *rules[] = { "api.example.com:443", "*.example.com:8443",
		"api.example.com:80", "other.example.com", "10.0.0.0/8", NULL };
	struct ct_netpolicy *p = policy(rules);
	struct ports ps = { { 0 }, 0 };

	(void)state;
	assert_int_equal(ct_netpolicy_match_name(p, "api.example.com", 15, collect_port, &ps), 3);
	assert_int_equal(ps.n, 3);
	assert_int_equal(ps.v[0], 443);
	assert_int_equal(ps.v[1], 8443);
	assert_int_equal(ps.v[2], 80);
	ps.n = 0;
	assert_int_equal(ct_netpolicy_match_name(p, "other.example.com", 17, collect_port, &ps), 2);
	assert_int_equal(ps.v[0], 8443);
	assert_int_equal(ps.v[1], 0);
	/* a CIDR rule never allows a name */
	assert_false(allowed(p, "10.0.0.1"));
	ct_netpolicy_free(p);
}

static int
v4(const struct ct_netpolicy *p, const char *a, uint16_t port)
{
	uint8_t b[4];

	assert_int_equal(inet_pton(AF_INET, a, b), 1);
	return ct_netpolicy_addr_allowed(p, AF_INET, b, port);
}

static int
v6(const struct ct_netpolicy *p, const char *a, uint16_t port)
{
	uint8_t b[16];

	assert_int_equal(inet_pton(AF_INET6, a, b), 1);
	return ct_netpolicy_addr_allowed(p, AF_INET6, b, port);
}

static void
test_addr_matching(void **state)
{
	static const char *rules[] = { "10.0.0.0/8", "192.0.2.1:443", "172.16.0.0/12:53",
		"2001:db8::/32", "[::1]:8080", "example.com", NULL };
	struct ct_netpolicy *p = policy(rules);

	(void)state;
	assert_true(v4(p, "10.1.2.3", 80));
	assert_true(v4(p, "10.255.255.255", 1));
	assert_false(v4(p, "11.0.0.0", 80));
	assert_true(v4(p, "192.0.2.1", 443));
	assert_false(v4(p, "192.0.2.1", 80));
	assert_false(v4(p, "192.0.2.1", 0));
	assert_false(v4(p, "192.0.2.2", 443));
	assert_true(v4(p, "172.31.255.1", 53));
	assert_false(v4(p, "172.32.0.1", 53));
	assert_false(v4(p, "172.16.0.1", 54));
	assert_true(v6(p, "2001:db8:ffff::1", 443));
	assert_false(v6(p, "2001:db9::1", 443));
	assert_true(v6(p, "::1", 8080));
	assert_false(v6(p, "::1", 8081));
	/* IPv4-mapped IPv6 addresses are matched as IPv4 */
	assert_true(v6(p, "::ffff:10.9.9.9", 22));
	assert_false(v6(p, "::ffff:11.9.9.9", 22));
	assert_true(v6(p, "::ffff:192.0.2.1", 443));
	assert_false(v6(p, "::ffff:192.0.2.1", 80));
	assert_false(ct_netpolicy_addr_allowed(p, AF_UNIX, "abcd", 1));
	ct_netpolicy_free(p);

	/* a broad IPv6 rule does not cover IPv4-mapped addresses (they are IPv4) */
	{
		static const char *r6[] = { "::/0", NULL };
		struct ct_netpolicy *q = policy(r6);

		assert_true(v6(q, "2001:db8::1", 443));
		assert_false(v6(q, "::ffff:10.0.0.1", 443));
		assert_false(v4(q, "10.0.0.1", 443));
		ct_netpolicy_free(q);
	}
}

static void
test_metadata_rule(void **state)
{
	static const char *broad[] = { "0.0.0.0/0", "169.254.0.0/16", "::/0", "fd00::/8", NULL };
	static const char *exact[] = { "169.254.169.254:80", "[fd00:ec2::254]", NULL };
	struct ct_netpolicy *p = policy(broad), *q = policy(exact);

	(void)state;
	assert_true(v4(p, "169.254.1.1", 80));
	assert_false(v4(p, "169.254.169.254", 80));
	assert_false(v4(p, "169.254.170.2", 80));
	assert_false(v4(p, "169.254.170.23", 80));
	assert_false(v6(p, "::ffff:169.254.169.254", 80));
	assert_false(v6(p, "fd00:ec2::254", 80));
	assert_false(v6(p, "fd00:ec2::23", 80));
	assert_true(v6(p, "fd00:ec2::255", 80));
	assert_true(v4(q, "169.254.169.254", 80));
	assert_true(v6(q, "::ffff:169.254.169.254", 80));
	assert_false(v4(q, "169.254.169.254", 443));
	assert_true(v6(q, "fd00:ec2::254", 443));
	assert_true(ct_netpolicy_is_metadata(AF_INET, "\xa9\xfe\xa9\xfe"));
	assert_false(ct_netpolicy_is_metadata(AF_INET, "\xa9\xfe\xa9\xfd"));
	ct_netpolicy_free(p);
	ct_netpolicy_free(q);
}

struct texts {
	char v[16][CT_NETRULE_TEXT_MAX + 8];
	size_t n;
};

static int
collect_text(const struct ct_netrule *r, void *arg)
{
	struct texts *t = arg;

	strcpy(t->v[t->n++], r->text);
	return t->n == 16;
}

static int
stop_at_first(const struct ct_netrule *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 7;
}

static void
test_iterators(void **state)
{
	static const char *rules[] = { "example.com", "10.0.0.0/8", "*.a.org", "10.0.0.0/8:53",
		"[2001:db8::/32]:443", "169.254.169.254", "10.0.0.0/8", NULL };
	struct ct_netpolicy *p = policy(rules);
	struct texts t;
	int calls = 0;

	(void)state;
	/* the duplicate 10.0.0.0/8 was skipped */
	assert_int_equal(ct_netpolicy_count(p), 6);
	memset(&t, 0, sizeof(t));
	assert_int_equal(ct_netpolicy_foreach_cidr(p, collect_text, &t), 0);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.v[0], "10.0.0.0/8");
	assert_string_equal(t.v[1], "10.0.0.0/8:53");
	assert_string_equal(t.v[2], "[2001:db8::/32]:443");
	assert_string_equal(t.v[3], "169.254.169.254");
	assert_int_equal(ct_netpolicy_foreach_cidr(p, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	/* metadata denies: all but the one allowed exactly */
	memset(&t, 0, sizeof(t));
	assert_int_equal(ct_netpolicy_foreach_metadata_deny(p, collect_text, &t), 0);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.v[0], "169.254.170.2");
	assert_string_equal(t.v[1], "169.254.170.23");
	assert_string_equal(t.v[2], "fd00:ec2::254");
	assert_string_equal(t.v[3], "fd00:ec2::23");
	assert_string_equal(ct_netpolicy_rule(p, 0)->text, "example.com");
	assert_null(ct_netpolicy_rule(p, 6));
	ct_netpolicy_free(p);
}

static const char policy_text[] =
    "# credtrail policy\n"
    "route53.amazonaws.com:443   # the API\n"
    "  sts.amazonaws.com:443\r\n"
    "\n"
    "[class dns-check]\n"
    "*.route53.amazonaws.com\n"
    "10.0.0.0/8:53\n"
    "[2001:db8::/32]:443\n"
    "[class  other ]\n"
    "example.org\n";

static void
test_policy_file(void **state)
{
	struct ct_netpolicy *p;

	(void)state;
	assert_int_equal(ct_netpolicy_new(&p), 0);
	assert_int_equal(ct_netpolicy_load_buf(p, "pol", policy_text, strlen(policy_text),
	    "dns-check"), 0);
	assert_int_equal(ct_netpolicy_count(p), 5);
	assert_string_equal(ct_netpolicy_rule(p, 0)->text, "route53.amazonaws.com:443");
	assert_string_equal(ct_netpolicy_rule(p, 1)->text, "sts.amazonaws.com:443");
	assert_string_equal(ct_netpolicy_rule(p, 2)->text, "*.route53.amazonaws.com");
	assert_string_equal(ct_netpolicy_rule(p, 4)->text, "[2001:db8::/32]:443");
	assert_false(allowed(p, "example.org"));
	ct_netpolicy_free(p);

	/* no class: the global rules only; another class: its own section */
	assert_int_equal(ct_netpolicy_new(&p), 0);
	assert_int_equal(ct_netpolicy_load_buf(p, "pol", policy_text, strlen(policy_text), NULL),
	    0);
	assert_int_equal(ct_netpolicy_count(p), 2);
	assert_int_equal(ct_netpolicy_load_buf(p, "pol", policy_text, strlen(policy_text),
	    "other"), 0);
	assert_int_equal(ct_netpolicy_count(p), 3);
	assert_true(allowed(p, "example.org"));
	/* a class without a section gets the global rules */
	ct_netpolicy_free(p);
	assert_int_equal(ct_netpolicy_new(&p), 0);
	assert_int_equal(ct_netpolicy_load_buf(p, "pol", policy_text, strlen(policy_text),
	    "nosuch"), 0);
	assert_int_equal(ct_netpolicy_count(p), 2);
	ct_netpolicy_free(p);
}

static void
policy_bad(const char *text, size_t len, const char *msg)
{
	struct ct_netpolicy *p;

	assert_int_equal(ct_netpolicy_new(&p), 0);
	assert_int_equal(ct_netpolicy_add_rule(p, "kept.example"), 0);
	assert_int_equal(ct_netpolicy_load_buf(p, "p.conf", text, len, "c"), CT_ERR_FORMAT);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), msg);
	/* nothing was added */
	assert_int_equal(ct_netpolicy_count(p), 1);
	ct_netpolicy_free(p);
}

#define BAD(text, msg) policy_bad(text, sizeof(text) - 1, msg)

static void
test_policy_file_errors(void **state)
{
	(void)state;
	BAD("ok.example\nbad host\n", "p.conf:2: invalid host name 'bad host': character ' ' at "
	    "position 4 (allowed: letters, digits, '-', '.')");
	BAD("[class c]\nok.example\n[class c]\n", "p.conf:3: a second section for class 'c'");
	BAD("[default]\n", "p.conf:1: invalid section header '[default]' (expected "
	    "'[class NAME]')");
	BAD("[class]\n", "p.conf:1: invalid section header '[class]' (expected '[class NAME]')");
	BAD("[class a/b]\n", "p.conf:1: task class 'a/b' has an invalid character at position 2 "
	    "(allowed: letters, digits, '-', '_', '.')");
	BAD("# only a comment\n\n[class other]\n10.1.0.0/8\n",
	    "p.conf:4: '10.1.0.0/8' has host bits set (the network is 10.0.0.0/8)");
	BAD("a.example\nb\0c\n", "p.conf:2: NUL byte in the line");
	BAD("example.com#comment\n", "p.conf:1: invalid host name 'example.com#comment': "
	    "character '#' at position 12 (allowed: letters, digits, '-', '.')");
	BAD("[class c\n", "p.conf:1: invalid section header '[class c' (expected "
	    "'[class NAME]')");
	{
		struct ct_netpolicy *p;
		char *big = calloc(1, CT_NETPOLICY_FILE_MAX + 1);

		assert_non_null(big);
		assert_int_equal(ct_netpolicy_new(&p), 0);
		assert_int_equal(ct_netpolicy_load_buf(p, "big", big, CT_NETPOLICY_FILE_MAX + 1,
		    NULL), CT_ERR_LIMIT);
		assert_int_equal(ct_netpolicy_load_file(p, "/nonexistent/policy", NULL),
		    CT_ERR_SYSTEM);
		assert_string_equal(ct_errmsg(CT_ERR_SYSTEM),
		    "cannot open '/nonexistent/policy': No such file or directory");
		ct_netpolicy_free(p);
		free(big);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_forms),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_name_matching),
		cmocka_unit_test(test_name_ports),
		cmocka_unit_test(test_addr_matching),
		cmocka_unit_test(test_metadata_rule),
		cmocka_unit_test(test_iterators),
		cmocka_unit_test(test_policy_file),
		cmocka_unit_test(test_policy_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
