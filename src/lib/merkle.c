/*
 * merkle.c - RFC 6962 Merkle tree hashing, incremental tree, proofs (see merkle.h).
 *
 * Proof generation follows the recursive definitions of RFC 6962 section 2.1.1 (PATH) and
 * 2.1.2 (PROOF/SUBPROOF) literally; verification is the iterative algorithm of RFC 9162
 * sections 2.1.3.2 and 2.1.4.2, which never builds a tree and so is cheap for a verifier
 * that holds only a proof.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/merkle.h"
#include "util/err.h"

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	/* fetched once: the implicit fetch of EVP_sha256() costs a lookup per digest */
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md != NULL ? sha256_md : EVP_sha256();
}

/*
 * One digest context per thread, made on first use and reused: allocating a context per
 * hash costs as much as hashing a 300-byte record, and a verifier hashes two per record.
 * It is freed when the thread exits (a pthread key destructor).
 */
static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static int ctx_key_ok;

static void
ctx_free(void *p)
{
	EVP_MD_CTX_free(p);
}

static void
ctx_key_make(void)
{
	ctx_key_ok = pthread_key_create(&ctx_key, ctx_free) == 0;
}

static EVP_MD_CTX *
thread_ctx(int *owned)
{
	EVP_MD_CTX *ctx;

	*owned = 0;
	pthread_once(&ctx_once, ctx_key_make);
	if (ctx_key_ok && (ctx = pthread_getspecific(ctx_key)) != NULL)
		return ctx;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if (!ctx_key_ok || pthread_setspecific(ctx_key, ctx) != 0)
		*owned = 1;
	return ctx;
}

/* SHA-256(prefix || a || b); libcrypto failures here are allocation failures: abort-free */
static void
hash3(uint8_t prefix, const void *a, size_t alen, const void *b, size_t blen,
    uint8_t out[CT_MERKLE_HASH_LEN])
{
	int owned;
	EVP_MD_CTX *ctx = thread_ctx(&owned);
	unsigned int n = 0;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, &prefix, 1) != 1 ||
	    (alen > 0 && EVP_DigestUpdate(ctx, a, alen) != 1) ||
	    (blen > 0 && EVP_DigestUpdate(ctx, b, blen) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1 || n != CT_MERKLE_HASH_LEN) {
		/*
		 * SHA-256 cannot fail but for memory: poison the output so that nothing can
		 * verify against it rather than return an uninitialised hash.
		 */
		memset(out, 0xff, CT_MERKLE_HASH_LEN);
	}
	if (owned)
		EVP_MD_CTX_free(ctx);
}

void
ct_merkle_leaf_hash(const void *data, size_t len, uint8_t out[CT_MERKLE_HASH_LEN])
{
	hash3(0x00, data, len, NULL, 0, out);
}

void
ct_merkle_node_hash(const uint8_t l[CT_MERKLE_HASH_LEN], const uint8_t r[CT_MERKLE_HASH_LEN],
    uint8_t out[CT_MERKLE_HASH_LEN])
{
	hash3(0x01, l, CT_MERKLE_HASH_LEN, r, CT_MERKLE_HASH_LEN, out);
}

static void
empty_root(uint8_t out[CT_MERKLE_HASH_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest("", 0, out, &n, sha256(), NULL) != 1)
		memset(out, 0xff, CT_MERKLE_HASH_LEN);
}

void
ct_merkle_init(struct ct_merkle *m)
{
	memset(m, 0, sizeof(*m));
}

int
ct_merkle_append_hash(struct ct_merkle *m, const uint8_t leaf[CT_MERKLE_HASH_LEN])
{
	uint8_t h[CT_MERKLE_HASH_LEN];
	unsigned int i;

	if (m->size == UINT64_MAX)
		return ct_error(CT_ERR_LIMIT, "merkle tree is full");
	memcpy(h, leaf, sizeof(h));
	/* carry: merge with the subtree of equal size to the left, as in binary addition */
	for (i = 0; i < 64 && (m->size & ((uint64_t)1 << i)) != 0; i++)
		ct_merkle_node_hash(m->frontier[i], h, h);
	/* cppcheck-suppress arrayIndexOutOfBounds ; i < 64: a full size was refused above */
	memcpy(m->frontier[i], h, sizeof(h));
	m->size++;
	return 0;
}

