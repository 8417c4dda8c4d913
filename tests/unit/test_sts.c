/*
 * test_sts.c - lib/sts (the bounded XML reader, input checks, policy preparation) and
 * lib/awscreds (environment, shared files, the INI reader).
 *
 * The XML reader is fed STS's documented answer shapes, then every truncation of one, byte
 * mutations of it, nesting, entities, CDATA, DTDs and oversize input; buffers are allocated
 * at their exact length so ASan catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/awscreds.h"
#include "lib/http.h"
#include "lib/sts.h"
#include "util/buf.h"
#include "util/err.h"

static const char assume_role_answer[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleResult>\n"
    "    <SourceIdentity>ironclaw-task-7b3f-a1c8e0f2</SourceIdentity>\n"
    "    <AssumedRoleUser>\n"
    "      <Arn>arn:aws:sts::123456789012:assumed-role/demo/ironclaw-task-7b3f-a1c8e0f2</Arn>\n"
    "      <AssumedRoleId>ARO123EXAMPLE123:ironclaw-task-7b3f-a1c8e0f2</AssumedRoleId>\n"
    "    </AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
    "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
    "      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764=</SessionToken>\n"
    "      <Expiration>2019-11-09T13:34:41Z</Expiration>\n"
    "    </Credentials>\n"
    "    <PackedPolicySize>6</PackedPolicySize>\n"
    "  </AssumeRoleResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

/* An exact-size heap copy without a terminating NUL. */
static char *
exact(const char *s, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);

	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

static int
extract(const char *s, size_t n, struct ct_xml_field *f, size_t nf, char *root, size_t rootsz)
{
	char *p = exact(s, n);
	int r = ct_xml_extract(p, n, f, nf, root, rootsz);

	free(p);
	return r;
}

