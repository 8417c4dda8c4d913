/*
 * test_correlate.c - lib/correlate.c, lib/endpoints.c and the report renderers over a
 * synthetic store: tasks and credentials through the ledger API, runs, network events and
 * provider events as the monitor and ingest write them (SQL into their tables).
 *
 * The scenario (times in seconds after T0): one AWS session and one SSH certificate for
 * task "t1"; a run from 0 to 60 whose agent keeps one connection to Route 53 open from 1 to
 * 50 (keep-alive: it carries three calls), talks to STS from 10 to 11, to an S3 virtual host
 * from 5 to the end, SSHes to a bastion, and is denied 1.2.3.4 and evil.example.  CloudTrail
 * shows the session's calls, a role chain two hops deep, calls from another address, after
 * the run and after expiry, and principals that name the task but were never issued.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "lib/actionmap.h"
#include "lib/correlate.h"
#include "lib/dsse.h"
#include "lib/endpoints.h"
#include "lib/evlog.h"
#include "lib/keys.h"
#include "lib/ledger.h"
#include "lib/netpolicy.h"
#include "lib/report.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/timeutil.h"

#define T0 1800000000000000LL
#define S(x) ((int64_t)((x) * 1000000.0))

static const char policy[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":["
	"\"route53:List*\",\"route53:GetHostedZone\",\"s3:GetObject\",\"s3:PutObject\","
	"\"ec2:Describe*\",\"dynamodb:GetItem\"],\"Resource\":\"*\"},"
	"{\"Effect\":\"Deny\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}";

struct fx {
	char dir[64];
	char path[96];
	struct ct_store *st;
	sqlite3 *db;
	int seq;
};

static void
sql(struct fx *f, const char *fmt, ...)
{
	va_list ap;
	char *q, *err = NULL;

	va_start(ap, fmt);
	q = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	assert_non_null(q);
	if (sqlite3_exec(f->db, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", q, err);
	sqlite3_free(q);
}

/* A provider event: extra columns and their (already quoted) values. */
static void
pe(struct fx *f, const char *provider, double t, const char *cols, const char *vals)
{
	f->seq++;
	sql(f, "INSERT INTO provider_events (provider, dedupe_key, event_id, raw_sha256,"
	    " ingested_us, time_us, %s) VALUES (%Q, 'k%d', 'ev-%d', 'x', 0, %lld, %s)", cols,
	    provider, f->seq, f->seq, (long long)(T0 + S(t)), vals);
}

static void
net(struct fx *f, const char *run, double t, const char *type, const char *proto,
    const char *dst, int dport, const char *names, const char *verdict, double open,
    double close)
{
	char o[32] = "NULL", c[32] = "NULL";

	if (open != 0)
		snprintf(o, sizeof(o), "%lld", (long long)(T0 + S(open)));
	if (close != 0)
		snprintf(c, sizeof(c), "%lld", (long long)(T0 + S(close)));
	sql(f, "INSERT INTO net_events (run_id, time_us, type, proto, family, src, sport, dst,"
	    " dport, names, verdict, open_us, close_us) VALUES (%Q, %lld, %Q, %Q, 'ipv4', %Q,"
	    " %d, %Q, %d, %Q, %Q, %s, %s)", run, (long long)(T0 + S(t)), type, proto,
	    strcmp(type, "close") == 0 ? "10.0.0.5" : NULL, strcmp(type, "close") == 0 ? 40000 : 0,
	    dst, dport, names, verdict, o, c);
}

