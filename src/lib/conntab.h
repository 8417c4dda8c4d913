/*
 * conntab.h - the connect records of the agent's open TCP connections, by socket cookie.
 *
 * The kernel reports a TCP connection twice: at connect (who, verdict, flags, the DNS
 * resolver asked for) and at CLOSE (addresses, lifetime end, byte counts), where the
 * current task may be anybody's.  The monitor keeps each connect record here until the
 * close of the same socket takes it, and completes the close record from it.  A connect
 * that never reached its SYN is never taken: the table is bounded, and when it holds that
 * many records the oldest-inserted goes (the caller counts what that costs: a close
 * without its connect record).  Open addressing with linear probing and backward-shift deletion; no
 * locking (one reader thread).
 */
#ifndef CT_CONNTAB_H
#define CT_CONNTAB_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "../../bpf/monitor.h"

struct ct_conntab;

/* max_entries: the bound (0: CT_CONNTAB_DEFAULT_MAX).  NULL when out of memory (or the
 * bound is absurd: EINVAL). */
#define CT_CONNTAB_DEFAULT_MAX	(1u << 18)
struct ct_conntab *ct_conntab_new(size_t max_entries);
void ct_conntab_free(struct ct_conntab *t);

/*
 * Keep a copy of connect record `e` (e->cookie != 0) under its cookie, replacing one with
 * the same cookie (a socket connected again after a failure).  Returns 1 when a record was
 * evicted to make room, 0 otherwise, CT_ERR_NOMEM when the table could not grow.
 */
int ct_conntab_put(struct ct_conntab *t, const struct ct_mon_net *e);

/*
 * Take the connect record of `cookie` out of the table into *out: 1 if found, 0 if not.
 */
int ct_conntab_take(struct ct_conntab *t, uint64_t cookie, struct ct_mon_net *out);

/* Records held. */
size_t ct_conntab_count(const struct ct_conntab *t);

#endif
