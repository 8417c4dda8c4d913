/*
 * sts.c - STS AssumeRole / AssumeRoleWithWebIdentity (see sts.h), and a bounded XML reader.
 *
 * The XML reader is deliberately small: STS answers are flat documents of a few hundred
 * bytes, so it walks the text once, keeps a stack of open element names (depth-bounded), and
 * copies out the text of the leaf elements asked for.  It refuses DTDs (no entity expansion
 * games), stray text outside the root, unknown entities and unbalanced tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "lib/awscreds.h"
#include "lib/http.h"
#include "lib/ledger.h"
#include "lib/sigv4.h"
#include "lib/sts.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"

#define STS_VERSION		"2011-06-15"
#define STS_MAX_RESPONSE	(256u * 1024)
#define STS_MAX_TOKEN		(64u * 1024)	/* web identity token */
#define STS_MSG_MAX		400		/* remote message text kept in an error */

/* ======================================================================================
 * XML
 * ====================================================================================== */

static void
free_secret(char **p)
{
	if (*p != NULL)
		OPENSSL_clear_free(*p, strlen(*p));
	*p = NULL;
}

void
ct_xml_fields_release(struct ct_xml_field *fields, size_t nfields)
{
	size_t i;

	for (i = 0; i < nfields; i++) {
		if (fields[i].value != NULL)
			OPENSSL_clear_free(fields[i].value, fields[i].len + 1);
		fields[i].value = NULL;
		fields[i].len = 0;
	}
}

static int
is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
	    c >= 0x80;
}

static int
is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Find `needle` in [p, end). */
static const char *
find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p + n <= end; p++) {
		if (memcmp(p, needle, n) == 0)
			return p;
	}
	return NULL;
}

/* The local name (after any "prefix:"). */
static void
local_name(const char **name, size_t *n)
{
	const char *c = memchr(*name, ':', *n);

	while (c != NULL) {
		*n -= (size_t)(c + 1 - *name);
		*name = c + 1;
		c = memchr(*name, ':', *n);
	}
}

/* Append the UTF-8 encoding of code point `cp`. */
static int
put_utf8(struct ct_buf *b, unsigned long cp)
{
	uint8_t u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | cp >> 6);
		u[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xe0 | cp >> 12);
		u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | cp >> 18);
		u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return ct_buf_put(b, u, n);
}

/*
 * Text from p to end (no '<' inside): check it, and when `cap` is non-NULL append it decoded.
 */
static int
xml_text(const char *p, const char *end, struct ct_buf *cap)
{
	const char *semi;
	unsigned long cp;
	size_t n;
	int r;

	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return ct_error(CT_ERR_FORMAT, "malformed XML: control character 0x%02x",
			    c);
		if (c != '&') {
			if (cap != NULL && (r = ct_buf_put_u8(cap, c)) != 0)
				goto fail;
			p++;
			continue;
		}
		if ((semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12)) ==
		    NULL)
			return ct_error(CT_ERR_FORMAT, "malformed XML: '&' that starts no entity");
		n = (size_t)(semi - p - 1);
		p++;
		if (n == 3 && memcmp(p, "amp", 3) == 0)
			cp = '&';
		else if (n == 2 && memcmp(p, "lt", 2) == 0)
			cp = '<';
		else if (n == 2 && memcmp(p, "gt", 2) == 0)
			cp = '>';
		else if (n == 4 && memcmp(p, "quot", 4) == 0)
			cp = '"';
		else if (n == 4 && memcmp(p, "apos", 4) == 0)
			cp = '\'';
		else if (n >= 2 && p[0] == '#') {
			const char *d = p + 1;
			size_t i, dn = n - 1;
			int base = 10;

			if (*d == 'x') {
				base = 16;
				d++;
				dn--;
			}
			if (dn == 0 || dn > 8)
				goto badent;
			for (cp = 0, i = 0; i < dn; i++) {
				int v;

				if (d[i] >= '0' && d[i] <= '9')
					v = d[i] - '0';
				else if (base == 16 && d[i] >= 'a' && d[i] <= 'f')
					v = d[i] - 'a' + 10;
				else if (base == 16 && d[i] >= 'A' && d[i] <= 'F')
					v = d[i] - 'A' + 10;
				else
					goto badent;
				cp = cp * (unsigned long)base + (unsigned long)v;
			}
			if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
			    (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r'))
				goto badent;
		} else {
			goto badent;
		}
		if (cap != NULL && (r = put_utf8(cap, cp)) != 0)
			goto fail;
		p = semi + 1;
	}
	return 0;
 badent:
	return ct_error(CT_ERR_FORMAT, "malformed XML: unknown entity '&%.*s;'",
	    (int)(semi - p), p);
 fail:
	if (r == CT_ERR_LIMIT)
		return ct_error(CT_ERR_LIMIT, "XML element text longer than %u bytes",
		    CT_XML_MAX_VALUE);
	return r;
}

