/*
 * ingest_input.c - file/stdin/buffer reader with gzip and a read-ahead thread (see
 * ingest_input.h).
 *
 * The producer (a thread, or the caller itself for buffers) reads raw bytes, feeds them to
 * SHA-256 and, for gzip, to zlib's inflate, and fills blocks of a small ring; the consumer
 * copies from the ring into the scanner.  Errors found by the producer are carried to the
 * consumer as a code and text (ct_error's slot is per thread).  Concatenated gzip members
 * are read as one stream, as gzip(1) does; a truncated or corrupt stream is an error, so
 * the file's transaction is rolled back rather than half a file being taken as all of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "lib/ingest_input.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/timeutil.h"

#define BLK (1u << 20)
#define NBLK 4
#define RAWSZ (256u * 1024)

struct block {
	uint8_t *data;
	size_t len;
};

struct ct_input {
	char *path;
	int fd;
	const uint8_t *mem;
	size_t memlen, memoff;
	uint64_t size;
	int64_t mtime_us;

	/* ring */
	int threaded;
	pthread_t th;
	int th_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int sync_ok;
	struct block blk[NBLK];
	unsigned head, tail, count;
	int done, stop;
	int err;
	char errmsg[256];
	int have_cur;
	size_t cur_off;

	/* producer */
	int started;		/* the first raw bytes were looked at */
	int gz, zinit, gz_ended;
	z_stream zs;
	uint8_t *raw;
	size_t rawlen, rawoff;
	int raw_eof;
	EVP_MD_CTX *md;
	uint8_t digest[32];
	int digest_done;
	uint64_t raw_bytes;	/* written by the producer, read with __atomic */
};

