/*
 * evlog.c - writer of the Merkle event log (format in evlog.h).
 *
 * Cost per event: one jansson dump into a reused buffer, one SHA-256 of the line, and on
 * average one node hash (the incremental tree merges like a binary counter).  Lines are
 * gathered in memory and written with one write(2) per 64 KiB, per checkpoint or per tick, so
 * the monitor's loop does not pay a system call per event.  At a checkpoint the pending lines
 * and the checkpoint line go out in one write: once a checkpoint is written, the prefix it
 * signs is in the file, and a crash of credtrail can only lose records after it.  Against a
 * crash of the machine the file is also fdatasync'd at a checkpoint, but at most once a
 * second (a sync costs milliseconds, which the monitor's event loop must not pay every 1000
 * events), and always at the final checkpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/dsse.h"
#include "lib/evlog.h"
#include "lib/merkle.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define FLUSH_AT (64 * 1024)
#define SYNC_EVERY_US 1000000

struct ct_evlog {
	int fd;
	char *path;
	char *origin;
	EVP_PKEY *key;			/* referenced; NULL for an unsigned log */
	uint8_t keyhash[4];
	uint64_t every;
	int64_t interval_us;
	struct ct_merkle tree;
	uint64_t cp_size;		/* tree size at the last checkpoint */
	int64_t cp_us;			/* when it was written (creation time at first) */
	int64_t cp_time_us;		/* its time line: never before the one before */
	int64_t sync_us;		/* the last fdatasync (ct_mono_us()) */
	struct ct_buf out;		/* lines not yet written */
	struct ct_buf line;		/* scratch for one canonical dump */
	int err;			/* sticky: once writing failed the log is broken */
	int finished;
};

#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

/*
 * Canonical dump of `v` appended to `b`: into the buffer's free space in one call (a dump
 * through a callback pays a call per token), again with the exact size when it did not fit.
 */
static int
canonical_put(struct ct_buf *b, json_t *v)
{
	size_t len0 = b->len, room, need;
	uint8_t *p;
	int r;

	room = b->cap > b->len + 1 ? b->cap - b->len - 1 : 0;
	if (room < 1024)
		room = 1024;
	for (;;) {
		if (room > b->max - len0)
			room = b->max - len0;
		if ((r = ct_buf_reserve(b, room, &p)) != 0) {
			b->len = len0;
			return ct_error(CT_ERR_LIMIT, "event is larger than %zu bytes of JSON",
			    b->max);
		}
		need = json_dumpb(v, (char *)p, room, DUMP_FLAGS);
		if (need == 0) {
			b->len = len0;
			return ct_error(CT_ERR_INVALID, "cannot encode event as JSON (not valid "
			    "UTF-8?)");
		}
		if (need <= room) {
			b->len = len0 + need;
			return 0;
		}
		b->len = len0;
		if (need > b->max - len0)
			return ct_error(CT_ERR_LIMIT, "event is larger than %zu bytes of JSON",
			    b->max);
		room = need;
	}
}

int
ct_evlog_canonical(json_t *v, char **out, size_t *outlen)
{
	struct ct_buf b;
	int r;

	*out = NULL;
	*outlen = 0;
	ct_buf_init(&b, CT_EVLOG_MAX_CANONICAL);
	if ((r = canonical_put(&b, v)) != 0 || (r = ct_buf_nul(&b)) != 0) {
		ct_buf_release(&b);
		return r;
	}
	*out = (char *)b.data;
	*outlen = b.len;
	return 0;
}

int
ct_evlog_note_keyhash(EVP_PKEY *key, uint8_t out[4])
{
	uint8_t pub[32], h[32];
	size_t publen = sizeof(pub);
	unsigned int hl = 0;
	EVP_MD_CTX *ctx = NULL;
	static const uint8_t nl_alg[2] = { 0x0a, 0x01 };	/* '\n', Ed25519 */
	int r = CT_ERR_INTERNAL;

	memset(out, 0, 4);
	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		return ct_error(CT_ERR_UNSUPPORTED, "checkpoints are signed with Ed25519 keys only");
	if (EVP_PKEY_get_raw_public_key(key, pub, &publen) != 1 || publen != sizeof(pub))
		return ct_error(CT_ERR_CRYPTO, "cannot read the Ed25519 public key");
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, CT_EVLOG_NOTE_KEY_NAME, strlen(CT_EVLOG_NOTE_KEY_NAME)) != 1 ||
	    EVP_DigestUpdate(ctx, nl_alg, sizeof(nl_alg)) != 1 ||
	    EVP_DigestUpdate(ctx, pub, publen) != 1 ||
	    EVP_DigestFinal_ex(ctx, h, &hl) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot hash the public key");
		goto out;
	}
	memcpy(out, h, 4);
	r = 0;
 out:
	EVP_MD_CTX_free(ctx);
	return r;
}