struct xml_open {
	const char *name;	/* local name */
	size_t n;
};

/* Does the open-element stack (depth entries) spell `path`? */
static int
path_matches(const char *path, const struct xml_open *st, size_t depth)
{
	const char *p = path, *slash;
	size_t i, n;

	for (i = 0; i < depth; i++) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n != st[i].n || memcmp(p, st[i].name, n) != 0)
			return 0;
		if (slash == NULL)
			return i + 1 == depth;
		p = slash + 1;
	}
	return 0;
}

/* Parse a name at p; returns its length, 0 if none. */
static size_t
xml_name(const char *p, const char *end)
{
	const char *q = p;

	if (q >= end || !is_name_start((unsigned char)*q))
		return 0;
	for (q++; q < end && is_name_char((unsigned char)*q); q++)
		;
	return (size_t)(q - p);
}

int
ct_xml_extract(const char *xml, size_t len, struct ct_xml_field *fields, size_t nfields,
    char *root, size_t rootsz)
{
	struct xml_open st[CT_XML_MAX_DEPTH];
	const char *p = xml, *end = xml + len, *q, *name;
	struct ct_buf cap;
	size_t depth = 0, n, i, cap_depth = 0;
	int capturing = -1, roots = 0, r = CT_ERR_INTERNAL;

	for (i = 0; i < nfields; i++) {
		fields[i].value = NULL;
		fields[i].len = 0;
	}
	if (root != NULL && rootsz > 0)
		root[0] = '\0';
	ct_buf_init(&cap, CT_XML_MAX_VALUE);
	/* a UTF-8 byte order mark may precede the document */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;

	while (p < end) {
		if (*p != '<') {
			if ((q = memchr(p, '<', (size_t)(end - p))) == NULL)
				q = end;
			if (depth == 0) {
				for (; p < q; p++) {
					if (!is_xml_space(*p)) {
						r = ct_error(CT_ERR_FORMAT, "malformed XML: text "
						    "outside the root element");
						goto out;
					}
				}
				continue;
			}
			if ((r = xml_text(p, q, capturing >= 0 ? &cap : NULL)) != 0)
				goto out;
			p = q;
			continue;
		}
		if (end - p >= 2 && p[1] == '?') {
			if ((q = find(p + 2, end, "?>")) == NULL)
				goto truncated;
			p = q + 2;
			continue;
		}
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			if ((q = find(p + 4, end, "-->")) == NULL)
				goto truncated;
			p = q + 3;
			continue;
		}
		if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
			if (depth == 0) {
				r = ct_error(CT_ERR_FORMAT, "malformed XML: CDATA outside the root "
				    "element");
				goto out;
			}
			if ((q = find(p + 9, end, "]]>")) == NULL)
				goto truncated;
			if (capturing >= 0 && (r = ct_buf_put(&cap, p + 9,
			    (size_t)(q - p - 9))) != 0) {
				if (r == CT_ERR_LIMIT)
					r = ct_error(CT_ERR_LIMIT, "XML element text longer than "
					    "%u bytes", CT_XML_MAX_VALUE);
				goto out;
			}
			p = q + 3;
			continue;
		}
		if (end - p >= 2 && p[1] == '!') {
			r = ct_error(CT_ERR_FORMAT, "malformed XML: DTD or declaration not "
			    "allowed");
			goto out;
		}
		if (end - p >= 2 && p[1] == '/') {
			/* end tag */
			name = p + 2;
			if ((n = xml_name(name, end)) == 0)
				goto badtag;
			q = name + n;
			while (q < end && is_xml_space(*q))
				q++;
			if (q >= end)
				goto truncated;
			if (*q != '>')
				goto badtag;
			local_name(&name, &n);
			if (depth == 0 || st[depth - 1].n != n ||
			    memcmp(st[depth - 1].name, name, n) != 0) {
				r = ct_error(CT_ERR_FORMAT, "malformed XML: mismatched </%.*s>",
				    (int)(n > 64 ? 64 : n), name);
				goto out;
			}
			if (capturing >= 0 && depth == cap_depth) {
				struct ct_xml_field *f = &fields[capturing];

				if ((r = ct_buf_nul(&cap)) != 0)
					goto out;
				f->len = cap.len;
				f->value = (char *)cap.data;
				memset(&cap, 0, sizeof(cap));
				ct_buf_init(&cap, CT_XML_MAX_VALUE);
				capturing = -1;
			}
			depth--;
			p = q + 1;
			continue;
		}
		/* start tag */
		name = p + 1;
		if ((n = xml_name(name, end)) == 0)
			goto badtag;
		q = name + n;
		/* attributes: name = "value" | 'value' */
		for (;;) {
			const char *a = q;

			while (q < end && is_xml_space(*q))
				q++;
			if (q >= end)
				goto truncated;
			if (*q == '>' || *q == '/')
				break;
			if (q == a)
				goto badtag;	/* attribute not preceded by space */
			if ((i = xml_name(q, end)) == 0)
				goto badtag;
			q += i;
			while (q < end && is_xml_space(*q))
				q++;
			if (q >= end)
				goto truncated;
			if (*q++ != '=')
				goto badtag;
			while (q < end && is_xml_space(*q))
				q++;
			if (q >= end)
				goto truncated;
			if (*q != '"' && *q != '\'')
				goto badtag;
			if ((a = memchr(q + 1, *q, (size_t)(end - q - 1))) == NULL)
				goto truncated;
			if (memchr(q + 1, '<', (size_t)(a - q - 1)) != NULL)
				goto badtag;
			q = a + 1;
		}
		if (depth == 0) {
			if (roots++ > 0) {
				r = ct_error(CT_ERR_FORMAT, "malformed XML: more than one root "
				    "element");
				goto out;
			}
		}
		if (capturing >= 0) {
			r = ct_error(CT_ERR_FORMAT, "malformed XML: <%.*s> inside the text element "
			    "<%.*s>", (int)(n > 64 ? 64 : n), name,
			    (int)(st[cap_depth - 1].n > 64 ? 64 : st[cap_depth - 1].n),
			    st[cap_depth - 1].name);
			goto out;
		}
		if (depth >= CT_XML_MAX_DEPTH) {
			r = ct_error(CT_ERR_LIMIT, "XML nested deeper than %d elements",
			    CT_XML_MAX_DEPTH);
			goto out;
		}
		local_name(&name, &n);
		st[depth].name = name;
		st[depth].n = n;
		depth++;
		if (depth == 1 && root != NULL && rootsz > 0)
			snprintf(root, rootsz, "%.*s", (int)n, name);
		for (i = 0; i < nfields; i++) {
			if (fields[i].value == NULL && path_matches(fields[i].path, st, depth)) {
				capturing = (int)i;
				cap_depth = depth;
				break;
			}
		}
		if (*q == '/') {
			if (q + 1 >= end)
				goto truncated;
			if (q[1] != '>')
				goto badtag;
			if (capturing >= 0) {
				/* <X/>: present and empty */
				if ((fields[capturing].value = calloc(1, 1)) == NULL) {
					r = ct_error(CT_ERR_NOMEM, "out of memory");
					goto out;
				}
				capturing = -1;
			}
			depth--;
			q++;
		}
		p = q + 1;
	}
	if (depth != 0)
		goto truncated;
	if (roots == 0) {
		r = ct_error(CT_ERR_FORMAT, "malformed XML: no root element");
		goto out;
	}
	r = 0;
	goto out;
 truncated:
	if (depth > 0)
		r = ct_error(CT_ERR_FORMAT, "malformed XML: truncated inside <%.*s>",
		    (int)(st[depth - 1].n > 64 ? 64 : st[depth - 1].n), st[depth - 1].name);
	else
		r = ct_error(CT_ERR_FORMAT, "malformed XML: truncated");
	goto out;
 badtag:
	r = ct_error(CT_ERR_FORMAT, "malformed XML: bad tag at byte %zu", (size_t)(p - xml));
 out:
	ct_buf_release_secret(&cap);
	if (r != 0) {
		ct_xml_fields_release(fields, nfields);
		if (root != NULL && rootsz > 0)
			root[0] = '\0';
	}
	return r;
}

