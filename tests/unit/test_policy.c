/*
 * test_policy.c - IAM policy documents (parse errors, evaluation with wildcards, NotAction,
 * NotResource, Deny, Conditions; STS's character count), and the evidence, diff and
 * suggestion over a real store: CloudTrail files ingested from disk (plain and gzip) whose
 * request parameters are read back and checked against the record digests, a file changed
 * after ingest, the reasons "never used" is not concluded (logs not covering the lifetime,
 * data events not logged, request parameters unknown, guessed mappings), the suggestion's
 * exact document, --generalise, the GCP role, and the stored latest suggestion.
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
#include <zlib.h>

#include "lib/actionmap.h"
#include "lib/ingest.h"
#include "lib/ledger.h"
#include "lib/policy.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

/* ---- IAM documents ---- */

static void
test_iam_parse_errors(void **state)
{
	static const struct { const char *doc, *msg; } bad[] = {
		{ "{", "is not JSON" },
		{ "[]", "is not a JSON object" },
		{ "{\"Version\":\"2012-10-17\"}", "has no Statement" },
		{ "{\"Version\":1,\"Statement\":[]}", "Version is not a string" },
		{ "{\"Statement\":[]}", "has 0 statements" },
		{ "{\"Statement\":[1]}", "statement 1 is not an object" },
		{ "{\"Statement\":{\"Action\":\"s3:*\"}}", "statement 1: Effect must be" },
		{ "{\"Statement\":{\"Effect\":\"allow\",\"Action\":\"s3:*\"}}", "Effect must be" },
		{ "{\"Statement\":{\"Effect\":\"Allow\"}}", "needs exactly one of Action and NotAction" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"NotAction\":\"c:d\"}}",
		  "needs exactly one of Action and NotAction" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[]}}", "Action is empty" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"a:b\",2]}}",
		  "Action holds something that is not a non-empty string" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"\"}}",
		  "Action holds something that is not a non-empty string" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":{}}}", "Action is neither a string" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"*\","
		  "\"NotResource\":\"x\"}}", "has both Resource and NotResource" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Condition\":[]}}",
		  "Condition is not an object" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Sid\":7}}",
		  "Sid is not a string" },
		{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a:b\"},{\"Effect\":\"Deny\"}]}",
		  "statement 2 needs exactly one" },
		{ "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\"},\"Statement\":[]}",
		  "is not JSON" },
	};
	struct ct_iam_policy *p = (struct ct_iam_policy *)1;
	size_t i;
	char *huge;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ct_iam_policy_parse("p.json", bad[i].doc, strlen(bad[i].doc), &p),
		    CT_ERR_FORMAT);
		assert_null(p);
		if (strstr(ct_errmsg(CT_ERR_FORMAT), bad[i].msg) == NULL ||
		    strstr(ct_errmsg(CT_ERR_FORMAT), "'p.json'") == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ct_errmsg(CT_ERR_FORMAT), bad[i].msg);
	}
	huge = calloc(1, CT_POLICY_DOC_MAX + 2);
	memset(huge, ' ', CT_POLICY_DOC_MAX + 1);
	assert_int_equal(ct_iam_policy_parse("big", huge, CT_POLICY_DOC_MAX + 1, &p), CT_ERR_LIMIT);
	free(huge);
}

static enum ct_iam_decision
eval(const char *doc, const char *action, const char *res, unsigned *fl)
{
	struct ct_iam_policy *p;
	enum ct_iam_decision d;

	if (ct_iam_policy_parse("t", doc, strlen(doc), &p) != 0)
		fail_msg("parse: %s", ct_errmsg(CT_ERR_FORMAT));
	d = ct_iam_policy_eval(p, action, res, fl);
	ct_iam_policy_free(p);
	return d;
}

