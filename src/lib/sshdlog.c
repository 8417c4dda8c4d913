/*
 * sshdlog.c - parse sshd authentication log lines (see sshdlog.h for the format and for
 * how an attacker-chosen user name is kept from faking the source address).
 *
 * Everything works on (pointer, end) spans of the caller's bytes; fields are copied into
 * the fixed buffers of struct ct_sshd_auth only once the whole line has matched.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/ledger.h"
#include "lib/sshdlog.h"
#include "util/err.h"

struct span {
	const char *p, *e;	/* [p, e) */
};

static size_t
span_len(struct span s)
{
	return (size_t)(s.e - s.p);
}

static int
starts(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return span_len(s) >= n && memcmp(s.p, lit, n) == 0;
}

static int
ends(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return span_len(s) >= n && memcmp(s.e - n, lit, n) == 0;
}

/* Next space-free word of s (at least one byte); s advances past it. */
static int
word(struct span *s, struct span *w)
{
	w->p = w->e = s->p;
	while (w->e < s->e && *w->e != ' ')
		w->e++;
	s->p = w->e;
	return w->e > w->p;
}

/* Consume a literal. */
static int
lit(struct span *s, const char *l)
{
	if (!starts(*s, l))
		return 0;
	s->p += strlen(l);
	return 1;
}

/* Copy a span into a fixed field: printable bytes only (sshd escapes the rest). */
static int
field(char *dst, size_t dstsz, struct span s, const char *what)
{
	const char *q;
	size_t n = span_len(s);

	if (n >= dstsz)
		return ct_error(CT_ERR_LIMIT, "sshd log: %s longer than %zu bytes", what,
		    dstsz - 1);
	for (q = s.p; q < s.e; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return ct_error(CT_ERR_FORMAT, "sshd log: control character in %s", what);
	memcpy(dst, s.p, n);
	dst[n] = '\0';
	return 0;
}

static int
is_method_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '/' ||
	    c == '@' || c == '.';
}

