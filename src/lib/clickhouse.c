/*
 * clickhouse.c - ClickHouse's HTTP interface and the push-down ingest (clickhouse.h).
 *
 * Cost: the server scans the small key arrays of the table (PREWHERE: the raw records only of
 * the rows that match), and only matching rows cross the wire.  One query fetches the
 * records of every key with the keys their calls issued; only when those include new ones
 * (a role chain) does another query fetch the records of the new keys, leaving out the rows
 * it has, so a task without a chain costs one scan.  Rows come as RowBinary (a length before
 * each record, so a record may hold any byte) and are split into the JSON records and the
 * text lines (sshd) the ingest reads as two buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clickhouse.h"
#include "lib/http.h"
#include "lib/ingest.h"
#include "lib/query.h"
#include "util/buf.h"
#include "util/err.h"

void
ct_ch_release(struct ct_ch *ch)
{
	free(ch->base);
	free(ch->db);
	free(ch->table);
	free(ch->url);
	memset(ch, 0, sizeof(*ch));
}

static int
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

int
ct_ch_parse(const char *url, int need_table, struct ct_ch *out)
{
	static const char scheme[] = "clickhouse://";
	const char *p, *host, *hend, *path, *slash;
	char *end;
	unsigned long port = CT_CH_PORT_DEFAULT;
	size_t hn;
	int r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return ct_error(CT_ERR_INVALID, "'%s' is not a clickhouse://HOST:PORT/DB/TABLE URL",
		    url);
	host = url + sizeof(scheme) - 1;
	if ((path = strchr(host, '/')) == NULL)
		path = host + strlen(host);
	if (memchr(host, '@', (size_t)(path - host)) != NULL)
		return ct_error(CT_ERR_UNSUPPORTED, "'%s': user names in the URL are not supported",
		    url);
	if (*host == '[') {
		if ((hend = memchr(host, ']', (size_t)(path - host))) == NULL)
			goto bad;
		p = hend + 1;
		hend++;
	} else {
		for (p = host; p < path && *p != ':'; p++)
			;
		hend = p;
	}
	hn = (size_t)(hend - host);
	if (hn == 0)
		goto bad;
	for (p = host; p < hend; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == ':' ||
		    *p == '[' || *p == ']'))
			goto bad;
	if (*hend == ':') {
		port = strtoul(hend + 1, &end, 10);
		if (end != path || end == hend + 1 || port == 0 || port > 65535)
			goto bad;
	} else if (hend != path) {
		goto bad;
	}
	if (*path != '/')
		goto bad;
	path++;
	slash = strchr(path, '/');
	if (slash == NULL) {
		if (need_table || !name_ok(path, strlen(path)))
			goto bad;
	} else if (!name_ok(path, (size_t)(slash - path)) ||
	    !name_ok(slash + 1, strlen(slash + 1))) {
		goto bad;
	}
	if (asprintf(&out->base, "http://%.*s:%lu/", (int)hn, host, port) < 0) {
		out->base = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	out->db = slash == NULL ? strdup(path) : strndup(path, (size_t)(slash - path));
	out->table = strdup(slash == NULL ? "events" : slash + 1);
	out->url = strdup(url);
	if (out->db == NULL || out->table == NULL || out->url == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	return 0;
 bad:
	r = ct_error(CT_ERR_INVALID, "'%s' is not a clickhouse://HOST:PORT/DB/TABLE URL", url);
 out:
	ct_ch_release(out);
	return r;
}

int
ct_ch_exec(const struct ct_ch *ch, const char *sql, size_t max_response, char **out,
    size_t *outlen)
{
	static const char *const headers[] = { "Content-Type: text/plain; charset=utf-8", NULL };
	struct ct_http_request req;
	struct ct_http_response resp;
	size_t n;
	int r;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "POST";
	req.url = ch->base;
	req.headers = headers;
	req.body = sql;
	req.body_len = strlen(sql);
	req.timeout_ms = CT_CH_TIMEOUT_MS;
	req.max_response = max_response != 0 ? max_response : CT_CH_MAX_RESPONSE;
	if ((r = ct_http_request(&req, &resp)) != 0)
		return r;
	if (resp.status != 200) {
		for (n = 0; n < resp.body_len && n < 300 && resp.body[n] != '\n'; n++)
			;
		r = ct_error(CT_ERR_REMOTE, "ClickHouse at '%s' answered %ld: %.*s", ch->base,
		    resp.status, (int)n, resp.body);
		ct_http_response_release(&resp);
		return r;
	}
	if (out != NULL) {
		/* hand the body over instead of copying it: it may be large */
		*out = resp.body;
		if (outlen != NULL)
			*outlen = resp.body_len;
		resp.body = NULL;
		resp.body_len = 0;
	}
	ct_http_response_release(&resp);
	return 0;
}

