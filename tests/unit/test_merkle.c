/*
 * test_merkle.c - lib/merkle: RFC 6962 tree heads, inclusion and consistency proofs against
 * the Certificate Transparency test vectors (tests/fixtures/merkle/vectors.txt, see PROVENANCE
 * there), every proof of every small tree with corrupted variants, and a cross-check against
 * an independent implementation in Python (hashlib, written from the RFC's recursive
 * definitions) for random tree sizes 1..300.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/merkle.h"
#include "util/enc.h"
#include "util/err.h"

#define H CT_MERKLE_HASH_LEN

struct vec_proof {
	uint64_t a, b;		/* inclusion: index, size; consistency: size1, size2 */
	size_t n;
	uint8_t h[8][H];
};

static struct {
	uint8_t leaf[8][16];
	size_t leaflen[8];
	uint8_t root[9][H];
	struct vec_proof incl[8], cons[8];
	size_t nincl, ncons, nleaves, nroots;
} V;

static void
hexto(const char *s, uint8_t *out, size_t max, size_t *outlen)
{
	uint8_t *d;
	size_t n;

	if (strcmp(s, "-") == 0) {
		*outlen = 0;
		return;
	}
	assert_int_equal(ct_hex_decode(s, strlen(s), &d, &n), 0);
	assert_true(n <= max);
	memcpy(out, d, n);
	*outlen = n;
	free(d);
}

static void
load_vectors(void)
{
	const char *top = getenv("CT_TOP");
	char path[4096], line[4096], *tok, *save;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/merkle/vectors.txt",
	    top != NULL ? top : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	memset(&V, 0, sizeof(V));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tok = strtok_r(line, " ", &save);
		if (strcmp(tok, "leaf") == 0) {
			size_t i = strtoul(strtok_r(NULL, " ", &save), NULL, 10);

			assert_true(i < 8);
			hexto(strtok_r(NULL, " ", &save), V.leaf[i], 16, &V.leaflen[i]);
			V.nleaves++;
		} else if (strcmp(tok, "root") == 0) {
			size_t i = strtoul(strtok_r(NULL, " ", &save), NULL, 10);

			assert_true(i <= 8);
			hexto(strtok_r(NULL, " ", &save), V.root[i], H, &n);
			assert_int_equal(n, H);
			V.nroots++;
		} else {
			struct vec_proof *p;

			if (strcmp(tok, "inclusion") == 0)
				p = &V.incl[V.nincl++];
			else {
				assert_string_equal(tok, "consistency");
				p = &V.cons[V.ncons++];
			}
			p->a = strtoull(strtok_r(NULL, " ", &save), NULL, 10);
			p->b = strtoull(strtok_r(NULL, " ", &save), NULL, 10);
			while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
				assert_true(p->n < 8);
				hexto(tok, p->h[p->n++], H, &n);
				assert_int_equal(n, H);
			}
		}
	}
	fclose(f);
	assert_int_equal(V.nleaves, 8);
	assert_int_equal(V.nroots, 9);
	assert_int_equal(V.nincl, 5);
	assert_int_equal(V.ncons, 5);
}

static void
vector_leaf_hashes(uint8_t leaves[8][H])
{
	size_t i;

	for (i = 0; i < 8; i++)
		ct_merkle_leaf_hash(V.leaf[i], V.leaflen[i], leaves[i]);
}

static void
test_vector_roots(void **state)
{
	uint8_t leaves[8][H], r[H];
	struct ct_merkle m;
	size_t i;

	(void)state;
	load_vectors();
	vector_leaf_hashes(leaves);
	ct_merkle_init(&m);
	ct_merkle_root(&m, r);
	assert_memory_equal(r, V.root[0], H);
	for (i = 0; i < 8; i++) {
		assert_int_equal(ct_merkle_append(&m, V.leaf[i], V.leaflen[i]), 0);
		ct_merkle_root(&m, r);
		assert_memory_equal(r, V.root[i + 1], H);
		ct_merkle_root_of((const uint8_t (*)[H])leaves, i + 1, r);
		assert_memory_equal(r, V.root[i + 1], H);
	}
	/* the one-leaf tree's head is the leaf hash */
	assert_memory_equal(leaves[0], V.root[1], H);
}

