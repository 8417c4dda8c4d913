/*
 * test_jwt.c - lib/jwt, lib/oidc and lib/gcp: the RFC 8037 JWK thumbprint vector, tokens made
 * by node's jose verified here, sign/verify round trips for EdDSA, ES256 and RS256, every
 * one-character mutation of a token refused, the verifier's limits, inspect, issuer URL
 * rules, discovery documents, service-account key parsing and the RFC 7523 assertion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/gcp.h"
#include "lib/jwt.h"
#include "lib/keys.h"
#include "lib/oidc.h"
#include "util/enc.h"
#include "util/err.h"

/* RFC 8037 appendix A.1 (private key d, public key x) and A.3 (its RFC 7638 thumbprint). */
#define RFC8037_D "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define RFC8037_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define RFC8037_KID "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

/*
 * Tokens signed by node's jose 5.10 (SignJWT), not by credtrail: an ES256 token with a fresh
 * P-256 key (its public key below) and an EdDSA token with the RFC 8037 key.  Claims:
 * iss https://jose.example, sub ironclaw-task-fixture1-0a1b2c3d, aud test, iat/nbf 1700000000,
 * exp 1700000900, jti jose-made.
 */
static const char jose_p256_spki[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtOjyPOd18R54Z0Nbam3A+SO5oJ18\n"
    "U16iD1m8VNC4db/wN5DTtT33SdZjZnjWoS7M0clE2qRKdEzlbIEnezI2Ig==\n"
    "-----END PUBLIC KEY-----\n";
static const char jose_es256[] =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZpeHR1cmUtcDI1NiJ9.eyJpc3MiOiJodHRwczovL2pvc2UuZXhhbXBsZSIs"
    "InN1YiI6Imlyb25jbGF3LXRhc2stZml4dHVyZTEtMGExYjJjM2QiLCJhdWQiOiJ0ZXN0IiwiaWF0IjoxNzAwMDAwMD"
    "AwLCJuYmYiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDkwMCwianRpIjoiam9zZS1tYWRlIn0.3cV5gqJ1SUQ-yqpu"
    "Irv8exeBOIafBQavPS6bQ3F8pB7BQx4qjUvsbGlGRWrebNAux5NKzyDmUEJ8tCDpfAUtLA";
static const char jose_eddsa[] =
    "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJodHRwczovL2pvc2UuZXhhbXBsZSIsInN1YiI6Imlyb25jbGF3LXRhc2st"
    "Zml4dHVyZTEtMGExYjJjM2QiLCJhdWQiOiJ0ZXN0IiwiaWF0IjoxNzAwMDAwMDAwLCJuYmYiOjE3MDAwMDAwMDAsIm"
    "V4cCI6MTcwMDAwMDkwMCwianRpIjoiam9zZS1tYWRlIn0.5gs4lvfjUdn6WEU4zh_gNeNOizxwg1hOQb2JY0YWTVao"
    "FO9DQVyZcdE0V6X6gPBRritMvR7s73vdC1OjEbEDCQ";

static EVP_PKEY *keys[3];	/* ed25519, p-256, rsa-3072: made once */

static int
setup_keys(void **state)
{
	(void)state;
	if (ct_key_generate(CT_KEY_ED25519, &keys[0]) != 0 ||
	    ct_key_generate(CT_KEY_ECDSA_P256, &keys[1]) != 0 ||
	    ct_key_generate(CT_KEY_RSA, &keys[2]) != 0)
		return -1;
	return 0;
}

static int
teardown_keys(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		EVP_PKEY_free(keys[i]);
	return 0;
}

static EVP_PKEY *
rfc8037_key(void)
{
	uint8_t *d = NULL;
	size_t n = 0;
	EVP_PKEY *k;

	assert_int_equal(ct_b64url_decode(RFC8037_D, strlen(RFC8037_D), &d, &n), 0);
	assert_int_equal(n, 32);
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d, n);
	free(d);
	assert_non_null(k);
	return k;
}

static json_t *
sample_claims(const char *task)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s}",
	    "iss", "https://issuer.example", "sub", "ironclaw-task-abc123-0f0f0f0f",
	    "aud", "sts.amazonaws.com", "iat", (json_int_t)1800000000, "nbf",
	    (json_int_t)1800000000, "exp", (json_int_t)1800000900, "jti", "j1");

	assert_non_null(c);
	if (task != NULL)
		json_object_set_new(c, "ironclaw_task_id", json_string(task));
	return c;
}

