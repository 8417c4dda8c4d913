/*
 * evlog.c - writer of the Merkle event log (format in evlog.h).
 *
 * Cost per event: one jansson dump into a reused buffer, one SHA-256 of the line, and on
 * average one node hash (the incremental tree merges like a binary counter).  Lines are
 * gathered in memory and written with one write(2) per 64 KiB, per checkpoint or per tick, so
 * the monitor's loop does not pay a system call per event.  At a checkpoint the pending lines
 * and the checkpoint line go out in one write followed by fdatasync(2): once a checkpoint is
 * reported written, the prefix it signs is on disk, and a crash can only lose records after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/evlog.h"
#include "lib/merkle.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define FLUSH_AT (64 * 1024)

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
	struct ct_buf out;		/* lines not yet written */
	struct ct_buf line;		/* scratch for one canonical dump */
	int err;			/* sticky: once writing failed the log is broken */
	int finished;
};

static int
dump_cb(const char *p, size_t n, void *arg)
{
	return ct_buf_put(arg, p, n) == 0 ? 0 : -1;
}

/* Canonical dump of `v` appended to `b`. */
static int
canonical_put(struct ct_buf *b, json_t *v)
{
	size_t len0 = b->len;

	if (json_dump_callback(v, dump_cb, b, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY) != 0) {
		b->len = len0;
		return ct_error(CT_ERR_INVALID, "cannot encode event as JSON (too large or not "
		    "valid UTF-8)");
	}
	return 0;
}

int
ct_evlog_canonical(json_t *v, char **out, size_t *outlen)
{
	struct ct_buf b;
	int r;

	*out = NULL;
	*outlen = 0;
	ct_buf_init(&b, CT_EVLOG_MAX_LINE);
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
ed25519_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = 64;
	int r = 0;

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) != 1 || siglen != 64)
		r = ct_error(CT_ERR_CRYPTO, "cannot sign the checkpoint");
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
	ct_time_fmt(now_us, 1, ts, sizeof(ts));
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
		if ((r = ed25519_sign(l->key, body.data, body.len, sig + 4)) != 0)
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
	if (fdatasync(l->fd) != 0 && errno != EINVAL) {
		r = ct_error(CT_ERR_SYSTEM, "cannot sync event log '%s'", l->path);
		goto out;
	}
	l->cp_size = l->tree.size;
	l->cp_us = now_us;
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
	if ((r = ct_buf_putf(&l->out, "{\"seq\":%" PRIu64 "%s", l->tree.size,
	    l->line.len > 2 ? "," : "")) != 0 ||
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
