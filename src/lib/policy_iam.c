/*
 * policy_iam.c - IAM policy documents: parse, evaluate one action on one resource, and
 * count characters as STS counts an inline session policy (see policy.h).
 *
 * Only what identity and session policies use: Effect, Action/NotAction,
 * Resource/NotResource (absent: every resource), Condition (noted, not evaluated), Sid.
 * Actions match case-insensitively, resources case-sensitively, '*' and '?' as wildcards,
 * as IAM does.  Policy variables (${aws:username}) are kept as text: they match only
 * themselves, so a statement scoped by one is never taken to cover a resource it might not.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/actionmap.h"
#include "lib/policy.h"
#include "util/err.h"

static void
stmt_release(struct ct_iam_stmt *s)
{
	size_t i;

	free(s->sid);
	for (i = 0; i < s->nactions; i++)
		free(s->actions[i]);
	free(s->actions);
	for (i = 0; i < s->nresources; i++)
		free(s->resources[i]);
	free(s->resources);
	memset(s, 0, sizeof(*s));
}

void
ct_iam_policy_free(struct ct_iam_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		stmt_release(&p->st[i]);
	free(p->st);
	free(p);
}

/* A string or an array of strings into a list. */
static int
str_list(const char *name, size_t idx, const char *what, json_t *v, char ***out, size_t *n)
{
	size_t i, k = 0, cnt;
	json_t *e;

	*out = NULL;
	*n = 0;
	cnt = json_is_array(v) ? json_array_size(v) : 1;
	if (!json_is_string(v) && !json_is_array(v))
		return ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu: %s is neither a string "
		    "nor a list", name, idx + 1, what);
	if (cnt == 0)
		return ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu: %s is empty", name,
		    idx + 1, what);
	if ((*out = calloc(cnt, sizeof(char *))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (i = 0; i < cnt; i++) {
		e = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > 2048) {
			for (k = 0; k < i; k++)
				free((*out)[k]);
			free(*out);
			*out = NULL;
			return ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu: %s holds "
			    "something that is not a non-empty string", name, idx + 1, what);
		}
		if (((*out)[i] = strdup(json_string_value(e))) == NULL) {
			for (k = 0; k < i; k++)
				free((*out)[k]);
			free(*out);
			*out = NULL;
			return ct_error(CT_ERR_NOMEM, "out of memory");
		}
	}
	*n = cnt;
	return 0;
}

static int
parse_stmt(const char *name, size_t idx, json_t *o, struct ct_iam_stmt *s)
{
	json_t *eff, *act, *nact, *res, *nres, *cond, *sid;
	int r;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o))
		return ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu is not an object", name,
		    idx + 1);
	eff = json_object_get(o, "Effect");
	if (!json_is_string(eff) || (strcmp(json_string_value(eff), "Allow") != 0 &&
	    strcmp(json_string_value(eff), "Deny") != 0))
		return ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu: Effect must be "
		    "\"Allow\" or \"Deny\"", name, idx + 1);
	s->allow = strcmp(json_string_value(eff), "Allow") == 0;
	act = json_object_get(o, "Action");
	nact = json_object_get(o, "NotAction");
	if ((act == NULL) == (nact == NULL))
		return ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu needs exactly one of "
		    "Action and NotAction", name, idx + 1);
	s->not_action = nact != NULL;
	if ((r = str_list(name, idx, s->not_action ? "NotAction" : "Action",
	    s->not_action ? nact : act, &s->actions, &s->nactions)) != 0)
		goto fail;
	res = json_object_get(o, "Resource");
	nres = json_object_get(o, "NotResource");
	if (res != NULL && nres != NULL) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu has both Resource and "
		    "NotResource", name, idx + 1);
		goto fail;
	}
	if (res == NULL && nres == NULL) {
		if ((s->resources = calloc(1, sizeof(char *))) == NULL ||
		    (s->resources[0] = strdup("*")) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto fail;
		}
		s->nresources = 1;
	} else {
		s->not_resource = nres != NULL;
		if ((r = str_list(name, idx, s->not_resource ? "NotResource" : "Resource",
		    s->not_resource ? nres : res, &s->resources, &s->nresources)) != 0)
			goto fail;
	}
	cond = json_object_get(o, "Condition");
	if (cond != NULL && !json_is_object(cond)) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu: Condition is not an "
		    "object", name, idx + 1);
		goto fail;
	}
	s->has_condition = cond != NULL && json_object_size(cond) > 0;
	if ((sid = json_object_get(o, "Sid")) != NULL) {
		if (!json_is_string(sid)) {
			r = ct_error(CT_ERR_FORMAT, "policy '%s': statement %zu: Sid is not a string",
			    name, idx + 1);
			goto fail;
		}
		if ((s->sid = strdup(json_string_value(sid))) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	return 0;
 fail:
	stmt_release(s);
	return r;
}

int
ct_iam_policy_parse(const char *name, const char *text, size_t len, struct ct_iam_policy **out)
{
	struct ct_iam_policy *p = NULL;
	json_error_t jerr;
	json_t *doc = NULL, *st, *ver;
	size_t i, n;
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if (len > CT_POLICY_DOC_MAX)
		return ct_error(CT_ERR_LIMIT, "policy '%s' is larger than %d bytes", name,
		    CT_POLICY_DOC_MAX);
	if ((doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s' is not JSON: %s (line %d)", name,
		    jerr.text, jerr.line);
		goto out;
	}
	if (!json_is_object(doc)) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s' is not a JSON object", name);
		goto out;
	}
	ver = json_object_get(doc, "Version");
	if (ver != NULL && !json_is_string(ver)) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s': Version is not a string", name);
		goto out;
	}
	st = json_object_get(doc, "Statement");
	if (st == NULL || (!json_is_object(st) && !json_is_array(st))) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s' has no Statement", name);
		goto out;
	}
	n = json_is_array(st) ? json_array_size(st) : 1;
	if (n == 0 || n > 4096) {
		r = ct_error(CT_ERR_FORMAT, "policy '%s' has %zu statements", name, n);
		goto out;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL || (p->st = calloc(n, sizeof(*p->st))) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = parse_stmt(name, i, json_is_array(st) ? json_array_get(st, i) : st,
		    &p->st[i])) != 0)
			goto out;
		p->n++;
	}
	*out = p;
	p = NULL;
	r = 0;
 out:
	ct_iam_policy_free(p);
	json_decref(doc);
	return r;
}

