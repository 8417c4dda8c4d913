/*
 * clickhouse.h - provider logs held in ClickHouse: the table credtrail documents
 * (ct_query_clickhouse_ddl) reached over ClickHouse's HTTP interface, and the push-down
 * ingest: only the records that can carry the selected tasks' join keys leave the server, and
 * they go through the ordinary ingest (ct_ingest_buffer), so parsing, the exact filter,
 * idempotency and the one-transaction rule are those of a file.
 */
#ifndef CT_CLICKHOUSE_H
#define CT_CLICKHOUSE_H

#include <stddef.h>
#include <stdint.h>

struct ct_ingest;
struct ct_ingest_stats;
struct ct_query_keys;

#define CT_CH_PORT_DEFAULT	8123
#define CT_CH_MAX_RESPONSE	(1024u * 1024 * 1024)	/* 1 GiB of matching records */
#define CT_CH_TIMEOUT_MS	(30L * 60 * 1000)
#define CT_CH_CHAIN_ROUNDS	8	/* role chain hops followed on the server */

struct ct_ch {
	char *base;		/* "http://HOST:PORT/" */
	char *db;
	char *table;
	char *url;		/* as given, for names and messages */
};

/*
 * "clickhouse://HOST[:PORT]/DB/TABLE" (HOST may be [IPv6]); PORT defaults to 8123.  With
 * `need_table` 0 the table part may be left out ("clickhouse://HOST:PORT/DB").
 */
int ct_ch_parse(const char *url, int need_table, struct ct_ch *out);
void ct_ch_release(struct ct_ch *ch);

/*
 * Run one statement.  The response body (malloc'd, NUL-terminated; *outlen bytes) is what
 * ClickHouse answered with status 200; any other status is CT_ERR_REMOTE with the first line
 * of ClickHouse's message.  out may be NULL for statements without a result.
 */
int ct_ch_exec(const struct ct_ch *ch, const char *sql, size_t max_response, char **out,
    size_t *outlen);

/* Create the database and the table (idempotent: IF NOT EXISTS). */
int ct_ch_init(const struct ct_ch *ch);

struct ct_ch_ingest_result {
	struct ct_ingest_stats *json;	/* JSON records (caller-provided) */
	struct ct_ingest_stats *lines;	/* text lines (sshd) */
	int rounds;			/* queries (one, and one per hop of a role chain) */
	size_t issued;			/* keys learnt along them */
	uint64_t fetched_bytes;
};

/*
 * Push-down ingest: fetch the records that can carry a key of `k`, with the keys their calls
 * issued; while those include new ones (a role chain), fetch the records of the new keys too
 * (up to CT_CH_CHAIN_ROUNDS queries in all).  Then ingest the JSON records and the text lines
 * as two buffers named "<name>#json" / "<name>#lines".  `k` grows by the keys learnt.
 * since_us/until_us (0: unbounded) bound event_time.
 */
int ct_ch_ingest(struct ct_ingest *in, const struct ct_ch *ch, struct ct_query_keys *k,
    int64_t since_us, int64_t until_us, const char *name, struct ct_ch_ingest_result *res);

#endif