int
ct_merkle_append(struct ct_merkle *m, const void *data, size_t len)
{
	uint8_t h[CT_MERKLE_HASH_LEN];

	ct_merkle_leaf_hash(data, len, h);
	return ct_merkle_append_hash(m, h);
}

void
ct_merkle_root(const struct ct_merkle *m, uint8_t out[CT_MERKLE_HASH_LEN])
{
	uint8_t r[CT_MERKLE_HASH_LEN];
	int have = 0;
	unsigned int i;

	if (m->size == 0) {
		empty_root(out);
		return;
	}
	/* the smallest subtree is rightmost; fold right to left */
	for (i = 0; i < 64; i++) {
		if ((m->size & ((uint64_t)1 << i)) == 0)
			continue;
		if (!have) {
			memcpy(r, m->frontier[i], sizeof(r));
			have = 1;
		} else
			ct_merkle_node_hash(m->frontier[i], r, r);
	}
	memcpy(out, r, sizeof(r));
}

void
ct_merkle_root_of(const uint8_t (*leaves)[CT_MERKLE_HASH_LEN], uint64_t n,
    uint8_t out[CT_MERKLE_HASH_LEN])
{
	struct ct_merkle m;
	uint64_t i;

	ct_merkle_init(&m);
	for (i = 0; i < n; i++)
		(void)ct_merkle_append_hash(&m, leaves[i]);
	ct_merkle_root(&m, out);
}

/* The largest power of two strictly less than n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

static int
proof_push(uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t *plen, const uint8_t h[CT_MERKLE_HASH_LEN])
{
	if (*plen >= CT_MERKLE_MAX_PROOF)
		return ct_error(CT_ERR_INTERNAL, "merkle proof too long");
	memcpy(proof[(*plen)++], h, CT_MERKLE_HASH_LEN);
	return 0;
}

/* PATH(m, D[n]) for D = leaves[0..n) */
static int
path(const uint8_t (*leaves)[CT_MERKLE_HASH_LEN], uint64_t n, uint64_t m,
    uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t *plen)
{
	uint8_t h[CT_MERKLE_HASH_LEN];
	uint64_t k;
	int r;

	if (n <= 1)
		return 0;
	k = split_point(n);
	if (m < k) {
		if ((r = path(leaves, k, m, proof, plen)) != 0)
			return r;
		ct_merkle_root_of(leaves + k, n - k, h);
	} else {
		if ((r = path(leaves + k, n - k, m - k, proof, plen)) != 0)
			return r;
		ct_merkle_root_of(leaves, k, h);
	}
	return proof_push(proof, plen, h);
}

int
ct_merkle_inclusion_proof(const uint8_t (*leaves)[CT_MERKLE_HASH_LEN], uint64_t size,
    uint64_t index, uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t *plen)
{
	*plen = 0;
	if (index >= size)
		return ct_error(CT_ERR_INVALID, "leaf %llu is not in a tree of %llu",
		    (unsigned long long)index, (unsigned long long)size);
	return path(leaves, size, index, proof, plen);
}

/* SUBPROOF(m, D[n], b) */
static int
subproof(const uint8_t (*leaves)[CT_MERKLE_HASH_LEN], uint64_t n, uint64_t m, int b,
    uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t *plen)
{
	uint8_t h[CT_MERKLE_HASH_LEN];
	uint64_t k;
	int r;

	if (m == n) {
		if (b)
			return 0;
		ct_merkle_root_of(leaves, n, h);
		return proof_push(proof, plen, h);
	}
	k = split_point(n);
	if (m <= k) {
		if ((r = subproof(leaves, k, m, b, proof, plen)) != 0)
			return r;
		ct_merkle_root_of(leaves + k, n - k, h);
	} else {
		if ((r = subproof(leaves + k, n - k, m - k, 0, proof, plen)) != 0)
			return r;
		ct_merkle_root_of(leaves, k, h);
	}
	return proof_push(proof, plen, h);
}