static void
test_xml_assume_role_answer(void **state)
{
	struct ct_xml_field f[] = {
		{ "AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId", NULL, 0 },
		{ "AssumeRoleResponse/AssumeRoleResult/Credentials/SecretAccessKey", NULL, 0 },
		{ "AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration", NULL, 0 },
		{ "AssumeRoleResponse/AssumeRoleResult/AssumedRoleUser/Arn", NULL, 0 },
		{ "AssumeRoleResponse/AssumeRoleResult/SourceIdentity", NULL, 0 },
		{ "AssumeRoleResponse/AssumeRoleResult/PackedPolicySize", NULL, 0 },
		{ "AssumeRoleResponse/ResponseMetadata/RequestId", NULL, 0 },
		{ "AssumeRoleResponse/AssumeRoleResult/Nope", NULL, 0 },
		{ "AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId/Deeper", NULL, 0 },
	};
	char root[64];

	(void)state;
	assert_int_equal(extract(assume_role_answer, strlen(assume_role_answer), f, 9, root,
	    sizeof(root)), 0);
	assert_string_equal(root, "AssumeRoleResponse");
	assert_string_equal(f[0].value, "ASIAIOSFODNN7EXAMPLE");
	assert_int_equal(f[0].len, 20);
	assert_string_equal(f[1].value, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	assert_string_equal(f[2].value, "2019-11-09T13:34:41Z");
	assert_string_equal(f[3].value,
	    "arn:aws:sts::123456789012:assumed-role/demo/ironclaw-task-7b3f-a1c8e0f2");
	assert_string_equal(f[4].value, "ironclaw-task-7b3f-a1c8e0f2");
	assert_string_equal(f[5].value, "6");
	assert_string_equal(f[6].value, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
	assert_null(f[7].value);
	assert_null(f[8].value);
	ct_xml_fields_release(f, 9);
	assert_null(f[0].value);
}

static void
test_xml_error_answer_with_prefixes_and_declaration(void **state)
{
	static const char doc[] =
	    "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!-- STS error -->\n"
	    "<s:ErrorResponse xmlns:s='https://sts.amazonaws.com/doc/2011-06-15/'>"
	    "<s:Error><s:Type>Sender</s:Type><s:Code>AccessDenied</s:Code>"
	    "<s:Message>User: arn:aws:iam::123456789012:user/x is not authorized</s:Message>"
	    "</s:Error><s:RequestId>r1</s:RequestId></s:ErrorResponse>";
	struct ct_xml_field f[] = {
		{ "ErrorResponse/Error/Code", NULL, 0 },
		{ "ErrorResponse/Error/Message", NULL, 0 },
		{ "ErrorResponse/RequestId", NULL, 0 },
	};
	char root[64];

	(void)state;
	assert_int_equal(extract(doc, sizeof(doc) - 1, f, 3, root, sizeof(root)), 0);
	assert_string_equal(root, "ErrorResponse");
	assert_string_equal(f[0].value, "AccessDenied");
	assert_string_equal(f[1].value,
	    "User: arn:aws:iam::123456789012:user/x is not authorized");
	assert_string_equal(f[2].value, "r1");
	ct_xml_fields_release(f, 3);
}

static void
test_xml_every_truncation_fails(void **state)
{
	struct ct_xml_field f[] = {
		{ "AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId", NULL, 0 },
	};
	size_t n, full = strstr(assume_role_answer, "</AssumeRoleResponse>") -
	    assume_role_answer + strlen("</AssumeRoleResponse>");
	int r;

	(void)state;
	for (n = 0; n < full; n++) {
		r = extract(assume_role_answer, n, f, 1, NULL, 0);
		if (r != CT_ERR_FORMAT)
			fail_msg("prefix of %zu bytes: got %d, want CT_ERR_FORMAT", n, r);
		assert_null(f[0].value);
	}
	assert_int_equal(extract(assume_role_answer, full, f, 1, NULL, 0), 0);
	assert_string_equal(f[0].value, "ASIAIOSFODNN7EXAMPLE");
	ct_xml_fields_release(f, 1);
}

static void
test_xml_mutations_never_crash(void **state)
{
	struct ct_xml_field f[] = {
		{ "AssumeRoleResponse/AssumeRoleResult/Credentials/SessionToken", NULL, 0 },
		{ "AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration", NULL, 0 },
	};
	static const char bytes[] = "<>/&;!?[]\"'= \n#x0a";
	size_t n = strlen(assume_role_answer), i, ok = 0, bad = 0;
	uint32_t seed = 12345;
	char *p;
	int k, r;

	(void)state;
	for (i = 0; i < 3000; i++) {
		p = exact(assume_role_answer, n);
		for (k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			p[(seed >> 8) % n] = bytes[(seed >> 20) % (sizeof(bytes) - 1)];
		}
		r = ct_xml_extract(p, n, f, 2, NULL, 0);
		if (r == 0) {
			ok++;
		} else {
			assert_true(r == CT_ERR_FORMAT || r == CT_ERR_LIMIT);
			assert_null(f[0].value);
			assert_null(f[1].value);
			bad++;
		}
		ct_xml_fields_release(f, 2);
		free(p);
	}
	/* both outcomes happen: the mutations reach the parser's checks */
	assert_true(ok > 0);
	assert_true(bad > 0);
}

static void
test_xml_entities_and_cdata(void **state)
{
	static const char doc[] =
	    "<R><M>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42; &#x20AC;</M>"
	    "<C><![CDATA[<raw> & ]]> tail</C><E/><F></F></R>";
	struct ct_xml_field f[] = {
		{ "R/M", NULL, 0 }, { "R/C", NULL, 0 }, { "R/E", NULL, 0 }, { "R/F", NULL, 0 },
	};

	(void)state;
	assert_int_equal(extract(doc, sizeof(doc) - 1, f, 4, NULL, 0), 0);
	assert_string_equal(f[0].value, "a & b <c> \"d\" 'e' AB \xe2\x82\xac");
	assert_string_equal(f[1].value, "<raw> &  tail");
	assert_string_equal(f[2].value, "");
	assert_string_equal(f[3].value, "");
	ct_xml_fields_release(f, 4);
}

static void
test_xml_refusals(void **state)
{
	static const struct {
		const char *doc;
		int want;
		const char *msg;
	} cases[] = {
		{ "", CT_ERR_FORMAT, "malformed XML: no root element" },
		{ "   \n", CT_ERR_FORMAT, "malformed XML: no root element" },
		{ "<R><M>x</N></R>", CT_ERR_FORMAT, "malformed XML: mismatched </N>" },
		{ "<R></R><S></S>", CT_ERR_FORMAT, "malformed XML: more than one root element" },
		{ "junk<R></R>", CT_ERR_FORMAT, "malformed XML: text outside the root element" },
		{ "<R>&bogus;</R>", CT_ERR_FORMAT, "malformed XML: unknown entity '&bogus;'" },
		{ "<R>a & b</R>", CT_ERR_FORMAT, "malformed XML: '&' that starts no entity" },
		{ "<R>&#0;</R>", CT_ERR_FORMAT, "malformed XML: unknown entity '&#0;'" },
		{ "<R>&#xD800;</R>", CT_ERR_FORMAT, NULL },
		{ "<!DOCTYPE R [<!ENTITY x \"y\">]><R>&x;</R>", CT_ERR_FORMAT,
		  "malformed XML: DTD or declaration not allowed" },
		{ "<R><M><N>x</N></M></R>", CT_ERR_FORMAT,
		  "malformed XML: <N> inside the text element <M>" },
		{ "<R a=\"1\"b=\"2\"></R>", CT_ERR_FORMAT, NULL },
		{ "<R a=1></R>", CT_ERR_FORMAT, NULL },
		{ "<R a=\"<\"></R>", CT_ERR_FORMAT, NULL },
		{ "<R>\x01</R>", CT_ERR_FORMAT, "malformed XML: control character 0x01" },
		{ "<R><M>x", CT_ERR_FORMAT, "malformed XML: truncated inside <M>" },
		{ "<1R></1R>", CT_ERR_FORMAT, NULL },
		{ "<R></R", CT_ERR_FORMAT, NULL },
	};
	struct ct_xml_field f[] = { { "R/M", NULL, 0 } };
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = extract(cases[i].doc, strlen(cases[i].doc), f, 1, NULL, 0);
		if (r != cases[i].want)
			fail_msg("case %zu '%s': got %d", i, cases[i].doc, r);
		if (cases[i].msg != NULL)
			assert_string_equal(ct_errmsg(r), cases[i].msg);
		assert_null(f[0].value);
	}
}

static void
test_xml_limits(void **state)
{
	struct ct_xml_field f[] = { { "R/M", NULL, 0 } };
	struct ct_buf b;
	size_t i;

	(void)state;
	/* a value of exactly the maximum is fine; one more byte is not */
	ct_buf_init(&b, 0);
	assert_int_equal(ct_buf_put(&b, "<R><M>", 6), 0);
	for (i = 0; i < CT_XML_MAX_VALUE; i++)
		assert_int_equal(ct_buf_put_u8(&b, 'v'), 0);
	assert_int_equal(ct_buf_put(&b, "</M></R>", 8), 0);
	assert_int_equal(extract((char *)b.data, b.len, f, 1, NULL, 0), 0);
	assert_int_equal(f[0].len, CT_XML_MAX_VALUE);
	ct_xml_fields_release(f, 1);
	ct_buf_reset(&b);
	assert_int_equal(ct_buf_put(&b, "<R><M>&amp;", 11), 0);
	for (i = 0; i < CT_XML_MAX_VALUE; i++)
		assert_int_equal(ct_buf_put_u8(&b, 'v'), 0);
	assert_int_equal(ct_buf_put(&b, "</M></R>", 8), 0);
	assert_int_equal(extract((char *)b.data, b.len, f, 1, NULL, 0), CT_ERR_LIMIT);
	assert_null(f[0].value);

	/* nesting: CT_XML_MAX_DEPTH levels are fine, one more is not */
	ct_buf_reset(&b);
	for (i = 0; i < CT_XML_MAX_DEPTH; i++)
		assert_int_equal(ct_buf_put(&b, "<a>", 3), 0);
	for (i = 0; i < CT_XML_MAX_DEPTH; i++)
		assert_int_equal(ct_buf_put(&b, "</a>", 4), 0);
	assert_int_equal(extract((char *)b.data, b.len, f, 1, NULL, 0), 0);
	ct_buf_reset(&b);
	for (i = 0; i < CT_XML_MAX_DEPTH + 1; i++)
		assert_int_equal(ct_buf_put(&b, "<a>", 3), 0);
	for (i = 0; i < CT_XML_MAX_DEPTH + 1; i++)
		assert_int_equal(ct_buf_put(&b, "</a>", 4), 0);
	assert_int_equal(extract((char *)b.data, b.len, f, 1, NULL, 0), CT_ERR_LIMIT);
	ct_buf_release(&b);
}

static void
test_xml_first_match_and_paths(void **state)
{
	static const char doc[] = "<R><A><M>one</M></A><M>two</M><M>three</M><A><M>four</M></A></R>";
	struct ct_xml_field f[] = {
		{ "R/M", NULL, 0 }, { "R/A/M", NULL, 0 }, { "R", NULL, 0 }, { "M", NULL, 0 },
	};

	(void)state;
	/* "R" is not a leaf: asking for it is a format error, so ask without it */
	assert_int_equal(extract(doc, sizeof(doc) - 1, f, 2, NULL, 0), 0);
	assert_string_equal(f[0].value, "two");
	assert_string_equal(f[1].value, "one");
	ct_xml_fields_release(f, 2);
	assert_int_equal(extract(doc, sizeof(doc) - 1, &f[2], 1, NULL, 0), CT_ERR_FORMAT);
	assert_int_equal(extract(doc, sizeof(doc) - 1, &f[3], 1, NULL, 0), 0);
	assert_null(f[3].value);
}

/* ---- input checks ---- */

static void
test_role_arn_check(void **state)
{
	static const char *good[] = {
		"arn:aws:iam::123456789012:role/agent",
		"arn:aws-cn:iam::123456789012:role/service-role/agent+x=y,z.@-_",
		"arn:aws-us-gov:iam::000000000000:role/a/b/c/Agent",
	};
	static const struct {
		const char *arn;
		const char *msg;
	} bad[] = {
		{ "agent", "invalid role ARN 'agent': not an ARN (arn:aws:iam::<account>:role/<name>)" },
		{ "arn:gcp:iam::123456789012:role/a",
		  "invalid role ARN 'arn:gcp:iam::123456789012:role/a': partition must be aws, "
		  "aws-cn or aws-us-gov" },
		{ "arn:aws:sts::123456789012:assumed-role/a/b",
		  "invalid role ARN 'arn:aws:sts::123456789012:assumed-role/a/b': not an IAM ARN "
		  "(service 'iam', empty region)" },
		{ "arn:aws:iam::12345678901:role/a",
		  "invalid role ARN 'arn:aws:iam::12345678901:role/a': the account must be 12 digits" },
		{ "arn:aws:iam::123456789012:user/a",
		  "invalid role ARN 'arn:aws:iam::123456789012:user/a': resource is not role/<name>" },
		{ "arn:aws:iam::123456789012:role/",
		  "invalid role ARN 'arn:aws:iam::123456789012:role/': the role name must be 1 to 64 "
		  "characters" },
		{ "arn:aws:iam::123456789012:role/a b",
		  "invalid role ARN 'arn:aws:iam::123456789012:role/a b': invalid character in the "
		  "role name" },
		{ "arn:aws:iam::123456789012:role/p a/b",
		  "invalid role ARN 'arn:aws:iam::123456789012:role/p a/b': invalid character in the "
		  "role path" },
	};
	char long_name[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(ct_sts_role_arn_check(good[i]), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ct_sts_role_arn_check(bad[i].arn), CT_ERR_INVALID);
		assert_string_equal(ct_errmsg(CT_ERR_INVALID), bad[i].msg);
	}
	snprintf(long_name, sizeof(long_name), "arn:aws:iam::123456789012:role/%065d", 0);
	assert_int_equal(ct_sts_role_arn_check(long_name), CT_ERR_INVALID);
	snprintf(long_name, sizeof(long_name), "arn:aws:iam::123456789012:role/%064d", 0);
	assert_int_equal(ct_sts_role_arn_check(long_name), 0);
}

static void
test_duration_check(void **state)
{
	(void)state;
	assert_int_equal(ct_sts_duration_check(900), 0);
	assert_int_equal(ct_sts_duration_check(43200), 0);
	assert_int_equal(ct_sts_duration_check(899), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID),
	    "duration 899 s: STS allows 900 to 43200 seconds");
	assert_int_equal(ct_sts_duration_check(43201), CT_ERR_INVALID);
}

