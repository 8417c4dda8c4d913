/*
 * cmd_mint_x509.c - `credtrail mint x509`: a short-lived X.509 client certificate whose CN is
 * the task principal and whose URI SAN is the task's SPIFFE ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli/cli.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/store.h"
#include "lib/x509.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define X509_TTL_MIN 60
#define X509_TTL_MAX 86400

int
cmd_mint_x509(int argc, char **argv)
{
	const char *task = NULL, *cacert_path = NULL, *cakey_path = NULL, *csr = NULL;
	const char *pubkey = NULL, *td = "credtrail.local", *prefix = cli.prefix, *outpath = NULL;
	long long ttl = 900;
	char principal[CT_PRINCIPAL_MAX + 1], fp[65], nb[40], na[40];
	char *spiffe = NULL, *serial = NULL, *issuer = NULL, *pem = NULL, *scope = NULL;
	struct ct_x509_spec spec;
	struct ct_cred cred;
	struct ct_store *st = NULL;
	struct ct_task t;
	X509 *ca = NULL, *cert = NULL;
	EVP_PKEY *cakey = NULL, *subkey = NULL;
	json_t *sj = NULL;
	size_t pemlen = 0;
	int json = 0, npos, r, rc = CLI_FAIL;
	int64_t now;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &task, "ID", "the task the certificate is for" },
		{ OPT_STRING, 0, "ca-cert", &cacert_path, "FILE", "CA certificate (PEM)" },
		{ OPT_STRING, 0, "ca-key", &cakey_path, "FILE",
		  "CA private key (ed25519, ecdsa-p256 or rsa; mode 0600)" },
		{ OPT_STRING, 0, "csr", &csr, "FILE",
		  "certificate request (PEM): its signature is checked, only its key is used" },
		{ OPT_STRING, 0, "pubkey", &pubkey, "FILE",
		  "public key to certify (PEM, OpenSSH line or certificate)" },
		{ OPT_STRING, 0, "trust-domain", &td, "DOMAIN",
		  "SPIFFE trust domain (default credtrail.local)" },
		{ OPT_STRING, 0, "prefix", &prefix, "P", "principal prefix (default ironclaw)" },
		{ OPT_DURATION, 0, "ttl", &ttl, "DUR", "validity, 1m to 24h (default 15m)" },
		{ OPT_STRING, 'o', "output", &outpath, "CERT", "certificate file to write (PEM)" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print what was issued as JSON" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail mint x509 --task ID --ca-cert FILE --ca-key FILE (--csr FILE | --pubkey FILE)\n"
		"       [--trust-domain DOMAIN] [--prefix P] [--ttl DUR] [--json] -o CERT",
		"Issue an X.509 v3 client certificate for the task: subject CN = the task\n"
		"principal (<prefix>-task-<task>-<nonce>), URI SAN\n"
		"spiffe://<trust-domain>/<prefix>/task/<task>, random 16-octet serial,\n"
		"extendedKeyUsage clientAuth, keyUsage digitalSignature, CA:FALSE.  Recorded in the\n"
		"ledger with its serial (hex), the CA subject and the CA certificate's SHA-256.",
		"The certificate may not outlive the CA certificate."
	};

	memset(&t, 0, sizeof(t));
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0)
		return cli_usage_error("unexpected argument '%s'", argv[0]);
	if (task == NULL || cacert_path == NULL || cakey_path == NULL || outpath == NULL)
		return cli_usage_error("missing %s", task == NULL ? "--task ID" :
		    cacert_path == NULL ? "--ca-cert FILE" : cakey_path == NULL ?
		    "--ca-key FILE" : "-o CERT");
	if ((csr == NULL) == (pubkey == NULL))
		return cli_usage_error("give exactly one of --csr FILE and --pubkey FILE");
	if (ttl < X509_TTL_MIN || ttl > X509_TTL_MAX)
		return cli_usage_error("--ttl %llds is out of range (1m to 24h)", ttl);
	if ((r = ct_spiffe_task_id(td, prefix, task, &spiffe)) != 0 ||
	    (r = ct_x509_load_cert(cacert_path, &ca)) != 0 ||
	    (r = ct_key_load_private(cakey_path, &cakey)) != 0)
		goto fail;
	if (csr != NULL)
		r = ct_x509_load_csr_key(csr, &subkey);
	else
		r = ct_key_load_public(pubkey, &subkey);
	if (r != 0)
		goto fail;
	st = cli_store();
	if ((r = ct_task_get(st, task, &t)) != 0 ||
	    (r = ct_principal_new(prefix, t.id, principal)) != 0)
		goto fail;

	now = ct_now_us() / 1000000;
	memset(&spec, 0, sizeof(spec));
	spec.ca_cert = ca;
	spec.ca_key = cakey;
	spec.subject_key = subkey;
	spec.common_name = principal;
	spec.uri_san = spiffe;
	spec.not_before = now;
	spec.not_after = now + ttl;
	if ((r = ct_x509_issue(&spec, &cert)) != 0)
		goto fail;
	if ((r = ct_x509_serial_hex(cert, &serial)) != 0 ||
	    (r = ct_x509_name_text(X509_get_subject_name(ca), &issuer)) != 0 ||
	    (r = ct_x509_fingerprint(ca, fp)) != 0 || (r = ct_x509_pem(cert, &pem, &pemlen)) != 0)
		goto fail;
	if ((sj = json_pack("{s:s, s:[s]}", "uri_san", spiffe, "eku", "clientAuth")) == NULL ||
	    (scope = json_dumps(sj, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}

	memset(&cred, 0, sizeof(cred));
	cred.task_id = t.id;
	cred.kind = "x509";
	cred.principal = principal;
	cred.issued_us = spec.not_before * 1000000;
	cred.expires_us = spec.not_after * 1000000;
	cred.serial = serial;
	cred.subject = spiffe;
	cred.issuer = issuer;
	cred.ca_fingerprint = fp;
	cred.scope = scope;
	if ((r = ct_cred_record(st, &cred, outpath, pem, pemlen, 0644)) != 0)
		goto fail;

	ct_time_fmt(cred.issued_us, 0, nb, sizeof(nb));
	ct_time_fmt(cred.expires_us, 0, na, sizeof(na));
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "task", t.id, "principal", principal, "serial", serial, "subject", spiffe,
		    "issuer", issuer, "ca_fingerprint", fp, "valid_after", nb,
		    "valid_before", na, "file", outpath);

		rc = cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s serial %s valid until %s -> %s\n", principal, serial, na, outpath);
		rc = CLI_OK;
	}
	goto out;
 fail:
	rc = cli_fail(r);
 out:
	ct_task_release(&t);
	json_decref(sj);
	free(scope);
	free(pem);
	free(issuer);
	free(serial);
	free(spiffe);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(subkey);
	return rc;
}
