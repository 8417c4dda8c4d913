/*
 * test_sshkey.c - SSH signatures (sshkey_sign.c) and the OpenSSH private key format
 * (sshkey_private.c).
 *
 * Signatures: sign/verify round trips for every key type, a loop that changes every byte of
 * a valid signature blob to every other value and asserts each change fails to verify, the
 * algorithm/key type binding, and interop with OpenSSH: signatures made by `ssh-keygen -Y
 * sign` (fixtures in tests/fixtures/sshkey, see generate.sh there) verify here.
 *
 * Private keys: keys written by `ssh-keygen -N ''` load and match their .pub; keys written
 * here read back equal; every single-byte change of a written Ed25519 or ECDSA key is refused
 * (check numbers, padding, the public half, the key count); encrypted keys get a clear
 * message.  That stock ssh-keygen and ssh read what credtrail writes is an e2e test (t0100).
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
#include <openssl/evp.h>

#include "lib/keys.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"

static EVP_PKEY *keys[3];	/* ed25519, ecdsa-p256, rsa-3072: generated once */

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

/* Read tests/fixtures/sshkey/NAME (the test runner exports CT_TOP). */
static uint8_t *
fixture(const char *name, size_t *len)
{
	const char *top = getenv("CT_TOP");
	char path[4096];
	uint8_t *d = NULL;

	snprintf(path, sizeof(path), "%s/tests/fixtures/sshkey/%s", top != NULL ? top : ".", name);
	if (ct_read_file(path, 1024 * 1024, &d, len) != 0)
		fail_msg("cannot read fixture %s: %s", path, ct_errmsg(-1));
	return d;
}

static const uint8_t msg[] = "the data a certificate or SSHSIG signs";

static void
test_sign_verify_roundtrip(void **state)
{
	static const char *algs[] = { "ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512" };
	const uint8_t *alg;
	struct ct_buf sig, v;
	size_t alglen;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		ct_buf_init(&sig, 0);
		assert_int_equal(ct_sshkey_sign(keys[i], msg, sizeof(msg), &sig), 0);
		ct_buf_view(&v, sig.data, sig.len);
		assert_int_equal(ct_buf_get_string_direct(&v, &alg, &alglen), 0);
		assert_int_equal(alglen, strlen(algs[i]));
		assert_memory_equal(alg, algs[i], alglen);
		assert_int_equal(ct_sshkey_verify(keys[i], sig.data, sig.len, msg, sizeof(msg)), 0);
		/* other data, other key */
		assert_int_equal(ct_sshkey_verify(keys[i], sig.data, sig.len, msg, sizeof(msg) - 1),
		    CT_ERR_VERIFY);
		assert_int_equal(ct_sshkey_verify(keys[(i + 1) % 3], sig.data, sig.len, msg,
		    sizeof(msg)), CT_ERR_VERIFY);
		/* the empty message signs too */
		ct_buf_reset(&sig);
		assert_int_equal(ct_sshkey_sign(keys[i], NULL, 0, &sig), 0);
		assert_int_equal(ct_sshkey_verify(keys[i], sig.data, sig.len, NULL, 0), 0);
		ct_buf_release(&sig);
	}
}

/*
 * Every single-byte change of a valid signature blob must fail, and nothing may crash.
 * Ed25519 and ECDSA blobs get every other value at every position; the 400-byte RSA blob
 * gets every value in its framing and every single-bit flip plus the complement in the
 * signature body (all 255 values there would take 100,000 RSA verifications).
 */
