/*
 * fuzz_ingest_k8s.c - the k8s parser (src/lib/ingest_k8s.c) on one record, with the checks
 * of fuzz_record.h.
 */
#include "fuzz_record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_json_record(ct_ingest_k8s_parse, data, size);
}