static void
test_iam_eval(void **state)
{
	const char *d1 = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
	    "\"Action\":\"route53:*\",\"Resource\":\"*\"}}";
	const char *d2 = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:List?ucket\"],"
	    "\"Resource\":\"arn:aws:s3:::Data/*\"},{\"Effect\":\"Deny\",\"Action\":\"s3:GetObject\","
	    "\"Resource\":\"arn:aws:s3:::Data/secret/*\"}]}";
	const char *d3 = "{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\"},"
	    "{\"Effect\":\"Deny\",\"Action\":\"*\",\"NotResource\":\"arn:aws:s3:::ok*\"}]}";
	const char *d4 = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
	    "\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:MultiFactorAuthPresent\":\"true\"}}},"
	    "{\"Effect\":\"Deny\",\"Action\":\"ec2:*\",\"Resource\":\"*\",\"Condition\":"
	    "{\"StringNotEquals\":{\"aws:RequestedRegion\":\"eu-west-1\"}}},"
	    "{\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeInstances\",\"Resource\":\"*\"}]}";
	unsigned fl;

	(void)state;
	assert_int_equal(eval(d1, "route53:ListHostedZones", "*", &fl), CT_IAM_ALLOW);
	assert_int_equal(fl, 0);
	assert_int_equal(eval(d1, "ROUTE53:listhostedzones", NULL, NULL), CT_IAM_ALLOW);
	assert_int_equal(eval(d1, "route53domains:ListDomains", "*", NULL), CT_IAM_IMPLICIT_DENY);
	/* resources are case-sensitive; '?' is one character */
	assert_int_equal(eval(d2, "s3:GetObject", "arn:aws:s3:::Data/a", NULL), CT_IAM_ALLOW);
	assert_int_equal(eval(d2, "s3:GetObject", "arn:aws:s3:::data/a", NULL), CT_IAM_IMPLICIT_DENY);
	assert_int_equal(eval(d2, "s3:ListBucket", "arn:aws:s3:::Data/x", NULL), CT_IAM_ALLOW);
	assert_int_equal(eval(d2, "s3:ListBbucket", "arn:aws:s3:::Data/x", NULL),
	    CT_IAM_IMPLICIT_DENY);
	/* Deny wins */
	assert_int_equal(eval(d2, "s3:GetObject", "arn:aws:s3:::Data/secret/k", NULL),
	    CT_IAM_EXPLICIT_DENY);
	assert_int_equal(eval(d2, "s3:GetObjectAcl", "arn:aws:s3:::Data/secret/k", NULL),
	    CT_IAM_ALLOW);
	/* an unknown resource: an Allow may have covered it; a narrow Deny is not assumed */
	assert_int_equal(eval(d2, "s3:GetObject", "*", NULL), CT_IAM_ALLOW);
	/* NotAction, NotResource */
	assert_int_equal(eval(d3, "s3:GetObject", "arn:aws:s3:::ok-bucket", NULL), CT_IAM_ALLOW);
	assert_int_equal(eval(d3, "s3:GetObject", "arn:aws:s3:::other", NULL),
	    CT_IAM_EXPLICIT_DENY);
	assert_int_equal(eval(d3, "iam:CreateUser", "arn:aws:s3:::ok", NULL), CT_IAM_IMPLICIT_DENY);
	/* Conditions are not evaluated, and the answer says so */
	assert_int_equal(eval(d4, "sts:AssumeRole", "*", &fl), CT_IAM_ALLOW);
	assert_int_equal(fl, CT_IAM_CONDITIONAL);
	assert_int_equal(eval(d4, "ec2:DescribeInstances", "*", &fl), CT_IAM_ALLOW);
	assert_int_equal(fl, CT_IAM_MAY_DENY);
	assert_int_equal(eval(d4, "ec2:RunInstances", "*", &fl), CT_IAM_IMPLICIT_DENY);
	assert_int_equal(fl, CT_IAM_MAY_DENY);
}

static void
test_iam_chars(void **state)
{
	const char *pretty = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": "
	    "\"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}\n  ]\n}\n";
	const char *utf8 = "{\"Sid\":\"caf\xc3\xa9\"}";
	size_t n;

	(void)state;
	assert_int_equal(ct_iam_policy_chars(pretty, strlen(pretty), &n), 0);
	assert_int_equal(n, strlen("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"));
	assert_int_equal(ct_iam_policy_chars(utf8, strlen(utf8), &n), 0);
	assert_int_equal(n, 14);	/* é is one character */
	assert_int_equal(ct_iam_policy_chars("[1]", 3, &n), CT_ERR_FORMAT);
	assert_int_equal(ct_iam_policy_chars("{", 1, &n), CT_ERR_FORMAT);
}

