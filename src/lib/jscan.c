/*
 * jscan.c - streaming record splitter (see jscan.h).
 *
 * The scanner is a resumable state machine over a buffer it owns.  Inside strings it jumps
 * from quote to quote with memchr (most of a CloudTrail record is string bytes), so the cost
 * per byte stays close to that of memchr; outside strings it looks at one byte at a time.
 * Every state survives a refill, so a record may straddle any number of reads, and a record
 * that outgrows max_record is dropped from the buffer while its end is still tracked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/jscan.h"
#include "util/err.h"

#define JSCAN_CHUNK (1024u * 1024)
#define JSCAN_LOOKAHEAD 64

enum jstate {
	M_TOP,		/* between top-level values */
	M_ARR,		/* between the elements of a records array */
	M_VAL,		/* inside a value that will be returned as a record */
	M_POST,		/* skipping what follows the records array in its wrapper object */
	M_JUNK,		/* skipping a broken record to the end of its line */
	M_LINE,		/* LINES mode */
};

enum { SCAN_NEED = 0, SCAN_DONE = 1, SCAN_ERR = 2 };

struct ct_jscan {
	enum ct_jscan_mode mode;
	size_t max_record;
	ct_jscan_read_fn readfn;
	void *arg;

	uint8_t *buf;
	size_t cap, len, pos;
	size_t rs;		/* start of the current record in buf */
	uint64_t base;		/* stream offset of buf[0] */
	int eof;
	int failed;
	int bom_checked;

	enum jstate st;
	enum jstate after;	/* state after the current record / junk */
	int container;		/* the current array is a wrapper's records array */

	/* the value being scanned */
	int arr_ctx;		/* it is an element of an array (M_ARR), not a top-level value */
	unsigned depth;
	int in_str, esc, scalar, deep, oversize;
	uint64_t rec_off;
	uint64_t stack[CT_JSCAN_MAX_DEPTH / 64];	/* bit set: that level is an object */

	const char *reason;	/* error of the current broken record */
	size_t err_end;		/* where the broken record ends (buffer index) */

	/* cached position of the next newline at or after the scan position */
	size_t nl;
	int nl_ok;
};

static inline int
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
ct_jscan_looks_json(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && is_ws(p[i]))
		i++;
	return i < n && (p[i] == '{' || p[i] == '[');
}

