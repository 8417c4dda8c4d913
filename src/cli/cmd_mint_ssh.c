/*
 * cmd_mint_ssh.c - `credtrail mint ssh`: an OpenSSH user certificate whose key ID is the task
 * principal, so sshd's own log line ("ID <key id> (serial N) CA ...") names the task.
 *
 * The certificate is built and signed here with libcrypto (sshcert.c), never by running
 * ssh-keygen; only the subject's public key is read, and nothing secret is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "cli/cli.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/sshcert.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define SSH_TTL_MIN 60
#define SSH_TTL_MAX 86400
#define PRINCIPAL_NAME_MAX 255

/* A principal as sshd matches it against AuthorizedPrincipalsFile lines. */
static int
check_principal(const char *p)
{
	size_t i, n = strlen(p);

	if (n == 0 || n > PRINCIPAL_NAME_MAX)
		return ct_error(CT_ERR_INVALID, "principal must be 1 to %d characters",
		    PRINCIPAL_NAME_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c == 0x7f || c == ',')
			return ct_error(CT_ERR_INVALID, "principal '%s' has an invalid "
			    "character at position %zu (no spaces, commas or control characters)",
			    p, i + 1);
	}
	return 0;
}

/* "+1h", "-2h" (relative to now) or an RFC 3339 time, into seconds since the epoch. */
static int
parse_not_before(const char *s, int64_t now, int64_t *out)
{
	int64_t secs, us;

	if (s[0] == '+' || s[0] == '-') {
		if (ct_duration_parse(s + 1, &secs) != 0)
			return ct_error(CT_ERR_INVALID, "invalid --not-before '%s' (use +1h, "
			    "-2h or an RFC 3339 time)", s);
		*out = s[0] == '+' ? now + secs : now - secs;
	} else {
		if (ct_time_parse(s, strlen(s), &us) != 0)
			return ct_error(CT_ERR_INVALID, "invalid --not-before '%s' (use +1h, "
			    "-2h or an RFC 3339 time)", s);
		*out = us / 1000000;
	}
	if (*out < 0)
		return ct_error(CT_ERR_INVALID, "--not-before '%s' is before 1970", s);
	return 0;
}

