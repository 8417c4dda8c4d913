/*
 * test_sshdlog.c - sshd authentication lines (sshdlog.c) against real sshd output collected
 * in tests/fixtures/sshd (see PROVENANCE.md there): certificate logins from public
 * documents, fail2ban's sshd test log with its expected source addresses, plaso and loghub
 * samples; plus every truncation of a certificate line, over-long fields and inspect JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/sshdlog.h"
#include "util/err.h"
#include "util/fs.h"

#define MAXLINES 128

struct lines {
	uint8_t *data;
	const char *v[MAXLINES];
	size_t len[MAXLINES];
	size_t n;
};

static void
load_lines(const char *name, struct lines *l)
{
	const char *top = getenv("CT_TOP");
	char path[4096], *p, *nl;
	size_t len;

	memset(l, 0, sizeof(*l));
	snprintf(path, sizeof(path), "%s/tests/fixtures/sshd/%s", top != NULL ? top : ".", name);
	if (ct_read_file(path, 1024 * 1024, &l->data, &len) != 0)
		fail_msg("cannot read %s", path);
	for (p = (char *)l->data; p < (char *)l->data + len && l->n < MAXLINES; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)((char *)l->data + len - p))) == NULL)
			nl = (char *)l->data + len;
		l->v[l->n] = p;
		l->len[l->n++] = (size_t)(nl - p);
	}
}

static const char example[] = "Nov 25 21:30:18 host sshd[812]: Accepted publickey for alice "
    "from 127.0.0.1 port 51234 ssh2: ED25519-CERT SHA256:abc ID ironclaw-task-7b3f-a1c8b2d4 "
    "(serial 42) CA ED25519 SHA256:def\n";

static void
test_example_line(void **state)
{
	struct ct_sshd_auth a;

	(void)state;
	assert_int_equal(ct_sshd_auth_parse(example, strlen(example), &a), 0);
	assert_int_equal(a.outcome, CT_SSHD_ACCEPTED);
	assert_string_equal(a.method, "publickey");
	assert_string_equal(a.user, "alice");
	assert_int_equal(a.invalid_user, 0);
	assert_string_equal(a.addr, "127.0.0.1");
	assert_int_equal(a.port, 51234);
	assert_string_equal(a.key_type, "ED25519-CERT");
	assert_string_equal(a.key_fp, "SHA256:abc");
	assert_int_equal(a.is_cert, 1);
	assert_string_equal(a.key_id, "ironclaw-task-7b3f-a1c8b2d4");
	assert_int_equal(a.serial, 42);
	assert_string_equal(a.serial_str, "42");
	assert_string_equal(a.ca_type, "ED25519");
	assert_string_equal(a.ca_fp, "SHA256:def");
	/* the sshd -E form has no syslog header; a bare message parses the same */
	assert_int_equal(ct_sshd_auth_parse(example + 32, strlen(example) - 32, &a), 0);
	assert_string_equal(a.key_id, "ironclaw-task-7b3f-a1c8b2d4");
}

