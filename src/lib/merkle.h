/*
 * merkle.h - RFC 6962 Merkle tree hashes (MTH), an incremental tree, and inclusion and
 * consistency proofs with the RFC 9162 section 2.1.3/2.1.4 verification algorithms.
 *
 *   leaf hash  = SHA-256(0x00 || leaf bytes)
 *   node hash  = SHA-256(0x01 || left || right)
 *   MTH({})    = SHA-256()  (the empty string's hash)
 *
 * The incremental tree keeps only the roots of the complete subtrees covering the leaves so
 * far (one per set bit of the size: O(log n) state, 64 * 32 bytes at most), so a monitor can
 * append millions of records without holding them.  Proof generation works from the array of
 * leaf hashes (32 bytes per record) that a verifier or `credtrail prove` builds from the log.
 */
#ifndef CT_MERKLE_H
#define CT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define CT_MERKLE_HASH_LEN 32
#define CT_MERKLE_MAX_PROOF 64	/* hashes in any proof for a tree of < 2^64 leaves */

struct ct_merkle {
	uint64_t size;			/* leaves appended */
	/* frontier[i]: root of the complete subtree of 2^i leaves, valid when bit i of size */
	uint8_t frontier[64][CT_MERKLE_HASH_LEN];
};

void ct_merkle_leaf_hash(const void *data, size_t len, uint8_t out[CT_MERKLE_HASH_LEN]);
void ct_merkle_node_hash(const uint8_t l[CT_MERKLE_HASH_LEN], const uint8_t r[CT_MERKLE_HASH_LEN],
    uint8_t out[CT_MERKLE_HASH_LEN]);

void ct_merkle_init(struct ct_merkle *m);
/* Append a leaf given its bytes, or its leaf hash. */
int ct_merkle_append(struct ct_merkle *m, const void *data, size_t len);
int ct_merkle_append_hash(struct ct_merkle *m, const uint8_t leaf[CT_MERKLE_HASH_LEN]);
/* The tree head of the leaves so far (MTH of the empty tree for size 0). */
void ct_merkle_root(const struct ct_merkle *m, uint8_t out[CT_MERKLE_HASH_LEN]);

/* MTH over an array of `n` leaf hashes. */
void ct_merkle_root_of(const uint8_t (*leaves)[CT_MERKLE_HASH_LEN], uint64_t n,
    uint8_t out[CT_MERKLE_HASH_LEN]);

/*
 * Inclusion proof PATH(m, D[n]) of leaf `index` in the first `size` leaves (RFC 6962 2.1.1).
 * `proof` holds CT_MERKLE_MAX_PROOF hashes; *plen is set to the number written.
 */
int ct_merkle_inclusion_proof(const uint8_t (*leaves)[CT_MERKLE_HASH_LEN], uint64_t size,
    uint64_t index, uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t *plen);

/* Consistency proof PROOF(m, D[n]) between sizes old_size <= size (RFC 6962 2.1.2). */
int ct_merkle_consistency_proof(const uint8_t (*leaves)[CT_MERKLE_HASH_LEN], uint64_t size,
    uint64_t old_size, uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t *plen);

/*
 * RFC 9162 2.1.3.2: does `leaf` (a leaf hash) sit at `index` of the tree of `size` with head
 * `root`?  0 or CT_ERR_VERIFY.
 */
int ct_merkle_verify_inclusion(const uint8_t leaf[CT_MERKLE_HASH_LEN], uint64_t index,
    uint64_t size, const uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t plen,
    const uint8_t root[CT_MERKLE_HASH_LEN]);

/* RFC 9162 2.1.4.2: is the tree (size, root) an extension of (old_size, old_root)? */
int ct_merkle_verify_consistency(uint64_t old_size, const uint8_t old_root[CT_MERKLE_HASH_LEN],
    uint64_t size, const uint8_t root[CT_MERKLE_HASH_LEN],
    const uint8_t (*proof)[CT_MERKLE_HASH_LEN], size_t plen);

#endif
