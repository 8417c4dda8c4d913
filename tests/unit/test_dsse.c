/*
 * test_dsse.c - lib/dsse, lib/sshsig, lib/attest: the DSSE PAE against the specification's
 * example, envelopes (exact encoding, strict parsing, every single-byte change refused),
 * keyids, SSHSIG signatures against ones stock ssh-keygen made (tests/fixtures/sshkey, see
 * generate.sh there), allowed-signers files, and the in-toto statement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/attest.h"
#include "lib/dsse.h"
#include "lib/keys.h"
#include "lib/sshsig.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"

static EVP_PKEY *key, *other;

static int
setup(void **state)
{
	(void)state;
	return ct_key_generate(CT_KEY_ED25519, &key) != 0 ||
	    ct_key_generate(CT_KEY_ED25519, &other) != 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	return 0;
}

static uint8_t *
fixture(const char *name, size_t *n)
{
	const char *top = getenv("CT_TOP");
	char p[4096];
	uint8_t *d;

	snprintf(p, sizeof(p), "%s/tests/fixtures/sshkey/%s", top != NULL ? top : ".", name);
	assert_int_equal(ct_read_file(p, 1 << 20, &d, n), 0);
	return d;
}

static void
test_pae(void **state)
{
	struct ct_buf b;

	(void)state;
	ct_buf_init(&b, 1024);
	/* the example of the DSSE protocol specification */
	assert_int_equal(ct_dsse_pae("http://example.com/HelloWorld",
	    (const uint8_t *)"hello world", 11, &b), 0);
	assert_int_equal(b.len, 54);
	assert_memory_equal(b.data, "DSSEv1 29 http://example.com/HelloWorld 11 hello world", 54);
	/* lengths count bytes, not characters; an empty body is "0 " */
	ct_buf_reset(&b);
	assert_int_equal(ct_dsse_pae("t\xc3\xa9", (const uint8_t *)"\xc3\xa9", 2, &b), 0);
	assert_int_equal(b.len, 17);
	assert_memory_equal(b.data, "DSSEv1 3 t\xc3\xa9 2 \xc3\xa9", 17);
	ct_buf_reset(&b);
	assert_int_equal(ct_dsse_pae(CT_DSSE_INTOTO_TYPE, (const uint8_t *)"", 0, &b), 0);
	assert_int_equal(b.len, strlen("DSSEv1 28 application/vnd.in-toto+json 0 "));
	assert_memory_equal(b.data, "DSSEv1 28 application/vnd.in-toto+json 0 ", b.len);
	ct_buf_release(&b);
}

static void
test_keyid_is_ssh_fingerprint(void **state)
{
	char keyid[CT_KEYID_LEN + 1], fp[64], hex[65];
	uint8_t *raw;
	size_t n;
	char b64[64];

	(void)state;
	assert_int_equal(ct_dsse_keyid(key, keyid), 0);
	assert_int_equal(strlen(keyid), 64);
	/* "SHA256:<base64 without padding>" of the same blob */
	assert_int_equal(ct_sshkey_fingerprint(key, fp), 0);
	assert_memory_equal(fp, "SHA256:", 7);
	snprintf(b64, sizeof(b64), "%s=", fp + 7);
	assert_int_equal(ct_b64_decode(b64, strlen(b64), &raw, &n), 0);
	assert_int_equal(n, 32);
	ct_hex_fmt(raw, 32, hex);
	assert_string_equal(keyid, hex);
	free(raw);
}