static void
add_cred(struct fx *f, const char *kind, const char *principal, const char *akid,
    const char *serial, const char *ca, const char *scope)
{
	struct ct_cred c;

	memset(&c, 0, sizeof(c));
	c.task_id = "t1";
	c.kind = kind;
	c.principal = principal;
	c.issued_us = T0 - S(10);
	c.expires_us = T0 + S(900);
	c.access_key_id = akid;
	if (strcmp(kind, "aws") == 0) {
		c.session_name = principal;
		c.source_identity = principal;
		c.role_arn = "arn:aws:iam::123456789012:role/agent";
	} else {
		c.key_id = principal;
		c.serial = serial;
		c.ca_fingerprint = ca;
	}
	c.scope = scope;
	assert_int_equal(ct_cred_insert(f->st, &c), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ct_task t;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ct-corr.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ledger.db", f->dir);
	assert_int_equal(ct_store_open(&f->st, f->path, 0), 0);
	/* a second connection to the SQLite file: the fixtures and query plans are SQLite's */
	assert_int_equal(sqlite3_open_v2(f->path, &f->db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(f->db, 10000);
	sql(f, "PRAGMA foreign_keys=ON");
	assert_int_equal(ct_task_create(f->st, "t1", "dns-check", &t), 0);
	ct_task_release(&t);
	assert_int_equal(ct_task_create(f->st, "t2", NULL, &t), 0);
	ct_task_release(&t);
	add_cred(f, "aws", "ironclaw-task-t1-0a0b0c0d", "ASIAAAAA", NULL, NULL, policy);
	add_cred(f, "ssh", "ironclaw-task-t1-11111111", NULL, "5", "SHA256:caF", NULL);

	sql(f, "INSERT INTO runs (id, task_id, argv, backend, mode, start_us, end_us,"
	    " exit_status, drops, complete) VALUES ('r1', 't1', '[\"agent\"]', 'ebpf', 'enforce',"
	    " %lld, %lld, 0, '{\"ringbuf_full_net\":0}', 1)", T0, T0 + S(60));
	net(f, "r1", 0.5, "connect", "udp", "10.255.255.53", 53, NULL, "allow", 0, 0);
	net(f, "r1", 1, "connect", "tcp", "54.239.1.1", 443, "[\"route53.amazonaws.com\"]",
	    "allow", 0, 0);
	net(f, "r1", 5, "connect", "tcp", "3.5.0.1", 443,
	    "[\"mybucket.s3.eu-west-1.amazonaws.com\"]", "allow", 0, 0);
	net(f, "r1", 10, "connect", "tcp", "52.94.0.1", 443, "[\"sts.us-east-1.amazonaws.com\"]",
	    "allow", 0, 0);
	net(f, "r1", 11, "close", "tcp", "52.94.0.1", 443, "[\"sts.us-east-1.amazonaws.com\"]",
	    "allow", 10, 11);
	net(f, "r1", 20, "connect", "tcp", "1.2.3.4", 80, "[]", "deny", 0, 0);
	net(f, "r1", 21, "dns", "udp", NULL, 0, "[\"evil.example\"]", "deny", 0, 0);
	net(f, "r1", 30, "connect", "tcp", "192.0.2.50", 22, "[\"bastion.example.net\"]",
	    "allow", 0, 0);
	net(f, "r1", 40, "close", "tcp", "192.0.2.50", 22, "[\"bastion.example.net\"]",
	    "allow", 30, 40);
	net(f, "r1", 50, "close", "tcp", "54.239.1.1", 443, "[\"route53.amazonaws.com\"]",
	    "allow", 1, 50);

#define AK "access_key_id, service, action, source_ip"
	pe(f, "aws", -10, "access_key_id, service, action, source_ip, issued_access_key_id",
	    "'AKIDSOURCE', 'sts.amazonaws.com', 'AssumeRole', '198.51.100.1', 'ASIAAAAA'");
	pe(f, "aws", 2, AK, "'ASIAAAAA', 'route53.amazonaws.com', 'ListResourceRecordSets',"
	    " '10.0.0.5'");
	pe(f, "aws", 10, AK ", issued_access_key_id, issued_session_name",
	    "'ASIAAAAA', 'sts.amazonaws.com', 'AssumeRole', '10.0.0.5', 'ASIABBBB', 'hop1'");
	pe(f, "aws", 12, AK, "'ASIABBBB', 'ec2.amazonaws.com', 'DescribeInstances', '10.0.0.5'");
	pe(f, "aws", 13, AK ", issued_access_key_id", "'ASIABBBB', 'sts.amazonaws.com',"
	    " 'AssumeRole', '10.0.0.5', 'ASIACCCC'");
	pe(f, "aws", 14, AK, "'ASIACCCC', 's3.amazonaws.com', 'GetObject', '10.0.0.5'");
	pe(f, "aws", 20, AK, "'ASIAAAAA', 's3.amazonaws.com', 'GetObject', '203.0.113.9'");
	pe(f, "aws", 25, AK ", session_name", "'ASIAXXXX', 's3.amazonaws.com', 'ListBuckets',"
	    " '198.51.100.7', 'ironclaw-task-t1-deadbeef'");
	pe(f, "aws", 26, AK ", session_name", "'ASIAYYYY', 'sts.amazonaws.com',"
	    " 'GetCallerIdentity', '198.51.100.7', 'ironclaw-task-t1-0a0b0c0d'");
	pe(f, "aws", 27, AK ", session_name", "'ASIAZZZZ', 'sts.amazonaws.com',"
	    " 'GetCallerIdentity', '198.51.100.8', 'ironclaw-task-t1-extra-12345678'");
	pe(f, "aws", 30, AK, "'ASIAAAAA', 'route53.amazonaws.com', 'GetHostedZone', '10.0.0.5'");
	pe(f, "sshd", 31, "cert_key_id, cert_serial, ca_fingerprint, account, service, action,"
	    " source_ip", "'ironclaw-task-t1-11111111', '5', 'SHA256:caF', 'bastion', 'sshd',"
	    " 'certificate', '10.0.0.5'");
	pe(f, "sshd", 32, "cert_key_id, cert_serial, ca_fingerprint, account, service, action,"
	    " source_ip", "'ironclaw-task-t1-11111111', '6', 'SHA256:caF', 'bastion', 'sshd',"
	    " 'certificate', '198.51.100.9'");
	pe(f, "aws", 35, AK ", outcome, error_code", "'ASIAAAAA', 'route53.amazonaws.com',"
	    " 'ChangeResourceRecordSets', '10.0.0.5', 'failure', 'AccessDenied'");
	pe(f, "aws", 40, AK, "'ASIAAAAA', 'cloudshell.aws', 'CreateSession', '10.0.0.5'");
	pe(f, "aws", 49, AK, "'ASIAAAAA', 'route53.amazonaws.com', 'ListHostedZones', '10.0.0.5'");
	pe(f, "aws", 58, AK, "'ASIAAAAA', 'route53.amazonaws.com', 'GetHostedZone', '10.0.0.5'");
	pe(f, "aws", 200, AK, "'ASIAAAAA', 'route53.amazonaws.com', 'ListResourceRecordSets',"
	    " '203.0.113.9'");
	pe(f, "aws", 1000, AK, "'ASIAAAAA', 'route53.amazonaws.com', 'ListResourceRecordSets',"
	    " '10.0.0.5'");
	/* another task's key: never in t1's report */
	pe(f, "aws", 3, AK, "'ASIAOTHER', 'route53.amazonaws.com', 'GetHostedZone', '10.0.0.5'");
#undef AK
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	sqlite3_close_v2(f->db);
	ct_store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
opts_init(struct ct_corr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->skew_us = -1;
	o->delivery_us = -1;
	o->now_us = T0 + S(3000);
	o->logs_complete_until_us = T0 + S(2000);
}

static const struct ct_corr_event *
find_event(const struct ct_corr *c, double t, const char *action)
{
	size_t i;

	for (i = 0; i < c->nevents; i++)
		if (c->events[i].time_us == T0 + S(t) && strcmp(c->events[i].action, action) == 0)
			return &c->events[i];
	fail_msg("no event %s at %g", action, t);
	return NULL;
}

static const struct ct_finding *
find_finding(const struct ct_corr *c, const char *kind, size_t nth)
{
	size_t i;

	for (i = 0; i < c->nfindings; i++)
		if (strcmp(c->findings[i].kind, kind) == 0 && nth-- == 0)
			return &c->findings[i];
	return NULL;
}

static size_t
count_findings(const struct ct_corr *c, const char *kind)
{
	size_t i, n = 0;

	for (i = 0; i < c->nfindings; i++)
		n += strcmp(c->findings[i].kind, kind) == 0;
	return n;
}

/* ---- endpoints ---- */

static void
test_endpoint_table(void **state)
{
	static const struct {
		const char *prov, *svc, *host;
		int want;
	} cases[] = {
		{ "aws", "s3.amazonaws.com", "s3.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "s3.eu-west-1.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "my.bucket.s3.eu-west-1.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "bucket.s3.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "s3-fips.us-gov-west-1.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "bucket.s3.dualstack.us-east-1.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "s3-us-west-2.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "ap-123456789012.s3-accesspoint.eu-west-1.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "bucket.vpce-0a1b-c2d3.s3.us-east-1.vpce.amazonaws.com", 1 },
		{ "aws", "s3.amazonaws.com", "s3.amazonaws.com.evil.example", 0 },
		{ "aws", "s3.amazonaws.com", "evils3.amazonaws.com", 0 },
		{ "aws", "s3.amazonaws.com", "route53.amazonaws.com", 0 },
		{ "aws", "route53.amazonaws.com", "route53.amazonaws.com", 1 },
		{ "aws", "route53.amazonaws.com", "route53-fips.amazonaws.com", 1 },
		{ "aws", "route53.amazonaws.com", "s3.amazonaws.com", 0 },
		{ "aws", "route53.amazonaws.com", "xroute53.amazonaws.com", 0 },
		{ "aws", "sts.amazonaws.com", "sts.amazonaws.com", 1 },
		{ "aws", "sts.amazonaws.com", "sts.us-east-1.amazonaws.com", 1 },
		{ "aws", "sts.amazonaws.com", "sts-fips.us-east-2.amazonaws.com", 1 },
		{ "aws", "sts.amazonaws.com", "sts.eu-west-1.api.aws", 1 },
		{ "aws", "sts.amazonaws.com", "vpce-01-ab.sts.eu-west-1.vpce.amazonaws.com", 1 },
		{ "aws", "sts.amazonaws.com", "sts.cn-north-1.amazonaws.com.cn", 1 },
		{ "aws", "sts.amazonaws.com", "sts.notaregion.amazonaws.com", 0 },
		{ "aws", "monitoring.amazonaws.com", "monitoring.us-east-1.amazonaws.com", 1 },
		{ "aws", "ecr.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.com", 1 },
		{ "aws", "ecr.amazonaws.com", "api.ecr.eu-central-1.amazonaws.com", 1 },
		{ "aws", "execute-api.amazonaws.com", "a1b2c3.execute-api.us-east-1.amazonaws.com", 1 },
		{ "aws", "execute-api.amazonaws.com", "execute-api.amazonaws.com", 0 },
		{ "aws", "dynamodb.amazonaws.com", "123456789012.ddb.us-east-1.amazonaws.com", 1 },
		{ "gcp", "storage.googleapis.com", "storage.googleapis.com", 1 },
		{ "gcp", "storage.googleapis.com", "bucket.storage.googleapis.com", 1 },
		{ "gcp", "storage.googleapis.com", "www.googleapis.com", 1 },
		{ "gcp", "storage.googleapis.com", "restricted.googleapis.com", 1 },
		{ "gcp", "aiplatform.googleapis.com", "us-central1-aiplatform.googleapis.com", 1 },
		{ "gcp", "compute.googleapis.com", "compute.googleapis.com", 1 },
		{ "gcp", "compute.googleapis.com", "storage.googleapis.com", 0 },
		{ "ironproxy", "api.github.com", "api.github.com", 1 },
		{ "ironproxy", "api.github.com", "github.com", 0 },
		{ "vault", "secret/", "vault.example.com", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = ct_endpoint_serves(NULL, 0, cases[i].prov, cases[i].svc, cases[i].host);

		if (got != cases[i].want)
			fail_msg("%s %s on %s: got %d", cases[i].prov, cases[i].svc, cases[i].host, got);
	}
	assert_int_equal(ct_endpoint_known(NULL, 0, "aws", "anything.amazonaws.com"), 1);
	assert_int_equal(ct_endpoint_known(NULL, 0, "aws", "cloudshell.aws"), 0);
	assert_int_equal(ct_endpoint_known(NULL, 0, "vault", "secret/"), 0);
}

static void
test_endpoint_extra_and_patterns(void **state)
{
	const struct ct_endpoint_extra ex[] = { { "vault", "vault.{label}.example.com" } };

	(void)state;
	assert_int_equal(ct_endpoint_known(ex, 1, "vault", "secret/"), 1);
	assert_int_equal(ct_endpoint_serves(ex, 1, "vault", "secret/", "vault.prod.example.com"), 1);
	assert_int_equal(ct_endpoint_serves(ex, 1, "vault", "secret/", "vault.a.b.example.com"), 0);
	assert_int_equal(ct_endpoint_pattern_match("{*}.s3.amazonaws.com", ".s3.amazonaws.com"), 0);
	assert_int_equal(ct_endpoint_pattern_match("{region}.x", "us-east-1.x"), 1);
	assert_int_equal(ct_endpoint_pattern_match("{region}.x", "us-east.x"), 0);
	assert_int_equal(ct_endpoint_pattern_match("{region}.x", "europe-west4.x"), 1);
	assert_int_equal(ct_endpoint_pattern_check("vault.example.com"), 0);
	assert_int_equal(ct_endpoint_pattern_check("{label}.example.com"), 0);
	assert_int_equal(ct_endpoint_pattern_check("{bogus}.example.com"), CT_ERR_INVALID);
	assert_int_equal(ct_endpoint_pattern_check("Vault.example.com"), CT_ERR_INVALID);
	assert_int_equal(ct_endpoint_pattern_check("http://x"), CT_ERR_INVALID);
	assert_int_equal(ct_endpoint_pattern_check(""), CT_ERR_INVALID);
	ct_error_clear();
}

/* What correlate takes from the policy module's action table for an AWS event. */
static int
iam_actions(const char *source, const char *name, char a[2][CT_IAM_ACTION_MAX])
{
	struct ct_am_result res;
	size_t k;
	int n = 0;

	assert_int_equal(ct_actionmap_aws(NULL, source, name, NULL, &res), 0);
	for (k = 0; k < res.n && n < 2; k++)
		if (!(res.perm[k].flags & (CT_AM_DEPENDENT | CT_AM_CONDITIONAL)))
			snprintf(a[n++], CT_IAM_ACTION_MAX, "%s", res.perm[k].action);
	ct_am_result_release(&res);
	return n;
}

static void
test_iam_actions(void **state)
{
	char a[2][CT_IAM_ACTION_MAX];

	(void)state;
	assert_int_equal(iam_actions("route53.amazonaws.com", "ListResourceRecordSets", a), 1);
	assert_string_equal(a[0], "route53:ListResourceRecordSets");
	assert_int_equal(iam_actions("monitoring.amazonaws.com", "PutMetricData", a), 1);
	assert_string_equal(a[0], "cloudwatch:PutMetricData");
	assert_int_equal(iam_actions("lambda.amazonaws.com", "GetFunction20150331v2", a), 1);
	assert_string_equal(a[0], "lambda:GetFunction");
	assert_int_equal(iam_actions("cloudfront.amazonaws.com", "ListDistributions2020_05_31", a),
	    1);
	assert_string_equal(a[0], "cloudfront:ListDistributions");
	assert_int_equal(iam_actions("s3.amazonaws.com", "CopyObject", a), 2);
	assert_string_equal(a[0], "s3:GetObject");
	assert_string_equal(a[1], "s3:PutObject");
	assert_int_equal(iam_actions("s3.amazonaws.com", "HeadObject", a), 1);
	assert_string_equal(a[0], "s3:GetObject");
	assert_int_equal(iam_actions("ec2.amazonaws.com", "DescribeInstances", a), 1);
	assert_string_equal(a[0], "ec2:DescribeInstances");

	assert_int_equal(ct_am_wildcard_match("route53:List*", "route53:ListHostedZones", 1), 1);
	assert_int_equal(ct_am_wildcard_match("route53:list*", "route53:ListHostedZones", 1), 1);
	assert_int_equal(ct_am_wildcard_match("route53:List*", "route53:GetHostedZone", 1), 0);
	assert_int_equal(ct_am_wildcard_match("*", "s3:GetObject", 1), 1);
	assert_int_equal(ct_am_wildcard_match("s3:Get?bject", "s3:GetObject", 1), 1);
	assert_int_equal(ct_am_wildcard_match("s3:*Object", "s3:GetObjectAcl", 1), 0);
	assert_int_equal(ct_actionmap_pattern_has_data("s3:PutObject"), 1);
	assert_int_equal(ct_actionmap_pattern_has_data("s3:*"), 1);
	assert_int_equal(ct_actionmap_pattern_has_data("s3:GetBucketPolicy"), 0);
	assert_int_equal(ct_actionmap_pattern_has_data("route53:*"), 0);
	assert_int_equal(ct_actionmap_is_data_event("aws", "s3.amazonaws.com", "GetObject"), 1);
	assert_int_equal(ct_actionmap_is_data_event("aws", "s3.amazonaws.com", "ListBuckets"), 0);
	assert_int_equal(ct_actionmap_is_data_event("aws", "lambda.amazonaws.com", "Invoke"), 1);
	assert_int_equal(ct_actionmap_is_data_event("gcp", "s3.amazonaws.com", "GetObject"), 0);
}

static void
test_severity(void **state)
{
	enum ct_severity s;

	(void)state;
	assert_int_equal(ct_severity_parse("high", &s), 0);
	assert_int_equal(s, CT_SEV_HIGH);
	assert_int_equal(ct_severity_parse("HIGH", &s), CT_ERR_INVALID);
	assert_int_equal(ct_severity_parse("none", &s), CT_ERR_INVALID);
	assert_string_equal(ct_severity_name(CT_SEV_CRITICAL), "critical");
	ct_error_clear();
}

/* ---- correlation ---- */

static void
test_join_keys_and_chain(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	const struct ct_corr_event *e;
	size_t i, nuse = 0, nclaim = 0, niss = 0;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(c->ncreds, 2);
	for (i = 0; i < c->nevents; i++) {
		nuse += c->events[i].role == CT_ROLE_USE;
		nclaim += c->events[i].role == CT_ROLE_CLAIM;
		niss += c->events[i].role == CT_ROLE_ISSUANCE;
		assert_string_not_equal(c->events[i].access_key_id != NULL ?
		    c->events[i].access_key_id : "", "ASIAOTHER");
		assert_string_not_equal(c->events[i].access_key_id != NULL ?
		    c->events[i].access_key_id : "", "ASIAZZZZ");
	}
	/* 13 uses of the session, 1 of the certificate; 3 claims; the mint */
	assert_int_equal(nuse, 14);
	assert_int_equal(nclaim, 3);
	assert_int_equal(niss, 1);
	e = find_event(c, -10, "AssumeRole");
	assert_int_equal(e->role, CT_ROLE_ISSUANCE);
	assert_string_equal(e->join, "issued_access_key_id");
	e = find_event(c, 12, "DescribeInstances");
	assert_string_equal(e->join, "role_chain");
	assert_int_equal(e->depth, 1);
	assert_int_equal(e->cred, 0);
	e = find_event(c, 14, "GetObject");
	assert_int_equal(e->depth, 2);
	assert_int_equal(c->creds[0].nchain, 2);
	assert_string_equal(c->creds[0].chain[0], "ASIABBBB");
	assert_string_equal(c->creds[0].chain[1], "ASIACCCC");
	e = find_event(c, 31, "certificate");
	assert_int_equal(e->role, CT_ROLE_USE);
	assert_int_equal(e->cred, 1);
	/* events are in time order */
	for (i = 1; i < c->nevents; i++)
		assert_true(c->events[i - 1].time_us <= c->events[i].time_us);
	ct_corr_free(c);

	/* one hop only: the second key of the chain is not followed */
	o.chain_depth = 1;
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(c->creds[0].nchain, 1);
	for (i = 0; i < c->nevents; i++)
		assert_true(c->events[i].access_key_id == NULL ||
		    strcmp(c->events[i].access_key_id, "ASIACCCC") != 0);
	ct_corr_free(c);
}

static void
test_claims(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	const struct ct_corr_event *e;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	e = find_event(c, 25, "ListBuckets");
	assert_int_equal(e->role, CT_ROLE_CLAIM);
	assert_int_equal(e->cred, -1);
	assert_non_null(strstr(e->note, "ironclaw-task-t1-deadbeef names task t1"));
	e = find_event(c, 26, "GetCallerIdentity");
	assert_int_equal(e->role, CT_ROLE_CLAIM);
	assert_non_null(strstr(e->note, "access key ASIAYYYY was never issued"));
	e = find_event(c, 32, "certificate");
	assert_int_equal(e->role, CT_ROLE_CLAIM);
	assert_non_null(strstr(e->note, "serial 6"));
	assert_int_equal(count_findings(c, "unissued-principal"), 3);
	assert_int_equal(find_finding(c, "unissued-principal", 0)->severity, CT_SEV_CRITICAL);
	ct_corr_free(c);
}

static void
test_explanation(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	const struct ct_corr_event *e;
	const struct ct_corr_cred *cr;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	/* one keep-alive connection to Route 53 (1..50) carries the calls at 2, 30, 35, 49 */
	e = find_event(c, 2, "ListResourceRecordSets");
	assert_int_equal(e->explained, CT_EXPL_YES);
	assert_string_equal(c->conns[e->conn].names[0], "route53.amazonaws.com");
	assert_true(c->conns[e->conn].closed);
	assert_int_equal(c->conns[e->conn].close_us, T0 + S(50));
	assert_int_equal(c->conns[e->conn].nexplained, 4);
	assert_int_equal(find_event(c, 49, "ListHostedZones")->conn, e->conn);
	/* 58: the connection closed at 50, beyond the 5 s skew */
	e = find_event(c, 58, "GetHostedZone");
	assert_int_equal(e->explained, CT_EXPL_NO);
	assert_non_null(strstr(e->note, "was open at that time"));
	/* STS 10..11 carries the AssumeRole at 10 and (within skew) the chained one at 13 */
	assert_int_equal(find_event(c, 10, "AssumeRole")->explained, CT_EXPL_YES);
	assert_int_equal(find_event(c, 13, "AssumeRole")->explained, CT_EXPL_YES);
	/* the S3 virtual host open from 5 to the run's end (no close recorded) */
	e = find_event(c, 14, "GetObject");
	assert_int_equal(e->explained, CT_EXPL_YES);
	assert_false(c->conns[e->conn].closed);
	assert_int_equal(c->conns[e->conn].close_us, T0 + S(60));
	/* no EC2 connection at all */
	e = find_event(c, 12, "DescribeInstances");
	assert_int_equal(e->explained, CT_EXPL_NO);
	assert_non_null(strstr(e->note, "never connected to an endpoint of ec2.amazonaws.com"));
	/* sshd: the login's host is the first label of the connection's name */
	assert_int_equal(find_event(c, 31, "certificate")->explained, CT_EXPL_YES);
	/* no endpoint known */
	e = find_event(c, 40, "CreateSession");
	assert_int_equal(e->explained, CT_EXPL_UNKNOWN);
	assert_non_null(strstr(e->note, "--endpoint"));
	cr = &c->creds[0];
	assert_int_equal(cr->nuse, 13);
	assert_int_equal(cr->nexplained, 8);
	assert_int_equal(cr->nunexplained, 4);
	assert_int_equal(cr->nunknown, 1);
	ct_corr_free(c);

	/* a skew of 10 s reaches the call at 58 from the close at 50 */
	opts_init(&o);
	o.skew_us = S(10);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(find_event(c, 58, "GetHostedZone")->explained, CT_EXPL_YES);
	ct_corr_free(c);
}

static void
test_sources_and_times(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	const struct ct_finding *fi;
	const char *decl[] = { "203.0.113.9" };

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	/* 10.0.0.5 is learned; 203.0.113.9 is not (one call explained by chance, one not) */
	assert_int_equal(c->negress_ips, 1);
	assert_int_equal(c->nlearned_ips, 1);
	assert_string_equal(c->egress_ips[0], "10.0.0.5");
	assert_true(find_event(c, 20, "GetObject")->flags & CT_EVF_UNEXPECTED_SOURCE);
	assert_true(find_event(c, 200, "ListResourceRecordSets")->flags & CT_EVF_UNEXPECTED_SOURCE);
	assert_false(find_event(c, 2, "ListResourceRecordSets")->flags & CT_EVF_UNEXPECTED_SOURCE);
	assert_true(find_event(c, 200, "ListResourceRecordSets")->flags & CT_EVF_AFTER_RUN);
	assert_false(find_event(c, 58, "GetHostedZone")->flags & CT_EVF_AFTER_RUN);
	assert_true(find_event(c, 1000, "ListResourceRecordSets")->flags & CT_EVF_AFTER_EXPIRY);
	assert_false(find_event(c, 200, "ListResourceRecordSets")->flags & CT_EVF_AFTER_EXPIRY);
	assert_true(find_event(c, 14, "GetObject")->flags & CT_EVF_DATA_EVENT);

	fi = find_finding(c, "used-after-expiry", 0);
	assert_non_null(fi);
	assert_int_equal(fi->severity, CT_SEV_CRITICAL);
	assert_int_equal(json_array_size(fi->evidence), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(fi->evidence, 0),
	    "event_id")), "ev-19");
	assert_int_equal(json_array_size(find_finding(c, "used-after-run", 0)->evidence), 2);
	assert_int_equal(json_array_size(find_finding(c, "unexpected-source", 0)->evidence), 2);
	assert_int_equal(json_array_size(find_finding(c, "unexplained-use", 0)->evidence), 4);
	assert_int_equal(count_findings(c, "provider-refused"), 1);
	assert_int_equal(count_findings(c, "unexplainable"), 1);
	assert_int_equal(find_finding(c, "unexplainable", 0)->severity, CT_SEV_INFO);
	/* most severe first */
	assert_int_equal(c->findings[0].severity, CT_SEV_CRITICAL);
	assert_int_equal(ct_corr_max_severity(c), CT_SEV_CRITICAL);
	ct_corr_free(c);

	/* a declared address is the task's own */
	opts_init(&o);
	o.egress_ips = decl;
	o.negress_ips = 1;
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(c->negress_ips, 2);
	assert_string_equal(c->egress_ips[0], "203.0.113.9");
	assert_false(find_event(c, 20, "GetObject")->flags & CT_EVF_UNEXPECTED_SOURCE);
	assert_true(find_event(c, 2, "ListResourceRecordSets")->flags == 0);
	ct_corr_free(c);
}

static void
test_scope(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	const struct ct_corr_cred *cr;
	char *s;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	cr = &c->creds[0];
	assert_int_equal(cr->scope_evaluated, 1);
	assert_int_equal(cr->logs_cover, 1);
	s = json_dumps(cr->granted, JSON_COMPACT);
	assert_string_equal(s, "[\"dynamodb:GetItem\",\"ec2:Describe*\",\"route53:GetHostedZone\","
	    "\"route53:List*\",\"s3:GetObject\",\"s3:PutObject\"]");
	free(s);
	/* the credential's own successful calls; the chain's ec2 call is another role's */
	s = json_dumps(cr->used, JSON_COMPACT);
	assert_string_equal(s, "[\"route53:GetHostedZone\",\"route53:ListHostedZones\","
	    "\"route53:ListResourceRecordSets\",\"s3:GetObject\",\"sts:AssumeRole\"]");
	free(s);
	s = json_dumps(cr->failed, JSON_COMPACT);
	assert_string_equal(s, "[\"route53:ChangeResourceRecordSets\"]");
	free(s);
	/* S3 data events are seen, so PutObject can be called unused; DynamoDB's cannot */
	s = json_dumps(cr->unused, JSON_COMPACT);
	assert_string_equal(s, "[\"ec2:Describe*\",\"s3:PutObject\"]");
	free(s);
	assert_int_equal(json_array_size(cr->undetermined), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cr->undetermined, 0),
	    "action")), "dynamodb:GetItem");
	assert_int_equal(count_findings(c, "unused-permission"), 1);
	assert_string_equal(c->creds[1].scope_note,
	    "granted scope is evaluated for AWS session policies only");
	ct_corr_free(c);

	/* the user says data events are logged */
	opts_init(&o);
	o.data_events_logged = 1;
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	s = json_dumps(c->creds[0].unused, JSON_COMPACT);
	assert_string_equal(s, "[\"dynamodb:GetItem\",\"ec2:Describe*\",\"s3:PutObject\"]");
	free(s);
	ct_corr_free(c);

	/*
	 * Without a declared completeness the latest event (1000) minus the 15-minute delivery
	 * window (100) does not reach the expiry (900): nothing is called unused.
	 */
	opts_init(&o);
	o.logs_complete_until_us = 0;
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	cr = &c->creds[0];
	assert_int_equal(cr->logs_cover, 0);
	assert_int_equal(json_array_size(cr->unused), 0);
	assert_int_equal(json_array_size(cr->undetermined), 3);
	assert_int_equal(count_findings(c, "unused-permission"), 0);
	assert_int_equal(c->nincomplete, 3);
	assert_non_null(strstr(c->incomplete[0], "CloudTrail events are complete only until "
	    "2027-01-15T08:01:40Z; credential ironclaw-task-t1-0a0b0c0d is valid until"));
	assert_non_null(strstr(c->incomplete[1], "sshd events are complete only until"));
	ct_corr_free(c);
}

