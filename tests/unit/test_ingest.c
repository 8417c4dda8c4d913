/*
 * test_ingest.c - the log parsers on real sample records (tests/fixtures/ingest, see its
 * PROVENANCE.md): exact normalised fields for chosen records of every format and shape, the
 * timestamp forms, and the ingest loop against a real store: counts, idempotence, the
 * credential filter, role chains, and a file that fails midway adding nothing.
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

#include "lib/db.h"
#include "lib/ingest.h"
#include "lib/jscan.h"
#include "lib/ledger.h"
#include "lib/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

static char *
fixture(const char *rel, size_t *n)
{
	const char *top = getenv("CT_TOP");
	char path[1024];
	uint8_t *p;
	size_t len;

	snprintf(path, sizeof(path), "%s/tests/fixtures/ingest/%s", top != NULL ? top : ".", rel);
	if (ct_read_file(path, 1 << 24, &p, &len) != 0)
		fail_msg("cannot read fixture %s", path);
	if (n != NULL)
		*n = len;
	return (char *)p;
}

/* Line `no` (1-based) of a fixture, as a malloc'd string. */
static char *
fixture_line(const char *rel, int no)
{
	char *all = fixture(rel, NULL), *p = all, *e, *out;
	int i;

	for (i = 1; i < no; i++) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	e = strchr(p, '\n');
	out = strndup(p, e != NULL ? (size_t)(e - p) : strlen(p));
	free(all);
	return out;
}

static int64_t
ts(const char *s)
{
	int64_t us;

	assert_int_equal(ct_ingest_time_str(s, strlen(s), &us), 0);
	return us;
}

#define assert_str(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (b_ == NULL) assert_null(a_);				\
	else { assert_non_null(a_); assert_string_equal(a_, b_); }	\
} while (0)

/* CloudTrail through the same path the ingest takes: ct_jdoc. */
static int
ct_parse(const char *rec, struct ct_jdoc *d, struct ct_pevent *ev)
{
	ct_jdoc_init(d);
	ct_pevent_init(ev);
	assert_int_equal(ct_jdoc_parse(d, (const uint8_t *)rec, strlen(rec)), 0);
	return ct_ingest_cloudtrail_parse(d, 0, ev);
}

static void
test_time_forms(void **state)
{
	int64_t us;

	(void)state;
	assert_int_equal(ts("2020-09-14T00:48:30Z"), 1600044510000000LL);
	assert_int_equal(ts("2024-12-03T17:58:44.882119699Z"), 1733248724882119LL);
	assert_int_equal(ts("2023-03-08 18:52:52.114"), 1678301572114000LL);	/* no zone: UTC */
	assert_int_equal(ts("2022-02-08 09:23:37+11:00"), 1644272617000000LL);
	assert_int_equal(ts("Sep 14, 2020, 7:10:27 AM"), 1600067427000000LL);
	assert_int_equal(ts("Jul 18, 2023, 12:07:39 PM"), 1689682059000000LL);
	assert_int_equal(ts("Jul 18, 2023, 12:07:39 AM"), 1689638859000000LL);
	assert_int_equal(ts("1600044510"), 1600044510000000LL);
	assert_int_equal(ts("1600044510123"), 1600044510123000LL);
	assert_int_equal(ct_ingest_time_str("yesterday", 9, &us), CT_ERR_FORMAT);
	assert_int_equal(ct_ingest_time_str("Sep 14, 2020, 13:10:27 PM", 25, &us), CT_ERR_FORMAT);
	assert_int_equal(ct_ingest_time_str("2020-13-01T00:00:00Z", 20, &us), CT_ERR_FORMAT);
	/* 16 digits of milliseconds do not fit in µs (found by fuzz_ingest_cloudtrail) */
	assert_int_equal(ct_ingest_time_str("9999999999999999", 16, &us), CT_ERR_FORMAT);
	assert_int_equal(ts("9223372036854775"), 9223372036854775000LL);
	/* a length, not a NUL, ends the text */
	assert_int_equal(ct_ingest_time_str("2020-09-14T00:48:30Zjunk", 20, &us), 0);
}