static void
test_cert_logins_fixture(void **state)
{
	/* 1-based line numbers of cert_logins.log that are not authentication outcomes */
	static const int not_auth[] = { 9, 15, 18, 19, 20, 21, 22 };
	struct ct_sshd_auth a;
	struct lines l;
	size_t i, k;
	int r, want;

	(void)state;
	load_lines("cert_logins.log", &l);
	assert_int_equal(l.n, 22);
	for (i = 0; i < l.n; i++) {
		want = 0;
		for (k = 0; k < sizeof(not_auth) / sizeof(not_auth[0]); k++)
			if (not_auth[k] == (int)i + 1)
				want = CT_ERR_NOTFOUND;
		r = ct_sshd_auth_parse(l.v[i], l.len[i], &a);
		if (r != want)
			fail_msg("line %zu: got %d (%s), want %d", i + 1, r, ct_errmsg(r), want);
		if (r == 0) {
			assert_int_equal(a.is_cert, 1);
			assert_true(a.port > 0);
			assert_true(a.key_id[0] != '\0');
			assert_true(a.ca_fp[0] != '\0');
		}
	}

	/* line 4: RSA-CERT without a key fingerprint, MD5 CA fingerprint */
	assert_int_equal(ct_sshd_auth_parse(l.v[3], l.len[3], &a), 0);
	assert_string_equal(a.user, "vagrant");
	assert_string_equal(a.addr, "192.168.50.101");
	assert_string_equal(a.key_type, "RSA-CERT");
	assert_string_equal(a.key_fp, "");
	assert_string_equal(a.key_id, "vault-clientrole-userpass-johnsmith-4b0473525e9941250c98"
	    "8f992b0204d1326885e5e51adca0b1d8debe5e102aad");
	assert_string_equal(a.serial_str, "2914803897344261917");
	assert_string_equal(a.ca_type, "RSA");
	assert_string_equal(a.ca_fp, "90:b5:59:62:fa:9e:0a:fa:92:75:6c:97:6c:d8:75:c7");
	/* line 6: a serial above 2^63 */
	assert_int_equal(ct_sshd_auth_parse(l.v[5], l.len[5], &a), 0);
	assert_true(a.serial == UINT64_C(10466434135153983140));
	assert_string_equal(a.key_fp, "SHA256:6964oAwWCtkY5ugji/ksJ9/qPsNA4jDePqWQk+N3PDg");
	/* line 7: syslog PRI, IPv6, a key ID with ';' and '=' */
	assert_int_equal(ct_sshd_auth_parse(l.v[6], l.len[6], &a), 0);
	assert_string_equal(a.addr, "2a02:6b8:bf00:2005:526b:4bff:fedb:7a41");
	assert_int_equal(a.port, 51024);
	assert_string_equal(a.key_id, "type=session;requester=ferran;");
	/* line 11: a failed certificate login */
	assert_int_equal(ct_sshd_auth_parse(l.v[10], l.len[10], &a), 0);
	assert_int_equal(a.outcome, CT_SSHD_FAILED);
	assert_string_equal(a.user, "buglloc");
	assert_string_equal(a.key_type, "ECDSA-CERT");
	assert_string_equal(a.serial_str, "1627027174966476923");
	/* line 12: a placeholder address and a key ID with spaces and '<>' */
	assert_int_equal(ct_sshd_auth_parse(l.v[11], l.len[11], &a), 0);
	assert_string_equal(a.addr, "<IP>");
	assert_string_equal(a.key_id, "<Client Certificate Identity>");
	/* line 16: sshd-session, a key ID with a space */
	assert_int_equal(ct_sshd_auth_parse(l.v[15], l.len[15], &a), 0);
	assert_string_equal(a.user, "jane");
	assert_string_equal(a.key_id, "Jane Jolie");
	assert_string_equal(a.ca_type, "ECDSA");
	/* line 17: ECDSA cert signed by an Ed25519 CA */
	assert_int_equal(ct_sshd_auth_parse(l.v[16], l.len[16], &a), 0);
	assert_string_equal(a.serial_str, "9624");
	assert_string_equal(a.ca_type, "ED25519");
	assert_string_equal(a.ca_fp, "SHA256:fZ6L7TlBLqf1pGWzkcQMQMFZ+aGgrtYgRM90XO0gzZ8");
	free(l.data);
}