/* ---- evidence over a store ---- */

struct fx {
	char dir[64];
	char db[128];
	struct ct_store *st;
	int64_t now;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ct-policy-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/ledger.db", f->dir);
	if (ct_store_open(&f->st, f->db, 0) != 0)
		return -1;
	f->now = ct_now_us();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	ct_store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* A task of `class` with an aws credential of `akid` and session policy `scope`. */
static void
make_task(struct fx *f, const char *id, const char *class, const char *akid, const char *scope)
{
	struct ct_task t;
	struct ct_cred c;
	char principal[80];

	assert_int_equal(ct_task_create(f->st, id, class, &t), 0);
	snprintf(principal, sizeof(principal), "ironclaw-task-%s-0000abcd", id);
	memset(&c, 0, sizeof(c));
	c.task_id = id;
	c.kind = "aws";
	c.principal = principal;
	c.session_name = principal;
	c.access_key_id = akid;
	c.issued_us = f->now - 3 * 3600 * 1000000LL;
	c.expires_us = f->now - 2 * 3600 * 1000000LL;
	c.scope = scope;
	assert_int_equal(ct_store_begin(f->st), 0);
	assert_int_equal(ct_cred_insert(f->st, &c), 0);
	assert_int_equal(ct_store_commit(f->st), 0);
	ct_task_release(&t);
}

/* One CloudTrail record of `akid` (params: a JSON object text or "null"). */
static char *
record(const char *akid, const char *source, const char *name, const char *params,
    const char *error, int64_t t)
{
	char ts[40], *out = NULL;
	static int n;

	ct_time_fmt(t, 0, ts, sizeof(ts));
	if (asprintf(&out, "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AssumedRole\","
	    "\"arn\":\"arn:aws:sts::123456789012:assumed-role/agent/s\",\"accountId\":"
	    "\"123456789012\",\"accessKeyId\":\"%s\"},\"eventTime\":\"%s\",\"eventSource\":\"%s\","
	    "\"eventName\":\"%s\",\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"192.0.2.1\","
	    "\"requestParameters\":%s,%s%s%s\"eventID\":\"e-%d\",\"recipientAccountId\":"
	    "\"123456789012\"}", akid, ts, source, name, params, error ? "\"errorCode\":\"" : "",
	    error ? error : "", error ? "\"," : "", ++n) < 0)
		fail();
	return out;
}

static void
write_trail(const char *path, char **recs, size_t n, int gz)
{
	size_t i, len = 0;
	char *all = NULL;
	FILE *fp = open_memstream(&all, &len);

	fprintf(fp, "{\"Records\":[\n");
	for (i = 0; i < n; i++) {
		fprintf(fp, "%s%s\n", recs[i], i + 1 < n ? "," : "");
		free(recs[i]);
	}
	fprintf(fp, "]}\n");
	fclose(fp);
	if (gz) {
		gzFile g = gzopen(path, "wb");

		assert_non_null(g);
		assert_int_equal(gzwrite(g, all, (unsigned)len), (int)len);
		assert_int_equal(gzclose(g), Z_OK);
	} else {
		assert_int_equal(ct_write_file_atomic(path, all, len, 0644), 0);
	}
	free(all);
}

static void
ingest(struct fx *f, const char *path)
{
	struct ct_ingest *in;
	struct ct_ingest_opts o;
	struct ct_ingest_stats s;

	memset(&o, 0, sizeof(o));
	o.all = 1;
	assert_int_equal(ct_ingest_new(&in, f->st, &o), 0);
	if (ct_ingest_file(in, path, &s) != 0)
		fail_msg("ingest %s: %s", path, ct_errmsg(CT_ERR_INTERNAL));
	ct_ingest_free(in);
}

static json_t *
diff_of(struct fx *f, const char *task, const struct ct_pol_opts *o)
{
	struct ct_pol_select sel;
	struct ct_pol_evidence *ev;
	json_t *d;

	memset(&sel, 0, sizeof(sel));
	sel.task = task;
	if (ct_pol_evidence_load(f->st, &sel, o, &ev) != 0)
		fail_msg("evidence: %s", ct_errmsg(CT_ERR_INTERNAL));
	assert_int_equal(ct_pol_diff(ev, o, &d), 0);
	ct_pol_evidence_free(ev);
	return d;
}

/* "[action resource count]..." of a diff list */
static char *
list(json_t *d, const char *name, const char *count)
{
	json_t *a = json_object_get(json_array_get(json_object_get(d, "groups"), 0), name), *e;
	char *out = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&out, &len);