/* The granted scope, verbatim: what sshd will enforce from this certificate. */
static int
scope_json(const char *const *principals, size_t n, const char *force_command,
    const char *source_address, char **out)
{
	json_t *o = NULL, *pa = NULL, *crit = NULL, *ext = NULL;
	size_t i;
	int r = CT_ERR_NOMEM;

	*out = NULL;
	if ((pa = json_array()) == NULL || (crit = json_object()) == NULL ||
	    (ext = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (json_array_append_new(pa, json_string(principals[i])) != 0)
			goto out;
	if ((force_command != NULL &&
	    json_object_set_new(crit, "force-command", json_string(force_command)) != 0) ||
	    (source_address != NULL &&
	    json_object_set_new(crit, "source-address", json_string(source_address)) != 0))
		goto out;
	for (i = 0; i < ct_sshcert_ndefault_extensions; i++)
		if (json_array_append_new(ext, json_string(ct_sshcert_default_extensions[i])) != 0)
			goto out;
	o = json_pack("{s:O, s:O, s:O}", "principals", pa, "critical_options", crit,
	    "extensions", ext);
	if (o != NULL && (*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL)
		r = 0;
 out:
	json_decref(o);
	json_decref(pa);
	json_decref(crit);
	json_decref(ext);
	return r == 0 ? 0 : ct_error(CT_ERR_NOMEM, "out of memory");
}

int
cmd_mint_ssh(int argc, char **argv)
{
	const char *task = NULL, *ca_path = NULL, *pub_path = NULL, *prefix = cli.prefix;
	const char *source_address = NULL, *force_command = NULL, *not_before = NULL;
	const char *outpath = NULL;
	struct strlist principals = { NULL, 0 };
	long long ttl = 900;
	char keyid[CT_PRINCIPAL_MAX + 1], defprincipal[CT_TASK_ID_MAX + CT_PREFIX_MAX + 8];
	char serial[24], va[40], vb[40], *scope = NULL, *extra = NULL, *line = NULL;
	const char *const *plist;
	const char *one[1];
	struct ct_sshcert_req req;
	struct ct_sshcert check;
	struct ct_cred cred;
	struct ct_store *st = NULL;
	struct ct_task t;
	EVP_PKEY *ca = NULL, *subject = NULL;
	uint8_t *blob = NULL;
	size_t bloblen = 0, np, i;
	int64_t now, start;
	int json = 0, npos, r, rc = CLI_FAIL;
	const struct opt opts[] = {
		{ OPT_STRING, 0, "task", &task, "ID", "the task the certificate is for" },
		{ OPT_STRING, 0, "ca", &ca_path, "KEY",
		  "CA private key (ed25519, ecdsa-p256 or rsa; PEM or OpenSSH; mode 0600)" },
		{ OPT_STRING, 0, "pubkey", &pub_path, "FILE",
		  "the user's public key to certify (OpenSSH line or PEM)" },
		{ OPT_LIST, 0, "principal", &principals, "P",
		  "a user name the certificate is valid for (default task-<task>@<prefix>)" },
		{ OPT_STRING, 0, "source-address", &source_address, "CIDR[,CIDR]",
		  "critical option: only accept logins from these addresses" },
		{ OPT_STRING, 0, "force-command", &force_command, "CMD",
		  "critical option: run CMD instead of what the client asks for" },
		{ OPT_DURATION, 0, "ttl", &ttl, "DUR", "validity, 1m to 24h (default 15m)" },
		{ OPT_STRING, 0, "not-before", &not_before, "TIME",
		  "start of validity: RFC 3339, or +DUR / -DUR from now (default now)" },
		{ OPT_STRING, 0, "prefix", &prefix, "P", "principal prefix (default ironclaw)" },
		{ OPT_STRING, 'o', "output", &outpath, "CERT", "certificate file to write (0644)" },
		{ OPT_FLAG, 0, "json", &json, NULL, "print what was issued as JSON" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail mint ssh --task ID --ca KEY --pubkey FILE [--principal P]...\n"
		"       [--source-address CIDR[,CIDR]] [--force-command CMD] [--ttl DUR]\n"
		"       [--not-before TIME] [--prefix P] [--json] -o CERT",
		"Sign an OpenSSH user certificate for the task.  Key ID = the task principal\n"
		"(<prefix>-task-<task>-<nonce>), which sshd logs with the serial and the CA\n"
		"fingerprint on every login; principal task-<task>@<prefix> unless --principal is\n"
		"given; a random 64-bit serial; ssh-keygen's default extensions.  An RSA CA signs\n"
		"with rsa-sha2-512.  The certificate and its ledger row are written together.",
		"Use it with: ssh -i KEY -o CertificateFile=CERT user@host"
	};

	memset(&t, 0, sizeof(t));
	memset(&req, 0, sizeof(req));
	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 0) {
		rc = cli_usage_error("unexpected argument '%s'", argv[0]);
		goto out;
	}
	if (task == NULL || ca_path == NULL || pub_path == NULL || outpath == NULL) {
		rc = cli_usage_error("missing %s", task == NULL ? "--task ID" :
		    ca_path == NULL ? "--ca KEY" : pub_path == NULL ? "--pubkey FILE" : "-o CERT");
		goto out;
	}
	if (ttl < SSH_TTL_MIN || ttl > SSH_TTL_MAX) {
		rc = cli_usage_error("--ttl %llds is out of range (1m to 24h)", ttl);
		goto out;
	}
	if ((r = ct_prefix_check(prefix)) != 0 || (r = ct_task_id_check(task)) != 0)
		goto fail;
	for (i = 0; i < principals.n; i++)
		if ((r = check_principal(principals.v[i])) != 0)
			goto fail;
	if (source_address != NULL && (r = ct_sshcert_check_source_address(source_address)) != 0)
		goto fail;
	if (force_command != NULL && force_command[0] == '\0') {
		r = ct_error(CT_ERR_INVALID, "--force-command is empty");
		goto fail;
	}
	now = ct_now_us() / 1000000;
	start = now;
	if (not_before != NULL && (r = parse_not_before(not_before, now, &start)) != 0)
		goto fail;

	/* the subject's public key first: a wrong file should not cost a CA key load */
	if ((r = ct_key_load_public(pub_path, &subject)) != 0 ||
	    (r = ct_key_load_private(ca_path, &ca)) != 0)
		goto fail;
	st = cli_store();
	if ((r = ct_task_get(st, task, &t)) != 0 ||
	    (r = ct_principal_new(prefix, t.id, keyid)) != 0)
		goto fail;
	if (principals.n == 0) {
		snprintf(defprincipal, sizeof(defprincipal), "task-%s@%s", t.id, prefix);
		one[0] = defprincipal;
		plist = one;
		np = 1;
	} else {
		plist = principals.v;
		np = principals.n;
	}

	req.key = subject;
	req.key_id = keyid;
	req.principals = plist;
	req.nprincipals = np;
	req.valid_after = (uint64_t)start;
	req.valid_before = (uint64_t)start + (uint64_t)ttl;
	req.source_address = source_address;
	req.force_command = force_command;
	if ((r = ct_sshcert_random_serial(&req.serial)) != 0 ||
	    (r = ct_sshcert_create(&req, ca, &blob, &bloblen)) != 0)
		goto fail;
	/* read back what we made: never hand out a certificate that does not verify */
	if ((r = ct_sshcert_parse(blob, bloblen, &check)) != 0)
		goto fail;
	snprintf(serial, sizeof(serial), "%llu", (unsigned long long)req.serial);
	if ((r = scope_json(plist, np, force_command, source_address, &scope)) != 0 ||
	    (r = ct_sshcert_line(blob, bloblen, keyid, &line)) != 0) {
		ct_sshcert_release(&check);
		goto fail;
	}
	{
		json_t *x = json_pack("{s:s, s:s, s:s, s:s}", "cert_type", check.type_name,
		    "key_fingerprint", check.key_fp, "ca_type", ct_sshkey_type_name(ca),
		    "signature_algorithm", check.sig_alg);

		extra = x != NULL ? json_dumps(x, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(x);
	}
	memset(&cred, 0, sizeof(cred));
	cred.task_id = t.id;
	cred.kind = "ssh";
	cred.principal = keyid;
	cred.key_id = keyid;
	cred.serial = serial;
	cred.ca_fingerprint = check.ca_fp;
	cred.scope = scope;
	cred.extra = extra;
	cred.issued_us = (int64_t)req.valid_after * 1000000;
	cred.expires_us = (int64_t)req.valid_before * 1000000;
	if (extra == NULL) {
		ct_sshcert_release(&check);
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}

	if ((r = ct_cred_record(st, &cred, outpath, line, strlen(line), 0644)) != 0)
		goto fail_check;

	ct_time_fmt(cred.issued_us, 0, va, sizeof(va));
	ct_time_fmt(cred.expires_us, 0, vb, sizeof(vb));
	if (json) {
		json_t *pa = json_array(), *o;

		for (i = 0; i < np; i++)
			json_array_append_new(pa, json_string(plist[i]));
		o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "task", t.id, "key_id", keyid, "principal", keyid, "serial", serial,
		    "principals", pa, "valid_after", va, "valid_before", vb,
		    "ca_fingerprint", check.ca_fp, "key_fingerprint", check.key_fp,
		    "cert_type", check.type_name, "file", outpath);
		rc = o != NULL ? cli_print_json(o) : cli_fail(ct_error(CT_ERR_NOMEM,
		    "out of memory"));
		json_decref(o);
	} else {
		printf("%s serial %s valid %s to %s -> %s\n", keyid, serial, va, vb, outpath);
		rc = CLI_OK;
	}
	ct_sshcert_release(&check);
	goto out;
 fail_check:
	ct_sshcert_release(&check);
 fail:
	rc = cli_fail(r);
 out:
	ct_task_release(&t);
	strlist_free(&principals);
	free(scope);
	free(extra);
	free(line);
	free(blob);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(subject);
	return rc;
}