static void
test_cloudtrail_assumerole_otrf(void **state)
{
	char *rec = fixture_line("cloudtrail/otrf_ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl", 8);
	struct ct_jdoc d;
	struct ct_pevent ev;

	(void)state;
	/* line 8 is an AssumeRole by EC2 for the instance profile: the key later used for S3 */
	if (strstr(rec, "ASIA5FLZVX4OPVKKVBMX") == NULL) {
		free(rec);
		rec = NULL;
	}
	if (rec == NULL) {
		int i;

		for (i = 1; i <= 103 && rec == NULL; i++) {
			rec = fixture_line("cloudtrail/otrf_ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl", i);
			if (strstr(rec, "\"AssumeRole\"") == NULL || strstr(rec, "OPVKKVBMX") == NULL) {
				free(rec);
				rec = NULL;
			}
		}
	}
	assert_non_null(rec);
	assert_int_equal(ct_parse(rec, &d, &ev), 0);
	assert_str(ev.provider, "aws");
	assert_str(ev.event_id, "a3a3dded-7c27-42c0-a42d-891cdd436278");
	assert_int_equal(ev.time_us, 1600044510000000LL);	/* @timestamp: no eventTime */
	assert_str(ev.service, "sts.amazonaws.com");
	assert_str(ev.action, "AssumeRole");
	assert_str(ev.principal, "ec2.amazonaws.com");	/* AWSService: invokedBy */
	assert_null(ev.access_key_id);
	assert_null(ev.source_ip);
	assert_str(ev.source_host, "ec2.amazonaws.com");
	assert_str(ev.outcome, "success");
	assert_int_equal(ev.read_only, -1);
	assert_str(ev.account, "123456789123");
	assert_str(ev.issued_access_key_id, "ASIA5FLZVX4OPVKKVBMX");
	assert_str(ev.issued_session_name, "i-0317f6c6b66ae9c40");
	assert_null(ev.issued_source_identity);
	assert_int_equal(ev.has_issued_expires, 1);
	assert_int_equal(ev.issued_expires_us, ts("2020-09-14T07:10:27Z"));
	assert_str(ev.resources, "[{\"ARN\":\"arn:aws:iam::123456789123:role/MordorNginxStack-"
	    "BankingWAFRole-9S3E0UAE1MM0\",\"accountId\":\"123456789123\",\"type\":\"AWS::IAM::Role\"}]");
	assert_str(ev.delegation, "{\"invokedBy\":\"ec2.amazonaws.com\"}");
	ct_pevent_release(&ev);
	ct_jdoc_release(&d);
	free(rec);
}