static void
test_policy_prepare(void **state)
{
	static const char pretty[] =
	    "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ { \"Effect\": \"Allow\",\n"
	    "    \"Action\": [\"route53:List*\", \"route53:Get*\"], \"Resource\": \"*\" } ]\n}\n";
	char *out = NULL, *big;
	size_t i;

	(void)state;
	assert_int_equal(ct_sts_policy_prepare("p.json", pretty, sizeof(pretty) - 1, &out), 0);
	assert_string_equal(out, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":[\"route53:List*\",\"route53:Get*\"],\"Resource\":\"*\"}]}");
	free(out);
	assert_int_equal(ct_sts_policy_prepare("p.json", "{\"a\": \"caf\xc3\xa9\"}",
	    strlen("{\"a\": \"caf\xc3\xa9\"}"), &out), 0);
	assert_string_equal(out, "{\"a\":\"caf\xc3\xa9\"}");
	free(out);
	assert_int_equal(ct_sts_policy_prepare("p.json", "not json", 8, &out), CT_ERR_FORMAT);
	assert_non_null(strstr(ct_errmsg(CT_ERR_FORMAT), "policy 'p.json' is not JSON: "));
	assert_null(out);
	assert_int_equal(ct_sts_policy_prepare("p.json", "[1]", 3, &out), CT_ERR_FORMAT);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), "policy 'p.json' is not a JSON object");
	assert_int_equal(ct_sts_policy_prepare("p.json", "{\"a\":1,\"a\":2}", 13, &out),
	    CT_ERR_FORMAT);
	assert_int_equal(ct_sts_policy_prepare("p.json", "{\"a\": \"\xe2\x82\xac\"}",
	    strlen("{\"a\": \"\xe2\x82\xac\"}"), &out),
	    CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID),
	    "policy 'p.json' has a character above U+00FF, which STS does not accept");
	/* 2048 characters minified is the limit: {"a":"xxx..."} */
	assert_non_null(big = malloc(4096));
	for (i = 0; i < 2; i++) {
		size_t fill = 2048 - 8 + i;

		memcpy(big, "{\"a\":\"", 6);
		memset(big + 6, 'x', fill);
		memcpy(big + 6 + fill, "\"}", 2);
		assert_int_equal(ct_sts_policy_prepare("p.json", big, fill + 8, &out),
		    i == 0 ? 0 : CT_ERR_INVALID);
		if (i == 0)
			assert_int_equal(strlen(out), 2048);
		else
			assert_string_equal(ct_errmsg(CT_ERR_INVALID), "policy 'p.json' is 2049 "
			    "characters after minifying; STS allows 2048");
		free(out);
		out = NULL;
	}
	free(big);
}