/* ======================================================================================
 * inspect
 * ====================================================================================== */

static json_t *
str_or_null(const char *p, size_t n)
{
	return n > 0 ? json_stringn(p, n) : json_null();
}

int
ct_inspect_aws_arn(const char *s, size_t n, json_t **out)
{
	const char *f[6], *end, *res, *slash, *name = NULL, *role = NULL, *note = NULL;
	size_t fl[6], i, namelen = 0, rolelen = 0, reslen;
	char task[CT_TASK_ID_MAX + 1];
	json_t *o, *tv;
	int session = 0;

	*out = NULL;
	while (n > 0 && is_xml_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_xml_space(s[n - 1]))
		n--;
	if (n < 4 || memcmp(s, "arn:", 4) != 0)
		return ct_error(CT_ERR_FORMAT, "not an ARN");
	if (n > 2048)
		return ct_error(CT_ERR_FORMAT, "ARN longer than 2048 characters");
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return ct_error(CT_ERR_FORMAT, "ARN with a space, control or non-ASCII "
			    "character");
	}
	/* arn:partition:service:region:account:resource (the resource may hold ':') */
	end = s + n;
	f[0] = s;
	for (i = 0; i < 5; i++) {
		const char *c = memchr(f[i], ':', (size_t)(end - f[i]));

		if (c == NULL)
			return ct_error(CT_ERR_FORMAT, "not an ARN (arn:partition:service:region:"
			    "account:resource)");
		fl[i] = (size_t)(c - f[i]);
		f[i + 1] = c + 1;
	}
	fl[5] = (size_t)(end - f[5]);
	if (fl[1] == 0 || fl[2] == 0 || fl[5] == 0)
		return ct_error(CT_ERR_FORMAT, "not an ARN (empty partition, service or "
		    "resource)");
	res = f[5];
	reslen = fl[5];