int
ct_jscan_new(struct ct_jscan **out, enum ct_jscan_mode mode, size_t max_record,
    ct_jscan_read_fn readfn, void *arg)
{
	struct ct_jscan *s;

	*out = NULL;
	if (max_record == 0)
		max_record = CT_JSCAN_MAX_RECORD_DEFAULT;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	s->cap = max_record < JSCAN_CHUNK ? max_record + JSCAN_LOOKAHEAD : JSCAN_CHUNK;
	if ((s->buf = malloc(s->cap)) == NULL) {
		free(s);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	s->mode = mode;
	s->max_record = max_record;
	s->readfn = readfn;
	s->arg = arg;
	s->st = mode == CT_JSCAN_LINES ? M_LINE : M_TOP;
	*out = s;
	return 0;
}

void
ct_jscan_free(struct ct_jscan *s)
{
	if (s == NULL)
		return;
	free(s->buf);
	free(s);
}

uint64_t
ct_jscan_consumed(const struct ct_jscan *s)
{
	return s->base + s->pos;
}

static int
in_record(const struct ct_jscan *s)
{
	return s->st == M_VAL || s->st == M_JUNK || s->st == M_LINE;
}

/* Make room and read more input.  Keeps the current record's bytes unless it is oversized. */
static int
refill(struct ct_jscan *s)
{
	size_t keep = in_record(s) ? s->rs : s->pos, got = 0;
	uint8_t *nb;
	int r;

	s->nl_ok = 0;
	if (keep > 0) {
		memmove(s->buf, s->buf + keep, s->len - keep);
		s->len -= keep;
		s->pos -= keep;
		if (in_record(s))
			s->rs -= keep;
		s->base += keep;
	}
	if (s->len == s->cap) {
		if (in_record(s) && s->len >= s->max_record) {
			/* too long to keep: forget its bytes, keep following its structure */
			s->oversize = 1;
			s->base += s->len;
			s->len = s->pos = s->rs = 0;
		} else {
			size_t ncap = s->cap * 2;

			if (ncap > s->max_record + JSCAN_CHUNK)
				ncap = s->max_record + JSCAN_CHUNK;
			if (ncap <= s->cap)
				return ct_error(CT_ERR_INTERNAL, "scanner buffer cannot grow");
			if ((nb = realloc(s->buf, ncap)) == NULL)
				return ct_error(CT_ERR_NOMEM, "out of memory");
			s->buf = nb;
			s->cap = ncap;
		}
	}
	if ((r = s->readfn(s->arg, s->buf + s->len, s->cap - s->len, &got)) != 0)
		return r;
	if (got > s->cap - s->len)
		return ct_error(CT_ERR_INTERNAL, "read callback overran the buffer");
	if (got == 0)
		s->eof = 1;
	s->len += got;
	return 0;
}

/* Index of the first newline at or after `from` in the buffer, or SIZE_MAX (junk and lines). */
static size_t
next_nl(struct ct_jscan *s, size_t from)
{
	const uint8_t *p;

	if (s->nl_ok && (s->nl == SIZE_MAX || s->nl >= from))
		return s->nl;
	p = from < s->len ? memchr(s->buf + from, '\n', s->len - from) : NULL;
	s->nl = p != NULL ? (size_t)(p - s->buf) : SIZE_MAX;
	s->nl_ok = 1;
	return s->nl;
}

static void
start_value(struct ct_jscan *s, int arr_ctx)
{
	uint8_t c = s->buf[s->pos];

	s->rs = s->pos;
	s->rec_off = s->base + s->pos;
	s->arr_ctx = arr_ctx;
	s->depth = 0;
	s->in_str = s->esc = s->deep = s->oversize = 0;
	s->scalar = !(c == '{' || c == '[' || c == '"');
	s->reason = NULL;
	s->st = M_VAL;
	s->after = arr_ctx ? M_ARR : M_TOP;
}

static int
val_error(struct ct_jscan *s, const char *reason, size_t end)
{
	s->reason = reason;
	s->err_end = end;
	return SCAN_ERR;
}

/*
 * Bit i of the result is set when p[i] is one of the bytes the value scanner must look at:
 * '"', '\\', '\n', '{', '}', '[', ']'.  16 bytes at a time with SSE2 (baseline on x86-64);
 * a table elsewhere.
 */
#define BLOCK 16

static const uint8_t interesting[256] = {
	['"'] = 1, ['\\'] = 1, ['\n'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
};

#if defined(__SSE2__)
#include <emmintrin.h>

static inline uint32_t
block_mask(const uint8_t *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));	/* '[' -> '{', ']' -> '}' */
	__m128i m = _mm_or_si128(
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
		_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
		_mm_or_si128(_mm_cmpeq_epi8(lo, _mm_set1_epi8('{')),
		    _mm_cmpeq_epi8(lo, _mm_set1_epi8('}')))));

	return (uint32_t)_mm_movemask_epi8(m);
}
#else
static inline uint32_t
block_mask(const uint8_t *p)
{
	uint32_t m = 0;
	int i;

	for (i = 0; i < BLOCK; i++)
		m |= (uint32_t)interesting[p[i]] << i;
	return m;
}
#endif

static inline uint32_t
tail_mask(const uint8_t *p, size_t n)
{
	uint32_t m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m |= (uint32_t)interesting[p[i]] << i;
	return m;
}

/* A scalar (number, literal) ends at whitespace or punctuation. */
static int
scan_scalar(struct ct_jscan *s)
{
	uint8_t *b = s->buf, c;
	size_t pos = s->pos, len = s->len;

	while (pos < len) {
		c = b[pos];
		if (is_ws(c) || c == ',' || c == ']' || c == '}' || c == '[' || c == '{' ||
		    c == '"') {
			s->pos = pos;
			return SCAN_DONE;
		}
		pos++;
	}
	s->pos = pos;
	return SCAN_NEED;
}

