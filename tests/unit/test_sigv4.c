/*
 * test_sigv4.c - lib/sigv4 against the whole AWS Signature Version 4 test suite
 * (tests/fixtures/sigv4/aws-sigv4-test-suite.json, see PROVENANCE.md there), plus the
 * signer's own refusals.
 *
 * Every entry of every group of the suite ("all", "basic", "normalizePath", "sts") becomes one
 * cmocka test named "<group>/<case>".  A case is signed from its raw request text ("req":
 * request line, "Name:value" header lines, blank line, body) - not from the suite's
 * pre-parsed "request" object, which is only cross-checked - so header trimming and query
 * parsing are really exercised.  The suite's credentials (AKIDEXAMPLE / wJalrXUtnFEMI...),
 * region us-east-1, service "service" and X-Amz-Date 20150830T123600Z come from its "config"
 * and the requests themselves.  Checked exactly: canonical request ("creq"), string to sign
 * ("sts"), Authorization value ("authz"), and the signed request ("sreq") rebuilt from the
 * raw request plus the headers the signer says to add.
 *
 * The "sts" group's session token (the suite's "stsToken") is signed when the request already
 * carries X-Amz-Security-Token (post-sts-header-before) and added after signing when only the
 * signed request has it (post-sts-header-after, CT_SIGV4_TOKEN_UNSIGNED).
 *
 * "normalizePath" holds the cases that apply only to signers that normalise the path, i.e.
 * every service but S3.  credtrail's signer normalises by default, so they all apply and are
 * checked exactly; in addition each is signed with CT_SIGV4_S3 to show the path is then taken
 * verbatim.  No case is skipped.
 *
 * Two cases contradict themselves in the suite data, and the test proves it rather than
 * assuming it:
 *   - post-x-www-form-urlencoded: "creq" signs content-length, but "sts" holds the hash of a
 *     canonical request without it, and "authz" names SignedHeaders=content-type;host;
 *     x-amz-date.  We check our canonical request (all headers signed) equals "creq", then
 *     re-sign with only the headers "authz" names and check "sts" and "authz" exactly.
 *   - post-x-www-form-urlencoded-parameters: "sts" is the hash of a canonical request whose
 *     Content-Type says "charset=utf8" while the request says "charset=utf-8"; nothing in the
 *     data reproduces it.  We check "creq" exactly, the first three lines of "sts", the
 *     Credential and SignedHeaders of "authz", and that our key derivation turns the suite's
 *     own "sts" into the suite's Signature.
 * For every other case SHA-256(creq) must equal the hash in "sts" (asserted), so a fixed or
 * changed fixture makes this test fail until the list below is revisited.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "lib/sigv4.h"
#include "util/enc.h"
#include "util/err.h"

static json_t *suite;
static const char *g_akid, *g_secret, *g_region, *g_service, *g_token;
static int n_exact, n_inconsistent;

static const char *const inconsistent_cases[] = {
	"post-x-www-form-urlencoded",
	"post-x-www-form-urlencoded-parameters",
};

struct rawreq {
	char *text;		/* our copy of "req", cut into pieces in place */
	char *method, *uri, *proto, *path, *query;
	struct ct_sigv4_header h[CT_SIGV4_MAX_HEADERS];
	size_t nh;
	const char *body;
	size_t body_len;
};