static void
test_envelope_roundtrip_and_bytes(void **state)
{
	static const char payload[] = "{\"_type\":\"x\"}";
	struct ct_dsse e;
	EVP_PKEY *keys[2] = { other, key };
	char *env, keyid[65], *want, *b64p;
	size_t n, which;
	json_t *o;

	(void)state;
	assert_int_equal(ct_dsse_sign(key, CT_DSSE_INTOTO_TYPE, (const uint8_t *)payload,
	    strlen(payload), &env, &n), 0);
	assert_int_equal(strlen(env), n);
	/* one line: compact, sorted keys, newline */
	assert_int_equal(ct_dsse_keyid(key, keyid), 0);
	assert_int_equal(ct_b64_encode((const uint8_t *)payload, strlen(payload), &b64p), 0);
	assert_non_null(o = json_loadb(env, n, 0, NULL));
	assert_true(asprintf(&want, "{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":"
	    "[{\"keyid\":\"%s\",\"sig\":\"%s\"}]}\n", b64p, CT_DSSE_INTOTO_TYPE, keyid,
	    json_string_value(json_object_get(json_array_get(json_object_get(o, "signatures"), 0),
	    "sig"))) > 0);
	assert_string_equal(env, want);
	free(want);
	free(b64p);
	json_decref(o);

	assert_int_equal(ct_dsse_parse((uint8_t *)env, n, &e), 0);
	assert_string_equal(e.payload_type, CT_DSSE_INTOTO_TYPE);
	assert_int_equal(e.payload_len, strlen(payload));
	assert_memory_equal(e.payload, payload, e.payload_len);
	assert_int_equal(e.nsigs, 1);
	assert_int_equal(ct_dsse_verify(&e, keys, 2, &which), 0);
	assert_int_equal(which, 1);
	assert_int_equal(ct_dsse_verify(&e, keys, 1, NULL), CT_ERR_VERIFY);
	/* a changed payload type changes the PAE */
	free(e.payload_type);
	e.payload_type = strdup("application/json");
	assert_int_equal(ct_dsse_verify(&e, keys, 2, NULL), CT_ERR_VERIFY);
	ct_dsse_release(&e);
	free(env);
}

static void
test_envelope_every_byte_change_fails(void **state)
{
	static const char payload[] = "{\"predicate\":{\"a\":1},\"_type\":\"t\"}";
	static const uint8_t flips[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80 };
	EVP_PKEY *keys[1] = { key };
	struct ct_dsse e;
	size_t n, i, f, tried = 0, refused = 0;
	char *env, *m;

	(void)state;
	assert_int_equal(ct_dsse_sign(key, CT_DSSE_INTOTO_TYPE, (const uint8_t *)payload,
	    strlen(payload), &env, &n), 0);
	assert_non_null(m = malloc(n));
	for (i = 0; i < n; i++) {
		for (f = 0; f < sizeof(flips); f++) {
			memcpy(m, env, n);
			m[i] ^= (char)flips[f];
			tried++;
			if (ct_dsse_parse((uint8_t *)m, n, &e) != 0 ||
			    ct_dsse_verify(&e, keys, 1, NULL) != 0 ||
			    strcmp(e.payload_type, CT_DSSE_INTOTO_TYPE) != 0)
				refused++;
			ct_dsse_release(&e);
		}
		/* and every truncation */
		assert_int_not_equal(ct_dsse_parse((uint8_t *)env, i, &e), 0);
	}
	assert_int_equal(refused, tried);
	free(m);
	free(env);
}

static void
test_envelope_strict_parse(void **state)
{
	static const char *bad[] = {
		/* pretty-printed: same envelope, another encoding */
		"{\"payload\": \"e30=\", \"payloadType\": \"t\", \"signatures\": [{\"keyid\": \"k\", "
		"\"sig\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAA==\"}]}\n",
		/* unknown member */
		"{\"extra\":1,\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":"
		"\"k\",\"sig\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAA==\"}]}\n",
		/* no keyid */
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}]}\n",
		/* no signatures */
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}\n",
		/* a short signature */
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":"
		"\"AAAA\"}]}\n",
		/* payload not base64 */
		"{\"payload\":\"e30\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":"
		"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAA==\"}]}\n",
		/* no newline */
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}",
		/* duplicate member */
		"{\"payload\":\"e30=\",\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}\n",
		"[]\n", "\n", "",
	};
	struct ct_dsse e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ct_dsse_parse((const uint8_t *)bad[i], strlen(bad[i]), &e),
		    CT_ERR_FORMAT);
		assert_null(e.payload);
	}
}

