/*
 * ingest.c - the ingest loop: input, record splitting, format detection, the credential
 * filter, and the per-file transaction (see ingest.h).
 *
 * Cost model.  An organisation trail is mostly events of principals credtrail never minted,
 * so the default path must reject those without parsing them.  Every join key credtrail
 * knows (and the "-task-" marker of task principals) is a needle; a record whose bytes contain
 * no needle cannot match and is skipped after one pass of a 4-byte-window hash test (one
 * multiply and a bitmap probe per byte).  Only records with a hit are parsed by jansson and
 * normalised, and the exact filter then decides on the normalised keys.  Keys issued by an
 * AssumeRole* call that was kept become needles at once, so the rest of a role chain is kept
 * in the same pass.  The caveat: a key that reaches a log only JSON-escaped ("\u002d") is
 * not seen by the prefilter; no provider escapes the characters join keys are made of.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lib/db.h"
#include "lib/ingest.h"
#include "lib/ingest_input.h"
#include "lib/jscan.h"
#include "lib/ledger.h"
#include "lib/store.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define TASK_MARK "-task-"
#define PROXY_MARK "\"audit\""	/* IronClaw proxy lines are always kept */
#define PROGRESS_EVERY (4u << 20)

static const char *const format_names[CT_FMT_COUNT] = {
	"auto", "cloudtrail", "gcp", "vault", "sshd", "k8s", "ironproxy",
};

const char *
ct_ingest_format_name(enum ct_ingest_format f)
{
	return (unsigned)f < CT_FMT_COUNT ? format_names[f] : NULL;
}

int
ct_ingest_format_parse(const char *name, enum ct_ingest_format *out)
{
	int i;

	*out = CT_FMT_AUTO;
	for (i = 0; i < CT_FMT_COUNT; i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum ct_ingest_format)i;
			return 0;
		}
	}
	return ct_error(CT_ERR_INVALID, "unknown format '%s' (auto, cloudtrail, gcp, vault, "
	    "sshd, k8s, ironproxy)", name);
}

/* ---- a set of byte strings (open addressing) ---- */

struct strset {
	char **slot;
	size_t *slen;
	size_t cap, n;
};

static uint64_t
hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0)
		h = (h ^ *b++) * 1099511628211ULL;
	return h;
}

static int
strset_has(const struct strset *s, const void *p, size_t n)
{
	size_t i;

	if (s->cap == 0)
		return 0;
	for (i = hash_bytes(p, n) & (s->cap - 1); s->slot[i] != NULL; i = (i + 1) & (s->cap - 1))
		if (s->slen[i] == n && memcmp(s->slot[i], p, n) == 0)
			return 1;
	return 0;
}

