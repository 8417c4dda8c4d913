/*
 * test_sshcert.c - OpenSSH certificates (sshcert.c) and the task binding in principal names
 * (ledger.c ct_task_from_principal).
 *
 * Certificates: what is built parses back field for field for every subject/CA key type;
 * certificates made by stock ssh-keygen (tests/fixtures/sshkey) parse with the values
 * ssh-keygen -L shows; every single-byte change of a certificate fails (the CA signature
 * covers all of it); certificates re-signed with a broken structure (unsorted or duplicate
 * options, a certificate as CA, trailing bytes) are refused; source-address lists are
 * checked as sshd reads them.  That ssh-keygen and sshd accept what is built is t0100/t0110.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/crypto.h>

#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/sshcert.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"

static int
task_of(const char *s, char task[CT_TASK_ID_MAX + 1])
{
	return ct_task_from_principal(s, strlen(s), task, CT_TASK_ID_MAX + 1);
}

static void
test_task_from_principal_shapes(void **state)
{
	static const struct {
		const char *in, *task;
	} good[] = {
		{ "ironclaw-task-7b3f-a1c8b2d4", "7b3f" },
		{ "ironclaw-task-3f1c2d9e-1b7a-4c55-9d8e-0a1b2c3d4e5f-0123abcd",
		  "3f1c2d9e-1b7a-4c55-9d8e-0a1b2c3d4e5f" },
		{ "ic-task-a-task-b-deadbeef", "a-task-b" },
		{ "task-7b3f@ironclaw", "7b3f" },
		{ "task-job_1@Prefix2", "job_1" },
		{ "task-a@b@ironclaw", NULL },	/* '@' is not a task character */
		{ "spiffe://example.org/ironclaw/task/7b3f", "7b3f" },
		{ "SPIFFE://example.org/task/x-1", "x-1" },
		{ "spiffe://example.org/a/b/c/task/abc_def", "abc_def" },
	};
	char task[CT_TASK_ID_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = task_of(good[i].in, task);

		if (good[i].task == NULL) {
			assert_int_not_equal(r, 0);
			continue;
		}
		if (r != 0)
			fail_msg("'%s': %s", good[i].in, ct_errmsg(r));
		assert_string_equal(task, good[i].task);
	}
	/* a generated principal names its task */
	{
		char p[CT_PRINCIPAL_MAX + 1];

		assert_int_equal(ct_principal_new("ironclaw", "0123456789abcdef", p), 0);
		assert_int_equal(task_of(p, task), 0);
		assert_string_equal(task, "0123456789abcdef");
	}
}

static void
test_task_from_principal_none(void **state)
{
	static const char *none[] = {
		"", "alice", "root@host", "ironclaw-task-7b3f", "ironclaw-task-7b3f-a1c8",
		"ironclaw-task-7b3f-A1C8B2D4", "ironclaw-task--a1c8b2d4", "-task-x-a1c8b2d4",
		"iron claw-task-x-a1c8b2d4", "ironclawironclawx-task-x-a1c8b2d4",
		"task-x@", "task-@ironclaw", "task-x@iron-claw", "task-x",
		"spiffe://example.org/ironclaw/job/7b3f", "spiffe://example.org/task/",
		"spiffe:///task/x", "spiffe://task/x", "https://example.org/task/x",
		"arn:aws:sts::123456789012:assumed-role/r/alice",
	};
	char task[CT_TASK_ID_MAX + 1];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		r = task_of(none[i], task);
		if (r == 0)
			fail_msg("'%s' gave task '%s'", none[i], task);
		assert_true(r == CT_ERR_NOTFOUND || r == CT_ERR_INVALID);
		assert_string_equal(task, "");
	}
	/* the task must pass ct_task_id_check */
	assert_int_equal(task_of("ironclaw-task-a.b-a1c8b2d4", task), CT_ERR_INVALID);
	assert_int_equal(task_of("task-a+b@ironclaw", task), CT_ERR_INVALID);
	assert_int_equal(task_of("spiffe://td/task/a%20b", task), CT_ERR_INVALID);
	assert_int_equal(task_of("ironclaw-task-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a1c8b2d4",
	    task), CT_ERR_INVALID);
	/* only the given length is read; an embedded NUL is no task */
	assert_int_equal(ct_task_from_principal("task-ab@ironclawXYZ", 16, task, sizeof(task)), 0);
	assert_string_equal(task, "ab");
	assert_int_equal(ct_task_from_principal("task-a\0b@ironclaw", 17, task, sizeof(task)),
	    CT_ERR_NOTFOUND);
	/* the output size is respected */
	assert_int_equal(ct_task_from_principal("task-abcdef@ironclaw", 20, task, 4),
	    CT_ERR_LIMIT);
}

