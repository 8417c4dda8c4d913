/*
 * ingest_sshd.c - sshd authentication log lines, in every form they are stored:
 *
 *   Dec 10 06:55:46 LabSZ sshd[24200]: <message>          BSD syslog
 *   Dec 10 06:55:46 sshd[24200]: <message>                without host
 *   Jul  3 14:59:17 host sshd-session[1571]: <message>    OpenSSH 9.8+ per-session binary
 *   <38>Dec 22 21:04:42 host sshd[448159]: <message>      BSD with the PRI part
 *   <38>1 2024-12-22T21:04:42.1Z host sshd 448159 - - <message>   RFC 5424
 *   2024-12-22T21:04:42.123+01:00 host sshd[1]: <message> rsyslog high-precision
 *   sshd[52436]: <message>                                no time
 *   <message>                                             sshd -E (no prefix at all)
 *   {"MESSAGE": ..., "SYSLOG_IDENTIFIER": "sshd", ...}    journalctl -o json
 *
 * The message itself is read by ct_sshd_auth_parse() (sshdlog.c): Accepted/Failed lines with
 * the certificate's key ID, serial and CA fingerprint, which is what joins a login to the
 * credtrail certificate.  A few failure lines it does not cover are read here ("Invalid user",
 * certificate refusals, revoked keys).  Lines of other programs and other sshd messages are
 * not events (skipped).  An sshd line has no id: the digest of the line is its dedupe key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/ingest.h"
#include "lib/sshdlog.h"
#include "util/err.h"
#include "util/timeutil.h"

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *
dup(struct ct_pevent *ev, const char *s)
{
	return s[0] != '\0' ? ct_pevent_strndup(ev, s, strlen(s)) : NULL;
}

/* "Mmm dd HH:MM:SS" (day space-padded or not); year from ref_us.  Bytes used, or 0. */
static size_t
bsd_time(const char *s, size_t n, int64_t ref_us, int64_t *out_us)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char iso[40];
	size_t i = 4;
	int mon = -1, day = 0, k, year;
	time_t ref;
	struct tm tm;
	int64_t us;

	if (n < 15)
		return 0;
	for (k = 0; k < 12; k++)
		if (memcmp(s, months + 3 * k, 3) == 0)
			mon = k + 1;
	if (mon < 0 || s[3] != ' ')
		return 0;
	if (s[i] == ' ')
		i++;
	while (i < n && is_digit(s[i]) && day < 100)
		day = day * 10 + (s[i++] - '0');
	if (day < 1 || day > 31 || i + 9 > n || s[i] != ' ' || !is_digit(s[i + 1]) ||
	    !is_digit(s[i + 2]) || s[i + 3] != ':' || !is_digit(s[i + 4]) ||
	    !is_digit(s[i + 5]) || s[i + 6] != ':' || !is_digit(s[i + 7]) || !is_digit(s[i + 8]))
		return 0;
	ref = (time_t)(ref_us / 1000000);
	gmtime_r(&ref, &tm);
	year = tm.tm_year + 1900;
	/* the latest year that does not put the line more than a day after the reference */
	for (k = 0; k < 2; k++, year--) {
		snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%.8sZ", year, mon, day, s + i + 1);
		if (ct_time_parse(iso, strlen(iso), &us) != 0) {
			if (mon == 2 && day == 29)
				continue;	/* not a leap year: try the one before */
			ct_error_clear();
			return 0;
		}
		if (us <= ref_us + 86400LL * 1000000)
			break;
	}
	*out_us = us;
	return i + 9;
}

/* "sshd[123]:" "sshd:" "sshd-session[9]:"; 1 when the token (n bytes) is sshd's tag */
static int
sshd_tag(const char *t, size_t n)
{
	size_t p = 0;

	while (p < n && t[p] != '[' && t[p] != ':')
		p++;
	if (!((p == 4 && memcmp(t, "sshd", 4) == 0) ||
	    (p == 12 && memcmp(t, "sshd-session", 12) == 0)))
		return 0;
	return n > 0 && t[n - 1] == ':';
}

static size_t
token(const char *s, size_t n, size_t i, size_t *end)
{
	while (i < n && s[i] == ' ')
		i++;
	*end = i;
	while (*end < n && s[*end] != ' ')
		(*end)++;
	return i;
}

