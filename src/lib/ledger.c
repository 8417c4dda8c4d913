/*
 * ledger.c - tasks and credentials in the store (see ledger.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "lib/db.h"
#include "lib/ledger.h"
#include "lib/store.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

static int
is_id_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

int
ct_task_id_check(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0)
		return ct_error(CT_ERR_INVALID, "task id is empty");
	if (n > CT_TASK_ID_MAX)
		return ct_error(CT_ERR_INVALID, "task id '%.48s...' is longer than %d characters",
		    id, CT_TASK_ID_MAX);
	for (i = 0; i < n; i++)
		if (!is_id_char((unsigned char)id[i]))
			return ct_error(CT_ERR_INVALID,
			    "task id '%s' has an invalid character at position %zu "
			    "(allowed: letters, digits, '-', '_')", id, i + 1);
	if (id[0] == '-')
		return ct_error(CT_ERR_INVALID, "task id '%s' must not start with '-'", id);
	return 0;
}

int
ct_task_class_check(const char *class)
{
	size_t i, n = strlen(class);

	if (n == 0 || n > 64)
		return ct_error(CT_ERR_INVALID, "task class must be 1 to 64 characters");
	for (i = 0; i < n; i++)
		if (!is_id_char((unsigned char)class[i]) && class[i] != '.')
			return ct_error(CT_ERR_INVALID,
			    "task class '%s' has an invalid character at position %zu "
			    "(allowed: letters, digits, '-', '_', '.')", class, i + 1);
	return 0;
}

int
ct_prefix_check(const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (n == 0 || n > CT_PREFIX_MAX)
		return ct_error(CT_ERR_INVALID, "prefix must be 1 to %d characters", CT_PREFIX_MAX);
	for (i = 0; i < n; i++) {
		int c = (unsigned char)prefix[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return ct_error(CT_ERR_INVALID,
			    "prefix '%s' may hold only letters and digits", prefix);
	}
	return 0;
}

int
ct_session_name_check(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 2 || n > 64)
		return ct_error(CT_ERR_INVALID,
		    "session name '%s' is %zu characters; AWS allows 2 to 64", name, n);
	for (i = 0; i < n; i++) {
		int c = (unsigned char)name[i];

		if (!is_id_char(c) && strchr("+=,.@", c) == NULL)
			return ct_error(CT_ERR_INVALID,
			    "session name '%s' has an invalid character at position %zu "
			    "(AWS allows [A-Za-z0-9_+=,.@-])", name, i + 1);
	}
	return 0;
}

static int
random_hex(char *out, size_t nbytes)
{
	unsigned char b[32];

	if (nbytes > sizeof(b) || RAND_bytes(b, (int)nbytes) != 1)
		return ct_error(CT_ERR_CRYPTO, "cannot get random bytes");
	ct_hex_fmt(b, nbytes, out);
	return 0;
}

int
ct_task_id_generate(char out[CT_TASK_ID_MAX + 1])
{
	return random_hex(out, 8);
}

int
ct_principal_new(const char *prefix, const char *task, char out[CT_PRINCIPAL_MAX + 1])
{
	char nonce[CT_NONCE_LEN + 1];
	int r, n;

	if ((r = ct_prefix_check(prefix)) != 0 || (r = ct_task_id_check(task)) != 0 ||
	    (r = random_hex(nonce, CT_NONCE_LEN / 2)) != 0)
		return r;
	n = snprintf(out, CT_PRINCIPAL_MAX + 1, "%s-task-%s-%s", prefix, task, nonce);
	if (n < 0 || n > CT_PRINCIPAL_MAX)
		return ct_error(CT_ERR_INVALID,
		    "principal '%s-task-%s-%s' is longer than %d characters; use a shorter "
		    "prefix or task id", prefix, task, nonce, CT_PRINCIPAL_MAX);
	return ct_session_name_check(out);
}

int
ct_task_create(struct ct_store *st, const char *id, const char *class, struct ct_task *out)
{
	struct ct_stmt *s = NULL;
	int r, rc;

	memset(out, 0, sizeof(*out));
	if (id != NULL) {
		if ((r = ct_task_id_check(id)) != 0)
			return r;
		snprintf(out->id, sizeof(out->id), "%s", id);
	} else if ((r = ct_task_id_generate(out->id)) != 0) {
		return r;
	}
	if (class != NULL && (r = ct_task_class_check(class)) != 0)
		return r;
	if (class != NULL && (out->class = strdup(class)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	out->created_us = ct_now_us();
	if (ct_db_prepare(st,
	    "INSERT INTO tasks(id, class, created_us) VALUES (?, ?, ?)", &s) != 0) {
		r = ct_store_error(st, "creating task");
		goto out;
	}
	ct_stmt_bind_text(s, 1, out->id);
	if (class != NULL)
		ct_stmt_bind_text(s, 2, class);
	ct_stmt_bind_int64(s, 3, out->created_us);
	rc = ct_stmt_step(s);
	if (rc == CT_DB_UNIQUE)
		r = ct_error(CT_ERR_EXISTS, "task '%s' already exists", out->id);
	else if (rc != CT_DB_DONE)
		r = ct_store_error(st, "creating task");
	else
		r = 0;
 out:
	ct_stmt_finalize(s);
	if (r != 0)
		ct_task_release(out);
	return r;
}

static int
task_from_row(struct ct_stmt *s, struct ct_task *out)
{
	const char *cls = ct_stmt_col_text(s, 1);

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", ct_stmt_col_text(s, 0));
	out->created_us = ct_stmt_col_int64(s, 2);
	if (cls != NULL && (out->class = strdup((const char *)cls)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	return 0;
}

int
ct_task_get(struct ct_store *st, const char *id, struct ct_task *out)
{
	struct ct_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ct_task_id_check(id)) != 0)
		return r;
	if (ct_db_prepare(st,
	    "SELECT id, class, created_us FROM tasks WHERE id = ?", &s) != 0)
		return ct_store_error(st, "reading task");
	ct_stmt_bind_text(s, 1, id);
	switch (ct_stmt_step(s)) {
	case CT_DB_ROW:
		r = task_from_row(s, out);
		break;
	case CT_DB_DONE:
		r = ct_error(CT_ERR_NOTFOUND, "no task '%s' in the ledger", id);
		break;
	default:
		r = ct_store_error(st, "reading task");
	}
	ct_stmt_finalize(s);
	return r;
}

void
ct_task_release(struct ct_task *t)
{
	free(t->class);
	memset(t, 0, sizeof(*t));
}

int
ct_task_foreach(struct ct_store *st, int (*cb)(const struct ct_task *t, void *arg), void *arg)
{
	struct ct_stmt *s = NULL;
	struct ct_task t;
	int r = 0, rc;

	if (ct_db_prepare(st,
	    "SELECT id, class, created_us FROM tasks ORDER BY created_us, id", &s) != 0)
		return ct_store_error(st, "listing tasks");
	while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
		if ((r = task_from_row(s, &t)) != 0)
			break;
		r = cb(&t, arg);
		ct_task_release(&t);
		if (r != 0)
			break;
	}
	if (r == 0 && rc != CT_DB_DONE)
		r = ct_store_error(st, "listing tasks");
	ct_stmt_finalize(s);
	return r;
}

#define CRED_COLUMNS \
	"task_id, kind, principal, issued_us, expires_us, access_key_id, session_name, " \
	"source_identity, role_arn, assumed_role_arn, jti, subject, issuer, audience, serial, " \
	"key_id, ca_fingerprint, scope, scope_sha256, extra"

static void
bind_opt(struct ct_stmt *s, int i, const char *v)
{
	if (v != NULL)
		ct_stmt_bind_text(s, i, v);
	else
		ct_stmt_bind_null(s, i);
}

int
ct_cred_insert(struct ct_store *st, struct ct_cred *c)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	struct ct_stmt *s = NULL;
	int r = 0;

	if (c->task_id == NULL || c->kind == NULL || c->principal == NULL)
		return ct_error(CT_ERR_INTERNAL, "credential without task, kind or principal");
	c->scope_sha256[0] = '\0';
	if (c->scope != NULL) {
		if (EVP_Digest(c->scope, strlen(c->scope), md, &mdlen, EVP_sha256(), NULL) != 1)
			return ct_error(CT_ERR_CRYPTO, "hashing scope");
		ct_hex_fmt(md, 32, c->scope_sha256);
	}
	if (ct_db_prepare(st,
	    "INSERT INTO credentials(" CRED_COLUMNS ") VALUES "
	    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id", &s) != 0)
		return ct_store_error(st, "recording credential");
	bind_opt(s, 1, c->task_id);
	bind_opt(s, 2, c->kind);
	bind_opt(s, 3, c->principal);
	ct_stmt_bind_int64(s, 4, c->issued_us);
	ct_stmt_bind_int64(s, 5, c->expires_us);
	bind_opt(s, 6, c->access_key_id);
	bind_opt(s, 7, c->session_name);
	bind_opt(s, 8, c->source_identity);
	bind_opt(s, 9, c->role_arn);
	bind_opt(s, 10, c->assumed_role_arn);
	bind_opt(s, 11, c->jti);
	bind_opt(s, 12, c->subject);
	bind_opt(s, 13, c->issuer);
	bind_opt(s, 14, c->audience);
	bind_opt(s, 15, c->serial);
	bind_opt(s, 16, c->key_id);
	bind_opt(s, 17, c->ca_fingerprint);
	bind_opt(s, 18, c->scope);
	bind_opt(s, 19, c->scope != NULL ? c->scope_sha256 : NULL);
	bind_opt(s, 20, c->extra);
	switch (ct_stmt_step(s)) {
	case CT_DB_ROW:
		c->id = ct_stmt_col_int64(s, 0);
		break;
	case CT_DB_FOREIGN:
		r = ct_error(CT_ERR_NOTFOUND, "no task '%s' in the ledger", c->task_id);
		break;
	default:
		r = ct_store_error(st, "recording credential");
	}
	ct_stmt_finalize(s);
	return r;
}

int
ct_cred_record(struct ct_store *st, struct ct_cred *c, const char *outpath, const void *data,
    size_t len, unsigned int mode)
{
	struct ct_stmt *s = NULL;
	int r;

	/*
	 * The row is committed before the output is written, so that a crash (SIGKILL) between
	 * the two leaves a recorded credential that was never delivered - never a delivered
	 * credential the ledger does not know (t1200-kill).  A failed write takes the row out
	 * again; the write's error is the one reported.
	 */
	if ((r = ct_store_begin(st)) != 0)
		return r;
	if ((r = ct_cred_insert(st, c)) != 0 || (r = ct_store_commit(st)) != 0) {
		ct_store_rollback(st);
		return r;
	}
	if (outpath != NULL &&
	    (r = ct_write_file_atomic(outpath, data, len, (mode_t)mode)) != 0) {
		/* best effort, quietly: the write's error is the one to report */
		if (ct_db_prepare(st, "DELETE FROM credentials WHERE id = ?", &s) == 0) {
			ct_stmt_bind_int64(s, 1, c->id);
			ct_stmt_step(s);
			ct_stmt_finalize(s);
		}
		return r;
	}
	return 0;
}