/* ---- certificates ---- */

static EVP_PKEY *keys[3];	/* ed25519, ecdsa-p256, rsa-3072 */

static int
setup_keys(void **state)
{
	(void)state;
	if (ct_key_generate(CT_KEY_ED25519, &keys[0]) != 0 ||
	    ct_key_generate(CT_KEY_ECDSA_P256, &keys[1]) != 0 ||
	    ct_key_generate(CT_KEY_RSA, &keys[2]) != 0)
		return -1;
	return 0;
}

static int
teardown_keys(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		EVP_PKEY_free(keys[i]);
	return 0;
}

static const char *const two_principals[] = { "task-7b3f@ironclaw", "alice" };

static void
make_req(struct ct_sshcert_req *req, EVP_PKEY *subject)
{
	memset(req, 0, sizeof(*req));
	req->key = subject;
	req->serial = UINT64_C(0xfedcba9876543210);
	req->key_id = "ironclaw-task-7b3f-a1c8b2d4";
	req->principals = two_principals;
	req->nprincipals = 2;
	req->valid_after = 1764106218;
	req->valid_before = 1764106218 + 900;
	req->source_address = "127.0.0.1/32,::1";
	req->force_command = "/usr/bin/true";
}

static void
test_create_parse_roundtrip(void **state)
{
	static const char *sigalg[] = { "ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512" };
	static const char *ctype[] = { "ssh-ed25519-cert-v01@openssh.com",
		"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com" };
	struct ct_sshcert_req req;
	struct ct_sshcert c;
	char fp[64];
	uint8_t *blob;
	size_t len, k;
	int s, a;

	(void)state;
	for (s = 0; s < 3; s++) {
		for (a = 0; a < 3; a++) {
			make_req(&req, keys[s]);
			assert_int_equal(ct_sshcert_create(&req, keys[a], &blob, &len), 0);
			if (ct_sshcert_parse(blob, len, &c) != 0)
				fail_msg("subject %d CA %d: %s", s, a, ct_errmsg(-1));
			assert_string_equal(c.type_name, ctype[s]);
			assert_int_equal(EVP_PKEY_eq(c.key, keys[s]), 1);
			assert_int_equal(EVP_PKEY_eq(c.ca, keys[a]), 1);
			assert_true(c.serial == req.serial);
			assert_int_equal(c.type, CT_SSHCERT_USER);
			assert_string_equal(c.key_id, req.key_id);
			assert_int_equal(c.nprincipals, 2);
			assert_string_equal(c.principals[0], "task-7b3f@ironclaw");
			assert_string_equal(c.principals[1], "alice");
			assert_true(c.valid_after == req.valid_after);
			assert_true(c.valid_before == req.valid_before);
			assert_int_equal(c.ncritical, 2);
			assert_string_equal(c.critical[0].name, "force-command");
			assert_string_equal(c.critical[0].value, "/usr/bin/true");
			assert_string_equal(c.critical[1].name, "source-address");
			assert_string_equal(c.critical[1].value, "127.0.0.1/32,::1");
			assert_int_equal(c.nextensions, ct_sshcert_ndefault_extensions);
			for (k = 0; k < c.nextensions; k++) {
				assert_string_equal(c.extensions[k].name,
				    ct_sshcert_default_extensions[k]);
				assert_string_equal(c.extensions[k].value, "");
			}
			assert_string_equal(c.sig_alg, sigalg[a]);
			assert_int_equal(ct_sshkey_fingerprint(keys[a], fp), 0);
			assert_string_equal(c.ca_fp, fp);
			assert_int_equal(ct_sshkey_fingerprint(keys[s], fp), 0);
			assert_string_equal(c.key_fp, fp);
			ct_sshcert_release(&c);
			free(blob);
		}
	}
	/* without options or principals */
	make_req(&req, keys[0]);
	req.source_address = req.force_command = NULL;
	req.nprincipals = 0;
	req.no_extensions = 1;
	assert_int_equal(ct_sshcert_create(&req, keys[1], &blob, &len), 0);
	assert_int_equal(ct_sshcert_parse(blob, len, &c), 0);
	assert_int_equal(c.nprincipals + c.ncritical + c.nextensions, 0);
	ct_sshcert_release(&c);
	free(blob);
	/* requests that make no sense are refused */
	make_req(&req, keys[0]);
	req.valid_before = req.valid_after;
	assert_int_equal(ct_sshcert_create(&req, keys[1], &blob, &len), CT_ERR_INVALID);
	make_req(&req, keys[0]);
	req.source_address = "10.0.0.1/8";
	assert_int_equal(ct_sshcert_create(&req, keys[1], &blob, &len), CT_ERR_INVALID);
	assert_null(blob);
}