	json_array_foreach(a, i, e) {
		fprintf(fp, "[%s %s", json_string_value(json_object_get(e, "action")),
		    json_string_value(json_object_get(e, "resource")));
		if (count != NULL)
			fprintf(fp, " %lld", (long long)json_integer_value(json_object_get(e, count)));
		fprintf(fp, "]");
	}
	fclose(fp);
	return out;
}

static void
expect(json_t *d, const char *name, const char *count, const char *want)
{
	char *got = list(d, name, count);

	if (strcmp(got, want) != 0)
		fail_msg("%s\n got:  %s\n want: %s", name, got, want);
	free(got);
}

#define SCOPE_S3 "{\"Version\":\"2012-10-17\",\"Statement\":[" \
	"{\"Sid\":\"Make\",\"Effect\":\"Allow\",\"Action\":[\"s3:CreateBucket\",\"s3:PutBucketAcl\"]," \
	"\"Resource\":\"arn:aws:s3:::lab-*\"}," \
	"{\"Sid\":\"Read\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}," \
	"{\"Sid\":\"Cfg\",\"Effect\":\"Allow\",\"Action\":\"config:Describe*\",\"Resource\":\"*\"}," \
	"{\"Sid\":\"Dns\",\"Effect\":\"Allow\",\"Action\":\"route53:GetHostedZone\",\"Resource\":\"*\"}]}"

