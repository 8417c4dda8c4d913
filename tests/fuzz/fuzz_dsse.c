/*
 * fuzz_dsse.c - the attestation parsers, chosen by the first input byte:
 *   0 DSSE envelope (ct_dsse_parse, then ct_dsse_verify)
 *   1 checkpoint signed note (ct_checkpoint_verify)
 *   2 in-toto statement (ct_attest_parse_statement)
 *   3 armored SSH signature over "credtrail fuzz message\n" (ct_sshsig_verify)
 *   4 allowed-signers file (ct_allowed_signers_parse)
 *   5 inclusion proof JSON (ct_evlog_verify_proof)
 *   6 event log (ct_evlog_verify_file, through a memfd)
 * Signatures are checked against FUZZ_PUB, the public half of a throwaway key that signed
 * the seed corpus (tests/fuzz/corpus/dsse/README), so valid inputs reach the deepest code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/attest.h"
#include "lib/dsse.h"
#include "lib/evlog.h"
#include "lib/keys.h"
#include "lib/sshsig.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PUB "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJTnZ0i5kKrlp3XRwSg0rWkNiXGT+UkF+GkWSKqsD5by fuzz"
#define FUZZ_MSG "credtrail fuzz message\n"

static EVP_PKEY *
fuzz_key(void)
{
	static EVP_PKEY *k;

	if (k == NULL && ct_sshkey_parse_public_line(FUZZ_PUB, strlen(FUZZ_PUB), &k) != 0)
		abort();
	return k;
}

static void
log_file(const uint8_t *d, size_t n, EVP_PKEY *k)
{
	struct ct_evlog_report rep;
	char path[64];
	int fd;

	if ((fd = memfd_create("fuzz_dsse", MFD_CLOEXEC)) < 0)
		return;
	if (n == 0 || write(fd, d, n) == (ssize_t)n) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (ct_evlog_verify_file(path, &k, 1, NULL, &rep) == 0)
			ct_evlog_report_release(&rep);
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *k = fuzz_key(), **keys = NULL;
	struct ct_attest_claims claims;
	struct ct_checkpoint cp;
	struct ct_dsse env;
	json_t *j;
	size_t n;

	if (size < 1)
		return 0;
	switch (data[0] % 7) {
	case 0:
		if (ct_dsse_parse(data + 1, size - 1, &env) == 0) {
			(void)ct_dsse_verify(&env, &k, 1, NULL);
			ct_dsse_release(&env);
		}
		break;
	case 1:
		if (ct_checkpoint_verify((const char *)data + 1, size - 1, &k, 1, &cp) == 0)
			ct_checkpoint_release(&cp);
		break;
	case 2:
		if (ct_attest_parse_statement(data + 1, size - 1, &claims) == 0)
			ct_attest_claims_release(&claims);
		break;
	case 3:
		(void)ct_sshsig_verify((const char *)data + 1, size - 1, CT_SSHSIG_NAMESPACE,
		    (const uint8_t *)FUZZ_MSG, strlen(FUZZ_MSG), &k, 1, NULL);
		break;
	case 4:
		if (ct_allowed_signers_parse(data + 1, size - 1, CT_SSHSIG_NAMESPACE, &keys, &n) == 0)
			ct_keys_free(keys, n);
		break;
	case 5:
		if ((j = json_loadb((const char *)data + 1, size - 1, 0, NULL)) != NULL) {
			if (ct_evlog_verify_proof(j, &k, 1, &cp) == 0)
				ct_checkpoint_release(&cp);
			json_decref(j);
		}
		break;
	case 6:
		log_file(data + 1, size - 1, k);
		break;
	}
	ct_error_clear();
	return 0;
}
