/*
 * fuzz_ingest_cloudtrail.c - the CloudTrail parser (src/lib/ingest_cloudtrail.c) through
 * ct_jdoc, as the ingest reads it: every accepted record has a time and a provider.
 */
#include <stdint.h>
#include <string.h>

#include "lib/ingest.h"
#include "lib/jscan.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_pevent ev;
	struct ct_jdoc d;

	ct_jdoc_init(&d);
	ct_pevent_init(&ev);
	if (ct_jdoc_parse(&d, data, size) == 0 && ct_ingest_cloudtrail_parse(&d, 0, &ev) == 0 &&
	    (!ev.has_time || ev.provider == NULL || strcmp(ev.provider, "aws") != 0))
		__builtin_trap();
	ct_error_clear();
	ct_pevent_release(&ev);
	ct_jdoc_release(&d);
	return 0;
}