static void
test_diff_read_back(void **state)
{
	struct fx *f = *state;
	struct ct_pol_opts o;
	char path[256], gzpath[256], *recs[4];
	json_t *d, *g;
	FILE *fp;

	make_task(f, "t1", "lab", "ASIAT1EXAMPLE0000001", SCOPE_S3);
	recs[0] = record("ASIAT1EXAMPLE0000001", "s3.amazonaws.com", "CreateBucket",
	    "{\"bucketName\":\"lab-1\",\"x-amz-acl\":[\"private\"]}", NULL, f->now - 2.5 * 3600e6);
	recs[1] = record("ASIAT1EXAMPLE0000001", "config.amazonaws.com", "PutDeliveryChannel",
	    "{}", NULL, f->now - 2.5 * 3600e6);
	recs[2] = record("ASIAT1EXAMPLE0000001", "s3.amazonaws.com", "PutBucketPolicy",
	    "{\"bucketName\":\"lab-1\"}", "AccessDenied", f->now - 2.5 * 3600e6);
	snprintf(path, sizeof(path), "%s/trail.json", f->dir);
	write_trail(path, recs, 3, 0);
	ingest(f, path);
	/* a later event of someone else, in a gzip file: the logs now cover the lifetime */
	recs[0] = record("AKIAOTHER00000000001", "sts.amazonaws.com", "GetCallerIdentity", "null",
	    NULL, f->now);
	snprintf(gzpath, sizeof(gzpath), "%s/later.json.gz", f->dir);
	write_trail(gzpath, recs, 1, 1);
	ingest(f, gzpath);

	memset(&o, 0, sizeof(o));
	o.delivery_us = -1;
	d = diff_of(f, "t1", &o);
	g = json_array_get(json_object_get(d, "groups"), 0);
	if (json_integer_value(json_object_get(json_object_get(g, "request_parameters"),
	    "read")) != 3)
		fail_msg("read back: %s", json_dumps(json_object_get(g, "request_parameters"), 0));
	assert_true(json_is_true(json_object_get(json_object_get(g, "logs"), "covers")));
	/* the ACL in the request read back makes PutBucketAcl used, on the bucket it named */
	expect(d, "used_and_granted", "calls", "[s3:CreateBucket arn:aws:s3:::lab-1 1]"
	    "[s3:PutBucketAcl arn:aws:s3:::lab-1 1]");
	expect(d, "used_not_granted", "denied", "[config:PutDeliveryChannel * 0]"
	    "[s3:PutBucketPolicy arn:aws:s3:::lab-1 1]");
	expect(d, "granted_never_used", NULL, "[route53:GetHostedZone *]");
	/* GetObject: a data event none of which is in the store; config: a guessed mapping */
	expect(d, "cannot_conclude", NULL, "[s3:GetObject *][config:Describe* *]");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(g,
	    "cannot_conclude"), 0), "reason")), "calls of it are data events and the logs hold no "
	    "data event of s3.amazonaws.com (is the trail logging them?)");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(g,
	    "cannot_conclude"), 1), "reason")), "1 permission of this service was mapped by a guess");
	json_decref(d);

	/* the user says data events are logged: GetObject is then unused */
	o.data_events_logged = 1;
	d = diff_of(f, "t1", &o);
	expect(d, "granted_never_used", NULL, "[s3:GetObject *][route53:GetHostedZone *]");
	json_decref(d);
	o.data_events_logged = 0;

	/* logs complete only until before the expiry: nothing is claimed unused */
	o.logs_complete_until_us = f->now - 2.5 * 3600e6;
	d = diff_of(f, "t1", &o);
	expect(d, "granted_never_used", NULL, "");
	expect(d, "cannot_conclude", NULL, "[s3:GetObject *][config:Describe* *]"
	    "[route53:GetHostedZone *]");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(d, "groups"), 0), "cannot_conclude"), 2), "reason")),
	    "the logs are complete only until "));
	json_decref(d);
	o.logs_complete_until_us = 0;

	/* the file changed after ingest: the record changed no longer matches its digest */
	fp = fopen(path, "r+");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 40, SEEK_SET), 0);
	fputc('X', fp);
	fclose(fp);
	d = diff_of(f, "t1", &o);
	g = json_array_get(json_object_get(d, "groups"), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(g,
	    "request_parameters"), "missing")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(g,
	    "request_parameters"), "read")), 2);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(g,
	    "request_parameters"), "missing_reason")), "does not match its digest"));
	/* the bucket now comes from nowhere, and PutBucketAcl is only "may also need" */
	expect(d, "used_and_granted", "calls", "[s3:CreateBucket * 1]");
	expect(d, "may_also_need", "calls", "[s3:PutBucketAcl * 1]"
	    "[s3:PutBucketObjectLockConfiguration * 1][s3:PutBucketOwnershipControls * 1]"
	    "[s3:PutBucketVersioning * 1]");
	expect(d, "cannot_conclude", NULL, "[s3:PutBucketAcl arn:aws:s3:::lab-*]"
	    "[s3:GetObject *][config:Describe* *]");
	json_decref(d);

	/* the file gone */
	unlink(path);
	d = diff_of(f, "t1", &o);
	g = json_array_get(json_object_get(d, "groups"), 0);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(g,
	    "request_parameters"), "missing_reason")), "trail.json"));
	json_decref(d);
}