static char *
read_fixture(const char *name, size_t *len)
{
	const char *top = getenv("CT_TOP");
	char path[4096];
	uint8_t *d = NULL;

	snprintf(path, sizeof(path), "%s/tests/fixtures/sshkey/%s", top != NULL ? top : ".", name);
	if (ct_read_file(path, 1024 * 1024, &d, len) != 0)
		fail_msg("cannot read fixture %s", path);
	return (char *)d;
}

/* Certificates ssh-keygen made (generate.sh): the values `ssh-keygen -L` shows. */
static void
test_parse_ssh_keygen_certs(void **state)
{
	struct ct_sshcert c;
	json_t *o = NULL;
	size_t len;
	char *line;

	(void)state;
	line = read_fixture("id_ecdsa-cert.pub", &len);
	if (ct_sshcert_parse_line(line, len, &c) != 0)
		fail_msg("%s", ct_errmsg(-1));
	assert_string_equal(c.type_name, "ecdsa-sha2-nistp256-cert-v01@openssh.com");
	assert_string_equal(c.key_id, "fixture-key-id");
	assert_true(c.serial == 4242);
	assert_int_equal(c.nprincipals, 2);
	assert_string_equal(c.principals[0], "alice");
	assert_string_equal(c.principals[1], "bob");
	assert_true(c.valid_after == 1735689600);	/* 2025-01-01T00:00:00Z */
	assert_true(c.valid_before == 2051222400);	/* 2035-01-01T00:00:00Z */
	assert_int_equal(c.ncritical, 2);
	assert_string_equal(c.critical[0].name, "force-command");
	assert_string_equal(c.critical[0].value, "/bin/true");
	assert_string_equal(c.critical[1].value, "127.0.0.1/32");
	assert_int_equal(c.nextensions, 5);
	assert_string_equal(c.ca_fp, "SHA256:8jfKjdXfYLLSfWyX9WBAuqZTzHWLSVZIXl+9oRofmd8");
	assert_string_equal(c.key_fp, "SHA256:Io3wMJPxnUKSSoLWt7KxEBDdX5S7351O3eR6SbppeCE");
	assert_string_equal(c.sig_alg, "ssh-ed25519");
	ct_sshcert_release(&c);

	assert_int_equal(ct_inspect_sshcert(line, len, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "ssh-cert");
	assert_string_equal(json_string_value(json_object_get(o, "serial")), "4242");
	assert_string_equal(json_string_value(json_object_get(o, "valid_after")),
	    "2025-01-01T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "valid_before")),
	    "2035-01-01T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o,
	    "critical_options"), "source-address")), "127.0.0.1/32");
	assert_true(json_is_null(json_object_get(o, "task")));	/* no task binding */
	json_decref(o);
	free(line);

	line = read_fixture("id_ed25519-cert.pub", &len);
	assert_int_equal(ct_sshcert_parse_line(line, len, &c), 0);
	assert_string_equal(c.key_id, "fixture-rsa-ca");
	assert_true(c.serial == 7);
	assert_string_equal(c.sig_alg, "rsa-sha2-512");
	assert_string_equal(c.ca_fp, "SHA256:7Jle63moVrWh4t6Nux9L4ix9oUamMLaUYeO/jSOJ9DE");
	ct_sshcert_release(&c);
	free(line);
}

