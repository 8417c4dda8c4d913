/*
 * fuzz_sshkey.c - libFuzzer harness for the OpenSSH private key parser
 * (src/lib/sshkey_private.c) and SSH signature verification (src/lib/sshkey_sign.c).
 *
 * The input is parsed as a key file as given, and again as the decoded body of an
 * "openssh-key-v1" key (armored here, so the fuzzer reaches the binary parser without
 * having to find valid base64); a key that loads must sign data that it then verifies.
 * The input is also verified as a signature blob against one key of each type, which must
 * never succeed.  Exact-size copies make any over-read a sanitizer error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/keys.h"
#include "util/buf.h"
#include "util/enc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *keys[3];

static void
loaded(EVP_PKEY *k)
{
	struct ct_buf sig;

	ct_buf_init(&sig, 0);
	if (ct_sshkey_sign(k, (const uint8_t *)"x", 1, &sig) != 0 ||
	    ct_sshkey_verify(k, sig.data, sig.len, (const uint8_t *)"x", 1) != 0)
		abort();
	ct_buf_release(&sig);
	EVP_PKEY_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
	static const char end[] = "\n-----END OPENSSH PRIVATE KEY-----\n";
	EVP_PKEY *k = NULL;
	struct ct_buf t;
	uint8_t *buf;
	char *b64 = NULL;
	int i;

	if (keys[0] == NULL && (ct_key_generate(CT_KEY_ED25519, &keys[0]) != 0 ||
	    ct_key_generate(CT_KEY_ECDSA_P256, &keys[1]) != 0 ||
	    ct_key_generate(CT_KEY_RSA, &keys[2]) != 0))
		abort();
	if (size > 16384)
		return 0;
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (ct_key_parse_private(buf, size, "fuzz", &k) == 0)
		loaded(k);
	if (ct_b64_encode(buf, size, &b64) == 0) {
		ct_buf_init(&t, 0);
		if (ct_buf_put(&t, begin, sizeof(begin) - 1) == 0 &&
		    ct_buf_put(&t, b64, strlen(b64)) == 0 &&
		    ct_buf_put(&t, end, sizeof(end) - 1) == 0 &&
		    ct_sshkey_parse_private_openssh(t.data, t.len, "fuzz", &k) == 0)
			loaded(k);
		ct_buf_release(&t);
		free(b64);
	}
	for (i = 0; i < 3; i++)
		if (ct_sshkey_verify(keys[i], buf, size, (const uint8_t *)"x", 1) == 0)
			abort();
	free(buf);
	return 0;
}