static void
test_fail2ban_fixture(void **state)
{
	/* the "host" of fail2ban's failJSON for each line, in file order */
	static const char *host[] = {
		"194.117.26.69", "aaaa:bbbb:cccc:1234::1:1", "194.117.26.70",
		"aaaa:bbbb:cccc:1234::1:1", "aaaa:bbbb:cccc:1234::1:1", "192.0.2.1",
		"205.186.180.55", "205.186.180.30", "205.186.180.35", "205.186.180.22",
		"205.186.180.42", "205.186.180.44", "205.186.180.77", "127.0.0.1", "127.0.0.1",
		"127.0.0.1", "127.0.0.1", "127.0.0.1", "aaaa:bbbb:cccc:1234::1:1", "127.0.0.1",
		"127.0.0.1", "127.0.0.1", "127.0.0.1", "aaaa:bbbb:cccc:1234::1:1", "192.0.2.1",
		"192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.111", "192.0.2.111",
		"192.0.2.113", "192.0.2.114", "192.0.2.116", "192.0.2.1", "192.0.2.2",
	};
	struct ct_sshd_auth a;
	struct lines l;
	size_t i;
	int r;

	(void)state;
	load_lines("fail2ban_auth_lines.log", &l);
	assert_int_equal(l.n, sizeof(host) / sizeof(host[0]));
	for (i = 0; i < l.n; i++) {
		if ((r = ct_sshd_auth_parse(l.v[i], l.len[i], &a)) != 0)
			fail_msg("line %zu: %s", i + 1, ct_errmsg(r));
		if (strcmp(a.addr, host[i]) != 0)
			fail_msg("line %zu: address '%s', fail2ban expects '%s'", i + 1, a.addr,
			    host[i]);
	}
	/* the injection lines: the name is the client's, the address sshd's */
	assert_int_equal(ct_sshd_auth_parse(l.v[19], l.len[19], &a), 0);
	assert_int_equal(a.invalid_user, 1);
	assert_string_equal(a.user, "from 10.10.1.1");
	assert_int_equal(a.port, 58946);
	assert_int_equal(ct_sshd_auth_parse(l.v[20], l.len[20], &a), 0);
	assert_string_equal(a.user, "test from 10.10.1.2 port 55555 ssh2");
	/* no port logged */
	assert_int_equal(ct_sshd_auth_parse(l.v[4], l.len[4], &a), 0);
	assert_int_equal(a.port, 0);
	/* a placeholder name with a space */
	assert_int_equal(ct_sshd_auth_parse(l.v[6], l.len[6], &a), 0);
	assert_string_equal(a.user, "<invalid username>");
	assert_string_equal(a.method, "keyboard-interactive");
	/* Postponed ... [preauth] */
	assert_int_equal(ct_sshd_auth_parse(l.v[26], l.len[26], &a), 0);
	assert_int_equal(a.outcome, CT_SSHD_POSTPONED);
	assert_string_equal(a.user, "git");
	/* hostbased: the key is kept, the client user/host text skipped */
	assert_int_equal(ct_sshd_auth_parse(l.v[14], l.len[14], &a), 0);
	assert_string_equal(a.method, "hostbased");
	assert_string_equal(a.key_type, "RSA");
	assert_string_equal(a.key_fp, "8c:e3:aa:0f:64:51:02:f7:14:79:89:3f:65:84:7c:30");
	free(l.data);
}

static void
test_plaso_and_loghub(void **state)
{
	struct ct_sshd_auth a;
	struct lines l;
	size_t i;
	int ok = 0;

	(void)state;
	load_lines("plaso_syslog_ssh.log", &l);
	assert_int_equal(l.n, 9);
	for (i = 0; i < l.n; i++)
		if (ct_sshd_auth_parse(l.v[i], l.len[i], &a) == 0)
			ok++;
	assert_int_equal(ok, 7);	/* not "Server listening" nor "Connection from" */
	assert_int_equal(ct_sshd_auth_parse(l.v[2], l.len[2], &a), 0);	/* two spaces */
	assert_string_equal(a.addr, "2001:0db8:0a0b:12f0:0000:0000:0000:0001");
	assert_int_equal(a.port, 42532);
	assert_int_equal(ct_sshd_auth_parse(l.v[8], l.len[8], &a), 0);
	assert_string_equal(a.key_type, "RSA");
	assert_string_equal(a.key_fp, "SHA256:5xyQ+PG1Z3CIiShclJ2iNya5TOdKDgE/HrOXr21IdOo");
	assert_int_equal(a.is_cert, 0);
	free(l.data);

	load_lines("loghub_sample.log", &l);
	assert_int_equal(l.n, 12);
	for (i = 0; i < l.n; i++) {
		assert_int_equal(ct_sshd_auth_parse(l.v[i], l.len[i], &a), 0);
		assert_int_equal(a.outcome, CT_SSHD_FAILED);
		assert_true(a.port > 0);
	}
	/* rsyslog folded five identical failures into one line */
	assert_int_equal(ct_sshd_auth_parse(l.v[5], l.len[5], &a), 0);
	assert_int_equal(a.repeated, 5);
	assert_string_equal(a.addr, "5.36.59.76");
	assert_int_equal(a.port, 42393);
	assert_int_equal(ct_sshd_auth_parse(l.v[0], l.len[0], &a), 0);
	assert_int_equal(a.repeated, 1);
	assert_string_equal(a.user, "webmaster");
	assert_int_equal(a.invalid_user, 1);
	assert_string_equal(a.addr, "173.234.31.186");
	free(l.data);
}