#define IS(p, pn, lit) ((pn) == sizeof(lit) - 1 && memcmp((p), (lit), sizeof(lit) - 1) == 0)
#define STARTS(p, pn, lit) ((pn) > sizeof(lit) - 1 && memcmp((p), (lit), sizeof(lit) - 1) == 0)
	if (IS(f[2], fl[2], "sts") && STARTS(res, reslen, "assumed-role/")) {
		role = res + 13;
		if ((slash = memchr(role, '/', (size_t)(res + reslen - role))) == NULL ||
		    slash == role || slash + 1 == res + reslen)
			return ct_error(CT_ERR_FORMAT, "assumed-role ARN without role and "
			    "session name");
		rolelen = (size_t)(slash - role);
		name = slash + 1;
		namelen = (size_t)(res + reslen - name);
		session = 1;
	} else if (IS(f[2], fl[2], "sts") && STARTS(res, reslen, "federated-user/")) {
		name = res + 15;
		namelen = reslen - 15;
		session = 1;
	} else if (IS(f[2], fl[2], "iam") && STARTS(res, reslen, "role/")) {
		role = memrchr(res, '/', reslen) + 1;
		rolelen = (size_t)(res + reslen - role);
		note = "a role ARN names no session, so it carries no task binding";
	} else {
		note = "this ARN names no session, so it carries no task binding";
	}
#undef IS
#undef STARTS
	tv = NULL;
	if (session) {
		if (ct_task_from_principal(name, namelen, task, sizeof(task)) == 0)
			tv = json_string(task);
		else
			note = "the session name does not name a task";
		ct_error_clear();
	}
	if (tv == NULL)
		tv = json_null();
	o = json_pack("{s:s, s:s%, s:s%, s:s%, s:o, s:o, s:s%, s:o, s:o, s:o, s:o, s:o}",
	    "kind", "aws-arn",
	    "arn", s, n,
	    "partition", f[1], fl[1],
	    "service", f[2], fl[2],
	    "region", str_or_null(f[3], fl[3]),
	    "account", str_or_null(f[4], fl[4]),
	    "resource", res, reslen,
	    "role", str_or_null(role, rolelen),
	    "session_name", session && role != NULL ? json_stringn(name, namelen) : json_null(),
	    "principal", session ? json_stringn(name, namelen) : json_null(),
	    "task", tv,
	    "note", note != NULL ? json_string(note) : json_null());
	if (o == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	*out = o;
	return 0;
}

/* ======================================================================================
 * input checks
 * ====================================================================================== */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_word(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
}

int
ct_sts_role_arn_check(const char *arn)
{
	static const char *const partitions[] = { "aws", "aws-cn", "aws-us-gov", NULL };
	const char *p, *name, *slash;
	size_t i, n, len;

	len = strnlen(arn, 2049);
	if (len > 2048)
		return ct_error(CT_ERR_INVALID, "role ARN longer than 2048 characters");
	if (strncmp(arn, "arn:", 4) != 0)
		return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': not an ARN (arn:aws:iam::"
		    "<account>:role/<name>)", arn);
	p = arn + 4;
	for (i = 0; partitions[i] != NULL; i++) {
		n = strlen(partitions[i]);
		if (strncmp(p, partitions[i], n) == 0 && p[n] == ':')
			break;
	}
	if (partitions[i] == NULL)
		return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': partition must be aws, "
		    "aws-cn or aws-us-gov", arn);
	p += strlen(partitions[i]) + 1;
	if (strncmp(p, "iam::", 5) != 0)
		return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': not an IAM ARN "
		    "(service 'iam', empty region)", arn);
	p += 5;
	for (i = 0; i < 12; i++) {
		if (!is_digit(p[i]))
			break;
	}
	if (i != 12 || p[12] != ':')
		return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': the account must be 12 "
		    "digits", arn);
	p += 13;
	if (strncmp(p, "role/", 5) != 0)
		return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': resource is not "
		    "role/<name>", arn);
	p += 4;		/* at the path's leading '/' */
	name = strrchr(p, '/') + 1;
	n = strlen(name);
	if (n == 0 || n > 64)
		return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': the role name must be 1 "
		    "to 64 characters", arn);
	for (i = 0; i < n; i++) {
		if (!is_word(name[i]) && strchr("+=,.@-", name[i]) == NULL)
			return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': invalid character "
			    "in the role name", arn);
	}
	if ((size_t)(name - p) > 512)
		return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': role path longer than "
		    "512 characters", arn);
	for (slash = p; slash < name; slash++) {
		if (*slash < 0x21 || *slash > 0x7e)
			return ct_error(CT_ERR_INVALID, "invalid role ARN '%s': invalid "
			    "character in the role path", arn);
	}
	return 0;
}

