/*
 * test_sshkey.c - SSH signatures (sshkey_sign.c) and the OpenSSH private key format
 * (sshkey_private.c).
 *
 * Signatures: sign/verify round trips for every key type, a loop that changes every byte of
 * a valid signature blob to every other value and asserts each change fails to verify, the
 * algorithm/key type binding, and interop with OpenSSH: signatures made by `ssh-keygen -Y
 * sign` (fixtures in tests/fixtures/sshkey, see generate.sh there) verify here.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify_roundtrip),
		cmocka_unit_test(test_sign_mutations_fail),
		cmocka_unit_test(test_alg_must_match_key),
		cmocka_unit_test(test_ecdsa_nonminimal_mpint_refused),
		cmocka_unit_test(test_verify_openssh_signatures),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
