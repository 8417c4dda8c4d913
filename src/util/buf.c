/*
 * buf.c - bounded byte buffer (see buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/buf.h"
#include "util/err.h"

void
ct_buf_init(struct ct_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max != 0 ? max : CT_BUF_MAX_DEFAULT;
}

void
ct_buf_view(struct ct_buf *b, const void *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->data = (uint8_t *)data;
	b->len = b->cap = b->max = len;
	b->readonly = 1;
}

void
ct_buf_release(struct ct_buf *b)
{
	if (!b->readonly)
		free(b->data);
	memset(b, 0, sizeof(*b));
}

void
ct_buf_release_secret(struct ct_buf *b)
{
	if (!b->readonly && b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	ct_buf_release(b);
}

void
ct_buf_reset(struct ct_buf *b)
{
	if (!b->readonly)
		b->len = 0;
	b->off = 0;
}

int
ct_buf_reserve(struct ct_buf *b, size_t n, uint8_t **out)
{
	size_t need, ncap;
	uint8_t *p;

	*out = NULL;
	if (b->readonly)
		return ct_error(CT_ERR_INTERNAL, "write to a read-only buffer");
	/* +1 keeps room for ct_buf_nul() without another allocation */
	if (n > b->max || b->len > b->max - n)
		return ct_error(CT_ERR_LIMIT, "buffer would exceed %zu bytes", b->max);
	need = b->len + n + 1;
	if (need > b->cap || b->data == NULL) {
		ncap = b->cap < 64 ? 64 : b->cap;
		while (ncap < need)
			ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
		if ((p = realloc(b->data, ncap)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		b->data = p;
		b->cap = ncap;
	}
	*out = b->data + b->len;
	b->len += n;
	return 0;
}

int
ct_buf_put(struct ct_buf *b, const void *p, size_t n)
{
	uint8_t *d;
	int r;

	if ((r = ct_buf_reserve(b, n, &d)) != 0)
		return r;
	if (n != 0)
		memcpy(d, p, n);
	return 0;
}

int
ct_buf_put_u8(struct ct_buf *b, uint8_t v)
{
	return ct_buf_put(b, &v, 1);
}

int
ct_buf_put_u32(struct ct_buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	return ct_buf_put(b, x, sizeof(x));
}

int
ct_buf_put_u64(struct ct_buf *b, uint64_t v)
{
	uint8_t x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (56 - 8 * i));
	return ct_buf_put(b, x, sizeof(x));
}

int
ct_buf_put_string(struct ct_buf *b, const void *p, size_t n)
{
	int r;

	if (n > UINT32_MAX)
		return ct_error(CT_ERR_LIMIT, "string too long");
	if ((r = ct_buf_put_u32(b, (uint32_t)n)) != 0)
		return r;
	return ct_buf_put(b, p, n);
}

int
ct_buf_put_cstring(struct ct_buf *b, const char *s)
{
	return ct_buf_put_string(b, s, s != NULL ? strlen(s) : 0);
}

int
ct_buf_put_bignum2_bytes(struct ct_buf *b, const uint8_t *p, size_t n)
{
	int pad, r;

	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	pad = n > 0 && (p[0] & 0x80) != 0;
	if (n + pad > UINT32_MAX)
		return ct_error(CT_ERR_LIMIT, "bignum too long");
	if ((r = ct_buf_put_u32(b, (uint32_t)(n + pad))) != 0 ||
	    (pad && (r = ct_buf_put_u8(b, 0)) != 0))
		return r;
	return ct_buf_put(b, p, n);
}

int
ct_buf_putf(struct ct_buf *b, const char *fmt, ...)
{
	va_list ap;
	uint8_t *d;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ct_error(CT_ERR_INTERNAL, "bad format");
	if ((r = ct_buf_reserve(b, (size_t)n, &d)) != 0)
		return r;
	va_start(ap, fmt);
	/* reserve() left one spare byte for the NUL vsnprintf writes */
	vsnprintf((char *)d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return 0;
}

int
ct_buf_nul(struct ct_buf *b)
{
	uint8_t *d;
	int r;

	if (b->data != NULL && b->len < b->cap) {
		b->data[b->len] = '\0';
		return 0;
	}
	if ((r = ct_buf_reserve(b, 0, &d)) != 0)
		return r;
	b->data[b->len] = '\0';
	return 0;
}

int
ct_buf_skip(struct ct_buf *b, size_t n)
{
	if (n > ct_buf_avail(b))
		return ct_error(CT_ERR_FORMAT, "truncated data");
	b->off += n;
	return 0;
}

int
ct_buf_get(struct ct_buf *b, void *out, size_t n)
{
	if (n > ct_buf_avail(b))
		return ct_error(CT_ERR_FORMAT, "truncated data");
	if (out != NULL && n != 0)
		memcpy(out, b->data + b->off, n);
	b->off += n;
	return 0;
}

int
ct_buf_get_u8(struct ct_buf *b, uint8_t *out)
{
	return ct_buf_get(b, out, 1);
}

int
ct_buf_get_u32(struct ct_buf *b, uint32_t *out)
{
	uint8_t x[4];
	int r;

	if ((r = ct_buf_get(b, x, 4)) != 0)
		return r;
	*out = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 | (uint32_t)x[2] << 8 | x[3];
	return 0;
}

int
ct_buf_get_u64(struct ct_buf *b, uint64_t *out)
{
	uint8_t x[8];
	uint64_t v = 0;
	int i, r;

	if ((r = ct_buf_get(b, x, 8)) != 0)
		return r;
	for (i = 0; i < 8; i++)
		v = v << 8 | x[i];
	*out = v;
	return 0;
}

int
ct_buf_get_string_direct(struct ct_buf *b, const uint8_t **out, size_t *outlen)
{
	uint32_t n;
	size_t save = b->off;
	int r;

	*out = NULL;
	*outlen = 0;
	if ((r = ct_buf_get_u32(b, &n)) != 0)
		return r;
	if (n > ct_buf_avail(b)) {
		b->off = save;
		return ct_error(CT_ERR_FORMAT, "string length %u exceeds data", n);
	}
	*out = b->data + b->off;
	*outlen = n;
	b->off += n;
	return 0;
}

int
ct_buf_get_cstring(struct ct_buf *b, char **out, size_t *outlen)
{
	const uint8_t *p;
	size_t n;
	char *s;
	int r;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if ((r = ct_buf_get_string_direct(b, &p, &n)) != 0)
		return r;
	if (memchr(p, '\0', n) != NULL)
		return ct_error(CT_ERR_FORMAT, "string contains a NUL byte");
	if ((s = malloc(n + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	memcpy(s, p, n);
	s[n] = '\0';
	*out = s;
	if (outlen != NULL)
		*outlen = n;
	return 0;
}