int
ct_merkle_consistency_proof(const uint8_t (*leaves)[CT_MERKLE_HASH_LEN], uint64_t size,
    uint64_t old_size, uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t *plen)
{
	*plen = 0;
	if (old_size > size)
		return ct_error(CT_ERR_INVALID, "tree size %llu is smaller than %llu",
		    (unsigned long long)size, (unsigned long long)old_size);
	if (old_size == 0 || old_size == size)
		return 0;
	return subproof(leaves, size, old_size, 1, proof, plen);
}

int
ct_merkle_verify_inclusion(const uint8_t leaf[CT_MERKLE_HASH_LEN], uint64_t index,
    uint64_t size, const uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t plen,
    const uint8_t root[CT_MERKLE_HASH_LEN])
{
	uint8_t r[CT_MERKLE_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (index >= size)
		return ct_error(CT_ERR_VERIFY, "leaf index %llu is outside a tree of %llu",
		    (unsigned long long)index, (unsigned long long)size);
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, sizeof(r));
	for (i = 0; i < plen; i++) {
		if (sn == 0)
			return ct_error(CT_ERR_VERIFY, "inclusion proof is too long");
		if ((fn & 1) != 0 || fn == sn) {
			ct_merkle_node_hash(proof[i], r, r);
			if ((fn & 1) == 0) {
				while ((fn & 1) == 0 && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else
			ct_merkle_node_hash(r, proof[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return ct_error(CT_ERR_VERIFY, "inclusion proof is too short");
	if (memcmp(r, root, sizeof(r)) != 0)
		return ct_error(CT_ERR_VERIFY, "inclusion proof does not lead to the root");
	return 0;
}

int
ct_merkle_verify_consistency(uint64_t old_size, const uint8_t old_root[CT_MERKLE_HASH_LEN],
    uint64_t size, const uint8_t root[CT_MERKLE_HASH_LEN],
    const uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t plen)
{
	uint8_t fr[CT_MERKLE_HASH_LEN], sr[CT_MERKLE_HASH_LEN];
	const uint8_t *c;
	uint64_t fn, sn;
	size_t i;

	if (old_size > size)
		return ct_error(CT_ERR_VERIFY, "tree shrank from %llu to %llu",
		    (unsigned long long)old_size, (unsigned long long)size);
	if (old_size == size) {
		if (plen != 0 || memcmp(old_root, root, CT_MERKLE_HASH_LEN) != 0)
			return ct_error(CT_ERR_VERIFY, "trees of equal size %llu differ",
			    (unsigned long long)size);
		return 0;
	}
	if (old_size == 0)
		return plen == 0 ? 0 :
		    ct_error(CT_ERR_VERIFY, "consistency proof from the empty tree is not empty");
	if (plen == 0)
		return ct_error(CT_ERR_VERIFY, "consistency proof is empty");
	/* an old tree that is a complete subtree is its own first proof node */
	i = 0;
	if ((old_size & (old_size - 1)) == 0)
		c = old_root;
	else
		c = proof[i++];
	fn = old_size - 1;
	sn = size - 1;
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, c, sizeof(fr));
	memcpy(sr, c, sizeof(sr));
	for (; i < plen; i++) {
		if (sn == 0)
			return ct_error(CT_ERR_VERIFY, "consistency proof is too long");
		if ((fn & 1) != 0 || fn == sn) {
			ct_merkle_node_hash(proof[i], fr, fr);
			ct_merkle_node_hash(proof[i], sr, sr);
			if ((fn & 1) == 0) {
				while ((fn & 1) == 0 && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else
			ct_merkle_node_hash(sr, proof[i], sr);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return ct_error(CT_ERR_VERIFY, "consistency proof is too short");
	if (memcmp(fr, old_root, sizeof(fr)) != 0 || memcmp(sr, root, sizeof(sr)) != 0)
		return ct_error(CT_ERR_VERIFY, "consistency proof does not match the tree heads");
	return 0;
}