static int
origin_check(const char *o)
{
	size_t i, n = strlen(o);

	if (n == 0 || n > CT_EVLOG_MAX_ORIGIN)
		return ct_error(CT_ERR_INVALID, "log origin must be 1-%d characters",
		    CT_EVLOG_MAX_ORIGIN);
	for (i = 0; i < n; i++) {
		if (o[i] < 0x21 || o[i] > 0x7e)
			return ct_error(CT_ERR_INVALID, "log origin '%s' has a character that is not "
			    "printable ASCII at position %zu", o, i);
	}
	return 0;
}

static int
write_all(struct ct_evlog *l, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(l->fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return ct_error(CT_ERR_SYSTEM, "cannot write event log '%s'", l->path);
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
flush(struct ct_evlog *l)
{
	int r;

	if (l->out.len == 0)
		return 0;
	r = write_all(l, l->out.data, l->out.len);
	ct_buf_reset(&l->out);
	return r;
}

/* Append the checkpoint line for the current tree to l->out, write everything, sync. */
static int
checkpoint(struct ct_evlog *l, int64_t now_us, json_t *final)
{
	struct ct_buf body;
	uint8_t root[32], sig[68];
	char ts[40], *b64 = NULL, *fin = NULL;
	size_t finlen = 0;
	json_t *o = NULL;
	int r = CT_ERR_INTERNAL;

	ct_buf_init(&body, CT_EVLOG_MAX_LINE / 2);
	ct_merkle_root(&l->tree, root);
	/* never older than the one before (verify refuses that): a clock set back holds it */
	ct_time_fmt(now_us < l->cp_time_us ? l->cp_time_us : now_us, 1, ts, sizeof(ts));
	if ((r = ct_b64_encode(root, sizeof(root), &b64)) != 0 ||
	    (r = ct_buf_putf(&body, "%s\n%" PRIu64 "\n%s\ntime %s\n", l->origin, l->tree.size,
	    b64, ts)) != 0)
		goto out;
	if (final != NULL) {
		if ((r = ct_evlog_canonical(final, &fin, &finlen)) != 0 ||
		    (r = ct_buf_putf(&body, "final %s\n", fin)) != 0)
			goto out;
	}
	/* the signed body ends here; the note adds an empty line and the signature lines */
	if (l->key != NULL) {
		memcpy(sig, l->keyhash, 4);
		if ((r = ct_ed25519_sign(l->key, body.data, body.len, sig + 4)) != 0)
			goto out;
		free(b64);
		b64 = NULL;
		if ((r = ct_b64_encode(sig, sizeof(sig), &b64)) != 0 ||
		    (r = ct_buf_putf(&body, "\n\xe2\x80\x94 %s %s\n", CT_EVLOG_NOTE_KEY_NAME,
		    b64)) != 0)
			goto out;
	} else if ((r = ct_buf_put_u8(&body, '\n')) != 0)
		goto out;
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "checkpoint", json_stringn((char *)body.data, body.len)) != 0) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = canonical_put(&l->out, o)) != 0 || (r = ct_buf_put_u8(&l->out, '\n')) != 0 ||
	    (r = flush(l)) != 0)
		goto out;
	if (final != NULL || ct_mono_us() - l->sync_us >= SYNC_EVERY_US) {
		if (fdatasync(l->fd) != 0 && errno != EINVAL) {
			r = ct_error(CT_ERR_SYSTEM, "cannot sync event log '%s'", l->path);
			goto out;
		}
		l->sync_us = ct_mono_us();
	}
	l->cp_size = l->tree.size;
	l->cp_us = now_us;
	if (now_us > l->cp_time_us)
		l->cp_time_us = now_us;
	r = 0;
 out:
	json_decref(o);
	free(b64);
	free(fin);
	ct_buf_release(&body);
	if (r != 0)
		l->err = r;
	return r;
}