/* Split "req": request line, header lines "Name:value", then an optional blank line + body. */
static void
parse_raw(const char *req, struct rawreq *out)
{
	char *p, *nl, *sp1, *sp2, *colon;

	memset(out, 0, sizeof(*out));
	assert_non_null(out->text = strdup(req));
	p = out->text;
	nl = strchr(p, '\n');
	if (nl != NULL)
		*nl = '\0';
	/* METHOD SP URI SP PROTOCOL (the URI may not contain a space here) */
	assert_non_null(sp1 = strchr(p, ' '));
	assert_non_null(sp2 = strrchr(p, ' '));
	assert_true(sp2 > sp1);
	*sp1 = *sp2 = '\0';
	out->method = p;
	out->uri = sp1 + 1;
	out->proto = sp2 + 1;
	out->path = out->uri;
	if ((out->query = strchr(out->uri, '?')) != NULL)
		*out->query++ = '\0';
	out->body = "";
	for (p = nl != NULL ? nl + 1 : NULL; p != NULL; p = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (*p == '\0') {	/* blank line: the rest is the body */
			out->body = nl != NULL ? nl + 1 : "";
			out->body_len = strlen(out->body);
			break;
		}
		assert_true(*p != ' ' && *p != '\t');	/* no folded header lines in the suite */
		assert_non_null(colon = strchr(p, ':'));
		*colon = '\0';
		assert_true(out->nh < CT_SIGV4_MAX_HEADERS);
		out->h[out->nh].name = p;
		out->h[out->nh].value = colon + 1;
		out->nh++;
	}
}

/* The suite's pre-parsed "request" must describe the same request we parsed. */
static void
crosscheck_request(json_t *request, const struct rawreq *rq)
{
	json_t *hs = json_object_get(request, "headers"), *h;
	size_t i;

	assert_string_equal(json_string_value(json_object_get(request, "method")), rq->method);
	assert_string_equal(json_string_value(json_object_get(request, "path")), rq->path);
	assert_string_equal(json_string_value(json_object_get(request, "query")),
	    rq->query != NULL ? rq->query : "");
	assert_int_equal(json_array_size(hs), rq->nh);
	json_array_foreach(hs, i, h)
		assert_string_equal(json_string_value(json_array_get(h, 0)), rq->h[i].name);
	assert_string_equal(json_string_value(json_object_get(request, "body")), rq->body);
}

static int
sha256_hex_eq(const char *s, const char *hex)
{
	uint8_t md[32];
	unsigned int n = 0;
	char out[65];

	assert_int_equal(EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL), 1);
	ct_hex_fmt(md, 32, out);
	return strcmp(out, hex) == 0;
}

static int
is_inconsistent(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(inconsistent_cases) / sizeof(inconsistent_cases[0]); i++) {
		if (strcmp(name, inconsistent_cases[i]) == 0)
			return 1;
	}
	return 0;
}

static void
sign(const struct rawreq *rq, const struct ct_sigv4_header *h, size_t nh, const char *token,
    int flags, struct ct_sigv4_result *res)
{
	struct ct_sigv4_params p = {
		.access_key_id = g_akid, .secret_access_key = g_secret, .session_token = token,
		.region = g_region, .service = g_service, .amz_date = NULL, .flags = flags,
	};
	struct ct_sigv4_request r = {
		.method = rq->method, .path = rq->path, .query = rq->query, .headers = h,
		.nheaders = nh, .body = rq->body, .body_len = rq->body_len,
	};
	int rc = ct_sigv4_sign(&p, &r, res);

	if (rc != 0)
		fail_msg("ct_sigv4_sign: %s", ct_errmsg(rc));
}

/* "sreq" = the raw request's head, the added header lines, Authorization, then the body. */
static char *
build_sreq(const char *req, const struct ct_sigv4_result *res)
{
	const char *body = strstr(req, "\n\n");
	size_t headlen = body != NULL ? (size_t)(body - req) : strlen(req), i;
	char *s = NULL, *tmp;

	assert_true(asprintf(&s, "%.*s", (int)headlen, req) >= 0);
	for (i = 0; res->add_headers[i] != NULL; i++) {
		/* the signer adds "Name: value"; the suite writes "Name:value" */
		const char *colon = strchr(res->add_headers[i], ':');

		if (strncmp(res->add_headers[i], "X-Amz-Date:", 11) == 0)
			continue;	/* the suite's requests all carry their own date */
		assert_true(asprintf(&tmp, "%s\n%.*s:%s", s,
		    (int)(colon - res->add_headers[i]), res->add_headers[i], colon + 2) >= 0);
		free(s);
		s = tmp;
	}
	assert_true(asprintf(&tmp, "%s\nAuthorization: %s%s", s, res->authorization,
	    body != NULL ? body : "") >= 0);
	free(s);
	return tmp;
}

