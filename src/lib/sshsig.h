/*
 * sshsig.h - OpenSSH detached signatures (PROTOCOL.sshsig), the format of `ssh-keygen -Y
 * sign` and `ssh-keygen -Y verify`, and allowed-signers files (ssh-keygen(1) "ALLOWED
 * SIGNERS").
 *
 * A signature covers, instead of the message itself,
 *     "SSHSIG" || string namespace || string reserved("") || string "sha512" || string H(msg)
 * with H = SHA-512; the armored form is base64 of
 *     "SSHSIG" || uint32 1 || string publickey || string namespace || string reserved ||
 *     string hash_algorithm || string signature
 * between "-----BEGIN SSH SIGNATURE-----" and "-----END SSH SIGNATURE-----", 70 columns wide.
 */
#ifndef CT_SSHSIG_H
#define CT_SSHSIG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define CT_SSHSIG_NAMESPACE "credtrail-attest"
#define CT_SSHSIG_MAX (64 * 1024)	/* largest armored signature read */

/* Sign `msg` under namespace `ns`; *out is the armored text (malloc'd, ends in '\n'). */
int ct_sshsig_sign(EVP_PKEY *key, const char *ns, const uint8_t *msg, size_t len, char **out,
    size_t *outlen);

/*
 * Verify an armored signature over `msg` under `ns` by one of `keys`: 0, CT_ERR_FORMAT for a
 * malformed signature, CT_ERR_VERIFY when it is by no listed key or does not verify.
 */
int ct_sshsig_verify(const char *armored, size_t alen, const char *ns, const uint8_t *msg,
    size_t len, EVP_PKEY *const *keys, size_t nkeys, size_t *which);

/*
 * The keys of an allowed-signers file that may sign under `ns`: lines "principals [options]
 * keytype base64 [comment]"; lines with cert-authority, or a namespaces= list without `ns`,
 * are skipped (credtrail trusts plain keys only); valid-after/valid-before are not checked.
 * *keys is a malloc'd array of *nkeys references, freed with ct_keys_free().
 */
int ct_allowed_signers_parse(const uint8_t *data, size_t len, const char *ns, EVP_PKEY ***keys,
    size_t *nkeys);
void ct_keys_free(EVP_PKEY **keys, size_t nkeys);

#endif