/* Flip one bit of one hash of a proof; every such proof must fail. */
static void
assert_inclusion_corruptions_fail(const uint8_t leaf[H], uint64_t idx, uint64_t size,
    uint8_t (*proof)[H], size_t n, const uint8_t root[H])
{
	uint8_t bad[CT_MERKLE_MAX_PROOF + 1][H], wrong[H];
	size_t i;

	/* wrong index, wrong size */
	if (idx > 0)
		assert_int_equal(ct_merkle_verify_inclusion(leaf, idx - 1, size,
		    (const uint8_t (*)[H])proof, n, root), CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, idx + 1, size,
	    (const uint8_t (*)[H])proof, n, root), CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, idx ^ 2, size,
	    (const uint8_t (*)[H])proof, n, root), CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, idx, size * 2,
	    (const uint8_t (*)[H])proof, n, root), CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, idx, size / 2,
	    (const uint8_t (*)[H])proof, n, root), CT_ERR_VERIFY);
	/* wrong leaf, wrong root */
	memcpy(wrong, leaf, H);
	wrong[5] ^= 0x40;
	assert_int_equal(ct_merkle_verify_inclusion(wrong, idx, size,
	    (const uint8_t (*)[H])proof, n, root), CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, idx, size,
	    (const uint8_t (*)[H])proof, n, wrong), CT_ERR_VERIFY);
	/* a hash appended, prepended, removed */
	memcpy(bad, proof, n * H);
	memcpy(bad[n], root, H);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, idx, size,
	    (const uint8_t (*)[H])bad, n + 1, root), CT_ERR_VERIFY);
	memcpy(bad[0], root, H);
	memcpy(bad + 1, proof, n * H);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, idx, size,
	    (const uint8_t (*)[H])bad, n + 1, root), CT_ERR_VERIFY);
	if (n > 0)
		assert_int_equal(ct_merkle_verify_inclusion(leaf, idx, size,
		    (const uint8_t (*)[H])proof, n - 1, root), CT_ERR_VERIFY);
	for (i = 0; i < n; i++) {
		memcpy(bad, proof, n * H);
		bad[i][0] ^= 8;
		assert_int_equal(ct_merkle_verify_inclusion(leaf, idx, size,
		    (const uint8_t (*)[H])bad, n, root), CT_ERR_VERIFY);
	}
}

static void
test_vector_inclusion(void **state)
{
	uint8_t leaves[8][H], proof[CT_MERKLE_MAX_PROOF][H];
	size_t i, n;

	(void)state;
	load_vectors();
	vector_leaf_hashes(leaves);
	for (i = 0; i < V.nincl; i++) {
		struct vec_proof *v = &V.incl[i];

		assert_int_equal(ct_merkle_inclusion_proof((const uint8_t (*)[H])leaves, v->b,
		    v->a, proof, &n), 0);
		assert_int_equal(n, v->n);
		assert_memory_equal(proof, v->h, n * H);
		assert_int_equal(ct_merkle_verify_inclusion(leaves[v->a], v->a, v->b,
		    (const uint8_t (*)[H])v->h, v->n, V.root[v->b]), 0);
		assert_inclusion_corruptions_fail(leaves[v->a], v->a, v->b, v->h, v->n,
		    V.root[v->b]);
	}
	/* an index outside the tree has no proof */
	assert_int_equal(ct_merkle_inclusion_proof((const uint8_t (*)[H])leaves, 8, 8, proof, &n),
	    CT_ERR_INVALID);
	assert_int_equal(ct_merkle_verify_inclusion(leaves[0], 0, 0, NULL, 0, V.root[0]),
	    CT_ERR_VERIFY);
}