static void
test_suite_case(void **state)
{
	json_t *t = *state;
	const char *name = json_string_value(json_object_get(t, "name"));
	const char *req = json_string_value(json_object_get(t, "req"));
	const char *creq = json_string_value(json_object_get(t, "creq"));
	const char *sts = json_string_value(json_object_get(t, "sts"));
	const char *authz = json_string_value(json_object_get(t, "authz"));
	const char *sreq = json_string_value(json_object_get(t, "sreq"));
	const char *token = NULL, *hash;
	struct ct_sigv4_result res;
	struct rawreq rq;
	int flags = 0;
	size_t i;
	char *got;

	assert_non_null(name);
	assert_non_null(req);
	assert_non_null(creq);
	assert_non_null(sts);
	assert_non_null(authz);
	assert_non_null(sreq);
	parse_raw(req, &rq);
	crosscheck_request(json_object_get(t, "request"), &rq);

	for (i = 0; i < rq.nh; i++) {
		if (strcasecmp(rq.h[i].name, "X-Amz-Security-Token") == 0)
			token = g_token;	/* signed with the request */
	}
	if (token == NULL && strstr(sreq, "\nX-Amz-Security-Token:") != NULL) {
		token = g_token;		/* added after signing */
		flags |= CT_SIGV4_TOKEN_UNSIGNED;
	}

	/* canonical request: every case, exactly */
	sign(&rq, rq.h, rq.nh, token, flags, &res);
	assert_string_equal(res.canonical_request, creq);

	hash = strrchr(sts, '\n');
	assert_non_null(hash);
	if (!is_inconsistent(name)) {
		/* the suite's creq is what its sts hashes */
		assert_true(sha256_hex_eq(creq, hash + 1));
		assert_string_equal(res.string_to_sign, sts);
		assert_string_equal(res.authorization, authz);
		got = build_sreq(req, &res);
		assert_string_equal(got, sreq);
		free(got);
		n_exact++;
	} else {
		struct ct_sigv4_header sub[CT_SIGV4_MAX_HEADERS];
		const char *sh = strstr(authz, "SignedHeaders="), *sig = strstr(authz, "Signature=");
		char want[65], lists[512], *p;
		size_t nsub = 0, j;

		/* prove the data contradicts itself: creq is not what sts hashes */
		assert_false(sha256_hex_eq(creq, hash + 1));
		/* the first three lines of the string to sign still agree */
		assert_memory_equal(res.string_to_sign, sts, (size_t)(hash - sts));
		/* our key derivation gives the suite's signature over the suite's own sts */
		assert_non_null(sig);
		assert_int_equal(ct_sigv4_signature(g_secret, "20150830", g_region, g_service,
		    sts, strlen(sts), want), 0);
		assert_string_equal(sig + strlen("Signature="), want);
		/* re-sign with only the headers authz names */
		assert_non_null(sh);
		snprintf(lists, sizeof(lists), ";%.*s;", (int)(strchr(sh, ',') - sh - 14),
		    sh + 14);
		for (j = 0; j < rq.nh; j++) {
			char lname[128];

			snprintf(lname, sizeof(lname), ";%s;", rq.h[j].name);
			for (p = lname; *p != '\0'; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			if (strstr(lists, lname) != NULL)
				sub[nsub++] = rq.h[j];
		}
		ct_sigv4_result_release(&res);
		sign(&rq, sub, nsub, token, flags, &res);
		if (strcmp(name, "post-x-www-form-urlencoded") == 0) {
			assert_string_equal(res.string_to_sign, sts);
			assert_string_equal(res.authorization, authz);
		} else {
			/* authz's Credential and SignedHeaders are those of our full signing */
			struct ct_sigv4_result full;

			sign(&rq, rq.h, rq.nh, token, flags, &full);
			assert_memory_equal(full.authorization, authz, (size_t)(sig - authz));
			ct_sigv4_result_release(&full);
		}
		n_inconsistent++;
	}
	ct_sigv4_result_release(&res);
	free(rq.text);
}

static void
test_normalize_path_s3_verbatim(void **state)
{
	json_t *t = *state;
	const char *req = json_string_value(json_object_get(t, "req"));
	struct ct_sigv4_result res;
	struct rawreq rq;
	char *line2;

	parse_raw(req, &rq);
	sign(&rq, rq.h, rq.nh, NULL, CT_SIGV4_S3, &res);
	/* second line of the canonical request is the wire path, unnormalised */
	line2 = strchr(res.canonical_request, '\n') + 1;
	assert_memory_equal(line2, rq.path, strlen(rq.path));
	assert_int_equal(line2[strlen(rq.path)], '\n');
	ct_sigv4_result_release(&res);
	free(rq.text);
}

/* ---- the signer's own behaviour ---- */

static const struct ct_sigv4_params base_params = {
	.access_key_id = "AKIDEXAMPLE",
	.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	.region = "us-east-1", .service = "sts", .amz_date = "20150830T123600Z",
};

static void
test_adds_date_and_token(void **state)
{
	struct ct_sigv4_header h[] = { { "Host", "sts.us-east-1.amazonaws.com" } };
	struct ct_sigv4_request rq = { .method = "POST", .path = "/", .headers = h,
		.nheaders = 1, .body = "Action=GetCallerIdentity&Version=2011-06-15",
		.body_len = 43 };
	struct ct_sigv4_params p = base_params;
	struct ct_sigv4_result res;

	(void)state;
	p.session_token = "TOKEN";
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), 0);
	assert_string_equal(res.add_headers[0], "X-Amz-Date: 20150830T123600Z");
	assert_string_equal(res.add_headers[1], "X-Amz-Security-Token: TOKEN");
	assert_null(res.add_headers[2]);
	assert_string_equal(res.signed_headers, "host;x-amz-date;x-amz-security-token");
	assert_non_null(strstr(res.canonical_request, "\nx-amz-security-token:TOKEN\n"));
	assert_non_null(strstr(res.authorization,
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "));
	ct_sigv4_result_release(&res);

	/* no date given: now, in the right shape */
	p.amz_date = NULL;
	p.session_token = NULL;
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), 0);
	assert_int_equal(strlen(res.amz_date), 16);
	assert_int_equal(res.amz_date[8], 'T');
	assert_null(res.add_headers[1]);
	ct_sigv4_result_release(&res);
}