static void
test_egress_findings(void **state)
{
	struct fx *f = *state;
	struct ct_netpolicy *p;
	struct ct_corr_opts o;
	struct ct_corr *c;
	size_t i;
	const char *hosts[] = { "route53.amazonaws.com", "mybucket.s3.eu-west-1.amazonaws.com",
		"sts.us-east-1.amazonaws.com", "1.2.3.4", "evil.example", "bastion.example.net" };

	assert_int_equal(ct_netpolicy_new(&p), 0);
	assert_int_equal(ct_netpolicy_add_rule(p, "route53.amazonaws.com:443"), 0);
	assert_int_equal(ct_netpolicy_add_rule(p, "*.s3.eu-west-1.amazonaws.com"), 0);
	assert_int_equal(ct_netpolicy_add_rule(p, "bastion.example.net:22"), 0);
	opts_init(&o);
	o.allow = p;
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	/* the agent's own DNS (to the resolver, redirected) is not egress */
	assert_int_equal(c->negress, 6);
	for (i = 0; i < 6; i++)
		assert_string_equal(c->egress[i].host, hosts[i]);
	assert_int_equal(c->egress[0].count, 1);	/* connect and close are one connection */
	assert_int_equal(c->egress[0].nexplained, 4);
	assert_int_equal(c->egress[0].allowed, 1);
	assert_int_equal(c->egress[2].allowed, 0);
	assert_true(c->egress[3].direct_ip);
	assert_int_equal(c->egress[3].denied, 1);
	assert_string_equal(c->egress[4].proto, "dns");
	assert_string_equal(c->egress[4].verdict, "deny");
	assert_int_equal(count_findings(c, "egress-denied"), 2);
	assert_int_equal(count_findings(c, "direct-ip"), 1);
	assert_int_equal(find_finding(c, "direct-ip", 0)->severity, CT_SEV_LOW);
	assert_int_equal(count_findings(c, "egress-not-allowed"), 1);
	assert_non_null(strstr(find_finding(c, "egress-not-allowed", 0)->summary,
	    "sts.us-east-1.amazonaws.com port 443"));
	ct_corr_free(c);
	ct_netpolicy_free(p);

	/* without an allowlist nothing is judged against one */
	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(count_findings(c, "egress-not-allowed"), 0);
	assert_int_equal(c->egress[2].allowed, -1);
	ct_corr_free(c);
}