int
ct_ch_init(const struct ct_ch *ch)
{
	char **ddl = NULL;
	size_t n = 0, i;
	int r;

	if ((r = ct_query_clickhouse_ddl(ch->db, ch->table, &ddl, &n)) != 0)
		return r;
	for (i = 0; i < n && r == 0; i++)
		r = ct_ch_exec(ch, ddl[i], 0, NULL, NULL);
	for (i = 0; i < n; i++)
		free(ddl[i]);
	free(ddl);
	return r;
}

static int
table_opts(const struct ct_ch *ch, struct ct_query_opts *o, char **table)
{
	memset(o, 0, sizeof(*o));
	o->engine = CT_QE_CLICKHOUSE;
	if (asprintf(table, "%s.%s", ch->db, ch->table) < 0) {
		*table = NULL;
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	o->table = *table;
	return 0;
}

/* LEB128 length of a RowBinary String; 0 and *n, or CT_ERR_FORMAT. */
static int
varint(const uint8_t *p, size_t avail, size_t *used, uint64_t *n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < avail && i < 10; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0) {
			*used = i + 1;
			*n = v;
			return 0;
		}
	}
	return ct_error(CT_ERR_FORMAT, "ClickHouse sent a truncated row");
}

/* One String of RowBinary at *off: *p and *n, the offset moved past it. */
static int
rb_string(const uint8_t *buf, size_t len, size_t *off, const uint8_t **p, size_t *n)
{
	size_t used = 0;
	uint64_t v = 0;
	int r;

	if ((r = varint(buf + *off, len - *off, &used, &v)) != 0)
		return r;
	*off += used;
	if (v > len - *off)
		return ct_error(CT_ERR_FORMAT, "ClickHouse sent a truncated row");
	*p = buf + *off;
	*n = (size_t)v;
	*off += (size_t)v;
	return 0;
}

/*
 * Split RowBinary rows (raw String, issued Array(String)) into JSON records and text lines
 * (sshd), each set newline-separated (a text row is cut at its first newline: no log line has
 * one); every issued key not in `known` goes into `next`.
 */
