/*
 * fuzz_actionmap.c - the permission map (src/lib/actionmap.c), chosen by the first byte:
 *   0 a service-reference document (ct_actionmap_load_reference_buf into a fresh map, then
 *     the actions it lists for the seeds' services)
 *   1 a provider event, as a JSON object with the members of struct ct_am_event ("provider",
 *     "service", "action", "region", "account", "request", "response", "resources",
 *     "authz", "principal", "source_ip"), mapped with the built-in table: every permission
 *     has an action and as many resources as it counts
 *   2 an action pattern and a name, each NUL-terminated (ct_am_wildcard_match), the first
 *     also as an action pattern (ct_actionmap_pattern_has_data) and an event source
 *     (ct_actionmap_iam_prefix)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/actionmap.h"
#include "util/err.h"

#include "fuzz.h"

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
map_event(const char *in, size_t n)
{
	struct ct_am_result res;
	struct ct_am_event ev;
	json_t *o;
	size_t i, j;

	if ((o = json_loadb(in, n, 0, NULL)) == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.provider = str(o, "provider");
	ev.service = str(o, "service");
	ev.action = str(o, "action");
	ev.region = str(o, "region");
	ev.account = str(o, "account");
	ev.request = json_object_get(o, "request");
	ev.response = json_object_get(o, "response");
	ev.resources = json_object_get(o, "resources");
	ev.authz = json_object_get(o, "authz");
	ev.principal = str(o, "principal");
	ev.source_ip = str(o, "source_ip");
	if (ct_actionmap_map(NULL, &ev, &res) == 0) {
		for (i = 0; i < res.n; i++) {
			if (res.perm[i].action == NULL)
				abort();
			for (j = 0; j < res.perm[i].nresources; j++) {
				if (res.perm[i].resources[j] == NULL)
					abort();
			}
		}
		ct_am_result_release(&res);
	}
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "route53", "codebuild", "config", "s3" };
	struct ct_actionmap *m = NULL;
	const char *nul;
	char *in, prefix[64];
	size_t i, n, na;
	int guessed;

	if ((in = fuzz_copy(data, size, 1, &n)) == NULL)
		return 0;
	switch (data[0]) {
	case 0:
		if (ct_actionmap_new(&m) != 0)
			break;
		if (ct_actionmap_load_reference_buf(m, "fuzz", in, n) == 0) {
			for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
				(void)ct_actionmap_reference_actions(m, prefixes[i], &na);
		}
		ct_actionmap_free(m);
		break;
	case 1:
		map_event(in, n);
		break;
	case 2:
		if ((nul = memchr(in, '\0', n)) != NULL && memchr(nul + 1, '\0',
		    n - (size_t)(nul + 1 - in)) != NULL) {
			(void)ct_am_wildcard_match(in, nul + 1, 0);
			(void)ct_am_wildcard_match(in, nul + 1, 1);
			(void)ct_actionmap_pattern_has_data(in);
			(void)ct_actionmap_iam_prefix(in, prefix, sizeof(prefix), &guessed);
		}
		break;
	}
	ct_error_clear();
	free(in);
	return 0;
}