static void
test_sshsig_roundtrip(void **state)
{
	static const char msg[] = "statement bytes\n";
	static const enum ct_key_type types[] = { CT_KEY_ED25519, CT_KEY_ECDSA_P256, CT_KEY_RSA };
	EVP_PKEY *k, *keys[2];
	char *sig;
	size_t n, i, which;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(ct_key_generate(types[i], &k), 0);
		assert_int_equal(ct_sshsig_sign(k, CT_SSHSIG_NAMESPACE, (const uint8_t *)msg,
		    strlen(msg), &sig, &n), 0);
		assert_memory_equal(sig, "-----BEGIN SSH SIGNATURE-----\n", 30);
		assert_string_equal(sig + n - 28, "-----END SSH SIGNATURE-----\n");
		keys[0] = key;
		keys[1] = k;
		assert_int_equal(ct_sshsig_verify(sig, n, CT_SSHSIG_NAMESPACE,
		    (const uint8_t *)msg, strlen(msg), keys, 2, &which), 0);
		assert_int_equal(which, 1);
		assert_int_equal(ct_sshsig_verify(sig, n, "file", (const uint8_t *)msg,
		    strlen(msg), keys, 2, NULL), CT_ERR_VERIFY);
		assert_int_equal(ct_sshsig_verify(sig, n, CT_SSHSIG_NAMESPACE,
		    (const uint8_t *)msg, strlen(msg) - 1, keys, 2, NULL), CT_ERR_VERIFY);
		assert_int_equal(ct_sshsig_verify(sig, n, CT_SSHSIG_NAMESPACE,
		    (const uint8_t *)msg, strlen(msg), keys, 1, NULL), CT_ERR_VERIFY);
		free(sig);
		EVP_PKEY_free(k);
	}
}

/* Signatures stock ssh-keygen -Y sign made (namespace credtrail-test). */
static void
test_sshsig_openssh_fixtures(void **state)
{
	static const char *names[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	char p[64];
	uint8_t *msg, *sig, *pub, *m;
	size_t mlen, slen, plen, i, k, tried = 0, refused = 0;
	EVP_PKEY *pk;

	(void)state;
	msg = fixture("msg.txt", &mlen);
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s.sig", names[i]);
		sig = fixture(p, &slen);
		snprintf(p, sizeof(p), "%s.pub", names[i]);
		pub = fixture(p, &plen);
		assert_int_equal(ct_sshkey_parse_public_line((char *)pub, plen, &pk), 0);
		assert_int_equal(ct_sshsig_verify((char *)sig, slen, "credtrail-test", msg, mlen,
		    &pk, 1, NULL), 0);
		assert_int_equal(ct_sshsig_verify((char *)sig, slen, CT_SSHSIG_NAMESPACE, msg, mlen,
		    &pk, 1, NULL), CT_ERR_VERIFY);
		/* every bit of every base64 character of the body */
		assert_non_null(m = malloc(slen));
		for (k = 30; k < slen - 29; k++) {
			uint8_t bit;

			if (sig[k] == '\n')
				continue;
			for (bit = 1; bit != 0; bit <<= 1) {
				memcpy(m, sig, slen);
				m[k] ^= bit;
				if (m[k] == '\n' || m[k] == ' ' || m[k] == '\t' || m[k] == '\r')
					continue;	/* whitespace is skipped in armor, as ssh does */
				tried++;
				if (ct_sshsig_verify((char *)m, slen, "credtrail-test", msg, mlen, &pk,
				    1, NULL) != 0)
					refused++;
			}
		}
		free(m);
		EVP_PKEY_free(pk);
		free(sig);
		free(pub);
	}
	/* base64 is decoded strictly (non-zero padding bits are refused), so every flip that
	 * is not whitespace changes or breaks the blob */
	assert_true(tried > 1000);
	assert_int_equal(refused, tried);
	free(msg);
}