/* Lines ct_sshd_auth_parse does not read; 0, or CT_INGEST_SKIP. */
static int
parse_other(const char *m, size_t n, struct ct_pevent *ev)
{
	const char *p, *e;
	char buf[512];

	if (n >= sizeof(buf))
		return CT_INGEST_SKIP;
	memcpy(buf, m, n);
	buf[n] = '\0';
	/* the name is the client's choice: the last " from " is sshd's own */
	if (strncmp(buf, "Invalid user ", 13) == 0) {
		for (p = NULL, e = buf + 12; (e = strstr(e, " from ")) != NULL; e++)
			p = e;
		if (p == NULL)
			return CT_INGEST_SKIP;
		ev->principal = p >= buf + 13 ? ct_pevent_strndup(ev, buf + 13, p - buf - 13) : NULL;
		p += 6;
		e = strchr(p, ' ');
		ct_pevent_source(ev, ct_pevent_strndup(ev, p, e != NULL ? (size_t)(e - p) : strlen(p)));
		ev->action = "invalid-user";
		ev->outcome = "failure";
		ev->error_code = "invalid user";
		return 0;
	}
	if (strncmp(buf, "error: Certificate invalid: ", 28) == 0) {
		ev->action = "certificate";
		ev->outcome = "failure";
		ev->error_code = ct_pevent_strndup(ev, buf + 7, strlen(buf + 7));
		return 0;
	}
	if (strncmp(buf, "cert: Authentication tried for ", 31) == 0 &&
	    (p = strstr(buf + 30, " with valid certificate but not from a permitted source address (")) != NULL) {
		ev->principal = p > buf + 31 ? ct_pevent_strndup(ev, buf + 31, p - buf - 31) : NULL;
		p += strlen(" with valid certificate but not from a permitted source address (");
		if ((e = strchr(p, ')')) != NULL)
			ct_pevent_source(ev, ct_pevent_strndup(ev, p, e - p));
		ev->action = "certificate";
		ev->outcome = "failure";
		ev->error_code = "source address not permitted";
		return 0;
	}
	if (strncmp(buf, "error: Authentication key ", 26) == 0 &&
	    (e = strstr(buf + 26, " revoked by ")) != NULL) {
		p = buf + 26;
		if ((p = memchr(p, ' ', e - p)) != NULL && p < e)
			ev->key_fingerprint = ct_pevent_strndup(ev, p + 1, e - p - 1);
		ev->action = "publickey";
		ev->outcome = "failure";
		ev->error_code = "key revoked";
		return 0;
	}
	return CT_INGEST_SKIP;
}

static int
parse_message(const char *m, size_t n, struct ct_pevent *ev)
{
	struct ct_sshd_auth a;
	char act[64];
	int r;

	ev->provider = "sshd";
	ev->service = "sshd";
	r = ct_sshd_auth_parse(m, n, &a);
	if (r == CT_ERR_NOTFOUND) {
		ct_error_clear();
		return parse_other(m, n, ev);
	}
	if (r != 0)
		return r;
	if (a.outcome == CT_SSHD_POSTPONED)
		return CT_INGEST_SKIP;
	ev->principal = dup(ev, a.user);
	ct_pevent_source(ev, dup(ev, a.addr));
	snprintf(act, sizeof(act), "%s%s", a.method,
	    a.outcome == CT_SSHD_PARTIAL ? " (partial)" : "");
	ev->action = ct_pevent_strndup(ev, act, strlen(act));
	ev->key_fingerprint = dup(ev, a.key_fp);
	if (a.is_cert) {
		ev->cert_key_id = dup(ev, a.key_id);
		ev->cert_serial = dup(ev, a.serial_str);
		ev->ca_fingerprint = dup(ev, a.ca_fp);
	}
	if (a.outcome == CT_SSHD_FAILED) {
		ev->outcome = "failure";
		ev->error_code = a.invalid_user ? "invalid user" : "failed";
	} else {
		ev->outcome = "success";
	}
	return 0;
}

