/*
 * policy.h - granted versus used, per task and per task class, and the tightest policy
 * that would have allowed what a class of tasks did (tables in policy_schema.c).
 *
 * Granted: the scope the ledger recorded at mint - for `mint aws` the session policy,
 * parsed as IAM policy JSON (Effect, Action/NotAction, Resource/NotResource, Condition,
 * '*' and '?' wildcards; a Condition is not evaluated: an Allow under one is "granted
 * under a condition", a Deny under one "may deny").
 *
 * Used: the provider events made with the task's credentials (by access key id for AWS,
 * token subject or service account for GCP, certificate key id for sshd), mapped to
 * permissions by actionmap.h.  The request parameters the mapping needs (bucket, key,
 * zone, an ACL, a role passed) are not in the normalised row: they are read back from the
 * ingested file at the record's offset and accepted only when the bytes hash to the
 * record's raw_sha256.  When a file is gone or changed the mapping falls back to what the
 * row has, and the permissions that depended on the request are listed as "may also need",
 * never as used.
 *
 * The diff never claims "granted but never used" when the evidence cannot show it: when
 * the provider logs do not yet cover the credential's lifetime plus the delivery window,
 * when the permission is one whose calls are data events and no data event of that service
 * is in the store, when calls whose request was unknown may have needed it, or when calls
 * of that service were mapped by a guess.  Those go to "cannot conclude" with the reason.
 *
 * Nothing here prints.
 */
#ifndef CT_POLICY_H
#define CT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ct_store;
struct ct_actionmap;

#define CT_POLICY_SESSION_MAX	2048	/* characters of an inline session policy, minified */
#define CT_POLICY_DOC_MAX	(1024 * 1024)
#define CT_POLICY_DELIVERY_DEFAULT_US	(15 * 60 * 1000000LL)	/* CloudTrail */
#define CT_POLICY_MAX_TASKS	10000
#define CT_POLICY_MAX_EVENTS	500000

/* ---- IAM policy documents ---- */

struct ct_iam_stmt {
	char *sid;			/* NULL when absent */
	int allow;			/* Effect */
	int not_action, not_resource;
	char **actions;			/* Action or NotAction patterns */
	size_t nactions;
	char **resources;		/* Resource or NotResource patterns ("*" when absent) */
	size_t nresources;
	int has_condition;
};

struct ct_iam_policy {
	struct ct_iam_stmt *st;
	size_t n;
};

/* Parse an IAM policy document of `len` bytes (`name` for errors). */
int ct_iam_policy_parse(const char *name, const char *text, size_t len,
    struct ct_iam_policy **out);
void ct_iam_policy_free(struct ct_iam_policy *p);

enum ct_iam_decision {
	CT_IAM_IMPLICIT_DENY = 0,
	CT_IAM_ALLOW = 1,
	CT_IAM_EXPLICIT_DENY = 2,
};

enum ct_iam_eval_flags {
	CT_IAM_CONDITIONAL = 1 << 0,	/* the deciding statement has a Condition */
	CT_IAM_MAY_DENY = 1 << 1,	/* a Deny under a Condition matches too */
};

/*
 * The policy's decision for `action` on `resource` (NULL or "*": any resource the
 * statement names, as for an event that named none).  *flags (may be NULL) gets
 * CT_IAM_* flags.
 */
enum ct_iam_decision ct_iam_policy_eval(const struct ct_iam_policy *p, const char *action,
    const char *resource, unsigned *flags);

/*
 * Characters of `json` as STS counts an inline session policy: the minified document
 * (jansson compact form), one per character.  CT_ERR_FORMAT when it is no JSON object.
 */
int ct_iam_policy_chars(const char *json, size_t len, size_t *out);

/* ---- evidence ---- */

/* One permission used on one resource, aggregated over calls. */
struct ct_pol_use {
	char *provider;
	char *action;			/* "s3:GetObject", "storage.objects.get", "read", "login" */
	char *resource;			/* "*" when no event named one */
	char *cond_key, *cond_value;	/* a condition that keeps a dependent permission tight */
	unsigned flags;			/* CT_AM_* of the mapping, OR-ed over calls */
	size_t ok;			/* successful calls that needed it */
	size_t denied;			/* refused calls that needed it */
	size_t maybe;			/* calls that may have needed it (request unknown) */
	char *error_code;		/* one error code of a refused call */
	char *event;			/* one event that needed it: "<service> <action>" */
	const char *note;		/* static: why (renamed, dependent, ...) */
	int64_t first_us, last_us;
};

/* Events that needed no permission, or could not be mapped. */
struct ct_pol_other {
	char *event;			/* "<service> <action>" */
	const char *why;
	size_t count;
	int unmapped;
};