static void
test_evidence(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(c->nincomplete, 1);
	assert_string_equal(c->incomplete[0], "run r1 kept no event log: its events are not signed");
	assert_string_equal(c->runs[0].verdict, "no-log");
	ct_corr_free(c);

	/* drops, a weaker backend, a run that never ended, a log that is not there */
	sql(f, "UPDATE runs SET drops = '{\"ringbuf_full_net\":3}', backend = 'seccomp',"
	    " end_us = NULL, events_path = '/nonexistent/run.jsonl'");
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(c->nincomplete, 4);
	assert_string_equal(c->incomplete[0], "run r1 has not ended (still running, or its "
	    "monitor died)");
	assert_string_equal(c->incomplete[1], "run r1 lost 3 monitor events "
	    "{\"ringbuf_full_net\":3}");
	assert_non_null(strstr(c->incomplete[2], "weaker seccomp backend"));
	assert_non_null(strstr(c->incomplete[3], "cannot read the event log"));
	/* the run has not ended: no use counts as after it */
	assert_false(find_event(c, 200, "ListResourceRecordSets")->flags & CT_EVF_AFTER_RUN);
	ct_corr_free(c);
}

static void
test_no_run_and_unknown_task(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	char *s;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "nope", &o, &c), CT_ERR_NOTFOUND);
	assert_null(c);
	assert_int_equal(ct_correlate(f->st, "bad id", &o, &c), CT_ERR_INVALID);
	ct_error_clear();
	assert_int_equal(ct_correlate(f->st, "t2", &o, &c), 0);
	assert_int_equal(c->ncreds, 0);
	assert_int_equal(c->nevents, 0);
	assert_int_equal(c->nincomplete, 1);
	assert_string_equal(c->incomplete[0], "no run of the task is recorded: its egress is "
	    "unknown");
	assert_int_equal(ct_report_text(c, &s, &(size_t){ 0 }), 0);
	assert_non_null(strstr(s, "No credential of the ledger was issued for this task."));
	free(s);
	ct_corr_free(c);
}

