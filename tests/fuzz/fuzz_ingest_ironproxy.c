/*
 * fuzz_ingest_ironproxy.c - the ironproxy parser (src/lib/ingest_ironproxy.c) on one record, with the checks
 * of fuzz_record.h.
 */
#include "fuzz_record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_json_record(ct_ingest_ironproxy_parse, data, size);
}