/* Our own sshd's -E log (t0110, OpenSSH 9.2p1, CR LF line ends): four logins, ten refusals. */
static void
test_openssh92_log(void **state)
{
	struct ct_sshd_auth a;
	struct lines l;
	size_t i;
	int accepted = 0, failed = 0, certs = 0, r;

	(void)state;
	load_lines("openssh92_sshd_E.log", &l);
	assert_int_equal(l.n, 63);
	for (i = 0; i < l.n; i++) {
		assert_true(l.len[i] > 0 && l.v[i][l.len[i] - 1] == '\r');
		r = ct_sshd_auth_parse(l.v[i], l.len[i], &a);
		if (r == CT_ERR_NOTFOUND)
			continue;
		if (r != 0)
			fail_msg("line %zu: %s", i + 1, ct_errmsg(r));
		assert_string_equal(a.user, "ctssh");
		assert_string_equal(a.addr, "127.0.0.1");
		if (a.outcome == CT_SSHD_ACCEPTED)
			accepted++;
		if (a.outcome == CT_SSHD_FAILED)
			failed++;
		if (a.is_cert) {
			certs++;
			assert_int_equal(strncmp(a.key_id, "ironclaw-task-08d61d901def17d6-", 31), 0);
			assert_int_equal(strlen(a.key_id), 39);
			assert_int_equal(strncmp(a.ca_fp, "SHA256:", 7), 0);
			assert_null(strchr(a.ca_fp, '\r'));
		}
	}
	assert_int_equal(accepted, 4);
	assert_int_equal(failed, 10);
	assert_int_equal(certs, 9);	/* 4 accepted, 5 refused certificates */
	/* line 6: the first login, every field */
	assert_int_equal(ct_sshd_auth_parse(l.v[5], l.len[5], &a), 0);
	assert_int_equal(a.port, 35870);
	assert_string_equal(a.key_type, "ED25519-CERT");
	assert_string_equal(a.key_id, "ironclaw-task-08d61d901def17d6-fe1df3f2");
	assert_string_equal(a.serial_str, "3293596380492212810");
	assert_string_equal(a.ca_fp, "SHA256:3+sXyQIYu0cCEELGJe/phV4ttQDJ81RB6mhag2zAC5k");
	/* "Accepted certificate ID ..." (VERBOSE) carries no user or address: not an outcome */
	assert_int_equal(ct_sshd_auth_parse(l.v[2], l.len[2], &a), CT_ERR_NOTFOUND);
	free(l.data);
}