/* Every single-byte change of a certificate must be refused: the signature covers it all. */
static void
test_cert_mutations_fail(void **state)
{
	static const uint8_t deltas[] = { 0x01, 0x80, 0xff };
	struct ct_sshcert_req req;
	struct ct_sshcert c;
	uint8_t *blob;
	size_t len, pos, d;
	int a, r;

	(void)state;
	for (a = 0; a < 2; a++) {	/* Ed25519 and ECDSA CAs; RSA is in the sshkey test */
		make_req(&req, keys[1]);
		assert_int_equal(ct_sshcert_create(&req, keys[a], &blob, &len), 0);
		for (pos = 0; pos < len; pos++) {
			uint8_t orig = blob[pos];

			for (d = 0; d < sizeof(deltas); d++) {
				blob[pos] = orig ^ deltas[d];
				if ((r = ct_sshcert_parse(blob, len, &c)) == 0)
					fail_msg("CA %d: byte %zu ^ 0x%02x still parses", a, pos,
					    deltas[d]);
				assert_null(c.key_id);
			}
			blob[pos] = orig;
		}
		assert_int_equal(ct_sshcert_parse(blob, len, &c), 0);
		ct_sshcert_release(&c);
		/* every truncation too */
		for (pos = 0; pos < len; pos++)
			assert_int_not_equal(ct_sshcert_parse(blob, pos, &c), 0);
		free(blob);
	}
}

/* Build a certificate by hand, with the given option bytes, and sign it properly. */
static void
hand_cert(EVP_PKEY *subject, EVP_PKEY *ca, const struct ct_buf *crit, int ca_as_cert,
    int trailing, uint8_t **out, size_t *outlen)
{
	struct ct_buf b, pub, cab, sig, princ;
	const uint8_t *t;
	size_t tlen;
	uint8_t nonce[32] = { 1 };
	struct ct_buf v;

	ct_buf_init(&b, 0);
	ct_buf_init(&pub, 0);
	ct_buf_init(&cab, 0);
	ct_buf_init(&sig, 0);
	ct_buf_init(&princ, 0);
	assert_int_equal(ct_sshkey_put_public(&pub, subject), 0);
	ct_buf_view(&v, pub.data, pub.len);
	assert_int_equal(ct_buf_get_string_direct(&v, &t, &tlen), 0);
	assert_int_equal(ct_buf_put_cstring(&princ, "alice"), 0);
	assert_int_equal(ct_buf_put_cstring(&b, "ssh-ed25519-cert-v01@openssh.com"), 0);
	assert_int_equal(ct_buf_put_string(&b, nonce, sizeof(nonce)), 0);
	assert_int_equal(ct_buf_put(&b, ct_buf_ptr(&v), ct_buf_avail(&v)), 0);
	assert_int_equal(ct_buf_put_u64(&b, 1), 0);
	assert_int_equal(ct_buf_put_u32(&b, CT_SSHCERT_USER), 0);
	assert_int_equal(ct_buf_put_cstring(&b, "hand"), 0);
	assert_int_equal(ct_buf_put_string(&b, princ.data, princ.len), 0);
	assert_int_equal(ct_buf_put_u64(&b, 0), 0);
	assert_int_equal(ct_buf_put_u64(&b, CT_SSHCERT_FOREVER), 0);
	assert_int_equal(ct_buf_put_string(&b, crit->data, crit->len), 0);
	assert_int_equal(ct_buf_put_string(&b, NULL, 0), 0);
	assert_int_equal(ct_buf_put_string(&b, NULL, 0), 0);
	if (ca_as_cert) {
		/* a certificate blob in the signature key field */
		struct ct_buf inner;

		ct_buf_init(&inner, 0);
		assert_int_equal(ct_buf_put_cstring(&inner, "ssh-ed25519-cert-v01@openssh.com"), 0);
		assert_int_equal(ct_buf_put(&inner, "junk", 4), 0);
		assert_int_equal(ct_buf_put_string(&b, inner.data, inner.len), 0);
		ct_buf_release(&inner);
	} else {
		assert_int_equal(ct_sshkey_put_public(&cab, ca), 0);
		assert_int_equal(ct_buf_put_string(&b, cab.data, cab.len), 0);
	}
	assert_int_equal(ct_sshkey_sign(ca, b.data, b.len, &sig), 0);
	assert_int_equal(ct_buf_put_string(&b, sig.data, sig.len), 0);
	if (trailing)
		assert_int_equal(ct_buf_put_u8(&b, 0), 0);
	*out = b.data;
	*outlen = b.len;
	ct_buf_release(&pub);
	ct_buf_release(&cab);
	ct_buf_release(&sig);
	ct_buf_release(&princ);
}