static void
test_sign_mutations_fail(void **state)
{
	static const uint8_t rsa_deltas[] = { 1, 2, 4, 8, 16, 32, 64, 128, 255 };
	const size_t rsa_framing = 4 + 12 + 4;	/* string "rsa-sha2-512", body length */
	struct ct_buf sig;
	size_t pos, tried, want;
	int i, d, nd;

	(void)state;
	for (i = 0; i < 3; i++) {
		ct_buf_init(&sig, 0);
		assert_int_equal(ct_sshkey_sign(keys[i], msg, sizeof(msg), &sig), 0);
		tried = want = 0;
		for (pos = 0; pos < sig.len; pos++) {
			uint8_t orig = sig.data[pos];
			int all = i != 2 || pos < rsa_framing;

			nd = all ? 255 : (int)sizeof(rsa_deltas);
			want += (size_t)nd;
			for (d = 0; d < nd; d++) {
				uint8_t delta = all ? (uint8_t)(d + 1) : rsa_deltas[d];

				sig.data[pos] = orig ^ delta;
				if (ct_sshkey_verify(keys[i], sig.data, sig.len, msg,
				    sizeof(msg)) == 0)
					fail_msg("key %d: byte %zu ^ 0x%02x still verifies", i,
					    pos, delta);
				tried++;
			}
			sig.data[pos] = orig;
		}
		assert_int_equal(tried, want);
		/* every truncation, and one trailing byte, fail too */
		for (pos = 0; pos < sig.len; pos++)
			assert_int_equal(ct_sshkey_verify(keys[i], sig.data, pos, msg,
			    sizeof(msg)), CT_ERR_VERIFY);
		assert_int_equal(ct_buf_put_u8(&sig, 0), 0);
		assert_int_equal(ct_sshkey_verify(keys[i], sig.data, sig.len, msg, sizeof(msg)),
		    CT_ERR_VERIFY);
		assert_int_equal(ct_sshkey_verify(keys[i], sig.data, sig.len - 1, msg,
		    sizeof(msg)), 0);
		ct_buf_release(&sig);
	}
}

/* Rebuild a signature blob with another algorithm name around the same raw signature. */
static void
relabel(const struct ct_buf *sig, const char *alg, struct ct_buf *out)
{
	const uint8_t *a, *raw;
	size_t alen, rawlen;
	struct ct_buf v;

	ct_buf_view(&v, sig->data, sig->len);
	assert_int_equal(ct_buf_get_string_direct(&v, &a, &alen), 0);
	assert_int_equal(ct_buf_get_string_direct(&v, &raw, &rawlen), 0);
	ct_buf_init(out, 0);
	assert_int_equal(ct_buf_put_cstring(out, alg), 0);
	assert_int_equal(ct_buf_put_string(out, raw, rawlen), 0);
}

static void
test_alg_must_match_key(void **state)
{
	struct ct_buf sig, re;

	(void)state;
	/* an RSA signature relabelled as SHA-1 ssh-rsa or as rsa-sha2-256 must not verify */
	ct_buf_init(&sig, 0);
	assert_int_equal(ct_sshkey_sign(keys[2], msg, sizeof(msg), &sig), 0);
	relabel(&sig, "ssh-rsa", &re);
	assert_int_equal(ct_sshkey_verify(keys[2], re.data, re.len, msg, sizeof(msg)),
	    CT_ERR_VERIFY);
	assert_non_null(strstr(ct_errmsg(0), "'ssh-rsa' does not match"));
	ct_buf_release(&re);
	relabel(&sig, "rsa-sha2-256", &re);
	assert_int_equal(ct_sshkey_verify(keys[2], re.data, re.len, msg, sizeof(msg)),
	    CT_ERR_VERIFY);
	ct_buf_release(&re);
	relabel(&sig, "rsa-sha2-512", &re);
	assert_int_equal(ct_sshkey_verify(keys[2], re.data, re.len, msg, sizeof(msg)), 0);
	ct_buf_release(&re);
	ct_buf_release(&sig);

	/* an Ed25519 signature labelled for ECDSA, against the Ed25519 key */
	ct_buf_init(&sig, 0);
	assert_int_equal(ct_sshkey_sign(keys[0], msg, sizeof(msg), &sig), 0);
	relabel(&sig, "ecdsa-sha2-nistp256", &re);
	assert_int_equal(ct_sshkey_verify(keys[0], re.data, re.len, msg, sizeof(msg)),
	    CT_ERR_VERIFY);
	ct_buf_release(&re);
	/* a label with control bytes is not echoed into the message */
	relabel(&sig, "bad\nname", &re);
	assert_int_equal(ct_sshkey_verify(keys[0], re.data, re.len, msg, sizeof(msg)),
	    CT_ERR_VERIFY);
	assert_null(strchr(ct_errmsg(0), '\n'));
	ct_buf_release(&re);
	ct_buf_release(&sig);
}