static void
test_suggest(void **state)
{
	struct fx *f = *state;
	struct ct_pol_opts o;
	struct ct_pol_select sel;
	struct ct_pol_evidence *ev;
	struct ct_pol_suggestion *s;
	char path[256], *recs[8], *doc;
	int64_t id;

	make_task(f, "a1", "dns", "ASIAA1EXAMPLE0000001", NULL);
	make_task(f, "a2", "dns", "ASIAA2EXAMPLE0000001", NULL);
	recs[0] = record("ASIAA1EXAMPLE0000001", "route53.amazonaws.com", "ListResourceRecordSets",
	    "{\"hostedZoneId\":\"Z1\"}", NULL, f->now);
	recs[1] = record("ASIAA2EXAMPLE0000001", "route53.amazonaws.com", "ListResourceRecordSets",
	    "{\"hostedZoneId\":\"Z2\"}", NULL, f->now);
	recs[2] = record("ASIAA2EXAMPLE0000001", "route53.amazonaws.com", "GetHostedZone",
	    "{\"id\":\"Z2\"}", NULL, f->now);
	recs[3] = record("ASIAA2EXAMPLE0000001", "ec2.amazonaws.com", "RunInstances",
	    "{\"iamInstanceProfile\":{\"arn\":\"arn:aws:iam::123456789012:instance-profile/p\"}}",
	    NULL, f->now);
	recs[4] = record("ASIAA2EXAMPLE0000001", "s3.amazonaws.com", "ListBuckets", "null",
	    "AccessDenied", f->now);
	snprintf(path, sizeof(path), "%s/dns.json", f->dir);
	write_trail(path, recs, 5, 0);
	ingest(f, path);

	memset(&o, 0, sizeof(o));
	o.delivery_us = -1;
	memset(&sel, 0, sizeof(sel));
	sel.class = "dns";
	assert_int_equal(ct_pol_evidence_load(f->st, &sel, &o, &ev), 0);
	assert_int_equal(ev->ntasks, 2);
	assert_string_equal(ev->tasks[0], "a2");	/* newest first */
	assert_int_equal(ct_pol_suggest(ev, CT_POL_AWS, 0, &s), 0);
	/* the refused S3 call is left out; the role passed to EC2 keeps its condition */
	assert_string_equal(s->document, "{\"Version\":\"2012-10-17\",\"Statement\":["
	    "{\"Sid\":\"Ec2\",\"Effect\":\"Allow\",\"Action\":\"ec2:RunInstances\",\"Resource\":\"*\"},"
	    "{\"Sid\":\"Iam\",\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"*\","
	    "\"Condition\":{\"StringEquals\":{\"iam:PassedToService\":\"ec2.amazonaws.com\"}}},"
	    "{\"Sid\":\"Route53\",\"Effect\":\"Allow\",\"Action\":\"route53:GetHostedZone\","
	    "\"Resource\":\"arn:aws:route53:::hostedzone/Z2\"},"
	    "{\"Sid\":\"Route532\",\"Effect\":\"Allow\",\"Action\":\"route53:ListResourceRecordSets\","
	    "\"Resource\":[\"arn:aws:route53:::hostedzone/Z1\",\"arn:aws:route53:::hostedzone/Z2\"]}]}");
	assert_int_equal(s->chars, strlen(s->document));
	assert_int_equal(s->ntasks, 2);
	assert_int_equal(s->nevents, 5);
	assert_int_equal(s->ncalls, 5);		/* RunInstances counts for two permissions */
	assert_int_equal(s->npermissions, 4);
	assert_int_equal(json_array_size(s->guessed), 0);
	assert_int_equal(ct_pol_suggestion_store(f->st, "dns", s, ev, &id), 0);
	assert_int_equal(id, 1);
	ct_pol_suggestion_free(s);

	/* --generalise: the two zones become one wildcard, the two Route 53 verbs stay apart */
	assert_int_equal(ct_pol_suggest(ev, CT_POL_AWS, CT_POL_GENERALISE, &s), 0);
	assert_non_null(strstr(s->document, "{\"Sid\":\"Route532\",\"Effect\":\"Allow\",\"Action\":"
	    "\"route53:ListResourceRecordSets\",\"Resource\":\"arn:aws:route53:::hostedzone/*\"}"));
	assert_string_equal(json_string_value(json_array_get(s->notes, 0)), "generalised: "
	    "route53:ListResourceRecordSets on 2 resources became wildcards");
	assert_int_equal(ct_pol_suggestion_store(f->st, "dns", s, ev, &id), 0);
	assert_int_equal(ct_policy_latest_suggestion(f->st, "dns", &doc), 0);
	assert_string_equal(doc, s->document);
	free(doc);
	ct_pol_suggestion_free(s);

	/* no GCP call in this class */
	assert_int_equal(ct_pol_suggest(ev, CT_POL_GCP, 0, &s), CT_ERR_NOTFOUND);
	assert_string_equal(ct_errmsg(CT_ERR_NOTFOUND), "no successful GCP call of class 'dns' in "
	    "the logs: nothing to base a policy on");
	ct_pol_evidence_free(ev);

	assert_int_equal(ct_policy_latest_suggestion(f->st, "other", &doc), CT_ERR_NOTFOUND);
	assert_null(doc);
	assert_string_equal(ct_errmsg(CT_ERR_NOTFOUND), "no suggested policy for class 'other' "
	    "(run 'credtrail policy suggest --class other')");
	assert_int_equal(ct_policy_latest_suggestion(f->st, "a b", &doc), CT_ERR_INVALID);
	sel.class = "none";
	assert_int_equal(ct_pol_evidence_load(f->st, &sel, &o, &ev), CT_ERR_NOTFOUND);
	sel.class = NULL;
	assert_int_equal(ct_pol_evidence_load(f->st, &sel, &o, &ev), CT_ERR_INVALID);
	sel.task = "nope";
	assert_int_equal(ct_pol_evidence_load(f->st, &sel, &o, &ev), CT_ERR_NOTFOUND);
}

