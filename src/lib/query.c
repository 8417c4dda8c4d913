/*
 * query.c - the join keys of some tasks' credentials as SQL for a log warehouse (query.h).
 *
 * ClickHouse holds raw provider records in a table credtrail creates (ct_query_clickhouse_ddl);
 * at insert time ClickHouse extracts from each record the values of the fields join keys live
 * in, so the query is a membership test on a few short strings per row, evaluated before the
 * raw records are read at all (PREWHERE).  Athena and BigQuery hold the providers' own
 * documented schemas, so their queries name the columns where CloudTrail and Cloud Audit Logs
 * put each key.
 *
 * The ClickHouse key arrays: the string values of every field a parser reads a key from
 * (accessKeyId, arn, principalId, sourceIdentity, principalEmail, principalSubject, username,
 * display_name, accessor, jti, ...; field names matched case-insensitively and also inside the
 * JSON strings of Athena and lookup-events exports), Kubernetes' "JTI=<jti>" credential ids,
 * and from sshd lines the user, certificate key id, serial and CA fingerprint; and `tails`,
 * each value's part after its last ':', '/' or '=' (a session name at the end of an ARN or a
 * principal id, a WIF subject at the end of ".../subject/<sub>").  A key with a byte JSON
 * escapes (a quote, a backslash, a control byte) cannot be compared with an extracted value;
 * it is looked for in the raw record instead (slower, still exact).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ledger.h"
#include "lib/query.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"

#define SQL_MAX		(64u * 1024 * 1024)

static const char *const engine_names[CT_QE_COUNT] = { "clickhouse", "athena", "bigquery" };

static const char *const qkey_names[CT_QK_COUNT] = {
	"access key id", "session name", "source identity", "assumed-role arn", "jti",
	"subject", "service account", "principal", "ssh key id", "ssh serial",
	"x509 serial", "spiffe id", "task",
};

int
ct_query_engine_parse(const char *name, enum ct_query_engine *out)
{
	int i;

	*out = CT_QE_CLICKHOUSE;
	for (i = 0; i < CT_QE_COUNT; i++) {
		if (strcmp(name, engine_names[i]) == 0) {
			*out = (enum ct_query_engine)i;
			return 0;
		}
	}
	return ct_error(CT_ERR_INVALID, "unknown engine '%s' (clickhouse, athena, bigquery)",
	    name);
}

const char *
ct_query_engine_name(enum ct_query_engine e)
{
	return (unsigned)e < CT_QE_COUNT ? engine_names[e] : NULL;
}

const char *
ct_qkey_name(enum ct_qkey k)
{
	return (unsigned)k < CT_QK_COUNT ? qkey_names[k] : NULL;
}

/* ---- key sets ---- */

void
ct_query_keys_init(struct ct_query_keys *k)
{
	memset(k, 0, sizeof(*k));
}

void
ct_query_keys_release(struct ct_query_keys *k)
{
	size_t i;
	int j;

	for (j = 0; j < CT_QK_COUNT; j++) {
		for (i = 0; i < k->n[j]; i++)
			free(k->v[j][i]);
		free(k->v[j]);
	}
	memset(k, 0, sizeof(*k));
}

size_t
ct_query_keys_count(const struct ct_query_keys *k)
{
	size_t n = 0;
	int j;

	for (j = 0; j < CT_QK_COUNT; j++)
		n += k->n[j];
	return n;
}