static int
split_rows(const uint8_t *buf, size_t len, struct ct_buf *json, struct ct_buf *lines,
    const struct ct_query_keys *known, struct ct_query_keys *next)
{
	size_t off = 0, n = 0, kn = 0, used = 0, i, lo, hi, mid;
	uint64_t count = 0, c;
	const uint8_t *row = NULL, *kp = NULL;
	char *key;
	int r, cmp, found;

	while (off < len) {
		if ((r = rb_string(buf, len, &off, &row, &n)) != 0)
			return r;
		for (i = 0; i < n && (row[i] == ' ' || row[i] == '\t' || row[i] == '\r' ||
		    row[i] == '\n'); i++)
			;
		if (i < n && (row[i] == '{' || row[i] == '[')) {
			if ((r = ct_buf_put(json, row, n)) != 0 ||
			    (r = ct_buf_put_u8(json, '\n')) != 0)
				return r;
		} else {
			const uint8_t *nl = memchr(row, '\n', n);

			if ((r = ct_buf_put(lines, row, nl != NULL ? (size_t)(nl - row) : n)) != 0 ||
			    (r = ct_buf_put_u8(lines, '\n')) != 0)
				return r;
		}
		if ((r = varint(buf + off, len - off, &used, &count)) != 0)
			return r;
		off += used;
		for (c = 0; c < count; c++) {
			if ((r = rb_string(buf, len, &off, &kp, &kn)) != 0)
				return r;
			if (kn == 0 || memchr(kp, '\0', kn) != NULL)
				continue;
			if ((key = strndup((const char *)kp, kn)) == NULL)
				return ct_error(CT_ERR_NOMEM, "out of memory");
			/* known already? (the access key ids are sorted) */
			found = 0;
			lo = 0;
			hi = known->n[CT_QK_AKID];
			while (lo < hi && !found) {
				mid = lo + (hi - lo) / 2;
				if ((cmp = strcmp(known->v[CT_QK_AKID][mid], key)) == 0)
					found = 1;
				else if (cmp < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			r = found ? 0 : ct_query_keys_add(next, CT_QK_AKID, key);
			free(key);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Move the access key ids of `from` into `to`. */
static int
merge_akids(struct ct_query_keys *to, const struct ct_query_keys *from)
{
	size_t i;
	int r;

	for (i = 0; i < from->n[CT_QK_AKID]; i++)
		if ((r = ct_query_keys_add(to, CT_QK_AKID, from->v[CT_QK_AKID][i])) < 0)
			return r;
	return 0;
}

static int
ingest_set(struct ct_ingest *in, const char *name, const char *suffix, const struct ct_buf *b,
    struct ct_ingest_stats *stats)
{
	char *bname = NULL;
	int r;

	if (asprintf(&bname, "%s#%s", name, suffix) < 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	r = ct_ingest_buffer(in, bname, b->data, b->len, stats);
	free(bname);
	return r;
}

int
ct_ch_ingest(struct ct_ingest *in, const struct ct_ch *ch, struct ct_query_keys *k,
    int64_t since_us, int64_t until_us, const char *name, struct ct_ch_ingest_result *res)
{
	struct ct_query_opts o;
	struct ct_query_keys cur, next;
	struct ct_buf json, lines;
	char *table = NULL, *sql = NULL, *body = NULL;
	size_t len = 0;
	int r, first = 1;

	res->rounds = 0;
	res->issued = 0;
	res->fetched_bytes = 0;
	ct_query_keys_init(&cur);
	ct_query_keys_init(&next);
	ct_buf_init(&json, CT_CH_MAX_RESPONSE + 1);
	ct_buf_init(&lines, CT_CH_MAX_RESPONSE + 1);
	if ((r = table_opts(ch, &o, &table)) != 0)
		goto out;
	o.since_us = since_us;
	o.until_us = until_us;
	o.records = 1;
	/*
	 * Round 1 fetches the records of every key; each later round those of the keys the
	 * previous round's records issued, leaving out the rows fetched already.
	 */
	for (;;) {
		o.exclude = first ? NULL : k;
		if ((r = ct_query_sql(first ? k : &cur, &o, &sql)) != 0 ||
		    (r = ct_ch_exec(ch, sql, 0, &body, &len)) != 0)
			goto out;
		free(sql);
		sql = NULL;
		res->rounds++;
		res->fetched_bytes += len;
		if (!first && (r = merge_akids(k, &cur)) != 0)
			goto out;
		if ((r = split_rows((const uint8_t *)body, len, &json, &lines, k, &next)) != 0)
			goto out;
		free(body);
		body = NULL;
		first = 0;
		ct_query_keys_release(&cur);
		cur = next;
		ct_query_keys_init(&next);
		res->issued += cur.n[CT_QK_AKID];
		if (cur.n[CT_QK_AKID] == 0 || res->rounds >= CT_CH_CHAIN_ROUNDS)
			break;
	}
	if ((r = ingest_set(in, name, "json", &json, res->json)) != 0)
		goto out;
	r = ingest_set(in, name, "lines", &lines, res->lines);
 out:
	ct_query_keys_release(&cur);
	ct_query_keys_release(&next);
	ct_buf_release(&json);
	ct_buf_release(&lines);
	free(table);
	free(sql);
	free(body);
	return r;
}
