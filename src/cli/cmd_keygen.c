/*
 * cmd_keygen.c - `credtrail keygen`: a key pair for a CA, an OIDC issuer or attestation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "lib/keys.h"
#include "util/err.h"
#include "util/fs.h"

int
cmd_keygen(int argc, char **argv)
{
	const char *type = "ed25519", *outpath = NULL, *format = "pem", *comment = NULL;
	char pubpath[4096], fp[64], *priv = NULL, *publine = NULL;
	enum ct_key_type t;
	EVP_PKEY *pkey = NULL;
	size_t privlen = 0;
	int force = 0, npos, r, rc = CLI_FAIL;
	struct stat st;
	const struct opt opts[] = {
		{ OPT_STRING, 't', "type", &type, "TYPE", "ed25519 (default), ecdsa-p256 or rsa-3072" },
		{ OPT_STRING, 'o', "output", &outpath, "FILE", "private key file to write (mode 0600)" },
		{ OPT_STRING, 0, "format", &format, "FMT",
		  "pem (PKCS#8, default) or openssh (what ssh and ssh-keygen read)" },
		{ OPT_STRING, 'C', "comment", &comment, "TEXT", "comment in the public key line" },
		{ OPT_FLAG, 'f', "force", &force, NULL, "replace FILE and FILE.pub if they exist" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail keygen [--type TYPE] [--format pem|openssh] [-C COMMENT] [-f] -o FILE",
		"Generate a key pair.  The private key goes to FILE with mode 0600, the public key\n"
		"to FILE.pub as one OpenSSH line, so that an allowed-signers file or a\n"
		"TrustedUserCAKeys entry is a copy of it.  The SHA256 fingerprint is printed.",
		"Every command that loads a private key refuses one that group or others can read."
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (outpath == NULL)
		return cli_usage_error("missing -o FILE");
	if (strcmp(format, "pem") != 0 && strcmp(format, "openssh") != 0)
		return cli_usage_error("unknown --format '%s' (use pem or openssh)", format);
	if ((r = ct_key_type_parse(type, &t)) != 0)
		return cli_usage_error("%s", ct_errmsg(r));
	if ((size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", outpath) >= sizeof(pubpath))
		return cli_usage_error("output path too long");
	if (!force && (lstat(outpath, &st) == 0 || lstat(pubpath, &st) == 0))
		return cli_error("'%s' or '%s' already exists (use --force to replace)",
		    outpath, pubpath);
	if ((r = ct_key_generate(t, &pkey)) != 0)
		goto fail;
	if (strcmp(format, "openssh") == 0)
		r = ct_sshkey_private_openssh(pkey, comment, &priv, &privlen);
	else
		r = ct_key_private_pem(pkey, &priv, &privlen);
	if (r != 0 || (r = ct_sshkey_public_line(pkey, comment, &publine)) != 0 ||
	    (r = ct_sshkey_fingerprint(pkey, fp)) != 0)
		goto fail;
	/* public half first: a failure then leaves no private key without its .pub */
	if ((r = ct_write_file_atomic(pubpath, publine, strlen(publine), 0644)) != 0)
		goto fail;
	if ((r = ct_write_file_atomic(outpath, priv, privlen, 0600)) != 0) {
		unlink(pubpath);
		goto fail;
	}
	printf("%s %s %s\n", ct_key_type_name(t), fp, outpath);
	rc = CLI_OK;
	goto out;
 fail:
	rc = cli_fail(r);
 out:
	if (priv != NULL)
		OPENSSL_clear_free(priv, privlen);
	free(publine);
	EVP_PKEY_free(pkey);
	return rc;
}