int
ct_sts_duration_check(long long seconds)
{
	if (seconds < CT_STS_DURATION_MIN || seconds > CT_STS_DURATION_MAX)
		return ct_error(CT_ERR_INVALID, "duration %lld s: STS allows %d to %d seconds",
		    seconds, CT_STS_DURATION_MIN, CT_STS_DURATION_MAX);
	return 0;
}

int
ct_sts_policy_prepare(const char *name, const char *text, size_t n, char **out)
{
	json_error_t jerr;
	json_t *doc = NULL;
	char *s = NULL;
	const unsigned char *u;
	size_t chars = 0;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if ((doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s' is not JSON: %s (line %d)", name,
		    jerr.text, jerr.line);
		goto out;
	}
	if (!json_is_object(doc)) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s' is not a JSON object", name);
		goto out;
	}
	if ((s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* STS counts characters and accepts U+0009, U+000A, U+000D, U+0020..U+00FF */
	for (u = (const unsigned char *)s; *u != '\0'; u++) {
		if ((*u & 0xc0) == 0x80)
			continue;
		chars++;
		if (*u >= 0xc4) {
			r = ct_error(CT_ERR_INVALID, "policy '%s' has a character above U+00FF, "
			    "which STS does not accept", name);
			goto out;
		}
	}
	if (chars > CT_STS_POLICY_MAX) {
		r = ct_error(CT_ERR_INVALID, "policy '%s' is %zu characters after minifying; "
		    "STS allows %d", name, chars, CT_STS_POLICY_MAX);
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
 out:
	free(s);
	json_decref(doc);
	return r;
}

static int
tag_check(const char *what, const char *s, size_t min, size_t max)
{
	size_t i, n = strnlen(s, max + 1);

	if (n < min || n > max)
		return ct_error(CT_ERR_INVALID, "session tag %s '%.64s' must be %zu to %zu "
		    "characters", what, s, min, max);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(is_word((char)c) || c == ' ' || c >= 0x80 || strchr(".:/=+-@", c) != NULL))
			return ct_error(CT_ERR_INVALID, "session tag %s '%.64s' has an invalid "
			    "character", what, s);
	}
	return 0;
}

static int
check_region(const char *region)
{
	size_t i, n;

	if (region == NULL || (n = strlen(region)) == 0 || n > 32)
		return ct_error(CT_ERR_INVALID, "invalid region '%.32s'", region != NULL ?
		    region : "");
	for (i = 0; i < n; i++) {
		if (!((region[i] >= 'a' && region[i] <= 'z') || is_digit(region[i]) ||
		    region[i] == '-'))
			return ct_error(CT_ERR_INVALID, "invalid region '%s'", region);
	}
	return 0;
}

/* ======================================================================================
 * the call
 * ====================================================================================== */

void
ct_sts_result_release(struct ct_sts_result *r)
{
	if (r == NULL)
		return;
	free_secret(&r->access_key_id);
	free_secret(&r->secret_access_key);
	free_secret(&r->session_token);
	free(r->expiration);
	free(r->assumed_role_arn);
	free(r->assumed_role_id);
	free(r->source_identity);
	free(r->subject);
	free(r->request_id);
	free(r->endpoint);
	memset(r, 0, sizeof(*r));
	r->packed_policy_size = -1;
}

static int
put_param(struct ct_buf *b, const char *name, const char *value)
{
	int r;

	if ((r = ct_buf_putf(b, "&%s=", name)) != 0 ||
	    (r = ct_http_urlencode(b, value, strlen(value))) != 0)
		return r;
	return 0;
}

static int
build_body(const struct ct_sts_assume *req, const char *action, struct ct_buf *b)
{
	char key[48];
	size_t i;
	int r;

	if ((r = ct_buf_putf(b, "Action=%s&Version=" STS_VERSION, action)) != 0 ||
	    (r = put_param(b, "RoleArn", req->role_arn)) != 0 ||
	    (r = put_param(b, "RoleSessionName", req->session_name)) != 0)
		return r;
	if (req->web_identity_token == NULL) {
		if (req->source_identity != NULL &&
		    (r = put_param(b, "SourceIdentity", req->source_identity)) != 0)
			return r;
		for (i = 0; i < req->ntags; i++) {
			snprintf(key, sizeof(key), "Tags.member.%zu.Key", i + 1);
			if ((r = put_param(b, key, req->tags[i].key)) != 0)
				return r;
			snprintf(key, sizeof(key), "Tags.member.%zu.Value", i + 1);
			if ((r = put_param(b, key, req->tags[i].value)) != 0)
				return r;
		}
	}
	if (req->policy != NULL && (r = put_param(b, "Policy", req->policy)) != 0)
		return r;
	if (req->duration_seconds != 0 &&
	    (r = ct_buf_putf(b, "&DurationSeconds=%ld", req->duration_seconds)) != 0)
		return r;
	if (req->web_identity_token != NULL &&
	    (r = put_param(b, "WebIdentityToken", req->web_identity_token)) != 0)
		return r;
	return 0;
}

