/*
 * fuzz_ingest_k8s.c - the k8s parser (src/lib/ingest_k8s.c) on one record: any JSON value
 * jansson accepts must be normalised or refused with an error, never crash or leak.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "lib/ingest.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_pevent ev;
	json_t *j;

	if ((j = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	ct_pevent_init(&ev);
	if (ct_ingest_k8s_parse(j, &ev) == 0 && (ev.provider == NULL ||
	    (ev.outcome != NULL && strcmp(ev.outcome, "success") != 0 &&
	    strcmp(ev.outcome, "failure") != 0)))
		__builtin_trap();
	ct_error_clear();
	ct_pevent_release(&ev);
	json_decref(j);
	return 0;
}