static void
assert_consistency_corruptions_fail(uint64_t s1, uint64_t s2, const uint8_t r1[H],
    const uint8_t r2[H], uint8_t (*proof)[H], size_t n)
{
	uint8_t bad[CT_MERKLE_MAX_PROOF + 1][H], wrong[H];
	size_t i;

#define BAD(a, ra, b, rb, p, np) \
	assert_int_equal(ct_merkle_verify_consistency(a, ra, b, rb, \
	    (const uint8_t (*)[H])(p), np), CT_ERR_VERIFY)
	memset(wrong, 0x5a, H);
	BAD(s1 - 1, r1, s2, r2, proof, n);
	BAD(s1 + 1, r1, s2, r2, proof, n);
	BAD(s1 ^ 2, r1, s2, r2, proof, n);
	BAD(s1, r1, s2 * 2, r2, proof, n);
	BAD(s1, r1, s2 / 2, r2, proof, n);
	BAD(s1, wrong, s2, r2, proof, n);
	BAD(s1, r1, s2, wrong, proof, n);
	BAD(s1, r2, s2, r1, proof, n);
	BAD(s1, r1, s2, r2, proof, 0);
	memcpy(bad, proof, n * H);
	memcpy(bad[n], r1, H);
	BAD(s1, r1, s2, r2, bad, n + 1);
	memcpy(bad[n], r2, H);
	BAD(s1, r1, s2, r2, bad, n + 1);
	memcpy(bad + 1, proof, n * H);
	memcpy(bad[0], r1, H);
	BAD(s1, r1, s2, r2, bad, n + 1);
	memcpy(bad[0], r2, H);
	BAD(s1, r1, s2, r2, bad, n + 1);
	memcpy(bad[0], proof[0], H);
	BAD(s1, r1, s2, r2, bad, n + 1);
	BAD(s1, r1, s2, r2, proof, n - 1);
	for (i = 0; i < n; i++) {
		memcpy(bad, proof, n * H);
		bad[i][0] ^= 16;
		BAD(s1, r1, s2, r2, bad, n);
	}
#undef BAD
}

static void
test_vector_consistency(void **state)
{
	uint8_t leaves[8][H], proof[CT_MERKLE_MAX_PROOF][H], other[H];
	size_t i, n;

	(void)state;
	load_vectors();
	vector_leaf_hashes(leaves);
	for (i = 0; i < V.ncons; i++) {
		struct vec_proof *v = &V.cons[i];

		assert_int_equal(ct_merkle_consistency_proof((const uint8_t (*)[H])leaves, v->b,
		    v->a, proof, &n), 0);
		assert_int_equal(n, v->n);
		assert_memory_equal(proof, v->h, n * H);
		assert_int_equal(ct_merkle_verify_consistency(v->a, V.root[v->a], v->b,
		    V.root[v->b], (const uint8_t (*)[H])v->h, v->n), 0);
		if (v->n > 0)
			assert_consistency_corruptions_fail(v->a, v->b, V.root[v->a], V.root[v->b],
			    v->h, v->n);
	}
	/* the trivial cases of RFC 9162 2.1.4.2 */
	memset(other, 0x11, H);
	assert_int_equal(ct_merkle_verify_consistency(0, V.root[0], 0, V.root[0], NULL, 0), 0);
	assert_int_equal(ct_merkle_verify_consistency(0, other, 1, V.root[1], NULL, 0), 0);
	assert_int_equal(ct_merkle_verify_consistency(1, V.root[1], 1, V.root[1], NULL, 0), 0);
	assert_int_equal(ct_merkle_verify_consistency(1, V.root[1], 1, other, NULL, 0),
	    CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_consistency(1, V.root[1], 0, V.root[0], NULL, 0),
	    CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_consistency(2, V.root[2], 1, V.root[1], NULL, 0),
	    CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_consistency(1, V.root[1], 2, V.root[2], NULL, 0),
	    CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_consistency(0, V.root[0], 1, V.root[1],
	    (const uint8_t (*)[H])V.root, 1), CT_ERR_VERIFY);
	assert_int_equal(ct_merkle_verify_consistency(1, V.root[1], 1, V.root[1],
	    (const uint8_t (*)[H])V.root, 1), CT_ERR_VERIFY);
}