/* ---- rendering ---- */

static void
test_report_json(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	json_t *j, *cred, *ev, *pick;
	char *s;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(ct_report_json(c, &j), 0);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), CT_REPORT_SCHEMA_V1);
	assert_string_equal(json_string_value(json_object_get(j, "task")), "t1");
	assert_false(json_is_true(json_object_get(j, "complete")));
	assert_int_equal(json_array_size(json_object_get(j, "incomplete_reasons")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "credentials")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "claims")), 3);
	assert_int_equal(json_array_size(json_object_get(j, "egress")), 6);
	assert_int_equal(json_array_size(json_object_get(j, "findings")), c->nfindings);
	cred = json_array_get(json_object_get(j, "credentials"), 0);
	assert_string_equal(json_string_value(json_object_get(cred, "issued")),
	    "2027-01-15T07:59:50.000000Z");
	assert_int_equal(json_array_size(json_object_get(cred, "events")), 13);
	assert_string_equal(json_string_value(json_object_get(json_object_get(cred,
	    "issued_by_event"), "role")), "issuance");
	s = json_dumps(json_object_get(cred, "hosts"), JSON_COMPACT);
	assert_string_equal(s, "[\"route53.amazonaws.com\",\"sts.us-east-1.amazonaws.com\","
	    "\"mybucket.s3.eu-west-1.amazonaws.com\"]");
	free(s);
	ev = json_array_get(json_object_get(cred, "events"), 0);
	pick = json_pack("{s:O, s:O, s:O, s:O}", "a", json_object_get(ev, "action"),
	    "x", json_object_get(ev, "explained"), "h", json_object_get(json_object_get(ev,
	    "connection"), "host"), "i", json_object_get(ev, "iam_actions"));
	s = json_dumps(pick, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(pick);
	assert_string_equal(s, "{\"a\":\"ListResourceRecordSets\",\"h\":\"route53.amazonaws.com\","
	    "\"i\":[\"route53:ListResourceRecordSets\"],\"x\":true}");
	free(s);
	/* an unexplainable event says null, not false */
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(cred, "events"),
	    8), "explained")));
	s = json_dumps(json_object_get(j, "attestation"), JSON_COMPACT);
	assert_string_equal(s, "{\"digest\":null,\"verified\":false,\"runs\":1,\"runs_verified\":0}");
	free(s);
	json_decref(j);
	ct_corr_free(c);
}

