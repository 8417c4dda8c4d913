/*
 * cmd_mint.c - `credtrail mint <kind>`: the dispatch table; each kind lives in cmd_mint_<kind>.c.
 */
#include "cli/cli.h"

int
cmd_mint(int argc, char **argv)
{
	static const struct subcmd subs[] = {
		{ "ssh", cmd_mint_ssh, "OpenSSH user certificate (key ID and principal name the task)" },
		{ "x509", cmd_mint_x509, "X.509 client certificate with a SPIFFE URI SAN" },
		{ "jwt", cmd_mint_jwt, "OIDC JWT from credtrail's issuer (sub = task principal)" },
		{ "gcp", cmd_mint_gcp, "GCP service-account JWT grant (RFC 7523), optionally exchanged" },
		{ "aws", cmd_mint_aws, "AWS STS AssumeRole session named, tagged and scoped for the task" },
		{ NULL, NULL, NULL }
	};

	return dispatch_sub("mint", argc, argv, subs,
	    "Mint a short-lived credential that carries the task's identity into the provider's\n"
	    "audit log, and record it with its join keys in the ledger.");
}