/* Sorted insert (the SQL text is then the same for the same keys, whatever their order). */
int
ct_query_keys_add(struct ct_query_keys *k, enum ct_qkey kind, const char *s)
{
	size_t lo = 0, hi, mid;
	char **nv, *dup;
	int c;

	if ((unsigned)kind >= CT_QK_COUNT)
		return ct_error(CT_ERR_INTERNAL, "no such key kind");
	if (s == NULL || *s == '\0')
		return 0;
	hi = k->n[kind];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(k->v[kind][mid], s)) == 0)
			return 0;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if ((dup = strdup(s)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if ((nv = realloc(k->v[kind], (k->n[kind] + 1) * sizeof(*nv))) == NULL) {
		free(dup);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	k->v[kind] = nv;
	memmove(nv + lo + 1, nv + lo, (k->n[kind] - lo) * sizeof(*nv));
	nv[lo] = dup;
	k->n[kind]++;
	return 1;
}

static int
add(struct ct_query_keys *k, enum ct_qkey kind, const char *s)
{
	int r = ct_query_keys_add(k, kind, s);

	return r < 0 ? r : 0;
}

static int
load_cred(const struct ct_cred *c, void *arg)
{
	struct ct_query_keys *k = arg;
	char *s = NULL;
	int r = 0;

	k->ncreds++;
	if ((r = add(k, CT_QK_TASK, c->task_id)) != 0)
		return r;
	if (strcmp(c->kind, "aws") == 0) {
		if ((r = add(k, CT_QK_AKID, c->access_key_id)) != 0 ||
		    (r = add(k, CT_QK_SESSION, c->session_name)) != 0 ||
		    (r = add(k, CT_QK_SRCID, c->source_identity)) != 0 ||
		    (r = add(k, CT_QK_ARN, c->assumed_role_arn)) != 0 ||
		    (r = add(k, CT_QK_PRINCIPAL, c->principal)) != 0)
			return r;
	} else if (strcmp(c->kind, "jwt") == 0) {
		if ((r = add(k, CT_QK_JTI, c->jti)) != 0 ||
		    (r = add(k, CT_QK_SUBJECT, c->subject)) != 0 ||
		    (r = add(k, CT_QK_PRINCIPAL, c->principal)) != 0)
			return r;
		/* Vault's display name for a JWT login */
		if (c->subject != NULL) {
			if (asprintf(&s, "jwt-%s", c->subject) < 0)
				return ct_error(CT_ERR_NOMEM, "out of memory");
			r = add(k, CT_QK_PRINCIPAL, s);
			free(s);
		}
	} else if (strcmp(c->kind, "gcp") == 0) {
		if ((r = add(k, CT_QK_JTI, c->jti)) != 0 ||
		    (r = add(k, CT_QK_EMAIL, c->subject)) != 0)
			return r;
	} else if (strcmp(c->kind, "ssh") == 0) {
		if ((r = add(k, CT_QK_KEYID, c->key_id)) != 0)
			return r;
		if (c->serial != NULL && c->ca_fingerprint != NULL) {
			if (asprintf(&s, "%s %s", c->serial, c->ca_fingerprint) < 0)
				return ct_error(CT_ERR_NOMEM, "out of memory");
			r = add(k, CT_QK_SSH_SERIAL, s);
			free(s);
		}
	} else if (strcmp(c->kind, "x509") == 0) {
		if ((r = add(k, CT_QK_X509_SERIAL, c->serial)) != 0 ||
		    (r = add(k, CT_QK_SPIFFE, c->subject)) != 0 ||
		    (r = add(k, CT_QK_PRINCIPAL, c->principal)) != 0)
			return r;
	} else {
		/* a kind this version does not know: its principal is all that is safe */
		r = add(k, CT_QK_PRINCIPAL, c->principal);
	}
	return r;
}

struct class_walk {
	struct ct_store *st;
	const char *class;
	struct ct_query_keys *k;
	size_t ntasks;
	char **ids;
};

static int
class_task(const struct ct_task *t, void *arg)
{
	struct class_walk *w = arg;
	char **nv;

	if (t->class == NULL || strcmp(t->class, w->class) != 0)
		return 0;
	if ((nv = realloc(w->ids, (w->ntasks + 1) * sizeof(*nv))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	w->ids = nv;
	if ((nv[w->ntasks] = strdup(t->id)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	w->ntasks++;
	return 0;
}

int
ct_query_keys_load(struct ct_store *st, const char *task, const char *class,
    struct ct_query_keys *out)
{
	struct class_walk w;
	struct ct_task t;
	size_t i;
	int r = CT_ERR_INTERNAL;

	ct_query_keys_init(out);
	memset(&w, 0, sizeof(w));
	if ((task == NULL) == (class == NULL))
		return ct_error(CT_ERR_INVALID, "give a task or a class");
	if (task != NULL) {
		if ((r = ct_task_get(st, task, &t)) != 0)
			return r;
		ct_task_release(&t);
		if ((r = ct_query_keys_add(out, CT_QK_TASK, task)) < 0 ||
		    (r = ct_cred_foreach(st, task, load_cred, out)) != 0)
			goto out;
		r = 0;
		goto out;
	}
	if ((r = ct_task_class_check(class)) != 0)
		return r;
	w.st = st;
	w.class = class;
	w.k = out;
	if ((r = ct_task_foreach(st, class_task, &w)) != 0)
		goto out;
	if (w.ntasks == 0) {
		r = ct_error(CT_ERR_NOTFOUND, "no task of class '%s'", class);
		goto out;
	}
	for (i = 0; i < w.ntasks; i++) {
		if ((r = ct_query_keys_add(out, CT_QK_TASK, w.ids[i])) < 0 ||
		    (r = ct_cred_foreach(st, w.ids[i], load_cred, out)) != 0)
			goto out;
	}
	r = 0;
 out:
	for (i = 0; i < w.ntasks; i++)
		free(w.ids[i]);
	free(w.ids);
	if (r != 0)
		ct_query_keys_release(out);
	return r;
}

/* ---- quoting ---- */

int
ct_query_quote(struct ct_buf *b, enum ct_query_engine e, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	unsigned char c;
	int r;

	if ((r = ct_buf_put_u8(b, '\'')) != 0)
		return r;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (e == CT_QE_ATHENA) {
			/* Presto/Trino: '' is the only escape; backslash is an ordinary byte */
			if (c == '\'')
				r = ct_buf_put(b, "''", 2);
			else if (c < 0x20 || c == 0x7f)
				/* a control byte would end up in the text verbatim: refuse it */
				return ct_error(CT_ERR_INVALID, "a key has a control character");
			else
				r = ct_buf_put_u8(b, c);
		} else if (c == '\\' || c == '\'') {
			char esc[2] = { '\\', (char)c };

			r = ct_buf_put(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			/* ClickHouse \xHH; BigQuery \xhh is an octet of the UTF-8 string */
			char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

			r = ct_buf_put(b, esc, 4);
		} else {
			r = ct_buf_put_u8(b, c);
		}
		if (r != 0)
			return r;
	}
	return ct_buf_put_u8(b, '\'');
}

static int
plain_name(const char *s, size_t n, int dash)
{
	size_t i;

	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    (c >= '0' && c <= '9') || (dash && c == '-')))
			return 0;
	}
	return 1;
}

int
ct_query_split_table(const char *s, const char *defdb, char **db, char **table)
{
	const char *dot = strchr(s, '.');

	*db = *table = NULL;
	if (dot == NULL) {
		if (defdb == NULL || !plain_name(s, strlen(s), 0))
			goto bad;
		*db = strdup(defdb);
		*table = strdup(s);
	} else {
		if (!plain_name(s, (size_t)(dot - s), 0) || !plain_name(dot + 1, strlen(dot + 1), 0))
			goto bad;
		*db = strndup(s, (size_t)(dot - s));
		*table = strdup(dot + 1);
	}
	if (*db == NULL || *table == NULL) {
		free(*db);
		free(*table);
		*db = *table = NULL;
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	return 0;
 bad:
	return ct_error(CT_ERR_INVALID, "table '%s' is not DB.TABLE of letters, digits and '_'", s);
}

/* ---- SQL building ---- */

struct sql {
	struct ct_buf b;
	enum ct_query_engine e;
	int r;
	int nterms;		/* terms of the current OR list */
	const char *indent;	/* before each term's line (NULL: one tab) */
};

static void __attribute__((format(printf, 2, 3)))
put(struct sql *q, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (q->r != 0)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		q->r = ct_error(CT_ERR_NOMEM, "out of memory");
		return;
	}
	q->r = ct_buf_put(&q->b, s, (size_t)n);
	free(s);
}

static void
lit(struct sql *q, const char *s)
{
	if (q->r == 0)
		q->r = ct_query_quote(&q->b, q->e, s, strlen(s));
}

/* Literal of pre + s + post. */
static void
lit3(struct sql *q, const char *pre, const char *s, const char *post)
{
	char *t = NULL;

	if (q->r != 0)
		return;
	if (asprintf(&t, "%s%s%s", pre, s, post) < 0) {
		q->r = ct_error(CT_ERR_NOMEM, "out of memory");
		return;
	}
	lit(q, t);
	free(t);
}

/* Start one alternative of the OR list: a newline and "OR" but for the first. */
static void
alt(struct sql *q)
{
	put(q, "\n%s%s", q->indent != NULL ? q->indent : "\t", q->nterms++ == 0 ? "   " : "OR ");
}

/* (a, b, c) of the keys in v; only those for which keep() is true (or all). */
static void
list(struct sql *q, char *const *v, size_t n, int (*keep)(const char *))
{
	size_t i;
	int first = 1;

	put(q, "(");
	for (i = 0; i < n; i++) {
		if (keep != NULL && !keep(v[i]))
			continue;
		if (!first)
			put(q, ", ");
		lit(q, v[i]);
		first = 0;
	}
	put(q, ")");
}

static size_t
count_keep(char *const *v, size_t n, int (*keep)(const char *))
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += keep == NULL || keep(v[i]);
	return c;
}

/* A key that reaches a JSON log unescaped, so an extracted value can equal it. */
static int
is_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* ---- ClickHouse ---- */

/* The kinds of key looked up among the extracted values (and their tails). */
static const enum ct_qkey ch_key_kinds[] = {
	CT_QK_AKID, CT_QK_SESSION, CT_QK_SRCID, CT_QK_ARN, CT_QK_JTI, CT_QK_SUBJECT,
	CT_QK_EMAIL, CT_QK_PRINCIPAL, CT_QK_KEYID, CT_QK_X509_SERIAL, CT_QK_SPIFFE,
};
#define NCH_KEY_KINDS (sizeof(ch_key_kinds) / sizeof(ch_key_kinds[0]))

/* " OR hasAny(COLUMN, ['v', ...])" over the values `keep` keeps (NULL: all of them). */
static void
ch_has_any(struct sql *q, const char *column, char *const *v, size_t n,
    int (*keep)(const char *))
{
	size_t i, j;

	alt(q);
	put(q, "hasAny(%s, [", column);
	for (i = 0, j = 0; i < n; i++) {
		if (keep != NULL && !keep(v[i]))
			continue;
		put(q, j++ == 0 ? "" : ", ");
		lit(q, v[i]);
	}
	put(q, "])");
}

/* "(key OR key ...)": the rows that can carry a key of k. */
static void
ch_keys_or(struct sql *q, const struct ct_query_keys *k)
{
	struct ct_query_keys all;
	size_t i, j, ntok;
	const char *sp;
	char *serial;
	int sub;

	ct_query_keys_init(&all);
	for (i = 0; i < NCH_KEY_KINDS && q->r == 0; i++)
		for (j = 0; j < k->n[ch_key_kinds[i]] && q->r == 0; j++)
			if ((q->r = ct_query_keys_add(&all, CT_QK_PRINCIPAL,
			    k->v[ch_key_kinds[i]][j])) > 0)
				q->r = 0;
	put(q, "(");
	sub = q->nterms;
	q->nterms = 0;
	ntok = count_keep(all.v[CT_QK_PRINCIPAL], all.n[CT_QK_PRINCIPAL], is_plain);
	if (ntok > 0) {
		ch_has_any(q, "keys", all.v[CT_QK_PRINCIPAL], all.n[CT_QK_PRINCIPAL], is_plain);
		ch_has_any(q, "tails", all.v[CT_QK_PRINCIPAL], all.n[CT_QK_PRINCIPAL], is_plain);
	}
	/* keys a JSON log escapes: the raw record itself */
	for (i = 0; i < all.n[CT_QK_PRINCIPAL]; i++) {
		if (is_plain(all.v[CT_QK_PRINCIPAL][i]))
			continue;
		alt(q);
		put(q, "position(raw, ");
		lit(q, all.v[CT_QK_PRINCIPAL][i]);
		put(q, ") > 0");
	}
	/* an SSH certificate: its serial and its CA's fingerprint in the same record */
	for (i = 0; i < k->n[CT_QK_SSH_SERIAL] && q->r == 0; i++) {
		if ((sp = strchr(k->v[CT_QK_SSH_SERIAL][i], ' ')) == NULL)
			continue;
		if ((serial = strndup(k->v[CT_QK_SSH_SERIAL][i],
		    (size_t)(sp - k->v[CT_QK_SSH_SERIAL][i]))) == NULL) {
			q->r = ct_error(CT_ERR_NOMEM, "out of memory");
			break;
		}
		alt(q);
		put(q, "(has(keys, ");
		lit(q, serial);
		put(q, ") AND has(keys, ");
		lit(q, sp + 1);
		put(q, "))");
		free(serial);
	}
	if (k->n[CT_QK_TASK] > 0)
		ch_has_any(q, "tasks", k->v[CT_QK_TASK], k->n[CT_QK_TASK], NULL);
	put(q, ")");
	q->nterms = sub;
	ct_query_keys_release(&all);
}

static void
ch_sql(struct sql *q, const struct ct_query_keys *k, const struct ct_query_opts *o)
{
	char *db = NULL, *tb = NULL;

	if ((q->r = ct_query_split_table(o->table != NULL ? o->table : "credtrail.events",
	    "credtrail", &db, &tb)) != 0)
		return;
	put(q, "SELECT raw%s\nFROM %s.%s\nPREWHERE ", o->records ? ", issued" : "", db, tb);
	ch_keys_or(q, k);
	if (o->exclude != NULL && ct_query_keys_count(o->exclude) > 0) {
		put(q, "\n  AND NOT ");
		ch_keys_or(q, o->exclude);
	}
	if (o->since_us > 0)
		put(q, "\n  AND event_time >= toDateTime(%lld)", (long long)(o->since_us / 1000000));
	if (o->until_us > 0)
		put(q, "\n  AND event_time < toDateTime(%lld)",
		    (long long)((o->until_us + 999999) / 1000000));
	put(q, "\nORDER BY source, event_time, raw");
	if (o->records)
		put(q, "\nFORMAT RowBinary");
	put(q, "\n");
	free(db);
	free(tb);
}

/* ---- Athena (AWS's documented CloudTrail table, with sessioncontext.sourceidentity) ---- */

static void
in_list(struct sql *q, const char *expr, char *const *v, size_t n)
{
	if (n == 0)
		return;
	alt(q);
	put(q, "%s IN ", expr);
	list(q, v, n, NULL);
}

static void
athena_base(struct sql *q, const struct ct_query_keys *k)
{
	size_t i;

	in_list(q, "useridentity.accesskeyid", k->v[CT_QK_AKID], k->n[CT_QK_AKID]);
	in_list(q, "json_extract_scalar(responseelements, '$.credentials.accessKeyId')",
	    k->v[CT_QK_AKID], k->n[CT_QK_AKID]);
	in_list(q, "element_at(split(useridentity.arn, '/'), -1)", k->v[CT_QK_SESSION],
	    k->n[CT_QK_SESSION]);
	in_list(q, "json_extract_scalar(requestparameters, '$.roleSessionName')",
	    k->v[CT_QK_SESSION], k->n[CT_QK_SESSION]);
	in_list(q, "useridentity.sessioncontext.sourceidentity", k->v[CT_QK_SRCID],
	    k->n[CT_QK_SRCID]);
	in_list(q, "json_extract_scalar(requestparameters, '$.sourceIdentity')",
	    k->v[CT_QK_SRCID], k->n[CT_QK_SRCID]);
	in_list(q, "useridentity.arn", k->v[CT_QK_ARN], k->n[CT_QK_ARN]);
	in_list(q, "json_extract_scalar(responseelements, '$.assumedRoleUser.arn')",
	    k->v[CT_QK_ARN], k->n[CT_QK_ARN]);
	/* AssumeRoleWithWebIdentity with one of the tasks' tokens */
	in_list(q, "json_extract_scalar(responseelements, '$.subjectFromWebIdentityToken')",
	    k->v[CT_QK_SUBJECT], k->n[CT_QK_SUBJECT]);
	for (i = 0; i < k->n[CT_QK_TASK]; i++) {
		alt(q);
		put(q, "strpos(useridentity.arn, ");
		lit3(q, "-task-", k->v[CT_QK_TASK][i], "-");
		put(q, ") > 0");
		alt(q);
		put(q, "strpos(useridentity.sessioncontext.sourceidentity, ");
		lit3(q, "-task-", k->v[CT_QK_TASK][i], "-");
		put(q, ") > 0");
		alt(q);
		put(q, "strpos(requestparameters, ");
		lit3(q, "-task-", k->v[CT_QK_TASK][i], "-");
		put(q, ") > 0");
		alt(q);
		put(q, "(strpos(requestparameters, 'ironclaw:task-id') > 0 AND"
		    " strpos(requestparameters, ");
		lit3(q, "\"", k->v[CT_QK_TASK][i], "\"");
		put(q, ") > 0)");
	}
}

static int
plain_table_path(const char *s, int dash)
{
	const char *dot = strchr(s, '.');

	if (dot == NULL)
		return plain_name(s, strlen(s), dash);
	return plain_name(s, (size_t)(dot - s), dash) && plain_name(dot + 1, strlen(dot + 1), 0);
}

static void
time_where(struct sql *q, const struct ct_query_opts *o, const char *col, int bigquery)
{
	char t[40];

	if (o->since_us > 0) {
		if (bigquery) {
			put(q, "\n  AND %s >= TIMESTAMP_MICROS(%lld)", col, (long long)o->since_us);
		} else {
			ct_time_fmt(o->since_us, 0, t, sizeof(t));
			put(q, "\n  AND %s >= '%s'", col, t);
		}
	}
	if (o->until_us > 0) {
		if (bigquery) {
			put(q, "\n  AND %s < TIMESTAMP_MICROS(%lld)", col, (long long)o->until_us);
		} else {
			ct_time_fmt(o->until_us + 999999, 0, t, sizeof(t));
			put(q, "\n  AND %s < '%s'", col, t);
		}
	}
}

static void
athena_sql(struct sql *q, const struct ct_query_keys *k, const struct ct_query_opts *o)
{
	const char *t = o->table != NULL ? o->table : "cloudtrail_logs";
	struct sql sub, sub2;

	if (!plain_table_path(t, 0)) {
		q->r = ct_error(CT_ERR_INVALID, "table '%s' is not [DB.]TABLE of letters, digits"
		    " and '_'", t);
		return;
	}
	if (k->n[CT_QK_AKID] + k->n[CT_QK_SESSION] + k->n[CT_QK_SRCID] + k->n[CT_QK_ARN] +
	    k->n[CT_QK_SUBJECT] + k->n[CT_QK_TASK] == 0) {
		q->r = ct_error(CT_ERR_NOTFOUND, "no key of these credentials reaches CloudTrail");
		return;
	}
	/* the base condition once, for the events and for the keys they issued */
	memset(&sub, 0, sizeof(sub));
	memset(&sub2, 0, sizeof(sub2));
	ct_buf_init(&sub.b, SQL_MAX);
	ct_buf_init(&sub2.b, SQL_MAX);
	sub.e = sub2.e = q->e;
	sub2.indent = "\t\t\t";
	athena_base(&sub, k);
	athena_base(&sub2, k);
	if ((q->r = sub.r) == 0 && (q->r = sub2.r) == 0 && (q->r = ct_buf_nul(&sub.b)) == 0 &&
	    (q->r = ct_buf_nul(&sub2.b)) == 0) {
		put(q, "-- CloudTrail events that can carry the join keys of %zu credential(s);\n"
		    "-- one hop of a role chain is followed by the subquery (run `credtrail query`\n"
		    "-- again after ingesting to follow more).\n", k->ncreds);
		put(q, "SELECT *\nFROM %s\nWHERE (%s", t, (const char *)sub.b.data);
		q->nterms = 1;
		alt(q);
		put(q, "useridentity.accesskeyid IN (\n\t\tSELECT json_extract_scalar("
		    "responseelements, '$.credentials.accessKeyId')\n\t\tFROM %s\n\t\tWHERE (%s)",
		    t, (const char *)sub2.b.data);
		put(q, "))");
		time_where(q, o, "eventtime", 0);
		put(q, "\nORDER BY eventtime, eventid;\n");
	}
	ct_buf_release(&sub.b);
	ct_buf_release(&sub2.b);
}

/* ---- BigQuery (Cloud Audit Logs routed to a dataset by a log sink) ---- */

static void
bigquery_sql(struct sql *q, const struct ct_query_keys *k, const struct ct_query_opts *o)
{
	const char *ai = "protopayload_auditlog.authenticationInfo";
	size_t i;

	if (o->table == NULL) {
		q->r = ct_error(CT_ERR_INVALID, "BigQuery needs --table PROJECT.DATASET");
		return;
	}
	if (strchr(o->table, '.') == NULL || !plain_table_path(o->table, 1)) {
		q->r = ct_error(CT_ERR_INVALID, "table '%s' is not PROJECT.DATASET of letters,"
		    " digits, '_' and '-'", o->table);
		return;
	}
	if (k->n[CT_QK_EMAIL] + k->n[CT_QK_SUBJECT] + k->n[CT_QK_TASK] == 0) {
		q->r = ct_error(CT_ERR_NOTFOUND, "no key of these credentials reaches Cloud Audit"
		    " Logs");
		return;
	}
	put(q, "-- Cloud Audit Logs entries (every cloudaudit_googleapis_com_* table of the sink's\n"
	    "-- dataset: activity, data_access, system_event, policy) that can carry the join\n"
	    "-- keys of %zu credential(s).\n", k->ncreds);
	put(q, "SELECT *\nFROM `%s.cloudaudit_googleapis_com_*`\nWHERE (", o->table);
	q->nterms = 0;
	in_list(q, "protopayload_auditlog.authenticationInfo.principalEmail", k->v[CT_QK_EMAIL],
	    k->n[CT_QK_EMAIL]);
	for (i = 0; i < k->n[CT_QK_SUBJECT]; i++) {
		alt(q);
		put(q, "ENDS_WITH(%s.principalSubject, ", ai);
		lit3(q, "/subject/", k->v[CT_QK_SUBJECT][i], "");
		put(q, ")");
		alt(q);
		put(q, "EXISTS (SELECT 1 FROM UNNEST(%s.serviceAccountDelegationInfo) AS d\n"
		    "\t\tWHERE ENDS_WITH(d.principalSubject, ", ai);
		lit3(q, "/subject/", k->v[CT_QK_SUBJECT][i], "");
		put(q, "))");
	}
	for (i = 0; i < k->n[CT_QK_EMAIL]; i++) {
		alt(q);
		put(q, "EXISTS (SELECT 1 FROM UNNEST(%s.serviceAccountDelegationInfo) AS d\n"
		    "\t\tWHERE d.firstPartyPrincipal.principalEmail = ", ai);
		lit(q, k->v[CT_QK_EMAIL][i]);
		put(q, ")");
	}
	for (i = 0; i < k->n[CT_QK_TASK]; i++) {
		alt(q);
		put(q, "STRPOS(%s.principalSubject, ", ai);
		lit3(q, "-task-", k->v[CT_QK_TASK][i], "-");
		put(q, ") > 0");
		alt(q);
		put(q, "STRPOS(%s.principalEmail, ", ai);
		lit3(q, "-task-", k->v[CT_QK_TASK][i], "-");
		put(q, ") > 0");
	}
	put(q, ")");
	time_where(q, o, "timestamp", 1);
	put(q, "\nORDER BY timestamp, insertId;\n");
}

int
ct_query_sql(const struct ct_query_keys *k, const struct ct_query_opts *o, char **out)
{
	struct sql q;

	*out = NULL;
	if (ct_query_keys_count(k) == 0)
		return ct_error(CT_ERR_INVALID, "no join key to look for");
	memset(&q, 0, sizeof(q));
	ct_buf_init(&q.b, SQL_MAX);
	q.e = o->engine;
	switch (o->engine) {
	case CT_QE_CLICKHOUSE:
		ch_sql(&q, k, o);
		break;
	case CT_QE_ATHENA:
		athena_sql(&q, k, o);
		break;
	case CT_QE_BIGQUERY:
		bigquery_sql(&q, k, o);
		break;
	default:
		q.r = ct_error(CT_ERR_INVALID, "no such engine");
		break;
	}
	if (q.r == 0)
		q.r = ct_buf_nul(&q.b);
	if (q.r != 0) {
		ct_buf_release(&q.b);
		return q.r;
	}
	*out = (char *)q.b.data;	/* the buffer's storage is ours now */
	return 0;
}

/* ---- the ClickHouse table ---- */

/* Regular expressions (RE2) of the materialized columns, as regex text. */
#define Q_	"\\\\?\""	/* a quote, JSON-escaped or not (a record inside a JSON string) */
#define RE_FIELDS	"(?i)" Q_ "(?:accesskeyid|arn|principalid|sourceidentity|rolesessionname|" \
			"username|invokedby|subjectfromwebidentitytoken|principalemail|" \
			"principalsubject|serviceaccountkeyname|uid|display_name|entity_id|" \
			"accessor|client_token_accessor|lease_id|sub|jti|name)" Q_ "\\s*:\\s*" Q_ \
			"([^\"\\\\]+)"
#define RE_JTI		"JTI=([^\"\\\\,\\]\\s]+)"
#define RE_SSH_USER	"(?:Accepted|Failed|Invalid user|invalid user) [a-z-]*(?: for)?" \
			"(?: invalid user)? ([^ ]+) from "
#define RE_SSH_KEYID	" ID (.+?) \\(serial [0-9]+\\)"
#define RE_SSH_SERIAL	"\\(serial ([0-9]+)\\)"
#define RE_SSH_CA	"\\) CA [A-Z0-9-]+ (SHA256:[A-Za-z0-9+/=]+)"
#define RE_TAIL		"[:/=]([^:/=]+)$"
#define RE_TASK_NAME	"-task-([A-Za-z0-9_-]+?)-[0-9a-f]{8}(?:[^0-9a-f]|$)"
#define RE_TASK_TAG	"ironclaw:task-id" Q_ "\\s*[,:]\\s*(?:" Q_ "[Vv]alue" Q_ "\\s*:\\s*)?" Q_ \
			"([A-Za-z0-9_-]+)"
#define RE_ISSUED	Q_ "(?:credentials|auth)" Q_ "\\s*:\\s*\\{[^{}]*?" Q_ \
			"(?:accessKeyId|accessor)" Q_ "\\s*:\\s*" Q_ "([^\"\\\\]+)"
#define RE_TIME		"([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?" \
			"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)"

/* The string value of field `name` (any case, any spacing, JSON-escaped or not). */
static void
field_value(struct sql *q, const char *name)
{
	char *re = NULL;

	if (asprintf(&re, "(?i)" Q_ "%s" Q_ "\\s*:\\s*" Q_ "([^\"\\\\]+)", name) < 0) {
		q->r = ct_error(CT_ERR_NOMEM, "out of memory");
		return;
	}
	put(q, "extract(raw, ");
	lit(q, re);
	put(q, ")");
	free(re);
}

static void
time_field(struct sql *q, const char *name)
{
	put(q, "\n\t\t");
	field_value(q, name);
	put(q, " != '', ");
	field_value(q, name);
	put(q, ",");
}

int
ct_query_clickhouse_ddl(const char *db, const char *table, char ***out, size_t *n)
{
	struct sql q;
	char **v = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	*n = 0;
	if (!plain_name(db, strlen(db), 0) || !plain_name(table, strlen(table), 0))
		return ct_error(CT_ERR_INVALID, "'%s.%s' is not DB.TABLE of letters, digits and"
		    " '_'", db, table);
	if ((v = calloc(2, sizeof(*v))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (asprintf(&v[0], "CREATE DATABASE IF NOT EXISTS %s", db) < 0) {
		v[0] = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(&q, 0, sizeof(q));
	ct_buf_init(&q.b, SQL_MAX);
	q.e = CT_QE_CLICKHOUSE;
	put(&q, "CREATE TABLE IF NOT EXISTS %s.%s (\n", db, table);
	put(&q, "\tsource String,\n\traw String,\n");
	/* journalctl's microseconds, else the first of the usual time fields, else any time */
	put(&q, "\tevent_time DateTime DEFAULT if(");
	field_value(&q, "__REALTIME_TIMESTAMP");
	put(&q, " != '',\n\t\ttoDateTime(intDiv(toUInt64OrZero(");
	field_value(&q, "__REALTIME_TIMESTAMP");
	put(&q, "), 1000000)),\n\t\tparseDateTimeBestEffortOrZero(multiIf(");
	time_field(&q, "eventTime");
	time_field(&q, "@timestamp");
	time_field(&q, "timestamp");
	time_field(&q, "stageTimestamp");
	time_field(&q, "time");
	put(&q, "\n\t\textract(raw, ");
	lit(&q, RE_TIME);
	put(&q, ")");
	put(&q, "))),\n\tkeys Array(String) MATERIALIZED arrayDistinct(arrayConcat(\n\t\textractAll(raw, ");
	lit(&q, RE_FIELDS);
	put(&q, "),\n\t\textractAll(raw, ");
	lit(&q, RE_JTI);
	put(&q, "),\n\t\tif(source = 'sshd', arrayConcat(extractAll(raw, ");
	lit(&q, RE_SSH_USER);
	put(&q, "),\n\t\t    extractAll(raw, ");
	lit(&q, RE_SSH_KEYID);
	put(&q, "), extractAll(raw, ");
	lit(&q, RE_SSH_SERIAL);
	put(&q, "),\n\t\t    extractAll(raw, ");
	lit(&q, RE_SSH_CA);
	put(&q, ")), emptyArrayString()))),\n\ttails Array(String) MATERIALIZED arrayFilter(x -> x != '',"
	    " arrayMap(x -> extract(x, ");
	lit(&q, RE_TAIL);
	put(&q, "), keys)),\n\ttasks Array(String) MATERIALIZED arrayConcat(extractAll(raw, ");
	lit(&q, RE_TASK_NAME);
	put(&q, "),\n\t\textractAll(raw, ");
	lit(&q, RE_TASK_TAG);
	put(&q, ")),\n\tissued Array(String) MATERIALIZED extractAll(raw, ");
	lit(&q, RE_ISSUED);
	put(&q, ")\n) ENGINE = MergeTree()\nPARTITION BY toYYYYMM(event_time)\n"
	    "ORDER BY (source, event_time)");
	if (q.r == 0)
		q.r = ct_buf_nul(&q.b);
	if ((r = q.r) != 0) {
		ct_buf_release(&q.b);
		goto out;
	}
	v[1] = (char *)q.b.data;
	*out = v;
	*n = 2;
	v = NULL;
	r = 0;
 out:
	if (v != NULL) {
		free(v[0]);
		free(v[1]);
		free(v);
	}
	return r;
}
