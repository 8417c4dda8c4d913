/*
 * actionmap.c - provider events to the permissions they needed (see actionmap.h), over the
 * table in actionmap_data.c and any service reference files loaded.
 *
 * Resource templates are expanded against the request parameters as logged; every value
 * that comes from a log is bounded (a resource at most CT_AM_RESOURCE_MAX bytes, at most
 * CT_AM_MAX_RESOURCES per permission) and anything that does not fit is dropped rather
 * than truncated into a different name.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/actionmap.h"
#include "lib/actionmap_data.h"
#include "util/err.h"
#include "util/fs.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define CT_AM_RESOURCE_MAX 2048	/* IAM's own limit on a Resource ARN */
#define CT_AM_ACTION_MAX 256
#define PATH_SEGMENTS 8

struct ref_op {
	char *name;
	char **actions;			/* "svc:Action" */
	size_t n;
};

struct ref_svc {
	char *name;
	char **actions;			/* sorted */
	size_t nactions;
	struct ref_op *ops;		/* sorted by name */
	size_t nops;
};

struct ct_actionmap {
	const struct ct_am_entry **aws;	/* sorted by (source, event) */
	size_t naws;
	struct ref_svc *refs;		/* sorted by name */
	size_t nrefs;
};

/* ---- small helpers ---- */

static int
entry_cmp(const void *a, const void *b)
{
	const struct ct_am_entry *x = *(const struct ct_am_entry *const *)a;
	const struct ct_am_entry *y = *(const struct ct_am_entry *const *)b;
	int c = strcasecmp(x->source, y->source);

	return c != 0 ? c : strcmp(x->event, y->event);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
op_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ref_op *)a)->name, ((const struct ref_op *)b)->name);
}

static int
svc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ref_svc *)a)->name, ((const struct ref_svc *)b)->name);
}

static void
ref_svc_release(struct ref_svc *s)
{
	size_t i, j;

	free(s->name);
	for (i = 0; i < s->nactions; i++)
		free(s->actions[i]);
	free(s->actions);
	for (i = 0; i < s->nops; i++) {
		free(s->ops[i].name);
		for (j = 0; j < s->ops[i].n; j++)
			free(s->ops[i].actions[j]);
		free(s->ops[i].actions);
	}
	free(s->ops);
	memset(s, 0, sizeof(*s));
}

int
ct_actionmap_new(struct ct_actionmap **out)
{
	struct ct_actionmap *m;
	size_t i;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->aws = calloc(ct_am_aws_table_len, sizeof(*m->aws))) == NULL) {
		free(m);
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < ct_am_aws_table_len; i++)
		m->aws[i] = &ct_am_aws_table[i];
	m->naws = ct_am_aws_table_len;
	qsort(m->aws, m->naws, sizeof(*m->aws), entry_cmp);
	*out = m;
	return 0;
}

void
ct_actionmap_free(struct ct_actionmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrefs; i++)
		ref_svc_release(&m->refs[i]);
	free(m->refs);
	free(m->aws);
	free(m);
}

static const struct ct_am_entry *
find_entry(const struct ct_actionmap *m, const struct ct_am_entry *table, size_t len,
    const char *source, const char *event)
{
	struct ct_am_entry key;
	const struct ct_am_entry *kp = &key, *const *hit;
	size_t i;

	if (m != NULL && table == ct_am_aws_table) {
		key.source = source;
		key.event = event;
		hit = bsearch(&kp, m->aws, m->naws, sizeof(*m->aws), entry_cmp);
		return hit != NULL ? *hit : NULL;
	}
	for (i = 0; i < len; i++)
		if (strcasecmp(table[i].source, source) == 0 && strcmp(table[i].event, event) == 0)
			return &table[i];
	return NULL;
}

static const struct ref_svc *
find_ref(const struct ct_actionmap *m, const char *prefix)
{
	struct ref_svc key = { .name = (char *)prefix };

	if (m == NULL || m->nrefs == 0)
		return NULL;
	return bsearch(&key, m->refs, m->nrefs, sizeof(*m->refs), svc_cmp);
}

static int
ref_has_action(const struct ref_svc *s, const char *name)
{
	size_t lo = 0, hi = s->nactions, mid;
	int c;

	/* IAM action names are case-insensitive; references spell them in one case */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcasecmp(name, s->actions[mid]);
		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (mid = 0; mid < s->nactions; mid++)	/* sorted by strcmp, not strcasecmp */
		if (strcasecmp(name, s->actions[mid]) == 0)
			return 1;
	return 0;
}

static const struct ref_op *
ref_find_op(const struct ref_svc *s, const char *name)
{
	struct ref_op key = { .name = (char *)name };

	if (s == NULL || s->nops == 0)
		return NULL;
	return bsearch(&key, s->ops, s->nops, sizeof(*s->ops), op_cmp);
}

const char *const *
ct_actionmap_reference_actions(const struct ct_actionmap *m, const char *prefix, size_t *n)
{
	const struct ref_svc *s = find_ref(m, prefix);

	*n = s != NULL ? s->nactions : 0;
	return s != NULL ? (const char *const *)s->actions : NULL;
}

/* ---- service references ---- */

static int
prefix_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int
name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