static void
test_report_text_and_html(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	char *s, *line;
	size_t len;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(ct_report_sentence(c, 1, &s), 0);
	assert_string_equal(s, "For task t1, credential ironclaw-task-t1-11111111 was issued; the "
	    "agent process only communicated with route53.amazonaws.com, "
	    "mybucket.s3.eu-west-1.amazonaws.com, sts.us-east-1.amazonaws.com and "
	    "bastion.example.net (2 other attempts were denied), correlating to the observed sshd "
	    "event certificate.");
	free(s);
	assert_int_equal(ct_report_text(c, &s, &len), 0);
	assert_int_equal(strlen(s), len);
	for (line = s; *line != '\0';) {
		size_t n = strcspn(line, "\n");

		if (n > CT_REPORT_WIDTH)
			fail_msg("line longer than %d: %.*s", CT_REPORT_WIDTH, (int)n, line);
		line += n + (line[n] == '\n');
	}
	assert_non_null(strstr(s, "Findings: 14 (4 critical, 3 high, 3 medium, 3 low, 1 info)"));
	free(s);

	/* values from logs are escaped; no URL to fetch anything */
	sql(f, "UPDATE provider_events SET action = '<img src=http://x/>' WHERE event_id = 'ev-11'");
	ct_corr_free(c);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(ct_report_html(c, &s, &len), 0);
	assert_null(strstr(s, "<img"));
	assert_non_null(strstr(s, "&lt;img src=http://x/&gt;"));
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "href="));
	assert_non_null(strstr(s, "<svg "));
	assert_true(strstr(s, "<h2>Findings") < strstr(s, "<h2>Timeline"));
	free(s);
	ct_corr_free(c);
}

