/*
 * test_conntab.c - lib/conntab: connect records by socket cookie.  The basic contract (a
 * record comes back whole, once; the same cookie replaces; cookie 0 is refused), then a
 * long random run against a simple model (an array in insertion order) on small tables,
 * which drives eviction of the oldest, compaction of the ring's holes, wrap-around and the
 * backward-shift deletion of the hash index through every path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/conntab.h"
#include "util/err.h"

static struct ct_mon_net
rec(uint64_t cookie, uint32_t pid)
{
	struct ct_mon_net e;

	memset(&e, 0, sizeof(e));
	e.h.type = CT_MON_CONNECT;
	e.h.pid = pid;
	e.h.ts_ns = cookie * 1000;
	e.cookie = cookie;
	e.verdict = CT_MON_AUDIT;
	e.flags = CT_MONF_METADATA;
	e.odport = 53;
	memcpy(e.h.comm, "agent", 6);
	e.daddr[0] = (uint8_t)cookie;
	return e;
}

static void
test_basic(void **state)
{
	struct ct_conntab *t = ct_conntab_new(8);
	struct ct_mon_net a = rec(42, 7), b = rec(43, 8), out;

	(void)state;
	assert_non_null(t);
	assert_int_equal(ct_conntab_put(t, &a), 0);
	assert_int_equal(ct_conntab_put(t, &b), 0);
	assert_int_equal(ct_conntab_count(t), 2);
	assert_int_equal(ct_conntab_take(t, 42, &out), 1);
	assert_memory_equal(&out, &a, sizeof(a));
	assert_int_equal(ct_conntab_take(t, 42, &out), 0);
	assert_int_equal(ct_conntab_take(t, 44, &out), 0);
	assert_int_equal(ct_conntab_count(t), 1);
	/* a socket connected again: the newer record replaces the older */
	b.h.pid = 9;
	assert_int_equal(ct_conntab_put(t, &b), 0);
	assert_int_equal(ct_conntab_count(t), 1);
	assert_int_equal(ct_conntab_take(t, 43, &out), 1);
	assert_int_equal(out.h.pid, 9);
	assert_int_equal(ct_conntab_count(t), 0);
	/* cookie 0 is not a socket */
	a.cookie = 0;
	assert_int_equal(ct_conntab_put(t, &a), CT_ERR_INVALID);
	ct_error_clear();
	assert_int_equal(ct_conntab_take(t, 0, &out), 0);
	ct_conntab_free(t);
	ct_conntab_free(NULL);
}

static void
test_full_evicts_oldest(void **state)
{
	struct ct_conntab *t = ct_conntab_new(4);
	struct ct_mon_net e, out;
	uint64_t c;

	(void)state;
	for (c = 1; c <= 4; c++) {
		e = rec(c, (uint32_t)c);
		assert_int_equal(ct_conntab_put(t, &e), 0);
	}
	/* 2 taken: a hole, squeezed out instead of evicting anything */
	assert_int_equal(ct_conntab_take(t, 2, &out), 1);
	e = rec(5, 5);
	assert_int_equal(ct_conntab_put(t, &e), 0);
	/* now 1, 3, 4, 5: full, so 1 (the oldest) goes for 6 */
	e = rec(6, 6);
	assert_int_equal(ct_conntab_put(t, &e), 1);
	assert_int_equal(ct_conntab_take(t, 1, &out), 0);
	for (c = 3; c <= 6; c++) {
		assert_int_equal(ct_conntab_take(t, c, &out), 1);
		assert_int_equal(out.h.pid, (uint32_t)c);
	}
	assert_int_equal(ct_conntab_count(t), 0);
	ct_conntab_free(t);
}

/* The model: live cookies in insertion order, with their pids. */
struct model {
	uint64_t cookie[64];
	uint32_t pid[64];
	size_t n;
};

static long
model_find(const struct model *m, uint64_t c)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->cookie[i] == c)
			return (long)i;
	return -1;
}

static void
model_remove(struct model *m, size_t i)
{
	memmove(&m->cookie[i], &m->cookie[i + 1], (m->n - i - 1) * sizeof(m->cookie[0]));
	memmove(&m->pid[i], &m->pid[i + 1], (m->n - i - 1) * sizeof(m->pid[0]));
	m->n--;
}

static void
random_run(size_t max, uint64_t range, unsigned seed, long ops)
{
	struct ct_conntab *t = ct_conntab_new(max);
	struct model m = { .n = 0 };
	struct ct_mon_net e, out;
	uint64_t c;
	uint32_t pid;
	long op, i;
	int want, got;

	assert_non_null(t);
	srand(seed);
	for (op = 0; op < ops; op++) {
		/* cookies from a small range collide in the index; some are far apart */
		c = 1 + (uint64_t)rand() % range;
		if (rand() % 8 == 0)
			c *= 0x100000001ULL;
		if (rand() % 3 != 0) {
			pid = (uint32_t)rand();
			e = rec(c, pid);
			i = model_find(&m, c);
			want = 0;
			if (i >= 0) {
				m.pid[i] = pid;
			} else {
				if (m.n == max) {
					model_remove(&m, 0);
					want = 1;
				}
				m.cookie[m.n] = c;
				m.pid[m.n] = pid;
				m.n++;
			}
			assert_int_equal(ct_conntab_put(t, &e), want);
		} else {
			i = model_find(&m, c);
			got = ct_conntab_take(t, c, &out);
			assert_int_equal(got, i >= 0);
			if (i >= 0) {
				assert_int_equal(out.cookie, c);
				assert_int_equal(out.h.pid, m.pid[i]);
				model_remove(&m, (size_t)i);
			}
		}
		assert_int_equal(ct_conntab_count(t), m.n);
	}
	/* everything the model holds is there, and nothing else */
	for (i = 0; i < (long)m.n; i++) {
		assert_int_equal(ct_conntab_take(t, m.cookie[i], &out), 1);
		assert_int_equal(out.h.pid, m.pid[i]);
	}
	assert_int_equal(ct_conntab_count(t), 0);
	ct_conntab_free(t);
}

static void
test_random_against_model(void **state)
{
	(void)state;
	random_run(1, 3, 1, 20000);
	random_run(7, 10, 2, 100000);
	random_run(16, 40, 3, 100000);
	random_run(64, 200, 4, 200000);
	random_run(64, 70, 5, 200000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_full_evicts_oldest),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
