/*
 * fuzz_x509.c - the X.509 parsers (src/lib/x509.c) on one input, PEM or DER: as a
 * certificate (ct_x509_parse_cert, then what the CLI reads from one: serial, names,
 * fingerprint, PEM), as a certificate request (ct_x509_parse_csr_key, which checks its
 * signature) and through inspect (ct_inspect_x509).  The input is copied to an exact-size
 * block, so a read past its length is a sanitizer error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/x509.h"
#include "util/err.h"

#include "fuzz.h"

static void
use_cert(X509 *x)
{
	char fp[65], *s = NULL;
	size_t n;

	if (ct_x509_serial_hex(x, &s) == 0)
		free(s);
	if (ct_x509_name_text(X509_get_subject_name(x), &s) == 0)
		free(s);
	if (ct_x509_name_text(X509_get_issuer_name(x), &s) == 0)
		free(s);
	if (ct_x509_fingerprint(x, fp) == 0 && strlen(fp) != 64)
		abort();
	if (ct_x509_pem(x, &s, &n) == 0)
		free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *k = NULL;
	json_t *o = NULL;
	X509 *x = NULL;
	char *in;
	size_t n;

	if ((in = fuzz_copy(data, size, 0, &n)) == NULL)
		return 0;
	if (ct_x509_parse_cert((const uint8_t *)in, n, "fuzz", &x) == 0) {
		use_cert(x);
		X509_free(x);
	}
	if (ct_x509_parse_csr_key((const uint8_t *)in, n, "fuzz", &k) == 0)
		EVP_PKEY_free(k);
	if (ct_inspect_x509(in, n, &o) == 0)
		json_decref(o);
	ct_error_clear();
	free(in);
	return 0;
}
