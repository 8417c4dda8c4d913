/*
 * fuzz_decode.c - the small decoders of outside text, each on the whole input: hex, base64
 * and base64url (src/util/enc.c), RFC 3339 times (src/util/timeutil.c), a principal's task
 * (ct_task_from_principal), a public key file (ct_key_parse_public: PEM, OpenSSH line or
 * certificate), and as C strings a duration, a resolver address and the id checks.
 * Invariants: a decoded length is at most the input's; the input is copied to an exact-size
 * block, so a read past its length is a sanitizer error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#include "lib/dnsproxy.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#include "fuzz.h"

/* A decoder's result: at most as long as its input, freed. */
static void
decoded(int (*dec)(const char *, size_t, uint8_t **, size_t *), const char *in, size_t n)
{
	uint8_t *p = NULL;
	size_t len = 0;

	if (dec(in, n, &p, &len) == 0) {
		if (len > n)
			abort();
		free(p);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	char *in, *s, task[64];
	EVP_PKEY *k = NULL;
	size_t n;
	int64_t t;

	if ((in = fuzz_copy(data, size, 0, &n)) == NULL)
		return 0;
	decoded(ct_hex_decode, in, n);
	decoded(ct_b64_decode, in, n);
	decoded(ct_b64url_decode, in, n);
	(void)ct_time_parse(in, n, &t);
	(void)ct_task_from_principal(in, n, task, sizeof(task));
	if (ct_key_parse_public((const uint8_t *)in, n, "fuzz", &k) == 0)
		EVP_PKEY_free(k);
	if ((s = strndup(in, n)) != NULL) {
		(void)ct_duration_parse(s, &t);
		(void)ct_dns_parse_addrport(s, 53, &ss);
		(void)ct_task_id_check(s);
		(void)ct_task_class_check(s);
		(void)ct_prefix_check(s);
		(void)ct_session_name_check(s);
	}
	free(s);
	ct_error_clear();
	free(in);
	return 0;
}