static void
test_cloudtrail_usage_and_shapes(void **state)
{
	char *rec;
	struct ct_jdoc d;
	struct ct_pevent ev;

	(void)state;
	/* OTRF line 1: an IAM user's console call */
	rec = fixture_line("cloudtrail/otrf_ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl", 1);
	assert_int_equal(ct_parse(rec, &d, &ev), 0);
	assert_str(ev.event_id, "fd4f1042-c7f6-4107-a6ee-d841d92596e7");
	assert_str(ev.principal, "arn:aws:iam::123456789123:user/pedro");
	assert_str(ev.access_key_id, "ASIA5FLZVX4OI4ZDQJOL");
	assert_null(ev.session_name);
	assert_str(ev.source_ip, "1.2.3.4");
	assert_str(ev.user_agent, "console.ec2.amazonaws.com");
	assert_str(ev.region, "us-east-1");
	assert_null(ev.issued_access_key_id);
	assert_null(ev.delegation);
	ct_pevent_release(&ev);
	ct_jdoc_release(&d);
	free(rec);

	/* lookup-events: the event is a JSON string; its EventTime has a +11:00 zone */
	rec = fixture_line("cloudtrail/plaso_aws_cloudtrail_lookupevents.jsonl", 2);
	assert_int_equal(ct_parse(rec, &d, &ev), 0);
	assert_str(ev.event_id, "1f2d6879-969f-4c15-b550-55015423e0c6");
	assert_str(ev.action, "TerminateInstances");
	assert_int_equal(ev.time_us, ts("2022-02-07T22:23:18Z"));
	assert_int_equal(ev.read_only, 0);
	assert_str(ev.access_key_id, "0123456789ABCDEFGHIJ");
	assert_str(ev.principal, "arn:aws:iam::012345678901:user/fakeusername");
	ct_pevent_release(&ev);
	ct_jdoc_release(&d);
	free(rec);

	/* Athena export: lower-case names, userIdentity and responseElements as strings */
	rec = fixture_line("cloudtrail/derived_athena_lowercase.jsonl", 2);
	assert_int_equal(ct_parse(rec, &d, &ev), 0);
	assert_str(ev.action, "AssumeRole");
	assert_str(ev.principal, "ec2.amazonaws.com");
	assert_str(ev.issued_access_key_id, "ASIA5FLZVX4OLY6BJN4L");
	assert_str(ev.issued_session_name, "i-044b1baf4c96e1b62");
	ct_pevent_release(&ev);
	ct_jdoc_release(&d);
	free(rec);

	/* AWS docs: AssumeRole with sourceIdentity; expiration in "Jul 18, 2023, 4:07:39 PM" */
	rec = fixture_line("cloudtrail/awsdocs_iam_user_guide_examples.jsonl", 2);
	assert_int_equal(ct_parse(rec, &d, &ev), 0);
	assert_str(ev.access_key_id, "AKIAQRSTUVWXYZEXAMPLE");
	assert_str(ev.issued_access_key_id, "AKIAQRSTUVWXYZEXAMPLE");
	assert_str(ev.issued_session_name, "JohnDoe-EC2-dev");
	assert_str(ev.issued_source_identity, "JohnDoe");
	assert_str(ev.issued_principal, "arn:aws:sts::111122223333:assumed-role/EC2-dev/JohnDoe-EC2-dev");
	assert_int_equal(ev.issued_expires_us, ts("2023-07-18T16:07:39Z"));
	assert_str(ev.source_ip, "192.0.2.101");
	assert_str(ev.account, "111122223333");
	ct_pevent_release(&ev);
	ct_jdoc_release(&d);
	free(rec);

	/* a task session: session name from the ARN, source identity from the context */
	rec = fixture_line("cloudtrail/derived_task_chain.jsonl", 2);
	assert_int_equal(ct_parse(rec, &d, &ev), 0);
	assert_str(ev.session_name, "ironclaw-task-7b3f9a-1c2d3e4f");
	assert_str(ev.source_identity, "ironclaw-task-7b3f9a");
	assert_str(ev.access_key_id, "ASIAEXAMPLETASK00001");
	assert_str(ev.delegation, "{\"sessionIssuer\":\"arn:aws:iam::111122223333:role/EC2-dev\"}");
	ct_pevent_release(&ev);
	ct_jdoc_release(&d);
	free(rec);
}

static void
test_cloudtrail_stratus_pretty(void **state)
{
	char *all = fixture("cloudtrail/stratus/aws.persistence.sts-federation-token.json", NULL);
	struct ct_jdoc d;
	struct ct_pevent ev;
	int el;

	(void)state;
	/* a pretty-printed top-level array; its first element is GetFederationToken */
	ct_jdoc_init(&d);
	ct_pevent_init(&ev);
	assert_int_equal(ct_jdoc_parse(&d, (const uint8_t *)all, strlen(all)), 0);
	el = 1;
	assert_int_equal(ct_jdoc_type(&d, el), CT_JOBJ);
	assert_int_equal(ct_ingest_cloudtrail_parse(&d, el, &ev), 0);
	assert_str(ev.action, "GetFederationToken");
	assert_str(ev.issued_access_key_id, "ASIASTJKC5GCM7ZE6LUP");
	assert_str(ev.issued_session_name, "stratus_red_team");
	assert_str(ev.issued_principal, "arn:aws:sts::742491224508:federated-user/stratus_red_team");
	assert_int_equal(ev.issued_expires_us, ts("2024-11-30T20:43:17Z"));
	assert_int_equal(ev.read_only, 0);	/* a JSON bool here */
	assert_null(ev.source_ip);		/* "255.090.254.5" is no address */
	assert_str(ev.source_host, "255.090.254.5");
	assert_str(ev.access_key_id, "AKIA6V1GNZTT65XQH36M");
	ct_pevent_release(&ev);
	ct_jdoc_release(&d);
	free(all);
}