static int
perr(struct ct_input *in, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct ct_input *in, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->errmsg, sizeof(in->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

/* read(2) that only the reader thread's cancellation can interrupt */
static ssize_t
xread(struct ct_input *in, void *buf, size_t n)
{
	ssize_t r;
	int old;

	if (in->mem != NULL) {
		if (n > in->memlen - in->memoff)
			n = in->memlen - in->memoff;
		memcpy(buf, in->mem + in->memoff, n);
		in->memoff += n;
		return (ssize_t)n;
	}
	do {
		if (in->threaded)
			pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
		r = read(in->fd, buf, n);
		if (in->threaded)
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	} while (r < 0 && errno == EINTR);
	return r;
}

static int
account(struct ct_input *in, const uint8_t *p, size_t n)
{
	if (n > 0 && EVP_DigestUpdate(in->md, p, n) != 1)
		return perr(in, CT_ERR_CRYPTO, "sha256 failed");
	__atomic_add_fetch(&in->raw_bytes, n, __ATOMIC_RELAXED);
	return 0;
}

static int
raw_fill(struct ct_input *in)
{
	ssize_t r;

	in->rawoff = in->rawlen = 0;
	if (in->raw_eof)
		return 0;
	r = xread(in, in->raw, RAWSZ);
	if (r < 0)
		return perr(in, CT_ERR_SYSTEM, "cannot read '%s': %s", in->path, strerror(errno));
	if (r == 0) {
		in->raw_eof = 1;
		return 0;
	}
	in->rawlen = (size_t)r;
	return account(in, in->raw, in->rawlen);
}

static int
finish_digest(struct ct_input *in)
{
	unsigned int n = 0;

	if (in->digest_done)
		return 0;
	if (EVP_DigestFinal_ex(in->md, in->digest, &n) != 1 || n != 32)
		return perr(in, CT_ERR_CRYPTO, "sha256 failed");
	in->digest_done = 1;
	return 0;
}

/* Up to cap decompressed bytes into out; *got = 0 at the end. */
static int
produce(struct ct_input *in, uint8_t *out, size_t cap, size_t *got)
{
	size_t done = 0, n;
	ssize_t rr;
	int r, zr;

	*got = 0;
	if (!in->started) {
		in->started = 1;
		if ((r = raw_fill(in)) != 0)
			return r;
		if (in->rawlen >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
			in->gz = 1;
			if (inflateInit2(&in->zs, 15 + 32) != Z_OK)
				return perr(in, CT_ERR_NOMEM, "cannot initialise zlib");
			in->zinit = 1;
			in->zs.next_in = in->raw;
			in->zs.avail_in = (uInt)in->rawlen;
		} else if (in->rawlen >= 4 && memcmp(in->raw, "\x28\xb5\x2f\xfd", 4) == 0) {
			return perr(in, CT_ERR_UNSUPPORTED,
			    "'%s' is zstd-compressed: decompress it first (zstd -dc)", in->path);
		}
	}
	if (!in->gz) {
		/* what the first read left, then straight into the block */
		if (in->rawoff < in->rawlen) {
			n = in->rawlen - in->rawoff;
			if (n > cap)
				n = cap;
			memcpy(out, in->raw + in->rawoff, n);
			in->rawoff += n;
			*got = n;
			return 0;
		}
		if (in->raw_eof)
			return finish_digest(in);
		rr = xread(in, out, cap);
		if (rr < 0)
			return perr(in, CT_ERR_SYSTEM, "cannot read '%s': %s", in->path,
			    strerror(errno));
		if (rr == 0) {
			in->raw_eof = 1;
			return finish_digest(in);
		}
		*got = (size_t)rr;
		return account(in, out, *got);
	}
	while (done < cap) {
		if (in->zs.avail_in == 0) {
			if ((r = raw_fill(in)) != 0)
				return r;
			if (in->rawlen == 0) {
				if (!in->gz_ended && done == 0)
					return perr(in, CT_ERR_FORMAT,
					    "'%s': gzip stream truncated", in->path);
				break;	/* what came out so far first; the error next time */
			}
			in->zs.next_in = in->raw;
			in->zs.avail_in = (uInt)in->rawlen;
		}
		if (in->gz_ended) {
			/* another member follows, or padding */
			if (in->zs.next_in[0] == 0x1f) {
				if (inflateReset(&in->zs) != Z_OK)
					return perr(in, CT_ERR_FORMAT, "'%s': zlib reset failed",
					    in->path);
				in->gz_ended = 0;
			} else if (in->zs.next_in[0] == 0) {
				in->zs.next_in++;
				in->zs.avail_in--;
				continue;
			} else {
				return perr(in, CT_ERR_FORMAT,
				    "'%s': trailing data after the gzip stream", in->path);
			}
		}
		in->zs.next_out = out + done;
		in->zs.avail_out = (uInt)(cap - done);
		zr = inflate(&in->zs, Z_NO_FLUSH);
		done = cap - in->zs.avail_out;
		if (zr == Z_STREAM_END) {
			in->gz_ended = 1;
		} else if (zr == Z_BUF_ERROR) {
			if (in->zs.avail_in != 0)
				return perr(in, CT_ERR_FORMAT, "'%s': corrupt gzip data", in->path);
		} else if (zr != Z_OK) {
			return perr(in, CT_ERR_FORMAT, "'%s': corrupt gzip data (%s)", in->path,
			    in->zs.msg != NULL ? in->zs.msg : "inflate failed");
		}
	}
	*got = done;
	if (done == 0)
		return finish_digest(in);
	return 0;
}

static void *
reader_main(void *arg)
{
	struct ct_input *in = arg;
	unsigned idx;
	size_t got;
	int r, old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	for (;;) {
		pthread_mutex_lock(&in->mu);
		while (in->count == NBLK && !in->stop)
			pthread_cond_wait(&in->cv, &in->mu);
		if (in->stop) {
			pthread_mutex_unlock(&in->mu);
			break;
		}
		idx = in->tail;
		pthread_mutex_unlock(&in->mu);

		r = produce(in, in->blk[idx].data, BLK, &got);

		pthread_mutex_lock(&in->mu);
		if (r != 0) {
			in->err = r;
			in->done = 1;
		} else {
			in->blk[idx].len = got;
			in->tail = (in->tail + 1) % NBLK;
			in->count++;
			if (got == 0)
				in->done = 1;
		}
		pthread_cond_broadcast(&in->cv);
		pthread_mutex_unlock(&in->mu);
		if (in->done)
			break;
	}
	return NULL;
}

int
ct_input_open(struct ct_input **out, const char *path, const void *mem, size_t memlen)
{
	struct ct_input *in = NULL;
	struct stat sb;
	int i, r = CT_ERR_INTERNAL;

	*out = NULL;
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	in->fd = -1;
	in->mtime_us = ct_now_us();
	if ((in->path = strdup(path)) == NULL || (in->raw = malloc(RAWSZ)) == NULL ||
	    (in->md = EVP_MD_CTX_new()) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestInit_ex(in->md, EVP_sha256(), NULL) != 1) {
		r = ct_error(CT_ERR_CRYPTO, "sha256 failed");
		goto out;
	}
	for (i = 0; i < NBLK; i++) {
		if ((in->blk[i].data = malloc(BLK)) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (mem != NULL) {
		in->mem = mem;
		in->memlen = memlen;
		in->size = memlen;
	} else {
		if (strcmp(path, "-") == 0) {
			in->fd = STDIN_FILENO;
		} else if ((in->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			r = ct_error(errno == ENOENT ? CT_ERR_NOTFOUND : CT_ERR_SYSTEM,
			    "cannot open '%s'", path);
			goto out;
		}
		if (fstat(in->fd, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				r = ct_error(CT_ERR_INVALID, "'%s' is a directory", path);
				goto out;
			}
			if (S_ISREG(sb.st_mode)) {
				in->size = (uint64_t)sb.st_size;
				if (in->fd != STDIN_FILENO)
					in->mtime_us = (int64_t)sb.st_mtim.tv_sec * 1000000 +
					    sb.st_mtim.tv_nsec / 1000;
			}
		}
		in->threaded = 1;
	}
	if (pthread_mutex_init(&in->mu, NULL) != 0 || pthread_cond_init(&in->cv, NULL) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot create a lock");
		goto out;
	}
	in->sync_ok = 1;
	if (in->threaded) {
		if ((errno = pthread_create(&in->th, NULL, reader_main, in)) != 0) {
			r = ct_error(CT_ERR_SYSTEM, "cannot start the reader thread");
			goto out;
		}
		in->th_started = 1;
	}
	*out = in;
	in = NULL;
	r = 0;
 out:
	ct_input_close(in);
	return r;
}

void
ct_input_close(struct ct_input *in)
{
	int i;

	if (in == NULL)
		return;
	if (in->th_started) {
		pthread_mutex_lock(&in->mu);
		in->stop = 1;
		pthread_cond_broadcast(&in->cv);
		pthread_mutex_unlock(&in->mu);
		/* it may sit in read(2) on a pipe that is not going to deliver more */
		pthread_cancel(in->th);
		pthread_join(in->th, NULL);
	}
	if (in->sync_ok) {
		pthread_mutex_destroy(&in->mu);
		pthread_cond_destroy(&in->cv);
	}
	if (in->zinit)
		inflateEnd(&in->zs);
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	for (i = 0; i < NBLK; i++)
		free(in->blk[i].data);
	EVP_MD_CTX_free(in->md);
	free(in->raw);
	free(in->path);
	free(in);
}

/* Make blk[head] the current block. */
static int
get_block(struct ct_input *in)
{
	size_t got;
	int r;

	if (in->have_cur)
		return 0;
	if (!in->threaded) {
		if (in->err != 0)
			return ct_error(in->err, "%s", in->errmsg);
		if ((r = produce(in, in->blk[0].data, BLK, &got)) != 0) {
			in->err = r;
			return ct_error(r, "%s", in->errmsg);
		}
		in->head = 0;
		in->blk[0].len = got;
		in->cur_off = 0;
		in->have_cur = 1;
		return 0;
	}
	pthread_mutex_lock(&in->mu);
	while (in->count == 0 && !in->done)
		pthread_cond_wait(&in->cv, &in->mu);
	if (in->count == 0) {
		r = in->err;
		pthread_mutex_unlock(&in->mu);
		if (r == 0)
			r = ct_error(CT_ERR_INTERNAL, "reader ended without data");
		else
			r = ct_error(r, "%s", in->errmsg);
		return r;
	}
	pthread_mutex_unlock(&in->mu);
	in->cur_off = 0;
	in->have_cur = 1;
	return 0;
}

static void
release_block(struct ct_input *in)
{
	in->have_cur = 0;
	if (!in->threaded)
		return;
	pthread_mutex_lock(&in->mu);
	in->head = (in->head + 1) % NBLK;
	in->count--;
	pthread_cond_broadcast(&in->cv);
	pthread_mutex_unlock(&in->mu);
}

int
ct_input_read(void *arg, uint8_t *buf, size_t cap, size_t *got)
{
	struct ct_input *in = arg;
	struct block *b;
	size_t n;
	int r;

	*got = 0;
	if ((r = get_block(in)) != 0)
		return r;
	b = &in->blk[in->head];
	if (b->len == 0)
		return 0;	/* end: stays current, so every later read says so too */
	n = b->len - in->cur_off;
	if (n > cap)
		n = cap;
	memcpy(buf, b->data + in->cur_off, n);
	in->cur_off += n;
	*got = n;
	if (in->cur_off == b->len)
		release_block(in);
	return 0;
}

int
ct_input_peek(struct ct_input *in, const uint8_t **p, size_t *n)
{
	struct block *b;
	int r;

	*p = NULL;
	*n = 0;
	if ((r = get_block(in)) != 0)
		return r;
	b = &in->blk[in->head];
	*p = b->data + in->cur_off;
	*n = b->len - in->cur_off;
	return 0;
}

uint64_t
ct_input_raw_bytes(const struct ct_input *in)
{
	return __atomic_load_n(&in->raw_bytes, __ATOMIC_RELAXED);
}

uint64_t
ct_input_size(const struct ct_input *in)
{
	return in->size;
}

int64_t
ct_input_mtime(const struct ct_input *in)
{
	return in->mtime_us;
}

int
ct_input_compressed(const struct ct_input *in)
{
	return in->gz;
}

void
ct_input_digest(const struct ct_input *in, char out[65])
{
	if (in->digest_done)
		ct_hex_fmt(in->digest, 32, out);
	else
		out[0] = '\0';
}