/* One line of remote text: control characters become spaces, at most STS_MSG_MAX bytes. */
static void
one_line(char *s)
{
	size_t i, n;

	if (s == NULL)
		return;
	n = strlen(s);
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	}
	if (n > STS_MSG_MAX)
		memcpy(s + STS_MSG_MAX - 3, "...", 4);
}

static int
sts_error(const char *action, long status, const char *body, size_t len)
{
	struct ct_xml_field f[] = {
		{ "ErrorResponse/Error/Code", NULL, 0 },
		{ "ErrorResponse/Error/Message", NULL, 0 },
	};
	char root[64];
	int r;

	if (ct_xml_extract(body, len, f, 2, root, sizeof(root)) != 0 ||
	    strcmp(root, "ErrorResponse") != 0 || f[0].value == NULL) {
		ct_xml_fields_release(f, 2);
		return ct_error(CT_ERR_REMOTE, "sts answered HTTP %ld to %s without an STS error "
		    "document", status, action);
	}
	one_line(f[0].value);
	one_line(f[1].value);
	if (f[1].value != NULL && f[1].value[0] != '\0')
		r = ct_error(CT_ERR_REMOTE, "sts refused %s: %s: %s", action, f[0].value,
		    f[1].value);
	else
		r = ct_error(CT_ERR_REMOTE, "sts refused %s: %s", action, f[0].value);
	ct_xml_fields_release(f, 2);
	return r;
}

static int
take(struct ct_xml_field *f, char **out)
{
	*out = f->value;
	f->value = NULL;
	f->len = 0;
	return 0;
}

static int
printable(const char *s, size_t min, size_t max)
{
	size_t i, n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	}
	return 1;
}

int
ct_sts_parse_answer(const char *action, const char *body, size_t len, struct ct_sts_result *out)
{
	enum { AKID, SECRET, TOKEN, EXP, ARN, ARID, SRCID, PACKED, SUBJECT, REQID, NF };
	char paths[NF][160], root[64], want_root[64];
	struct ct_xml_field f[NF];
	size_t i;
	int r;

	snprintf(want_root, sizeof(want_root), "%sResponse", action);
	snprintf(paths[AKID], sizeof(paths[0]), "%sResponse/%sResult/Credentials/AccessKeyId",
	    action, action);
	snprintf(paths[SECRET], sizeof(paths[0]),
	    "%sResponse/%sResult/Credentials/SecretAccessKey", action, action);
	snprintf(paths[TOKEN], sizeof(paths[0]), "%sResponse/%sResult/Credentials/SessionToken",
	    action, action);
	snprintf(paths[EXP], sizeof(paths[0]), "%sResponse/%sResult/Credentials/Expiration",
	    action, action);
	snprintf(paths[ARN], sizeof(paths[0]), "%sResponse/%sResult/AssumedRoleUser/Arn",
	    action, action);
	snprintf(paths[ARID], sizeof(paths[0]),
	    "%sResponse/%sResult/AssumedRoleUser/AssumedRoleId", action, action);
	snprintf(paths[SRCID], sizeof(paths[0]), "%sResponse/%sResult/SourceIdentity", action,
	    action);
	snprintf(paths[PACKED], sizeof(paths[0]), "%sResponse/%sResult/PackedPolicySize",
	    action, action);
	snprintf(paths[SUBJECT], sizeof(paths[0]),
	    "%sResponse/%sResult/SubjectFromWebIdentityToken", action, action);
	snprintf(paths[REQID], sizeof(paths[0]), "%sResponse/ResponseMetadata/RequestId",
	    action);
	for (i = 0; i < NF; i++) {
		f[i].path = paths[i];
		f[i].value = NULL;
		f[i].len = 0;
	}
	if ((r = ct_xml_extract(body, len, f, NF, root, sizeof(root))) != 0)
		return ct_error(r, "sts answer to %s: %s", action, ct_errmsg(r));
	if (strcmp(root, "ErrorResponse") == 0) {
		ct_xml_fields_release(f, NF);
		return sts_error(action, 200, body, len);
	}
	if (strcmp(root, want_root) != 0) {
		r = ct_error(CT_ERR_FORMAT, "sts answer to %s is <%s>, not <%s>", action, root,
		    want_root);
		goto out;
	}
	if (f[AKID].value == NULL || f[SECRET].value == NULL || f[TOKEN].value == NULL ||
	    f[EXP].value == NULL || f[ARN].value == NULL) {
		r = ct_error(CT_ERR_FORMAT, "sts answer to %s lacks %s", action,
		    f[AKID].value == NULL ? "Credentials/AccessKeyId" :
		    f[SECRET].value == NULL ? "Credentials/SecretAccessKey" :
		    f[TOKEN].value == NULL ? "Credentials/SessionToken" :
		    f[EXP].value == NULL ? "Credentials/Expiration" : "AssumedRoleUser/Arn");
		goto out;
	}
	for (i = 0; i < f[AKID].len; i++) {
		if (!is_word(f[AKID].value[i]))
			break;
	}
	if (i != f[AKID].len || f[AKID].len < 16 || f[AKID].len > 128) {
		r = ct_error(CT_ERR_FORMAT, "sts answer to %s: AccessKeyId is not 16 to 128 "
		    "letters and digits", action);
		goto out;
	}
	if (!printable(f[SECRET].value, 1, 1024) || !printable(f[TOKEN].value, 1, 16384)) {
		r = ct_error(CT_ERR_FORMAT, "sts answer to %s: SecretAccessKey or SessionToken "
		    "is empty, too long or not printable", action);
		goto out;
	}
	if (strncmp(f[ARN].value, "arn:", 4) != 0 || !printable(f[ARN].value, 5, 2048)) {
		r = ct_error(CT_ERR_FORMAT, "sts answer to %s: AssumedRoleUser/Arn is not an ARN",
		    action);
		goto out;
	}
	if (f[ARID].value != NULL && !printable(f[ARID].value, 1, 256)) {
		r = ct_error(CT_ERR_FORMAT, "sts answer to %s: bad AssumedRoleId", action);
		goto out;
	}
	if (f[SRCID].value != NULL && !printable(f[SRCID].value, 1, 64)) {
		r = ct_error(CT_ERR_FORMAT, "sts answer to %s: bad SourceIdentity", action);
		goto out;
	}
	if ((r = ct_time_parse(f[EXP].value, f[EXP].len, &out->expiration_us)) != 0) {
		r = ct_error(CT_ERR_FORMAT, "sts answer to %s: Expiration '%.40s' is not a "
		    "timestamp", action, f[EXP].value);
		goto out;
	}
	out->packed_policy_size = -1;
	if (f[PACKED].value != NULL) {
		char *e;
		long v = strtol(f[PACKED].value, &e, 10);

		if (f[PACKED].len == 0 || *e != '\0' || v < 0 || v > 1000) {
			r = ct_error(CT_ERR_FORMAT, "sts answer to %s: bad PackedPolicySize",
			    action);
			goto out;
		}
		out->packed_policy_size = v;
	}
	take(&f[AKID], &out->access_key_id);
	take(&f[SECRET], &out->secret_access_key);
	take(&f[TOKEN], &out->session_token);
	take(&f[EXP], &out->expiration);
	take(&f[ARN], &out->assumed_role_arn);
	take(&f[ARID], &out->assumed_role_id);
	take(&f[SRCID], &out->source_identity);
	take(&f[SUBJECT], &out->subject);
	take(&f[REQID], &out->request_id);
	r = 0;
 out:
	ct_xml_fields_release(f, NF);
	return r;
}

