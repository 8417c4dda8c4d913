/*
 * jwt.h - JSON Web Signatures in compact form (RFC 7515) for the three algorithms credtrail
 * signs with, and the JSON Web Key of a public key (RFC 7517/7518/8037) with its RFC 7638
 * thumbprint as "kid".
 *
 *   Ed25519     "EdDSA"  (RFC 8037)   JWK kty OKP, crv Ed25519, x
 *   ECDSA P-256 "ES256"  (RFC 7518)   JWK kty EC, crv P-256, x, y; signature raw r||s, 64 bytes
 *   RSA         "RS256"  (RFC 7518)   JWK kty RSA, n, e; RSASSA-PKCS1-v1_5 with SHA-256
 *
 * The verifier reads attacker-supplied tokens: it is bounded (CT_JWT_MAX_LEN), wants exactly
 * three base64url parts without padding or whitespace, JSON objects without duplicate names,
 * refuses "none", any "crit" header, and an "alg" that does not match the key it was given.
 * It checks the signature only; what the claims must say (iss, aud, exp) is the caller's
 * business.
 */
#ifndef CT_JWT_H
#define CT_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#define CT_JWT_MAX_LEN (16u * 1024)	/* a token longer than this is refused unread */

enum ct_jwt_alg {
	CT_JWT_EDDSA = 1,
	CT_JWT_ES256,
	CT_JWT_RS256,
};

/* "EdDSA", "ES256", "RS256". */
const char *ct_jwt_alg_name(enum ct_jwt_alg alg);
/* The algorithm a key signs with (CT_ERR_UNSUPPORTED for other keys). */
int ct_jwt_alg_for_key(EVP_PKEY *pkey, enum ct_jwt_alg *out);

/* The public JWK: kty and its members, then "kid" (the thumbprint), "use":"sig", "alg". */
int ct_jwk_public(EVP_PKEY *pkey, json_t **out);
/* RFC 7638 thumbprint: base64url(SHA-256(canonical required members)); malloc'd. */
int ct_jwk_thumbprint(EVP_PKEY *pkey, char **out);

/* A fresh "jti": 128 random bits, base64url (22 characters); malloc'd. */
int ct_jwt_jti_new(char **out);

/*
 * Sign `claims` (a JSON object) as a compact JWS with header {"alg", "typ":"JWT", "kid"}
 * ("kid" omitted when NULL).  Returns the malloc'd token.
 */
int ct_jwt_sign(EVP_PKEY *pkey, const char *kid, const json_t *claims, char **out);

/*
 * Split and decode a compact JWS without checking its signature: header and claims must be
 * JSON objects, the header must name an "alg".  CT_ERR_FORMAT for anything else.
 */
int ct_jwt_decode(const char *tok, size_t n, json_t **header, json_t **claims);

/*
 * Decode and verify the signature with `pkey`: 0, CT_ERR_VERIFY for a bad signature or an
 * alg that does not match the key, CT_ERR_FORMAT / CT_ERR_UNSUPPORTED / CT_ERR_LIMIT for
 * malformed tokens.  `header` and `claims` may be NULL when not wanted.
 */
int ct_jwt_verify(const char *tok, size_t n, EVP_PKEY *pkey, json_t **header, json_t **claims);

/*
 * The task binding a JWT carries, as JSON: {"kind":"jwt", "alg", "kid", "issuer", "subject",
 * "audience", "jti", "valid_after" (nbf), "valid_before" (exp), "issued" (iat), "task",
 * "class", "principal" (sub), "signature"}.  Times are RFC 3339; absent claims are null;
 * "task" is ironclaw_task_id, else what the sub names (ct_task_from_principal).
 * Without a key "signature" is "not verified"; with one it is "verified" or the call fails
 * with CT_ERR_VERIFY.  Surrounding whitespace is ignored; CT_ERR_FORMAT when the text is not
 * a JWT at all.
 */
int ct_inspect_jwt(const char *s, size_t n, json_t **out);
int ct_inspect_jwt_key(const char *s, size_t n, EVP_PKEY *pkey, json_t **out);

#endif