static void
test_urlencode(void **state)
{
	struct ct_buf b;

	(void)state;
	ct_buf_init(&b, 0);
	assert_int_equal(ct_http_urlencode(&b, "a b+c/d=e&f~g_h.i-j\xc3\xa9",
	    strlen("a b+c/d=e&f~g_h.i-j\xc3\xa9")), 0);
	assert_int_equal(ct_buf_nul(&b), 0);
	assert_string_equal((char *)b.data, "a%20b%2Bc%2Fd%3De%26f~g_h.i-j%C3%A9");
	ct_buf_release(&b);
}

/* ---- inspect ---- */

#define INSPECT(lit, o) ct_inspect_aws_arn((lit), strlen(lit), (o))

static void
test_inspect_arn(void **state)
{
	static const char assumed[] = "  arn:aws:sts::123456789012:assumed-role/ironclaw-agent/"
	    "ironclaw-task-7b3f9c2e-a1c8e0f2\n";
	json_t *o = NULL;
	char *s;

	(void)state;
	assert_int_equal(ct_inspect_aws_arn(assumed, sizeof(assumed) - 1, &o), 0);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"kind\":\"aws-arn\",\"arn\":\"arn:aws:sts::123456789012:"
	    "assumed-role/ironclaw-agent/ironclaw-task-7b3f9c2e-a1c8e0f2\",\"partition\":\"aws\","
	    "\"service\":\"sts\",\"region\":null,\"account\":\"123456789012\",\"resource\":"
	    "\"assumed-role/ironclaw-agent/ironclaw-task-7b3f9c2e-a1c8e0f2\",\"role\":"
	    "\"ironclaw-agent\",\"session_name\":\"ironclaw-task-7b3f9c2e-a1c8e0f2\","
	    "\"principal\":\"ironclaw-task-7b3f9c2e-a1c8e0f2\",\"task\":\"7b3f9c2e\","
	    "\"note\":null}");
	free(s);
	json_decref(o);

	/* a session that names no task */
	assert_int_equal(INSPECT("arn:aws:sts::123456789012:assumed-role/r/alice", &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "session_name")), "alice");
	assert_true(json_is_null(json_object_get(o, "task")));
	assert_string_equal(json_string_value(json_object_get(o, "note")),
	    "the session name does not name a task");
	json_decref(o);

	/* a role ARN: no session, so no task */
	assert_int_equal(INSPECT("arn:aws:iam::123456789012:role/svc/agent", &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "role")), "agent");
	assert_true(json_is_null(json_object_get(o, "session_name")));
	assert_true(json_is_null(json_object_get(o, "principal")));
	assert_true(json_is_null(json_object_get(o, "task")));
	assert_string_equal(json_string_value(json_object_get(o, "note")),
	    "a role ARN names no session, so it carries no task binding");
	json_decref(o);

	/* an S3 object ARN: resource with ':' kept whole */
	assert_int_equal(INSPECT("arn:aws:s3:::bucket/a:b", &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "resource")), "bucket/a:b");
	assert_true(json_is_null(json_object_get(o, "account")));
	json_decref(o);

	/* not ARNs: quick CT_ERR_FORMAT, nothing returned */
	assert_int_equal(INSPECT("eyJhbGciOi.x.y", &o), CT_ERR_FORMAT);
	assert_null(o);
	assert_int_equal(INSPECT("arn:aws:sts", &o), CT_ERR_FORMAT);
	assert_int_equal(INSPECT("arn:aws:sts::1:assumed-role/r", &o), CT_ERR_FORMAT);
	assert_int_equal(INSPECT("arn:aws:sts::1:assumed-role/r/a b", &o), CT_ERR_FORMAT);
	/* length-bounded: the bytes after n are not read */
	assert_int_equal(ct_inspect_aws_arn("arn:aws:iam::123456789012:role/abcdef",
	    strlen("arn:aws:iam::123456789012:role/a"), &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "role")), "a");
	json_decref(o);
}