/* The leaf data both implementations derive from the index. */
static size_t
gen_leaf(uint64_t i, uint8_t *out)
{
	size_t n, k;

	n = (size_t)snprintf((char *)out, 32, "leaf %llu ", (unsigned long long)i);
	for (k = 0; k < i % 13; k++)
		out[n++] = (uint8_t)((i * 7 + k) % 256);
	return n;
}

static uint8_t (*gen_tree(uint64_t n))[H]
{
	uint8_t (*leaves)[H] = calloc(n + 1, H), d[64];
	uint64_t i;

	assert_non_null(leaves);
	for (i = 0; i < n; i++)
		ct_merkle_leaf_hash(d, gen_leaf(i, d), leaves[i]);
	return leaves;
}

static void
test_every_proof_of_small_trees(void **state)
{
	uint8_t (*leaves)[H] = gen_tree(64), proof[CT_MERKLE_MAX_PROOF][H];
	uint8_t roots[65][H];
	struct ct_merkle m;
	uint64_t n, i;
	size_t plen;

	(void)state;
	ct_merkle_init(&m);
	ct_merkle_root(&m, roots[0]);
	for (n = 1; n <= 64; n++) {
		assert_int_equal(ct_merkle_append_hash(&m, leaves[n - 1]), 0);
		ct_merkle_root(&m, roots[n]);
	}
	for (n = 1; n <= 64; n++) {
		for (i = 0; i < n; i++) {
			assert_int_equal(ct_merkle_inclusion_proof((const uint8_t (*)[H])leaves, n, i,
			    proof, &plen), 0);
			assert_int_equal(ct_merkle_verify_inclusion(leaves[i], i, n,
			    (const uint8_t (*)[H])proof, plen, roots[n]), 0);
			assert_inclusion_corruptions_fail(leaves[i], i, n, proof, plen, roots[n]);
		}
		for (i = 0; i <= n; i++) {
			assert_int_equal(ct_merkle_consistency_proof((const uint8_t (*)[H])leaves, n,
			    i, proof, &plen), 0);
			assert_int_equal(ct_merkle_verify_consistency(i, roots[i], n, roots[n],
			    (const uint8_t (*)[H])proof, plen), 0);
			if (plen > 0)
				assert_consistency_corruptions_fail(i, n, roots[i], roots[n], proof,
				    plen);
		}
	}
	free(leaves);
}

/* An independent RFC 6962 implementation: recursive MTH, PATH and SUBPROOF over lists. */
static const char pyref[] =
	"import hashlib, sys\n"
	"def leaf(i):\n"
	"    return b'leaf %d ' % i + bytes((i * 7 + k) % 256 for k in range(i % 13))\n"
	"def h(b): return hashlib.sha256(b).digest()\n"
	"def mth(d):\n"
	"    n = len(d)\n"
	"    if n == 0: return h(b'')\n"
	"    if n == 1: return h(b'\\x00' + d[0])\n"
	"    k = 1\n"
	"    while k * 2 < n: k *= 2\n"
	"    return h(b'\\x01' + mth(d[:k]) + mth(d[k:]))\n"
	"def path(m, d):\n"
	"    n = len(d)\n"
	"    if n <= 1: return []\n"
	"    k = 1\n"
	"    while k * 2 < n: k *= 2\n"
	"    if m < k: return path(m, d[:k]) + [mth(d[k:])]\n"
	"    return path(m - k, d[k:]) + [mth(d[:k])]\n"
	"def subproof(m, d, b):\n"
	"    n = len(d)\n"
	"    if m == n: return [] if b else [mth(d)]\n"
	"    k = 1\n"
	"    while k * 2 < n: k *= 2\n"
	"    if m <= k: return subproof(m, d[:k], b) + [mth(d[k:])]\n"
	"    return subproof(m - k, d[k:], False) + [mth(d[:k])]\n"
	"D = [leaf(i) for i in range(301)]\n"
	"for line in open(sys.argv[1]):\n"
	"    op, a, b = line.split()\n"
	"    a, b = int(a), int(b)\n"
	"    if op == 'root': out = [mth(D[:a])]\n"
	"    elif op == 'incl': out = path(a, D[:b])\n"
	"    else: out = [] if a in (0, b) else subproof(a, D[:b], True)\n"
	"    print(op, a, b, ' '.join(x.hex() for x in out) or '-')\n";

