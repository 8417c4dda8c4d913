/*
 * endpoints.c - service -> endpoint host patterns, CloudTrail event -> IAM action, and which
 * events are data events (see endpoints.h).
 *
 * The tables are data: a service missing here still gets its provider's generic forms
 * ("<svc>.amazonaws.com", "<svc>.<region>.amazonaws.com", FIPS, dual-stack, VPC endpoint,
 * China; "<svc>.googleapis.com", regional, mTLS, Private Service Connect, the private and
 * restricted VIPs), so an entry is needed only where a service's hosts differ from its
 * name (S3 virtual hosts and access points, ECR's api./dkr. hosts, DynamoDB account
 * endpoints, API Gateway's per-API hosts, ...).  Sources: the AWS General Reference
 * "Service endpoints and quotas" pages and the Google Cloud "API endpoints" documentation;
 * the names below are the documented forms, written as patterns.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/endpoints.h"
#include "util/err.h"

#define AWS_SUFFIX ".amazonaws.com"
#define GCP_SUFFIX ".googleapis.com"

/* Generic forms; "{svc}" is the service's endpoint prefix. */
static const char *const aws_generic[] = {
	"{svc}.amazonaws.com",
	"{svc}-fips.amazonaws.com",
	"{svc}.{region}.amazonaws.com",
	"{svc}-fips.{region}.amazonaws.com",
	"{svc}.dualstack.{region}.amazonaws.com",
	"{svc}-fips.dualstack.{region}.amazonaws.com",
	"{svc}.{region}.api.aws",
	"{svc}-fips.{region}.api.aws",
	"{label}.{svc}.{region}.vpce.amazonaws.com",
	"{svc}.{region}.amazonaws.com.cn",
	"{label}.{svc}.{region}.vpce.amazonaws.com.cn",
	NULL
};

static const char *const gcp_generic[] = {
	"{svc}.googleapis.com",
	"{region}-{svc}.googleapis.com",
	"{svc}.{region}.rep.googleapis.com",
	"{svc}.mtls.googleapis.com",
	"{svc}-{label}.p.googleapis.com",
	"private.googleapis.com",
	"restricted.googleapis.com",
	NULL
};

static const char *const s3_hosts[] = {
	"{*}.s3.amazonaws.com",
	"{*}.s3.{region}.amazonaws.com",
	"s3-{region}.amazonaws.com",
	"{*}.s3-{region}.amazonaws.com",
	"s3-external-1.amazonaws.com",
	"{*}.s3-external-1.amazonaws.com",
	"{*}.s3.dualstack.{region}.amazonaws.com",
	"{*}.s3-fips.{region}.amazonaws.com",
	"{*}.s3-fips.dualstack.{region}.amazonaws.com",
	"{label}.s3-accesspoint.{region}.amazonaws.com",
	"{label}.s3-accesspoint.dualstack.{region}.amazonaws.com",
	"{label}.s3-accesspoint-fips.{region}.amazonaws.com",
	"s3-control.{region}.amazonaws.com",
	"{label}.s3-control.{region}.amazonaws.com",
	"{label}.s3-control-fips.{region}.amazonaws.com",
	"{*}.s3.{region}.vpce.amazonaws.com",
	"{*}.s3.{region}.amazonaws.com.cn",
	NULL
};

static const char *const iam_hosts[] = { "iam.us-gov.amazonaws.com", NULL };
static const char *const ecr_hosts[] = {
	"api.ecr.{region}.amazonaws.com", "api.ecr-fips.{region}.amazonaws.com",
	"{label}.dkr.ecr.{region}.amazonaws.com", "{label}.dkr.ecr-fips.{region}.amazonaws.com",
	"api.ecr.{region}.amazonaws.com.cn", NULL
};
static const char *const ddb_hosts[] = { "{label}.ddb.{region}.amazonaws.com", NULL };
static const char *const apigw_hosts[] = {
	"{label}.execute-api.{region}.amazonaws.com", "{label}.execute-api.{region}.vpce.amazonaws.com",
	NULL
};
static const char *const sagemaker_hosts[] = {
	"api.sagemaker.{region}.amazonaws.com", "api-fips.sagemaker.{region}.amazonaws.com",
	"runtime.sagemaker.{region}.amazonaws.com", "runtime-fips.sagemaker.{region}.amazonaws.com",
	NULL
};
static const char *const bedrock_hosts[] = {
	"bedrock-runtime.{region}.amazonaws.com", "bedrock-runtime-fips.{region}.amazonaws.com",
	"bedrock-agent.{region}.amazonaws.com", "bedrock-agent-runtime.{region}.amazonaws.com",
	NULL
};
static const char *const sso_hosts[] = {
	"portal.sso.{region}.amazonaws.com", "oidc.{region}.amazonaws.com", NULL
};
static const char *const emr_hosts[] = { "{region}.elasticmapreduce.amazonaws.com", NULL };
static const char *const sqs_hosts[] = {
	"queue.amazonaws.com", "{region}.queue.amazonaws.com", NULL
};
static const char *const codecommit_hosts[] = {
	"git-codecommit.{region}.amazonaws.com", "git-codecommit-fips.{region}.amazonaws.com", NULL
};
static const char *const iot_hosts[] = {
	"{label}-ats.iot.{region}.amazonaws.com", "{label}.iot.{region}.amazonaws.com",
	"data-ats.iot.{region}.amazonaws.com", NULL
};
static const char *const pricing_hosts[] = { "api.pricing.{region}.amazonaws.com", NULL };
static const char *const ssm_hosts[] = {
	"ssmmessages.{region}.amazonaws.com", "ec2messages.{region}.amazonaws.com", NULL
};
static const char *const es_hosts[] = { "{label}.{region}.es.amazonaws.com", NULL };
static const char *const states_hosts[] = { "sync-states.{region}.amazonaws.com", NULL };
static const char *const lambda_hosts[] = { "{label}.lambda-url.{region}.on.aws", NULL };
static const char *const gcs_hosts[] = {
	"{*}.storage.googleapis.com", "www.googleapis.com", "storage.mtls.googleapis.com", NULL
};
static const char *const gcp_www_hosts[] = { "www.googleapis.com", NULL };
static const char *const gcp_ar_hosts[] = { "{region}-docker.pkg.dev", "{region}-python.pkg.dev",
	"{region}-npm.pkg.dev", "{region}-maven.pkg.dev", "{region}-go.pkg.dev", NULL };