static void
test_refusals(void **state)
{
	struct ct_sigv4_header nohost[] = { { "X-Amz-Date", "20150830T123600Z" } };
	struct ct_sigv4_header ctl[] = { { "Host", "a" }, { "X-A", "x\ny" } };
	struct ct_sigv4_header badname[] = { { "Host", "a" }, { "X A", "x" } };
	struct ct_sigv4_header baddate[] = { { "Host", "a" }, { "X-Amz-Date", "2015-08-30" } };
	struct ct_sigv4_header ok[] = { { "Host", "a" } };
	struct ct_sigv4_request rq = { .method = "GET", .path = "/", .headers = nohost,
		.nheaders = 1 };
	struct ct_sigv4_params p = base_params;
	struct ct_sigv4_result res;

	(void)state;
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID), "no Host header to sign");
	assert_null(res.authorization);
	rq.headers = ctl;
	rq.nheaders = 2;
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID), "header 'x-a' has a control character");
	rq.headers = badname;
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	rq.headers = baddate;
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	assert_string_equal(ct_errmsg(CT_ERR_INVALID),
	    "X-Amz-Date '2015-08-30' is not YYYYMMDDTHHMMSSZ");
	rq.headers = ok;
	rq.nheaders = 1;
	rq.query = "a=%zz";
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	rq.query = "a=%4";
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	rq.query = NULL;
	rq.path = "relative";
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	rq.path = "/";
	p.region = "us east";
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	p.region = "us-east-1";
	p.access_key_id = "AKID/EXAMPLE";
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
	p.access_key_id = "AKIDEXAMPLE";
	p.secret_access_key = "";
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), CT_ERR_INVALID);
}