static void
test_python_crosscheck(void **state)
{
	char qpath[] = "/tmp/ct-merkle-q.XXXXXX", spath[] = "/tmp/ct-merkle-py.XXXXXX";
	char cmd[256], line[8192], want[8192], hex[2 * H + 1];
	uint8_t (*leaves)[H] = gen_tree(300), proof[CT_MERKLE_MAX_PROOF][H], r[H];
	uint64_t a, b;
	unsigned int seed = (unsigned int)time(NULL);
	size_t plen, i, k, nq = 0, checked = 0;
	FILE *q, *p;
	int fd;

	(void)state;
	print_message("# python cross-check seed %u\n", seed);
	srand(seed);
	assert_true((fd = mkstemp(qpath)) >= 0);
	assert_non_null(q = fdopen(fd, "w"));
	for (i = 0; i < 40; i++) {
		b = 1 + (uint64_t)rand() % 300;
		fprintf(q, "root %llu 0\n", (unsigned long long)b);
		for (k = 0; k < 3; k++) {
			fprintf(q, "incl %llu %llu\n", (unsigned long long)((uint64_t)rand() % b),
			    (unsigned long long)b);
			fprintf(q, "cons %llu %llu\n", (unsigned long long)((uint64_t)rand() % (b + 1)),
			    (unsigned long long)b);
		}
		nq += 7;
	}
	fclose(q);
	assert_true((fd = mkstemp(spath)) >= 0);
	assert_int_equal(write(fd, pyref, sizeof(pyref) - 1), (ssize_t)(sizeof(pyref) - 1));
	close(fd);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s", spath, qpath);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL) {
		char op[8];
		unsigned long long ua, ub;

		line[strcspn(line, "\n")] = '\0';
		assert_int_equal(sscanf(line, "%7s %llu %llu", op, &ua, &ub), 3);
		a = ua;
		b = ub;
		if (strcmp(op, "root") == 0) {
			ct_merkle_root_of((const uint8_t (*)[H])leaves, a, r);
			memcpy(proof[0], r, H);
			plen = 1;
		} else if (strcmp(op, "incl") == 0) {
			assert_int_equal(ct_merkle_inclusion_proof((const uint8_t (*)[H])leaves, b,
			    a, proof, &plen), 0);
			/* and it verifies with the RFC 9162 algorithm */
			ct_merkle_root_of((const uint8_t (*)[H])leaves, b, r);
			assert_int_equal(ct_merkle_verify_inclusion(leaves[a], a, b,
			    (const uint8_t (*)[H])proof, plen, r), 0);
		} else {
			uint8_t r1[H];

			assert_int_equal(ct_merkle_consistency_proof((const uint8_t (*)[H])leaves, b,
			    a, proof, &plen), 0);
			ct_merkle_root_of((const uint8_t (*)[H])leaves, a, r1);
			ct_merkle_root_of((const uint8_t (*)[H])leaves, b, r);
			assert_int_equal(ct_merkle_verify_consistency(a, r1, b, r,
			    (const uint8_t (*)[H])proof, plen), 0);
		}
		snprintf(want, sizeof(want), "%s %llu %llu ", op, ua, ub);
		if (plen == 0)
			strcat(want, "-");
		for (i = 0; i < plen; i++) {
			ct_hex_fmt(proof[i], H, hex);
			if (i > 0)
				strcat(want, " ");
			strcat(want, hex);
		}
		assert_string_equal(line, want);
		checked++;
	}
	assert_int_equal(pclose(p), 0);
	unlink(qpath);
	unlink(spath);
	assert_int_equal(checked, nq);
	free(leaves);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_roots),
		cmocka_unit_test(test_vector_inclusion),
		cmocka_unit_test(test_vector_consistency),
		cmocka_unit_test(test_every_proof_of_small_trees),
		cmocka_unit_test(test_python_crosscheck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
