/*
 * timeutil.c - time helpers (see timeutil.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/timeutil.h"

int64_t
ct_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
ct_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
ct_time_fmt(int64_t us, int frac, char *out, size_t outsz)
{
	time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	int64_t rem = us - (int64_t)t * 1000000;
	struct tm tm;

	gmtime_r(&t, &tm);
	if (frac)
		snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (long long)rem);
	else
		snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
digits(const char *s, size_t n, size_t *i, int count, int *out)
{
	int v = 0, k;

	if (n - *i < (size_t)count)
		return -1;
	for (k = 0; k < count; k++) {
		char c = s[*i + k];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += count;
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
ct_time_parse(const char *s, size_t n, int64_t *out_us)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int Y, M, D, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t us = 0, scale = 100000;
	size_t i = 0;

	*out_us = 0;
	if (digits(s, n, &i, 4, &Y) || i >= n || s[i++] != '-' ||
	    digits(s, n, &i, 2, &M) || i >= n || s[i++] != '-' ||
	    digits(s, n, &i, 2, &D) || i >= n || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		goto bad;
	i++;
	if (digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' ||
	    digits(s, n, &i, 2, &mi) || i >= n || s[i++] != ':' ||
	    digits(s, n, &i, 2, &sec))
		goto bad;
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || mi > 59 || sec > 60)
		goto bad;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		size_t start = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (i - start < 6) {
				us += (s[i] - '0') * scale;
				scale /= 10;
			}
			i++;
		}
		if (i == start || i - start > 9)
			goto bad;
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		sign = s[i++] == '-' ? -1 : 1;
		if (digits(s, n, &i, 2, &oh))
			goto bad;
		if (i < n && s[i] == ':')
			i++;
		if (digits(s, n, &i, 2, &om) || oh > 23 || om > 59)
			goto bad;
	} else {
		goto bad;	/* no zone: ambiguous, refuse */
	}
	if (i != n)
		goto bad;
	if (sec == 60)
		sec = 59;	/* leap second: clamp, the order of events is what matters */
	*out_us = ((days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec) -
	    (int64_t)sign * (oh * 3600 + om * 60)) * 1000000 + us;
	return 0;
 bad:
	return ct_error(CT_ERR_FORMAT, "invalid timestamp '%.*s'", (int)(n > 64 ? 64 : n), s);
}

int
ct_duration_parse(const char *s, int64_t *out_seconds)
{
	int64_t total = 0, v;
	const char *p = s;
	char *end;

	*out_seconds = 0;
	if (*p == '\0')
		goto bad;
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			goto bad;
		v = strtoll(p, &end, 10);
		if (v < 0 || v > 10 * 365 * 86400LL)
			goto bad;
		switch (*end) {
		case 'h': v *= 3600; end++; break;
		case 'm': v *= 60; end++; break;
		case 's': end++; break;
		case '\0': if (p != s) goto bad; break;
		default: goto bad;
		}
		total += v;
		if (total > 10 * 365 * 86400LL)
			goto bad;
		p = end;
	}
	*out_seconds = total;
	return 0;
 bad:
	return ct_error(CT_ERR_INVALID, "invalid duration '%s' (use e.g. 900, 15m, 1h)", s);
}
