/*
 * fuzz_sshcert.c - libFuzzer harness for the OpenSSH certificate parser (src/lib/sshcert.c).
 *
 * The input is tried as a certificate blob, as a certificate line and through inspect.
 * Invariants: a certificate that parses has a key, a CA, a key id and counts that match its
 * arrays, and its option names are strictly sorted; a line that inspects is a JSON object
 * with a "kind".  The data is copied to an exact-size block so that a read past the length
 * is a sanitizer error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sshcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct ct_sshcert *c)
{
	size_t i;

	if (c->key == NULL || c->ca == NULL || c->key_id == NULL || c->sig_alg == NULL ||
	    (c->nprincipals > 0 && c->principals == NULL))
		abort();
	for (i = 1; i < c->ncritical; i++)
		if (strcmp(c->critical[i - 1].name, c->critical[i].name) >= 0)
			abort();
	for (i = 1; i < c->nextensions; i++)
		if (strcmp(c->extensions[i - 1].name, c->extensions[i].name) >= 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_sshcert c;
	json_t *o = NULL;
	uint8_t *buf;

	if (size > CT_SSHCERT_MAX_BLOB * 2)
		return 0;
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (ct_sshcert_parse(buf, size, &c) == 0) {
		check(&c);
		ct_sshcert_release(&c);
	}
	if (ct_sshcert_parse_line((const char *)buf, size, &c) == 0) {
		check(&c);
		ct_sshcert_release(&c);
	}
	if (ct_inspect_sshcert((const char *)buf, size, &o) == 0) {
		if (!json_is_object(o) || json_object_get(o, "kind") == NULL)
			abort();
		json_decref(o);
	}
	free(buf);
	return 0;
}
