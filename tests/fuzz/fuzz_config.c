/*
 * fuzz_config.c - the parsers of text credtrail takes from its environment, chosen by the
 * first input byte:
 *   0 the configuration file (ct_config_parse), then every value read back
 *   1 a W3C traceparent (ct_traceparent_parse), a parsed one checked for its invariants
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/otlp.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
touch(const char *s)
{
	/* every value is a NUL-terminated string ASan can read to its end */
	if (s != NULL && strlen(s) > CT_CONFIG_MAX_LINE)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_config c;
	struct ct_traceparent tp;
	size_t i;

	if (size < 1)
		return 0;
	switch (data[0]) {
	case 0:
		memset(&c, 0, sizeof(c));
		if (ct_config_parse(&c, "fuzz", (const char *)data + 1, size - 1) == 0) {
			touch(c.db);
			touch(c.prefix);
			touch(c.sign);
			touch(c.upstream_dns);
			if (c.nallow > CT_CONFIG_MAX_ALLOW)
				abort();
			for (i = 0; i < c.nallow; i++)
				touch(c.allow[i]);
		} else if (c.db != NULL || c.nallow != 0)
			abort();	/* released on error */
		ct_config_release(&c);
		break;
	case 1:
		if (ct_traceparent_parse(&tp, (const char *)data + 1, size - 1) == 0 &&
		    (strlen(tp.trace_id) != 32 || strlen(tp.parent_id) != 16 ||
		    tp.version == 0xff))
			abort();
		break;
	}
	ct_error_clear();
	return 0;
}