int
ct_evlog_create(struct ct_evlog **out, const struct ct_evlog_params *p)
{
	struct ct_evlog *l = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if (p == NULL || p->path == NULL || p->origin == NULL)
		return ct_error(CT_ERR_INVALID, "event log needs a path and an origin");
	if ((r = origin_check(p->origin)) != 0)
		return r;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	l->fd = -1;
	ct_buf_init(&l->out, CT_EVLOG_MAX_LINE * 4);
	ct_buf_init(&l->line, CT_EVLOG_MAX_LINE);
	ct_merkle_init(&l->tree);
	l->every = p->checkpoint_every != 0 ? p->checkpoint_every : CT_EVLOG_CHECKPOINT_EVERY;
	l->interval_us = p->checkpoint_interval_us > 0 ? p->checkpoint_interval_us :
	    CT_EVLOG_CHECKPOINT_INTERVAL_US;
	if ((l->path = strdup(p->path)) == NULL || (l->origin = strdup(p->origin)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (p->key != NULL) {
		if ((r = ct_evlog_note_keyhash(p->key, l->keyhash)) != 0)
			goto out;
		if (EVP_PKEY_up_ref(p->key) != 1) {
			r = ct_error(CT_ERR_CRYPTO, "cannot reference the signing key");
			goto out;
		}
		l->key = p->key;
	}
	if ((l->fd = open(p->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
	    0644)) < 0) {
		r = ct_error(errno == EEXIST ? CT_ERR_EXISTS : CT_ERR_SYSTEM,
		    errno == EEXIST ? "event log '%s' already exists" :
		    "cannot create event log '%s'", p->path);
		goto out;
	}
	l->cp_us = ct_now_us();
	*out = l;
	l = NULL;
	r = 0;
 out:
	ct_evlog_free(l);
	return r;
}

uint64_t
ct_evlog_size(const struct ct_evlog *l)
{
	return l->tree.size;
}

static int
usable(struct ct_evlog *l)
{
	if (l->err != 0)
		return ct_error(l->err, "event log '%s' is broken by an earlier error", l->path);
	if (l->finished)
		return ct_error(CT_ERR_INVALID, "event log '%s' is already finished", l->path);
	return 0;
}

/* "{"seq":N," (or without the comma), formatted by hand: printf is a tenth of an append */
static int
put_seq(struct ct_buf *b, uint64_t seq, int comma)
{
	char tmp[40], *e = tmp + sizeof(tmp), *p = e;

	if (comma)
		*--p = ',';
	do {
		*--p = (char)('0' + seq % 10);
		seq /= 10;
	} while (seq != 0);
	memcpy(p -= 7, "{\"seq\":", 7);
	return ct_buf_put(b, p, (size_t)(e - p));
}

int
ct_evlog_append(struct ct_evlog *l, json_t *event)
{
	uint8_t leaf[32];
	const char *p;
	size_t start;
	int r;

	if ((r = usable(l)) != 0)
		return r;
	if (!json_is_object(event))
		return ct_error(CT_ERR_INVALID, "an event must be a JSON object");
	if (json_object_get(event, "seq") != NULL || json_object_get(event, "checkpoint") != NULL)
		return ct_error(CT_ERR_INVALID, "an event may not have a member named 'seq' or "
		    "'checkpoint'");
	ct_buf_reset(&l->line);
	if ((r = canonical_put(&l->line, event)) != 0)
		return r;
	/* "{...}" becomes "{"seq":N,...}" (or "{"seq":N}" for an empty object) */
	start = l->out.len;
	if ((r = put_seq(&l->out, l->tree.size, l->line.len > 2)) != 0 ||
	    (r = ct_buf_put(&l->out, l->line.data + 1, l->line.len - 1)) != 0)
		goto fail;
	p = (const char *)l->out.data + start;
	ct_merkle_leaf_hash(p, l->out.len - start, leaf);
	if ((r = ct_buf_put_u8(&l->out, '\n')) != 0 ||
	    (r = ct_merkle_append_hash(&l->tree, leaf)) != 0)
		goto fail;
	if (l->tree.size - l->cp_size >= l->every)
		return checkpoint(l, ct_now_us(), NULL);
	if (l->out.len >= FLUSH_AT && (r = flush(l)) != 0) {
		l->err = r;
		return r;
	}
	return 0;
 fail:
	/* nothing of this event stays: the tree and the pending lines are as before */
	l->out.len = start;
	return r;
}

int
ct_evlog_tick(struct ct_evlog *l, int64_t now_us)
{
	int r;

	if ((r = usable(l)) != 0)
		return r;
	/* the clock was set back: count the interval from now, or checkpoints stop for as long */
	if (now_us < l->cp_us)
		l->cp_us = now_us;
	if (l->tree.size > l->cp_size && now_us - l->cp_us >= l->interval_us)
		return checkpoint(l, now_us, NULL);
	if ((r = flush(l)) != 0)
		l->err = r;
	return r;
}

int
ct_evlog_finish(struct ct_evlog *l, json_t *final, uint64_t *size, uint8_t root[32])
{
	json_t *empty = NULL;
	int r;

	*size = 0;
	memset(root, 0, 32);
	if ((r = usable(l)) != 0)
		return r;
	if (final != NULL && !json_is_object(final))
		return ct_error(CT_ERR_INVALID, "final counters must be a JSON object");
	if (final == NULL && (final = empty = json_object()) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	r = checkpoint(l, ct_now_us(), final);
	json_decref(empty);
	if (r != 0)
		return r;
	l->finished = 1;
	*size = l->tree.size;
	ct_merkle_root(&l->tree, root);
	return 0;
}

void
ct_evlog_free(struct ct_evlog *l)
{
	if (l == NULL)
		return;
	/* records after the last checkpoint still reach the file: they verify as unsigned tail */
	if (l->fd >= 0) {
		if (l->err == 0)
			(void)flush(l);
		close(l->fd);
	}
	EVP_PKEY_free(l->key);
	free(l->path);
	free(l->origin);
	ct_buf_release(&l->out);
	ct_buf_release(&l->line);
	free(l);
}

/* ---- verification ---- */

void
ct_checkpoint_release(struct ct_checkpoint *c)
{
	json_decref(c->final);
	memset(c, 0, sizeof(*c));
}

/* A decimal uint64 without sign, leading zeros or overflow. */
static int
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Split the note body into its lines and fill `out`. */
static int
parse_body(const char *body, size_t len, struct ct_checkpoint *out)
{
	const char *p = body, *end = body + len, *nl;
	uint8_t *root = NULL;
	size_t rootlen = 0, n;
	int line = 0, have_time = 0, r = CT_ERR_FORMAT;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return ct_error(CT_ERR_FORMAT, "checkpoint body does not end in a newline");
		n = (size_t)(nl - p);
		line++;
		if (line == 1) {
			if (n == 0 || n > CT_EVLOG_MAX_ORIGIN)
				return ct_error(CT_ERR_FORMAT, "checkpoint origin is empty or too long");
			memcpy(out->origin, p, n);
			out->origin[n] = '\0';
			if (strlen(out->origin) != n || origin_check(out->origin) != 0)
				return ct_error(CT_ERR_FORMAT, "checkpoint origin is not printable "
				    "ASCII");
		} else if (line == 2) {
			if (parse_u64(p, n, &out->size) != 0)
				return ct_error(CT_ERR_FORMAT, "checkpoint tree size is not a decimal "
				    "number");
		} else if (line == 3) {
			if (ct_b64_decode(p, n, &root, &rootlen) != 0 || rootlen != 32 ||
			    memchr(p, ' ', n) != NULL) {
				free(root);
				return ct_error(CT_ERR_FORMAT, "checkpoint root is not a base64 "
				    "SHA-256 hash");
			}
			memcpy(out->root, root, 32);
			free(root);
			root = NULL;
		} else if (n > 5 && memcmp(p, "time ", 5) == 0 && !have_time && line == 4) {
			if (ct_time_parse(p + 5, n - 5, &out->time_us) != 0)
				return ct_error(CT_ERR_FORMAT, "checkpoint time is not RFC 3339");
			have_time = 1;
		} else if (n > 6 && memcmp(p, "final ", 6) == 0 && line == 5) {
			json_error_t jerr;

			out->final = json_loadb(p + 6, n - 6, JSON_REJECT_DUPLICATES, &jerr);
			if (!json_is_object(out->final))
				return ct_error(CT_ERR_FORMAT, "checkpoint final counters are not a "
				    "JSON object");
		} else
			return ct_error(CT_ERR_FORMAT, "checkpoint line %d is not one credtrail "
			    "writes", line);
		p = nl + 1;
	}
	if (!have_time)
		return ct_error(CT_ERR_FORMAT, "checkpoint has no time line");
	r = 0;
	return r;
}

int
ct_checkpoint_verify(const char *note, size_t len, EVP_PKEY *const *keys, size_t nkeys,
    struct ct_checkpoint *out)
{
	static const char dash[] = "\xe2\x80\x94 " CT_EVLOG_NOTE_KEY_NAME " ";
	const char *sep, *p, *end, *nl;
	uint8_t (*hashes)[4] = NULL, *sig = NULL;
	size_t bodylen, siglen, k, nsig = 0;
	unsigned int unknown = 0;
	int r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	/* body, then "\n" (the empty line), then signature lines */
	sep = NULL;
	for (p = note; p + 1 < note + len; p++) {
		if (p[0] == '\n' && p[1] == '\n') {
			sep = p;
			break;
		}
	}
	if (sep == NULL) {
		r = ct_error(CT_ERR_FORMAT, "checkpoint note has no empty line before signatures");
		goto out;
	}
	bodylen = (size_t)(sep - note) + 1;
	if ((r = parse_body(note, bodylen, out)) != 0)
		goto out;
	if (nkeys > 0 && (hashes = calloc(nkeys, sizeof(*hashes))) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < nkeys; k++) {
		if ((r = ct_evlog_note_keyhash(keys[k], hashes[k])) != 0)
			goto out;
	}
	end = note + len;
	for (p = sep + 2; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			r = ct_error(CT_ERR_FORMAT, "checkpoint signature line does not end in a "
			    "newline");
			goto out;
		}
		nsig++;
		if ((size_t)(nl - p) <= sizeof(dash) - 1 || memcmp(p, dash, sizeof(dash) - 1) != 0) {
			r = ct_error(CT_ERR_FORMAT, "checkpoint signature line is not \"\xe2\x80\x94 "
			    CT_EVLOG_NOTE_KEY_NAME " <signature>\"");
			goto out;
		}
		free(sig);
		sig = NULL;
		if (ct_b64_decode(p + sizeof(dash) - 1, (size_t)(nl - p) - (sizeof(dash) - 1), &sig,
		    &siglen) != 0 || siglen != 68 ||
		    memchr(p + sizeof(dash) - 1, ' ', (size_t)(nl - p) - (sizeof(dash) - 1)) != NULL) {
			r = ct_error(CT_ERR_FORMAT, "checkpoint signature is not base64 of a key hash "
			    "and an Ed25519 signature");
			goto out;
		}
		for (k = 0; k < nkeys; k++) {
			if (memcmp(hashes[k], sig, 4) != 0)
				continue;
			if (ct_ed25519_verify(keys[k], note, bodylen, sig + 4) != 0) {
				r = ct_error(CT_ERR_VERIFY, "checkpoint signature does not verify");
				goto out;
			}
			r = 0;
			goto out;
		}
		unknown = (unsigned int)sig[0] << 24 | (unsigned int)sig[1] << 16 |
		    (unsigned int)sig[2] << 8 | sig[3];
	}
	if (nsig == 0)
		r = ct_error(CT_ERR_VERIFY, "checkpoint is not signed");
	else
		r = ct_error(CT_ERR_VERIFY, "checkpoint is signed by an unknown key (key hash "
		    "%08x)", unknown);
 out:
	free(hashes);
	free(sig);
	if (r != 0)
		ct_checkpoint_release(out);
	return r;
}

void
ct_evlog_report_release(struct ct_evlog_report *rep)
{
	json_decref(rep->final_counters);
	memset(rep, 0, sizeof(*rep));
}

struct vstate {
	struct ct_evlog_report *rep;
	const struct ct_evlog_visitor *v;
	EVP_PKEY *const *keys;
	size_t nkeys;
	struct ct_merkle tree;
	uint64_t line;
	int64_t last_time;
	int failed;
};

static int
vfail(struct vstate *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
vfail(struct vstate *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->failed) {
		s->failed = 1;
		s->rep->fail_line = s->line;
		va_start(ap, fmt);
		vsnprintf(s->rep->fail, sizeof(s->rep->fail), fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int
verify_record(struct vstate *s, const uint8_t *p, size_t n)
{
	struct ct_evlog_report *rep = s->rep;
	uint8_t leaf[32];
	char want[40];
	int wl, r = 0;

	/*
	 * The format puts seq first, so order and count are checked on the line's first bytes.
	 * The record is not parsed: its bytes are what the checkpoints sign, so a record that
	 * is not what the writer wrote fails at the next checkpoint's root, and parsing every
	 * record would triple the cost of a verification (bench/attest).
	 */
	wl = snprintf(want, sizeof(want), "{\"seq\":%" PRIu64, rep->records);
	if (n < (size_t)wl + 1 || memcmp(p, want, (size_t)wl) != 0 ||
	    (p[wl] != ',' && p[wl] != '}'))
		return vfail(s, "line %" PRIu64 " is not record %" PRIu64
		    " (records missing, added or out of order)", s->line, rep->records);
	if (p[n - 1] != '}')
		return vfail(s, "record %" PRIu64 " does not end its JSON object", rep->records);
	ct_merkle_leaf_hash(p, n, leaf);
	if ((r = ct_merkle_append_hash(&s->tree, leaf)) != 0)
		return r;
	if (s->v != NULL && s->v->record != NULL &&
	    (r = s->v->record(s->v->arg, rep->records, p, n, leaf)) != 0)
		return r;
	rep->records++;
	return 0;
}

static int
verify_checkpoint(struct vstate *s, const uint8_t *p, size_t n)
{
	struct ct_evlog_report *rep = s->rep;
	struct ct_checkpoint cp;
	json_error_t jerr;
	json_t *o, *note;
	char *canon = NULL;
	size_t clen = 0;
	uint8_t root[32];
	int r = 0;

	memset(&cp, 0, sizeof(cp));
	if ((o = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return vfail(s, "checkpoint at line %" PRIu64 " is not valid JSON: %s", s->line,
		    jerr.text);
	note = json_object_get(o, "checkpoint");
	if (!json_is_object(o) || json_object_size(o) != 1 || !json_is_string(note)) {
		vfail(s, "checkpoint at line %" PRIu64 " is malformed", s->line);
		goto out;
	}
	if ((r = ct_evlog_canonical(o, &canon, &clen)) != 0)
		goto out;
	if (clen != n || memcmp(canon, p, n) != 0) {
		vfail(s, "checkpoint at line %" PRIu64 " is not in canonical form", s->line);
		goto out;
	}
	if ((r = ct_checkpoint_verify(json_string_value(note), json_string_length(note),
	    s->keys, s->nkeys, &cp)) != 0) {
		if (r != CT_ERR_FORMAT && r != CT_ERR_VERIFY)
			goto out;
		vfail(s, "checkpoint at line %" PRIu64 ": %s", s->line, ct_errmsg(r));
		r = 0;
		goto out;
	}
	if (rep->checkpoints > 0 && strcmp(cp.origin, rep->origin) != 0) {
		vfail(s, "checkpoint at line %" PRIu64 " names origin '%s', earlier ones '%s'",
		    s->line, cp.origin, rep->origin);
		goto out;
	}
	if (cp.size != rep->records) {
		vfail(s, "checkpoint at line %" PRIu64 " covers %" PRIu64 " records but follows %"
		    PRIu64, s->line, cp.size, rep->records);
		goto out;
	}
	if (rep->checkpoints > 0 && cp.size == rep->signed_size && cp.final == NULL) {
		vfail(s, "checkpoint at line %" PRIu64 " repeats tree size %" PRIu64, s->line,
		    cp.size);
		goto out;
	}
	if (cp.time_us < s->last_time) {
		vfail(s, "checkpoint at line %" PRIu64 " is older than the one before", s->line);
		goto out;
	}
	ct_merkle_root(&s->tree, root);
	if (memcmp(root, cp.root, 32) != 0) {
		vfail(s, "checkpoint at line %" PRIu64 " does not match the records before it "
		    "(a record was changed, added or removed)", s->line);
		goto out;
	}
	if (s->v != NULL && s->v->checkpoint != NULL &&
	    (r = s->v->checkpoint(s->v->arg, &cp, json_string_value(note),
	    json_string_length(note))) != 0)
		goto out;
	snprintf(rep->origin, sizeof(rep->origin), "%s", cp.origin);
	rep->checkpoints++;
	rep->signed_size = cp.size;
	memcpy(rep->signed_root, cp.root, 32);
	s->last_time = cp.time_us;
	if (cp.final != NULL) {
		rep->final = 1;
		rep->final_counters = json_incref(cp.final);
	}
 out:
	free(canon);
	json_decref(o);
	ct_checkpoint_release(&cp);
	return r;
}

static int
verify_line(struct vstate *s, const uint8_t *p, size_t n)
{
	static const char cpfx[] = "{\"checkpoint\":";

	s->line++;
	if (s->rep->final)
		return vfail(s, "line %" PRIu64 " follows the final checkpoint", s->line);
	if (n == 0)
		return vfail(s, "line %" PRIu64 " is empty", s->line);
	if (n >= sizeof(cpfx) - 1 && memcmp(p, cpfx, sizeof(cpfx) - 1) == 0)
		return verify_checkpoint(s, p, n);
	return verify_record(s, p, n);
}

/*
 * Why final counters make the evidence incomplete ("" when they do not).  The monitor's
 * own "complete" verdict decides when it is there (it knows which drop causes lose events:
 * an unreadable exec path keeps the event); without it, any non-zero drop counter does.
 */
static void
judge_final(json_t *f, char *out, size_t outsz)
{
	json_t *drops = json_object_get(f, "drops"), *v, *inc, *complete;
	const char *k, *backend, *weakness;
	char lost[160] = "";
	json_int_t total = 0;
	size_t off = 0;
	int n;

	out[0] = '\0';
	if (json_is_integer(drops))
		total = json_integer_value(drops);
	else if (json_is_object(drops)) {
		json_object_foreach(drops, k, v) {
			if (!json_is_integer(v) || json_integer_value(v) <= 0)
				continue;
			total += json_integer_value(v);
			n = snprintf(lost + off, sizeof(lost) - off, "%s%s=%lld", off ? ", " : "",
			    k, (long long)json_integer_value(v));
			if (n > 0 && (size_t)n < sizeof(lost) - off)
				off += (size_t)n;
		}
	}
	backend = json_string_value(json_object_get(f, "backend"));
	weakness = json_string_value(json_object_get(f, "weakness"));
	if (json_is_true(json_object_get(f, "weaker")) || (weakness != NULL && *weakness != '\0')) {
		snprintf(out, outsz, "the %s backend observes less than eBPF%s%s",
		    backend != NULL ? backend : "monitor's", weakness != NULL ? ": " : "",
		    weakness != NULL ? weakness : "");
		return;
	}
	complete = json_object_get(f, "complete");
	inc = json_object_get(f, "incomplete");
	if (json_is_false(complete) || (json_is_array(inc) && json_array_size(inc) > 0) ||
	    (!json_is_boolean(complete) && total > 0)) {
		const char *why = json_string_value(json_array_get(inc, 0));

		if (why != NULL)
			snprintf(out, outsz, "the monitor reports incomplete evidence: %s", why);
		else if (total > 0)
			snprintf(out, outsz, "%lld events were lost (%s)", (long long)total, lost);
		else
			snprintf(out, outsz, "the monitor reports incomplete evidence");
	}
}

#define VREAD (256 * 1024)

int
ct_evlog_verify_file(const char *path, EVP_PKEY *const *keys, size_t nkeys,
    const struct ct_evlog_visitor *v, struct ct_evlog_report *rep)
{
	struct vstate s;
	EVP_MD_CTX *md = NULL;
	uint8_t *buf = NULL, *p, *nl, *nb;
	size_t have = 0, cap = VREAD, off;
	unsigned int hl = 0;
	ssize_t got;
	int fd = -1, r = CT_ERR_INTERNAL, eof = 0;

	memset(rep, 0, sizeof(*rep));
	memset(&s, 0, sizeof(s));
	s.rep = rep;
	s.v = v;
	s.keys = keys;
	s.nkeys = nkeys;
	s.last_time = INT64_MIN;
	ct_merkle_init(&s.tree);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = ct_error(errno == ENOENT ? CT_ERR_NOTFOUND : CT_ERR_SYSTEM,
		    "cannot open event log '%s'", path);
		goto out;
	}
	if ((buf = malloc(cap)) == NULL || (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	while (!eof) {
		/* room for a whole chunk; a line grows the buffer up to the longest allowed */
		if (cap - have < VREAD / 2) {
			if ((nb = realloc(buf, cap * 2)) == NULL) {
				r = ct_error(CT_ERR_NOMEM, "out of memory");
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		got = read(fd, buf + have, cap - have);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = ct_error(CT_ERR_SYSTEM, "cannot read event log '%s'", path);
			goto out;
		}
		if (got == 0)
			eof = 1;
		if (EVP_DigestUpdate(md, buf + have, (size_t)got) != 1) {
			r = ct_error(CT_ERR_CRYPTO, "cannot hash the event log");
			goto out;
		}
		rep->file_size += (uint64_t)got;
		have += (size_t)got;
		off = 0;
		while (!s.failed && (nl = memchr(buf + off, '\n', have - off)) != NULL) {
			p = buf + off;
			if ((r = verify_line(&s, p, (size_t)(nl - p))) != 0)
				goto out;
			off = (size_t)(nl - buf) + 1;
		}
		if (s.failed) {
			/* keep hashing the file so its digest is still reported */
			have = 0;
			continue;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		if (have > CT_EVLOG_MAX_LINE) {
			s.line++;
			vfail(&s, "line %" PRIu64 " is longer than %d bytes", s.line,
			    CT_EVLOG_MAX_LINE);
			have = 0;
		}
	}
	if (!s.failed && have > 0) {
		/* a partial last line: a crash mid-write, unless the log claims to be whole */
		s.line++;
		if (rep->final)
			vfail(&s, "line %" PRIu64 " follows the final checkpoint", s.line);
		else
			rep->torn = 1;
	}
	if (EVP_DigestFinal_ex(md, rep->file_sha256, &hl) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "cannot hash the event log");
		goto out;
	}
	rep->unsigned_tail = rep->records - rep->signed_size;
	if (s.failed)
		rep->verdict = CT_EVLOG_FAILED;
	else if (!rep->final)
		rep->verdict = CT_EVLOG_UNSIGNED_TAIL;
	else {
		judge_final(rep->final_counters, rep->incomplete, sizeof(rep->incomplete));
		rep->verdict = rep->incomplete[0] != '\0' ? CT_EVLOG_INCOMPLETE :
		    CT_EVLOG_COMPLETE;
	}
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	free(buf);
	EVP_MD_CTX_free(md);
	return r;
}

/* ---- inclusion proofs ---- */

struct prove_state {
	uint64_t index;
	uint8_t (*leaves)[32];
	uint64_t nleaves, cap;
	char *record;
	size_t record_len;
	char *note;
	size_t note_len;
	uint64_t cp_size;
	uint8_t cp_root[32];
};

static int
prove_record(void *arg, uint64_t seq, const uint8_t *line, size_t len, const uint8_t leaf[32])
{
	struct prove_state *ps = arg;
	uint8_t (*nl)[32];

	if (ps->nleaves == ps->cap) {
		ps->cap = ps->cap == 0 ? 4096 : ps->cap * 2;
		if ((nl = realloc(ps->leaves, ps->cap * 32)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		ps->leaves = nl;
	}
	memcpy(ps->leaves[ps->nleaves++], leaf, 32);
	if (seq == ps->index) {
		if ((ps->record = malloc(len + 1)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		memcpy(ps->record, line, len);
		ps->record[len] = '\0';
		ps->record_len = len;
	}
	return 0;
}

static int
prove_checkpoint(void *arg, const struct ct_checkpoint *cp, const char *note, size_t len)
{
	struct prove_state *ps = arg;
	char *n;

	if ((n = malloc(len + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	memcpy(n, note, len);
	n[len] = '\0';
	free(ps->note);
	ps->note = n;
	ps->note_len = len;
	ps->cp_size = cp->size;
	memcpy(ps->cp_root, cp->root, 32);
	return 0;
}

int
ct_evlog_prove(const char *path, EVP_PKEY *const *keys, size_t nkeys, uint64_t index,
    json_t **out)
{
	struct prove_state ps;
	struct ct_evlog_visitor v = { prove_record, prove_checkpoint, &ps };
	struct ct_evlog_report rep;
	uint8_t proof[CT_MERKLE_MAX_PROOF][32];
	char hex[65];
	size_t plen = 0, i;
	json_t *o = NULL, *a = NULL;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.index = index;
	memset(&rep, 0, sizeof(rep));
	if ((r = ct_evlog_verify_file(path, keys, nkeys, &v, &rep)) != 0)
		goto out;
	if (rep.verdict == CT_EVLOG_FAILED) {
		r = ct_error(CT_ERR_VERIFY, "log '%s' does not verify at line %" PRIu64 ": %s",
		    path, rep.fail_line, rep.fail);
		goto out;
	}
	if (index >= rep.records) {
		r = ct_error(CT_ERR_NOTFOUND, "log '%s' has %" PRIu64 " records; there is no "
		    "record %" PRIu64, path, rep.records, index);
		goto out;
	}
	if (ps.note == NULL || index >= ps.cp_size) {
		r = ct_error(CT_ERR_NOTFOUND, "record %" PRIu64 " is in the unsigned tail of '%s': "
		    "no signed checkpoint covers it", index, path);
		goto out;
	}
	if ((r = ct_merkle_inclusion_proof((const uint8_t (*)[32])ps.leaves, ps.cp_size, index,
	    proof, &plen)) != 0)
		goto out;
	if ((a = json_array()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < plen; i++) {
		ct_hex_fmt(proof[i], 32, hex);
		if (json_array_append_new(a, json_string(hex)) != 0) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	ct_hex_fmt(ps.cp_root, 32, hex);
	o = json_pack("{s:s, s:s%, s:I, s:I, s:s, s:O, s:s%}", "format", CT_EVLOG_PROOF_FORMAT,
	    "record", ps.record, ps.record_len, "index", (json_int_t)index,
	    "tree_size", (json_int_t)ps.cp_size, "root", hex, "audit_path", a,
	    "checkpoint", ps.note, ps.note_len);
	if (o == NULL) {
		r = ct_error(CT_ERR_NOMEM, "cannot build the proof");
		goto out;
	}
	ct_hex_fmt(ps.leaves[index], 32, hex);
	if (json_object_set_new(o, "leaf_hash", json_string(hex)) != 0) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
	r = 0;
 out:
	json_decref(o);
	json_decref(a);
	ct_evlog_report_release(&rep);
	free(ps.leaves);
	free(ps.record);
	free(ps.note);
	return r;
}

static int
hex_hash(json_t *v, uint8_t out[32])
{
	const char *s = json_string_value(v);
	uint8_t *d = NULL;
	size_t n = 0, i;

	if (s == NULL || json_string_length(v) != 64)
		return -1;
	for (i = 0; i < 64; i++)
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
ct_evlog_verify_proof(json_t *proof, EVP_PKEY *const *keys, size_t nkeys,
    struct ct_checkpoint *cpout)
{
	struct ct_checkpoint cp;
	uint8_t root[32], leaf[32], given[32], path[CT_MERKLE_MAX_PROOF][32];
	json_t *rec, *note, *ap, *v;
	const char *fmt;
	char want[40];
	uint64_t index, size;
	size_t i, n;
	int wl, r = CT_ERR_INTERNAL;

	memset(&cp, 0, sizeof(cp));
	if (cpout != NULL)
		memset(cpout, 0, sizeof(*cpout));
	fmt = json_string_value(json_object_get(proof, "format"));
	rec = json_object_get(proof, "record");
	note = json_object_get(proof, "checkpoint");
	ap = json_object_get(proof, "audit_path");
	if (!json_is_object(proof) || fmt == NULL || strcmp(fmt, CT_EVLOG_PROOF_FORMAT) != 0 ||
	    !json_is_string(rec) || !json_is_string(note) || !json_is_array(ap) ||
	    json_array_size(ap) > CT_MERKLE_MAX_PROOF ||
	    !json_is_integer(json_object_get(proof, "index")) ||
	    !json_is_integer(json_object_get(proof, "tree_size")) ||
	    json_integer_value(json_object_get(proof, "index")) < 0 ||
	    json_integer_value(json_object_get(proof, "tree_size")) < 0 ||
	    hex_hash(json_object_get(proof, "root"), root) != 0)
		return ct_error(CT_ERR_FORMAT, "not a credtrail inclusion proof");
	index = (uint64_t)json_integer_value(json_object_get(proof, "index"));
	size = (uint64_t)json_integer_value(json_object_get(proof, "tree_size"));
	n = json_array_size(ap);
	json_array_foreach(ap, i, v) {
		if (hex_hash(v, path[i]) != 0)
			return ct_error(CT_ERR_FORMAT, "audit path entry %zu is not a hex SHA-256", i);
	}
	if ((r = ct_checkpoint_verify(json_string_value(note), json_string_length(note), keys,
	    nkeys, &cp)) != 0)
		return r;
	if (cp.size != size || memcmp(cp.root, root, 32) != 0) {
		r = ct_error(CT_ERR_VERIFY, "the proof's tree size or root is not the checkpoint's");
		goto out;
	}
	wl = snprintf(want, sizeof(want), "{\"seq\":%" PRIu64, index);
	if (json_string_length(rec) < (size_t)wl + 1 ||
	    memcmp(json_string_value(rec), want, (size_t)wl) != 0 ||
	    (json_string_value(rec)[wl] != ',' && json_string_value(rec)[wl] != '}')) {
		r = ct_error(CT_ERR_VERIFY, "the record is not record %" PRIu64, index);
		goto out;
	}
	ct_merkle_leaf_hash(json_string_value(rec), json_string_length(rec), leaf);
	if ((v = json_object_get(proof, "leaf_hash")) != NULL &&
	    (hex_hash(v, given) != 0 || memcmp(given, leaf, 32) != 0)) {
		r = ct_error(CT_ERR_VERIFY, "leaf_hash is not the hash of the record");
		goto out;
	}
	if ((r = ct_merkle_verify_inclusion(leaf, index, size, (const uint8_t (*)[32])path, n,
	    root)) != 0)
		goto out;
	if (cpout != NULL) {
		*cpout = cp;
		memset(&cp, 0, sizeof(cp));
	}
	r = 0;
 out:
	ct_checkpoint_release(&cp);
	return r;
}