/*
 * Scan the current value from s->pos.  SCAN_DONE with s->pos just past its end, SCAN_NEED
 * when the buffer ran out, SCAN_ERR with s->reason and s->err_end set (s->pos at the bad byte).
 */
static int
scan_value(struct ct_jscan *s)
{
	uint8_t *b = s->buf, c;
	size_t pos = s->pos, len = s->len, blk, n, p;
	uint32_t m;
	unsigned d;
	int r = SCAN_NEED;

	if (s->scalar)
		return scan_scalar(s);
	if (s->in_str && s->esc) {
		if (pos >= len)
			return SCAN_NEED;
		s->esc = 0;
		pos++;
	}
	while (pos < len) {
		blk = pos;
		n = len - pos >= BLOCK ? BLOCK : len - pos;
		m = n == BLOCK ? block_mask(b + blk) : tail_mask(b + blk, n);
		while (m != 0) {
			p = blk + (size_t)__builtin_ctz(m);
			m &= m - 1;
			if (p < pos)
				continue;	/* the byte after a backslash */
			c = b[p];
			if (s->in_str) {
				if (c == '"') {
					s->in_str = 0;
					pos = p + 1;
					if (s->depth == 0) {
						r = SCAN_DONE;
						goto out;
					}
				} else if (c == '\\') {
					if (p + 1 >= len) {
						s->esc = 1;
						pos = len;
						goto out;
					}
					pos = p + 2;
				} else if (c == '\n') {
					pos = p;
					r = val_error(s, "newline inside a string", p);
					goto out;
				}
				continue;
			}
			switch (c) {
			case '"':
				s->in_str = 1;
				pos = p + 1;
				break;
			case '{':
			case '[':
				d = s->depth++;
				if (d < CT_JSCAN_MAX_DEPTH) {
					if (c == '{')
						s->stack[d / 64] |= (uint64_t)1 << (d % 64);
					else
						s->stack[d / 64] &= ~((uint64_t)1 << (d % 64));
				} else {
					s->deep = 1;
				}
				pos = p + 1;
				break;
			case '}':
			case ']':
				d = --s->depth;
				if (d < CT_JSCAN_MAX_DEPTH &&
				    ((s->stack[d / 64] >> (d % 64)) & 1) != (uint64_t)(c == '}')) {
					pos = p;
					r = val_error(s, "mismatched bracket", p + 1);
					goto out;
				}
				pos = p + 1;
				if (s->depth == 0) {
					r = SCAN_DONE;
					goto out;
				}
				break;
			case '\n':
				/*
				 * A '{' at the start of a line inside an unfinished value: pretty
				 * printers indent nested values, so this is the next record after
				 * a truncated one.
				 */
				if (p + 1 < len && b[p + 1] == '{') {
					pos = p;
					r = val_error(s,
					    "record truncated (next line starts a new record)", p);
					goto out;
				}
				pos = p + 1;
				break;
			default:
				pos = p + 1;	/* a stray backslash outside a string */
				break;
			}
		}
		if (pos < blk + n)
			pos = blk + n;
	}
 out:
	s->pos = pos;
	return r;
}

static void
emit(struct ct_jscan *s, struct ct_jrec *rec, size_t end, const char *error)
{
	if (s->oversize || end - s->rs > s->max_record) {
		rec->p = s->buf;
		rec->len = 0;
		rec->error = "record larger than the size limit";
	} else {
		rec->p = s->buf + s->rs;
		rec->len = end - s->rs;
		rec->error = error;
	}
	rec->offset = s->rec_off;
	rec->container = s->st == M_VAL && s->arr_ctx && s->container;
	s->oversize = 0;
}