static const char *
col(struct ct_stmt *s, int i)
{
	return ct_stmt_col_text(s, i);
}

int
ct_cred_foreach(struct ct_store *st, const char *task,
    int (*cb)(const struct ct_cred *c, void *arg), void *arg)
{
	struct ct_stmt *s = NULL;
	struct ct_cred c;
	int r = 0, rc;

	if (ct_db_prepare(st,
	    "SELECT id, " CRED_COLUMNS " FROM credentials "
	    "WHERE CAST(?1 AS TEXT) IS NULL OR task_id = ?1 ORDER BY issued_us, id", &s) != 0)
		return ct_store_error(st, "listing credentials");
	bind_opt(s, 1, task);
	while ((rc = ct_stmt_step(s)) == CT_DB_ROW) {
		memset(&c, 0, sizeof(c));
		c.id = ct_stmt_col_int64(s, 0);
		c.task_id = col(s, 1);
		c.kind = col(s, 2);
		c.principal = col(s, 3);
		c.issued_us = ct_stmt_col_int64(s, 4);
		c.expires_us = ct_stmt_col_int64(s, 5);
		c.access_key_id = col(s, 6);
		c.session_name = col(s, 7);
		c.source_identity = col(s, 8);
		c.role_arn = col(s, 9);
		c.assumed_role_arn = col(s, 10);
		c.jti = col(s, 11);
		c.subject = col(s, 12);
		c.issuer = col(s, 13);
		c.audience = col(s, 14);
		c.serial = col(s, 15);
		c.key_id = col(s, 16);
		c.ca_fingerprint = col(s, 17);
		c.scope = col(s, 18);
		if (col(s, 19) != NULL)
			snprintf(c.scope_sha256, sizeof(c.scope_sha256), "%s", col(s, 19));
		c.extra = col(s, 20);
		if ((r = cb(&c, arg)) != 0)
			break;
	}
	if (r == 0 && rc != CT_DB_ROW && rc != CT_DB_DONE)
		r = ct_store_error(st, "listing credentials");
	ct_stmt_finalize(s);
	return r;
}