/* 1 added, 0 already there, <0 error */
static int
strset_add(struct strset *s, const void *p, size_t n)
{
	size_t i, j, ncap;
	char **ns;
	size_t *nl;

	if (strset_has(s, p, n))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		ncap = s->cap == 0 ? 64 : s->cap * 2;
		if ((ns = calloc(ncap, sizeof(*ns))) == NULL ||
		    (nl = calloc(ncap, sizeof(*nl))) == NULL) {
			free(ns);
			return ct_error(CT_ERR_NOMEM, "out of memory");
		}
		for (j = 0; j < s->cap; j++) {
			if (s->slot[j] == NULL)
				continue;
			for (i = hash_bytes(s->slot[j], s->slen[j]) & (ncap - 1); ns[i] != NULL;
			    i = (i + 1) & (ncap - 1))
				;
			ns[i] = s->slot[j];
			nl[i] = s->slen[j];
		}
		free(s->slot);
		free(s->slen);
		s->slot = ns;
		s->slen = nl;
		s->cap = ncap;
	}
	for (i = hash_bytes(p, n) & (s->cap - 1); s->slot[i] != NULL; i = (i + 1) & (s->cap - 1))
		;
	if ((s->slot[i] = malloc(n + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	memcpy(s->slot[i], p, n);
	s->slot[i][n] = '\0';
	s->slen[i] = n;
	s->n++;
	return 1;
}

static void
strset_free(struct strset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	free(s->slen);
	memset(s, 0, sizeof(*s));
}

/* ---- the prefilter: any needle in a record? ---- */

/*
 * Candidates are found 16 positions at a time by the needles' first two bytes (SSE2: two
 * overlapping loads, a compare pair per distinct prefix); a candidate is confirmed by a
 * bitmap of the hashed first four bytes and then a set lookup per needle length.  With more
 * distinct prefixes than MAX_PAIRS every position goes through the bitmap instead.
 */
#define NEEDLE_MIN 4
#define NEEDLE_LENS 16
#define MAX_PAIRS 6

struct needles {
	struct strset set;
	uint64_t bitmap[65536 / 64];	/* hash of a needle's first 4 bytes */
	size_t lens[NEEDLE_LENS];	/* distinct needle lengths */
	int nlens;
	int overflow;			/* too many distinct lengths: hits always parse */
	uint8_t pair[MAX_PAIRS][2];	/* distinct first two bytes */
	int npairs;
	int many_pairs;
};

static inline uint32_t
anchor_hash(const uint8_t *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return (w * 2654435761u) >> 16;
}

static int
needle_add(struct needles *nd, const char *s, size_t n)
{
	int i, r;

	if (n < NEEDLE_MIN)
		return 0;
	if ((r = strset_add(&nd->set, s, n)) <= 0)
		return r;
	i = (int)anchor_hash((const uint8_t *)s);
	nd->bitmap[i / 64] |= (uint64_t)1 << (i % 64);
	for (i = 0; i < nd->npairs; i++)
		if (nd->pair[i][0] == (uint8_t)s[0] && nd->pair[i][1] == (uint8_t)s[1])
			break;
	if (i == nd->npairs) {
		if (nd->npairs < MAX_PAIRS) {
			nd->pair[i][0] = (uint8_t)s[0];
			nd->pair[i][1] = (uint8_t)s[1];
			nd->npairs++;
		} else {
			nd->many_pairs = 1;
		}
	}
	for (i = 0; i < nd->nlens; i++)
		if (nd->lens[i] == n)
			return 0;
	if (nd->nlens < NEEDLE_LENS)
		nd->lens[nd->nlens++] = n;
	else
		nd->overflow = 1;
	return 0;
}

static inline int
needle_at(const struct needles *nd, const uint8_t *p, size_t n, size_t i)
{
	uint32_t h;
	int k;

	if (i + NEEDLE_MIN > n)
		return 0;
	h = anchor_hash(p + i);
	if (((nd->bitmap[h / 64] >> (h % 64)) & 1) == 0)
		return 0;
	if (nd->overflow)
		return 1;
	for (k = 0; k < nd->nlens; k++)
		if (i + nd->lens[k] <= n && strset_has(&nd->set, p + i, nd->lens[k]))
			return 1;
	return 0;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static int
needle_hit(const struct needles *nd, const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n < NEEDLE_MIN || nd->set.n == 0)
		return 0;
#if defined(__SSE2__)
	if (!nd->many_pairs) {
		__m128i b0[MAX_PAIRS], b1[MAX_PAIRS], v0, v1;
		uint32_t m;
		int k;

		for (k = 0; k < nd->npairs; k++) {
			b0[k] = _mm_set1_epi8((char)nd->pair[k][0]);
			b1[k] = _mm_set1_epi8((char)nd->pair[k][1]);
		}
		for (; i + 17 <= n; i += 16) {
			v0 = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 1));
			m = 0;
			for (k = 0; k < nd->npairs; k++)
				m |= (uint32_t)_mm_movemask_epi8(_mm_and_si128(
				    _mm_cmpeq_epi8(v0, b0[k]), _mm_cmpeq_epi8(v1, b1[k])));
			while (m != 0) {
				if (needle_at(nd, p, n, i + (size_t)__builtin_ctz(m)))
					return 1;
				m &= m - 1;
			}
		}
	}
#endif
	for (; i + NEEDLE_MIN <= n; i++)
		if (needle_at(nd, p, n, i))
			return 1;
	return 0;
}

/* ---- the session ---- */

struct ct_ingest {
	struct ct_store *st;
	struct ct_ingest_opts o;
	struct strset keys;		/* exact join keys */
	struct strset serial_ca;	/* "<serial> <ca fingerprint>" of ssh certificates */
	struct needles nd;
	struct needles fresh;		/* keys first seen in this pass of a file */
	struct needles pass;		/* the keys a repass looks for */
	int nfresh;
	struct ct_jdoc doc;		/* reused for every record */
	struct ct_stmt *ins;
	EVP_MD_CTX *md;
};

static int
add_key(struct ct_ingest *in, const char *s)
{
	int r;

	if (s == NULL || *s == '\0')
		return 0;
	if ((r = strset_add(&in->keys, s, strlen(s))) < 0)
		return r;
	/* task principals are found by the marker already */
	if (strstr(s, TASK_MARK) == NULL && (r = needle_add(&in->nd, s, strlen(s))) < 0)
		return r;
	return 0;
}

/*
 * A token id reaches logs as Kubernetes' "JTI=<jti>" credential id only; as a needle with
 * that prefix it shares one candidate pair with every other jti.
 */
static int
add_jti(struct ct_ingest *in, const char *jti)
{
	char buf[256];
	int r;

	if (jti == NULL || *jti == '\0')
		return 0;
	if ((r = strset_add(&in->keys, jti, strlen(jti))) < 0)
		return r;
	if ((size_t)snprintf(buf, sizeof(buf), "JTI=%s", jti) >= sizeof(buf))
		return 0;
	return needle_add(&in->nd, buf, strlen(buf));
}

static void
fresh_reset(struct ct_ingest *in)
{
	strset_free(&in->fresh.set);
	strset_free(&in->pass.set);
	memset(&in->fresh, 0, sizeof(in->fresh));
	memset(&in->pass, 0, sizeof(in->pass));
	in->nfresh = 0;
}

static void
fresh_promote(struct ct_ingest *in)
{
	strset_free(&in->pass.set);
	in->pass = in->fresh;
	memset(&in->fresh, 0, sizeof(in->fresh));
	in->nfresh = 0;
}

/* A key learnt from an event (an issued access key): a needle now, and for a repass. */
static int
learn_key(struct ct_ingest *in, const char *s)
{
	int r;

	if (strset_has(&in->keys, s, strlen(s)))
		return 0;
	if ((r = add_key(in, s)) != 0)
		return r;
	if ((r = needle_add(&in->fresh, s, strlen(s))) != 0)
		return r;
	in->nfresh++;
	return 0;
}

