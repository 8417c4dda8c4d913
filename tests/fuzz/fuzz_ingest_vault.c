/*
 * fuzz_ingest_vault.c - the vault parser (src/lib/ingest_vault.c) on one record, with the checks
 * of fuzz_record.h.
 */
#include "fuzz_record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_json_record(ct_ingest_vault_parse, data, size);
}