/* The evidence of a group of credentials that share one granted scope. */
struct ct_pol_group {
	char *scope;			/* the granted scope verbatim, or NULL */
	char scope_sha256[65];
	char *kind;			/* aws gcp jwt ssh x509 */
	json_t *creds;			/* [{id, task, principal, access_key_id, issued, expires}] */
	int64_t issued_us, expires_us;	/* earliest issue, latest expiry */
	struct ct_pol_use *uses;
	size_t nuses;
	struct ct_pol_other *others;
	size_t nothers;
	size_t nevents, ncalls_ok, ncalls_denied;
	size_t nraw_read, nraw_missing;	/* request parameters read back / not available */
	char *raw_missing_reason;	/* the first reason, e.g. "cannot open 'x'" */
};

struct ct_pol_opts {
	int64_t delivery_us;		/* < 0: CT_POLICY_DELIVERY_DEFAULT_US */
	int64_t logs_complete_until_us;	/* 0: latest event of the provider - delivery */
	int data_events_logged;		/* the user says the trail logs data events */
	const struct ct_actionmap *map;	/* NULL: the built-in table */
	int no_raw;			/* do not read request parameters back (tests) */
};

struct ct_pol_evidence {
	char *task;			/* the task asked for, or NULL */
	char *class;			/* the class asked for (or the task's class), or NULL */
	char **tasks;			/* the tasks the evidence rests on, newest first */
	size_t ntasks;
	struct ct_pol_group *groups;
	size_t ngroups;
	json_t *logs;			/* {"aws": {"latest": us, "complete_until": us}, ...} */
	json_t *data_seen;		/* ["s3.amazonaws.com", ...]: services with data events */
	size_t nexcluded;		/* uses left out: the task ran under the monitor and
					   its egress does not explain them (see correlate.h) */
};

/* Task selection for a class: the `runs` newest (0: all), created at or after `since_us`. */
struct ct_pol_select {
	const char *task;		/* one task, or NULL */
	const char *class;		/* every task of a class, or NULL */
	size_t runs;
	int64_t since_us;		/* 0: no limit */
};

/* Gather the evidence.  CT_ERR_NOTFOUND for an unknown task or a class without tasks. */
int ct_pol_evidence_load(struct ct_store *st, const struct ct_pol_select *sel,
    const struct ct_pol_opts *o, struct ct_pol_evidence **out);
void ct_pol_evidence_free(struct ct_pol_evidence *ev);

/*
 * Granted versus used for every group of the evidence, as JSON (documented in README
 * "credtrail policy"): {task, class, tasks, groups: [{credentials, scope_sha256,
 * scope_evaluated, scope_note, events, calls, logs, used_and_granted[],
 * granted_never_used[], used_not_granted[], cannot_conclude[], may_also_need[],
 * guessed[], no_permission_needed[]}]}.
 */
int ct_pol_diff(const struct ct_pol_evidence *ev, const struct ct_pol_opts *o, json_t **out);

/* ---- suggestions ---- */

enum ct_pol_format {
	CT_POL_AWS = 0,			/* IAM policy JSON */
	CT_POL_GCP,			/* GCP custom role (permission list) */
	CT_POL_VAULT,			/* Vault policy (HCL); not stored */
};

enum ct_pol_suggest_flags {
	CT_POL_GENERALISE = 1 << 0,	/* wildcards where several resources/actions share a stem */
};

struct ct_pol_suggestion {
	enum ct_pol_format format;
	json_t *policy;			/* AWS: the policy document; GCP: the role; Vault: the
					 * policy in Vault's JSON form {"path": {P: {...}}} */
	char *document;			/* minified JSON (AWS), YAML (GCP), HCL (Vault) */
	char sha256[65];
	size_t chars;			/* characters as STS counts them (AWS) */
	size_t ntasks, nevents, ncalls, npermissions;
	json_t *may_also_need;		/* permissions left out: the request was unknown */
	json_t *guessed;		/* permissions that rest on a guessed mapping */
	json_t *notes;			/* other things the user should know */
};

/*
 * The tightest policy that would have allowed every successful call of the evidence.
 * CT_ERR_NOTFOUND when there is no successful call to base it on.
 */
int ct_pol_suggest(const struct ct_pol_evidence *ev, enum ct_pol_format fmt, unsigned flags,
    struct ct_pol_suggestion **out);
void ct_pol_suggestion_free(struct ct_pol_suggestion *s);

/* Store a suggestion for `class` (AWS or GCP); *id (may be NULL) gets its row id. */
int ct_pol_suggestion_store(struct ct_store *st, const char *class,
    const struct ct_pol_suggestion *s, const struct ct_pol_evidence *ev, int64_t *id);

/*
 * The latest stored AWS suggestion for `class` (the document, minified; malloc'd).
 * CT_ERR_NOTFOUND naming the class when there is none.
 */
int ct_policy_latest_suggestion(struct ct_store *st, const char *class, char **doc);

#endif