/* ---- the task in a principal name ---- */

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_lower_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A prefix as ct_prefix_check() allows it: 1-16 letters and digits. */
static int
is_prefix(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > CT_PREFIX_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alnum((unsigned char)p[i]))
			return 0;
	return 1;
}

static int
task_out(const char *t, size_t n, char *task, size_t tasksz)
{
	char tmp[CT_TASK_ID_MAX + 1];
	int r;

	if (n == 0 || n > CT_TASK_ID_MAX)
		return ct_error(CT_ERR_INVALID, "task id in the principal is empty or longer "
		    "than %d characters", CT_TASK_ID_MAX);
	memcpy(tmp, t, n);
	tmp[n] = '\0';
	if ((r = ct_task_id_check(tmp)) != 0)
		return r;
	if (tasksz < n + 1)
		return ct_error(CT_ERR_LIMIT, "task id does not fit");
	memcpy(task, tmp, n + 1);
	return 0;
}

int
ct_task_from_principal(const char *s, size_t n, char *task, size_t tasksz)
{
	static const char spiffe[] = "spiffe://", mid[] = "-task-", tail[] = "/task/";
	const char *p, *at;
	size_t i;

	if (tasksz > 0)
		task[0] = '\0';
	if (memchr(s, '\0', n) != NULL)
		return ct_error(CT_ERR_NOTFOUND, "no task in principal");

	/* spiffe://<trust domain>/<path>/task/<task> */
	if (n > sizeof(spiffe) - 1 && strncasecmp(s, spiffe, sizeof(spiffe) - 1) == 0) {
		const char *td = s + sizeof(spiffe) - 1;
		const char *slash = memchr(td, '/', (size_t)(s + n - td));	/* end of td */

		for (i = n; i > 0 && s[i - 1] != '/'; i--)
			;
		if (slash != NULL && slash > td && i >= sizeof(tail) - 1 &&
		    s + i - (sizeof(tail) - 1) >= slash &&
		    memcmp(s + i - (sizeof(tail) - 1), tail, sizeof(tail) - 1) == 0)
			return task_out(s + i, n - i, task, tasksz);
		return ct_error(CT_ERR_NOTFOUND, "no task in principal");
	}

	/* task-<task>@<prefix> */
	if (n > 5 && memcmp(s, "task-", 5) == 0 && (at = memrchr(s, '@', n)) != NULL &&
	    is_prefix(at + 1, (size_t)(s + n - at - 1)))
		return task_out(s + 5, (size_t)(at - s - 5), task, tasksz);

	/* <prefix>-task-<task>-<nonce> */
	for (i = 0; i < n && is_alnum((unsigned char)s[i]); i++)
		;
	if (i == 0 || i > CT_PREFIX_MAX || n - i < sizeof(mid) - 1 ||
	    memcmp(s + i, mid, sizeof(mid) - 1) != 0)
		return ct_error(CT_ERR_NOTFOUND, "no task in principal");
	p = s + i + sizeof(mid) - 1;
	if ((size_t)(s + n - p) < CT_NONCE_LEN + 2 || s[n - CT_NONCE_LEN - 1] != '-')
		return ct_error(CT_ERR_NOTFOUND, "no task in principal");
	for (i = n - CT_NONCE_LEN; i < n; i++)
		if (!is_lower_hex((unsigned char)s[i]))
			return ct_error(CT_ERR_NOTFOUND, "no task in principal");
	return task_out(p, (size_t)(s + n - CT_NONCE_LEN - 1 - p), task, tasksz);
}