static void
test_malformed_and_limits(void **state)
{
	static const char *bad[] = {
		"Accepted publickey for alice from 1.2.3.4 port 99999 ssh2",
		"Accepted publickey for alice from 1.2.3.4 port x ssh2",
		"Accepted publickey for alice to 1.2.3.4 port 22 ssh2",
		"Accepted publickey for alice from 1.2.3.4 port 22 ssh3",
		"Accepted publickey for alice from 1.2.3.4 port 22 ssh2: ED25519-CERT SHA256:a ID "
		    "k (serial 1)",
		"Accepted publickey for alice from 1.2.3.4 port 22 ssh2: ED25519-CERT SHA256:a ID "
		    "k (serial 123456789012345678901) CA ED25519 SHA256:b",
		"Accepted publickey for alice from 1.2.3.4 port 22 ssh2: RSA SHA256:a extra",
		"Accepted publickey for alice from 1.2.3.4 port 22 ssh2: ",
	};
	struct ct_sshd_auth a;
	char big[2048];
	size_t i, n;
	int r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = ct_sshd_auth_parse(bad[i], strlen(bad[i]), &a);
		if (r != CT_ERR_FORMAT)
			fail_msg("'%s': got %d", bad[i], r);
		assert_null(strchr(ct_errmsg(r), '\n'));
		assert_int_equal(a.outcome, 0);		/* cleared on failure */
	}
	assert_int_equal(ct_sshd_auth_parse("Server listening on 0.0.0.0 port 22.", 36, &a),
	    CT_ERR_NOTFOUND);
	assert_int_equal(ct_sshd_auth_parse("", 0, &a), CT_ERR_NOTFOUND);
	/* "Accepted" inside a word is not an outcome */
	assert_int_equal(ct_sshd_auth_parse("xAccepted publickey for a from b port 1", 39, &a),
	    CT_ERR_NOTFOUND);
	/* a NUL inside the given length */
	assert_int_equal(ct_sshd_auth_parse("Accepted password for a\0 from b port 1", 38, &a),
	    CT_ERR_FORMAT);
	/* control characters are refused, not copied */
	assert_int_equal(ct_sshd_auth_parse("Accepted password for a\x01 from b port 1", 38, &a),
	    CT_ERR_FORMAT);
	/* a key ID longer than its field */
	n = (size_t)snprintf(big, sizeof(big), "Accepted publickey for a from b port 1 ssh2: "
	    "RSA-CERT ID %01000d (serial 1) CA RSA SHA256:x", 0);
	assert_int_equal(ct_sshd_auth_parse(big, n, &a), CT_ERR_LIMIT);
	/* only `n` bytes are read: the same line cut before its CA fingerprint is malformed */
	assert_int_equal(ct_sshd_auth_parse(example, strlen(example) - 12, &a), CT_ERR_FORMAT);
}

/* Every prefix of a certificate line: no crash, no read past the end (ASan), and only the
 * whole line yields the full key information. */
static void
test_every_truncation(void **state)
{
	struct ct_sshd_auth a;
	size_t n, len = strlen(example);
	char *copy;

	(void)state;
	for (n = 0; n <= len; n++) {
		/* an exact-size heap copy, so ASan sees any over-read */
		assert_non_null(copy = malloc(n > 0 ? n : 1));
		memcpy(copy, example, n);
		if (ct_sshd_auth_parse(copy, n, &a) == 0 && n < len - 1)
			assert_string_not_equal(a.ca_fp, "SHA256:def");
		if (n >= len - 1) {
			assert_int_equal(ct_sshd_auth_parse(copy, n, &a), 0);
			assert_string_equal(a.ca_fp, "SHA256:def");
		}
		free(copy);
	}
}

static void
test_inspect_json(void **state)
{
	json_t *o = NULL;

	(void)state;
	assert_int_equal(ct_inspect_sshd_line(example, strlen(example), &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "sshd-log");
	assert_string_equal(json_string_value(json_object_get(o, "user")), "alice");
	assert_string_equal(json_string_value(json_object_get(o, "source_address")),
	    "127.0.0.1");
	assert_string_equal(json_string_value(json_object_get(o, "key_id")),
	    "ironclaw-task-7b3f-a1c8b2d4");
	assert_string_equal(json_string_value(json_object_get(o, "principal")),
	    "ironclaw-task-7b3f-a1c8b2d4");
	assert_string_equal(json_string_value(json_object_get(o, "serial")), "42");
	assert_string_equal(json_string_value(json_object_get(o, "ca_fingerprint")),
	    "SHA256:def");
	assert_string_equal(json_string_value(json_object_get(o, "task")), "7b3f");
	json_decref(o);

	/* a password login carries no task binding */
	assert_int_equal(ct_inspect_sshd_line("Failed password for root from 10.0.0.1 port 2 ssh2",
	    50, &o), 0);
	assert_true(json_is_null(json_object_get(o, "task")));
	assert_true(json_is_null(json_object_get(o, "key_id")));
	json_decref(o);
	o = NULL;
	assert_int_equal(ct_inspect_sshd_line("eyJhbGciOiJFZERTQSJ9.e30.sig", 28, &o),
	    CT_ERR_FORMAT);
	assert_null(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_line),
		cmocka_unit_test(test_cert_logins_fixture),
		cmocka_unit_test(test_fail2ban_fixture),
		cmocka_unit_test(test_plaso_and_loghub),
		cmocka_unit_test(test_openssh92_log),
		cmocka_unit_test(test_malformed_and_limits),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_inspect_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