static void
test_ecdsa_nonminimal_mpint_refused(void **state)
{
	const uint8_t *a, *raw, *rp, *sp;
	size_t alen, rawlen, rlen, slen;
	struct ct_buf sig, v, inner, out;

	(void)state;
	ct_buf_init(&sig, 0);
	assert_int_equal(ct_sshkey_sign(keys[1], msg, sizeof(msg), &sig), 0);
	ct_buf_view(&v, sig.data, sig.len);
	assert_int_equal(ct_buf_get_string_direct(&v, &a, &alen), 0);
	assert_int_equal(ct_buf_get_string_direct(&v, &raw, &rawlen), 0);
	ct_buf_view(&inner, raw, rawlen);
	assert_int_equal(ct_buf_get_string_direct(&inner, &rp, &rlen), 0);
	assert_int_equal(ct_buf_get_string_direct(&inner, &sp, &slen), 0);
	/* the same r with an extra leading zero byte: same number, non-canonical encoding */
	ct_buf_init(&inner, 0);
	assert_int_equal(ct_buf_put_u32(&inner, (uint32_t)rlen + 1), 0);
	assert_int_equal(ct_buf_put_u8(&inner, 0), 0);
	assert_int_equal(ct_buf_put(&inner, rp, rlen), 0);
	assert_int_equal(ct_buf_put_string(&inner, sp, slen), 0);
	ct_buf_init(&out, 0);
	assert_int_equal(ct_buf_put_cstring(&out, "ecdsa-sha2-nistp256"), 0);
	assert_int_equal(ct_buf_put_string(&out, inner.data, inner.len), 0);
	assert_int_equal(ct_sshkey_verify(keys[1], out.data, out.len, msg, sizeof(msg)),
	    CT_ERR_VERIFY);
	ct_buf_release(&inner);
	ct_buf_release(&out);
	ct_buf_release(&sig);
}

