/*
 * ingest_util.c - what every log parser needs: owned strings of an event, lenient JSON
 * field access, the timestamp forms providers write, and addresses (see ingest.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/ingest.h"
#include "util/err.h"
#include "util/timeutil.h"

void
ct_pevent_init(struct ct_pevent *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->read_only = -1;
}

void
ct_pevent_release(struct ct_pevent *ev)
{
	int i;

	for (i = 0; i < ev->nown; i++)
		free(ev->own[i]);
	for (i = 0; i < ev->nhold; i++)
		json_decref(ev->hold[i]);
	for (i = 0; i < ev->ndocs; i++) {
		ct_jdoc_release(ev->docs[i]);
		free(ev->docs[i]);
	}
	ct_pevent_init(ev);
}

const char *
ct_pevent_own(struct ct_pevent *ev, char *s)
{
	if (s == NULL)
		return NULL;
	if (ev->nown >= (int)(sizeof(ev->own) / sizeof(ev->own[0]))) {
		free(s);
		return NULL;
	}
	ev->own[ev->nown++] = s;
	return s;
}

const char *
ct_pevent_strndup(struct ct_pevent *ev, const char *s, size_t n)
{
	char *p;

	if (s == NULL || (p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return ct_pevent_own(ev, p);
}

const char *
ct_pevent_json(struct ct_pevent *ev, json_t *v)
{
	if (v == NULL || json_is_null(v) ||
	    (json_is_object(v) && json_object_size(v) == 0) ||
	    (json_is_array(v) && json_array_size(v) == 0))
		return NULL;
	return ct_pevent_own(ev, json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
}

int
ct_pevent_hold(struct ct_pevent *ev, json_t *v)
{
	if (ev->nhold >= (int)(sizeof(ev->hold) / sizeof(ev->hold[0])))
		return ct_error(CT_ERR_LIMIT, "too many nested documents in one record");
	ev->hold[ev->nhold++] = json_incref(v);
	return 0;
}

int
ct_pevent_doc(struct ct_pevent *ev, const char *p, size_t n, struct ct_jdoc **out)
{
	struct ct_jdoc *d;

	*out = NULL;
	if (ev->ndocs >= (int)(sizeof(ev->docs) / sizeof(ev->docs[0])))
		return ct_error(CT_ERR_LIMIT, "too many nested documents in one record");
	if ((d = malloc(sizeof(*d))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	ct_jdoc_init(d);
	ev->docs[ev->ndocs++] = d;
	if (ct_jdoc_parse(d, (const uint8_t *)p, n) != 0) {
		ct_error_clear();
		return 0;
	}
	*out = d;
	return 0;
}

json_t *
ct_jget(json_t *obj, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	if ((v = json_object_get(obj, key)) != NULL)
		return v;
	json_object_foreach(obj, k, v) {
		if (strcasecmp(k, key) == 0)
			return v;
	}
	return NULL;
}

const char *
ct_jstr(json_t *obj, const char *key)
{
	json_t *v = ct_jget(obj, key);
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	return *s != '\0' ? s : NULL;
}

json_t *
ct_jpath(json_t *obj, const char *path)
{
	char key[64];
	const char *p = path, *dot;
	size_t n;

	while (obj != NULL && *p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		obj = ct_jget(obj, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return obj;
}

const char *
ct_jpath_str(json_t *obj, const char *path)
{
	json_t *v = ct_jpath(obj, path);
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	return *s != '\0' ? s : NULL;
}

int
ct_jbool(json_t *v)
{
	const char *s;

	if (json_is_true(v))
		return 1;
	if (json_is_false(v))
		return 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		if (strcasecmp(s, "true") == 0)
			return 1;
		if (strcasecmp(s, "false") == 0)
			return 0;
	}
	return -1;
}

/* "Sep 14, 2020, 7:10:27 AM" - how CloudTrail writes credentials.expiration. */
static int
parse_us_english(const char *s, size_t n, int64_t *out_us)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char iso[40];
	unsigned day, year, h, mi, sec;
	int mon = -1, i, used = 0;
	char ampm[3] = "";
	char tmp[48];

	if (n < 20 || n >= sizeof(tmp))
		return CT_ERR_FORMAT;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	for (i = 0; i < 12; i++) {
		if (strncmp(tmp, months + 3 * i, 3) == 0)
			mon = i + 1;
	}
	if (mon < 0 || sscanf(tmp + 3, " %2u, %4u, %2u:%2u:%2u %2s%n", &day, &year, &h, &mi, &sec,
	    ampm, &used) != 6 || (size_t)used + 3 != n)
		return CT_ERR_FORMAT;
	if (h < 1 || h > 12)
		return CT_ERR_FORMAT;
	if (strcmp(ampm, "AM") == 0)
		h = h == 12 ? 0 : h;
	else if (strcmp(ampm, "PM") == 0)
		h = h == 12 ? 12 : h + 12;
	else
		return CT_ERR_FORMAT;
	snprintf(iso, sizeof(iso), "%04u-%02d-%02uT%02u:%02u:%02uZ", year, mon, day, h, mi, sec);
	return ct_time_parse(iso, strlen(iso), out_us);
}

