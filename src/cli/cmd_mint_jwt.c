/*
 * cmd_mint_jwt.c - `credtrail mint jwt`: an OIDC-style JWT from credtrail's own issuer whose
 * "sub" is the task principal, for AssumeRoleWithWebIdentity, GCP workload identity
 * federation or any relying party that reads the issuer's JWKS (`credtrail oidc init`).
 *
 * The token is a bearer secret: it goes to stdout or to -o FILE (0600) only.  The ledger
 * keeps its jti, sub, iss, aud and kid, which is all a provider log can bring back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli/cli.h"
#include "lib/jwt.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/oidc.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define JWT_TTL_MIN 60
#define JWT_TTL_MAX 86400
#define AUDIENCE_MAX 512

static int
audience_check(const char *aud)
{
	size_t i, n = strlen(aud);

	if (n == 0 || n > AUDIENCE_MAX)
		return ct_error(CT_ERR_INVALID, "audience must be 1 to %d characters", AUDIENCE_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)aud[i] < 0x20 || aud[i] == 0x7f)
			return ct_error(CT_ERR_INVALID, "audience has a control character at "
			    "position %zu", i + 1);
	return 0;
}

int
cmd_mint_jwt(int argc, char **argv)
{
	const char *task = NULL, *keypath = NULL, *issuer = NULL, *audience = NULL;
	const char *prefix = cli.prefix, *outpath = NULL;
	long long ttl = 900;
	char principal[CT_PRINCIPAL_MAX + 1], is[40], ex[40];
	char *kid = NULL, *jti = NULL, *token = NULL, *scope = NULL, *extra = NULL;
	struct ct_store *st = NULL;
	struct ct_cred cred;
	struct ct_task t;
	enum ct_jwt_alg alg;
	EVP_PKEY *key = NULL;
	json_t *claims = NULL, *sc = NULL;
	int json = 0, npos, r, rc = CLI_FAIL;
	int64_t now;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &task, "ID", "the task the token is for" },
		{ OPT_STRING, 0, "key", &keypath, "KEY",
		  "issuer signing key (ed25519, ecdsa-p256 or rsa; mode 0600)" },
		{ OPT_STRING, 0, "issuer", &issuer, "URL", "iss: the issuer URL given to oidc init" },
		{ OPT_STRING, 0, "audience", &audience, "AUD", "aud: who the token is for" },
		{ OPT_DURATION, 0, "ttl", &ttl, "DUR", "lifetime, 1m to 24h (default 15m)" },
		{ OPT_STRING, 0, "prefix", &prefix, "P", "principal prefix (default ironclaw)" },
		{ OPT_STRING, 'o', "output", &outpath, "FILE",
		  "write the token to FILE (0600) instead of stdout" },
		{ OPT_FLAG, 0, "json", &json, NULL,
		  "print JSON (with the token unless -o is given)" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail mint jwt --task ID --key KEY --issuer URL --audience AUD [--ttl DUR]\n"
		"       [--prefix P] [-o FILE] [--json]",
		"Sign a JWT for the task: iss, sub (the task principal <prefix>-task-<task>-<nonce>),\n"
		"aud, iat, nbf, exp, jti (128 random bits), ironclaw_task_id and, when the task has\n"
		"a class, ironclaw_task_class.  The header names the algorithm of KEY (EdDSA, ES256\n"
		"or RS256) and its kid, the RFC 7638 thumbprint that oidc init puts in jwks.json.",
		"The token is a bearer credential: it is printed (or written 0600), never stored.\n"
		"The ledger records jti, sub, iss, aud, kid and the claims other than times."
	};

	memset(&t, 0, sizeof(t));
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (task == NULL || keypath == NULL || issuer == NULL || audience == NULL)
		return cli_usage_error("missing %s", task == NULL ? "--task ID" :
		    keypath == NULL ? "--key KEY" : issuer == NULL ? "--issuer URL" :
		    "--audience AUD");
	if (ttl < JWT_TTL_MIN || ttl > JWT_TTL_MAX)
		return cli_usage_error("--ttl %llds is out of range (1m to 24h)", ttl);
	if ((r = ct_oidc_url_check(issuer, "issuer")) != 0 || (r = audience_check(audience)) != 0 ||
	    (r = ct_prefix_check(prefix)) != 0 || (r = ct_task_id_check(task)) != 0 ||
	    (r = ct_key_load_private(keypath, &key)) != 0 ||
	    (r = ct_jwt_alg_for_key(key, &alg)) != 0 || (r = ct_jwk_thumbprint(key, &kid)) != 0)
		goto fail;
	st = cli_store();
	if ((r = ct_task_get(st, task, &t)) != 0 ||
	    (r = ct_principal_new(prefix, t.id, principal)) != 0 || (r = ct_jwt_jti_new(&jti)) != 0)
		goto fail;

	now = ct_now_us() / 1000000;
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}",
	    "iss", issuer, "sub", principal, "aud", audience,
	    "iat", (json_int_t)now, "nbf", (json_int_t)now, "exp", (json_int_t)(now + ttl),
	    "jti", jti, "ironclaw_task_id", t.id);
	/* the scope recorded: every claim but the times */
	sc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "iss", issuer, "sub", principal,
	    "aud", audience, "jti", jti, "ironclaw_task_id", t.id);
	if (claims == NULL || sc == NULL || (t.class != NULL &&
	    (json_object_set_new(claims, "ironclaw_task_class", json_string(t.class)) != 0 ||
	    json_object_set_new(sc, "ironclaw_task_class", json_string(t.class)) != 0)) ||
	    (scope = json_dumps(sc, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((r = ct_jwt_sign(key, kid, claims, &token)) != 0)
		goto fail;
	if (asprintf(&extra, "{\"alg\":\"%s\"}", ct_jwt_alg_name(alg)) < 0) {
		extra = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}

	memset(&cred, 0, sizeof(cred));
	cred.task_id = t.id;
	cred.kind = "jwt";
	cred.principal = principal;
	cred.issued_us = now * 1000000;
	cred.expires_us = (now + ttl) * 1000000;
	cred.jti = jti;
	cred.subject = principal;
	cred.issuer = issuer;
	cred.audience = audience;
	cred.key_id = kid;
	cred.scope = scope;
	cred.extra = extra;
	/* a token file is a bearer secret: 0600 */
	if ((r = ct_cred_record(st, &cred, outpath, token, strlen(token), 0600)) != 0)
		goto fail;

	ct_time_fmt(cred.issued_us, 0, is, sizeof(is));
	ct_time_fmt(cred.expires_us, 0, ex, sizeof(ex));
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}",
		    "task", t.id, "principal", principal, "jti", jti, "alg", ct_jwt_alg_name(alg),
		    "kid", kid, "issuer", issuer, "audience", audience, "issued", is,
		    "expires", ex, "file", outpath, "token", outpath == NULL ? token : NULL);

		rc = cli_print_json(o);
		json_decref(o);
	} else if (outpath == NULL) {
		printf("%s\n", token);
		rc = CLI_OK;
	} else {
		printf("%s jti %s valid until %s -> %s\n", principal, jti, ex, outpath);
		rc = CLI_OK;
	}
	goto out;
 fail:
	rc = cli_fail(r);
 out:
	if (token != NULL)
		OPENSSL_clear_free(token, strlen(token));
	ct_task_release(&t);
	json_decref(claims);
	json_decref(sc);
	free(scope);
	free(extra);
	free(kid);
	free(jti);
	EVP_PKEY_free(key);
	return rc;
}
