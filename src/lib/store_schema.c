/*
 * store_schema.c - the ordered list of schema components (see store_schema.h).
 */
#include <stddef.h>

#include "lib/store_schema.h"

const struct ct_schema_component *const ct_schema_components[] = {
	&ct_schema_ledger,
	&ct_schema_ingest,
	&ct_schema_runs,
	&ct_schema_policy,
	&ct_schema_watch,
	NULL
};
