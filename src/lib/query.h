/*
 * query.h - push the join-key filter down to where organisation logs live: the SQL that
 * selects, in ClickHouse, Athena or BigQuery, just the provider events that can carry the
 * join keys of some tasks' credentials (see `credtrail query`).
 *
 * The keys come from the ledger (ct_cred_foreach) exactly as correlate.c joins them: AWS
 * access key ids, session names, source identities and assumed-role ARNs; JWT jti and sub
 * (also as Vault's "jwt-<sub>" display name and the WIF ".../subject/<sub>" principal); the
 * GCP service account e-mail; SSH certificate key ids, serials and CA fingerprints; X.509
 * serials and SPIFFE ids; and the tasks themselves (`<prefix>-task-<task>-<nonce>` names and
 * `ironclaw:task-id` session tags).  Every query is a superset: what it returns still goes
 * through ingest's exact filter, and correlate joins the rest.
 *
 * Each dialect has its own literal quoting (ct_query_quote), and identifiers are refused
 * unless they are plain names, so no key can break out of its literal.
 */
#ifndef CT_QUERY_H
#define CT_QUERY_H

#include <stddef.h>
#include <stdint.h>

struct ct_store;
struct ct_buf;

enum ct_query_engine {
	CT_QE_CLICKHOUSE = 0,
	CT_QE_ATHENA,
	CT_QE_BIGQUERY,
	CT_QE_COUNT
};

/* "clickhouse" "athena" "bigquery"; CT_ERR_INVALID for another name. */
int ct_query_engine_parse(const char *name, enum ct_query_engine *out);
const char *ct_query_engine_name(enum ct_query_engine e);

/* The kinds of join key, each a sorted set of strings. */
enum ct_qkey {
	CT_QK_AKID = 0,		/* AWS access key ids (and keys issued along a role chain) */
	CT_QK_SESSION,		/* AWS role session names */
	CT_QK_SRCID,		/* AWS source identities */
	CT_QK_ARN,		/* assumed-role ARNs */
	CT_QK_JTI,		/* JWT ids */
	CT_QK_SUBJECT,		/* JWT sub (the WIF subject) */
	CT_QK_EMAIL,		/* GCP service account e-mails */
	CT_QK_PRINCIPAL,	/* other principal names: Vault "jwt-<sub>", X.509 principal */
	CT_QK_KEYID,		/* SSH certificate key ids */
	CT_QK_SSH_SERIAL,	/* "<serial> <CA fingerprint>" of SSH certificates */
	CT_QK_X509_SERIAL,	/* X.509 serials (hex) */
	CT_QK_SPIFFE,		/* SPIFFE ids */
	CT_QK_TASK,		/* task ids */
	CT_QK_COUNT
};

const char *ct_qkey_name(enum ct_qkey k);

struct ct_query_keys {
	char **v[CT_QK_COUNT];
	size_t n[CT_QK_COUNT];
	size_t ncreds;		/* credentials the keys came from */
};

void ct_query_keys_init(struct ct_query_keys *k);
void ct_query_keys_release(struct ct_query_keys *k);
/* Add a copy of s (NUL-terminated) to the set of kind `kind`: 1 added, 0 already there. */
int ct_query_keys_add(struct ct_query_keys *k, enum ct_qkey kind, const char *s);
/* Total number of keys. */
size_t ct_query_keys_count(const struct ct_query_keys *k);

/*
 * The keys of one task's credentials (`task`), or of every task of a class (`class`);
 * exactly one of them is given.  CT_ERR_NOTFOUND for an unknown task or a class with no
 * task.
 */
int ct_query_keys_load(struct ct_store *st, const char *task, const char *class,
    struct ct_query_keys *out);

struct ct_query_opts {
	enum ct_query_engine engine;
	/*
	 * ClickHouse: "DB.TABLE" (default credtrail.events); Athena: "TABLE" or "DB.TABLE"
	 * (default cloudtrail_logs); BigQuery: "PROJECT.DATASET" of the sink's tables (no
	 * default).  Names are letters, digits, '_' (and '-' in a BigQuery project).
	 */
	const char *table;
	int64_t since_us, until_us;	/* 0: unbounded */
	/*
	 * ClickHouse only: the records and the keys their calls issued (the next links of a
	 * role chain) as RowBinary, for ingest; not the printed query.
	 */
	int records;
	/* ClickHouse only: leave out the rows that can carry one of these keys (fetched before). */
	const struct ct_query_keys *exclude;
};

/*
 * The SQL text (malloc'd, NUL-terminated) selecting the events that can carry any key of
 * `k`.  CT_ERR_INVALID for a bad table name or no key at all.
 */
int ct_query_sql(const struct ct_query_keys *k, const struct ct_query_opts *o, char **out);

/* Append s[0..n) to b as a string literal of the dialect, quotes included. */
int ct_query_quote(struct ct_buf *b, enum ct_query_engine e, const char *s, size_t n);

/*
 * ClickHouse's table for raw provider records, as `credtrail clickhouse init` creates it:
 * the statements (each malloc'd, NUL-terminated; *n of them) for database DB and table T.
 */
int ct_query_clickhouse_ddl(const char *db, const char *table, char ***out, size_t *n);

/* Split "DB.TABLE" (either part checked as a plain name); out holds 2 malloc'd strings. */
int ct_query_split_table(const char *s, const char *defdb, char **db, char **table);

#endif
