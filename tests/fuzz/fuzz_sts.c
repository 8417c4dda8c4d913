/*
 * fuzz_sts.c - what credtrail reads for AWS STS (src/lib/sts.c), chosen by the first byte:
 *   0 an answer to AssumeRole, 1 to AssumeRoleWithWebIdentity (ct_sts_parse_answer, over the
 *     bounded XML reader ct_xml_extract); a parsed answer has every required member
 *   2 an inline session policy (ct_sts_policy_prepare): what it returns parses as JSON
 *   3 an ARN (ct_inspect_aws_arn, and ct_sts_role_arn_check on it as a C string)
 * The rest is copied to an exact-size block, so a read past its length is a sanitizer error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/sts.h"
#include "util/err.h"

#include "fuzz.h"

static void
answer(const char *action, const char *in, size_t n)
{
	struct ct_sts_result res;

	memset(&res, 0, sizeof(res));
	if (ct_sts_parse_answer(action, in, n, &res) == 0 && (res.access_key_id == NULL ||
	    res.secret_access_key == NULL || res.session_token == NULL ||
	    res.expiration == NULL || res.assumed_role_arn == NULL))
		abort();
	ct_sts_result_release(&res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *o = NULL;
	char *in, *s = NULL;
	size_t n;

	if ((in = fuzz_copy(data, size, 1, &n)) == NULL)
		return 0;
	switch (data[0]) {
	case 0:
		answer("AssumeRole", in, n);
		break;
	case 1:
		answer("AssumeRoleWithWebIdentity", in, n);
		break;
	case 2:
		if (ct_sts_policy_prepare("fuzz", in, n, &s) == 0) {
			if ((o = json_loads(s, 0, NULL)) == NULL || !json_is_object(o))
				abort();
			json_decref(o);
			free(s);
		}
		break;
	case 3:
		if (ct_inspect_aws_arn(in, n, &o) == 0)
			json_decref(o);
		if ((s = strndup(in, n)) != NULL)
			(void)ct_sts_role_arn_check(s);
		free(s);
		break;
	}
	ct_error_clear();
	free(in);
	return 0;
}