static int
digits(struct span s, size_t max, uint64_t *out)
{
	const char *q;
	uint64_t v = 0;

	if (span_len(s) == 0 || span_len(s) > max)
		return 0;
	for (q = s.p; q < s.e; q++) {
		if (*q < '0' || *q > '9')
			return 0;
		if (v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	*out = v;
	return 1;
}

/* Last occurrence of `l` in s, or NULL. */
static const char *
rfind(struct span s, const char *l)
{
	size_t n = strlen(l);
	const char *q;

	if (span_len(s) < n)
		return NULL;
	for (q = s.e - n; q >= s.p; q--) {
		if (memcmp(q, l, n) == 0)
			return q;
		if (q == s.p)
			break;
	}
	return NULL;
}

/*
 * KEYINFO after "ssh2: ":
 *   TYPE [FP]                                             a plain key
 *   TYPE-CERT [FP] ID KEYID (serial N) CA CATYPE CAFP      a certificate
 */
static int
parse_keyinfo(struct span s, struct ct_sshd_auth *a)
{
	struct span type, fp = { NULL, NULL }, kid, ser, catype, cafp, rest;
	const char *sp;
	uint64_t serial;
	int r;

	if (!word(&s, &type))
		return CT_ERR_FORMAT;
	if ((r = field(a->key_type, sizeof(a->key_type), type, "key type")) != 0)
		return r;
	a->is_cert = ends(type, "-CERT");
	if (!a->is_cert) {
		if (s.p < s.e && (!lit(&s, " ") || !word(&s, &fp) || s.p != s.e))
			return CT_ERR_FORMAT;
		return fp.p != NULL ? field(a->key_fp, sizeof(a->key_fp), fp, "fingerprint") : 0;
	}
	if (!lit(&s, " "))
		return CT_ERR_FORMAT;
	if (!lit(&s, "ID ")) {
		if (!word(&s, &fp) || !lit(&s, " ID "))
			return CT_ERR_FORMAT;
		if ((r = field(a->key_fp, sizeof(a->key_fp), fp, "fingerprint")) != 0)
			return r;
	}
	/* the key ID may hold anything, even " (serial "; sshd's own text is the last one */
	if ((sp = rfind(s, " (serial ")) == NULL)
		return CT_ERR_FORMAT;
	kid.p = s.p;
	kid.e = sp;
	rest.p = sp + strlen(" (serial ");
	rest.e = s.e;
	ser.p = rest.p;
	while (rest.p < rest.e && *rest.p >= '0' && *rest.p <= '9')
		rest.p++;
	ser.e = rest.p;
	if (!digits(ser, 20, &serial) || !lit(&rest, ") CA ") || !word(&rest, &catype) ||
	    !lit(&rest, " ") || !word(&rest, &cafp) || rest.p != rest.e)
		return CT_ERR_FORMAT;
	if ((r = field(a->key_id, sizeof(a->key_id), kid, "key ID")) != 0 ||
	    (r = field(a->serial_str, sizeof(a->serial_str), ser, "serial")) != 0 ||
	    (r = field(a->ca_type, sizeof(a->ca_type), catype, "CA type")) != 0 ||
	    (r = field(a->ca_fp, sizeof(a->ca_fp), cafp, "CA fingerprint")) != 0)
		return r;
	a->serial = serial;
	return 0;
}

/* hostbased: "TYPE FP, client user ..., client host ..." - only the key is kept */
static int
parse_hostbased_info(struct span s, struct ct_sshd_auth *a)
{
	struct span type, fp;
	int r;

	if (!word(&s, &type) || !lit(&s, " ") || !word(&s, &fp))
		return 0;	/* free text we do not need */
	if (ends(fp, ","))
		fp.e--;
	if ((r = field(a->key_type, sizeof(a->key_type), type, "key type")) != 0 ||
	    (r = field(a->key_fp, sizeof(a->key_fp), fp, "fingerprint")) != 0)
		return r;
	return 0;
}

/*
 * "from ADDR[ port N[ ssh2[: INFO]]]" to the end of s ("[preauth]" already cut).  INFO must
 * be a key for publickey; other methods may carry free text there (hostbased: the client
 * user and host; ssh1: the remote user), which is skipped.
 */
static int
parse_tail(struct span s, const char *method, struct ct_sshd_auth *a)
{
	struct span addr, port;
	uint64_t portnum = 0;
	int r;

	if (!lit(&s, "from ") || !word(&s, &addr))
		return CT_ERR_FORMAT;
	if (s.p < s.e && (!lit(&s, " port ") || !word(&s, &port) ||
	    !digits(port, 5, &portnum) || portnum > 65535))
		return CT_ERR_FORMAT;
	if (s.p < s.e) {
		if (*s.p != ' ')
			return CT_ERR_FORMAT;
		while (s.p < s.e && *s.p == ' ')	/* some sshd builds log two spaces */
			s.p++;
		if (!lit(&s, "ssh2") && !lit(&s, "ssh1"))
			return CT_ERR_FORMAT;
		if (s.p < s.e) {
			if (!lit(&s, ": "))
				return CT_ERR_FORMAT;
			while (s.p < s.e && *s.p == ' ')
				s.p++;
			if (strcmp(method, "publickey") == 0)
				r = parse_keyinfo(s, a);
			else if (strcmp(method, "hostbased") == 0)
				r = parse_hostbased_info(s, a);
			else
				r = 0;
			if (r != 0)
				return r;
		}
	}
	if ((r = field(a->addr, sizeof(a->addr), addr, "address")) != 0)
		return r;
	a->port = (int)portnum;
	return 0;
}

static const struct {
	const char *text;
	enum ct_sshd_outcome outcome;
} outcomes[] = {
	{ "Accepted ", CT_SSHD_ACCEPTED },
	{ "Failed ", CT_SSHD_FAILED },
	{ "Postponed ", CT_SSHD_POSTPONED },
	{ "Partial ", CT_SSHD_PARTIAL },
};

/* "<method> for " after an outcome word: 1 and `rest` after "for ", else 0. */
static int
method_for(struct span s, struct span *method, struct span *rest)
{
	method->p = s.p;
	while (s.p < s.e && is_method_char((unsigned char)*s.p))
		s.p++;
	method->e = s.p;
	if (method->e == method->p || !lit(&s, " for "))
		return 0;
	*rest = s;
	return 1;
}

static int
parse_line(struct span line, struct ct_sshd_auth *out, struct ct_sshd_auth *tmp)
{
	struct span s, method = { NULL, NULL }, rest = { NULL, NULL }, user, t;
	enum ct_sshd_outcome oc = 0;
	const char *q, *from, *start = NULL;
	size_t i;
	int r;

	/* find the outcome word at a word boundary */
	for (q = line.p; q < line.e && oc == 0; q++) {
		start = q;
		if (q != line.p && q[-1] != ' ' && q[-1] != ':' && q[-1] != '\t' && q[-1] != ']')
			continue;
		s.p = q;
		s.e = line.e;
		for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
			if (!starts(s, outcomes[i].text))
				continue;
			s.p += strlen(outcomes[i].text);
			if (method_for(s, &method, &rest)) {
				oc = outcomes[i].outcome;
				break;
			}
		}
	}
	if (oc == 0)
		return ct_error(CT_ERR_NOTFOUND, "not an sshd authentication line");
	out->outcome = oc;
	if ((r = field(out->method, sizeof(out->method), method, "method")) != 0)
		return r;

	/* rsyslog's "message repeated N times: [ MSG]" */
	out->repeated = 1;
	if (start - line.p >= 2 && start[-2] == '[' && rest.e > rest.p && rest.e[-1] == ']') {
		struct span pre = { line.p, start - 2 }, cnt;
		const char *m = rfind(pre, "message repeated ");
		uint64_t times;

		if (m != NULL) {
			cnt.p = m + strlen("message repeated ");
			cnt.e = memchr(cnt.p, ' ', (size_t)(pre.e - cnt.p));
			if (cnt.e != NULL && digits(cnt, 9, &times) && times > 0) {
				out->repeated = (unsigned)times;
				rest.e--;
			}
		}
	}
	/* "[preauth]" and trailing blanks are not part of the key info */
	while (rest.e > rest.p && rest.e[-1] == ' ')
		rest.e--;
	if (ends(rest, " [preauth]"))
		rest.e -= strlen(" [preauth]");

	out->invalid_user = lit(&rest, "invalid user ");
	/* an account name has no spaces: the first word is the user */
	if (!out->invalid_user && word(&rest, &user) && lit(&rest, " ")) {
		*tmp = *out;
		if ((r = parse_tail(rest, out->method, tmp)) == 0) {
			*out = *tmp;
			return field(out->user, sizeof(out->user), user, "user");
		}
		if (r == CT_ERR_LIMIT)
			return r;
		rest.p = user.p;
	}
	/*
	 * A name the client chose (or a placeholder such as "<invalid username>"): the first
	 * " from " with a well-formed rest of line.  "test from 10.1.1.1 port 1 ssh2" as a name
	 * is followed by " from", not by the end or ": ", so it does not match.
	 */
	for (t = rest; (from = memmem(t.p, span_len(t), " from ", 6)) != NULL; t.p = from + 1) {
		struct span tail = { from + 1, rest.e };

		*tmp = *out;
		if (parse_tail(tail, out->method, tmp) == 0) {
			user.p = rest.p;
			user.e = from;
			*out = *tmp;
			return field(out->user, sizeof(out->user), user, "user");
		}
	}
	return ct_error(CT_ERR_FORMAT, "sshd log: no 'from ADDR port N' after the user");
}

int
ct_sshd_auth_parse(const char *msg, size_t n, struct ct_sshd_auth *out)
{
	struct span line = { msg, msg + n };
	struct ct_sshd_auth tmp;	/* a candidate parse after "invalid user " */
	int r;

	memset(out, 0, sizeof(*out));
	while (line.e > line.p && (line.e[-1] == '\n' || line.e[-1] == '\r'))
		line.e--;
	if (memchr(line.p, '\0', span_len(line)) != NULL)
		return ct_error(CT_ERR_FORMAT, "sshd log: NUL byte in line");
	if ((r = parse_line(line, out, &tmp)) != 0) {
		memset(out, 0, sizeof(*out));
		if (r == CT_ERR_FORMAT && strncmp(ct_errmsg(r), "sshd log", 8) != 0)
			ct_error(r, "sshd log: malformed authentication line");
	}
	return r;
}

const char *
ct_sshd_outcome_name(enum ct_sshd_outcome o)
{
	switch (o) {
	case CT_SSHD_ACCEPTED: return "accepted";
	case CT_SSHD_FAILED: return "failed";
	case CT_SSHD_POSTPONED: return "postponed";
	case CT_SSHD_PARTIAL: return "partial";
	}
	return "unknown";
}

static json_t *
str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

int
ct_inspect_sshd_line(const char *s, size_t n, json_t **out)
{
	char task[CT_TASK_ID_MAX + 1];
	struct ct_sshd_auth *a;
	json_t *o, *tv;
	int r;

	*out = NULL;
	if ((a = malloc(sizeof(*a))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if ((r = ct_sshd_auth_parse(s, n, a)) != 0) {
		if (r == CT_ERR_NOTFOUND)
			r = ct_error(CT_ERR_FORMAT, "not an sshd authentication line");
		free(a);
		return r;
	}
	tv = a->key_id[0] != '\0' &&
	    ct_task_from_principal(a->key_id, strlen(a->key_id), task, sizeof(task)) == 0 ?
	    json_string(task) : json_null();
	ct_error_clear();
	o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o}",
	    "kind", "sshd-log",
	    "outcome", ct_sshd_outcome_name(a->outcome),
	    "method", a->method,
	    "user", a->user,
	    "invalid_user", a->invalid_user,
	    "source_address", a->addr,
	    "port", a->port,
	    "key_type", str_or_null(a->key_type),
	    "key_fingerprint", str_or_null(a->key_fp),
	    "key_id", str_or_null(a->key_id),
	    "serial", str_or_null(a->serial_str),
	    "ca_type", str_or_null(a->ca_type),
	    "ca_fingerprint", str_or_null(a->ca_fp),
	    "principal", str_or_null(a->key_id),
	    "task", tv);
	free(a);
	if (o == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	*out = o;
	return 0;
}
