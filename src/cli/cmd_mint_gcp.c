/*
 * cmd_mint_gcp.c - `credtrail mint gcp`: the RFC 7523 service-account JWT grant with the
 * task's claims, printed as is or exchanged at the token endpoint for an access token.
 *
 * The ledger row is written only once there is a credential: after a successful exchange
 * (an OAuth2 error leaves no row), or for the assertion itself when there is no exchange.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "cli/cli.h"
#include "lib/gcp.h"
#include "lib/jwt.h"
#include "lib/ledger.h"
#include "lib/oidc.h"
#include "lib/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"

#define GCP_TTL_MIN 60

int
cmd_mint_gcp(int argc, char **argv)
{
	const char *task = NULL, *keypath = NULL, *token_url = NULL, *prefix = cli.prefix;
	struct strlist scopes = { NULL, 0 };
	long long ttl = 900;
	char principal[CT_PRINCIPAL_MAX + 1], is[40], ex[40];
	char *jti = NULL, *assertion = NULL, *scope = NULL, *extra = NULL;
	struct ct_gcp_grant g;
	struct ct_gcp_sa sa;
	struct ct_store *st = NULL;
	struct ct_cred cred;
	struct ct_task t;
	struct ct_buf sb;
	json_t *resp = NULL, *ej = NULL;
	int json = 0, npos, r, rc = CLI_FAIL;
	int64_t now, expires;
	size_t i;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &task, "ID", "the task the grant is for" },
		{ OPT_STRING, 0, "sa-key", &keypath, "KEY.json",
		  "service-account key file (JSON with an RSA private_key; mode 0600)" },
		{ OPT_LIST, 0, "scope", &scopes, "S",
		  "OAuth2 scope (default https://www.googleapis.com/auth/cloud-platform)" },
		{ OPT_STRING, 0, "token-url", &token_url, "URL",
		  "exchange the assertion at this token endpoint and print the token response" },
		{ OPT_DURATION, 0, "ttl", &ttl, "DUR", "assertion lifetime, 1m to 1h (default 15m)" },
		{ OPT_STRING, 0, "prefix", &prefix, "P", "principal prefix (default ironclaw)" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print JSON with the ledger's join keys" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail mint gcp --task ID --sa-key KEY.json [--scope S]... [--token-url URL]\n"
		"       [--ttl DUR] [--prefix P] [--json]",
		"Build the service-account JWT grant (RFC 7523): RS256, header kid = the key's\n"
		"private_key_id, claims iss = sub = client_email, aud = the token URL (--token-url,\n"
		"else the key's token_uri), scope, iat, exp, jti, ironclaw_task_id,\n"
		"ironclaw_task_class and ironclaw_principal.  Without --token-url the assertion is\n"
		"printed; with it, it is exchanged (grant_type jwt-bearer) and the token response\n"
		"printed.  An OAuth2 error answer is one error line and exit status 1.",
		"The ledger records jti, client_email, the token URL, the scopes and the key id\n"
		"(GCP audit logs name the key as serviceAccountKeyName); never the token."
	};

	memset(&t, 0, sizeof(t));
	memset(&sa, 0, sizeof(sa));
	ct_buf_init(&sb, 8192);
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0) {
		rc = cli_usage_error("unexpected argument '%s'", argv[0]);
		goto out;
	}
	if (task == NULL || keypath == NULL) {
		rc = cli_usage_error("missing %s", task == NULL ? "--task ID" : "--sa-key KEY.json");
		goto out;
	}
	if (ttl < GCP_TTL_MIN || ttl > CT_GCP_TTL_MAX) {
		rc = cli_usage_error("--ttl %llds is out of range (1m to 1h)", ttl);
		goto out;
	}
	for (i = 0; i < scopes.n; i++) {
		if ((r = ct_gcp_scope_check(scopes.v[i])) != 0 ||
		    (r = ct_buf_putf(&sb, "%s%s", i > 0 ? " " : "", scopes.v[i])) != 0)
			goto fail;
	}
	if (scopes.n == 0 && (r = ct_buf_putf(&sb, "%s", CT_GCP_DEFAULT_SCOPE)) != 0)
		goto fail;
	if ((r = ct_buf_nul(&sb)) != 0 || (scope = strdup((const char *)ct_buf_ptr(&sb))) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((token_url != NULL && (r = ct_oidc_url_check(token_url, "token URL")) != 0) ||
	    (r = ct_prefix_check(prefix)) != 0 || (r = ct_task_id_check(task)) != 0 ||
	    (r = ct_gcp_sa_load(keypath, &sa)) != 0)
		goto fail;
	st = cli_store();
	if ((r = ct_task_get(st, task, &t)) != 0 ||
	    (r = ct_principal_new(prefix, t.id, principal)) != 0 || (r = ct_jwt_jti_new(&jti)) != 0)
		goto fail;

	now = ct_now_us() / 1000000;
	memset(&g, 0, sizeof(g));
	g.audience = token_url != NULL ? token_url : sa.token_uri;
	g.scope = scope;
	g.issued = now;
	g.expires = now + ttl;
	g.jti = jti;
	g.task_id = t.id;
	g.task_class = t.class;
	g.principal = principal;
	if ((r = ct_gcp_assertion(&sa, &g, &assertion)) != 0)
		goto fail;
	expires = g.expires;
	if (token_url != NULL) {
		json_t *ei;

		if ((r = ct_gcp_exchange(token_url, assertion, &resp)) != 0)
			goto fail;
		/* the access token is what lives on: record its expiry */
		if (json_is_integer(ei = json_object_get(resp, "expires_in")))
			expires = now + json_integer_value(ei);
	}
	ct_time_fmt(g.expires * 1000000, 0, ex, sizeof(ex));
	if ((ej = json_pack("{s:b, s:s}", "exchanged", token_url != NULL,
	    "assertion_expires", ex)) == NULL ||
	    (extra = json_dumps(ej, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}

	memset(&cred, 0, sizeof(cred));
	cred.task_id = t.id;
	cred.kind = "gcp";
	cred.principal = principal;
	cred.issued_us = now * 1000000;
	cred.expires_us = expires * 1000000;
	cred.jti = jti;
	cred.subject = sa.client_email;
	cred.issuer = sa.client_email;
	cred.audience = g.audience;
	cred.key_id = sa.private_key_id;
	cred.scope = scope;
	cred.extra = extra;
	/* one row, committed before anything is printed */
	if ((r = ct_cred_record(st, &cred, NULL, NULL, 0, 0)) != 0)
		goto fail;

	ct_time_fmt(cred.issued_us, 0, is, sizeof(is));
	ct_time_fmt(cred.expires_us, 0, ex, sizeof(ex));
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:O?}",
		    "task", t.id, "principal", principal, "jti", jti,
		    "client_email", sa.client_email, "key_id", sa.private_key_id,
		    "audience", g.audience, "scope", scope, "issued", is, "expires", ex,
		    "assertion", resp == NULL ? assertion : NULL, "token_response", resp);

		rc = cli_print_json(o);
		json_decref(o);
	} else if (resp != NULL) {
		rc = cli_print_json(resp);
	} else {
		printf("%s\n", assertion);
		rc = CLI_OK;
	}
	goto out;
 fail:
	rc = cli_fail(r);
 out:
	if (assertion != NULL)
		OPENSSL_clear_free(assertion, strlen(assertion));
	json_decref(resp);
	json_decref(ej);
	ct_task_release(&t);
	ct_gcp_sa_release(&sa);
	ct_buf_release(&sb);
	strlist_free(&scopes);
	free(scope);
	free(extra);
	free(jti);
	return rc;
}