/* Parse an armored SSHSIG (PROTOCOL.sshsig) enough to check its signature ourselves. */
static void
check_sshsig_fixture(const char *pubname, const char *signame)
{
	const char *begin = "-----BEGIN SSH SIGNATURE-----", *end = "-----END SSH SIGNATURE-----";
	const uint8_t *pk, *ns, *res, *halg, *sg;
	size_t pklen, nslen, reslen, halglen, sglen, len, bloblen, publen;
	uint8_t *armored, *blob = NULL, *pubdata, *m, md[64];
	struct ct_buf v, signed_data;
	uint32_t version;
	EVP_PKEY *pub = NULL, *fromsig = NULL;
	size_t mlen;
	char *b, *e;

	armored = fixture(signame, &len);
	b = strstr((char *)armored, begin);
	e = strstr((char *)armored, end);
	assert_non_null(b);
	assert_non_null(e);
	b += strlen(begin);
	assert_int_equal(ct_b64_decode(b, (size_t)(e - b), &blob, &bloblen), 0);
	ct_buf_view(&v, blob, bloblen);
	assert_int_equal(memcmp(blob, "SSHSIG", 6), 0);
	assert_int_equal(ct_buf_skip(&v, 6), 0);
	assert_int_equal(ct_buf_get_u32(&v, &version), 0);
	assert_int_equal(version, 1);
	assert_int_equal(ct_buf_get_string_direct(&v, &pk, &pklen), 0);
	assert_int_equal(ct_buf_get_string_direct(&v, &ns, &nslen), 0);
	assert_int_equal(ct_buf_get_string_direct(&v, &res, &reslen), 0);
	assert_int_equal(ct_buf_get_string_direct(&v, &halg, &halglen), 0);
	assert_int_equal(ct_buf_get_string_direct(&v, &sg, &sglen), 0);
	assert_int_equal(ct_buf_avail(&v), 0);
	assert_int_equal(halglen, 6);
	assert_memory_equal(halg, "sha512", 6);

	/* the key in the signature is the key of the .pub file */
	pubdata = fixture(pubname, &publen);
	assert_int_equal(ct_sshkey_parse_public_line((char *)pubdata, publen, &pub), 0);
	assert_int_equal(ct_sshkey_from_blob(pk, pklen, &fromsig), 0);
	assert_int_equal(EVP_PKEY_eq(pub, fromsig), 1);

	m = fixture("msg.txt", &mlen);
	assert_int_equal(EVP_Digest(m, mlen, md, NULL, EVP_sha512(), NULL), 1);
	ct_buf_init(&signed_data, 0);
	assert_int_equal(ct_buf_put(&signed_data, "SSHSIG", 6), 0);
	assert_int_equal(ct_buf_put_string(&signed_data, ns, nslen), 0);
	assert_int_equal(ct_buf_put_string(&signed_data, res, reslen), 0);
	assert_int_equal(ct_buf_put_string(&signed_data, halg, halglen), 0);
	assert_int_equal(ct_buf_put_string(&signed_data, md, 64), 0);
	assert_int_equal(ct_sshkey_verify(pub, sg, sglen, signed_data.data, signed_data.len), 0);
	/* and not over anything else */
	signed_data.data[signed_data.len - 1] ^= 1;
	assert_int_equal(ct_sshkey_verify(pub, sg, sglen, signed_data.data, signed_data.len),
	    CT_ERR_VERIFY);

	ct_buf_release(&signed_data);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(fromsig);
	free(m);
	free(pubdata);
	free(blob);
	free(armored);
}

static void
test_verify_openssh_signatures(void **state)
{
	(void)state;
	check_sshsig_fixture("id_ed25519.pub", "id_ed25519.sig");
	check_sshsig_fixture("id_ecdsa.pub", "id_ecdsa.sig");
	check_sshsig_fixture("id_rsa.pub", "id_rsa.sig");
}

/* ---- OpenSSH private keys ---- */

static void
check_fixture_private(const char *name, const char *pubname)
{
	EVP_PKEY *priv = NULL, *pub = NULL;
	uint8_t *d, *p;
	size_t dlen, plen;

	d = fixture(name, &dlen);
	p = fixture(pubname, &plen);
	if (ct_key_parse_private(d, dlen, name, &priv) != 0)
		fail_msg("%s: %s", name, ct_errmsg(-1));
	assert_int_equal(ct_sshkey_parse_public_line((char *)p, plen, &pub), 0);
	assert_int_equal(EVP_PKEY_eq(priv, pub), 1);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
	OPENSSL_cleanse(d, dlen);
	free(d);
	free(p);
}

static void
test_private_openssh_keys_load(void **state)
{
	(void)state;
	check_fixture_private("id_ed25519", "id_ed25519.pub");
	check_fixture_private("id_ecdsa", "id_ecdsa.pub");
	check_fixture_private("id_rsa", "id_rsa.pub");
}

static void
test_private_encrypted_refused(void **state)
{
	EVP_PKEY *k = NULL;
	uint8_t *d;
	size_t dlen;

	(void)state;
	d = fixture("id_ed25519_encrypted", &dlen);
	assert_int_equal(ct_key_parse_private(d, dlen, "enc.key", &k), CT_ERR_UNSUPPORTED);
	assert_null(k);
	assert_string_equal(ct_errmsg(0), "'enc.key' is an encrypted OpenSSH key; decrypt it "
	    "with ssh-keygen -p or use a PEM key");
	free(d);
}