int
ct_ingest_time_str(const char *s, size_t n, int64_t *out_us)
{
	char buf[64];
	size_t i;
	int digits = 1;

	*out_us = 0;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0)
		goto bad;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	if (digits && n <= 16) {
		long long v;

		memcpy(buf, s, n);
		buf[n] = '\0';
		v = strtoll(buf, NULL, 10);
		/* seconds until 5138, else milliseconds (16 digits of them overflow µs) */
		if (v >= 100000000000LL && v > INT64_MAX / 1000)
			goto bad;
		*out_us = v < 100000000000LL ? v * 1000000 : v * 1000;
		return 0;
	}
	if (ct_time_parse(s, n, out_us) == 0)
		return 0;
	/* no zone: UTC (GCP exports and Lake queries write "2023-03-08 18:52:52.114") */
	if (n + 1 < sizeof(buf) && n >= 19 && s[4] == '-' && s[n - 1] >= '0' && s[n - 1] <= '9') {
		memcpy(buf, s, n);
		buf[n] = 'Z';
		if (ct_time_parse(buf, n + 1, out_us) == 0)
			return 0;
	}
	if (parse_us_english(s, n, out_us) == 0)
		return 0;
 bad:
	return ct_error(CT_ERR_FORMAT, "invalid timestamp '%.*s'", (int)(n > 64 ? 64 : n), s);
}

int
ct_ingest_time(json_t *v, int64_t *out_us)
{
	*out_us = 0;
	if (json_is_string(v))
		return ct_ingest_time_str(json_string_value(v), json_string_length(v), out_us);
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		if (x < 0 || x > 253402300799000LL)
			return ct_error(CT_ERR_FORMAT, "timestamp %lld out of range", (long long)x);
		*out_us = x < 100000000000LL ? x * 1000000 : x * 1000;
		return 0;
	}
	if (json_is_real(v)) {
		double x = json_real_value(v);

		if (!(x >= 0 && x < 253402300799.0))
			return ct_error(CT_ERR_FORMAT, "timestamp out of range");
		*out_us = (int64_t)(x * 1e6);
		return 0;
	}
	return ct_error(CT_ERR_FORMAT, "timestamp is not a string");
}

void
ct_pevent_source(struct ct_pevent *ev, const char *addr)
{
	unsigned char bin[16];
	char tmp[64];
	const char *p;
	size_t n;

	if (addr == NULL || *addr == '\0')
		return;
	n = strlen(addr);
	if (n < sizeof(tmp)) {
		if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1) {
			ev->source_ip = addr;
			return;
		}
		/* "[2001:db8::1]:8200" */
		if (addr[0] == '[' && (p = strchr(addr, ']')) != NULL &&
		    (size_t)(p - addr - 1) < sizeof(tmp)) {
			memcpy(tmp, addr + 1, p - addr - 1);
			tmp[p - addr - 1] = '\0';
			if (inet_pton(AF_INET6, tmp, bin) == 1) {
				ev->source_ip = ct_pevent_strndup(ev, tmp, strlen(tmp));
				return;
			}
		}
		/* "10.0.0.1:8200" */
		if ((p = strrchr(addr, ':')) != NULL && strchr(addr, ':') == p) {
			memcpy(tmp, addr, p - addr);
			tmp[p - addr] = '\0';
			if (inet_pton(AF_INET, tmp, bin) == 1) {
				ev->source_ip = ct_pevent_strndup(ev, tmp, strlen(tmp));
				return;
			}
		}
	}
	ev->source_host = addr;
}