static int
load_cred(const struct ct_cred *c, void *arg)
{
	struct ct_ingest *in = arg;
	char buf[512];
	int r;

	if ((r = add_key(in, c->access_key_id)) != 0 || (r = add_key(in, c->session_name)) != 0 ||
	    (r = add_key(in, c->source_identity)) != 0 || (r = add_jti(in, c->jti)) != 0 ||
	    (r = add_key(in, c->subject)) != 0 || (r = add_key(in, c->key_id)) != 0 ||
	    (r = add_key(in, c->principal)) != 0 || (r = add_key(in, c->assumed_role_arn)) != 0)
		return r;
	if (c->serial != NULL && c->ca_fingerprint != NULL &&
	    (size_t)snprintf(buf, sizeof(buf), "%s %s", c->serial, c->ca_fingerprint) < sizeof(buf))
		return strset_add(&in->serial_ca, buf, strlen(buf)) < 0 ? CT_ERR_NOMEM : 0;
	return 0;
}

static const char insert_sql[] =
    "INSERT INTO provider_events (provider, dedupe_key, event_id, time_us, principal,"
    " subject, session_name, access_key_id, source_identity, session_tags, delegation, jti,"
    " cert_key_id, cert_serial, ca_fingerprint, key_fingerprint, token_accessor, lease_id,"
    " vault_metadata, vault_response, account, region, service, action, resources,"
    " source_ip, source_host, user_agent, outcome, error_code, read_only,"
    " issued_access_key_id, issued_session_name, issued_source_identity, issued_principal,"
    " issued_expires_us, raw_sha256, file_id, file_offset, ingested_us)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,"
    "?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37,?38,?39,?40)"
    " ON CONFLICT (provider, dedupe_key) DO UPDATE SET"
    "  outcome = excluded.outcome, error_code = excluded.error_code,"
    "  lease_id = coalesce(excluded.lease_id, provider_events.lease_id),"
    "  issued_access_key_id = coalesce(excluded.issued_access_key_id,"
    "    provider_events.issued_access_key_id),"
    "  issued_principal = coalesce(excluded.issued_principal, provider_events.issued_principal),"
    "  vault_response = 1"
    " WHERE excluded.vault_response = 1 AND provider_events.vault_response = 0";

int
ct_ingest_new(struct ct_ingest **out, struct ct_store *st, const struct ct_ingest_opts *o)
{
	struct ct_ingest *in;
	struct ct_store *db = st;
	struct ct_stmt *s = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	in->st = st;
	if (o != NULL)
		in->o = *o;
	if ((in->md = EVP_MD_CTX_new()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = needle_add(&in->nd, TASK_MARK, strlen(TASK_MARK))) != 0 ||
	    (r = needle_add(&in->nd, PROXY_MARK, strlen(PROXY_MARK))) != 0)
		goto out;
	if ((r = ct_cred_foreach(st, NULL, load_cred, in)) != 0)
		goto out;
	/* keys issued along role chains that earlier ingests kept */
	if (ct_db_prepare(db,
	    "SELECT issued_access_key_id FROM provider_events WHERE issued_access_key_id IS NOT NULL"
	    " AND (session_name LIKE '%-task-%' OR source_identity LIKE '%-task-%'"
	    "  OR principal LIKE '%-task-%' OR issued_session_name LIKE '%-task-%'"
	    "  OR issued_source_identity LIKE '%-task-%'"
	    "  OR access_key_id IN (SELECT access_key_id FROM credentials))", &s) != 0) {
		r = ct_store_error(st, "loading issued keys");
		goto out;
	}
	while ((r = ct_stmt_step(s)) == CT_DB_ROW) {
		if ((r = add_key(in, ct_stmt_col_text(s, 0))) != 0)
			goto out;
	}
	if (r != CT_DB_DONE) {
		r = ct_store_error(st, "loading issued keys");
		goto out;
	}
	if (ct_db_prepare(db, insert_sql, &in->ins) != 0) {
		r = ct_store_error(st, "preparing the event insert");
		goto out;
	}
	/* a file is one transaction: let its pages stay in memory a while before spilling */
	if ((r = ct_db_pragma(st, "cache_size = -16384")) != 0)
		goto out;
	*out = in;
	in = NULL;
	r = 0;
 out:
	ct_stmt_finalize(s);
	ct_ingest_free(in);
	return r;
}

void
ct_ingest_free(struct ct_ingest *in)
{
	if (in == NULL)
		return;
	ct_stmt_finalize(in->ins);
	EVP_MD_CTX_free(in->md);
	strset_free(&in->keys);
	strset_free(&in->serial_ca);
	strset_free(&in->nd.set);
	strset_free(&in->fresh.set);
	strset_free(&in->pass.set);
	ct_jdoc_release(&in->doc);
	free(in);
}

/* ---- the exact filter ---- */

static int
key_known(struct ct_ingest *in, const char *s)
{
	return s != NULL && strset_has(&in->keys, s, strlen(s));
}

static int
task_marked(const char *s)
{
	return s != NULL && strstr(s, TASK_MARK) != NULL;
}

/* A known subject after the last ':' or '/': "oidc:<sub>", ".../subject/<sub>". */
static int
suffix_known(struct ct_ingest *in, const char *s)
{
	const char *p, *q;

	if (s == NULL)
		return 0;
	p = strrchr(s, ':');
	q = strrchr(s, '/');
	if (q != NULL && (p == NULL || q > p))
		p = q;
	return p != NULL && key_known(in, p + 1);
}

