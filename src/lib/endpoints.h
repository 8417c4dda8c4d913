/*
 * endpoints.h - which network host names serve which provider service, and which IAM action
 * a provider event stands for: the data tables behind the egress correlation of a report.
 *
 * A provider event names its service (CloudTrail eventSource "s3.amazonaws.com", GCP
 * serviceName "storage.googleapis.com"); the agent's connections name hosts (the DNS names
 * the DNS proxy saw resolve to the address).  A connection can carry an event only when its
 * host is one of the service's endpoints.  The table (endpoints.c) lists, per service, host
 * patterns for its global, regional, FIPS, dual-stack, VPC-endpoint and (S3) virtual-host
 * forms; services missing from the table get the generic forms of their provider.
 *
 * Pattern syntax (matched against a lower-case host name without trailing dot):
 *   literal text      matched exactly
 *   {region}          a region: letters, digits and '-', starting with two letters, holding
 *                     a '-' and ending in a digit (us-east-1, us-gov-west-1, europe-west4)
 *   {label}           one or more of [a-z0-9_-] (one DNS label or part of one)
 *   {*}               one or more characters, dots included (an S3 bucket with dots)
 *
 * The library never prints; these functions only answer.
 */
#ifndef CT_ENDPOINTS_H
#define CT_ENDPOINTS_H

#include <stddef.h>

#define CT_IAM_ACTION_MAX 128

/* A mapping the user adds (`credtrail report --endpoint SERVICE=PATTERN`). */
struct ct_endpoint_extra {
	const char *service;	/* an event's service, or a provider name ("vault", "k8s") */
	const char *pattern;
};

/* Does `host` match `pattern` (syntax above)?  1 or 0. */
int ct_endpoint_pattern_match(const char *pattern, const char *host);

/* Check a user pattern: CT_ERR_INVALID naming what is wrong. */
int ct_endpoint_pattern_check(const char *pattern);

/*
 * Is any endpoint known for events of this provider and service (from the table, the
 * generic forms, or `extra`)?  1 or 0.  sshd events are answered by the host in the log
 * line, so they are "known" when the event names a host (see correlate.c).
 */
int ct_endpoint_known(const struct ct_endpoint_extra *extra, size_t nextra,
    const char *provider, const char *service);

/* Does `host` serve `service` of `provider`?  1 or 0. */
int ct_endpoint_serves(const struct ct_endpoint_extra *extra, size_t nextra,
    const char *provider, const char *service, const char *host);

/*
 * The IAM action(s) a CloudTrail event needs: eventSource "monitoring.amazonaws.com" +
 * eventName "PutMetricData" -> "cloudwatch:PutMetricData"; API version suffixes dropped
 * (Lambda's "GetFunction20150331v2"); the few renamed operations this table knows
 * (s3 HeadObject -> s3:GetObject, CopyObject -> s3:GetObject and s3:PutObject).  Writes up
 * to `max` actions of CT_IAM_ACTION_MAX bytes each and returns how many (0: not an AWS
 * service name this can map).
 */
int ct_endpoint_iam_actions(const char *event_source, const char *event_name,
    char out[][CT_IAM_ACTION_MAX], int max);

/*
 * Is this event a CloudTrail *data* event (S3 object operations, Lambda Invoke, DynamoDB
 * item operations, ...), which trails do not log unless data events are turned on?
 */
int ct_endpoint_is_data_event(const char *provider, const char *service, const char *action);

/*
 * Can an IAM action pattern ("s3:GetObject", "s3:*", "s3:Get*", "*") cover an action whose
 * calls are data events?  Then "never used" needs data events to be logged.
 */
int ct_endpoint_iam_pattern_has_data(const char *pattern);

/* Case-insensitive IAM wildcard match ('*' any run, '?' one character).  1 or 0. */
int ct_iam_wildcard_match(const char *pattern, const char *action);

#endif