static void
test_suggest_gcp(void **state)
{
	struct fx *f = *state;
	struct ct_pol_opts o;
	struct ct_pol_select sel;
	struct ct_pol_evidence *ev;
	struct ct_pol_suggestion *s;
	struct ct_task t;
	struct ct_cred c;
	struct ct_ingest *in;
	struct ct_ingest_opts io;
	struct ct_ingest_stats st;
	char path[256], *line = NULL, *all = NULL, ts[40];
	size_t len = 0;
	FILE *fp;
	int i;

	assert_int_equal(ct_task_create(f->st, "g1", "gcs", &t), 0);
	memset(&c, 0, sizeof(c));
	c.task_id = "g1";
	c.kind = "jwt";
	c.principal = "ironclaw-task-g1-0000abcd";
	c.subject = "ironclaw-task-g1-0000abcd";
	c.issued_us = f->now - 3600e6;
	c.expires_us = f->now - 3000e6;
	assert_int_equal(ct_store_begin(f->st), 0);
	assert_int_equal(ct_cred_insert(f->st, &c), 0);
	assert_int_equal(ct_store_commit(f->st), 0);
	ct_task_release(&t);
	ct_time_fmt(f->now, 0, ts, sizeof(ts));
	fp = open_memstream(&all, &len);
	for (i = 0; i < 3; i++)
		fprintf(fp, "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit."
		    "AuditLog\",\"authenticationInfo\":{\"principalSubject\":\"ironclaw-task-g1-0000abcd\"},"
		    "\"serviceName\":\"%s\",\"methodName\":\"%s\",\"resourceName\":\"%s\",\"status\":{}},"
		    "\"insertId\":\"i%d\",\"logName\":\"projects/p/logs/cloudaudit.googleapis.com%%2Fdata_access\","
		    "\"timestamp\":\"%s\"}\n", i == 2 ? "dns.googleapis.com" : "storage.googleapis.com",
		    i == 0 ? "storage.objects.get" : i == 1 ? "storage.objects.list" : "dns.managedZones.patch",
		    i == 2 ? "managedZones/z" : "projects/_/buckets/b/objects/o", i, ts);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/gcp.jsonl", f->dir);
	assert_int_equal(ct_write_file_atomic(path, all, len, 0644), 0);
	free(all);
	memset(&io, 0, sizeof(io));
	assert_int_equal(ct_ingest_new(&in, f->st, &io), 0);
	assert_int_equal(ct_ingest_file(in, path, &st), 0);
	ct_ingest_free(in);

	memset(&o, 0, sizeof(o));
	o.delivery_us = -1;
	memset(&sel, 0, sizeof(sel));
	sel.class = "gcs";
	assert_int_equal(ct_pol_evidence_load(f->st, &sel, &o, &ev), 0);
	assert_int_equal(ct_pol_suggest(ev, CT_POL_GCP, 0, &s), 0);
	assert_string_equal(s->document, "title: credtrail gcs\n"
	    "description: least privilege observed by credtrail over 1 task (3 calls)\n"
	    "stage: GA\nincludedPermissions:\n- dns.managedZones.update\n- storage.objects.get\n"
	    "- storage.objects.list\n");
	ct_pol_suggestion_free(s);
	assert_int_equal(ct_pol_suggest(ev, CT_POL_AWS, 0, &s), CT_ERR_NOTFOUND);
	ct_pol_evidence_free(ev);
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iam_parse_errors),
		cmocka_unit_test(test_iam_eval),
		cmocka_unit_test(test_iam_chars),
		cmocka_unit_test_setup_teardown(test_diff_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suggest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suggest_gcp, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