static void
test_allowed_signers(void **state)
{
	EVP_PKEY **keys;
	char *line1, *line2, *file;
	size_t n;

	(void)state;
	assert_int_equal(ct_sshkey_public_line(key, "me", &line1), 0);
	assert_int_equal(ct_sshkey_public_line(other, NULL, &line2), 0);
	assert_true(asprintf(&file, "# comment\n\n  alice@example %s"
	    "bob namespaces=\"git,credtrail-attest\" %s"
	    "carol namespaces=\"git\" %s"
	    "dave cert-authority %s", line1, line2, line1, line2) > 0);
	assert_int_equal(ct_allowed_signers_parse((uint8_t *)file, strlen(file),
	    CT_SSHSIG_NAMESPACE, &keys, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(EVP_PKEY_eq(keys[0], key), 1);
	assert_int_equal(EVP_PKEY_eq(keys[1], other), 1);
	ct_keys_free(keys, n);
	assert_int_equal(ct_allowed_signers_parse((uint8_t *)file, strlen(file), "nothing",
	    &keys, &n), 0);
	assert_int_equal(n, 1);		/* alice has no namespace restriction */
	ct_keys_free(keys, n);
	free(file);
	file = strdup("mallory not-a-key AAAA\n");
	assert_int_equal(ct_allowed_signers_parse((uint8_t *)file, strlen(file), "x", &keys, &n),
	    CT_ERR_FORMAT);
	free(file);
	free(line1);
	free(line2);
}

static void
test_statement(void **state)
{
	char dir[] = "/tmp/ct-dsse.XXXXXX", logp[64], attp[64], sigp[80];
	struct ct_attest_claims c;
	struct ct_attest_log al;
	json_t *sum, *st;
	char *payload;
	size_t plen;
	uint8_t h[32];
	unsigned int hl;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/run.log", dir);
	snprintf(attp, sizeof(attp), "%s/run.log.dsse.json", dir);
	snprintf(sigp, sizeof(sigp), "%s.sig", attp);
	assert_non_null(f = fopen(logp, "w"));
	fputs("{\"seq\":0}\n", f);
	fclose(f);
	memset(&al, 0, sizeof(al));
	al.path = logp;
	al.origin = "credtrail:t:r";
	al.tree_size = 1;
	memset(al.root, 0xab, 32);
	sum = json_pack("{s:s, s:[s], s:i}", "task", "t", "argv", "true", "exit_status", 0);
	assert_int_equal(ct_attest_run_statement(NULL, sum, &al, &st), 0);
	assert_string_equal(json_string_value(json_object_get(st, "_type")),
	    "https://in-toto.io/Statement/v1");
	assert_int_equal(ct_evlog_canonical(st, &payload, &plen), 0);
	assert_int_equal(ct_attest_parse_statement((uint8_t *)payload, plen, &c), 0);
	assert_string_equal(c.subject, "run.log");
	EVP_Digest("{\"seq\":0}\n", 10, h, &hl, EVP_sha256(), NULL);
	assert_memory_equal(c.subject_sha256, h, 32);
	assert_string_equal(c.origin, "credtrail:t:r");
	assert_int_equal(c.tree_size, 1);
	assert_memory_equal(c.root, al.root, 32);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c.statement,
	    "predicate"), "task")), "t");
	ct_attest_claims_release(&c);
	/* written: both files, readable by everyone */
	assert_int_equal(ct_attest_write(key, st, attp), 0);
	assert_int_equal(access(attp, R_OK), 0);
	assert_int_equal(access(sigp, R_OK), 0);
	/* a subject name that is a path is refused */
	json_object_set_new(json_array_get(json_object_get(st, "subject"), 0), "name",
	    json_string("../etc/passwd"));
	free(payload);
	assert_int_equal(ct_evlog_canonical(st, &payload, &plen), 0);
	assert_int_equal(ct_attest_parse_statement((uint8_t *)payload, plen, &c), CT_ERR_FORMAT);
	free(payload);
	json_decref(st);
	json_decref(sum);
	unlink(attp);
	unlink(sigp);
	unlink(logp);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pae),
		cmocka_unit_test(test_keyid_is_ssh_fingerprint),
		cmocka_unit_test(test_envelope_roundtrip_and_bytes),
		cmocka_unit_test(test_envelope_every_byte_change_fails),
		cmocka_unit_test(test_envelope_strict_parse),
		cmocka_unit_test(test_sshsig_roundtrip),
		cmocka_unit_test(test_sshsig_openssh_fixtures),
		cmocka_unit_test(test_allowed_signers),
		cmocka_unit_test(test_statement),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