static void
test_gcp(void **state)
{
	char *rec;
	json_t *j;
	struct ct_pevent ev;

	(void)state;
	/* a service-account delegation chain and principalSubject */
	rec = fixture_line("gcp/plaso_gcp_logging.jsonl", 11);
	if (strstr(rec, "serviceAccountDelegationInfo") == NULL) {
		free(rec);
		rec = fixture_line("gcp/plaso_gcp_logging.jsonl", 10);
	}
	assert_non_null(strstr(rec, "dvwa-service-account"));
	j = json_loads(rec, 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_gcp_parse(j, &ev), 0);
	assert_str(ev.provider, "gcp");
	assert_str(ev.principal, "dvwa-service-account@ketchup.iam.gserviceaccount.com");
	assert_str(ev.subject, "serviceAccount:dvwa-service-account@ketchup.iam.gserviceaccount.com");
	assert_str(ev.delegation, "{\"serviceAccountDelegationInfo\":[{\"firstPartyPrincipal\":"
	    "{\"principalEmail\":\"service-1234567890@compute-system.iam.gserviceaccount.com\"}}]}");
	assert_int_equal(ev.time_us, ts("2024-12-03T17:58:44.882119Z"));
	assert_str(ev.event_id, "1awjxggeaxqgz");
	assert_non_null(ev.dedupe_key);
	assert_non_null(strstr(ev.dedupe_key, "|2024-12-03T17:58:44.882119699Z|1awjxggeaxqgz"));
	ct_pevent_release(&ev);
	json_decref(j);
	free(rec);

	/* Panther: callerIP spelling, status code 7, timestamp without zone */
	rec = fixture_line("gcp/panther_gcp_audit_rule_tests.head60.jsonl", 2);
	j = json_loads(rec, 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_gcp_parse(j, &ev), 0);
	assert_str(ev.principal, "user1@serviceaccount.gcp.com");
	assert_str(ev.outcome, "failure");
	assert_str(ev.error_code, "PERMISSION_DENIED");
	assert_str(ev.source_ip, "1.2.3.4");
	ct_pevent_release(&ev);
	json_decref(j);
	free(rec);

	/* a textPayload entry is no audit event */
	j = json_loads("{\"insertId\":\"x\",\"logName\":\"l\",\"textPayload\":\"hi\","
	    "\"timestamp\":\"2024-01-01T00:00:00Z\"}", 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_gcp_parse(j, &ev), CT_INGEST_SKIP);
	ct_pevent_release(&ev);
	json_decref(j);
}

static void
test_vault(void **state)
{
	char *rec;
	json_t *j;
	struct ct_pevent ev;

	(void)state;
	/* the Kubernetes-auth token reading a KV secret: a response with metadata */
	rec = fixture_line("vault/vault_audit_lines_from_public_docs.jsonl", 1);
	j = json_loads(rec, 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_vault_parse(j, &ev), 0);
	assert_str(ev.provider, "vault");
	assert_str(ev.event_id, "1db4fd9e-86d5-b491-5f53-4a0fb693439e");
	assert_int_equal(ev.vault_response, 1);
	assert_str(ev.principal, "gke-useast1-retail-app1");
	assert_str(ev.subject, "6021bd59-6f00-e459-3c69-21cc25fb871c");
	assert_str(ev.token_accessor,
	    "hmac-sha256:0363a79b20d9a08c7faf30ca6d07b9821ed08a875866b6b74cd54802a1076c5d");
	assert_str(ev.action, "read kv/retail/app1");
	assert_str(ev.service, "kv");
	assert_str(ev.source_ip, "10.84.3.21");
	assert_str(ev.outcome, "success");
	assert_int_equal(ev.read_only, 1);
	assert_non_null(strstr(ev.vault_metadata, "\"service_account_name\":\"app1\""));
	ct_pevent_release(&ev);
	json_decref(j);
	free(rec);

	/* the pretty-printed root-token request */
	rec = fixture("vault/datadog_integrations-core_vault_audit_multiline_sample.json", NULL);
	j = json_loads(rec, 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_vault_parse(j, &ev), 0);
	assert_int_equal(ev.vault_response, 0);
	assert_null(ev.outcome);
	assert_str(ev.action, "update sys/policies/acl/admin");
	assert_str(ev.principal, "root");
	assert_str(ev.source_ip, "127.0.0.1");
	ct_pevent_release(&ev);
	json_decref(j);
	free(rec);
}

