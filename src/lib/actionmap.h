/*
 * actionmap.h - which permission a provider event needed.
 *
 *   aws    CloudTrail eventSource + eventName (+ requestParameters) -> IAM action(s) with the
 *          resource ARNs the request names: route53.amazonaws.com ListResourceRecordSets
 *          {"hostedZoneId":"Z1"} -> route53:ListResourceRecordSets on
 *          arn:aws:route53:::hostedzone/Z1
 *   gcp    serviceName + methodName -> IAM permission(s); the log's own authorizationInfo[]
 *          when the record carries it (that is what GCP checked), else the table
 *   vault  operation + path -> policy path + capability ("read" on "secret/data/app")
 *   sshd   a login -> the account logged into ("login" on "user@host") + source address
 *
 * The table is data (actionmap_data.c): per event, the permissions it needs, each with a
 * resource template over the request's parameters, the parameter whose presence makes it
 * needed at all (CreateBucket with an ACL also needs s3:PutBucketAcl; RunInstances with an
 * instance profile also needs iam:PassRole), and an IAM condition that keeps such a
 * dependent permission tight (iam:PassedToService).  The exceptions it knows are the point
 * of it: renamed operations (GetBucketLifecycle -> s3:GetLifecycleConfiguration), calls
 * that are no action (HeadBucket -> s3:ListBucket), calls needing several actions
 * (CopyObject -> s3:GetObject on the source + s3:PutObject on the target), dependent actions
 * no event shows (iam:PassRole, kms:CreateGrant, tag-on-create ec2:CreateTags), service
 * prefixes that differ from the host (monitoring -> cloudwatch, email -> ses), calls that
 * need no permission (sts:GetCallerIdentity), GCP methods named otherwise than their
 * permission (v1.compute.instances.insert -> compute.instances.create).
 *
 * An event the table does not know is still mapped - "<prefix of the host>:<eventName>" -
 * but flagged CT_AM_GUESSED, and every caller must say so in its output.  AWS's published
 * service reference files (ct_actionmap_load_reference) widen the table (their Operations
 * name the authorized actions of an API operation) and confirm or refute guesses (their
 * Actions list every action of the service).
 *
 * Accepted service reference shape (one JSON object per file, as served at
 * https://servicereference.us-east-1.amazonaws.com/v1/<service>/<service>.json):
 *   {"Name": "s3",                                   service prefix, [a-z0-9-]{1,64}
 *    "Actions": [{"Name": "GetObject", ...}, ...],   every action; other members ignored
 *    "Operations": [{"Name": "GetBucketLifecycle",   optional; API operation ->
 *                    "AuthorizedActions": [{"Name": "GetLifecycleConfiguration",
 *                                           "Service": "s3"}, ...], ...}, ...],
 *    ...}                                            other members ignored
 * The service list file (a top-level array) is skipped, so a mirror of the whole tree
 * can be given as is.
 *
 * Nothing here prints; everything is bounded (a template expands to at most
 * CT_AM_MAX_RESOURCES resources, an event to at most CT_AM_MAX permissions).
 */
#ifndef CT_ACTIONMAP_H
#define CT_ACTIONMAP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CT_AM_MAX		8	/* permissions one event can need */
#define CT_AM_MAX_RESOURCES	64	/* resources one permission of one event can name */
#define CT_AM_REFERENCE_MAX	(64u * 1024 * 1024)	/* bytes of one service reference file */

enum ct_am_flags {
	CT_AM_GUESSED = 1 << 0,		/* no table entry: "<host prefix>:<eventName>" */
	CT_AM_DEPENDENT = 1 << 1,	/* needed by the call though no event shows it */
	CT_AM_CONDITIONAL = 1 << 2,	/* needed only if the request had a parameter, and the
					 * request was not available to tell */
	CT_AM_DATA = 1 << 3,		/* a data event: trails log it only when asked to */
	CT_AM_NO_RESOURCE = 1 << 4,	/* the event names no resource for it (use "*") */
	CT_AM_ANY_RESOURCE = 1 << 5,	/* the action takes no resource: "*" by nature */
	CT_AM_REFERENCE = 1 << 6,	/* taken from or confirmed by a service reference */
	CT_AM_NOT_IN_REFERENCE = 1 << 7,	/* the loaded reference has no such action */
	CT_AM_AUTHZ = 1 << 8,		/* from the record's own authorizationInfo (GCP) */
	CT_AM_NONE_NEEDED = 1 << 9,	/* (result only) the call needs no permission */
	CT_AM_UNMAPPED = 1 << 10,	/* (result only) nothing could be mapped */
};