static void
test_rfc8037_jwk_and_thumbprint(void **state)
{
	EVP_PKEY *k = rfc8037_key();
	json_t *jwk = NULL;
	char *tp = NULL;

	(void)state;
	assert_int_equal(ct_jwk_thumbprint(k, &tp), 0);
	assert_string_equal(tp, RFC8037_KID);
	assert_int_equal(ct_jwk_public(k, &jwk), 0);
	assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "OKP");
	assert_string_equal(json_string_value(json_object_get(jwk, "crv")), "Ed25519");
	assert_string_equal(json_string_value(json_object_get(jwk, "x")), RFC8037_X);
	assert_string_equal(json_string_value(json_object_get(jwk, "kid")), RFC8037_KID);
	assert_string_equal(json_string_value(json_object_get(jwk, "use")), "sig");
	assert_string_equal(json_string_value(json_object_get(jwk, "alg")), "EdDSA");
	/* the public JWK holds no private member */
	assert_null(json_object_get(jwk, "d"));
	assert_int_equal(json_object_size(jwk), 6);
	json_decref(jwk);
	free(tp);
	EVP_PKEY_free(k);
}

static void
test_verifies_tokens_made_by_jose(void **state)
{
	EVP_PKEY *p256 = NULL, *ed = rfc8037_key();
	json_t *h = NULL, *c = NULL;

	(void)state;
	assert_int_equal(ct_key_parse_public((const uint8_t *)jose_p256_spki,
	    strlen(jose_p256_spki), "fixture", &p256), 0);
	assert_int_equal(ct_jwt_verify(jose_es256, strlen(jose_es256), p256, &h, &c), 0);
	assert_string_equal(json_string_value(json_object_get(h, "kid")), "fixture-p256");
	assert_string_equal(json_string_value(json_object_get(c, "jti")), "jose-made");
	json_decref(h);
	json_decref(c);
	assert_int_equal(ct_jwt_verify(jose_eddsa, strlen(jose_eddsa), ed, NULL, &c), 0);
	assert_string_equal(json_string_value(json_object_get(c, "sub")),
	    "ironclaw-task-fixture1-0a1b2c3d");
	json_decref(c);
	/* each token with the other's key: the alg does not match */
	assert_int_equal(ct_jwt_verify(jose_es256, strlen(jose_es256), ed, NULL, NULL),
	    CT_ERR_VERIFY);
	assert_int_equal(ct_jwt_verify(jose_eddsa, strlen(jose_eddsa), p256, NULL, NULL),
	    CT_ERR_VERIFY);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(ed);
}

static size_t
sig_bytes(const char *tok)
{
	const char *s = strrchr(tok, '.');
	uint8_t *d = NULL;
	size_t n = 0;

	assert_non_null(s);
	assert_int_equal(ct_b64url_decode(s + 1, strlen(s + 1), &d, &n), 0);
	free(d);
	return n;
}

static void
test_sign_verify_each_alg(void **state)
{
	static const char *algs[] = { "EdDSA", "ES256", "RS256" };
	static const size_t siglen[] = { 64, 64, 384 };
	json_t *claims = sample_claims("abc123"), *h, *c;
	char *tok, *kid;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(ct_jwk_thumbprint(keys[i], &kid), 0);
		assert_int_equal(ct_jwt_sign(keys[i], kid, claims, &tok), 0);
		/* ES256 is the raw 64-byte r||s of RFC 7518, not a DER sequence */
		assert_int_equal(sig_bytes(tok), siglen[i]);
		assert_int_equal(ct_jwt_verify(tok, strlen(tok), keys[i], &h, &c), 0);
		assert_string_equal(json_string_value(json_object_get(h, "alg")), algs[i]);
		assert_string_equal(json_string_value(json_object_get(h, "typ")), "JWT");
		assert_string_equal(json_string_value(json_object_get(h, "kid")), kid);
		assert_true(json_equal(c, claims));
		json_decref(h);
		json_decref(c);
		/* verified with another algorithm's key: refused */
		assert_int_equal(ct_jwt_verify(tok, strlen(tok), keys[(i + 1) % 3], NULL, NULL),
		    CT_ERR_VERIFY);
		free(tok);
		free(kid);
	}
	json_decref(claims);
}

