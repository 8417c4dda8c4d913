/*
 * fuzz_inspect.c - `credtrail inspect`'s sniffing of an artifact (src/lib/inspect.c) and the
 * parser it picks: JWT, PEM certificate, OpenSSH certificate, AWS ARN or sshd log line.
 * Invariant: what inspects is a JSON object with a string "kind" and a "task" member.  The
 * input is copied to an exact-size block, so a read past its length is a sanitizer error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/inspect.h"
#include "util/err.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *o = NULL;
	char *in;
	size_t n;

	if ((in = fuzz_copy(data, size, 0, &n)) == NULL)
		return 0;
	if (ct_inspect(in, n, &o) == 0) {
		if (!json_is_object(o) || !json_is_string(json_object_get(o, "kind")) ||
		    json_object_get(o, "task") == NULL)
			abort();
		json_decref(o);
	}
	ct_error_clear();
	free(in);
	return 0;
}