int
ct_ingest_sshd_parse(const char *line, size_t n, struct ct_pevent *ev, int64_t ref_us)
{
	size_t i = 0, t0, t1, used;
	int64_t us;
	int r;

	ev->provider = "sshd";
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	/* <PRI> */
	if (n > 2 && line[0] == '<') {
		for (i = 1; i < n && i < 5 && is_digit(line[i]); i++)
			;
		if (i < n && line[i] == '>' && i > 1)
			i++;
		else
			i = 0;
		/* RFC 5424: "1 TIMESTAMP HOST APP PROCID MSGID SD MSG" */
		if (i > 0 && n - i > 2 && line[i] == '1' && line[i + 1] == ' ') {
			size_t f[5][2], k;

			i += 2;
			for (k = 0; k < 5; k++) {
				f[k][0] = token(line, n, i, &f[k][1]);
				i = f[k][1];
			}
			if (f[0][1] > f[0][0] && !(f[0][1] - f[0][0] == 1 && line[f[0][0]] == '-')) {
				if ((r = ct_ingest_time_str(line + f[0][0], f[0][1] - f[0][0], &us)) != 0)
					return r;
				ev->time_us = us;
				ev->has_time = 1;
			}
			if (!((f[2][1] - f[2][0] == 4 && memcmp(line + f[2][0], "sshd", 4) == 0) ||
			    (f[2][1] - f[2][0] == 12 && memcmp(line + f[2][0], "sshd-session", 12) == 0)))
				return CT_INGEST_SKIP;
			if (!(f[1][1] - f[1][0] == 1 && line[f[1][0]] == '-'))
				ev->account = ct_pevent_strndup(ev, line + f[1][0], f[1][1] - f[1][0]);
			/* structured data: "-" or [...]... */
			while (i < n && line[i] == ' ')
				i++;
			if (i < n && line[i] == '-') {
				i++;
			} else {
				while (i < n && line[i] == '[') {
					while (i < n && line[i] != ']')
						i += line[i] == '\\' ? 2 : 1;
					i++;
				}
			}
			if (i < n && line[i] == ' ')
				i++;
			if (i > n)
				i = n;
			/* a BOM may start MSG */
			if (n - i >= 3 && memcmp(line + i, "\xef\xbb\xbf", 3) == 0)
				i += 3;
			return parse_message(line + i, n - i, ev);
		}
	}
	/* a time: BSD or RFC 3339 */
	if ((used = bsd_time(line + i, n - i, ref_us, &us)) > 0) {
		ev->time_us = us;
		ev->has_time = 1;
		i += used;
	} else if (n - i >= 19 && is_digit(line[i]) && line[i + 4] == '-') {
		t0 = token(line, n, i, &t1);
		if ((r = ct_ingest_time_str(line + t0, t1 - t0, &us)) != 0)
			return r;
		ev->time_us = us;
		ev->has_time = 1;
		i = t1;
	}
	/* then "host tag:" or "tag:" - or nothing (sshd -E) */
	t0 = token(line, n, i, &t1);
	if (t1 > t0 && sshd_tag(line + t0, t1 - t0)) {
		i = t1;
	} else if (ev->has_time) {
		size_t h0 = t0, h1 = t1;

		t0 = token(line, n, h1, &t1);
		if (!(t1 > t0 && sshd_tag(line + t0, t1 - t0)))
			return CT_INGEST_SKIP;	/* another program's line */
		ev->account = ct_pevent_strndup(ev, line + h0, h1 - h0);
		i = t1;
	}
	while (i < n && line[i] == ' ')
		i++;
	return parse_message(line + i, n - i, ev);
}

int
ct_ingest_journal_parse(json_t *rec, struct ct_pevent *ev, int64_t ref_us)
{
	json_t *m, *v;
	const char *ident, *ts;
	char *buf = NULL;
	size_t n, i;
	int r;

	(void)ref_us;
	if (!json_is_object(rec))
		return ct_error(CT_ERR_FORMAT, "record is not a JSON object");
	ev->provider = "sshd";
	ident = ct_jstr(rec, "SYSLOG_IDENTIFIER");
	if (ident == NULL)
		ident = ct_jstr(rec, "_COMM");
	if (ident == NULL || (strcmp(ident, "sshd") != 0 && strcmp(ident, "sshd-session") != 0))
		return CT_INGEST_SKIP;
	if ((ts = ct_jstr(rec, "__REALTIME_TIMESTAMP")) != NULL) {
		char *end;
		long long us = strtoll(ts, &end, 10);

		if (*end != '\0' || us < 0)
			return ct_error(CT_ERR_FORMAT, "invalid __REALTIME_TIMESTAMP");
		ev->time_us = us;
		ev->has_time = 1;
	}
	ev->event_id = ct_jstr(rec, "__CURSOR");
	m = json_object_get(rec, "MESSAGE");
	if (json_is_string(m)) {
		r = parse_message(json_string_value(m), json_string_length(m), ev);
	} else if (json_is_array(m)) {
		/* journald writes a message that is not valid UTF-8 as an array of bytes */
		n = json_array_size(m);
		if (n > 65536 || (buf = malloc(n + 1)) == NULL)
			return ct_error(CT_ERR_FORMAT, "MESSAGE too long");
		for (i = 0; i < n; i++) {
			v = json_array_get(m, i);
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 255) {
				free(buf);
				return ct_error(CT_ERR_FORMAT, "MESSAGE array holds a non-byte");
			}
			buf[i] = (char)json_integer_value(v);
		}
		buf[n] = '\0';
		r = parse_message(buf, n, ev);
		free(buf);
	} else {
		return ct_error(CT_ERR_FORMAT, "journal record has no MESSAGE");
	}
	if (r == 0 && ev->account == NULL)
		ev->account = ct_jstr(rec, "_HOSTNAME");
	return r;
}