static const char *const gcp_oauth_hosts[] = { "oauth2.googleapis.com", "www.googleapis.com",
	NULL };

struct svc {
	const char *source;		/* eventSource / serviceName */
	const char *prefix;		/* endpoint prefix of the generic forms; NULL: none */
	const char *const *hosts;	/* further patterns; NULL: none */
};

static const struct svc services[] = {
	{ "s3.amazonaws.com", "s3", s3_hosts },
	{ "iam.amazonaws.com", "iam", iam_hosts },
	{ "monitoring.amazonaws.com", "monitoring", NULL },
	{ "email.amazonaws.com", "email", NULL },
	{ "ses.amazonaws.com", "email", NULL },
	{ "ecr.amazonaws.com", "ecr", ecr_hosts },
	{ "dynamodb.amazonaws.com", "dynamodb", ddb_hosts },
	{ "execute-api.amazonaws.com", NULL, apigw_hosts },
	{ "apigateway.amazonaws.com", "apigateway", NULL },
	{ "sagemaker.amazonaws.com", "sagemaker", sagemaker_hosts },
	{ "bedrock.amazonaws.com", "bedrock", bedrock_hosts },
	{ "sso.amazonaws.com", "sso", sso_hosts },
	{ "elasticmapreduce.amazonaws.com", "elasticmapreduce", emr_hosts },
	{ "sqs.amazonaws.com", "sqs", sqs_hosts },
	{ "codecommit.amazonaws.com", "codecommit", codecommit_hosts },
	{ "iot.amazonaws.com", "iot", iot_hosts },
	{ "pricing.amazonaws.com", "pricing", pricing_hosts },
	{ "ssm.amazonaws.com", "ssm", ssm_hosts },
	{ "es.amazonaws.com", "es", es_hosts },
	{ "states.amazonaws.com", "states", states_hosts },
	{ "lambda.amazonaws.com", "lambda", lambda_hosts },
	{ "storage.googleapis.com", "storage", gcs_hosts },
	{ "compute.googleapis.com", "compute", gcp_www_hosts },
	{ "bigquery.googleapis.com", "bigquery", gcp_www_hosts },
	{ "artifactregistry.googleapis.com", "artifactregistry", gcp_ar_hosts },
	{ "oauth2.googleapis.com", "oauth2", gcp_oauth_hosts },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- patterns ---- */

static int
label_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* s[0..n) is a region name (see endpoints.h) */
static int
region_ok(const char *s, size_t n)
{
	size_t i;
	int dash = 0;

	if (n < 4 || n > 32 || !islower((unsigned char)s[0]) || !islower((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-') {
			if (s[i + 1] == '-' || i + 1 == n)
				return 0;
			dash = 1;
		} else if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return 0;
	}
	return dash;
}

/* Recursive matcher; `svc` replaces "{svc}" (NULL: "{svc}" never matches). */
static int
match(const char *p, const char *h, const char *svc, int depth)
{
	size_t n, len;

	if (depth > 8)
		return 0;
	for (;;) {
		if (*p == '\0')
			return *h == '\0';
		if (*p != '{') {
			if (*p != *h)
				return 0;
			p++;
			h++;
			continue;
		}
		n = strlen(h);
		if (strncmp(p, "{svc}", 5) == 0) {
			if (svc == NULL || strncmp(h, svc, strlen(svc)) != 0)
				return 0;
			h += strlen(svc);
			p += 5;
		} else if (strncmp(p, "{region}", 8) == 0) {
			for (len = 4; len <= n && len <= 32; len++)
				if (region_ok(h, len) && match(p + 8, h + len, svc, depth + 1))
					return 1;
			return 0;
		} else if (strncmp(p, "{label}", 7) == 0) {
			for (len = 1; len <= n && label_char((unsigned char)h[len - 1]); len++)
				if (match(p + 7, h + len, svc, depth + 1))
					return 1;
			return 0;
		} else if (strncmp(p, "{*}", 3) == 0) {
			for (len = 1; len <= n; len++)
				if (match(p + 3, h + len, svc, depth + 1))
					return 1;
			return 0;
		} else {
			return 0;
		}
	}
}

int
ct_endpoint_pattern_match(const char *pattern, const char *host)
{
	if (pattern == NULL || host == NULL || strlen(host) > 253)
		return 0;
	return match(pattern, host, NULL, 0);
}

int
ct_endpoint_pattern_check(const char *pattern)
{
	const char *p;
	int c;

	if (pattern == NULL || *pattern == '\0' || strlen(pattern) > 253)
		return ct_error(CT_ERR_INVALID, "endpoint pattern must be 1 to 253 characters");
	for (p = pattern; *p != '\0'; p++) {
		if (*p == '{') {
			if (strncmp(p, "{region}", 8) == 0)
				p += 7;
			else if (strncmp(p, "{label}", 7) == 0)
				p += 6;
			else if (strncmp(p, "{*}", 3) == 0)
				p += 2;
			else
				return ct_error(CT_ERR_INVALID, "endpoint pattern '%s': unknown "
				    "placeholder at '%.10s' ({region}, {label} or {*})", pattern, p);
			continue;
		}
		c = (unsigned char)*p;
		if (!label_char(c) && c != '.')
			return ct_error(CT_ERR_INVALID, "endpoint pattern '%s': character '%c' is "
			    "not allowed in a host name (lower case letters, digits, '-', '_', '.')",
			    pattern, isprint(c) ? c : '?');
	}
	return 0;
}

/* ---- services ---- */

static const struct svc *
find_svc(const char *service)
{
	size_t i;

	for (i = 0; i < NELEM(services); i++)
		if (strcasecmp(services[i].source, service) == 0)
			return &services[i];
	return NULL;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* The first label of `service` into buf when it ends in `suffix` and is one plain label. */
static const char *
first_label(const char *service, const char *suffix, char *buf, size_t bufsz)
{
	size_t n;

	if (!has_suffix(service, suffix))
		return NULL;
	n = strlen(service) - strlen(suffix);
	if (n == 0 || n >= bufsz)
		return NULL;
	memcpy(buf, service, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		buf[i] = (char)tolower((unsigned char)buf[i]);
		if (!label_char((unsigned char)buf[i]))
			return NULL;
	}
	return buf;
}

static int
extra_match(const struct ct_endpoint_extra *extra, size_t nextra, const char *provider,
    const char *service, const char *host)
{
	size_t i;

	for (i = 0; i < nextra; i++) {
		if ((service != NULL && strcasecmp(extra[i].service, service) == 0) ||
		    (provider != NULL && strcasecmp(extra[i].service, provider) == 0)) {
			if (host == NULL || match(extra[i].pattern, host, NULL, 0))
				return 1;
		}
	}
	return 0;
}

int
ct_endpoint_known(const struct ct_endpoint_extra *extra, size_t nextra,
    const char *provider, const char *service)
{
	char buf[64];

	if (extra_match(extra, nextra, provider, service, NULL))
		return 1;
	if (provider == NULL || service == NULL)
		return 0;
	if (strcmp(provider, "ironproxy") == 0)
		return 1;	/* the proxy logs the destination host itself */
	if (find_svc(service) != NULL)
		return 1;
	if (strcmp(provider, "aws") == 0)
		return first_label(service, AWS_SUFFIX, buf, sizeof(buf)) != NULL;
	if (strcmp(provider, "gcp") == 0)
		return first_label(service, GCP_SUFFIX, buf, sizeof(buf)) != NULL;
	return 0;
}

static int
match_list(const char *const *list, const char *host, const char *svc)
{
	for (; list != NULL && *list != NULL; list++)
		if (match(*list, host, svc, 0))
			return 1;
	return 0;
}

int
ct_endpoint_serves(const struct ct_endpoint_extra *extra, size_t nextra,
    const char *provider, const char *service, const char *host)
{
	const struct svc *s;
	const char *const *generic = NULL;
	const char *svc = NULL;
	char buf[64];

	if (host == NULL || strlen(host) > 253)
		return 0;
	if (extra_match(extra, nextra, provider, service, host))
		return 1;
	if (provider == NULL || service == NULL)
		return 0;
	if (strcmp(provider, "ironproxy") == 0)
		return strcasecmp(service, host) == 0;
	if (strcmp(provider, "aws") == 0)
		generic = aws_generic;
	else if (strcmp(provider, "gcp") == 0)
		generic = gcp_generic;
	else
		return 0;
	if ((s = find_svc(service)) != NULL) {
		if (match_list(s->hosts, host, NULL))
			return 1;
		svc = s->prefix;
	} else {
		svc = first_label(service, generic == aws_generic ? AWS_SUFFIX : GCP_SUFFIX, buf,
		    sizeof(buf));
	}
	return svc != NULL && match_list(generic, host, svc);
}

