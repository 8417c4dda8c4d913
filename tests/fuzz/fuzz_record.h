/*
 * fuzz_record.h - what the harnesses of the JSON-record ingest parsers share (gcp, vault,
 * k8s, ironproxy): any JSON value jansson accepts must be normalised or refused with an
 * error, never crash or leak; an accepted record has a provider, and an outcome, if any, is
 * "success" or "failure".
 */
#ifndef CT_FUZZ_RECORD_H
#define CT_FUZZ_RECORD_H

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "lib/ingest.h"
#include "util/err.h"

#include "fuzz.h"

static inline int
fuzz_json_record(int (*parse)(json_t *, struct ct_pevent *), const uint8_t *data, size_t size)
{
	struct ct_pevent ev;
	json_t *j;

	if ((j = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	ct_pevent_init(&ev);
	if (parse(j, &ev) == 0 && (ev.provider == NULL || (ev.outcome != NULL &&
	    strcmp(ev.outcome, "success") != 0 && strcmp(ev.outcome, "failure") != 0)))
		__builtin_trap();
	ct_error_clear();
	ct_pevent_release(&ev);
	json_decref(j);
	return 0;
}

#endif