static void
put_opt(struct ct_buf *b, const char *name, const char *value)
{
	struct ct_buf d;

	ct_buf_init(&d, 0);
	if (value != NULL)
		assert_int_equal(ct_buf_put_cstring(&d, value), 0);
	assert_int_equal(ct_buf_put_cstring(b, name), 0);
	assert_int_equal(ct_buf_put_string(b, d.data, d.len), 0);
	ct_buf_release(&d);
}

static void
test_structure_refused(void **state)
{
	struct ct_buf crit;
	struct ct_sshcert c;
	uint8_t *blob;
	size_t len;

	(void)state;
	/* well-formed by hand: parses, and "forever" is reported as such */
	ct_buf_init(&crit, 0);
	put_opt(&crit, "force-command", "x");
	put_opt(&crit, "source-address", "10.0.0.0/8");
	hand_cert(keys[0], keys[1], &crit, 0, 0, &blob, &len);
	assert_int_equal(ct_sshcert_parse(blob, len, &c), 0);
	assert_true(c.valid_before == CT_SSHCERT_FOREVER);
	ct_sshcert_release(&c);
	free(blob);
	ct_buf_release(&crit);

	/* options out of order */
	ct_buf_init(&crit, 0);
	put_opt(&crit, "source-address", "10.0.0.0/8");
	put_opt(&crit, "force-command", "x");
	hand_cert(keys[0], keys[1], &crit, 0, 0, &blob, &len);
	assert_int_equal(ct_sshcert_parse(blob, len, &c), CT_ERR_FORMAT);
	assert_non_null(strstr(ct_errmsg(0), "not sorted and unique"));
	free(blob);
	ct_buf_release(&crit);

	/* an option twice */
	ct_buf_init(&crit, 0);
	put_opt(&crit, "force-command", "x");
	put_opt(&crit, "force-command", "y");
	hand_cert(keys[0], keys[1], &crit, 0, 0, &blob, &len);
	assert_int_equal(ct_sshcert_parse(blob, len, &c), CT_ERR_FORMAT);
	free(blob);

	/* trailing bytes after the signature, and a certificate as the signature key */
	hand_cert(keys[0], keys[1], &crit, 0, 1, &blob, &len);
	assert_int_equal(ct_sshcert_parse(blob, len, &c), CT_ERR_FORMAT);
	free(blob);
	ct_buf_release(&crit);
	ct_buf_init(&crit, 0);
	hand_cert(keys[0], keys[1], &crit, 1, 0, &blob, &len);
	assert_int_not_equal(ct_sshcert_parse(blob, len, &c), 0);
	assert_null(c.type_name);
	free(blob);
	ct_buf_release(&crit);

	/* option data that is not one string */
	ct_buf_init(&crit, 0);
	assert_int_equal(ct_buf_put_cstring(&crit, "force-command"), 0);
	assert_int_equal(ct_buf_put_string(&crit, "\0\0\0\1xy", 6), 0);
	hand_cert(keys[0], keys[1], &crit, 0, 0, &blob, &len);
	assert_int_equal(ct_sshcert_parse(blob, len, &c), CT_ERR_FORMAT);
	free(blob);
	ct_buf_release(&crit);
}

