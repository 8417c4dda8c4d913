/*
 * fuzz.h - what the harnesses of tests/fuzz/ share.
 */
#ifndef CT_FUZZ_H
#define CT_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A malloc'd copy of the input after its first `skip` bytes, of exactly that size (one byte
 * for an empty rest), so that a read past the length the parser was given is a sanitizer
 * error.  NULL when the input is shorter than `skip` or memory is short.
 */
static inline char *
fuzz_copy(const uint8_t *data, size_t size, size_t skip, size_t *n)
{
	char *p;

	if (size < skip)
		return NULL;
	*n = size - skip;
	if ((p = malloc(*n > 0 ? *n : 1)) != NULL)
		memcpy(p, data + skip, *n);
	return p;
}

#endif
