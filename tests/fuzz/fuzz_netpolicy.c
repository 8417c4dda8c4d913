/*
 * fuzz_netpolicy.c - libFuzzer harness for allow rules and policy files
 * (src/lib/netpolicy.c).
 *
 * The input is used three ways: as a policy file (class "dns-check" selected), as one rule,
 * and as a name and an address to match against what was loaded.  Invariants: a rule that
 * parses has a canonical text that parses back to the same text; a loaded policy's rules
 * all have such texts; matching never reads past the given length (the data is copied to an
 * exact-size block).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/netpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count_rule(const struct ct_netrule *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_netpolicy *p = NULL;
	struct ct_netrule r, back;
	char *buf;
	size_t i, n = 0;

	if (size > 64 * 1024 || (buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (ct_netrule_parse(buf, size, &r) == 0) {
		if (ct_netrule_parse(r.text, strlen(r.text), &back) != 0 ||
		    strcmp(back.text, r.text) != 0)
			abort();
	}
	if (ct_netpolicy_new(&p) != 0)
		goto out;
	if (ct_netpolicy_load_buf(p, "fuzz", buf, size, "dns-check") == 0) {
		for (i = 0; i < ct_netpolicy_count(p); i++) {
			const struct ct_netrule *x = ct_netpolicy_rule(p, i);

			if (ct_netrule_parse(x->text, strlen(x->text), &back) != 0)
				abort();
		}
	}
	(void)ct_netpolicy_add_rule(p, "*.example.com");
	(void)ct_netpolicy_add_rule(p, "10.0.0.0/8:443");
	(void)ct_netpolicy_match_name(p, buf, size, count_rule, &n);
	if (size >= 16) {
		(void)ct_netpolicy_addr_allowed(p, AF_INET6, buf, (uint16_t)size);
		(void)ct_netpolicy_addr_allowed(p, AF_INET, buf, 443);
	}
	(void)ct_netpolicy_foreach_cidr(p, count_rule, &n);
	(void)ct_netpolicy_foreach_metadata_deny(p, count_rule, &n);
 out:
	ct_netpolicy_free(p);
	free(buf);
	return 0;
}
