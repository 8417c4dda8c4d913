/*
 * store_schema.h - the schema components the store migrates, one per subsystem.
 *
 * To add a table: append a migration to your component's array (never edit a released one).
 * To add a component: define it in your subsystem's schema file and list it in
 * store_schema.c.  Foreign keys may point only at components listed before yours.
 */
#ifndef CT_STORE_SCHEMA_H
#define CT_STORE_SCHEMA_H

#include "lib/store.h"

extern const struct ct_schema_component *const ct_schema_components[];

extern const struct ct_schema_component ct_schema_ledger;
extern const struct ct_schema_component ct_schema_ingest;
extern const struct ct_schema_component ct_schema_runs;
extern const struct ct_schema_component ct_schema_policy;
extern const struct ct_schema_component ct_schema_watch;

#endif