static void
test_k8s_and_proxy(void **state)
{
	char *rec;
	json_t *j;
	struct ct_pevent ev;

	(void)state;
	rec = fixture_line("k8s/derived_task_impersonation.jsonl", 1);
	j = json_loads(rec, 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_k8s_parse(j, &ev), 0);
	assert_str(ev.provider, "k8s");
	assert_str(ev.principal, "system:serviceaccount:agents:ironclaw-task-7b3f9a");
	assert_str(ev.jti, "3c1e7d2a-5b4f-4e8a-9d6c-0f1e2d3c4b5a");
	assert_str(ev.delegation, "{\"impersonatedUser\":{\"username\":\"deployer\",\"groups\":"
	    "[\"system:authenticated\"]}}");
	assert_str(ev.action, "get");
	assert_str(ev.service, "secrets");
	assert_str(ev.account, "agents");
	assert_str(ev.outcome, "failure");
	assert_str(ev.error_code, "Forbidden");
	assert_int_equal(ev.read_only, 1);
	assert_str(ev.source_ip, "10.77.0.5");
	assert_str(ev.dedupe_key, "9f0c6a47-1d2e-4b8a-9c3f-5e6d7a8b9c0d/ResponseComplete");
	ct_pevent_release(&ev);
	json_decref(j);
	free(rec);

	rec = fixture_line("ironproxy/derived_proxy_audit.jsonl", 2);
	j = json_loads(rec, 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_ironproxy_parse(j, &ev), 0);
	assert_str(ev.service, "pastebin.com");
	assert_str(ev.action, "POST /api/api_post.php");
	assert_str(ev.outcome, "failure");
	assert_str(ev.error_code, "allowlist");
	assert_str(ev.source_ip, "10.77.0.5");
	assert_int_equal(ev.read_only, 0);
	assert_int_equal(ev.always_keep, 1);
	ct_pevent_release(&ev);
	json_decref(j);
	free(rec);

	rec = fixture_line("ironproxy/derived_proxy_audit.jsonl", 3);
	j = json_loads(rec, 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_ironproxy_parse(j, &ev), 0);
	assert_str(ev.source_ip, "fd00::5");
	assert_str(ev.error_code, "500");
	ct_pevent_release(&ev);
	json_decref(j);
	free(rec);
}

static void
test_sshd_forms(void **state)
{
	static const struct {
		int line;
		const char *when;	/* NULL: the line has no time */
		const char *host;
	} want[] = {
		{ 1, "2026-11-25T21:30:18Z", "gw1" },
		{ 2, "2026-11-25T21:30:19Z", NULL },
		{ 3, "2026-11-05T21:30:20Z", "gw1" },
		{ 4, "2026-11-25T21:30:21Z", "gw1" },
		{ 5, "2025-11-25T21:30:22.123456Z", "gw1" },
		{ 6, "2025-11-25T21:30:23Z", "gw1" },
		{ 7, "2025-11-25T21:30:24.5Z", "gw1" },
		{ 8, NULL, NULL },
		{ 9, NULL, NULL },
	};
	int64_t ref = ts("2026-11-26T00:00:00Z");
	struct ct_pevent ev;
	size_t i;
	char *l;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		l = fixture_line("sshd/derived_prefix_forms.log", want[i].line);
		ct_pevent_init(&ev);
		if (ct_ingest_sshd_parse(l, strlen(l), &ev, ref) != 0)
			fail_msg("line %d: %s", want[i].line, ct_errmsg(CT_ERR_FORMAT));
		assert_str(ev.provider, "sshd");
		assert_str(ev.principal, "jane");
		assert_str(ev.cert_key_id, "Jane Jolie");
		assert_str(ev.cert_serial, "1");
		assert_str(ev.ca_fingerprint, "SHA256:A5ZBb5b/GbAv03EAb8fmDzv4p+q0g8Ulxrt8QZpbamM");
		assert_str(ev.key_fingerprint, "SHA256:2WH263LauVfk5XvxHvrdvNt0y9OgaHBLSvcQ+R6u/KE");
		assert_str(ev.source_ip, "192.0.2.42");
		assert_str(ev.action, "publickey");
		assert_str(ev.outcome, "success");
		assert_str(ev.account, want[i].host);
		assert_int_equal(ev.has_time, want[i].when != NULL);
		if (want[i].when != NULL)
			assert_int_equal(ev.time_us, ts(want[i].when));
		ct_pevent_release(&ev);
		free(l);
	}
	/* a December line read in January belongs to the year before */
	ct_pevent_init(&ev);
	l = fixture_line("sshd/sshd_cert_login_lines_from_public_docs.log", 7);
	assert_int_equal(ct_ingest_sshd_parse(l, strlen(l), &ev, ts("2024-01-03T00:00:00Z")), 0);
	assert_int_equal(ev.time_us, ts("2023-12-22T21:04:42Z"));
	assert_str(ev.cert_key_id, "type=session;requester=ferran;");
	assert_str(ev.cert_serial, "14477456656239810445");
	assert_str(ev.source_ip, "2a02:6b8:bf00:2005:526b:4bff:fedb:7a41");
	ct_pevent_release(&ev);
	free(l);
	/* another program's line, and sshd lines that are not about authentication */
	for (i = 10; i <= 11; i++) {
		l = fixture_line("sshd/derived_prefix_forms.log", (int)i);
		ct_pevent_init(&ev);
		assert_int_equal(ct_ingest_sshd_parse(l, strlen(l), &ev, ref), CT_INGEST_SKIP);
		ct_pevent_release(&ev);
		free(l);
	}
	/* a refused certificate */
	l = fixture_line("sshd/sshd_cert_login_lines_from_public_docs.log", 18);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_sshd_parse(l, strlen(l), &ev, ref), 0);
	assert_str(ev.outcome, "failure");
	assert_str(ev.error_code, "Certificate invalid: expired");
	ct_pevent_release(&ev);
	free(l);
}

