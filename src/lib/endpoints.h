/*
 * endpoints.h - which network host names serve which provider service: the data table
 * behind the egress correlation of a report.  Which IAM action an event stands for is the
 * policy module's one action table (actionmap.h).
 *
 * A provider event names its service (CloudTrail eventSource "s3.amazonaws.com", GCP
 * serviceName "storage.googleapis.com"); the agent's connections name hosts (the DNS names
 * the DNS proxy saw resolve to the address).  A connection can carry an event only when its
 * host is one of the service's endpoints.  Which IAM action an event stands for is not here:
 * that is the one action table of the policy module (actionmap.h).  The table (endpoints.c) lists, per service, host
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

#endif