/* Host (with an explicit port), path and query of the endpoint URL. */
static int
split_url(const char *url, char **host, char **path, char **query)
{
	CURLU *u = NULL;
	char *h = NULL, *port = NULL, *pa = NULL, *q = NULL, *scheme = NULL;
	int r = CT_ERR_INTERNAL;

	*host = *path = *query = NULL;
	if ((u = curl_url()) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		r = ct_error(CT_ERR_INVALID, "endpoint '%s' is not a URL", url);
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		r = ct_error(CT_ERR_INVALID, "endpoint '%s' is not http:// or https://", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &q, 0) == CURLUE_OK) {
		r = ct_error(CT_ERR_INVALID, "endpoint '%s' must not hold a user name", url);
		goto out;
	}
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	if (curl_url_get(u, CURLUPART_PATH, &pa, 0) != CURLUE_OK) {
		r = ct_error(CT_ERR_INVALID, "endpoint '%s' is not a URL", url);
		goto out;
	}
	(void)curl_url_get(u, CURLUPART_QUERY, &q, 0);
	if ((port != NULL ? asprintf(host, "%s:%s", h, port) : asprintf(host, "%s", h)) < 0 ||
	    (*path = strdup(pa)) == NULL || (q != NULL && (*query = strdup(q)) == NULL)) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
 out:
	if (r != 0) {
		free(*host);
		free(*path);
		free(*query);
		*host = *path = *query = NULL;
	}
	curl_free(scheme);
	curl_free(h);
	curl_free(port);
	curl_free(pa);
	curl_free(q);
	curl_url_cleanup(u);
	return r;
}

int
ct_sts_assume_role(const struct ct_aws_creds *creds, const struct ct_sts_assume *req,
    struct ct_sts_result *out)
{
	const char *action = req->web_identity_token != NULL ? "AssumeRoleWithWebIdentity" :
	    "AssumeRole";
	struct ct_sigv4_result sig;
	struct ct_http_response resp;
	struct ct_buf body;
	const char *headers[8];
	char *url = NULL, *host = NULL, *path = NULL, *query = NULL, *hosthdr = NULL;
	char *authhdr = NULL;
	size_t i, nh = 0;
	int r = CT_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	out->packed_policy_size = -1;
	memset(&sig, 0, sizeof(sig));
	memset(&resp, 0, sizeof(resp));
	ct_buf_init(&body, STS_MAX_TOKEN + 16384);