static int
load_ops(struct ref_svc *svc, json_t *ops, const char *name)
{
	json_t *op, *aa, *a;
	size_t i, j, k;
	const char *on, *an, *as;

	if (ops == NULL)
		return 0;
	if (!json_is_array(ops))
		return ct_error(CT_ERR_FORMAT, "service reference '%s': Operations is not an array",
		    name);
	if ((svc->ops = calloc(json_array_size(ops) + 1, sizeof(*svc->ops))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	json_array_foreach(ops, i, op) {
		on = json_string_value(json_object_get(op, "Name"));
		aa = json_object_get(op, "AuthorizedActions");
		if (on == NULL || !name_ok(on))
			return ct_error(CT_ERR_FORMAT, "service reference '%s': operation %zu has "
			    "no valid Name", name, i);
		if (aa == NULL)
			continue;	/* services without the mapping omit it */
		if (!json_is_array(aa))
			return ct_error(CT_ERR_FORMAT, "service reference '%s': AuthorizedActions of "
			    "'%s' is not an array", name, on);
		k = svc->nops;
		if ((svc->ops[k].name = strdup(on)) == NULL ||
		    (svc->ops[k].actions = calloc(json_array_size(aa) + 1, sizeof(char *))) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		svc->nops++;
		json_array_foreach(aa, j, a) {
			an = json_string_value(json_object_get(a, "Name"));
			as = json_string_value(json_object_get(a, "Service"));
			if (as == NULL)
				as = svc->name;
			if (an == NULL || !name_ok(an) || !prefix_ok(as))
				return ct_error(CT_ERR_FORMAT, "service reference '%s': an authorized "
				    "action of '%s' has no valid Name and Service", name, on);
			if (asprintf(&svc->ops[k].actions[svc->ops[k].n], "%s:%s", as, an) < 0) {
				svc->ops[k].actions[svc->ops[k].n] = NULL;
				return ct_error(CT_ERR_NOMEM, "out of memory");
			}
			svc->ops[k].n++;
		}
	}
	qsort(svc->ops, svc->nops, sizeof(*svc->ops), op_cmp);
	return 0;
}

int
ct_actionmap_load_reference_buf(struct ct_actionmap *m, const char *name, const char *data,
    size_t len)
{
	struct ref_svc svc, *grown, *old;
	json_error_t jerr;
	json_t *doc = NULL, *acts, *a;
	const char *sn, *an;
	size_t i;
	int r = CT_ERR_INTERNAL;

	memset(&svc, 0, sizeof(svc));
	if ((doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		r = ct_error(CT_ERR_FORMAT, "service reference '%s' is not JSON: %s (line %d)",
		    name, jerr.text, jerr.line);
		goto out;
	}
	if (json_is_array(doc)) {
		r = 1;		/* the service list */
		goto out;
	}
	sn = json_string_value(json_object_get(doc, "Name"));
	acts = json_object_get(doc, "Actions");
	if (!json_is_object(doc) || sn == NULL || !prefix_ok(sn)) {
		r = ct_error(CT_ERR_FORMAT, "service reference '%s' has no service Name (an object "
		    "with \"Name\": \"<prefix>\" and \"Actions\" is expected)", name);
		goto out;
	}
	if (!json_is_array(acts)) {
		r = ct_error(CT_ERR_FORMAT, "service reference '%s' has no Actions array", name);
		goto out;
	}
	if ((svc.name = strdup(sn)) == NULL ||
	    (svc.actions = calloc(json_array_size(acts) + 1, sizeof(char *))) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(acts, i, a) {
		an = json_string_value(json_object_get(a, "Name"));
		if (an == NULL || !name_ok(an)) {
			r = ct_error(CT_ERR_FORMAT, "service reference '%s': action %zu has no "
			    "valid Name", name, i);
			goto out;
		}
		if ((svc.actions[svc.nactions] = strdup(an)) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		svc.nactions++;
	}
	qsort(svc.actions, svc.nactions, sizeof(char *), str_cmp);
	if ((r = load_ops(&svc, json_object_get(doc, "Operations"), name)) != 0)
		goto out;
	if ((old = (struct ref_svc *)find_ref(m, svc.name)) != NULL) {
		ref_svc_release(old);
		*old = svc;
	} else {
		if ((grown = realloc(m->refs, (m->nrefs + 1) * sizeof(*grown))) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		m->refs = grown;
		m->refs[m->nrefs++] = svc;
		qsort(m->refs, m->nrefs, sizeof(*m->refs), svc_cmp);
	}
	memset(&svc, 0, sizeof(svc));
	r = 0;
 out:
	ref_svc_release(&svc);
	json_decref(doc);
	return r;
}

int
ct_actionmap_load_reference(struct ct_actionmap *m, const char *dir, size_t *nservices)
{
	struct dirent *de;
	char **names = NULL, **grown, *path = NULL;
	size_t n = 0, i, len, loaded = 0;
	uint8_t *data = NULL;
	DIR *d = NULL;
	int r = CT_ERR_INTERNAL;

	if (nservices != NULL)
		*nservices = 0;
	if ((d = opendir(dir)) == NULL) {
		r = ct_error(CT_ERR_SYSTEM, "cannot open service reference directory '%s'", dir);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if (n >= 4096) {
			r = ct_error(CT_ERR_LIMIT, "more than 4096 files in '%s'", dir);
			goto out;
		}
		if ((grown = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (grown[n] = strdup(de->d_name)) == NULL) {
			if (grown != NULL)
				names = grown;
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		names = grown;
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), str_cmp);
	for (i = 0; i < n; i++) {
		free(path);
		free(data);
		data = NULL;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			path = NULL;
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((r = ct_read_file(path, CT_AM_REFERENCE_MAX, &data, &len)) != 0)
			goto out;
		if ((r = ct_actionmap_load_reference_buf(m, path, (const char *)data, len)) < 0)
			goto out;
		if (r == 0)
			loaded++;
	}
	if (loaded == 0) {
		r = ct_error(CT_ERR_NOTFOUND, "no service reference file in '%s'", dir);
		goto out;
	}
	if (nservices != NULL)
		*nservices = loaded;
	r = 0;
 out:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	free(data);
	return r;
}

/* ---- results ---- */

void
ct_am_result_release(struct ct_am_result *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->perm[i].action);
		for (j = 0; j < r->perm[i].nresources; j++)
			free(r->perm[i].resources[j]);
		free(r->perm[i].resources);
		free(r->perm[i].cond_key);
		free(r->perm[i].cond_value);
	}
	memset(r, 0, sizeof(*r));
}

static int
perm_add_resource(struct ct_am_perm *p, const char *s, size_t n)
{
	char **grown;
	size_t i;

	if (n == 0 || n > CT_AM_RESOURCE_MAX || memchr(s, '\0', n) != NULL)
		return 0;
	for (i = 0; i < p->nresources; i++)
		if (strlen(p->resources[i]) == n && memcmp(p->resources[i], s, n) == 0)
			return 0;
	if (p->nresources >= CT_AM_MAX_RESOURCES)
		return 0;
	if ((grown = realloc(p->resources, (p->nresources + 1) * sizeof(*grown))) == NULL ||
	    (grown[p->nresources] = strndup(s, n)) == NULL) {
		if (grown != NULL)
			p->resources = grown;
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	p->resources = grown;
	p->nresources++;
	return 0;
}

/*
 * The permission `action` (with condition) in the result, added if new: the same action
 * from two specs (SendCommand on a document and on instances) is one permission with the
 * resources of both.
 */
static int
result_perm(struct ct_am_result *r, const char *action, const char *cond_key,
    const char *cond_value, unsigned flags, const char *note, struct ct_am_perm **out)
{
	struct ct_am_perm *p;
	size_t i;

	*out = NULL;
	if (strlen(action) >= CT_AM_ACTION_MAX)
		return ct_error(CT_ERR_FORMAT, "permission name longer than %d bytes",
		    CT_AM_ACTION_MAX);
	for (i = 0; i < r->n; i++) {
		p = &r->perm[i];
		if (strcasecmp(p->action, action) == 0 &&
		    ((p->cond_key == NULL && cond_key == NULL) || (p->cond_key != NULL &&
		    cond_key != NULL && strcmp(p->cond_key, cond_key) == 0 &&
		    strcmp(p->cond_value, cond_value) == 0))) {
			p->flags |= flags;
			*out = p;
			return 0;
		}
	}
	if (r->n >= CT_AM_MAX)
		return 0;	/* table entries never need more; *out NULL: dropped */
	p = &r->perm[r->n];
	memset(p, 0, sizeof(*p));
	if ((p->action = strdup(action)) == NULL ||
	    (cond_key != NULL && ((p->cond_key = strdup(cond_key)) == NULL ||
	    (p->cond_value = strdup(cond_value)) == NULL))) {
		free(p->action);
		free(p->cond_key);
		memset(p, 0, sizeof(*p));
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	p->flags = flags;
	p->note = note;
	r->n++;
	*out = p;
	return 0;
}

/* ---- request paths and templates ---- */

struct tctx {
	const struct ct_am_event *ev;
	char partition[16];
};

/* obj[key], exactly, else case-insensitively (Athena exports lower-case the names) */
static json_t *
jget(json_t *obj, const char *key, size_t klen)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	if ((v = json_object_getn(obj, key, klen)) != NULL)
		return v;
	json_object_foreach(obj, k, v)
		if (strlen(k) == klen && strncasecmp(k, key, klen) == 0)
			return v;
	return NULL;
}

/*
 * Walk a path "a.b.items[].c" from `root`, calling `cb` on every value it reaches (an
 * array segment "x[]" fans out over the elements).  Returns cb's first non-zero return.
 */
static int
walk(json_t *root, const char *path, int (*cb)(json_t *v, void *arg), void *arg, int depth)
{
	const char *dot, *seg = path;
	size_t n, i;
	int fan, r;
	json_t *v, *e;

	if (root == NULL || depth > PATH_SEGMENTS)
		return 0;
	dot = strchr(seg, '.');
	n = dot != NULL ? (size_t)(dot - seg) : strlen(seg);
	fan = n >= 2 && seg[n - 2] == '[' && seg[n - 1] == ']';
	if ((v = jget(root, seg, fan ? n - 2 : n)) == NULL)
		return 0;
	if (fan) {
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e) {
			r = dot != NULL ? walk(e, dot + 1, cb, arg, depth + 1) : cb(e, arg);
			if (r != 0)
				return r;
		}
		return 0;
	}
	return dot != NULL ? walk(v, dot + 1, cb, arg, depth + 1) : cb(v, arg);
}

static int
present_cb(json_t *v, void *arg)
{
	const char *s;

	(void)arg;
	if (json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		return *s != '\0' && strcasecmp(s, "false") != 0;
	}
	if (json_is_object(v))
		return json_object_size(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return 1;
}

static json_t *
path_root(const struct ct_am_event *ev, const char **path)
{
	if (strncmp(*path, "resp:", 5) == 0) {
		*path += 5;
		return ev->response;
	}
	return ev->request;
}

static int
exists_cb(json_t *v, void *arg)
{
	(void)v;
	(void)arg;
	return 1;
}

/*
 * Is parameter `path` present (not null, "", false, {} or []; with a leading '+', there
 * at all)?  -1 when the request is unknown.
 */
static int
param_present(const struct ct_am_event *ev, const char *path)
{
	int any = *path == '+';
	json_t *root;

	if (any)
		path++;
	if ((root = path_root(ev, &path)) == NULL)
		return ev->request == NULL ? -1 : 0;
	return walk(root, path, any ? exists_cb : present_cb, NULL, 0) != 0;
}

/*
 * Does a "when" hold?  1 yes, 0 no, -1 unknown (the request was not available).
 * "p,q": any present; "!p": p absent.
 */
static int
when_holds(const struct ct_am_event *ev, const char *when)
{
	char buf[256];
	const char *p, *e;
	size_t n;
	int neg = 0, unknown = 0, r;

	if (when == NULL)
		return 1;
	if (*when == '!') {
		neg = 1;
		when++;
	}
	for (p = when; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n == 0 || n >= sizeof(buf))
			continue;
		memcpy(buf, p, n);
		buf[n] = '\0';
		r = param_present(ev, buf);
		if (r > 0)
			return neg ? 0 : 1;
		if (r < 0)
			unknown = 1;
	}
	if (unknown)
		return neg ? 1 : -1;	/* "!p" with nothing known: assume the plain case */
	return neg ? 1 : 0;
}

struct vals {
	char *v[CT_AM_MAX_RESOURCES];
	size_t n;
	int err;
};

static int
collect_cb(json_t *v, void *arg)
{
	struct vals *vs = arg;
	char num[32];
	const char *s = NULL;
	size_t i;
	json_t *e;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (json_is_string(e) || json_is_integer(e))
				collect_cb(e, arg);
		return vs->err;
	}
	if (json_is_string(v)) {
		s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_object(v)) {
		/* CloudTrail writes some scalars as {"value": ...} (instanceType) */
		e = json_object_get(v, "value");
		if (json_is_string(e))
			s = json_string_value(e);
	}
	if (s == NULL || *s == '\0' || strlen(s) > CT_AM_RESOURCE_MAX ||
	    vs->n >= CT_AM_MAX_RESOURCES)
		return 0;
	if ((vs->v[vs->n] = strdup(s)) == NULL) {
		vs->err = ct_error(CT_ERR_NOMEM, "out of memory");
		return vs->err;
	}
	vs->n++;
	return 0;
}

static void
vals_release(struct vals *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		free(vs->v[i]);
	vs->n = 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* x-amz-copy-source: "/bucket/key?versionId=v", URL-encoded -> "bucket/key" */
static void
copysrc(char *s)
{
	char *r = s, *w = s;
	int hi, lo;

	while (*r == '/')
		r++;
	for (; *r != '\0' && *r != '?'; r++) {
		if (*r == '%' && (hi = hexval((unsigned char)r[1])) >= 0 &&
		    (lo = hexval((unsigned char)r[2])) >= 0 && (hi || lo)) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* https://sqs.<region>.amazonaws.com/<account>/<name> -> arn:<p>:sqs:<region>:<account>:<name> */
static char *
sqs_arn(const char *url, const struct tctx *c)
{
	const char *h, *p, *acct, *name;
	char region[64] = "", *out = NULL;
	size_t n;

	if ((h = strstr(url, "://")) == NULL)
		return NULL;
	h += 3;
	if ((p = strchr(h, '/')) == NULL)
		return NULL;
	if (strncmp(h, "sqs.", 4) == 0) {
		n = strcspn(h + 4, ".");
		if (n >= sizeof(region))
			return NULL;
		memcpy(region, h + 4, n);
		region[n] = '\0';
	} else if (c->ev->region != NULL && strlen(c->ev->region) < sizeof(region)) {
		snprintf(region, sizeof(region), "%s", c->ev->region);
	}
	acct = p + 1;
	if ((name = strchr(acct, '/')) == NULL || name == acct || name[1] == '\0' ||
	    strchr(name + 1, '/') != NULL || region[0] == '\0')
		return NULL;
	if (asprintf(&out, "arn:%s:sqs:%s:%.*s:%s", c->partition, region, (int)(name - acct),
	    acct, name + 1) < 0)
		return NULL;
	return out;
}

/*
 * Expand a template into resources of `p`.  Returns 0 (with p's resources added, or none
 * when a parameter was missing: *missing set) or a negative error.
 */
static int
expand(const struct tctx *c, const char *tmpl, struct ct_am_perm *p, int *missing)
{
	struct vals vs;
	char name[128], filt[16], *buf = NULL, *whole;
	const char *t, *e, *bar, *path, *fixed;
	size_t n, k, blen, cap = CT_AM_RESOURCE_MAX + 1;
	int r = CT_ERR_INTERNAL, multi = 0;
	json_t *root;

	memset(&vs, 0, sizeof(vs));
	*missing = 0;
	/* find the one variable that may have many values; others use their first */
	if ((buf = malloc(cap)) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (k = 0; k < CT_AM_MAX_RESOURCES; k++) {
		blen = 0;
		buf[0] = '\0';
		whole = NULL;
		for (t = tmpl; *t != '\0';) {
			if (t[0] != '$' || t[1] != '{') {
				if (blen + 1 >= cap)
					goto toolong;
				buf[blen++] = *t++;
				continue;
			}
			if ((e = strchr(t + 2, '}')) == NULL || (size_t)(e - t - 2) >= sizeof(name))
				goto bad_template;
			n = (size_t)(e - t - 2);
			memcpy(name, t + 2, n);
			name[n] = '\0';
			filt[0] = '\0';
			if ((bar = strchr(name, '|')) != NULL) {
				snprintf(filt, sizeof(filt), "%s", bar + 1);
				name[bar - name] = '\0';
			}
			fixed = NULL;
			if (strcmp(name, "Partition") == 0)
				fixed = c->partition;
			else if (strcmp(name, "Region") == 0)
				fixed = c->ev->region;
			else if (strcmp(name, "Account") == 0)
				fixed = c->ev->account;
			if (fixed == NULL && (strcmp(name, "Region") == 0 ||
			    strcmp(name, "Account") == 0)) {
				*missing = 1;
				goto done;
			}
			if (fixed == NULL) {
				path = name;
				root = path_root(c->ev, &path);
				vals_release(&vs);
				if (root != NULL)
					walk(root, path, collect_cb, &vs, 0);
				if (vs.err != 0) {
					r = vs.err;
					goto out;
				}
				if (vs.n == 0) {
					*missing = 1;
					goto done;
				}
				if (vs.n > 1)
					multi = 1;
				if (k >= vs.n)
					goto done;	/* every value used */
				fixed = vs.v[vs.n > 1 ? k : 0];
				if (strcmp(filt, "copysrc") == 0) {
					copysrc(vs.v[vs.n > 1 ? k : 0]);
				} else if (strcmp(filt, "basename") == 0) {
					if (strrchr(fixed, '/') != NULL)
						fixed = strrchr(fixed, '/') + 1;
				} else if (strcmp(filt, "noslash") == 0) {
					while (*fixed == '/')
						fixed++;
				} else if (strcmp(filt, "arn") == 0) {
					if (strncmp(fixed, "arn:", 4) == 0)
						whole = strdup(fixed);
				} else if (strcmp(filt, "sqsarn") == 0) {
					if ((whole = sqs_arn(fixed, c)) == NULL) {
						*missing = 1;
						goto done;
					}
				} else if (filt[0] != '\0') {
					goto bad_template;
				}
				if (whole != NULL)
					break;
			}
			n = strlen(fixed);
			if (n == 0) {
				*missing = 1;
				goto done;
			}
			if (blen + n >= cap)
				goto toolong;
			memcpy(buf + blen, fixed, n);
			blen += n;
			t = e + 1;
		}
		if (whole != NULL) {
			r = perm_add_resource(p, whole, strlen(whole));
			free(whole);
		} else {
			r = perm_add_resource(p, buf, blen);
		}
		if (r != 0)
			goto out;
		if (!multi)
			break;
		continue;
 toolong:
		/* a resource over IAM's limit is dropped, never cut */
		if (!multi)
			break;
	}
 done:
	r = 0;
	goto out;
 bad_template:
	r = ct_error(CT_ERR_INTERNAL, "bad resource template '%s'", tmpl);
 out:
	vals_release(&vs);
	free(buf);
	return r;
}

/* The service part of an ARN ("arn:aws:s3:::b" -> "s3"), into out. */
static int
arn_service(const char *arn, char *out, size_t outsz)
{
	const char *p, *q;

	if (strncmp(arn, "arn:", 4) != 0 || (p = strchr(arn + 4, ':')) == NULL ||
	    (q = strchr(p + 1, ':')) == NULL || (size_t)(q - p - 1) >= outsz)
		return -1;
	memcpy(out, p + 1, q - p - 1);
	out[q - p - 1] = '\0';
	return 0;
}

/*
 * Resources from the event's resources[]: strings (GCP, Vault) as they are; CloudTrail's
 * {"ARN"|"arn", "type"} objects whose type is `type` (when given) or whose ARN belongs to
 * the action's service.
 */
static int
from_resources(const struct ct_am_event *ev, const char *type, struct ct_am_perm *p)
{
	char svc[64], want[64];
	const char *arn, *ty, *colon;
	size_t i, n;
	json_t *e;
	int r;

	if (!json_is_array(ev->resources))
		return 0;
	colon = strchr(p->action, ':');
	n = colon != NULL ? (size_t)(colon - p->action) : 0;
	if (n >= sizeof(want))
		n = 0;
	memcpy(want, p->action, n);
	want[n] = '\0';
	json_array_foreach(ev->resources, i, e) {
		if (json_is_string(e)) {
			if (colon != NULL)
				continue;	/* AWS actions take ARNs only */
			arn = json_string_value(e);
			if ((r = perm_add_resource(p, arn, strlen(arn))) != 0)
				return r;
			continue;
		}
		if ((arn = json_string_value(json_object_get(e, "ARN"))) == NULL &&
		    (arn = json_string_value(json_object_get(e, "arn"))) == NULL)
			continue;
		ty = json_string_value(json_object_get(e, "type"));
		if (type != NULL) {
			if (ty == NULL || strcmp(ty, type) != 0)
				continue;
		} else if (arn_service(arn, svc, sizeof(svc)) != 0 || strcmp(svc, want) != 0) {
			continue;
		}
		if ((r = perm_add_resource(p, arn, strlen(arn))) != 0)
			return r;
	}
	return 0;
}

static void
set_partition(struct tctx *c)
{
	const char *rg = c->ev->region;

	snprintf(c->partition, sizeof(c->partition), "%s",
	    rg == NULL ? "aws" : strncmp(rg, "cn-", 3) == 0 ? "aws-cn" :
	    strncmp(rg, "us-gov-", 7) == 0 ? "aws-us-gov" :
	    strncmp(rg, "us-isob-", 8) == 0 ? "aws-iso-b" :
	    strncmp(rg, "us-iso-", 7) == 0 ? "aws-iso" : "aws");
}

/* Resources of one permission from its spec's template (or resources[]). */
static int
spec_resources(const struct tctx *c, const char *tmpl, struct ct_am_perm *p)
{
	int r, missing = 0;

	if (tmpl != NULL && strcmp(tmpl, "*") == 0) {
		p->flags |= CT_AM_ANY_RESOURCE;
		return 0;
	}
	if (tmpl != NULL && tmpl[0] != '@') {
		if ((r = expand(c, tmpl, p, &missing)) != 0)
			return r;
		if (!missing && p->nresources > 0)
			return 0;
	}
	if ((r = from_resources(c->ev, tmpl != NULL && tmpl[0] == '@' ? tmpl + 1 : NULL,
	    p)) != 0)
		return r;
	if (p->nresources == 0)
		p->flags |= CT_AM_NO_RESOURCE;
	return 0;
}

/* "key=value" with the value a template of one resource (CreateServiceLinkedRole) */
static int
spec_condition(const struct tctx *c, const char *cond, char **key, char **value)
{
	struct ct_am_perm tmp;
	const char *eq;
	int r, missing = 0;

	*key = *value = NULL;
	if (cond == NULL)
		return 0;
	if ((eq = strchr(cond, '=')) == NULL)
		return ct_error(CT_ERR_INTERNAL, "bad condition '%s' in the table", cond);
	memset(&tmp, 0, sizeof(tmp));
	tmp.action = (char *)"";
	if ((r = expand(c, eq + 1, &tmp, &missing)) != 0)
		return r;
	if (missing || tmp.nresources == 0) {
		free(tmp.resources);
		return 0;	/* no condition rather than a wrong one */
	}
	*value = tmp.resources[0];
	while (tmp.nresources > 1)
		free(tmp.resources[--tmp.nresources]);
	free(tmp.resources);
	if ((*key = strndup(cond, (size_t)(eq - cond))) == NULL) {
		free(*value);
		*value = NULL;
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	return 0;
}

/* Apply a table entry to the event. */
static int
apply_entry(const struct tctx *c, const struct ct_am_entry *en, struct ct_am_result *out)
{
	const struct ct_am_spec *s;
	struct ct_am_perm *p;
	char *ck = NULL, *cv = NULL;
	unsigned fl;
	size_t i;
	int w, r;

	out->note = en->note;
	if (en->flags & CT_AM_NONE_NEEDED) {
		out->flags |= CT_AM_NONE_NEEDED;
		return 0;
	}
	for (i = 0; i < CT_AM_SPECS && en->spec[i].action != NULL; i++) {
		s = &en->spec[i];
		if ((w = when_holds(c->ev, s->when)) == 0)
			continue;
		fl = s->flags | (en->flags & CT_AM_DATA);
		if (w < 0)
			fl |= CT_AM_CONDITIONAL;
		if ((r = spec_condition(c, s->cond, &ck, &cv)) != 0)
			return r;
		r = result_perm(out, s->action, ck, cv, fl, s->note, &p);
		free(ck);
		free(cv);
		ck = cv = NULL;
		if (r != 0)
			return r;
		if (p == NULL)
			continue;
		/* a permission both conditional and certain (two specs) is certain */
		if (w > 0)
			p->flags &= ~CT_AM_CONDITIONAL;
		if (s->resource == NULL && (s->flags & CT_AM_DEPENDENT) &&
		    strcmp(c->ev->provider, "gcp") == 0) {
			/* the resourceName is the created thing, not what it depends on */
			p->flags |= CT_AM_NO_RESOURCE;
			continue;
		}
		if ((r = spec_resources(c, s->resource, p)) != 0)
			return r;
		if (p->nresources > 0)
			p->flags &= ~CT_AM_NO_RESOURCE;
	}
	return 0;
}

/* ---- AWS ---- */

#define AWS_SUFFIX ".amazonaws.com"

int
ct_actionmap_iam_prefix(const char *event_source, char *out, size_t outsz, int *guessed)
{
	const char *dot;
	size_t i, n;

	*guessed = 0;
	if (outsz > 0)
		out[0] = '\0';
	if (event_source == NULL)
		return ct_error(CT_ERR_NOTFOUND, "no event source");
	for (i = 0; i < ct_am_aws_services_len; i++) {
		if (strcasecmp(ct_am_aws_services[i].source, event_source) == 0) {
			if (strlen(ct_am_aws_services[i].prefix) >= outsz)
				return ct_error(CT_ERR_LIMIT, "buffer too small");
			snprintf(out, outsz, "%s", ct_am_aws_services[i].prefix);
			return 0;
		}
	}
	n = strlen(event_source);
	if (n <= strlen(AWS_SUFFIX) ||
	    strcasecmp(event_source + n - strlen(AWS_SUFFIX), AWS_SUFFIX) != 0)
		return ct_error(CT_ERR_NOTFOUND, "'%.64s' is not an AWS service host", event_source);
	dot = strchr(event_source, '.');
	n = (size_t)(dot - event_source);
	if (n == 0 || n >= outsz || n > 64)
		return ct_error(CT_ERR_NOTFOUND, "'%.64s' is not an AWS service host", event_source);
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)event_source[i]) && event_source[i] != '-')
			return ct_error(CT_ERR_NOTFOUND, "'%.64s' is not an AWS service host",
			    event_source);
		out[i] = (char)tolower((unsigned char)event_source[i]);
	}
	out[n] = '\0';
	*guessed = 1;
	return 0;
}

/* Length of an event name without an API version suffix ("20150331", "20150331v2", "2020_05_31"). */
static size_t
strip_version(const char *name)
{
	size_t n = strlen(name), i = n, j, d;

	if (i >= 2 && isdigit((unsigned char)name[i - 1])) {
		j = i;
		while (j > 0 && isdigit((unsigned char)name[j - 1]))
			j--;
		if (j > 0 && j < i && name[j - 1] == 'v')
			i = j - 1;
	}
	if (i > 10 && name[i - 3] == '_' && name[i - 6] == '_') {
		for (d = i - 10; d < i; d++)
			if (d != i - 3 && d != i - 6 && !isdigit((unsigned char)name[d]))
				break;
		if (d == i)
			return i - 10;
	}
	if (i > 8) {
		for (d = i - 8; d < i; d++)
			if (!isdigit((unsigned char)name[d]))
				break;
		if (d == i)
			return i - 8;
	}
	return n;
}

/* API Gateway's management API authorizes HTTP verbs on resource paths. */
static const char *
apigw_verb(const char *ev)
{
	static const struct { const char *prefix, *verb; } v[] = {
		{ "Get", "GET" }, { "Create", "POST" }, { "Update", "PATCH" },
		{ "Delete", "DELETE" }, { "Put", "PUT" }, { "Import", "PUT" },
		{ "Flush", "DELETE" }, { "Tag", "PUT" }, { "Untag", "DELETE" },
	};
	size_t i;

	for (i = 0; i < NELEM(v); i++)
		if (strncmp(ev, v[i].prefix, strlen(v[i].prefix)) == 0)
			return v[i].verb;
	return NULL;
}

static void
validate_reference(const struct ct_actionmap *m, struct ct_am_result *out)
{
	const struct ref_svc *s;
	char prefix[72];
	const char *colon;
	size_t i, n;

	for (i = 0; i < out->n; i++) {
		colon = strchr(out->perm[i].action, ':');
		if (colon == NULL || (n = (size_t)(colon - out->perm[i].action)) >= sizeof(prefix))
			continue;
		memcpy(prefix, out->perm[i].action, n);
		prefix[n] = '\0';
		if ((s = find_ref(m, prefix)) == NULL)
			continue;
		if (ref_has_action(s, colon + 1)) {
			if (out->perm[i].flags & CT_AM_GUESSED) {
				/* a guess the reference confirms is no longer a guess */
				out->perm[i].flags &= ~CT_AM_GUESSED;
				out->perm[i].flags |= CT_AM_REFERENCE;
			}
		} else {
			out->perm[i].flags |= CT_AM_NOT_IN_REFERENCE;
		}
	}
}

static int
map_aws(const struct ct_actionmap *m, const struct ct_am_event *ev, struct ct_am_result *out)
{
	const struct ct_am_entry *en;
	const struct ref_op *op;
	struct ct_am_perm *p;
	struct tctx c;
	char prefix[72], name[CT_AM_ACTION_MAX], action[CT_AM_ACTION_MAX + 80];
	const char *verb;
	size_t n, i;
	int guessed, r;

	memset(&c, 0, sizeof(c));
	c.ev = ev;
	set_partition(&c);
	if (ev->service == NULL || ev->action == NULL || *ev->action == '\0' ||
	    strlen(ev->action) >= sizeof(name)) {
		out->flags |= CT_AM_UNMAPPED;
		out->note = "the event names no service or operation";
		return 0;
	}
	n = strip_version(ev->action);
	memcpy(name, ev->action, n);
	name[n] = '\0';
	if ((en = find_entry(m, ct_am_aws_table, ct_am_aws_table_len, ev->service,
	    ev->action)) != NULL || (en = find_entry(m, ct_am_aws_table, ct_am_aws_table_len,
	    ev->service, name)) != NULL) {
		if ((r = apply_entry(&c, en, out)) != 0)
			return r;
		goto done;
	}
	if (strcasecmp(ev->service, "signin.amazonaws.com") == 0) {
		out->flags |= CT_AM_NONE_NEEDED;
		out->note = "a console sign-in, not a call an IAM policy allows";
		return 0;
	}
	if (ct_actionmap_iam_prefix(ev->service, prefix, sizeof(prefix), &guessed) != 0) {
		ct_error_clear();
		out->flags |= CT_AM_UNMAPPED;
		out->note = "not an AWS service host";
		return 0;
	}
	/* a service reference that maps the operation */
	if ((op = ref_find_op(find_ref(m, prefix), name)) != NULL && op->n > 0) {
		for (i = 0; i < op->n; i++) {
			if ((r = result_perm(out, op->actions[i], NULL, NULL, CT_AM_REFERENCE,
			    "from the service reference's Operations", &p)) != 0)
				return r;
			if (p != NULL && (r = spec_resources(&c, NULL, p)) != 0)
				return r;
		}
		goto done;
	}
	if (strcmp(prefix, "apigateway") == 0 && (verb = apigw_verb(name)) != NULL) {
		snprintf(action, sizeof(action), "apigateway:%s", verb);
		if ((r = result_perm(out, action, NULL, NULL, 0,
		    "API Gateway authorizes management calls as HTTP verbs", &p)) != 0)
			return r;
		if (p != NULL)
			p->flags |= CT_AM_NO_RESOURCE;
		goto done;
	}
	snprintf(action, sizeof(action), "%s:%s", prefix, name);
	if ((r = result_perm(out, action, NULL, NULL, CT_AM_GUESSED,
	    guessed ? "guessed: prefix from the host, action from the event name" :
	    "guessed: action from the event name", &p)) != 0)
		return r;
	if (p != NULL && (r = spec_resources(&c, NULL, p)) != 0)
		return r;
 done:
	validate_reference(m, out);
	return 0;
}

/* ---- GCP ---- */

static int
gcp_authz(const struct ct_am_event *ev, struct ct_am_result *out)
{
	struct ct_am_perm *p;
	const char *perm, *res;
	size_t i;
	json_t *e;
	int r;

	json_array_foreach(ev->authz, i, e) {
		if ((perm = json_string_value(json_object_get(e, "permission"))) == NULL ||
		    *perm == '\0' || strlen(perm) >= CT_AM_ACTION_MAX)
			continue;
		if ((r = result_perm(out, perm, NULL, NULL, CT_AM_AUTHZ,
		    "from the record's authorizationInfo", &p)) != 0)
			return r;
		if (p == NULL)
			continue;
		if ((res = json_string_value(json_object_get(e, "resource"))) != NULL &&
		    (r = perm_add_resource(p, res, strlen(res))) != 0)
			return r;
	}
	return 0;
}

/* "compute.googleapis.com" -> "compute" */
static int
gcp_prefix(const char *service, char *out, size_t outsz)
{
	size_t n = strcspn(service, ".");

	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, service, n);
	out[n] = '\0';
	return 0;
}

static const char *
gcp_verb(const char *v)
{
	size_t i;

	for (i = 0; i < ct_am_gcp_verbs_len; i++)
		if (strcmp(ct_am_gcp_verbs[i].method, v) == 0)
			return ct_am_gcp_verbs[i].permission;
	return v;
}

/* split "a.b.c" into at most `max` parts; returns the count, 0 if too many or empty parts */
static size_t
split_dots(char *s, char **part, size_t max)
{
	size_t n = 0;
	char *p = s, *d;

	for (;;) {
		if (n >= max || *p == '\0')
			return 0;
		part[n++] = p;
		if ((d = strchr(p, '.')) == NULL)
			return n;
		*d = '\0';
		p = d + 1;
	}
}

/*
 * SetIamPolicy / GetIamPolicy / TestIamPermissions of any service: the permission is
 * "<service>.<collection>.<method>" for the kind of resource the policy is on, which the
 * resourceName tells ("projects/p/locations/l/keyRings/k/cryptoKeys/c" -> cryptoKeys).
 * Resource Manager's service is "resourcemanager".  Returns the note, or NULL when the
 * method is none of these.
 */
static const char *
iam_policy_method(const struct ct_am_event *ev, const char *svc, char *perm, size_t permsz,
    unsigned *flags)
{
	static const char *const methods[] = { "SetIamPolicy", "GetIamPolicy",
		"TestIamPermissions" };
	const char *m = ev->action, *dot, *res, *p, *coll = NULL, *slash;
	size_t i, n, cn = 0;
	int seg;

	if ((dot = strrchr(m, '.')) != NULL)
		m = dot + 1;
	for (i = 0; i < NELEM(methods); i++)
		if (strcmp(m, methods[i]) == 0)
			break;
	if (i == NELEM(methods) || !json_is_array(ev->resources) ||
	    (res = json_string_value(json_array_get(ev->resources, 0))) == NULL)
		return NULL;
	/* collections are the even segments: a/1/b/2 -> a, b */
	for (p = res, seg = 0; *p != '\0'; seg++) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (seg % 2 == 0) {
			coll = p;
			cn = n;
		}
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (coll == NULL || cn == 0 || cn > 64)
		return NULL;
	if (strcmp(svc, "cloudresourcemanager") == 0) {
		snprintf(perm, permsz, "resourcemanager.%.*s.%c%s", (int)cn, coll,
		    tolower((unsigned char)m[0]), m + 1);
		*flags = 0;
		return "Resource Manager: the permission of the resource's kind";
	}
	snprintf(perm, permsz, "%s.%.*s.%c%s", svc, (int)cn, coll, tolower((unsigned char)m[0]),
	    m + 1);
	*flags = CT_AM_GUESSED;
	return "guessed: the IAM policy permission of the resource's kind";
}

static int
map_gcp(const struct ct_am_event *ev, struct ct_am_result *out)
{
	const struct ct_am_entry *en;
	struct ct_am_perm *p;
	struct tctx c;
	char m[CT_AM_ACTION_MAX], key[CT_AM_ACTION_MAX], perm[CT_AM_ACTION_MAX * 2 + 128];
	char svc[64], noun[CT_AM_ACTION_MAX], *part[12];
	const char *note = NULL, *iam;
	unsigned fl = 0;
	size_t n = 0, i, vi;
	int r;

	memset(&c, 0, sizeof(c));
	c.ev = ev;
	if (json_is_array(ev->authz) && json_array_size(ev->authz) > 0) {
		if ((r = gcp_authz(ev, out)) != 0)
			return r;
		if (out->n > 0)
			return 0;
	}
	if (ev->service == NULL || ev->action == NULL || *ev->action == '\0' ||
	    strlen(ev->action) >= sizeof(m) || gcp_prefix(ev->service, svc, sizeof(svc)) != 0) {
		out->flags |= CT_AM_UNMAPPED;
		out->note = "the entry names no service or method";
		return 0;
	}
	snprintf(m, sizeof(m), "%s", ev->action);
	/* compute: "v1.compute.instances.insert" -> table key "instances.insert" */
	snprintf(key, sizeof(key), "%s", m);
	if (strcmp(svc, "compute") == 0) {
		for (i = 0; i < 3; i++) {
			static const char *const ver[] = { "v1.compute.", "beta.compute.",
				"alpha.compute." };

			if (strncmp(m, ver[i], strlen(ver[i])) == 0) {
				snprintf(key, sizeof(key), "%s", m + strlen(ver[i]));
				break;
			}
		}
	}
	if ((en = find_entry(NULL, ct_am_gcp_table, ct_am_gcp_table_len, ev->service,
	    key)) != NULL) {
		if ((r = apply_entry(&c, en, out)) != 0)
			return r;
		goto resources;
	}
	if ((iam = iam_policy_method(ev, svc, perm, sizeof(perm), &fl)) != NULL) {
		note = iam;
	} else if (strcmp(svc, "compute") == 0 && strcmp(key, ev->action) != 0 &&
	    split_dots(key, part, NELEM(part)) == 2) {
		snprintf(perm, sizeof(perm), "compute.%s.%s", part[0], gcp_verb(part[1]));
		note = "compute method: permission by the insert/patch/aggregatedList rule";
	} else if ((n = split_dots(m, part, NELEM(part))) >= 5 && strcmp(part[0], "io") == 0 &&
	    strcmp(part[1], "k8s") == 0) {
		/* io.k8s.<group>.<version>.<resource>[.<subresource>].<verb> */
		for (vi = 2; vi < n; vi++)
			if (part[vi][0] == 'v' && isdigit((unsigned char)part[vi][1]))
				break;
		if (n - vi == 3) {
			snprintf(perm, sizeof(perm), "container.%s.%s", part[vi + 1], part[n - 1]);
			note = "Kubernetes API call: GKE's container.<resource>.<verb>";
		} else if (n - vi == 4) {
			snprintf(perm, sizeof(perm), "container.%s.%s", part[vi + 1], part[vi + 2]);
			fl = CT_AM_GUESSED;
			note = "guessed: GKE permission of a subresource";
		} else {
			snprintf(perm, sizeof(perm), "container.%s", ev->action);
			fl = CT_AM_GUESSED;
			note = "guessed: Kubernetes API call of an unknown shape";
		}
	} else if (n == 3 && strcmp(part[0], "storage") == 0 && strcmp(svc, "storage") == 0) {
		snprintf(perm, sizeof(perm), "storage.%s.%s", part[1], part[2]);
		note = "Cloud Storage method names are permissions";
	} else if (n == 3 && strcmp(part[0], svc) == 0) {
		snprintf(perm, sizeof(perm), "%s.%s.%s", part[0], part[1], gcp_verb(part[2]));
		fl = CT_AM_GUESSED;
		note = "guessed: the method name taken as the permission";
	} else if (n >= 3 && strcmp(part[0], "google") == 0) {
		/* google.<...>.<Service>.<VerbNoun>: "UpdateSink" -> <svc>.sinks.update */
		static const struct { const char *method, *perm; } verbs[] = {
			{ "Create", "create" }, { "Insert", "create" }, { "Get", "get" },
			{ "List", "list" }, { "Update", "update" }, { "Patch", "update" },
			{ "Delete", "delete" },
		};
		const char *vn = part[n - 1], *verb = NULL;
		size_t vl = 0;

		for (i = 0; i < NELEM(verbs); i++) {
			vl = strlen(verbs[i].method);
			if (strncmp(vn, verbs[i].method, vl) == 0 && isupper((unsigned char)vn[vl])) {
				verb = verbs[i].perm;
				break;
			}
		}
		if (verb != NULL) {
			snprintf(noun, sizeof(noun), "%s", vn + vl);
			noun[0] = (char)tolower((unsigned char)noun[0]);
			i = strlen(noun);
			snprintf(perm, sizeof(perm), "%s.%s%s.%s", svc, noun,
			    i > 0 && noun[i - 1] == 's' ? "" : "s", verb);
			note = "guessed: the permission from the method's verb and noun";
		} else {
			snprintf(perm, sizeof(perm), "%s.%c%s", svc, tolower((unsigned char)vn[0]),
			    vn + 1);
			note = "guessed: service and method name";
		}
		fl = CT_AM_GUESSED;
	} else {
		snprintf(perm, sizeof(perm), "%s.%s", svc, ev->action);
		fl = CT_AM_GUESSED;
		note = "guessed: service and method name";
	}
	if ((r = result_perm(out, perm, NULL, NULL, fl, note, &p)) != 0)
		return r;
	if (p != NULL && (r = from_resources(ev, NULL, p)) != 0)
		return r;
 resources:
	for (i = 0; i < out->n; i++)
		if (out->perm[i].nresources == 0)
			out->perm[i].flags |= CT_AM_NO_RESOURCE;
	return 0;
}

/* ---- Vault ---- */

/* Vault policy path glob: '*' at the end matches any rest, '+' one segment. */
static int
vault_glob(const char *pat, const char *path)
{
	while (*pat != '\0') {
		if (*pat == '*' && pat[1] == '\0')
			return 1;
		if (*pat == '+') {
			if (*path == '\0' || *path == '/')
				return 0;
			while (*path != '\0' && *path != '/')
				path++;
			pat++;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	return *path == '\0';
}

static int
map_vault(const struct ct_am_event *ev, struct ct_am_result *out)
{
	static const struct { const char *op, *cap; int guessed; } ops[] = {
		{ "read", "read", 0 }, { "list", "list", 0 }, { "create", "create", 0 },
		{ "update", "update", 0 }, { "delete", "delete", 0 }, { "patch", "patch", 0 },
		{ "renew", "update", 1 }, { "revoke", "update", 1 }, { "rollback", "update", 1 },
		{ "help", "read", 1 },
	};
	char op[32], path[1024];
	const char *a = ev->action, *sp, *cap = NULL;
	struct ct_am_perm *p;
	size_t i, n;
	int r, guessed = 0;

	if (a == NULL || (sp = strchr(a, ' ')) == NULL || (n = (size_t)(sp - a)) == 0 ||
	    n >= sizeof(op) || strlen(sp + 1) == 0 || strlen(sp + 1) >= sizeof(path)) {
		out->flags |= CT_AM_UNMAPPED;
		out->note = "no operation and path";
		return 0;
	}
	memcpy(op, a, n);
	op[n] = '\0';
	snprintf(path, sizeof(path), "%s", sp + 1);
	while (path[0] == '/')
		memmove(path, path + 1, strlen(path));
	for (i = 0; i < ct_am_vault_free_len; i++) {
		if (vault_glob(ct_am_vault_free[i].pattern, path)) {
			out->flags |= CT_AM_NONE_NEEDED;
			out->note = ct_am_vault_free[i].note;
			return 0;
		}
	}
	for (i = 0; i < NELEM(ops); i++)
		if (strcmp(ops[i].op, op) == 0) {
			cap = ops[i].cap;
			guessed = ops[i].guessed;
		}
	if (cap == NULL) {
		out->flags |= CT_AM_NONE_NEEDED;
		out->note = "an internal operation no policy governs";
		return 0;
	}
	if ((r = result_perm(out, cap, NULL, NULL, guessed ? CT_AM_GUESSED : 0,
	    guessed ? "guessed: the capability of this operation" : NULL, &p)) != 0)
		return r;
	if (p != NULL && (r = perm_add_resource(p, path, strlen(path))) != 0)
		return r;
	for (i = 0; i < ct_am_vault_sudo_len; i++) {
		if (vault_glob(ct_am_vault_sudo[i], path)) {
			if ((r = result_perm(out, "sudo", NULL, NULL, CT_AM_DEPENDENT,
			    "a root-protected path also needs sudo", &p)) != 0)
				return r;
			if (p != NULL && (r = perm_add_resource(p, path, strlen(path))) != 0)
				return r;
			break;
		}
	}
	return 0;
}

/* ---- sshd ---- */

static int
map_sshd(const struct ct_am_event *ev, struct ct_am_result *out)
{
	struct ct_am_perm *p;
	char res[512];
	int r;

	if (ev->principal == NULL || *ev->principal == '\0') {
		out->flags |= CT_AM_UNMAPPED;
		out->note = "the line names no account";
		return 0;
	}
	if (ev->account != NULL && *ev->account != '\0')
		snprintf(res, sizeof(res), "%s@%s", ev->principal, ev->account);
	else
		snprintf(res, sizeof(res), "%s", ev->principal);
	if ((r = result_perm(out, "login", ev->source_ip != NULL ? "source-address" : NULL,
	    ev->source_ip, 0, "an SSH login: the account and where from", &p)) != 0)
		return r;
	if (p != NULL && (r = perm_add_resource(p, res, strlen(res))) != 0)
		return r;
	return 0;
}

/* ---- entry points ---- */

int
ct_actionmap_map(const struct ct_actionmap *m, const struct ct_am_event *ev,
    struct ct_am_result *out)
{
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if (ev == NULL || ev->provider == NULL)
		return ct_error(CT_ERR_INVALID, "no provider");
	if (strcmp(ev->provider, "aws") == 0)
		r = map_aws(m, ev, out);
	else if (strcmp(ev->provider, "gcp") == 0)
		r = map_gcp(ev, out);
	else if (strcmp(ev->provider, "vault") == 0)
		r = map_vault(ev, out);
	else if (strcmp(ev->provider, "sshd") == 0)
		r = map_sshd(ev, out);
	else {
		out->flags |= CT_AM_UNMAPPED;
		out->note = "no permission model for this provider";
		r = 0;
	}
	if (r != 0) {
		ct_am_result_release(out);
		return r;
	}
	for (i = 0; i < out->n; i++)
		out->flags |= out->perm[i].flags;
	return 0;
}

int
ct_actionmap_aws(const struct ct_actionmap *m, const char *event_source,
    const char *event_name, json_t *request_parameters, struct ct_am_result *out)
{
	struct ct_am_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.provider = "aws";
	ev.service = event_source;
	ev.action = event_name;
	ev.request = request_parameters;
	return ct_actionmap_map(m, &ev, out);
}

int
ct_actionmap_is_data_event(const char *provider, const char *service, const char *action)
{
	const struct ct_am_entry *en;
	char name[CT_AM_ACTION_MAX];
	size_t n;

	if (provider == NULL || service == NULL || action == NULL ||
	    strcmp(provider, "aws") != 0 || strlen(action) >= sizeof(name))
		return 0;
	if (strcasecmp(service, "s3-object-lambda.amazonaws.com") == 0)
		return 1;
	n = strip_version(action);
	memcpy(name, action, n);
	name[n] = '\0';
	if ((en = find_entry(NULL, ct_am_aws_table, ct_am_aws_table_len, service, action)) ==
	    NULL)
		en = find_entry(NULL, ct_am_aws_table, ct_am_aws_table_len, service, name);
	return en != NULL && (en->flags & CT_AM_DATA) != 0;
}

int
ct_am_wildcard_match(const char *p, const char *s, int nocase)
{
	const char *star = NULL, *ss = NULL;

	/* iterative glob with one backtrack point */
	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			ss = s;
		} else if (*p == '?' || *p == *s || (nocase &&
		    tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++ss;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int
ct_actionmap_pattern_has_data(const char *pattern)
{
	size_t i;

	if (pattern == NULL)
		return 0;
	if (strncasecmp(pattern, "s3-object-lambda:", 17) == 0)
		return 1;
	for (i = 0; i < ct_am_data_actions_len; i++)
		if (ct_am_wildcard_match(pattern, ct_am_data_actions[i], 1))
			return 1;
	return 0;
}

size_t
ct_actionmap_data_sources(const char *pattern, const char **out, size_t max)
{
	static const struct { const char *prefix, *source; } src[] = {
		{ "s3", "s3.amazonaws.com" }, { "lambda", "lambda.amazonaws.com" },
		{ "dynamodb", "dynamodb.amazonaws.com" }, { "sqs", "sqs.amazonaws.com" },
		{ "sns", "sns.amazonaws.com" },
	};
	size_t i, j, n = 0, pl;
	const char *a;

	if (pattern == NULL)
		return 0;
	for (i = 0; i < NELEM(src) && n < max; i++) {
		pl = strlen(src[i].prefix);
		for (j = 0; j < ct_am_data_actions_len; j++) {
			a = ct_am_data_actions[j];
			if (strncmp(a, src[i].prefix, pl) == 0 && a[pl] == ':' &&
			    ct_am_wildcard_match(pattern, a, 1)) {
				out[n++] = src[i].source;
				break;
			}
		}
	}
	if (n < max && strncasecmp(pattern, "s3-object-lambda:", 17) == 0)
		out[n++] = "s3-object-lambda.amazonaws.com";
	return n;
}

json_t *
ct_am_flags_json(unsigned flags)
{
	static const struct { unsigned f; const char *name; } names[] = {
		{ CT_AM_GUESSED, "guessed" }, { CT_AM_DEPENDENT, "dependent" },
		{ CT_AM_CONDITIONAL, "conditional" }, { CT_AM_DATA, "data-event" },
		{ CT_AM_NO_RESOURCE, "no-resource" }, { CT_AM_ANY_RESOURCE, "any-resource" },
		{ CT_AM_REFERENCE, "service-reference" },
		{ CT_AM_NOT_IN_REFERENCE, "not-in-service-reference" },
		{ CT_AM_AUTHZ, "authorization-info" }, { CT_AM_NONE_NEEDED, "none-needed" },
		{ CT_AM_UNMAPPED, "unmapped" },
	};
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < NELEM(names); i++)
		if ((flags & names[i].f) && json_array_append_new(a,
		    json_string(names[i].name)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}
