/*
 * cmd_oidc.c - `credtrail oidc init`: the static documents of credtrail's OIDC issuer.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "cli/cli.h"
#include "lib/jwt.h"
#include "lib/keys.h"
#include "lib/oidc.h"
#include "util/err.h"

static int
oidc_init(int argc, char **argv)
{
	const char *issuer = NULL, *keypath = NULL, *outdir = NULL;
	EVP_PKEY *key = NULL;
	enum ct_jwt_alg alg;
	char *kid = NULL;
	int npos, r, rc = CLI_FAIL;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "issuer", &issuer, "URL",
		  "issuer URL (https; http only for 127.0.0.1, localhost, [::1])" },
		{ OPT_STRING, 0, "key", &keypath, "KEY",
		  "signing key (private key file, 0600, or its public key)" },
		{ OPT_STRING, 0, "out", &outdir, "DIR", "folder the web server maps to the issuer URL" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail oidc init --issuer URL --key KEY --out DIR",
		"Write DIR/.well-known/openid-configuration and DIR/jwks.json for credtrail's OIDC\n"
		"issuer: serve DIR at URL and a relying party (AWS, GCP workload identity, Vault)\n"
		"can verify the tokens `credtrail mint jwt` signs with KEY.  Only the public key\n"
		"is written.  Its \"kid\" is the RFC 7638 thumbprint, as in each token header.",
		"The issuer must be https://host[:port][/path] without query or fragment."
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (issuer == NULL || keypath == NULL || outdir == NULL)
		return cli_usage_error("missing %s", issuer == NULL ? "--issuer URL" :
		    keypath == NULL ? "--key KEY" : "--out DIR");
	if ((r = ct_oidc_url_check(issuer, "issuer")) != 0 ||
	    (r = ct_key_load_public(keypath, &key)) != 0 ||
	    (r = ct_jwt_alg_for_key(key, &alg)) != 0 ||
	    (r = ct_jwk_thumbprint(key, &kid)) != 0 ||
	    (r = ct_oidc_write(outdir, issuer, key)) != 0) {
		rc = cli_fail(r);
		goto out;
	}
	printf("%s/.well-known/openid-configuration\n%s/jwks.json\nkid %s (%s)\n", outdir, outdir,
	    kid, ct_jwt_alg_name(alg));
	rc = CLI_OK;
 out:
	free(kid);
	EVP_PKEY_free(key);
	return rc;
}

int
cmd_oidc(int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "init", oidc_init, "write the discovery document and JWKS of the issuer" },
		{ NULL, NULL, NULL }
	};

	return dispatch_sub("oidc", argc, argv, subs,
	    "credtrail's own small OIDC issuer: static discovery and JWKS documents.");
}