/* One permission an event needed. */
struct ct_am_perm {
	char *action;		/* "s3:GetObject", "storage.objects.get", "read", "login" */
	char **resources;	/* ARNs, GCP resource names, a Vault path, "user@host" */
	size_t nresources;	/* 0: none named (CT_AM_NO_RESOURCE or CT_AM_ANY_RESOURCE) */
	char *cond_key;		/* an IAM condition that keeps it tight, or NULL: */
	char *cond_value;	/* "iam:PassedToService" = "ec2.amazonaws.com" */
	unsigned flags;
	const char *note;	/* static: why (renamed, dependent, ...), or NULL */
};

struct ct_am_result {
	struct ct_am_perm perm[CT_AM_MAX];
	size_t n;
	unsigned flags;		/* the union of the permissions' flags, and result-only ones */
	const char *note;	/* static: about the event (needs no permission, ...), or NULL */
};

/* What a provider event says (fields of a provider_events row, and of its raw record). */
struct ct_am_event {
	const char *provider;	/* aws gcp vault sshd */
	const char *service;	/* eventSource, serviceName, Vault mount, "sshd" */
	const char *action;	/* eventName, methodName, "<operation> <path>" (Vault), sshd method */
	const char *region;	/* awsRegion */
	const char *account;	/* recipientAccountId / accountId; sshd: the host */
	json_t *request;	/* requestParameters (aws), request (gcp, vault); NULL: unknown */
	json_t *response;	/* responseElements (aws), response (gcp); NULL ok */
	json_t *resources;	/* CloudTrail resources[], ["resourceName"], [path]; NULL ok */
	json_t *authz;		/* GCP authorizationInfo[]; NULL ok */
	const char *principal;	/* sshd: the account logged into */
	const char *source_ip;	/* sshd: where from */
};

struct ct_actionmap;

/* The built-in table; ct_actionmap_free(NULL) is a no-op. */
int ct_actionmap_new(struct ct_actionmap **out);
void ct_actionmap_free(struct ct_actionmap *m);

/*
 * Load every *.json file of `dir` (not recursive, in name order) as a service reference
 * (shape above).  A file that is not of that shape fails with CT_ERR_FORMAT naming it;
 * a top-level array (the service list) is skipped.  *nservices (may be NULL) gets how
 * many services were loaded.  A service loaded twice: the later file wins.
 */
int ct_actionmap_load_reference(struct ct_actionmap *m, const char *dir, size_t *nservices);
/* One document of `len` bytes; `name` names it in errors.  1: skipped (a list), 0: loaded. */
int ct_actionmap_load_reference_buf(struct ct_actionmap *m, const char *name, const char *data,
    size_t len);

/*
 * Map one event.  `m` NULL uses the built-in table alone.  Always fills *out (possibly with
 * n = 0 and CT_AM_NONE_NEEDED or CT_AM_UNMAPPED); fails only on allocation or a bad
 * argument.  Release with ct_am_result_release().
 */
int ct_actionmap_map(const struct ct_actionmap *m, const struct ct_am_event *ev,
    struct ct_am_result *out);
void ct_am_result_release(struct ct_am_result *r);

/* The AWS case in short: eventSource + eventName, requestParameters if known (may be NULL). */
int ct_actionmap_aws(const struct ct_actionmap *m, const char *event_source,
    const char *event_name, json_t *request_parameters, struct ct_am_result *out);

/*
 * The IAM service prefix of an eventSource ("monitoring.amazonaws.com" -> "cloudwatch").
 * 0 with *guessed = 0 from the table, 1 when taken from the host's first label;
 * CT_ERR_NOTFOUND when `event_source` is not an AWS service host.
 */
int ct_actionmap_iam_prefix(const char *event_source, char *out, size_t outsz, int *guessed);

/* Is this event a CloudTrail data event (S3 object calls, Lambda Invoke, ...)?  1 or 0. */
int ct_actionmap_is_data_event(const char *provider, const char *service, const char *action);

/*
 * Can an IAM action pattern ("s3:*", "s3:Get*", "*") grant an action whose calls are data
 * events?  Then "never used" needs the trail to log data events.  1 or 0.
 */
int ct_actionmap_pattern_has_data(const char *pattern);

/*
 * The eventSources whose data events would show use of `pattern`'s data actions
 * ("s3:Get*" -> "s3.amazonaws.com"; "*" -> every one): up to `max` (static strings) into
 * out; returns how many.
 */
size_t ct_actionmap_data_sources(const char *pattern, const char **out, size_t max);

/* IAM wildcard match ('*' any run, '?' one character); case-insensitive when `nocase`. */
int ct_am_wildcard_match(const char *pattern, const char *s, int nocase);

/*
 * The actions a loaded service reference lists for `prefix` (borrowed, sorted), or NULL
 * when no reference of that service was loaded.
 */
const char *const *ct_actionmap_reference_actions(const struct ct_actionmap *m,
    const char *prefix, size_t *n);

/* The flags as a JSON array of names ("guessed", "dependent", ...); a new reference. */
json_t *ct_am_flags_json(unsigned flags);

#endif