static void
test_query_encoding(void **state)
{
	struct ct_sigv4_header h[] = { { "Host", "a" } };
	struct ct_sigv4_request rq = { .method = "GET", .path = "/a%20b/c", .headers = h,
		.nheaders = 1, .query = "b=2&a=x%2fy&a=x+y&&c" };
	struct ct_sigv4_params p = base_params;
	struct ct_sigv4_result res;
	const char *expect;

	(void)state;
	assert_int_equal(ct_sigv4_sign(&p, &rq, &res), 0);
	/* path encoded again (non-S3); query decoded, re-encoded upper-case, sorted; '+' is '+' */
	expect = "GET\n/a%2520b/c\na=x%2By&a=x%2Fy&b=2&c=\nhost:a\n";
	assert_memory_equal(res.canonical_request, expect, strlen(expect));
	ct_sigv4_result_release(&res);
}

static int
load_suite(struct CMUnitTest **out, size_t *outn)
{
	const char *top = getenv("CT_TOP");
	json_t *config, *groups, *cases, *t;
	const char *gname;
	struct CMUnitTest *tests;
	json_error_t jerr;
	char path[4096];
	size_t n = 0, i, total = 0;

	snprintf(path, sizeof(path), "%s/tests/fixtures/sigv4/aws-sigv4-test-suite.json",
	    top != NULL ? top : ".");
	if ((suite = json_load_file(path, 0, &jerr)) == NULL) {
		fprintf(stderr, "cannot load '%s': %s\n", path, jerr.text);
		return -1;
	}
	config = json_object_get(suite, "config");
	g_akid = json_string_value(json_object_get(config, "accessKeyId"));
	g_secret = json_string_value(json_object_get(config, "secretAccessKey"));
	g_region = json_string_value(json_object_get(config, "region"));
	g_service = json_string_value(json_object_get(config, "service"));
	g_token = json_string_value(json_object_get(suite, "stsToken"));
	groups = json_object_get(suite, "tests");
	if (g_akid == NULL || g_secret == NULL || g_region == NULL || g_service == NULL ||
	    g_token == NULL || !json_is_object(groups))
		return -1;
	json_object_foreach(groups, gname, cases)
		total += json_array_size(cases) * (strcmp(gname, "normalizePath") == 0 ? 2 : 1);
	if ((tests = calloc(total + 4, sizeof(*tests))) == NULL)
		return -1;
	json_object_foreach(groups, gname, cases) {
		json_array_foreach(cases, i, t) {
			char *nm;

			if (asprintf(&nm, "%s/%s", gname,
			    json_string_value(json_object_get(t, "name"))) < 0)
				return -1;
			tests[n].name = nm;
			tests[n].test_func = test_suite_case;
			tests[n].initial_state = t;
			n++;
			if (strcmp(gname, "normalizePath") == 0) {
				if (asprintf(&nm, "%s/%s (S3: path verbatim)", gname,
				    json_string_value(json_object_get(t, "name"))) < 0)
					return -1;
				tests[n].name = nm;
				tests[n].test_func = test_normalize_path_s3_verbatim;
				tests[n].initial_state = t;
				n++;
			}
		}
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_adds_date_and_token);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_refusals);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_query_encoding);
	*out = tests;
	*outn = n;
	return 0;
}

int
main(void)
{
	struct CMUnitTest *tests = NULL;
	size_t n = 0, i;
	int rc;

	if (load_suite(&tests, &n) != 0) {
		printf("not ok 1 - load the SigV4 test suite fixture\n");
		return 1;
	}
	rc = _cmocka_run_group_tests("sigv4", tests, n, NULL, NULL);
	printf("# sigv4 suite: %d entries checked exactly, %d self-contradictory entries checked "
	    "as far as the data allows\n", n_exact, n_inconsistent);
	for (i = 0; i < n; i++) {
		if (tests[i].test_func == test_suite_case ||
		    tests[i].test_func == test_normalize_path_s3_verbatim)
			free((char *)tests[i].name);
	}
	free(tests);
	json_decref(suite);
	return rc;
}
