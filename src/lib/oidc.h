/*
 * oidc.h - credtrail as a small OpenID Connect issuer: the discovery document and the JWKS,
 * written as static files to be served from the issuer URL.
 *
 * Layout under DIR, which the web server maps to the issuer URL:
 *   DIR/.well-known/openid-configuration   discovery (OpenID Connect Discovery 1.0, sec. 3)
 *   DIR/jwks.json                          the public signing key (jwks_uri = issuer/jwks.json)
 * Only the public half of the key is ever written.  The "kid" is the RFC 7638 thumbprint,
 * the same value `mint jwt` puts in each token header.
 */
#ifndef CT_OIDC_H
#define CT_OIDC_H

#include <jansson.h>
#include <openssl/evp.h>

#define CT_URL_MAX 1024

/*
 * Check an issuer or endpoint URL: https://host[:port][/path] with no user info, query or
 * fragment.  Plain http is accepted only for the loopback hosts 127.0.0.1, localhost and
 * [::1] (local testing).  `what` names the URL in the error ("issuer", "token URL").
 */
int ct_oidc_url_check(const char *url, const char *what);

/* {"keys":[JWK]} */
int ct_oidc_jwks(EVP_PKEY *key, json_t **out);
/* The discovery document for `issuer` signing with `key`'s algorithm. */
int ct_oidc_discovery(const char *issuer, EVP_PKEY *key, json_t **out);

/*
 * Write both documents under `dir` (created if needed, 0755; files 0644, each replaced
 * atomically).  jwks.json is written first, so a discovery document never names a JWKS
 * that is not there yet.
 */
int ct_oidc_write(const char *dir, const char *issuer, EVP_PKEY *key);

#endif