static int
step_top(struct ct_jscan *s, struct ct_jrec *rec)
{
	uint8_t *b = s->buf, c;
	size_t i;

	if (!s->bom_checked && s->base == 0) {
		if (s->len - s->pos < 3 && !s->eof)
			return -1;	/* need more */
		if (s->len - s->pos >= 3 && b[s->pos] == 0xef && b[s->pos + 1] == 0xbb &&
		    b[s->pos + 2] == 0xbf)
			s->pos += 3;
	}
	s->bom_checked = 1;
	while (s->pos < s->len && is_ws(b[s->pos]))
		s->pos++;
	if (s->pos >= s->len)
		return s->eof ? 0 : -1;
	c = b[s->pos];
	if (c == '{') {
		if (s->len - s->pos < JSCAN_LOOKAHEAD && !s->eof)
			return -1;
		/* a wrapper: {"Records": [ or {"Events": [ */
		i = s->pos + 1;
		while (i < s->len && is_ws(b[i]))
			i++;
		if ((s->len - i >= 9 && memcmp(b + i, "\"Records\"", 9) == 0 && (i += 9)) ||
		    (s->len - i >= 8 && memcmp(b + i, "\"Events\"", 8) == 0 && (i += 8))) {
			while (i < s->len && is_ws(b[i]))
				i++;
			if (i < s->len && b[i] == ':') {
				i++;
				while (i < s->len && is_ws(b[i]))
					i++;
				if (i < s->len && b[i] == '[') {
					s->pos = i + 1;
					s->st = M_ARR;
					s->container = 1;
					return 2;
				}
			}
		}
		start_value(s, 0);
		return 2;
	}
	if (c == '[') {
		s->pos++;
		s->st = M_ARR;
		s->container = 0;
		return 2;
	}
	/* a scalar or anything else at the top: the rest of the line is no record */
	s->rs = s->pos;
	s->rec_off = s->base + s->pos;
	s->oversize = 0;
	s->reason = "not a JSON object or array";
	s->after = M_TOP;
	s->st = M_JUNK;
	(void)rec;
	return 2;
}

int
ct_jscan_next(struct ct_jscan *s, struct ct_jrec *rec)
{
	size_t e;
	int r;

	memset(rec, 0, sizeof(*rec));
	if (s->failed)
		return s->failed;
	for (;;) {
		if (s->pos >= s->len && !s->eof) {
			if ((r = refill(s)) != 0) {
				s->failed = r;
				return r;
			}
			continue;
		}
		switch (s->st) {
		case M_TOP:
			r = step_top(s, rec);
			if (r == 0)
				return 0;
			if (r < 0) {
				if ((r = refill(s)) != 0) {
					s->failed = r;
					return r;
				}
			}
			break;
		case M_ARR:
			while (s->pos < s->len && (is_ws(s->buf[s->pos]) || s->buf[s->pos] == ','))
				s->pos++;
			if (s->pos >= s->len) {
				if (!s->eof)
					break;
				s->st = M_TOP;
				rec->p = s->buf + s->len;
				rec->offset = s->base + s->len;
				rec->error = "input ends inside a JSON array";
				return 1;
			}
			if (s->buf[s->pos] == ']' || s->buf[s->pos] == '}') {
				/* '}' closes a wrapper whose array was not closed: be lenient */
				int wrapper_closed = s->buf[s->pos] == '}';

				s->pos++;
				if (s->container && !wrapper_closed) {
					s->st = M_POST;
					s->depth = 1;
					s->stack[0] |= 1;
					s->in_str = s->esc = s->scalar = s->deep = 0;
				} else {
					s->st = M_TOP;
				}
				break;
			}
			start_value(s, 1);
			break;
		case M_POST:
			r = scan_value(s);
			if (r == SCAN_DONE || r == SCAN_ERR) {
				s->st = M_TOP;
			} else if (s->eof) {
				s->st = M_TOP;
				rec->p = s->buf + s->len;
				rec->offset = s->base + s->len;
				rec->error = "input ends inside a JSON object";
				return 1;
			}
			break;
		case M_VAL:
			r = scan_value(s);
			if (r == SCAN_DONE) {
				emit(s, rec, s->pos, s->deep ? "nested too deeply" : NULL);
				s->st = s->after;
				return 1;
			}
			if (r == SCAN_ERR) {
				if (!s->arr_ctx && s->err_end > s->pos) {
					/* a broken top-level record: drop the rest of its line */
					s->st = M_JUNK;
					break;
				}
				/* ends at a newline (err_end == pos) or, in an array, after the bad byte */
				e = s->err_end;
				emit(s, rec, e, s->reason);
				s->pos = e < s->len && s->buf[e] == '\n' ? e + 1 : e;
				s->st = s->after;
				return 1;
			}
			if (s->eof) {
				if (s->scalar) {
					emit(s, rec, s->len, NULL);
				} else {
					emit(s, rec, s->len, "record truncated at end of input");
				}
				s->pos = s->len;
				s->st = M_TOP;
				return 1;
			}
			break;
		case M_JUNK:
			e = next_nl(s, s->pos);
			if (e == SIZE_MAX) {
				if (!s->eof) {
					s->pos = s->len;
					break;
				}
				e = s->len;
			}
			emit(s, rec, e, s->reason);
			s->pos = e < s->len ? e + 1 : e;
			s->st = s->after;
			return 1;
		case M_LINE:
			if (s->pos >= s->len && s->eof && s->rs >= s->len && !s->oversize)
				return 0;
			e = next_nl(s, s->pos);
			if (e == SIZE_MAX) {
				if (!s->eof) {
					s->pos = s->len;
					break;
				}
				e = s->len;
			}
			emit(s, rec, e, NULL);
			if (rec->len > 0 && rec->p[rec->len - 1] == '\r')
				rec->len--;
			s->pos = e < s->len ? e + 1 : e;
			s->rs = s->pos;
			s->rec_off = s->base + s->pos;
			return 1;
		}
	}
}