/* OpenSSH's regress habit: every single-character change of a signed token must fail. */
static void
test_every_mutation_is_refused(void **state)
{
	json_t *claims = sample_claims("abc123");
	char *tok, *m;
	size_t i, n;
	int k;

	(void)state;
	for (k = 0; k < 3; k++) {
		assert_int_equal(ct_jwt_sign(keys[k], NULL, claims, &tok), 0);
		n = strlen(tok);
		m = strdup(tok);
		for (i = 0; i < n; i++) {
			if (tok[i] == '.')
				continue;
			m[i] = tok[i] == 'A' ? 'B' : 'A';
			if (ct_jwt_verify(m, n, keys[k], NULL, NULL) == 0)
				fail_msg("alg %d: mutation at %zu of %zu verified", k, i, n);
			m[i] = tok[i];
		}
		/* and the untouched token still does */
		assert_int_equal(ct_jwt_verify(m, n, keys[k], NULL, NULL), 0);
		free(m);
		free(tok);
	}
	json_decref(claims);
}

/* "header.payload.signature" from JSON text, with the real signature of keys[0] appended. */
static char *
forge(const char *hdr, const char *payload, const char *sig)
{
	char *h = NULL, *p = NULL, *out = NULL;

	assert_int_equal(ct_b64url_encode((const uint8_t *)hdr, strlen(hdr), &h), 0);
	assert_int_equal(ct_b64url_encode((const uint8_t *)payload, strlen(payload), &p), 0);
	assert_true(asprintf(&out, "%s.%s.%s", h, p, sig) > 0);
	free(h);
	free(p);
	return out;
}

static void
test_malformed_tokens(void **state)
{
	static const char sig[] = "AAAA";
	json_t *claims = sample_claims(NULL), *h = NULL, *c = NULL;
	char *tok, *t, big[CT_JWT_MAX_LEN + 2];
	int r;

	(void)state;
	assert_int_equal(ct_jwt_sign(keys[0], NULL, claims, &tok), 0);
#define BAD(s, code) do { \
	r = ct_jwt_verify((s), strlen(s), keys[0], NULL, NULL); \
	if (r != (code)) \
		fail_msg("'%.60s': got %d, want %d (%s)", (s), r, (code), ct_errmsg(r)); \
} while (0)
	BAD("a.b", CT_ERR_FORMAT);
	BAD("a.b.c.d", CT_ERR_FORMAT);
	BAD("..", CT_ERR_FORMAT);
	BAD("", CT_ERR_FORMAT);
	t = forge("{\"alg\":\"EdDSA\"}", "[1,2]", sig);
	BAD(t, CT_ERR_FORMAT);				/* payload not an object */
	free(t);
	t = forge("{\"alg\":\"EdDSA\",\"alg\":\"none\"}", "{}", sig);
	BAD(t, CT_ERR_FORMAT);				/* duplicate member */
	free(t);
	t = forge("{\"typ\":\"JWT\"}", "{}", sig);
	BAD(t, CT_ERR_FORMAT);				/* no alg */
	free(t);
	t = forge("{\"alg\":\"none\"}", "{}", "");
	BAD(t, CT_ERR_VERIFY);				/* unsigned */
	free(t);
	t = forge("{\"alg\":\"EdDSA\",\"crit\":[\"exp\"]}", "{}", sig);
	BAD(t, CT_ERR_UNSUPPORTED);
	free(t);
	t = forge("{\"alg\":\"EdDSA\"}", "not json", sig);
	BAD(t, CT_ERR_FORMAT);
	free(t);
	/* padding and the standard alphabet are not base64url as JWS has it */
	assert_true(asprintf(&t, "%s=", tok) > 0);
	BAD(t, CT_ERR_FORMAT);
	free(t);
	t = strdup(tok);
	t[3] = '+';
	BAD(t, CT_ERR_FORMAT);
	free(t);
	/* longer than the limit: refused unread */
	memset(big, 'e', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = big[20] = '.';
	BAD(big, CT_ERR_LIMIT);
#undef BAD
	/* ct_jwt_decode reads without verifying, with the same structural rules */
	assert_int_equal(ct_jwt_decode(tok, strlen(tok), &h, &c), 0);
	assert_true(json_equal(c, claims));
	json_decref(h);
	json_decref(c);
	assert_int_equal(ct_jwt_decode("x.y", 3, &h, &c), CT_ERR_FORMAT);
	assert_null(h);
	assert_null(c);
	free(tok);
	json_decref(claims);
}