/* ---- awscreds ---- */

static char tmpdir[256];

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int
creds_setup(void **state)
{
	char path[512];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ct-test-sts.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/.aws", tmpdir);
	mkdir(path, 0700);
	setenv("HOME", tmpdir, 1);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	return 0;
}

static int
creds_teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_creds_env(void **state)
{
	struct ct_aws_creds c;

	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
	assert_int_equal(ct_aws_creds_load(NULL, &c), 0);
	assert_string_equal(c.access_key_id, "AKIDENV");
	assert_string_equal(c.secret_access_key, "envsecret");
	assert_string_equal(c.session_token, "envtoken");
	assert_string_equal(c.region, "eu-west-1");
	assert_string_equal(c.source, "environment");
	assert_null(c.profile);
	ct_aws_creds_release(&c);
	assert_null(c.secret_access_key);
	setenv("AWS_REGION", "eu-central-1", 1);
	assert_int_equal(ct_aws_creds_load(NULL, &c), 0);
	assert_string_equal(c.region, "eu-central-1");
	ct_aws_creds_release(&c);

	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(ct_aws_creds_load(NULL, &c), CT_ERR_NOTFOUND);
	assert_string_equal(ct_errmsg(CT_ERR_NOTFOUND),
	    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
}

static void
test_creds_files(void **state)
{
	struct ct_aws_creds c;
	char want[600];

	(void)state;
	write_file(".aws/credentials",
	    "# shared credentials\r\n"
	    "[default]\r\n"
	    "aws_access_key_id = AKIDDEFAULT\r\n"
	    "aws_secret_access_key=defaultsecret\r\n"
	    "\n"
	    "; another comment\n"
	    "[ci]\n"
	    "AWS_ACCESS_KEY_ID = AKIDCI\n"
	    "aws_secret_access_key = cisecret\n"
	    "aws_session_token = citoken\n"
	    "s3 =\n"
	    "    max_concurrent_requests = 10\n"
	    "[half]\n"
	    "aws_access_key_id = AKIDHALF\n"
	    "[proc]\n"
	    "credential_process = /bin/false\n");
	write_file(".aws/config",
	    "[default]\n"
	    "region = us-west-2\n"
	    "[profile ci]\n"
	    "region = ap-south-1\n"
	    "[profile chain]\n"
	    "role_arn = arn:aws:iam::123456789012:role/x\n"
	    "source_profile = default\n"
	    "[profile cfgonly]\n"
	    "aws_access_key_id = AKIDCFG\n"
	    "aws_secret_access_key = cfgsecret\n");

	assert_int_equal(ct_aws_creds_load(NULL, &c), 0);
	assert_string_equal(c.access_key_id, "AKIDDEFAULT");
	assert_string_equal(c.secret_access_key, "defaultsecret");
	assert_null(c.session_token);
	assert_string_equal(c.region, "us-west-2");
	assert_string_equal(c.profile, "default");
	snprintf(want, sizeof(want), "'%s/.aws/credentials' [default]", tmpdir);
	assert_string_equal(c.source, want);
	ct_aws_creds_release(&c);

	/* AWS_PROFILE selects; keys compare case-insensitively; nested block skipped */
	setenv("AWS_PROFILE", "ci", 1);
	assert_int_equal(ct_aws_creds_load(NULL, &c), 0);
	assert_string_equal(c.access_key_id, "AKIDCI");
	assert_string_equal(c.session_token, "citoken");
	assert_string_equal(c.region, "ap-south-1");
	ct_aws_creds_release(&c);

	/* environment keys win over AWS_PROFILE, an explicit profile wins over both */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	assert_int_equal(ct_aws_creds_load(NULL, &c), 0);
	assert_string_equal(c.access_key_id, "AKIDENV");
	assert_string_equal(c.region, "ap-south-1");	/* the profile's region still applies */
	ct_aws_creds_release(&c);
	assert_int_equal(ct_aws_creds_load("default", &c), 0);
	assert_string_equal(c.access_key_id, "AKIDDEFAULT");
	ct_aws_creds_release(&c);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_PROFILE");

	/* keys in the config file's [profile x] */
	assert_int_equal(ct_aws_creds_load("cfgonly", &c), 0);
	assert_string_equal(c.access_key_id, "AKIDCFG");
	snprintf(want, sizeof(want), "'%s/.aws/config' [profile cfgonly]", tmpdir);
	assert_string_equal(c.source, want);
	ct_aws_creds_release(&c);

	assert_int_equal(ct_aws_creds_load("half", &c), CT_ERR_FORMAT);
	snprintf(want, sizeof(want), "profile 'half' in '%s/.aws/credentials' has "
	    "aws_access_key_id but no aws_secret_access_key", tmpdir);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), want);
	assert_int_equal(ct_aws_creds_load("proc", &c), CT_ERR_UNSUPPORTED);
	assert_string_equal(ct_errmsg(CT_ERR_UNSUPPORTED), "profile 'proc' gets its credentials "
	    "through 'credential_process', which credtrail does not follow; give it "
	    "aws_access_key_id and aws_secret_access_key");
	assert_int_equal(ct_aws_creds_load("chain", &c), CT_ERR_UNSUPPORTED);
	assert_int_equal(ct_aws_creds_load("nope", &c), CT_ERR_NOTFOUND);
	snprintf(want, sizeof(want), "profile 'nope' is not in '%s/.aws/credentials' or "
	    "'%s/.aws/config'", tmpdir, tmpdir);
	assert_string_equal(ct_errmsg(CT_ERR_NOTFOUND), want);
	assert_null(c.access_key_id);
}