static void
test_report_sign(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	struct ct_dsse env;
	EVP_PKEY *key;
	json_t *j, *stmt;
	char *s;
	size_t len;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(ct_report_json(c, &j), 0);
	assert_int_equal(ct_key_generate(CT_KEY_ED25519, &key), 0);
	assert_int_equal(ct_report_sign(key, j, &s, &len), 0);
	assert_int_equal(ct_dsse_parse((const uint8_t *)s, len, &env), 0);
	assert_string_equal(env.payload_type, CT_DSSE_INTOTO_TYPE);
	assert_int_equal(ct_dsse_verify(&env, &key, 1, NULL), 0);
	stmt = json_loadb((const char *)env.payload, env.payload_len, 0, NULL);
	assert_non_null(stmt);
	assert_string_equal(json_string_value(json_object_get(stmt, "predicateType")),
	    CT_REPORT_PREDICATE_V1);
	assert_true(json_equal(json_object_get(stmt, "predicate"), j));
	json_decref(stmt);
	/* one flipped payload byte and the envelope no longer verifies */
	env.payload[10] ^= 1;
	assert_int_not_equal(ct_dsse_verify(&env, &key, 1, NULL), 0);
	ct_error_clear();
	ct_dsse_release(&env);

	/* the whole check: signature, statement, subject digest of the report */
	{
		json_t *back = NULL;
		char kid[65], want[65];
		EVP_PKEY *other;
		char *t;

		assert_int_equal(ct_report_verify((const uint8_t *)s, len, &key, 1, &back, kid), 0);
		assert_true(json_equal(back, j));
		assert_int_equal(ct_dsse_keyid(key, want), 0);
		assert_string_equal(kid, want);
		json_decref(back);
		assert_int_equal(ct_key_generate(CT_KEY_ED25519, &other), 0);
		assert_int_equal(ct_report_verify((const uint8_t *)s, len, &other, 1, NULL, NULL),
		    CT_ERR_VERIFY);
		EVP_PKEY_free(other);
		/* a report signed as something else: a run statement's envelope is refused */
		assert_int_equal(ct_dsse_sign(key, CT_DSSE_INTOTO_TYPE,
		    (const uint8_t *)"{\"_type\":\"x\"}", 12, &t, &len), 0);
		assert_int_equal(ct_report_verify((const uint8_t *)t, len, &key, 1, NULL, NULL),
		    CT_ERR_FORMAT);
		free(t);
		ct_error_clear();
	}
	free(s);
	EVP_PKEY_free(key);
	json_decref(j);
	ct_corr_free(c);
}