static void
test_inspect(void **state)
{
	json_t *claims = sample_claims("abc123"), *o = NULL;
	char *tok, *line;

	(void)state;
	json_object_set_new(claims, "ironclaw_task_class", json_string("dns-check"));
	assert_int_equal(ct_jwt_sign(keys[1], "kid-1", claims, &tok), 0);
	assert_true(asprintf(&line, "  %s\n", tok) > 0);
	assert_int_equal(ct_inspect_jwt(line, strlen(line), &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "jwt");
	assert_string_equal(json_string_value(json_object_get(o, "alg")), "ES256");
	assert_string_equal(json_string_value(json_object_get(o, "kid")), "kid-1");
	assert_string_equal(json_string_value(json_object_get(o, "issuer")),
	    "https://issuer.example");
	assert_string_equal(json_string_value(json_object_get(o, "principal")),
	    "ironclaw-task-abc123-0f0f0f0f");
	assert_string_equal(json_string_value(json_object_get(o, "audience")), "sts.amazonaws.com");
	assert_string_equal(json_string_value(json_object_get(o, "jti")), "j1");
	assert_string_equal(json_string_value(json_object_get(o, "valid_after")),
	    "2027-01-15T08:00:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "valid_before")),
	    "2027-01-15T08:15:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "task")), "abc123");
	assert_string_equal(json_string_value(json_object_get(o, "class")), "dns-check");
	assert_string_equal(json_string_value(json_object_get(o, "signature")), "not verified");
	json_decref(o);
	assert_int_equal(ct_inspect_jwt_key(tok, strlen(tok), keys[1], &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "signature")), "verified");
	json_decref(o);
	assert_int_equal(ct_inspect_jwt_key(tok, strlen(tok), keys[0], &o), CT_ERR_VERIFY);
	assert_null(o);
	free(tok);
	free(line);

	/* without ironclaw_task_id the task comes from the sub */
	json_object_del(claims, "ironclaw_task_id");
	json_object_set_new(claims, "sub", json_string("ironclaw-task-fromsub-01234567"));
	assert_int_equal(ct_jwt_sign(keys[0], NULL, claims, &tok), 0);
	assert_int_equal(ct_inspect_jwt(tok, strlen(tok), &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "task")), "fromsub");
	assert_true(json_is_null(json_object_get(o, "kid")));
	json_decref(o);
	free(tok);

	/* a token that names no task says so with null */
	json_object_set_new(claims, "sub", json_string("someone@example.com"));
	assert_int_equal(ct_jwt_sign(keys[0], NULL, claims, &tok), 0);
	assert_int_equal(ct_inspect_jwt(tok, strlen(tok), &o), 0);
	assert_true(json_is_null(json_object_get(o, "task")));
	json_decref(o);
	free(tok);

	assert_int_equal(ct_inspect_jwt("hello", 5, &o), CT_ERR_FORMAT);
	assert_int_equal(ct_inspect_jwt("-----BEGIN CERTIFICATE-----", 27, &o), CT_ERR_FORMAT);
	assert_null(o);
	json_decref(claims);
}

