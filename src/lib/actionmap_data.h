/*
 * actionmap_data.h - the shape of the action mapping table (actionmap_data.c), read by
 * actionmap.c.  Internal to the action mapping.
 *
 * An entry names one event (eventSource + eventName, or serviceName + methodName) and the
 * permissions it needs, each a struct ct_am_spec:
 *
 *   action    "s3:GetObject"
 *   resource  a template of the resource ARN, NULL to take the ARNs of the event's
 *             resources[] that belong to the action's service, "@AWS::S3::Object" to take
 *             those of one type, "*" for an action that takes no resource.  Templates:
 *               ${Partition} ${Region} ${Account}    from the event
 *               ${a.b.c}       a request parameter; "a.items[].b" walks an array, and an
 *                              array of strings gives one resource per string
 *               ${resp:a.b}    the same from the response elements
 *               ${x|filter}    basename (after the last '/'), noslash (leading '/'
 *                              removed), copysrc (x-amz-copy-source: leading '/' removed,
 *                              '?versionId=...' cut, %XX decoded), arn (a value that is
 *                              itself an ARN is the whole resource), sqsarn (a queue URL
 *                              becomes the queue's ARN)
 *             A parameter that is missing falls back to resources[] as for NULL.
 *   when      NULL: always needed.  "p,q": needed when any of the parameters is present
 *             (not null, "", false, {} or []; "+p": there at all, whatever its value);
 *             "!p": needed when p is absent.  When the
 *             request is not known a "p,q" permission is CT_AM_CONDITIONAL and a "!p" one
 *             is assumed needed.
 *   cond      "key=value": an IAM condition that keeps a dependent permission tight
 *   flags     CT_AM_DEPENDENT, CT_AM_DATA
 *   note      why, for the output
 */
#ifndef CT_ACTIONMAP_DATA_H
#define CT_ACTIONMAP_DATA_H

#include <stddef.h>

#define CT_AM_SPECS 8

struct ct_am_spec {
	const char *action;
	const char *resource;
	const char *when;
	const char *cond;
	unsigned flags;
	const char *note;
};

struct ct_am_entry {
	const char *source;		/* eventSource / serviceName */
	const char *event;		/* eventName / methodName */
	unsigned flags;			/* CT_AM_DATA, CT_AM_NONE_NEEDED for the whole event */
	const char *note;		/* about the event */
	struct ct_am_spec spec[CT_AM_SPECS];	/* up to the first with action NULL */
};

/* eventSource host -> IAM service prefix, where they differ or need saying. */
struct ct_am_service {
	const char *source;
	const char *prefix;
};

extern const struct ct_am_entry ct_am_aws_table[];
extern const size_t ct_am_aws_table_len;
extern const struct ct_am_entry ct_am_gcp_table[];
extern const size_t ct_am_gcp_table_len;
extern const struct ct_am_service ct_am_aws_services[];
extern const size_t ct_am_aws_services_len;

/* IAM actions whose calls CloudTrail logs as data events. */
extern const char *const ct_am_data_actions[];
extern const size_t ct_am_data_actions_len;

/* GCP method verbs named otherwise in permissions: insert -> create, patch -> update. */
struct ct_am_verb {
	const char *method;
	const char *permission;
};
extern const struct ct_am_verb ct_am_gcp_verbs[];
extern const size_t ct_am_gcp_verbs_len;

/* Vault: paths whose every operation also needs "sudo" (root-protected). */
extern const char *const ct_am_vault_sudo[];
extern const size_t ct_am_vault_sudo_len;
/* Vault: paths any token may use under the default policy, or before login. */
struct ct_am_vault_free {
	const char *pattern;		/* '*' at the end matches any rest; '+' one segment */
	const char *note;
};
extern const struct ct_am_vault_free ct_am_vault_free[];
extern const size_t ct_am_vault_free_len;

#endif
