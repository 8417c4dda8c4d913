/*
 * conntab.c - connect records by socket cookie (see conntab.h).
 *
 * Slots hold an index into a ring of records kept in insertion order, so that the oldest
 * can be found when the table is full.  A record taken out leaves a hole in the ring; holes
 * at the head are dropped at once, and when the ring is full of records and holes, the
 * records are moved together (in order) before anything is evicted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conntab.h"
#include "util/err.h"

struct rec {
	uint64_t cookie;	/* 0: a hole (taken out) */
	struct ct_mon_net e;
};

struct ct_conntab {
	uint32_t *slot;		/* ring index + 1; 0 empty */
	size_t nslots;		/* power of two, >= 2 * max */
	struct rec *ring;	/* max records, in insertion order */
	size_t max, head, len;	/* ring: oldest at head, len positions in use (holes too) */
	size_t count;		/* records held */
};

static size_t
hash_slot(const struct ct_conntab *t, uint64_t cookie)
{
	/* cookies come in sequence: spread them (Fibonacci hashing) */
	return (size_t)((cookie * 0x9e3779b97f4a7c15ULL) >> 20) & (t->nslots - 1);
}

struct ct_conntab *
ct_conntab_new(size_t max_entries)
{
	struct ct_conntab *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->max = max_entries != 0 ? max_entries : CT_CONNTAB_DEFAULT_MAX;
	if (t->max > UINT32_MAX / 4) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	for (t->nslots = 16; t->nslots < 2 * t->max; t->nslots *= 2)
		;
	t->slot = calloc(t->nslots, sizeof(*t->slot));
	t->ring = calloc(t->max, sizeof(*t->ring));
	if (t->slot == NULL || t->ring == NULL) {
		ct_conntab_free(t);
		return NULL;
	}
	return t;
}

void
ct_conntab_free(struct ct_conntab *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	free(t->ring);
	free(t);
}

/* The slot holding `cookie`, or the empty slot where it would go. */
static size_t
find(const struct ct_conntab *t, uint64_t cookie)
{
	size_t i = hash_slot(t, cookie);

	while (t->slot[i] != 0 && t->ring[t->slot[i] - 1].cookie != cookie)
		i = (i + 1) & (t->nslots - 1);
	return i;
}

/* Empty slot i and shift the probe chain after it back (no tombstones). */
static void
delete_slot(struct ct_conntab *t, size_t i)
{
	size_t j = i, k, mask = t->nslots - 1;

	t->slot[i] = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (t->slot[j] == 0)
			return;
		k = hash_slot(t, t->ring[t->slot[j] - 1].cookie);
		/* move j back to i unless its home k lies cyclically in (i, j] */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->slot[i] = t->slot[j];
		t->slot[j] = 0;
		i = j;
	}
}

/* Drop holes at the ring's head. */
static void
trim(struct ct_conntab *t)
{
	while (t->len > 0 && t->ring[t->head].cookie == 0) {
		t->head = (t->head + 1) % t->max;
		t->len--;
	}
}

/* Move the records to the front of a new ring, in order, and index them again. */
static int
compact(struct ct_conntab *t)
{
	struct rec *n = calloc(t->max, sizeof(*n));
	size_t k, out = 0, pos;

	if (n == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (k = 0; k < t->len; k++) {
		pos = (t->head + k) % t->max;
		if (t->ring[pos].cookie != 0)
			n[out++] = t->ring[pos];
	}
	free(t->ring);
	t->ring = n;
	t->head = 0;
	t->len = out;
	memset(t->slot, 0, t->nslots * sizeof(*t->slot));
	for (k = 0; k < out; k++)
		t->slot[find(t, n[k].cookie)] = (uint32_t)k + 1;
	return 0;
}

int
ct_conntab_put(struct ct_conntab *t, const struct ct_mon_net *e)
{
	size_t i, pos;
	int evicted = 0;

	if (e->cookie == 0)
		return ct_error(CT_ERR_INVALID, "a connect record without a socket cookie");
	i = find(t, e->cookie);
	if (t->slot[i] != 0) {
		t->ring[t->slot[i] - 1].e = *e;
		return 0;
	}
	trim(t);
	if (t->len == t->max && t->count < t->max) {
		int r = compact(t);

		if (r != 0)
			return r;
		i = find(t, e->cookie);
	}
	if (t->len == t->max) {
		/* full: the oldest record goes (the head is not a hole after trim) */
		delete_slot(t, find(t, t->ring[t->head].cookie));
		t->ring[t->head].cookie = 0;
		t->count--;
		evicted = 1;
		trim(t);
		i = find(t, e->cookie);
	}
	pos = (t->head + t->len) % t->max;
	t->ring[pos].cookie = e->cookie;
	t->ring[pos].e = *e;
	t->len++;
	t->slot[i] = (uint32_t)pos + 1;
	t->count++;
	return evicted;
}

int
ct_conntab_take(struct ct_conntab *t, uint64_t cookie, struct ct_mon_net *out)
{
	size_t i, pos;

	if (cookie == 0)
		return 0;
	i = find(t, cookie);
	if (t->slot[i] == 0)
		return 0;
	pos = t->slot[i] - 1;
	*out = t->ring[pos].e;
	t->ring[pos].cookie = 0;
	delete_slot(t, i);
	t->count--;
	trim(t);
	return 1;
}

size_t
ct_conntab_count(const struct ct_conntab *t)
{
	return t->count;
}