static void
test_sshd_journal(void **state)
{
	char *rec;
	json_t *j;
	struct ct_pevent ev;

	(void)state;
	rec = fixture_line("sshd/derived_journal.json", 2);
	j = json_loads(rec, 0, NULL);
	ct_pevent_init(&ev);
	assert_int_equal(ct_ingest_journal_parse(j, &ev, 0), 0);
	assert_str(ev.principal, "r\xe9mi");	/* bytes as logged */
	assert_str(ev.outcome, "failure");
	assert_str(ev.error_code, "invalid user");
	assert_str(ev.event_id, "s=6f2a;i=1a2c;b=9c;m=2;t=5e2;x=7e");
	assert_int_equal(ev.time_us, 1764106219000000LL);
	assert_str(ev.account, "gw1");
	ct_pevent_release(&ev);
	json_decref(j);
	free(rec);
}

/* ---- the ingest loop against a store ---- */

struct db {
	char dir[64];
	char path[128];
	struct ct_store *st;
};

static int
db_setup(void **state)
{
	struct db *d = calloc(1, sizeof(*d));

	snprintf(d->dir, sizeof(d->dir), "/tmp/ct-ingest-unit.XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/ledger.db", d->dir);
	assert_int_equal(ct_store_open(&d->st, d->path, 0), 0);
	*state = d;
	return 0;
}

