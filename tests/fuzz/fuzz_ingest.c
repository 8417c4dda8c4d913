/*
 * fuzz_ingest.c - the whole ingest of one input (src/lib/ingest.c): gzip or not, JSON or
 * lines, every format by detection, into a real store, with and without the filter.  After
 * each input the store must hold only whole files: counts add up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ingest.h"
#include "lib/store.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_store *st;
static char path[64];

static void
cleanup(void)
{
	char p[80];

	ct_store_close(st);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_ingest_opts o = { 0 };
	struct ct_ingest_stats s;
	struct ct_ingest *in;
	int all;

	if (st == NULL) {
		snprintf(path, sizeof(path), "/tmp/ct-fuzz-ingest.%d.db", (int)getpid());
		unlink(path);
		if (ct_store_open(&st, path, 0) != 0)
			abort();
		atexit(cleanup);
	}
	for (all = 0; all < 2; all++) {
		o.all = all;
		o.max_record = 4096;
		if (ct_ingest_new(&in, st, &o) != 0)
			abort();
		if (ct_ingest_buffer(in, "fuzz", data, size, &s) == 0 &&
		    s.read != s.new_ + s.duplicate + s.skipped + s.rejected)
			__builtin_trap();
		ct_error_clear();
		ct_ingest_free(in);
	}
	return 0;
}