/* ---- ct_jdoc: one record, parsed into a flat node array ---- */

void
ct_jdoc_init(struct ct_jdoc *d)
{
	memset(d, 0, sizeof(*d));
}

void
ct_jdoc_release(struct ct_jdoc *d)
{
	free(d->nodes);
	free(d->arena);
	ct_jdoc_init(d);
}

static int
jd_fail(struct ct_jdoc *d, size_t off, const char *what)
{
	snprintf(d->err, sizeof(d->err), "%s", what);
	d->err_off = off;
	return ct_error(CT_ERR_FORMAT, "invalid JSON: %s at offset %zu", what, off);
}

static int
jd_node(struct ct_jdoc *d, int type, size_t start)
{
	struct ct_jnode *nn;
	size_t ncap;

	if (d->nn == d->ncap) {
		ncap = d->ncap == 0 ? 256 : d->ncap * 2;
		if ((nn = realloc(d->nodes, ncap * sizeof(*nn))) == NULL)
			return -1;
		d->nodes = nn;
		d->ncap = ncap;
	}
	nn = &d->nodes[d->nn];
	nn->type = (uint8_t)type;
	nn->start = (uint32_t)start;
	nn->len = 0;
	nn->next = 0;
	nn->esc = 0;
	return (int)d->nn++;
}

/* Length of a valid UTF-8 sequence at p (1-4), or 0. */
static size_t
utf8_len(const uint8_t *p, size_t n)
{
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		c = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		return c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		c = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
		    ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
		return c >= 0x10000 && c <= 0x10ffff ? 4 : 0;
	}
	return 0;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
hex4(const uint8_t *p, uint32_t *out)
{
	int i, v;

	*out = 0;
	for (i = 0; i < 4; i++) {
		if ((v = hexval(p[i])) < 0)
			return -1;
		*out = (*out << 4) | (uint32_t)v;
	}
	return 0;
}