/* Every lookup is an index search: no full scan of provider_events or net_events. */
static void
test_query_plans(void **state)
{
	struct fx *f = *state;
	const char *const *q = ct_correlate_queries();
	sqlite3_stmt *s;
	char sqlbuf[4096];
	int n = 0;

	for (; *q != NULL; q++, n++) {
		int searched = 0;

		snprintf(sqlbuf, sizeof(sqlbuf), "EXPLAIN QUERY PLAN %s", *q);
		assert_int_equal(sqlite3_prepare_v2(f->db, sqlbuf, -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(s, 3);

			if (strncmp(d, "SCAN", 4) == 0 && strstr(d, "USING") == NULL)
				fail_msg("full scan in '%s': %s", *q, d);
			if (strstr(d, "USING INDEX provider_events_dedupe") != NULL)
				fail_msg("walks a provider's every event in '%s': %s", *q, d);
			if (strstr(d, "USING INDEX provider_events_") != NULL ||
			    strstr(d, "USING INDEX net_events_run_time") != NULL ||
			    strstr(d, "USING INDEX runs_task") != NULL)
				searched = 1;
		}
		sqlite3_finalize(s);
		if (!searched)
			fail_msg("no index used by '%s'", *q);
	}
	assert_int_equal(n, 24);
}

/*
 * The other join keys, on top of the scenario: a JWT whose sub reaches GCP through Workload
 * Identity Federation and logs in to Vault (whose token accessor and lease then carry on), a
 * session that someone else tagged with the task, and an audit-mode run whose signed event
 * log says one connection was outside its allowlist.
 */
static int
setup_more(void **state)
{
	struct fx *f;
	struct ct_cred c;

	setup(state);
	f = *state;
	memset(&c, 0, sizeof(c));
	c.task_id = "t1";
	c.kind = "jwt";
	c.principal = "ironclaw-task-t1-22222222";
	c.subject = "ironclaw-task-t1-22222222";
	c.jti = "jti-22";
	c.issuer = "https://issuer.example";
	c.issued_us = T0 - S(10);
	c.expires_us = T0 + S(900);
	assert_int_equal(ct_cred_insert(f->st, &c), 0);
	pe(f, "gcp", 33, "subject, service, action, source_ip", "'principal://iam.googleapis.com/"
	    "projects/1/locations/global/workloadIdentityPools/p/subject/ironclaw-task-t1-22222222',"
	    " 'storage.googleapis.com', 'storage.objects.get', '10.0.0.5'");
	pe(f, "gcp", 33.5, "subject, service, action, source_ip", "'principal://iam.googleapis.com/"
	    "projects/1/locations/global/workloadIdentityPools/p/subject/ironclaw-task-t1-2222',"
	    " 'storage.googleapis.com', 'storage.objects.get', '10.0.0.5'");
	pe(f, "vault", 34, "vault_metadata, service, action, source_ip, issued_access_key_id",
	    "'{\"role\":\"agent\",\"sub\":\"ironclaw-task-t1-22222222\"}', 'auth/jwt/',"
	    " 'update auth/jwt/login', '10.0.0.5', 'acc-1'");
	pe(f, "vault", 36, "token_accessor, lease_id, service, action, source_ip", "'acc-1',"
	    " 'aws/creds/agent/l1', 'aws/', 'read aws/creds/agent', '10.0.0.5'");
	pe(f, "vault", 37, "lease_id, service, action, source_ip", "'aws/creds/agent/l1',"
	    " 'sys/', 'update sys/leases/renew', '10.0.0.5'");
	pe(f, "aws", 45, "access_key_id, service, action, source_ip, session_tags,"
	    " issued_access_key_id, issued_session_name", "'AKIDOTHER', 'sts.amazonaws.com',"
	    " 'AssumeRole', '198.51.100.7', '[{\"key\":\"ironclaw:task-id\",\"value\":\"t1\"}]',"
	    " 'ASIATAGGED', 'innocent-name'");
	pe(f, "aws", 46, "access_key_id, service, action, source_ip, session_tags,"
	    " issued_access_key_id, issued_session_name", "'AKIDOTHER', 'sts.amazonaws.com',"
	    " 'AssumeRole', '198.51.100.7', '[{\"key\":\"ironclaw:task-id\",\"value\":\"t1x\"}]',"
	    " 'ASIATAGGED2', 'other-name'");
	return 0;
}

static void
test_more_join_keys(void **state)
{
	struct fx *f = *state;
	struct ct_corr_opts o;
	struct ct_corr *c;
	const struct ct_corr_event *e;
	size_t i;

	opts_init(&o);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(c->ncreds, 3);
	e = find_event(c, 33, "storage.objects.get");
	assert_int_equal(e->cred, 2);
	assert_string_equal(e->join, "principal_subject");
	/* a sub that is only a prefix of ours is not ours */
	for (i = 0; i < c->nevents; i++)
		assert_false(c->events[i].time_us == T0 + S(33.5));
	e = find_event(c, 34, "update auth/jwt/login");
	assert_string_equal(e->join, "vault_metadata");
	e = find_event(c, 36, "read aws/creds/agent");
	assert_string_equal(e->join, "vault_accessor");
	assert_int_equal(e->depth, 1);
	e = find_event(c, 37, "update sys/leases/renew");
	assert_string_equal(e->join, "vault_lease");
	assert_int_equal(e->depth, 2);
	assert_int_equal(e->cred, 2);
	/* GCP storage through a connection to it: none; Vault: no endpoint known */
	assert_int_equal(find_event(c, 33, "storage.objects.get")->explained, CT_EXPL_NO);
	assert_int_equal(find_event(c, 36, "read aws/creds/agent")->explained, CT_EXPL_UNKNOWN);
	/* the tagged session someone else made */
	e = find_event(c, 45, "AssumeRole");
	assert_int_equal(e->role, CT_ROLE_CLAIM);
	assert_string_equal(e->note, "it issued access key ASIATAGGED for a session tagged with "
	    "task t1, which the ledger never issued");
	for (i = 0; i < c->nevents; i++)
		assert_false(c->events[i].time_us == T0 + S(46));
	assert_int_equal(count_findings(c, "unissued-principal"), 4);
	ct_corr_free(c);

	/* a Vault host given by the user makes its events comparable */
	{
		const struct ct_endpoint_extra ex[] = { { "vault", "vault.example.net" } };

		opts_init(&o);
		o.endpoints = ex;
		o.nendpoints = 1;
		assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
		assert_int_equal(find_event(c, 36, "read aws/creds/agent")->explained, CT_EXPL_NO);
		ct_corr_free(c);
	}
}

static void
test_run_log_nomatch(void **state)
{
	struct fx *f = *state;
	struct ct_evlog_params lp;
	struct ct_evlog *l;
	struct ct_corr_opts o;
	struct ct_corr *c;
	EVP_PKEY *key;
	char path[160], ts[40];
	uint64_t size;
	uint8_t root[32];
	json_t *ev;
	size_t i;

	snprintf(path, sizeof(path), "%s/r2.jsonl", f->dir);
	assert_int_equal(ct_key_generate(CT_KEY_ED25519, &key), 0);
	memset(&lp, 0, sizeof(lp));
	lp.path = path;
	lp.origin = "credtrail:t1:r2";
	lp.key = key;
	assert_int_equal(ct_evlog_create(&l, &lp), 0);
	ct_time_fmt(T0 + S(70), 1, ts, sizeof(ts));
	ev = json_pack("{s:s, s:s, s:s, s:i, s:[s], s:s, s:s}", "time", ts, "type", "connect",
	    "dst", "198.18.0.9", "dport", 443, "names", "unlisted.example", "verdict", "audit",
	    "allowlist", "no-match");
	assert_int_equal(ct_evlog_append(l, ev), 0);
	json_decref(ev);
	ct_time_fmt(T0 + S(71), 1, ts, sizeof(ts));
	ev = json_pack("{s:s, s:s, s:s, s:i, s:[s], s:s}", "time", ts, "type", "connect",
	    "dst", "54.239.1.1", "dport", 443, "names", "route53.amazonaws.com", "verdict", "audit");
	assert_int_equal(ct_evlog_append(l, ev), 0);
	json_decref(ev);
	assert_int_equal(ct_evlog_finish(l, NULL, &size, root), 0);
	ct_evlog_free(l);
	sql(f, "INSERT INTO runs (id, task_id, argv, backend, mode, start_us, end_us, exit_status,"
	    " complete, events_path) VALUES ('r2', 't1', '[\"agent\"]', 'ebpf', 'audit', %lld,"
	    " %lld, 0, 1, %Q)", T0 + S(65), T0 + S(80), path);
	net(f, "r2", 70, "connect", "tcp", "198.18.0.9", 443, "[\"unlisted.example\"]", "audit",
	    0, 0);
	net(f, "r2", 71, "connect", "tcp", "54.239.1.1", 443, "[\"route53.amazonaws.com\"]",
	    "audit", 0, 0);

	opts_init(&o);
	o.keys = &key;
	o.nkeys = 1;
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_int_equal(c->nruns, 2);
	assert_string_equal(c->runs[1].verdict, "complete");
	assert_int_equal(c->runs[1].verified, 1);
	assert_int_equal(c->runs[1].records, 2);
	for (i = 0; i < c->nconns; i++) {
		if (strcmp(c->conns[i].run_id, "r2") != 0)
			continue;
		assert_int_equal(c->conns[i].allowed,
		    strcmp(c->conns[i].dst, "198.18.0.9") == 0 ? 0 : -1);
	}
	assert_int_equal(count_findings(c, "egress-not-allowed"), 1);
	assert_non_null(strstr(find_finding(c, "egress-not-allowed", 0)->summary,
	    "unlisted.example port 443"));
	ct_corr_free(c);

	/* an untrusted key: the log no longer verifies */
	EVP_PKEY_free(key);
	assert_int_equal(ct_key_generate(CT_KEY_ED25519, &key), 0);
	assert_int_equal(ct_correlate(f->st, "t1", &o, &c), 0);
	assert_string_equal(c->runs[1].verdict, "failed");
	assert_int_equal(count_findings(c, "attestation-failed"), 1);
	ct_corr_free(c);
	EVP_PKEY_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoint_table),
		cmocka_unit_test(test_endpoint_extra_and_patterns),
		cmocka_unit_test(test_iam_actions),
		cmocka_unit_test(test_severity),
		cmocka_unit_test_setup_teardown(test_join_keys_and_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explanation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sources_and_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_egress_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_run_and_unknown_task, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_text_and_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_plans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_more_join_keys, setup_more, teardown),
		cmocka_unit_test_setup_teardown(test_run_log_nomatch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