static int
action_matches(const struct ct_iam_stmt *s, const char *action)
{
	size_t i;

	for (i = 0; i < s->nactions; i++)
		if (ct_am_wildcard_match(s->actions[i], action, 1))
			return !s->not_action;
	return s->not_action;
}

/*
 * known: the resource is named.  Unknown resources match an Allow that names any resource
 * (the call may have been on one of them) but a Deny only if it covers every resource.
 */
static int
resource_matches(const struct ct_iam_stmt *s, const char *resource)
{
	size_t i;

	if (resource == NULL || strcmp(resource, "*") == 0) {
		if (s->allow)
			return 1;
		for (i = 0; i < s->nresources; i++)
			if (strcmp(s->resources[i], "*") == 0)
				return !s->not_resource;
		return 0;
	}
	for (i = 0; i < s->nresources; i++)
		if (ct_am_wildcard_match(s->resources[i], resource, 0))
			return !s->not_resource;
	return s->not_resource;
}

enum ct_iam_decision
ct_iam_policy_eval(const struct ct_iam_policy *p, const char *action, const char *resource,
    unsigned *flags)
{
	int allow = 0, allow_plain = 0, may_deny = 0;
	size_t i;

	if (flags != NULL)
		*flags = 0;
	for (i = 0; i < p->n; i++) {
		const struct ct_iam_stmt *s = &p->st[i];

		if (!action_matches(s, action) || !resource_matches(s, resource))
			continue;
		if (!s->allow) {
			if (!s->has_condition)
				return CT_IAM_EXPLICIT_DENY;
			may_deny = 1;
			continue;
		}
		allow = 1;
		if (!s->has_condition)
			allow_plain = 1;
	}
	if (flags != NULL) {
		if (may_deny)
			*flags |= CT_IAM_MAY_DENY;
		if (allow && !allow_plain)
			*flags |= CT_IAM_CONDITIONAL;
	}
	return allow ? CT_IAM_ALLOW : CT_IAM_IMPLICIT_DENY;
}

int
ct_iam_policy_chars(const char *json, size_t len, size_t *out)
{
	json_t *doc;
	char *s;
	const unsigned char *u;
	size_t n = 0;

	*out = 0;
	if ((doc = json_loadb(json, len, 0, NULL)) == NULL || !json_is_object(doc)) {
		json_decref(doc);
		return ct_error(CT_ERR_FORMAT, "policy is no JSON object");
	}
	s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (s == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	for (u = (const unsigned char *)s; *u != '\0'; u++)
		if ((*u & 0xc0) != 0x80)
			n++;
	free(s);
	*out = n;
	return 0;
}