static void
test_issuer_urls(void **state)
{
	static const char *good[] = {
		"https://issuer.example", "https://issuer.example/", "https://a.b.example:8443/x/y",
		"https://issuer.example/tenants/t-1/%7Eoidc", "http://127.0.0.1:8080/iss",
		"http://localhost/x", "http://[::1]:9000", "https://[2001:db8::1]/o",
	};
	static const struct { const char *url, *why; } bad[] = {
		{ "http://issuer.example", "must use https" },
		{ "http://10.0.0.1/x", "must use https" },
		{ "ftp://issuer.example", "is not an https:// URL" },
		{ "issuer.example", "is not an https:// URL" },
		{ "https://issuer.example/?a=b", "must not have a query" },
		{ "https://issuer.example/#f", "must not have a fragment" },
		{ "https://user@issuer.example/", "must not carry user information" },
		{ "https://", "bad host" },
		{ "https://bad_host.example", "bad host" },
		{ "https://a..b", "bad host" },
		{ "https://issuer.example:0/", "bad port" },
		{ "https://issuer.example:99999/", "bad port" },
		{ "https://issuer.example:/", "bad port" },
		{ "https://issuer.example/a b", "invalid character in its path at position 25" },
		{ "https://issuer.example/%zz", "invalid character" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (ct_oidc_url_check(good[i], "issuer") != 0)
			fail_msg("'%s' refused: %s", good[i], ct_errmsg(-1));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ct_oidc_url_check(bad[i].url, "issuer"), CT_ERR_INVALID);
		if (strstr(ct_errmsg(CT_ERR_INVALID), bad[i].why) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].url,
			    ct_errmsg(CT_ERR_INVALID), bad[i].why);
	}
}

static void
test_discovery_and_jwks(void **state)
{
	json_t *d = NULL, *j = NULL, *k;
	char *kid = NULL;
	size_t i;

	(void)state;
	assert_int_equal(ct_oidc_discovery("https://iss.example/t/", keys[2], &d), 0);
	assert_string_equal(json_string_value(json_object_get(d, "issuer")),
	    "https://iss.example/t/");
	assert_string_equal(json_string_value(json_object_get(d, "jwks_uri")),
	    "https://iss.example/t/jwks.json");
	assert_string_equal(json_string_value(json_array_get(json_object_get(d,
	    "id_token_signing_alg_values_supported"), 0)), "RS256");
	json_decref(d);
	assert_int_equal(ct_oidc_discovery("https://iss.example?x", keys[0], &d), CT_ERR_INVALID);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ct_oidc_jwks(keys[i], &j), 0);
		assert_int_equal(json_array_size(json_object_get(j, "keys")), 1);
		k = json_array_get(json_object_get(j, "keys"), 0);
		assert_int_equal(ct_jwk_thumbprint(keys[i], &kid), 0);
		assert_string_equal(json_string_value(json_object_get(k, "kid")), kid);
		/* no private member of any key type */
		assert_null(json_object_get(k, "d"));
		assert_null(json_object_get(k, "p"));
		assert_null(json_object_get(k, "q"));
		free(kid);
		json_decref(j);
	}
	/* a P-256 JWK has 32-byte coordinates */
	assert_int_equal(ct_jwk_public(keys[1], &j), 0);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "x"))), 43);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "y"))), 43);
	json_decref(j);
}

/* A service-account key file text with `drop` left out and `set` = `value` (raw JSON). */
static char *
sa_json(EVP_PKEY *pk, const char *drop, const char *set, const char *value)
{
	char *pem = NULL, *s;
	size_t pemlen = 0;
	json_t *o;

	assert_int_equal(ct_key_private_pem(pk, &pem, &pemlen), 0);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "service_account",
	    "project_id", "p1", "private_key_id", "a1b2c3d4e5", "private_key", pem,
	    "client_email", "agent@p1.iam.gserviceaccount.com",
	    "token_uri", "https://oauth2.googleapis.com/token");
	OPENSSL_clear_free(pem, pemlen);
	if (drop != NULL)
		json_object_del(o, drop);
	if (set != NULL)
		json_object_set_new(o, set, json_loads(value, JSON_DECODE_ANY, NULL));
	s = json_dumps(o, 0);
	json_decref(o);
	return s;
}

