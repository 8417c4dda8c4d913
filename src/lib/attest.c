/*
 * attest.c - in-toto statement of a run, its DSSE envelope and SSH signature, signing keys
 * (see attest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/db.h"
#include "lib/attest.h"
#include "lib/dsse.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/sshsig.h"
#include "lib/store.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

static int
file_sha256(const char *path, uint8_t out[32], uint64_t *size)
{
	EVP_MD_CTX *md = NULL;
	uint8_t buf[65536];
	unsigned int hl = 0;
	ssize_t n;
	int fd, r = CT_ERR_INTERNAL;

	*size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s'", path);
	if ((md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot hash '%s'", path);
		goto out;
	}
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			r = ct_error(CT_ERR_SYSTEM, "cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		*size += (uint64_t)n;
		if (EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
			r = ct_error(CT_ERR_CRYPTO, "cannot hash '%s'", path);
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(md, out, &hl) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot hash '%s'", path);
		goto out;
	}
	r = 0;
 out:
	EVP_MD_CTX_free(md);
	close(fd);
	return r;
}

static int
add_cred(const struct ct_cred *c, void *arg)
{
	char is[40], ex[40];
	json_t *o;

	ct_time_fmt(c->issued_us, 0, is, sizeof(is));
	ct_time_fmt(c->expires_us, 0, ex, sizeof(ex));
	/* join keys only: never scope text, never anything secret */
	o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?,"
	    " s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "kind", c->kind, "principal", c->principal, "issued", is, "expires", ex,
	    "access_key_id", c->access_key_id, "session_name", c->session_name,
	    "source_identity", c->source_identity, "role_arn", c->role_arn,
	    "assumed_role_arn", c->assumed_role_arn, "jti", c->jti, "subject", c->subject,
	    "issuer", c->issuer, "audience", c->audience, "serial", c->serial,
	    "key_id", c->key_id, "ca_fingerprint", c->ca_fingerprint,
	    "scope_sha256", c->scope != NULL ? c->scope_sha256 : NULL);
	if (o == NULL || json_array_append_new(arg, o) != 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

int
ct_attest_run_statement(struct ct_store *st, json_t *summary, const struct ct_attest_log *log,
    json_t **out)
{
	char hex[65], roothex[65], *pathcopy = NULL, *name;
	uint8_t digest[32];
	uint64_t size;
	const char *task;
	json_t *pred = NULL, *creds = NULL, *stmt = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if (!json_is_object(summary))
		return ct_error(CT_ERR_INVALID, "run summary must be a JSON object");
	if ((r = file_sha256(log->path, digest, &size)) != 0)
		return r;
	if ((pathcopy = strdup(log->path)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	name = basename(pathcopy);
	ct_hex_fmt(digest, 32, hex);
	ct_hex_fmt(log->root, 32, roothex);
	if ((pred = json_deep_copy(summary)) == NULL || (creds = json_array()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	task = json_string_value(json_object_get(summary, "task"));
	if (st != NULL && task != NULL && (r = ct_cred_foreach(st, task, add_cred, creds)) != 0)
		goto out;
	if (json_object_set(pred, "credentials", creds) != 0 ||
	    json_object_set_new(pred, "log", json_pack("{s:s, s:I, s:s}", "origin", log->origin,
	    "tree_size", (json_int_t)log->tree_size, "root", roothex)) != 0) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	stmt = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:O}",
	    "_type", CT_INTOTO_STATEMENT_V1,
	    "subject", "name", name, "digest", "sha256", hex,
	    "predicateType", CT_ATTEST_PREDICATE_RUN_V1,
	    "predicate", pred);
	if (stmt == NULL) {
		r = ct_error(CT_ERR_INVALID, "cannot build the statement (log name not UTF-8?)");
		goto out;
	}
	*out = stmt;
	stmt = NULL;
	r = 0;
 out:
	free(pathcopy);
	json_decref(pred);
	json_decref(creds);
	json_decref(stmt);
	return r;
}

int
ct_attest_write(EVP_PKEY *key, json_t *statement, const char *path)
{
	char sigpath[4096], *payload = NULL, *env = NULL, *sig = NULL;
	size_t plen = 0, elen = 0, slen = 0;
	int r = CT_ERR_INTERNAL;

	if ((size_t)snprintf(sigpath, sizeof(sigpath), "%s.sig", path) >= sizeof(sigpath))
		return ct_error(CT_ERR_INVALID, "attestation path '%s' is too long", path);
	if ((r = ct_evlog_canonical(statement, &payload, &plen)) != 0 ||
	    (r = ct_dsse_sign(key, CT_DSSE_INTOTO_TYPE, (uint8_t *)payload, plen, &env,
	    &elen)) != 0 ||
	    (r = ct_sshsig_sign(key, CT_SSHSIG_NAMESPACE, (uint8_t *)payload, plen, &sig,
	    &slen)) != 0)
		goto out;
	if ((r = ct_write_file_atomic(sigpath, sig, slen, 0644)) != 0)
		goto out;
	if ((r = ct_write_file_atomic(path, env, elen, 0644)) != 0) {
		unlink(sigpath);
		goto out;
	}
	r = 0;
 out:
	free(payload);
	free(env);
	free(sig);
	return r;
}

void
ct_attest_claims_release(struct ct_attest_claims *c)
{
	json_decref(c->statement);
	memset(c, 0, sizeof(*c));
}

static int
hex32(json_t *v, uint8_t out[32])
{
	uint8_t *d = NULL;
	size_t n = 0;
	const char *s = json_string_value(v);
	size_t i;

	if (s == NULL || json_string_length(v) != 64)
		return -1;
	for (i = 0; i < 64; i++)	/* lowercase only: one spelling per digest */
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	if (ct_hex_decode(s, 64, &d, &n) != 0 || n != 32) {
		free(d);
		return -1;
	}
	memcpy(out, d, 32);
	free(d);
	return 0;
}

int
ct_attest_parse_statement(const uint8_t *payload, size_t len, struct ct_attest_claims *out)
{
	json_error_t jerr;
	json_t *s, *subj, *pred, *log, *v;
	const char *name, *origin;
	int r = CT_ERR_FORMAT;

	memset(out, 0, sizeof(*out));
	if ((s = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return ct_error(CT_ERR_FORMAT, "statement is not JSON: %s", jerr.text);
	out->statement = s;
	if (!json_is_object(s) || json_object_size(s) != 4) {
		r = ct_error(CT_ERR_FORMAT, "statement is not an in-toto Statement v1");
		goto out;
	}
	if ((v = json_object_get(s, "_type")) == NULL ||
	    !json_is_string(v) || strcmp(json_string_value(v), CT_INTOTO_STATEMENT_V1) != 0) {
		r = ct_error(CT_ERR_FORMAT, "statement _type is not '%s'", CT_INTOTO_STATEMENT_V1);
		goto out;
	}
	if ((v = json_object_get(s, "predicateType")) == NULL || !json_is_string(v) ||
	    strcmp(json_string_value(v), CT_ATTEST_PREDICATE_RUN_V1) != 0) {
		r = ct_error(CT_ERR_FORMAT, "statement predicateType is not '%s'",
		    CT_ATTEST_PREDICATE_RUN_V1);
		goto out;
	}
	subj = json_object_get(s, "subject");
	if (!json_is_array(subj) || json_array_size(subj) != 1 ||
	    (name = json_string_value(json_object_get(json_array_get(subj, 0), "name"))) ==
	    NULL || hex32(json_object_get(json_object_get(json_array_get(subj, 0), "digest"),
	    "sha256"), out->subject_sha256) != 0) {
		r = ct_error(CT_ERR_FORMAT, "statement subject is not one named log with a sha256");
		goto out;
	}
	if (*name == '\0' || strlen(name) >= sizeof(out->subject) || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		r = ct_error(CT_ERR_FORMAT, "statement subject name is not a plain file name");
		goto out;
	}
	snprintf(out->subject, sizeof(out->subject), "%s", name);
	pred = json_object_get(s, "predicate");
	log = json_object_get(pred, "log");
	origin = json_string_value(json_object_get(log, "origin"));
	v = json_object_get(log, "tree_size");
	if (!json_is_object(pred) || !json_is_object(log) || origin == NULL ||
	    strlen(origin) > CT_EVLOG_MAX_ORIGIN || !json_is_integer(v) ||
	    json_integer_value(v) < 0 || hex32(json_object_get(log, "root"), out->root) != 0) {
		r = ct_error(CT_ERR_FORMAT, "statement predicate has no log origin, tree_size and "
		    "root");
		goto out;
	}
	snprintf(out->origin, sizeof(out->origin), "%s", origin);
	out->tree_size = (uint64_t)json_integer_value(v);
	r = 0;
 out:
	if (r != 0)
		ct_attest_claims_release(out);
	return r;
}

int
ct_attest_host_key_path(struct ct_store *st, char **out)
{
	const char *env, *home;
	char buf[4096], *dir;

	*out = NULL;
	/* beside a SQLite ledger; a shared (PostgreSQL) store keeps each host its own key */
	if (st != NULL && ct_db_backend(st) == CT_DB_SQLITE) {
		if ((dir = strdup(ct_store_path(st))) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		snprintf(buf, sizeof(buf), "%s/%s", dirname(dir), CT_ATTEST_KEY_FILE);
		free(dir);
	} else if ((env = getenv("XDG_DATA_HOME")) != NULL && env[0] == '/')
		snprintf(buf, sizeof(buf), "%s/credtrail/%s", env, CT_ATTEST_KEY_FILE);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		snprintf(buf, sizeof(buf), "%s/.local/share/credtrail/%s", home,
		    CT_ATTEST_KEY_FILE);
	else
		return ct_error(CT_ERR_INVALID, "no place for the signing key: set XDG_DATA_HOME "
		    "or HOME, or use --sign KEY");
	if ((*out = strdup(buf)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

int
ct_attest_record_key(struct ct_store *st, EVP_PKEY *key, const char *path)
{
	char keyid[CT_KEYID_LEN + 1], *line = NULL;
	struct ct_stmt *s = NULL;
	int r;

	if ((r = ct_dsse_keyid(key, keyid)) != 0 ||
	    (r = ct_sshkey_public_line(key, NULL, &line)) != 0)
		goto out;
	line[strcspn(line, "\n")] = '\0';
	if (ct_db_prepare(st, "INSERT INTO signing_keys "
	    "(keyid, public_key, path, created_us) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT DO NOTHING", &s) != 0) {
		r = ct_store_error(st, "recording the signing key");
		goto out;
	}
	ct_stmt_bind_text(s, 1, keyid);
	ct_stmt_bind_text(s, 2, line);
	if (path != NULL)
		ct_stmt_bind_text(s, 3, path);
	ct_stmt_bind_int64(s, 4, ct_now_us());
	if (ct_stmt_step(s) != CT_DB_DONE) {
		r = ct_store_error(st, "recording the signing key");
		goto out;
	}
	r = 0;
 out:
	ct_stmt_finalize(s);
	free(line);
	return r;
}

int
ct_attest_host_key(struct ct_store *st, EVP_PKEY **out, char **path_out)
{
	char *path = NULL, *dir = NULL, *priv = NULL, *pub = NULL, pubpath[4200];
	size_t privlen = 0;
	EVP_PKEY *key = NULL;
	struct stat sb;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if (path_out != NULL)
		*path_out = NULL;
	if ((r = ct_attest_host_key_path(st, &path)) != 0)
		return r;
	if (lstat(path, &sb) == 0) {
		if ((r = ct_key_load_private(path, &key)) != 0)
			goto out;
	} else if (errno != ENOENT) {
		r = ct_error(CT_ERR_SYSTEM, "cannot read signing key '%s'", path);
		goto out;
	} else {
		if ((dir = strdup(path)) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
		if ((r = ct_mkdir_p(dirname(dir), 0700)) != 0 ||
		    (r = ct_key_generate(CT_KEY_ED25519, &key)) != 0 ||
		    (r = ct_sshkey_private_openssh(key, "credtrail-attest", &priv, &privlen)) != 0 ||
		    (r = ct_sshkey_public_line(key, "credtrail-attest", &pub)) != 0 ||
		    (r = ct_write_file_atomic(pubpath, pub, strlen(pub), 0644)) != 0)
			goto out;
		if ((r = ct_write_file_atomic(path, priv, privlen, 0600)) != 0) {
			unlink(pubpath);
			goto out;
		}
	}
	if (st != NULL && (r = ct_attest_record_key(st, key, path)) != 0)
		goto out;
	*out = key;
	key = NULL;
	if (path_out != NULL) {
		*path_out = path;
		path = NULL;
	}
	r = 0;
 out:
	if (priv != NULL)
		OPENSSL_clear_free(priv, privlen);
	free(pub);
	free(dir);
	free(path);
	EVP_PKEY_free(key);
	return r;
}

int
ct_attest_ledger_keys(struct ct_store *st, EVP_PKEY ***keys, size_t *nkeys)
{
	struct ct_stmt *s = NULL;
	EVP_PKEY **v = NULL, **nv, *k = NULL;
	const char *line;
	size_t n = 0;
	int r = CT_ERR_INTERNAL, rc;

	*keys = NULL;
	*nkeys = 0;
	if (ct_db_prepare(st, "SELECT public_key FROM signing_keys "
	    "ORDER BY created_us", &s) != 0) {
		r = ct_store_error(st, "listing signing keys");
		goto out;
	}
	while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
		line = ct_stmt_col_text(s, 0);
		if (line == NULL || ct_sshkey_parse_public_line(line, strlen(line), &k) != 0)
			continue;	/* a row credtrail did not write: not a key to trust */
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		v = nv;
		v[n++] = k;
		k = NULL;
	}
	if (rc != CT_DB_DONE) {
		r = ct_store_error(st, "listing signing keys");
		goto out;
	}
	*keys = v;
	*nkeys = n;
	v = NULL;
	n = 0;
	r = 0;
 out:
	ct_stmt_finalize(s);
	EVP_PKEY_free(k);
	ct_keys_free(v, n);
	return r;
}

static int
keys_push(EVP_PKEY ***v, size_t *n, EVP_PKEY *k)
{
	EVP_PKEY **nv;

	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		return 0;
	}
	if ((nv = realloc(*v, (*n + 1) * sizeof(**v))) == NULL) {
		EVP_PKEY_free(k);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	*v = nv;
	(*v)[(*n)++] = k;
	return 0;
}

int
ct_attest_trusted_keys(struct ct_store *st, const char *const *key_paths, size_t nkp,
    const char *allowed_signers, EVP_PKEY ***keys, size_t *nkeys)
{
	EVP_PKEY **v = NULL, **as = NULL, *k = NULL;
	uint8_t *data = NULL;
	size_t n = 0, nas = 0, i, dlen = 0;
	int r = CT_ERR_INTERNAL;

	*keys = NULL;
	*nkeys = 0;
	for (i = 0; i < nkp; i++) {
		if ((r = ct_key_load_public(key_paths[i], &k)) != 0)
			goto out;
		if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
			EVP_PKEY_free(k);
			r = ct_error(CT_ERR_UNSUPPORTED, "key '%s' is not Ed25519: attestations are "
			    "signed with Ed25519 keys", key_paths[i]);
			goto out;
		}
		if ((r = keys_push(&v, &n, k)) != 0)
			goto out;
		k = NULL;
	}
	if (allowed_signers != NULL) {
		if ((r = ct_read_file(allowed_signers, 1024 * 1024, &data, &dlen)) != 0 ||
		    (r = ct_allowed_signers_parse(data, dlen, CT_SSHSIG_NAMESPACE, &as, &nas)) != 0)
			goto out;
		for (i = 0; i < nas; i++) {
			r = keys_push(&v, &n, as[i]);
			as[i] = NULL;
			if (r != 0)
				goto out;
		}
		if (n == 0) {
			r = ct_error(CT_ERR_NOTFOUND, "'%s' lists no Ed25519 key", allowed_signers);
			goto out;
		}
	}
	if (nkp == 0 && allowed_signers == NULL) {
		if (st == NULL) {
			r = ct_error(CT_ERR_NOTFOUND, "no trusted key: give --key PUB or "
			    "--allowed-signers FILE");
			goto out;
		}
		if ((r = ct_attest_ledger_keys(st, &as, &nas)) != 0)
			goto out;
		for (i = 0; i < nas; i++) {
			r = keys_push(&v, &n, as[i]);
			as[i] = NULL;
			if (r != 0)
				goto out;
		}
		if (n == 0) {
			r = ct_error(CT_ERR_NOTFOUND, "no trusted key: the ledger has no signing key; "
			    "give --key PUB or --allowed-signers FILE");
			goto out;
		}
	}
	*keys = v;
	*nkeys = n;
	v = NULL;
	n = 0;
	r = 0;
 out:
	free(data);
	EVP_PKEY_free(k);
	ct_keys_free(as, nas);
	ct_keys_free(v, n);
	return r;
}

void
ct_attest_result_release(struct ct_attest_result *res)
{
	ct_evlog_report_release(&res->log);
	free(res->log_path);
	memset(res, 0, sizeof(*res));
}

static void
att_fail(struct ct_attest_result *res, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
att_fail(struct ct_attest_result *res, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	res->verdict = CT_EVLOG_FAILED;
	res->fail_line = line;
	va_start(ap, fmt);
	vsnprintf(res->fail, sizeof(res->fail), fmt, ap);
	va_end(ap);
}

int
ct_attest_verify(const char *att_path, const char *log_path, EVP_PKEY *const *keys,
    size_t nkeys, struct ct_attest_result *res)
{
	struct ct_attest_claims claims;
	struct ct_evlog_report *rep = &res->log;
	struct ct_dsse env;
	char sigpath[4096], *dir = NULL, root[65], hex[65];
	uint8_t *data = NULL, *sig = NULL;
	size_t dlen = 0, siglen = 0, which = 0;
	struct stat sb;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&claims, 0, sizeof(claims));
	memset(&env, 0, sizeof(env));
	res->verdict = CT_EVLOG_FAILED;
	if ((r = ct_read_file(att_path, CT_DSSE_MAX, &data, &dlen)) != 0)
		goto out;
	if ((r = ct_dsse_parse(data, dlen, &env)) != 0) {
		att_fail(res, 0, "attestation '%s': %s", att_path, ct_errmsg(r));
		r = 0;
		goto out;
	}
	if (strcmp(env.payload_type, CT_DSSE_INTOTO_TYPE) != 0) {
		att_fail(res, 0, "attestation '%s' has payload type '%.64s', not '%s'", att_path,
		    env.payload_type, CT_DSSE_INTOTO_TYPE);
		goto out;
	}
	if ((r = ct_dsse_verify(&env, keys, nkeys, &which)) != 0) {
		if (r != CT_ERR_VERIFY)
			goto out;
		att_fail(res, 0, "attestation '%s': %s", att_path, ct_errmsg(r));
		r = 0;
		goto out;
	}
	if ((r = ct_dsse_keyid(keys[which], res->keyid)) != 0)
		goto out;
	if ((r = ct_attest_parse_statement(env.payload, env.payload_len, &claims)) != 0) {
		att_fail(res, 0, "attestation '%s': %s", att_path, ct_errmsg(r));
		r = 0;
		goto out;
	}
	/* the log: as given, else the subject's name beside the attestation */
	if (log_path != NULL)
		res->log_path = strdup(log_path);
	else if ((dir = strdup(att_path)) != NULL &&
	    asprintf(&res->log_path, "%s/%s", dirname(dir), claims.subject) < 0)
		res->log_path = NULL;
	if (res->log_path == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ct_evlog_verify_file(res->log_path, keys, nkeys, NULL, rep)) != 0)
		goto out;
	if (rep->verdict == CT_EVLOG_FAILED) {
		att_fail(res, rep->fail_line, "%s", rep->fail);
		goto out;
	}
	if (memcmp(rep->file_sha256, claims.subject_sha256, 32) != 0) {
		ct_hex_fmt(claims.subject_sha256, 32, hex);
		att_fail(res, 0, "log '%s' is not the file the attestation signs (sha256 is not "
		    "%.16s...; %" PRIu64 " records read, %" PRIu64 " attested)", res->log_path, hex,
		    rep->records, claims.tree_size);
		goto out;
	}
	ct_hex_fmt(claims.root, 32, root);
	if (!rep->final || rep->signed_size != claims.tree_size ||
	    memcmp(rep->signed_root, claims.root, 32) != 0 ||
	    strcmp(rep->origin, claims.origin) != 0) {
		att_fail(res, 0, "the attestation's tree head (%s, %" PRIu64 " records, root "
		    "%.16s...) is not the log's final checkpoint", claims.origin, claims.tree_size,
		    root);
		goto out;
	}
	/* the detached SSH signature, when it is there */
	snprintf(sigpath, sizeof(sigpath), "%s.sig", att_path);
	if (lstat(sigpath, &sb) == 0) {
		if ((r = ct_read_file(sigpath, CT_SSHSIG_MAX, &sig, &siglen)) != 0)
			goto out;
		if ((r = ct_sshsig_verify((const char *)sig, siglen, CT_SSHSIG_NAMESPACE,
		    env.payload, env.payload_len, keys, nkeys, NULL)) != 0) {
			if (r != CT_ERR_VERIFY && r != CT_ERR_FORMAT)
				goto out;
			att_fail(res, 0, "detached signature '%s': %s", sigpath, ct_errmsg(r));
			r = 0;
			goto out;
		}
		res->ssh_sig = 1;
	}
	res->verdict = rep->verdict;
	r = 0;
 out:
	free(data);
	free(sig);
	free(dir);
	ct_dsse_release(&env);
	ct_attest_claims_release(&claims);
	return r;
}

int
ct_attest_signing_key(struct ct_store *st, const char *path, EVP_PKEY **out)
{
	EVP_PKEY *key = NULL;
	char *abs = NULL;
	int r;

	*out = NULL;
	if (path == NULL)
		return ct_attest_host_key(st, out, NULL);
	if ((r = ct_key_load_private(path, &key)) != 0)
		return r;
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		return ct_error(CT_ERR_UNSUPPORTED, "signing key '%s' is not Ed25519 (make one "
		    "with 'credtrail keygen -t ed25519')", path);
	}
	abs = realpath(path, NULL);
	if (st != NULL && (r = ct_attest_record_key(st, key, abs != NULL ? abs : path)) != 0) {
		free(abs);
		EVP_PKEY_free(key);
		return r;
	}
	free(abs);
	*out = key;
	return 0;
}

int
ct_attest_run_finish(struct ct_store *st, EVP_PKEY *key, json_t *summary,
    const char *log_path, const char *att_path, char digest[72])
{
	struct ct_evlog_report rep;
	struct ct_attest_log al;
	json_t *stmt = NULL;
	uint8_t h[32];
	uint64_t size;
	char hex[65];
	int r;

	if (digest != NULL)
		digest[0] = '\0';
	memset(&rep, 0, sizeof(rep));
	/* sign what is on disk, and only a log that verifies */
	if ((r = ct_evlog_verify_file(log_path, &key, 1, NULL, &rep)) != 0)
		goto out;
	if (rep.verdict == CT_EVLOG_FAILED || !rep.final) {
		r = ct_error(CT_ERR_VERIFY, "event log '%s' does not verify%s%s", log_path,
		    rep.fail[0] != '\0' ? ": " : " (no final checkpoint)", rep.fail);
		goto out;
	}
	memset(&al, 0, sizeof(al));
	al.path = log_path;
	al.origin = rep.origin;
	al.tree_size = rep.signed_size;
	memcpy(al.root, rep.signed_root, 32);
	if ((r = ct_attest_run_statement(st, summary, &al, &stmt)) != 0 ||
	    (r = ct_attest_write(key, stmt, att_path)) != 0)
		goto out;
	if (digest != NULL) {
		if ((r = file_sha256(att_path, h, &size)) != 0)
			goto out;
		ct_hex_fmt(h, 32, hex);
		snprintf(digest, 72, "sha256:%s", hex);
	}
	r = 0;
 out:
	json_decref(stmt);
	ct_evlog_report_release(&rep);
	return r;
}