static int
event_wanted(struct ct_ingest *in, const struct ct_pevent *ev)
{
	char buf[512];

	if (in->o.all || ev->always_keep)
		return 1;
	if (key_known(in, ev->access_key_id) || key_known(in, ev->session_name) ||
	    key_known(in, ev->source_identity) || key_known(in, ev->subject) ||
	    key_known(in, ev->jti) || key_known(in, ev->cert_key_id) ||
	    key_known(in, ev->principal) || key_known(in, ev->token_accessor) ||
	    key_known(in, ev->issued_access_key_id) || key_known(in, ev->issued_session_name) ||
	    key_known(in, ev->issued_source_identity) || key_known(in, ev->issued_principal))
		return 1;
	if (task_marked(ev->session_name) || task_marked(ev->source_identity) ||
	    task_marked(ev->principal) || task_marked(ev->subject) ||
	    task_marked(ev->cert_key_id) || task_marked(ev->issued_session_name) ||
	    task_marked(ev->issued_source_identity) || task_marked(ev->issued_principal) ||
	    task_marked(ev->delegation) || task_marked(ev->vault_metadata))
		return 1;
	if (suffix_known(in, ev->principal) || suffix_known(in, ev->subject))
		return 1;
	if (ev->cert_serial != NULL && ev->ca_fingerprint != NULL &&
	    (size_t)snprintf(buf, sizeof(buf), "%s %s", ev->cert_serial, ev->ca_fingerprint) <
	    sizeof(buf) && strset_has(&in->serial_ca, buf, strlen(buf)))
		return 1;
	return 0;
}

/* ---- one file ---- */

struct fctx {
	struct ct_ingest *in;
	struct ct_ingest_stats *stats;
	int64_t file_id;
	int64_t now_us;
	int64_t ref_us;			/* for syslog years */
	int seen_formats;		/* bit per format */
	int repass;			/* looking only for records with keys learnt since */
	int store_err;			/* the first failed write (stored), 0 if none */
};

static void
reject(struct fctx *f, uint64_t offset, const char *reason)
{
	struct ct_ingest_stats *s = f->stats;
	struct ct_ingest_reject *rj;
	size_t n;

	s->rejected++;
	if (s->nrejects >= CT_INGEST_MAX_REJECTS)
		return;
	rj = &s->rejects[s->nrejects++];
	rj->offset = offset;
	n = strlen(reason);
	if (n >= sizeof(rj->reason))
		n = sizeof(rj->reason) - 1;
	memcpy(rj->reason, reason, n);
	rj->reason[n] = '\0';
}

static void
bind_text(struct ct_stmt *s, int i, const char *v)
{
	if (v != NULL)
		ct_stmt_bind_text(s, i, v);
	else
		ct_stmt_bind_null(s, i);
}