static void
test_private_roundtrip(void **state)
{
	EVP_PKEY *back = NULL;
	char *text = NULL;
	size_t len = 0;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(ct_sshkey_private_openssh(keys[i], "a comment", &text, &len), 0);
		assert_int_equal(strlen(text), len);
		assert_non_null(strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n"));
		assert_int_equal(ct_key_parse_private((uint8_t *)text, len, "rt", &back), 0);
		assert_int_equal(EVP_PKEY_eq(keys[i], back), 1);
		EVP_PKEY_free(back);
		OPENSSL_clear_free(text, len);
	}
}

/* The decoded body of a written key, and a re-armored copy of a changed body. */
static uint8_t *
written_body(EVP_PKEY *k, size_t *len)
{
	char *text = NULL, *b, *e;
	size_t tlen = 0;
	uint8_t *raw = NULL;

	assert_int_equal(ct_sshkey_private_openssh(k, "", &text, &tlen), 0);
	b = strchr(text, '\n') + 1;
	e = strstr(text, "-----END");
	assert_int_equal(ct_b64_decode(b, (size_t)(e - b), &raw, len), 0);
	OPENSSL_clear_free(text, tlen);
	return raw;
}

static int
parse_body(const uint8_t *raw, size_t len, EVP_PKEY **out)
{
	struct ct_buf t;
	char *b64 = NULL;
	int r;

	assert_int_equal(ct_b64_encode(raw, len, &b64), 0);
	ct_buf_init(&t, 0);
	assert_int_equal(ct_buf_putf(&t, "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n"
	    "-----END OPENSSH PRIVATE KEY-----\n", b64), 0);
	r = ct_key_parse_private(t.data, t.len, "mutant", out);
	ct_buf_release(&t);
	free(b64);
	return r;
}

/*
 * With an empty comment nothing in the body is free text, so every single-byte change of an
 * Ed25519 or ECDSA key must be refused (tried: the low bit, the high bit, all bits).  RSA is
 * left out of the loop: libcrypto's pairwise check tests p and q for primality, tens of
 * milliseconds per key.
 */
static void
test_private_mutations_refused(void **state)
{
	static const uint8_t deltas[] = { 0x01, 0x80, 0xff };
	EVP_PKEY *k = NULL;
	uint8_t *raw;
	size_t len, pos;
	int i, d;

	(void)state;
	for (i = 0; i < 2; i++) {
		raw = written_body(keys[i], &len);
		assert_int_equal(parse_body(raw, len, &k), 0);
		EVP_PKEY_free(k);
		for (pos = 0; pos < len; pos++) {
			uint8_t orig = raw[pos];

			for (d = 0; d < 3; d++) {
				raw[pos] = orig ^ deltas[d];
				k = NULL;
				if (parse_body(raw, len, &k) == 0)
					fail_msg("key %d: byte %zu ^ 0x%02x still loads", i, pos,
					    deltas[d]);
				assert_null(k);
			}
			raw[pos] = orig;
		}
		OPENSSL_cleanse(raw, len);
		free(raw);
	}
}

/* Offsets in a written body: 15 magic, 3 strings "none","none","" (8+8+4), nkeys (4). */
#define OFF_NKEYS (15 + 8 + 8 + 4)
#define OFF_PUBLEN (OFF_NKEYS + 4)