/* bytes a string scan must stop at: '"', '\\', controls, non-ASCII */
static const uint8_t str_stop[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

/* A string starting after its opening quote at *pos; *pos ends after the closing quote. */
static int
jd_string(struct ct_jdoc *d, size_t *pos)
{
	const uint8_t *p = d->p;
	size_t i = *pos, n = d->n, k;
	uint32_t u, lo;
	int node;

	if ((node = jd_node(d, CT_JSTR, i)) < 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (;;) {
		while (i < n && !str_stop[p[i]])
			i++;
		if (i >= n)
			return jd_fail(d, i, "unterminated string");
		if (p[i] == '"')
			break;
		if (p[i] == '\\') {
			d->nodes[node].esc = 1;
			if (i + 1 >= n)
				return jd_fail(d, i, "unterminated string");
			switch (p[i + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				i += 2;
				break;
			case 'u':
				if (i + 6 > n || hex4(p + i + 2, &u) != 0)
					return jd_fail(d, i, "invalid \\u escape");
				i += 6;
				if (u >= 0xdc00 && u <= 0xdfff)
					return jd_fail(d, i - 6, "lone low surrogate");
				if (u >= 0xd800 && u <= 0xdbff) {
					if (i + 6 > n || p[i] != '\\' || p[i + 1] != 'u' ||
					    hex4(p + i + 2, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
						return jd_fail(d, i - 6, "lone high surrogate");
					i += 6;
				}
				break;
			default:
				return jd_fail(d, i, "invalid escape");
			}
			continue;
		}
		if (p[i] < 0x20)
			return jd_fail(d, i, "control character in a string");
		if ((k = utf8_len(p + i, n - i)) == 0)
			return jd_fail(d, i, "invalid UTF-8");
		i += k;
	}
	d->nodes[node].len = (uint32_t)(i - d->nodes[node].start);
	d->nodes[node].next = (uint32_t)d->nn;
	*pos = i + 1;
	return 0;
}

static inline void
jd_ws(const struct ct_jdoc *d, size_t *pos)
{
	size_t i = *pos;

	while (i < d->n && is_ws(d->p[i]))
		i++;
	*pos = i;
}

static int
jd_value(struct ct_jdoc *d, size_t *pos, int depth)
{
	const uint8_t *p = d->p;
	size_t i, n = d->n, start;
	int node, r, first;
	uint8_t c;

	jd_ws(d, pos);
	i = *pos;
	if (i >= n)
		return jd_fail(d, i, "value expected");
	c = p[i];
	if (c == '"') {
		*pos = i + 1;
		return jd_string(d, pos);
	}
	if (c == '{' || c == '[') {
		if (depth >= CT_JSCAN_MAX_DEPTH)
			return jd_fail(d, i, "nested too deeply");
		if ((node = jd_node(d, c == '{' ? CT_JOBJ : CT_JARR, i)) < 0)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		i++;
		first = 1;
		for (;;) {
			jd_ws(d, &i);
			if (i >= n)
				return jd_fail(d, i, c == '{' ? "unterminated object" :
				    "unterminated array");
			if (p[i] == (c == '{' ? '}' : ']') && first) {
				i++;
				break;
			}
			if (c == '{') {
				if (p[i] != '"')
					return jd_fail(d, i, "member name expected");
				i++;
				if ((r = jd_string(d, &i)) != 0)
					return r;
				jd_ws(d, &i);
				if (i >= n || p[i] != ':')
					return jd_fail(d, i, "':' expected");
				i++;
			}
			if ((r = jd_value(d, &i, depth + 1)) != 0)
				return r;
			first = 0;
			jd_ws(d, &i);
			if (i < n && p[i] == ',') {
				i++;
				jd_ws(d, &i);
				if (i < n && (p[i] == '}' || p[i] == ']'))
					return jd_fail(d, i, "trailing comma");
				continue;
			}
			if (i < n && p[i] == (c == '{' ? '}' : ']')) {
				i++;
				break;
			}
			return jd_fail(d, i, c == '{' ? "',' or '}' expected" :
			    "',' or ']' expected");
		}
		d->nodes[node].len = (uint32_t)(i - d->nodes[node].start);
		d->nodes[node].next = (uint32_t)d->nn;
		*pos = i;
		return 0;
	}
	start = i;
	if (c == '-' || (c >= '0' && c <= '9')) {
		if (p[i] == '-')
			i++;
		if (i < n && p[i] == '0')
			i++;
		else if (i < n && p[i] >= '1' && p[i] <= '9')
			while (i < n && p[i] >= '0' && p[i] <= '9')
				i++;
		else
			return jd_fail(d, start, "invalid number");
		if (i < n && p[i] == '.') {
			i++;
			if (i >= n || p[i] < '0' || p[i] > '9')
				return jd_fail(d, start, "invalid number");
			while (i < n && p[i] >= '0' && p[i] <= '9')
				i++;
		}
		if (i < n && (p[i] == 'e' || p[i] == 'E')) {
			i++;
			if (i < n && (p[i] == '+' || p[i] == '-'))
				i++;
			if (i >= n || p[i] < '0' || p[i] > '9')
				return jd_fail(d, start, "invalid number");
			while (i < n && p[i] >= '0' && p[i] <= '9')
				i++;
		}
		node = jd_node(d, CT_JNUM, start);
	} else if (n - i >= 4 && memcmp(p + i, "true", 4) == 0) {
		i += 4;
		node = jd_node(d, CT_JTRUE, start);
	} else if (n - i >= 5 && memcmp(p + i, "false", 5) == 0) {
		i += 5;
		node = jd_node(d, CT_JFALSE, start);
	} else if (n - i >= 4 && memcmp(p + i, "null", 4) == 0) {
		i += 4;
		node = jd_node(d, CT_JNULL, start);
	} else {
		return jd_fail(d, i, "invalid value");
	}
	if (node < 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	d->nodes[node].len = (uint32_t)(i - start);
	d->nodes[node].next = (uint32_t)d->nn;
	*pos = i;
	return 0;
}

int
ct_jdoc_parse(struct ct_jdoc *d, const uint8_t *p, size_t n)
{
	size_t pos = 0, need;
	char *na;
	int r;

	d->p = p;
	d->n = n;
	d->nn = 0;
	d->alen = 0;
	d->err[0] = '\0';
	d->err_off = 0;
	if (n > UINT32_MAX / 2)
		return jd_fail(d, 0, "record too large");
	/* every string and slice of the record, NUL-terminated, fits in 2n */
	need = 2 * n + 64;
	if (d->acap < need) {
		if ((na = realloc(d->arena, need)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		d->arena = na;
		d->acap = need;
	}
	if ((r = jd_value(d, &pos, 0)) != 0)
		return r;
	jd_ws(d, &pos);
	if (pos != n)
		return jd_fail(d, pos, "data after the value");
	return 0;
}

static char *
jd_alloc(struct ct_jdoc *d, size_t n)
{
	char *p;

	if (n > d->acap - d->alen)
		return NULL;
	p = d->arena + d->alen;
	d->alen += n;
	return p;
}

/* Unescape string node i into dst (room for len+1 bytes); returns the length. */
static size_t
jd_unescape(const struct ct_jdoc *d, int i, char *dst)
{
	const uint8_t *s = d->p + d->nodes[i].start;
	size_t n = d->nodes[i].len, k = 0, j = 0;
	uint32_t u, lo;

	if (!d->nodes[i].esc) {
		memcpy(dst, s, n);
		dst[n] = '\0';
		return n;
	}
	while (j < n) {
		if (s[j] != '\\') {
			dst[k++] = (char)s[j++];
			continue;
		}
		switch (s[j + 1]) {
		case 'b': dst[k++] = '\b'; break;
		case 'f': dst[k++] = '\f'; break;
		case 'n': dst[k++] = '\n'; break;
		case 'r': dst[k++] = '\r'; break;
		case 't': dst[k++] = '\t'; break;
		case 'u':
			hex4(s + j + 2, &u);
			if (u >= 0xd800 && u <= 0xdbff) {
				hex4(s + j + 8, &lo);
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				j += 6;
			}
			/* \u0000 cannot live in a C string: keep it visible instead */
			if (u == 0) {
				memcpy(dst + k, "\\u0000", 6);
				k += 6;
			} else if (u < 0x80) {
				dst[k++] = (char)u;
			} else if (u < 0x800) {
				dst[k++] = (char)(0xc0 | (u >> 6));
				dst[k++] = (char)(0x80 | (u & 0x3f));
			} else if (u < 0x10000) {
				dst[k++] = (char)(0xe0 | (u >> 12));
				dst[k++] = (char)(0x80 | ((u >> 6) & 0x3f));
				dst[k++] = (char)(0x80 | (u & 0x3f));
			} else {
				dst[k++] = (char)(0xf0 | (u >> 18));
				dst[k++] = (char)(0x80 | ((u >> 12) & 0x3f));
				dst[k++] = (char)(0x80 | ((u >> 6) & 0x3f));
				dst[k++] = (char)(0x80 | (u & 0x3f));
			}
			j += 6;
			continue;
		default: dst[k++] = (char)s[j + 1]; break;
		}
		j += 2;
	}
	dst[k] = '\0';
	return k;
}

static int
jd_key_eq(const struct ct_jdoc *d, int i, const char *key, size_t klen, int icase)
{
	char tmp[128];
	size_t n;

	if (!d->nodes[i].esc) {
		if (d->nodes[i].len != klen)
			return 0;
		return icase ? strncasecmp((const char *)d->p + d->nodes[i].start, key, klen) == 0 :
		    memcmp(d->p + d->nodes[i].start, key, klen) == 0;
	}
	if (d->nodes[i].len >= sizeof(tmp))
		return 0;
	n = jd_unescape(d, i, tmp);
	return n == klen && (icase ? strncasecmp(tmp, key, klen) : memcmp(tmp, key, klen)) == 0;
}

int
ct_jdoc_get(struct ct_jdoc *d, int obj, const char *key)
{
	size_t klen = strlen(key);
	uint32_t i, end;
	int pass;

	if (ct_jdoc_type(d, obj) != CT_JOBJ)
		return -1;
	end = d->nodes[obj].next;
	for (pass = 0; pass < 2; pass++) {
		for (i = (uint32_t)obj + 1; i < end; i = d->nodes[i + 1].next) {
			if (jd_key_eq(d, (int)i, key, klen, pass))
				return (int)i + 1;
		}
	}
	return -1;
}

int
ct_jdoc_path(struct ct_jdoc *d, int obj, const char *path)
{
	char key[64];
	const char *p = path, *dot;
	size_t n;

	while (obj >= 0 && *p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return -1;
		memcpy(key, p, n);
		key[n] = '\0';
		obj = ct_jdoc_get(d, obj, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return obj;
}

const char *
ct_jdoc_str(struct ct_jdoc *d, int i)
{
	char *dst;

	if (ct_jdoc_type(d, i) != CT_JSTR || d->nodes[i].len == 0)
		return NULL;
	if ((dst = jd_alloc(d, d->nodes[i].len + 1)) == NULL)
		return NULL;
	jd_unescape(d, i, dst);
	return dst;
}

const char *
ct_jdoc_json(struct ct_jdoc *d, int i)
{
	const uint8_t *s;
	size_t n, j, k = 0;
	char *dst;
	int in_str = 0;
	int t = ct_jdoc_type(d, i);

	if (t == CT_JNONE || t == CT_JNULL)
		return NULL;
	if ((t == CT_JOBJ || t == CT_JARR) && d->nodes[i].next == (uint32_t)i + 1)
		return NULL;
	s = d->p + d->nodes[i].start;
	n = d->nodes[i].len;
	if (t == CT_JSTR) {	/* start/len are inside the quotes */
		s--;
		n += 2;
	}
	if ((dst = jd_alloc(d, n + 1)) == NULL)
		return NULL;
	/* drop whitespace outside strings (pretty-printed input) */
	for (j = 0; j < n; j++) {
		if (in_str) {
			if (s[j] == '\\') {
				dst[k++] = (char)s[j++];
			} else if (s[j] == '"') {
				in_str = 0;
			}
			dst[k++] = (char)s[j];
			continue;
		}
		if (is_ws(s[j]))
			continue;
		if (s[j] == '"')
			in_str = 1;
		dst[k++] = (char)s[j];
	}
	dst[k] = '\0';
	return dst;
}

int
ct_jdoc_bool(struct ct_jdoc *d, int i)
{
	switch (ct_jdoc_type(d, i)) {
	case CT_JTRUE:
		return 1;
	case CT_JFALSE:
		return 0;
	case CT_JSTR:
		if (d->nodes[i].len == 4 && strncasecmp((const char *)d->p + d->nodes[i].start,
		    "true", 4) == 0)
			return 1;
		if (d->nodes[i].len == 5 && strncasecmp((const char *)d->p + d->nodes[i].start,
		    "false", 5) == 0)
			return 0;
		return -1;
	default:
		return -1;
	}
}