static void
test_gcp_sa_key_and_assertion(void **state)
{
	static const struct { const char *drop, *set, *value, *why; } bad[] = {
		{ "type", NULL, NULL, "has no \"type\"" },
		{ NULL, "type", "\"authorized_user\"", "not a service_account key" },
		{ "client_email", NULL, NULL, "has no \"client_email\"" },
		{ NULL, "client_email", "\"nobody\"", "is not an e-mail address" },
		{ NULL, "client_email", "42", "\"client_email\" is not a non-empty string" },
		{ "private_key", NULL, NULL, "has no \"private_key\"" },
		{ NULL, "private_key", "\"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n\"",
		  "cannot read private key" },
		{ "private_key_id", NULL, NULL, "has no \"private_key_id\"" },
		{ NULL, "private_key_id", "\"a b\"", "is not a key id" },
		{ "token_uri", NULL, NULL, "has no \"token_uri\"" },
		{ NULL, "token_uri", "\"http://oauth2.example/token\"", "must use https" },
	};
	struct ct_gcp_sa sa;
	struct ct_gcp_grant g;
	json_t *h = NULL, *c = NULL;
	char *s, *tok = NULL;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = sa_json(keys[2], bad[i].drop, bad[i].set, bad[i].value);
		r = ct_gcp_sa_parse((const uint8_t *)s, strlen(s), "k.json", &sa);
		if (r == 0 || strstr(ct_errmsg(r), bad[i].why) == NULL)
			fail_msg("case %zu: r=%d '%s' lacks '%s'", i, r, ct_errmsg(r), bad[i].why);
		assert_null(sa.key);
		free(s);
	}
	assert_int_equal(ct_gcp_sa_parse((const uint8_t *)"{", 1, "k.json", &sa), CT_ERR_FORMAT);
	/* an Ed25519 private key is no service-account key */
	s = sa_json(keys[0], NULL, NULL, NULL);
	assert_int_equal(ct_gcp_sa_parse((const uint8_t *)s, strlen(s), "k.json", &sa),
	    CT_ERR_UNSUPPORTED);
	assert_non_null(strstr(ct_errmsg(CT_ERR_UNSUPPORTED), "not RSA"));
	free(s);

	s = sa_json(keys[2], NULL, NULL, NULL);
	assert_int_equal(ct_gcp_sa_parse((const uint8_t *)s, strlen(s), "k.json", &sa), 0);
	free(s);
	assert_string_equal(sa.client_email, "agent@p1.iam.gserviceaccount.com");
	memset(&g, 0, sizeof(g));
	g.audience = "https://oauth2.googleapis.com/token";
	g.scope = "a b";
	g.issued = 1800000000;
	g.expires = 1800000000 + 3601;
	g.jti = "j";
	g.task_id = "t1";
	g.principal = "ironclaw-task-t1-00000000";
	assert_int_equal(ct_gcp_assertion(&sa, &g, &tok), CT_ERR_INVALID);	/* > 1 h */
	g.expires = 1800000000 + 900;
	assert_int_equal(ct_gcp_assertion(&sa, &g, &tok), 0);
	assert_int_equal(ct_jwt_verify(tok, strlen(tok), keys[2], &h, &c), 0);
	assert_string_equal(json_string_value(json_object_get(h, "alg")), "RS256");
	assert_string_equal(json_string_value(json_object_get(h, "kid")), "a1b2c3d4e5");
	assert_string_equal(json_string_value(json_object_get(c, "iss")), sa.client_email);
	assert_string_equal(json_string_value(json_object_get(c, "sub")), sa.client_email);
	assert_string_equal(json_string_value(json_object_get(c, "scope")), "a b");
	assert_string_equal(json_string_value(json_object_get(c, "ironclaw_principal")),
	    "ironclaw-task-t1-00000000");
	/* no class: the claim is left out, not null */
	assert_null(json_object_get(c, "ironclaw_task_class"));
	json_decref(h);
	json_decref(c);
	free(tok);
	ct_gcp_sa_release(&sa);

	assert_int_equal(ct_gcp_scope_check("https://www.googleapis.com/auth/devstorage.read_only"),
	    0);
	assert_int_equal(ct_gcp_scope_check("a b"), CT_ERR_INVALID);
	assert_int_equal(ct_gcp_scope_check(""), CT_ERR_INVALID);
	assert_int_equal(ct_gcp_scope_check("x\"y"), CT_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8037_jwk_and_thumbprint),
		cmocka_unit_test(test_verifies_tokens_made_by_jose),
		cmocka_unit_test(test_sign_verify_each_alg),
		cmocka_unit_test(test_every_mutation_is_refused),
		cmocka_unit_test(test_malformed_tokens),
		cmocka_unit_test(test_inspect),
		cmocka_unit_test(test_issuer_urls),
		cmocka_unit_test(test_discovery_and_jwks),
		cmocka_unit_test(test_gcp_sa_key_and_assertion),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