static void
test_lines_and_inspect(void **state)
{
	struct ct_sshcert_req req;
	struct ct_sshcert c;
	json_t *o = NULL;
	uint8_t *blob;
	size_t len;
	char *line, *pub = NULL;

	(void)state;
	make_req(&req, keys[0]);
	assert_int_equal(ct_sshcert_create(&req, keys[2], &blob, &len), 0);
	assert_int_equal(ct_sshcert_line(blob, len, "a comment", &line), 0);
	assert_int_equal(strncmp(line, "ssh-ed25519-cert-v01@openssh.com AAAA", 37), 0);
	assert_int_equal(ct_inspect_sshcert(line, strlen(line), &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "key_id")),
	    "ironclaw-task-7b3f-a1c8b2d4");
	assert_string_equal(json_string_value(json_object_get(o, "principal")),
	    "ironclaw-task-7b3f-a1c8b2d4");
	assert_string_equal(json_string_value(json_object_get(o, "task")), "7b3f");
	assert_string_equal(json_string_value(json_object_get(o, "serial")),
	    "18364758544493064720");
	assert_string_equal(json_string_value(json_object_get(o, "valid_after")),
	    "2025-11-25T21:30:18Z");
	assert_string_equal(json_string_value(json_object_get(o, "valid_before")),
	    "2025-11-25T21:45:18Z");
	assert_int_equal(json_array_size(json_object_get(o, "principals")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o,
	    "critical_options"), "force-command")), "/usr/bin/true");
	assert_int_equal(strncmp(json_string_value(json_object_get(o, "signature")), "verified", 8), 0);
	json_decref(o);

	/* the type word must match the blob */
	memcpy(line, "ssh-rsa", 7);
	memmove(line + 7, line + 11, strlen(line + 11) + 1);	/* "ssh-rsa-cert-v01@..." */
	assert_int_equal(ct_sshcert_parse_line(line, strlen(line), &c), CT_ERR_FORMAT);
	free(line);
	free(blob);

	/* not certificates: a quick CT_ERR_FORMAT */
	assert_int_equal(ct_sshkey_public_line(keys[0], "k", &pub), 0);
	o = NULL;
	assert_int_equal(ct_inspect_sshcert(pub, strlen(pub), &o), CT_ERR_FORMAT);
	assert_null(o);
	free(pub);
	assert_int_equal(ct_inspect_sshcert("eyJhbGciOiJFUzI1NiJ9.e30.x", 26, &o), CT_ERR_FORMAT);
	assert_int_equal(ct_inspect_sshcert("", 0, &o), CT_ERR_FORMAT);
	assert_int_equal(ct_inspect_sshcert("ssh-dss-cert-v01@openssh.com AAAA", 33, &o),
	    CT_ERR_UNSUPPORTED);
	assert_int_equal(ct_inspect_sshcert("ssh-ed25519-cert-v01@openssh.com !!!!", 37, &o),
	    CT_ERR_FORMAT);
}

static void
test_source_address(void **state)
{
	static const char *good[] = { "127.0.0.1", "127.0.0.1/32", "10.0.0.0/8,192.168.1.0/24",
		"::1", "2001:db8::/32", "0.0.0.0/0", "10.9.9.9/32,::1/128" };
	static const char *bad[] = { "", ",", "10.0.0.1/8", "10.0.0.0/33", "2001:db8::1/32",
		"::/129", "10.0.0.0/", "10.0.0.0/x", "host.example.com", "10.0.0.0/8,",
		"1.2.3.4 ", "10.0.0.0/08x", "256.0.0.1" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (ct_sshcert_check_source_address(good[i]) != 0)
			fail_msg("'%s' refused: %s", good[i], ct_errmsg(-1));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ct_sshcert_check_source_address(bad[i]) != CT_ERR_INVALID)
			fail_msg("'%s' accepted", bad[i]);
		assert_null(strchr(ct_errmsg(0), '\n'));
	}
	assert_int_equal(ct_sshcert_check_source_address("10.0.0.1/8"), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(0), "source address '10.0.0.1/8' has host bits set after /8");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_parse_roundtrip),
		cmocka_unit_test(test_parse_ssh_keygen_certs),
		cmocka_unit_test(test_cert_mutations_fail),
		cmocka_unit_test(test_structure_refused),
		cmocka_unit_test(test_lines_and_inspect),
		cmocka_unit_test(test_source_address),
		cmocka_unit_test(test_task_from_principal_shapes),
		cmocka_unit_test(test_task_from_principal_none),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