static int
store_event(struct fctx *f, const struct ct_pevent *ev, const uint8_t *raw, size_t rawlen,
    uint64_t offset)
{
	struct ct_ingest *in = f->in;
	struct ct_stmt *s = in->ins;
	uint8_t d[32];
	unsigned int dl = 0;
	char hex[65], dk[72];
	const char *key;
	int rc;

	if (EVP_DigestInit_ex(in->md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(in->md, raw, rawlen) != 1 || EVP_DigestFinal_ex(in->md, d, &dl) != 1)
		return ct_error(CT_ERR_CRYPTO, "sha256 failed");
	ct_hex_fmt(d, 32, hex);
	key = ev->dedupe_key != NULL ? ev->dedupe_key : ev->event_id;
	if (key == NULL) {
		snprintf(dk, sizeof(dk), "sha256:%s", hex);
		key = dk;
	}
	ct_stmt_reset(s);
	ct_stmt_clear_bindings(s);
	bind_text(s, 1, ev->provider);
	bind_text(s, 2, key);
	bind_text(s, 3, ev->event_id);
	if (ev->has_time)
		ct_stmt_bind_int64(s, 4, ev->time_us);
	bind_text(s, 5, ev->principal);
	bind_text(s, 6, ev->subject);
	bind_text(s, 7, ev->session_name);
	bind_text(s, 8, ev->access_key_id);
	bind_text(s, 9, ev->source_identity);
	bind_text(s, 10, ev->session_tags);
	bind_text(s, 11, ev->delegation);
	bind_text(s, 12, ev->jti);
	bind_text(s, 13, ev->cert_key_id);
	bind_text(s, 14, ev->cert_serial);
	bind_text(s, 15, ev->ca_fingerprint);
	bind_text(s, 16, ev->key_fingerprint);
	bind_text(s, 17, ev->token_accessor);
	bind_text(s, 18, ev->lease_id);
	bind_text(s, 19, ev->vault_metadata);
	if (strcmp(ev->provider, "vault") == 0)
		ct_stmt_bind_int64(s, 20, ev->vault_response);
	bind_text(s, 21, ev->account);
	bind_text(s, 22, ev->region);
	bind_text(s, 23, ev->service);
	bind_text(s, 24, ev->action);
	bind_text(s, 25, ev->resources);
	bind_text(s, 26, ev->source_ip);
	bind_text(s, 27, ev->source_host);
	bind_text(s, 28, ev->user_agent);
	bind_text(s, 29, ev->outcome);
	bind_text(s, 30, ev->error_code);
	if (ev->read_only >= 0)
		ct_stmt_bind_int64(s, 31, ev->read_only);
	bind_text(s, 32, ev->issued_access_key_id);
	bind_text(s, 33, ev->issued_session_name);
	bind_text(s, 34, ev->issued_source_identity);
	bind_text(s, 35, ev->issued_principal);
	if (ev->has_issued_expires)
		ct_stmt_bind_int64(s, 36, ev->issued_expires_us);
	bind_text(s, 37, hex);
	ct_stmt_bind_int64(s, 38, f->file_id);
	ct_stmt_bind_int64(s, 39, (int64_t)offset);
	ct_stmt_bind_int64(s, 40, f->now_us);
	/* the outcome comes to stored(), at once (SQLite) or a pipeline later (PostgreSQL) */
	if ((rc = ct_stmt_step_defer(s, f->repass)) != 0)
		return rc;
	ct_stmt_reset(s);
	return f->store_err;
}

/* A deferred event write's outcome (db.h): count it new or duplicate. */
static void
stored(void *arg, int64_t repass, int rc, int64_t changes)
{
	struct fctx *f = arg;

	if (rc != CT_DB_DONE) {
		if (f->store_err == 0)
			f->store_err = ct_store_error(f->in->st, "storing an event");
		return;
	}
	if (repass) {
		/* a record the first pass skipped, kept now */
		if (changes > 0) {
			f->stats->new_++;
			f->stats->skipped--;
		}
	} else if (changes > 0) {
		f->stats->new_++;
	} else {
		f->stats->duplicate++;
	}
}

/* Every deferred write's outcome in: the file's first failure, or 0. */
static int
stored_all(struct fctx *f)
{
	int r;

	if ((r = ct_db_flush(f->in->st)) != 0)
		return r;
	return f->store_err;
}

static int
has(struct ct_jdoc *d, const char *k, int icase)
{
	int i = ct_jdoc_get(d, 0, k);

	/* ct_jdoc_get falls back to case-insensitive names by itself; refuse those first */
	if (i < 0)
		return 0;
	if (!icase) {
		size_t kl = strlen(k);
		const struct ct_jnode *key = &d->nodes[i - 1];

		return key->len == kl && memcmp(d->p + key->start, k, kl) == 0;
	}
	return 1;
}

/* member k is a string equal to want (or starting with it, when prefix) */
static int
str_is(struct ct_jdoc *d, const char *k, const char *want, int prefix)
{
	int i = ct_jdoc_get(d, 0, k);
	size_t n = strlen(want);

	return ct_jdoc_type(d, i) == CT_JSTR && d->nodes[i].len >= n &&
	    (prefix || d->nodes[i].len == n) && memcmp(d->p + d->nodes[i].start, want, n) == 0;
}

static enum ct_ingest_format
detect_with(struct ct_jdoc *d, int ic)
{
	int k;

	if (has(d, "CloudTrailEvent", ic) || has(d, "eventSource", ic) ||
	    has(d, "eventVersion", ic) || (has(d, "eventName", ic) && has(d, "eventTime", ic)))
		return CT_FMT_CLOUDTRAIL;
	if (has(d, "protoPayload", ic) || (has(d, "logName", ic) && has(d, "insertId", ic)))
		return CT_FMT_GCP;
	k = ct_jdoc_get(d, 0, "kind");
	if (has(d, "auditID", ic) || has(d, "verb", ic) ||
	    str_is(d, "apiVersion", "audit.k8s.io", 1) ||
	    str_is(d, "category", "kube-audit", 0) ||
	    (k >= 0 && ct_jdoc_type(d, k) != CT_JSTR) || str_is(d, "kind", "Event", 0))
		return CT_FMT_K8S;
	k = ct_jdoc_get(d, 0, "type");
	if (ct_jdoc_type(d, k) == CT_JSTR && (has(d, "request", ic) || has(d, "response", ic) ||
	    has(d, "auth", ic)))
		return CT_FMT_VAULT;
	if (has(d, "audit", ic) && has(d, "msg", ic))
		return CT_FMT_IRONPROXY;
	if (has(d, "MESSAGE", ic) && (has(d, "SYSLOG_IDENTIFIER", ic) ||
	    has(d, "__REALTIME_TIMESTAMP", ic)))
		return CT_FMT_SSHD;
	return CT_FMT_AUTO;
}

enum ct_ingest_format
ct_ingest_detect(struct ct_jdoc *d)
{
	enum ct_ingest_format f;

	if (ct_jdoc_type(d, 0) != CT_JOBJ)
		return CT_FMT_AUTO;
	/* exact names first; then as Athena and Panther lower-case them */
	if ((f = detect_with(d, 0)) == CT_FMT_AUTO)
		f = detect_with(d, 1);
	return f;
}

static int
finish_event(struct fctx *f, struct ct_pevent *ev, int r, const uint8_t *raw, size_t len,
    uint64_t offset, enum ct_ingest_format fmt)
{
	struct ct_ingest *in = f->in;

	if (r == CT_INGEST_SKIP) {
		if (!f->repass)
			f->stats->skipped++;
		return 0;
	}
	if (r < 0) {
		if (!f->repass)
			reject(f, offset, ct_errmsg(r));
		ct_error_clear();
		return 0;
	}
	f->seen_formats |= 1 << fmt;
	if (!event_wanted(in, ev)) {
		if (!f->repass)
			f->stats->skipped++;
		return 0;
	}
	/* the next link of a role chain, or a Vault token a kept login issued */
	if (!in->o.all && ev->issued_access_key_id != NULL &&
	    (r = learn_key(in, ev->issued_access_key_id)) != 0)
		return r;
	return store_event(f, ev, raw, len, offset);
}

static int
json_record(struct fctx *f, const struct ct_jrec *rec)
{
	struct ct_ingest *in = f->in;
	enum ct_ingest_format fmt = in->o.format;
	struct ct_pevent ev;
	json_error_t jerr;
	json_t *j;
	char msg[240];
	int r;

	if (f->repass && !needle_hit(&in->pass, rec->p, rec->len))
		return 0;
	/* no needle: cannot concern a known credential (proxy lines are always kept) */
	if (!f->repass && !in->o.all && !needle_hit(&in->nd, rec->p, rec->len)) {
		f->stats->skipped++;
		return 0;
	}
	if (ct_jdoc_parse(&in->doc, rec->p, rec->len) != 0) {
		ct_error_clear();
		if (!f->repass) {
			snprintf(msg, sizeof(msg), "invalid JSON: %s", in->doc.err);
			reject(f, rec->offset + in->doc.err_off, msg);
		}
		return 0;
	}
	if (ct_jdoc_type(&in->doc, 0) != CT_JOBJ) {
		if (!f->repass)
			reject(f, rec->offset, "record is not a JSON object");
		return 0;
	}
	if (fmt == CT_FMT_AUTO && (fmt = ct_ingest_detect(&in->doc)) == CT_FMT_AUTO) {
		if (!f->repass)
			reject(f, rec->offset, "not a record of any known log format");
		return 0;
	}
	ct_pevent_init(&ev);
	if (fmt == CT_FMT_CLOUDTRAIL) {
		r = ct_ingest_cloudtrail_parse(&in->doc, 0, &ev);
		r = finish_event(f, &ev, r, rec->p, rec->len, rec->offset, fmt);
		ct_pevent_release(&ev);
		return r;
	}
	/* the other formats read jansson values: the record is valid JSON, so this parses */
	if ((j = json_loadb((const char *)rec->p, rec->len, 0, &jerr)) == NULL) {
		if (!f->repass) {
			snprintf(msg, sizeof(msg), "invalid JSON: %s", jerr.text);
			reject(f, rec->offset, msg);
		}
		return 0;
	}
	switch (fmt) {
	case CT_FMT_GCP:
		r = ct_ingest_gcp_parse(j, &ev);
		break;
	case CT_FMT_VAULT:
		r = ct_ingest_vault_parse(j, &ev);
		break;
	case CT_FMT_K8S:
		r = ct_ingest_k8s_parse(j, &ev);
		break;
	case CT_FMT_IRONPROXY:
		r = ct_ingest_ironproxy_parse(j, &ev);
		break;
	case CT_FMT_SSHD:
		r = ct_ingest_journal_parse(j, &ev, f->ref_us);
		break;
	default:
		r = ct_error(CT_ERR_INTERNAL, "no parser");
		break;
	}
	r = finish_event(f, &ev, r, rec->p, rec->len, rec->offset, fmt);
	ct_pevent_release(&ev);
	json_decref(j);
	return r;
}

static int
line_record(struct fctx *f, const struct ct_jrec *rec)
{
	struct ct_pevent ev;
	int r;

	ct_pevent_init(&ev);
	r = ct_ingest_sshd_parse((const char *)rec->p, rec->len, &ev, f->ref_us);
	r = finish_event(f, &ev, r, rec->p, rec->len, rec->offset, CT_FMT_SSHD);
	ct_pevent_release(&ev);
	return r;
}

static int
file_row_begin(struct fctx *f, const char *path)
{
	struct ct_ingest *in = f->in;
	struct ct_store *db = in->st;
	struct ct_stmt *s = NULL;
	int r = 0;

	if (ct_db_prepare(db, "INSERT INTO ingested_files (path, size, format, first_us,"
	    " last_us) VALUES (?, 0, 'unknown', ?, ?) RETURNING id", &s) != 0)
		return ct_store_error(in->st, "recording the file");
	ct_stmt_bind_text(s, 1, path);
	ct_stmt_bind_int64(s, 2, f->now_us);
	ct_stmt_bind_int64(s, 3, f->now_us);
	if (ct_stmt_step(s) != CT_DB_ROW)
		r = ct_store_error(in->st, "recording the file");
	else
		f->file_id = ct_stmt_col_int64(s, 0);
	ct_stmt_finalize(s);
	return r;
}

/*
 * The same bytes under the same path were ingested before: move this run's new events to
 * that row and drop the provisional one, so re-ingesting adds no row anywhere.
 */
static int
file_row_finish(struct fctx *f, const char *path)
{
	struct ct_ingest *in = f->in;
	struct ct_ingest_stats *st = f->stats;
	struct ct_store *db = in->st;
	struct ct_stmt *s = NULL;
	int64_t old = 0;
	int r = CT_ERR_DB;

	if (ct_db_prepare(db, "SELECT id FROM ingested_files WHERE path = ? AND sha256 = ?",
	    &s) != 0)
		goto dberr;
	ct_stmt_bind_text(s, 1, path);
	ct_stmt_bind_text(s, 2, st->sha256);
	if ((r = ct_stmt_step(s)) == CT_DB_ROW)
		old = ct_stmt_col_int64(s, 0);
	else if (r != CT_DB_DONE)
		goto dberr;
	ct_stmt_finalize(s);
	s = NULL;
	if (old != 0) {
		if (ct_db_prepare(db, "UPDATE provider_events SET file_id = ?1 WHERE file_id = ?2",
		    &s) != 0)
			goto dberr;
		ct_stmt_bind_int64(s, 1, old);
		ct_stmt_bind_int64(s, 2, f->file_id);
		if (ct_stmt_step(s) != CT_DB_DONE)
			goto dberr;
		ct_stmt_finalize(s);
		if (ct_db_prepare(db, "DELETE FROM ingested_files WHERE id = ?", &s) != 0)
			goto dberr;
		ct_stmt_bind_int64(s, 1, f->file_id);
		if (ct_stmt_step(s) != CT_DB_DONE)
			goto dberr;
		ct_stmt_finalize(s);
		s = NULL;
		f->file_id = old;
	}
	if (ct_db_prepare(db, "UPDATE ingested_files SET size = ?2, sha256 = ?3, format = ?4,"
	    " records = ?5, new = ?6, duplicate = ?7, skipped = ?8, rejected = ?9,"
	    " events = events + ?6, last_us = ?10 WHERE id = ?1", &s) != 0)
		goto dberr;
	ct_stmt_bind_int64(s, 1, f->file_id);
	ct_stmt_bind_int64(s, 2, (int64_t)st->bytes);
	ct_stmt_bind_text(s, 3, st->sha256);
	ct_stmt_bind_text(s, 4, st->format);
	ct_stmt_bind_int64(s, 5, (int64_t)st->read);
	ct_stmt_bind_int64(s, 6, (int64_t)st->new_);
	ct_stmt_bind_int64(s, 7, (int64_t)st->duplicate);
	ct_stmt_bind_int64(s, 8, (int64_t)st->skipped);
	ct_stmt_bind_int64(s, 9, (int64_t)st->rejected);
	ct_stmt_bind_int64(s, 10, f->now_us);
	if (ct_stmt_step(s) != CT_DB_DONE)
		goto dberr;
	ct_stmt_finalize(s);
	return 0;
 dberr:
	r = ct_store_error(in->st, "recording the file");
	ct_stmt_finalize(s);
	return r;
}

static void
set_format(struct fctx *f)
{
	const char *name = "unknown";
	int i, n = 0;

	for (i = 1; i < CT_FMT_COUNT; i++) {
		if (f->seen_formats & (1 << i)) {
			name = format_names[i];
			n++;
		}
	}
	if (n > 1)
		name = "mixed";
	else if (n == 0 && f->in->o.format != CT_FMT_AUTO)
		name = format_names[f->in->o.format];
	snprintf(f->stats->format, sizeof(f->stats->format), "%s", name);
}

/* One pass over the input: every record (pass 0), or those hitting fresh keys (later). */
static int
run_pass(struct fctx *f, struct ct_input *inp, int json)
{
	struct ct_ingest *in = f->in;
	struct ct_jscan *js = NULL;
	struct ct_jrec rec;
	uint64_t next_progress = PROGRESS_EVERY;
	int r;

	if ((r = ct_jscan_new(&js, json ? CT_JSCAN_JSON : CT_JSCAN_LINES, in->o.max_record,
	    ct_input_read, inp)) != 0)
		return r;
	for (;;) {
		if ((r = ct_jscan_next(js, &rec)) <= 0)
			break;
		if (!json && rec.len == 0 && rec.error == NULL)
			continue;	/* a blank line is no record */
		if (f->repass) {
			if (rec.error == NULL && json && (r = json_record(f, &rec)) != 0)
				break;
			continue;
		}
		f->stats->read++;
		if (rec.error != NULL)
			reject(f, rec.offset, rec.error);
		else if ((r = json ? json_record(f, &rec) : line_record(f, &rec)) != 0)
			break;
		if (in->o.progress != NULL && ct_jscan_consumed(js) >= next_progress) {
			next_progress = ct_jscan_consumed(js) + PROGRESS_EVERY;
			in->o.progress(in->o.progress_arg, ct_input_raw_bytes(inp),
			    ct_input_size(inp), f->stats->read);
		}
	}
	if (r == 0 && !f->repass) {
		f->stats->data_bytes = ct_jscan_consumed(js);
		f->stats->bytes = ct_input_raw_bytes(inp);
		ct_input_digest(inp, f->stats->sha256);
	}
	ct_jscan_free(js);
	return r;
}

/*
 * Ingest `path` (or the buffer) in one transaction.  When the pass kept a call that issued
 * credentials, records before it may have used them (lookup-events and Stratus logs are
 * newest first), so the input is read again for records with the new keys only - as long
 * as it can be read again (not a pipe) and at most MAX_PASSES times along a chain.
 */
#define MAX_PASSES 4

static int
ingest_one(struct ct_ingest *in, const char *path, const void *mem, size_t memlen,
    struct ct_ingest_stats *stats)
{
	struct fctx f;
	struct ct_input *inp = NULL;
	const uint8_t *peek;
	size_t peekn;
	int r = CT_ERR_INTERNAL, json, in_tx = 0, pass;

	memset(stats, 0, sizeof(*stats));
	snprintf(stats->format, sizeof(stats->format), "unknown");
	memset(&f, 0, sizeof(f));
	f.in = in;
	f.stats = stats;
	f.now_us = ct_now_us();
	fresh_reset(in);

	if ((r = ct_input_open(&inp, path, mem, memlen)) != 0)
		return r;
	f.ref_us = ct_input_mtime(inp);
	if ((r = ct_input_peek(inp, &peek, &peekn)) != 0)
		goto out;
	json = ct_jscan_looks_json(peek, peekn);
	if (in->o.format != CT_FMT_AUTO && in->o.format != CT_FMT_SSHD)
		json = 1;
	if ((r = ct_store_begin(in->st)) != 0)
		goto out;
	in_tx = 1;
	if ((r = file_row_begin(&f, path)) != 0)
		goto out;
	ct_db_defer(in->st, stored, &f);
	if ((r = run_pass(&f, inp, json)) != 0 || (r = stored_all(&f)) != 0)
		goto out;
	for (pass = 1; pass < MAX_PASSES && json && in->nfresh > 0 &&
	    (mem != NULL || strcmp(path, "-") != 0); pass++) {
		ct_input_close(inp);
		inp = NULL;
		if ((r = ct_input_open(&inp, path, mem, memlen)) != 0)
			goto out;
		fresh_promote(in);
		f.repass = 1;
		if ((r = run_pass(&f, inp, json)) != 0 || (r = stored_all(&f)) != 0)
			goto out;
	}
	ct_db_defer(in->st, NULL, NULL);
	set_format(&f);
	if ((r = file_row_finish(&f, path)) != 0)
		goto out;
	in_tx = 0;
	if ((r = ct_store_commit(in->st)) != 0)
		goto out;
	if (in->o.progress != NULL)
		in->o.progress(in->o.progress_arg, stats->bytes, ct_input_size(inp), stats->read);
	r = 0;
 out:
	if (r != 0) {
		/* outcomes still in a pipeline are of writes the rollback takes back */
		ct_db_defer(in->st, NULL, NULL);
		set_format(&f);
		if (inp != NULL && !f.repass)
			stats->bytes = ct_input_raw_bytes(inp);
	}
	if (in_tx)
		ct_store_rollback(in->st);
	ct_input_close(inp);
	return r;
}

int
ct_ingest_file(struct ct_ingest *in, const char *path, struct ct_ingest_stats *stats)
{
	return ingest_one(in, path, NULL, 0, stats);
}

int
ct_ingest_buffer(struct ct_ingest *in, const char *name, const void *data, size_t len,
    struct ct_ingest_stats *stats)
{
	return ingest_one(in, name, data != NULL ? data : "", len, stats);
}

/* ---- PATH arguments ---- */

struct plist {
	char **v;
	size_t n, cap;
};

static int
plist_add(struct plist *l, const char *p)
{
	char **nv;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		l->v = nv;
	}
	if ((l->v[l->n] = strdup(p)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	l->n++;
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk(struct plist *l, const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	struct stat sb;
	struct plist names = { 0 };
	char *p = NULL;
	size_t i;
	int r = 0;

	if (depth > 64)
		return ct_error(CT_ERR_LIMIT, "'%s': directories nested too deeply", dir);
	if ((d = opendir(dir)) == NULL)
		return ct_error(CT_ERR_SYSTEM, "cannot open directory '%s'", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((r = plist_add(&names, de->d_name)) != 0)
			goto out;
	}
	if (names.n > 0)	/* qsort's base may not be NULL, even for no element */
		qsort(names.v, names.n, sizeof(*names.v), cmp_name);
	for (i = 0; i < names.n; i++) {
		free(p);
		if (asprintf(&p, "%s/%s", dir, names.v[i]) < 0) {
			p = NULL;
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (stat(p, &sb) != 0)
			continue;	/* a dangling link */
		if (S_ISDIR(sb.st_mode))
			r = walk(l, p, depth + 1);
		else if (S_ISREG(sb.st_mode))
			r = plist_add(l, p);
		if (r != 0)
			goto out;
	}
 out:
	free(p);
	ct_ingest_expand_free(names.v, names.n);
	closedir(d);
	return r;
}

int
ct_ingest_expand(const char *const *paths, size_t n, char ***out, size_t *outn)
{
	struct plist l = { 0 };
	struct stat sb;
	size_t i;
	int r = 0;

	*out = NULL;
	*outn = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0) {
			r = plist_add(&l, "-");
		} else if (stat(paths[i], &sb) != 0) {
			r = ct_error(errno == ENOENT ? CT_ERR_NOTFOUND : CT_ERR_SYSTEM,
			    "cannot open '%s'", paths[i]);
		} else if (S_ISDIR(sb.st_mode)) {
			size_t len = strlen(paths[i]);
			char *dir = strdup(paths[i]);

			if (dir == NULL) {
				r = ct_error(CT_ERR_NOMEM, "out of memory");
			} else {
				while (len > 1 && dir[len - 1] == '/')
					dir[--len] = '\0';
				r = walk(&l, dir, 0);
				free(dir);
			}
		} else {
			r = plist_add(&l, paths[i]);
		}
		if (r != 0) {
			ct_ingest_expand_free(l.v, l.n);
			return r;
		}
	}
	*out = l.v;
	*outn = l.n;
	return 0;
}

void
ct_ingest_expand_free(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