static void
test_creds_paths_and_errors(void **state)
{
	struct ct_aws_creds c;
	char want[600];

	(void)state;
	/* "~/" in AWS_SHARED_CREDENTIALS_FILE; a missing config file is no error */
	write_file("alt-creds", "[default]\naws_access_key_id = AKIDALT\n"
	    "aws_secret_access_key = alt\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/alt-creds", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	assert_int_equal(ct_aws_creds_load(NULL, &c), 0);
	assert_string_equal(c.access_key_id, "AKIDALT");
	assert_null(c.region);
	ct_aws_creds_release(&c);

	write_file("bad-creds", "[default]\naws_access_key_id = AKID\njust some words\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/bad-creds", 1);
	assert_int_equal(ct_aws_creds_load(NULL, &c), CT_ERR_FORMAT);
	snprintf(want, sizeof(want), "'%s/bad-creds':3: expected 'key = value' or '[section]'",
	    tmpdir);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), want);
	write_file("bad-creds", "key = value\n");
	assert_int_equal(ct_aws_creds_load(NULL, &c), CT_ERR_FORMAT);
	snprintf(want, sizeof(want), "'%s/bad-creds':1: key 'key' before any [section]", tmpdir);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), want);
	write_file("bad-creds", "[default\n");
	assert_int_equal(ct_aws_creds_load(NULL, &c), CT_ERR_FORMAT);
	snprintf(want, sizeof(want), "'%s/bad-creds':1: section header without ']'", tmpdir);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), want);

	write_file("empty-creds", "");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/empty-creds", 1);
	assert_int_equal(ct_aws_creds_load(NULL, &c), CT_ERR_NOTFOUND);
	snprintf(want, sizeof(want), "no AWS credentials: set AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY, or give a profile in '%s/empty-creds'", tmpdir);
	assert_string_equal(ct_errmsg(CT_ERR_NOTFOUND), want);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
}

