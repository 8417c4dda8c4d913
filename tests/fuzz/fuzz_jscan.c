/*
 * fuzz_jscan.c - the record splitter in both modes with read sizes chosen by the input, and
 * ct_jdoc on every record it yields (lookups, unescaping, slices).
 */
#include <stdint.h>
#include <string.h>

#include "lib/jscan.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
	const uint8_t *p;
	size_t n, off;
	unsigned seed;
};

static int
rd(void *arg, uint8_t *buf, size_t cap, size_t *got)
{
	struct src *s = arg;
	size_t n = s->n - s->off, want;

	s->seed = s->seed * 1103515245u + 12345u;
	want = 1 + (s->seed >> 16) % 97;
	if (n > want)
		n = want;
	if (n > cap)
		n = cap;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	*got = n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = { "eventName", "userIdentity", "a", "Records", "" };
	struct src s = { data, size, 0, size > 0 ? data[0] : 0 };
	struct ct_jscan *js;
	struct ct_jrec rec;
	struct ct_jdoc d;
	size_t k;
	int mode, i;

	ct_jdoc_init(&d);
	for (mode = 0; mode < 2; mode++) {
		s.off = 0;
		if (ct_jscan_new(&js, mode ? CT_JSCAN_LINES : CT_JSCAN_JSON, 64 + (size % 512), rd,
		    &s) != 0)
			return 0;
		while (ct_jscan_next(js, &rec) == 1) {
			if (rec.error != NULL || mode == 1)
				continue;
			if (ct_jdoc_parse(&d, rec.p, rec.len) != 0) {
				ct_error_clear();
				continue;
			}
			for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
				i = ct_jdoc_get(&d, 0, keys[k]);
				(void)ct_jdoc_str(&d, i);
				(void)ct_jdoc_json(&d, i);
				(void)ct_jdoc_bool(&d, i);
			}
			for (i = 0; (size_t)i < d.nn; i++) {
				(void)ct_jdoc_str(&d, i);
				(void)ct_jdoc_json(&d, i);
			}
			(void)ct_jdoc_path(&d, 0, "userIdentity.sessionContext.sourceIdentity");
		}
		ct_jscan_free(js);
	}
	ct_jdoc_release(&d);
	return 0;
}
