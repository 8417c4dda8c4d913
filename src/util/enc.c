/*
 * enc.c - hex and base64 (see enc.h).
 */
#include <stdlib.h>
#include <string.h>

#include "util/enc.h"
#include "util/err.h"

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
ct_hex_fmt(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
ct_hex_encode(const uint8_t *p, size_t n, char **out)
{
	char *s;

	*out = NULL;
	if (n > (SIZE_MAX - 1) / 2 || (s = malloc(2 * n + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	ct_hex_fmt(p, n, s);
	*out = s;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ct_hex_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t *d;
	size_t i;
	int hi, lo;

	*out = NULL;
	*outlen = 0;
	if (n % 2 != 0)
		return ct_error(CT_ERR_FORMAT, "odd-length hex string");
	if ((d = malloc(n / 2 + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i += 2) {
		if ((hi = hexval((unsigned char)s[i])) < 0 ||
		    (lo = hexval((unsigned char)s[i + 1])) < 0) {
			free(d);
			return ct_error(CT_ERR_FORMAT, "invalid hex digit");
		}
		d[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	d[n / 2] = 0;
	*out = d;
	*outlen = n / 2;
	return 0;
}

static int
b64_encode_alpha(const uint8_t *p, size_t n, char **out, const char *alpha, int pad)
{
	size_t olen, i, o = 0;
	uint32_t v;
	char *s;

	*out = NULL;
	if (n > (SIZE_MAX - 4) / 4 * 3)
		return ct_error(CT_ERR_LIMIT, "data too large to encode");
	olen = (n + 2) / 3 * 4;
	if ((s = malloc(olen + 1)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		s[o++] = alpha[v >> 18 & 63];
		s[o++] = alpha[v >> 12 & 63];
		s[o++] = alpha[v >> 6 & 63];
		s[o++] = alpha[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		s[o++] = alpha[v >> 18 & 63];
		s[o++] = alpha[v >> 12 & 63];
		if (i + 1 < n)
			s[o++] = alpha[v >> 6 & 63];
		else if (pad)
			s[o++] = '=';
		if (pad)
			s[o++] = '=';
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

int
ct_b64_encode(const uint8_t *p, size_t n, char **out)
{
	return b64_encode_alpha(p, n, out, b64std, 1);
}

int
ct_b64url_encode(const uint8_t *p, size_t n, char **out)
{
	return b64_encode_alpha(p, n, out, b64url, 0);
}

static int
b64_decode_alpha(const char *s, size_t n, uint8_t **out, size_t *outlen, int url)
{
	uint32_t acc = 0;
	size_t i, o = 0, nch = 0, npad = 0;
	uint8_t *d;
	int v, c;

	*out = NULL;
	*outlen = 0;
	if ((d = malloc(n / 4 * 3 + 4)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (!url && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			continue;
		if (c == '=') {
			npad++;
			continue;
		}
		if (npad != 0)
			goto bad;	/* data after padding */
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == (url ? '-' : '+'))
			v = 62;
		else if (c == (url ? '_' : '/'))
			v = 63;
		else
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if (++nch % 4 == 0) {
			d[o++] = (uint8_t)(acc >> 16);
			d[o++] = (uint8_t)(acc >> 8);
			d[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	switch (nch % 4) {
	case 0:
		if (npad != 0)
			goto bad;
		break;
	case 1:
		goto bad;
	case 2:
		if ((!url && npad != 2) || (url && npad != 0 && npad != 2) ||
		    (acc & 0xf) != 0)
			goto bad;
		d[o++] = (uint8_t)(acc >> 4);
		break;
	case 3:
		if ((!url && npad != 1) || (url && npad > 1) || (acc & 0x3) != 0)
			goto bad;
		d[o++] = (uint8_t)(acc >> 10);
		d[o++] = (uint8_t)(acc >> 2);
		break;
	}
	d[o] = 0;
	*out = d;
	*outlen = o;
	return 0;
 bad:
	free(d);
	return ct_error(CT_ERR_FORMAT, "invalid %s data", url ? "base64url" : "base64");
}

int
ct_b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	return b64_decode_alpha(s, n, out, outlen, 0);
}

int
ct_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	return b64_decode_alpha(s, n, out, outlen, 1);
}
