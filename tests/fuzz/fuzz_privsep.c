/*
 * fuzz_privsep.c - the privileged side of the DNS proxy's privilege separation
 * (ct_privsep_parent_handle in src/lib/privsep.c): every request a compromised child could
 * send.  The input is a sequence of messages, each preceded by its length (u16, big
 * endian), served in order by a fresh parent (policy api.example.com:443 and *.example.com,
 * enforcing) until one is refused.  An EVENT's time is set to now plus its low 32 bits as a
 * signed offset in µs, so that the seeds (tests/fuzz/corpus/privsep/README) stay in the
 * proxy's life.  Invariants: what the parent hands on (admissions, events, statistics)
 * has been checked: families, lengths, TTLs and names as privsep.h promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/dnsproxy.h"
#include "lib/netpolicy.h"
#include "lib/privsep.h"
#include "util/err.h"
#include "util/timeutil.h"

#include "fuzz.h"

static int
admit(int family, const uint8_t *addr, uint16_t port, uint32_t ttl, const char *name,
    void *arg)
{
	if ((family != AF_INET && family != AF_INET6) || addr == NULL || name == NULL ||
	    ttl > CT_PRIVSEP_TTL_MAX)
		abort();
	return 0;
}

static void
on_event(const struct ct_dns_event *ev, const struct ct_privsep_counters *c, void *arg)
{
	size_t i;

	if (ev->qname == NULL || (ev->nanswers > 0 && ev->answers == NULL) ||
	    (ev->error != NULL && strlen(ev->error) > CT_PRIVSEP_MAX_ERROR))
		abort();
	for (i = 0; i < ev->nanswers; i++) {
		if (ev->answers[i].name == NULL)
			abort();
	}
	for (i = 0; i < ev->nchain; i++) {
		if (ev->chain[i] == NULL)
			abort();
	}
}

static void
on_stats(const struct ct_privsep_counters *c, void *arg)
{
}

static void
on_incident(json_t *ev, int64_t time_us, void *arg)
{
	if (!json_is_object(ev))
		abort();
	json_decref(ev);
}

/* An EVENT's time (the first 8 octets of its body): now + the low 32 bits, signed. */
static void
fix_time(uint8_t *m, size_t n)
{
	uint64_t t;
	int i;

	if (n < CT_PRIVSEP_HDR_LEN + 8 || m[4] || m[5] || m[6] || m[7] != CT_PS_EVENT)
		return;
	m += CT_PRIVSEP_HDR_LEN;
	t = (uint64_t)(ct_now_us() + (int32_t)((uint32_t)m[4] << 24 | (uint32_t)m[5] << 16 |
	    (uint32_t)m[6] << 8 | m[7]));
	for (i = 7; i >= 0; i--, t >>= 8)
		m[i] = (uint8_t)t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ct_netpolicy *pol;
	static int sp[2] = { -1, -1 };
	struct ct_privsep_parent_ops ops;
	struct ct_privsep_parent pp;
	uint8_t reply[256];
	size_t off = 0, len;
	char *m;

	if (pol == NULL && (ct_netpolicy_new(&pol) != 0 ||
	    ct_netpolicy_add_rule(pol, "api.example.com:443") != 0 ||
	    ct_netpolicy_add_rule(pol, "*.example.com") != 0))
		abort();
	if (sp[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0)
		abort();
	memset(&ops, 0, sizeof(ops));
	ops.policy = pol;
	ops.enforce = 1;
	ops.ttl_floor = 10;
	ops.start_us = ct_now_us();
	ops.admit = admit;
	ops.on_event = on_event;
	ops.on_stats = on_stats;
	ops.on_incident = on_incident;
	ct_privsep_parent_init(&pp, sp[0], &ops);
	while (size - off >= 2) {
		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off || (m = fuzz_copy(data + off, len, 0, &len)) == NULL)
			break;
		off += len;
		fix_time((uint8_t *)m, len);
		if (ct_privsep_parent_handle(&pp, (const uint8_t *)m, len) != 0)
			off = size;
		free(m);
		while (recv(sp[1], reply, sizeof(reply), MSG_DONTWAIT) > 0)
			;
	}
	ct_error_clear();
	return 0;
}
