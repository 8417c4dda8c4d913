/*
 * fuzz_dnsmsg.c - libFuzzer harness for the DNS message parser (src/lib/dnsmsg.c).
 *
 * The input is one DNS message as it would arrive from the agent or a resolver.  Parse it,
 * follow its CNAME chain, build the replies the proxy would send to it, and read a name at
 * every offset; then check the invariants a caller relies on (names NUL-terminated and
 * within their buffers, counts consistent, reply no longer than the query).  The data is
 * copied to an exact-size block so that a read past the length is a sanitizer error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ct_dns_chain ch;
	struct ct_dns_msg m;
	char name[CT_DNS_NAME_TEXT_MAX];
	uint8_t *buf, out[CT_DNS_MSG_MAX];
	size_t i, n, off;

	if (size > CT_DNS_MSG_MAX)
		return 0;
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (ct_dns_parse(buf, size, &m) == 0) {
		if (m.nan != m.ancount || strlen(m.qname) >= sizeof(m.qname))
			abort();
		for (i = 0; i < m.nan; i++) {
			if (strlen(m.an[i].name) >= sizeof(m.an[i].name) ||
			    m.an[i].rdoff + m.an[i].rdlen > size)
				abort();
		}
		if (ct_dns_chain(&m, &ch) == 0) {
			if (ch.nnames < 1 || ch.nnames > CT_DNS_CHAIN_MAX + 1 ||
			    ch.naddrs > m.nan)
				abort();
			for (i = 0; i < ch.naddrs; i++)
				if (ch.addrs[i].family == 0)
					abort();
		}
		ct_dns_msg_release(&m);
	}
	if (ct_dns_build_reply(buf, size, 5, out, sizeof(out), &n) == 0) {
		if (n > size || n < CT_DNS_HDR_LEN)
			abort();
		/* what we build, we parse */
		if (ct_dns_parse(out, n, &m) != 0)
			abort();
		ct_dns_msg_release(&m);
	}
	for (off = 0; off < size && off < 512; off++) {
		size_t o = off;

		if (ct_dns_read_name(buf, size, &o, name, sizeof(name)) == 0 &&
		    (o <= off || o > size || strlen(name) >= sizeof(name)))
			abort();
	}
	free(buf);
	return 0;
}