static void
test_private_structure_checks(void **state)
{
	EVP_PKEY *k = NULL;
	uint8_t *raw, *other;
	size_t len, olen, publen, privoff;
	int r;

	(void)state;
	raw = written_body(keys[0], &len);
	publen = (size_t)raw[OFF_PUBLEN + 3];
	privoff = OFF_PUBLEN + 4 + publen + 4;

	/* two keys */
	raw[OFF_NKEYS + 3] = 2;
	assert_int_equal(parse_body(raw, len, &k), CT_ERR_FORMAT);
	assert_non_null(strstr(ct_errmsg(0), "holds 2 keys"));
	raw[OFF_NKEYS + 3] = 1;

	/* check numbers differ */
	raw[privoff + 7] ^= 0x40;
	assert_int_equal(parse_body(raw, len, &k), CT_ERR_FORMAT);
	assert_non_null(strstr(ct_errmsg(0), "check numbers differ"));
	raw[privoff + 7] ^= 0x40;

	/* last padding byte */
	raw[len - 1] ^= 0x10;
	assert_int_equal(parse_body(raw, len, &k), CT_ERR_FORMAT);
	assert_non_null(strstr(ct_errmsg(0), "invalid padding"));
	raw[len - 1] ^= 0x10;

	/* the public blob of another Ed25519 key beside this private key */
	{
		EVP_PKEY *k2 = NULL;

		assert_int_equal(ct_key_generate(CT_KEY_ED25519, &k2), 0);
		other = written_body(k2, &olen);
		assert_int_equal(olen, len);
		memcpy(raw + OFF_PUBLEN + 4, other + OFF_PUBLEN + 4, publen);
		r = parse_body(raw, len, &k);
		assert_int_equal(r, CT_ERR_FORMAT);
		assert_non_null(strstr(ct_errmsg(0), "public key does not match"));
		EVP_PKEY_free(k2);
		OPENSSL_cleanse(other, olen);
		free(other);
	}
	OPENSSL_cleanse(raw, len);
	free(raw);

	/* RSA: a changed private exponent or CRT coefficient is caught by the pairwise check */
	raw = written_body(keys[2], &len);
	{
		/* n, e, d, iqmp follow "ssh-rsa" in the private section */
		size_t off = OFF_PUBLEN, n32;
		struct ct_buf v;
		const uint8_t *p;
		size_t plen, doff, iqoff;
		uint32_t u;

		ct_buf_view(&v, raw + off, len - off);
		assert_int_equal(ct_buf_get_string_direct(&v, &p, &plen), 0);	/* pub */
		assert_int_equal(ct_buf_get_u32(&v, &u), 0);			/* priv len */
		assert_int_equal(ct_buf_skip(&v, 8), 0);			/* checks */
		assert_int_equal(ct_buf_get_string_direct(&v, &p, &plen), 0);	/* type */
		assert_int_equal(ct_buf_get_string_direct(&v, &p, &plen), 0);	/* n */
		assert_int_equal(ct_buf_get_string_direct(&v, &p, &plen), 0);	/* e */
		doff = off + v.off + 4 + 20;
		assert_int_equal(ct_buf_get_string_direct(&v, &p, &plen), 0);	/* d */
		iqoff = off + v.off + 4 + 5;
		n32 = plen;
		assert_true(n32 > 20);
		raw[doff] ^= 1;
		assert_int_equal(parse_body(raw, len, &k), CT_ERR_FORMAT);
		assert_null(k);
		raw[doff] ^= 1;
		raw[iqoff] ^= 1;
		assert_int_equal(parse_body(raw, len, &k), CT_ERR_FORMAT);
		assert_null(k);
		raw[iqoff] ^= 1;
		assert_int_equal(parse_body(raw, len, &k), 0);
		EVP_PKEY_free(k);
	}
	OPENSSL_cleanse(raw, len);
	free(raw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify_roundtrip),
		cmocka_unit_test(test_sign_mutations_fail),
		cmocka_unit_test(test_alg_must_match_key),
		cmocka_unit_test(test_ecdsa_nonminimal_mpint_refused),
		cmocka_unit_test(test_verify_openssh_signatures),
		cmocka_unit_test(test_private_openssh_keys_load),
		cmocka_unit_test(test_private_encrypted_refused),
		cmocka_unit_test(test_private_roundtrip),
		cmocka_unit_test(test_private_mutations_refused),
		cmocka_unit_test(test_private_structure_checks),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
