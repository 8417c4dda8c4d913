/*
 * fuzz_ingest_gcp.c - the gcp parser (src/lib/ingest_gcp.c) on one record, with the checks
 * of fuzz_record.h.
 */
#include "fuzz_record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_json_record(ct_ingest_gcp_parse, data, size);
}