static int
db_teardown(void **state)
{
	struct db *d = *state;
	char cmd[256];

	ct_store_close(d->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static int64_t
count(struct db *d, const char *sql)
{
	struct ct_stmt *s;
	int64_t v = -1;

	assert_int_equal(ct_db_prepare(d->st, sql, &s), 0);
	if (ct_stmt_step(s) == CT_DB_ROW)
		v = ct_stmt_col_int64(s, 0);
	ct_stmt_finalize(s);
	return v;
}

static void
ingest_fixture(struct db *d, const char *rel, int all, struct ct_ingest_stats *st, int want_r)
{
	struct ct_ingest_opts o = { .all = all };
	struct ct_ingest *in;
	size_t n;
	char *data = fixture(rel, &n);

	assert_int_equal(ct_ingest_new(&in, d->st, &o), 0);
	assert_int_equal(ct_ingest_buffer(in, rel, data, n, st), want_r);
	ct_ingest_free(in);
	free(data);
}

static void
add_cred(struct db *d, const char *akid, const char *key_id, const char *serial,
    const char *ca)
{
	struct ct_cred c = { 0 };
	struct ct_task t;

	if (ct_task_get(d->st, "t1", &t) != 0) {
		ct_error_clear();
		assert_int_equal(ct_task_create(d->st, "t1", NULL, &t), 0);
	}
	ct_task_release(&t);
	c.task_id = "t1";
	c.kind = akid != NULL ? "aws" : "ssh";
	c.principal = "p";
	c.access_key_id = akid;
	c.key_id = key_id;
	c.serial = serial;
	c.ca_fingerprint = ca;
	assert_int_equal(ct_cred_insert(d->st, &c), 0);
}

static void
test_counts_and_idempotence(void **state)
{
	struct db *d = *state;
	struct ct_ingest_stats st;

	ingest_fixture(d, "cloudtrail/derived_malformed.jsonl", 1, &st, 0);
	assert_string_equal(st.format, "cloudtrail");
	assert_int_equal(st.read, 6);
	assert_int_equal(st.new_, 3);
	assert_int_equal(st.duplicate, 0);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(st.rejected, 3);
	assert_int_equal(st.nrejects, 3);
	assert_int_equal(st.rejects[0].offset, 1019);
	assert_string_equal(st.rejects[0].reason, "newline inside a string");
	assert_int_equal(st.rejects[1].offset, 2148);
	assert_string_equal(st.rejects[1].reason, "not a JSON object or array");
	assert_int_equal(st.rejects[2].offset, 2165);
	assert_string_equal(st.rejects[2].reason, "invalid timestamp 'yesterday'");
	assert_int_equal(count(d, "SELECT count(*) FROM provider_events"), 3);

	/* again: nothing new, no second file row */
	ingest_fixture(d, "cloudtrail/derived_malformed.jsonl", 1, &st, 0);
	assert_int_equal(st.new_, 0);
	assert_int_equal(st.duplicate, 3);
	assert_int_equal(count(d, "SELECT count(*) FROM provider_events"), 3);
	assert_int_equal(count(d, "SELECT count(*) FROM ingested_files"), 1);
	assert_int_equal(count(d, "SELECT events FROM ingested_files"), 3);

	/* a Vault request and its response are one event */
	ingest_fixture(d, "vault/elastic_hashicorp_vault_audit_test-audit.log", 1, &st, 0);
	assert_int_equal(st.read, 12);
	assert_int_equal(st.new_, 8);
	assert_int_equal(st.skipped, 4);	/* KMIP */
	assert_int_equal(count(d, "SELECT count(*) FROM provider_events WHERE provider='vault'"
	    " AND event_id='cd09708b-11cc-2985-648b-cfe262cf7e50' AND vault_response=1"
	    " AND outcome='success'"), 1);
	ingest_fixture(d, "vault/elastic_hashicorp_vault_audit_test-audit.log", 1, &st, 0);
	assert_int_equal(st.new_, 0);
	assert_int_equal(st.duplicate, 8);
}

static void
test_filter_and_chains(void **state)
{
	struct db *d = *state;
	struct ct_ingest_stats st;

	/* nothing in the ledger: only task principals are kept */
	ingest_fixture(d, "cloudtrail/derived_task_chain.jsonl", 0, &st, 0);
	assert_int_equal(st.read, 3);
	assert_int_equal(st.new_, 2);
	assert_int_equal(st.skipped, 1);
	ingest_fixture(d, "cloudtrail/stratus/aws.credential-access.ec2-get-password-data.json", 0,
	    &st, 0);
	assert_int_equal(st.new_, 0);
	assert_int_equal(st.skipped, 34);

	/*
	 * With the IAM user's key in the ledger: its 4 AssumeRole calls, and the 30 calls of
	 * the key one of them issued - logged before it (newest first), found by a repass.
	 */
	add_cred(d, "AKIAWOGXN38MFN92ING5", NULL, NULL, NULL);
	ingest_fixture(d, "cloudtrail/stratus/aws.credential-access.ec2-get-password-data.json", 0,
	    &st, 0);
	assert_int_equal(st.read, 34);
	assert_int_equal(st.new_, 34);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(count(d, "SELECT count(*) FROM provider_events WHERE"
	    " access_key_id = 'ASIANQQHHS551LWULIWD' AND action = 'GetPasswordData'"), 30);
	assert_int_equal(count(d, "SELECT count(*) FROM provider_events WHERE"
	    " issued_access_key_id = 'ASIANQQHHS551LWULIWD' AND access_key_id ="
	    " 'AKIAWOGXN38MFN92ING5'"), 1);

	/* sshd: a certificate by key id, another by serial and CA */
	add_cred(d, NULL, "vault-root-ebdeb8a00c160ad918e6e8238bf92c27dfea3ec340e230de3ea59093e3773c38",
	    NULL, NULL);
	add_cred(d, NULL, "not-logged", "1670459268",
	    "SHA256:tltbnMalWg+skhm+VlGLd2xHiVPozyuOPl34WypdEO0");
	ingest_fixture(d, "sshd/sshd_cert_login_lines_from_public_docs.log", 0, &st, 0);
	assert_int_equal(st.read, 22);
	assert_int_equal(st.new_, 2);
	assert_int_equal(count(d, "SELECT count(*) FROM provider_events WHERE provider='sshd'"
	    " AND (cert_serial = '10466434135153983140' OR cert_key_id = 'jgoguen@example.com')"), 2);

	/* proxy lines are always kept; the non-request line is not an event */
	ingest_fixture(d, "ironproxy/derived_proxy_audit.jsonl", 0, &st, 0);
	assert_int_equal(st.new_, 3);
}

static void
test_failed_file_adds_nothing(void **state)
{
	struct db *d = *state;
	struct ct_ingest_stats st;
	int64_t before;

	ingest_fixture(d, "cloudtrail/otrf_ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl", 1,
	    &st, 0);
	assert_int_equal(st.new_, 103);
	before = count(d, "SELECT count(*) FROM provider_events");
	/* the store refuses one event in the middle of the next file */
	assert_int_equal(ct_store_exec(d->st, "CREATE TRIGGER boom BEFORE INSERT ON provider_events"
	    " WHEN NEW.event_id = '6e882b9d-2af8-4c67-b91f-aeac6a0e5e70'"
	    " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"), 0);
	ingest_fixture(d, "cloudtrail/stratus/aws.persistence.sts-federation-token.json", 1, &st,
	    CT_ERR_DB);
	assert_non_null(strstr(ct_errmsg(CT_ERR_DB), "injected failure"));
	assert_int_equal(count(d, "SELECT count(*) FROM provider_events"), before);
	assert_int_equal(count(d, "SELECT count(*) FROM ingested_files"), 1);
	/* a truncated gzip stream fails the file as a whole */
	{
		struct ct_ingest_opts o = { .all = 1 };
		struct ct_ingest *in;
		size_t n;
		char *gz = fixture("cloudtrail/panther_cloudtrail_rule_tests.jsonl.gz", &n);

		assert_int_equal(ct_ingest_new(&in, d->st, &o), 0);
		assert_int_equal(ct_ingest_buffer(in, "cut.gz", gz, n / 2, &st), CT_ERR_FORMAT);
		assert_non_null(strstr(ct_errmsg(CT_ERR_FORMAT), "gzip stream truncated"));
		assert_true(st.read > 0);
		assert_int_equal(count(d, "SELECT count(*) FROM provider_events"), before);
		assert_int_equal(ct_ingest_buffer(in, "whole.gz", gz, n, &st), 0);
		assert_int_equal(st.read, 472);
		assert_int_equal(st.new_, 159);
		ct_ingest_free(in);
		free(gz);
	}
}

static void
test_expand(void **state)
{
	const char *top = getenv("CT_TOP");
	char path[1024], **list;
	const char *args[2];
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/fixtures/ingest/cloudtrail/", top != NULL ? top : ".");
	args[0] = path;
	args[1] = "-";
	assert_int_equal(ct_ingest_expand(args, 2, &list, &n), 0);
	assert_int_equal(n, 13);
	assert_non_null(strstr(list[0], "cloudtrail/awsdocs_iam_user_guide_examples.jsonl"));
	assert_null(strstr(list[0], "//"));
	assert_non_null(strstr(list[9], "cloudtrail/stratus/aws.credential-access."));
	assert_string_equal(list[12], "-");
	ct_ingest_expand_free(list, n);
	args[0] = "/nonexistent/x";
	assert_int_equal(ct_ingest_expand(args, 1, &list, &n), CT_ERR_NOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_cloudtrail_assumerole_otrf),
		cmocka_unit_test(test_cloudtrail_usage_and_shapes),
		cmocka_unit_test(test_cloudtrail_stratus_pretty),
		cmocka_unit_test(test_gcp),
		cmocka_unit_test(test_vault),
		cmocka_unit_test(test_k8s_and_proxy),
		cmocka_unit_test(test_sshd_forms),
		cmocka_unit_test(test_sshd_journal),
		cmocka_unit_test_setup_teardown(test_counts_and_idempotence, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(test_filter_and_chains, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(test_failed_file_adds_nothing, db_setup, db_teardown),
		cmocka_unit_test(test_expand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
