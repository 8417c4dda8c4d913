/*
 * fuzz_ingest_sshd.c - sshd log lines with every header form (src/lib/ingest_sshd.c), and
 * the same bytes as a journalctl -o json record when they are JSON.
 */
#include <stdint.h>
#include <stdlib.h>
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

	ct_pevent_init(&ev);
	if (ct_ingest_sshd_parse((const char *)data, size, &ev, 1764106218000000LL) == 0 &&
	    (ev.outcome == NULL || ev.action == NULL))
		__builtin_trap();
	ct_error_clear();
	ct_pevent_release(&ev);
	if ((j = json_loadb((const char *)data, size, 0, NULL)) != NULL) {
		ct_pevent_init(&ev);
		(void)ct_ingest_journal_parse(j, &ev, 0);
		ct_error_clear();
		ct_pevent_release(&ev);
		json_decref(j);
	}
	return 0;
}