static void
test_ini_get(void **state)
{
	static const char doc[] = "[a]\nk = 1\n[ b ]\nK=2\n  nested = x\n";
	char *v = NULL, *p = exact(doc, sizeof(doc) - 1);
	int found;

	(void)state;
	assert_int_equal(ct_ini_get("doc", p, sizeof(doc) - 1, "b", "k", &v, &found), 0);
	assert_true(found);
	assert_string_equal(v, "2");
	free(v);
	assert_int_equal(ct_ini_get("doc", p, sizeof(doc) - 1, "a", "nested", &v, &found), 0);
	assert_true(found);
	assert_null(v);
	assert_int_equal(ct_ini_get("doc", p, sizeof(doc) - 1, "c", "k", &v, &found), 0);
	assert_false(found);
	free(p);
	assert_int_equal(ct_ini_get("doc", "  x = 1\n", 8, "a", "x", &v, &found), CT_ERR_FORMAT);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT),
	    "'doc':1: indented line outside a key's block");
	assert_int_equal(ct_ini_get("doc", "[a]\nk=\0\n", 7, "a", "k", &v, &found),
	    CT_ERR_FORMAT);
	assert_string_equal(ct_errmsg(CT_ERR_FORMAT), "'doc' holds a NUL byte");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_assume_role_answer),
		cmocka_unit_test(test_xml_error_answer_with_prefixes_and_declaration),
		cmocka_unit_test(test_xml_every_truncation_fails),
		cmocka_unit_test(test_xml_mutations_never_crash),
		cmocka_unit_test(test_xml_entities_and_cdata),
		cmocka_unit_test(test_xml_refusals),
		cmocka_unit_test(test_xml_limits),
		cmocka_unit_test(test_xml_first_match_and_paths),
		cmocka_unit_test(test_role_arn_check),
		cmocka_unit_test(test_duration_check),
		cmocka_unit_test(test_policy_prepare),
		cmocka_unit_test(test_urlencode),
		cmocka_unit_test(test_inspect_arn),
		cmocka_unit_test_setup_teardown(test_creds_env, creds_setup, creds_teardown),
		cmocka_unit_test_setup_teardown(test_creds_files, creds_setup, creds_teardown),
		cmocka_unit_test_setup_teardown(test_creds_paths_and_errors, creds_setup,
		    creds_teardown),
		cmocka_unit_test(test_ini_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