	/* everything checked before anything is sent */
	if ((r = check_region(req->region)) != 0 ||
	    (r = ct_sts_role_arn_check(req->role_arn)) != 0)
		goto out;
	if ((r = ct_session_name_check(req->session_name)) != 0)
		goto out;
	if (req->duration_seconds != 0 &&
	    (r = ct_sts_duration_check(req->duration_seconds)) != 0)
		goto out;
	if (req->web_identity_token != NULL) {
		size_t n = strnlen(req->web_identity_token, STS_MAX_TOKEN + 1);

		if (n < 4 || n > STS_MAX_TOKEN || !printable(req->web_identity_token, 4,
		    STS_MAX_TOKEN)) {
			r = ct_error(CT_ERR_INVALID, "web identity token must be 4 to %u "
			    "printable characters", STS_MAX_TOKEN);
			goto out;
		}
	} else {
		if (creds == NULL || creds->access_key_id == NULL ||
		    creds->secret_access_key == NULL) {
			r = ct_error(CT_ERR_INVALID, "AssumeRole needs source credentials");
			goto out;
		}
		if (req->source_identity != NULL &&
		    (r = ct_session_name_check(req->source_identity)) != 0) {
			r = ct_error(CT_ERR_INVALID, "source identity: %s", ct_errmsg(r));
			goto out;
		}
		if (req->ntags > CT_STS_MAX_TAGS) {
			r = ct_error(CT_ERR_INVALID, "more than %d session tags", CT_STS_MAX_TAGS);
			goto out;
		}
		for (i = 0; i < req->ntags; i++) {
			if ((r = tag_check("key", req->tags[i].key, 1, 128)) != 0 ||
			    (r = tag_check("value", req->tags[i].value, 0, 256)) != 0)
				goto out;
			if (strncasecmp(req->tags[i].key, "aws:", 4) == 0) {
				r = ct_error(CT_ERR_INVALID, "session tag key '%s' uses the "
				    "reserved prefix 'aws:'", req->tags[i].key);
				goto out;
			}
		}
	}
	if (req->policy != NULL && strlen(req->policy) > CT_STS_POLICY_MAX * 2) {
		r = ct_error(CT_ERR_INVALID, "session policy longer than %d characters",
		    CT_STS_POLICY_MAX);
		goto out;
	}

	if (req->endpoint != NULL) {
		if ((url = strdup(req->endpoint)) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
	} else if (asprintf(&url, "https://sts.%s.amazonaws.com%s/", req->region,
	    strncmp(req->region, "cn-", 3) == 0 ? ".cn" : "") < 0) {
		url = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = split_url(url, &host, &path, &query)) != 0)
		goto out;
	if ((r = build_body(req, action, &body)) != 0)
		goto out;

	if (asprintf(&hosthdr, "Host: %s", host) < 0) {
		hosthdr = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	headers[nh++] = hosthdr;
	headers[nh++] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
	headers[nh++] = "Accept: text/xml";
	if (req->web_identity_token == NULL) {
		struct ct_sigv4_header sh[] = {
			{ "Host", host },
			{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
		};
		struct ct_sigv4_params sp = {
			.access_key_id = creds->access_key_id,
			.secret_access_key = creds->secret_access_key,
			.session_token = creds->session_token,
			.region = req->region, .service = "sts",
		};
		struct ct_sigv4_request sr = {
			.method = "POST", .path = path, .query = query, .headers = sh,
			.nheaders = 2, .body = body.data, .body_len = body.len,
		};

		if ((r = ct_sigv4_sign(&sp, &sr, &sig)) != 0)
			goto out;
		for (i = 0; sig.add_headers[i] != NULL; i++)
			headers[nh++] = sig.add_headers[i];
		if (asprintf(&authhdr, "Authorization: %s", sig.authorization) < 0) {
			authhdr = NULL;
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		headers[nh++] = authhdr;
	}
	headers[nh] = NULL;

	{
		struct ct_http_request hr = {
			.method = "POST", .url = url, .headers = headers, .body = body.data,
			.body_len = body.len, .timeout_ms = req->timeout_ms,
			.max_response = STS_MAX_RESPONSE,
		};

		if ((r = ct_http_request(&hr, &resp)) != 0)
			goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		r = sts_error(action, resp.status, resp.body, resp.body_len);
		goto out;
	}
	if ((r = ct_sts_parse_answer(action, resp.body, resp.body_len, out)) != 0)
		goto out;
	out->endpoint = url;
	url = NULL;
	r = 0;
 out:
	ct_http_response_release(&resp);
	ct_sigv4_result_release(&sig);
	ct_buf_release_secret(&body);
	free(url);
	free(host);
	free(path);
	free(query);
	free(hosthdr);
	free(authhdr);
	if (r != 0)
		ct_sts_result_release(out);
	return r;
}
