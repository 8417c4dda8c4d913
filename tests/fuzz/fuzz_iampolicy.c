/*
 * fuzz_iampolicy.c - IAM policy documents (src/lib/policy_iam.c), as `credtrail policy diff`
 * reads the policy a task was given: ct_iam_policy_parse, then ct_iam_policy_eval of a few
 * actions on a few resources, and ct_iam_policy_chars (STS's size count).  Invariants: a
 * parsed statement has at least one action and one resource pattern, and the decision is
 * one of the three.  The input is copied to an exact-size block.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/policy.h"
#include "util/err.h"

#include "fuzz.h"

static const char *const actions[] = {
	"s3:GetObject", "s3:ListBucket", "iam:PassRole", "ec2:DescribeInstances",
	"sts:AssumeRole", "kms:Decrypt"
};
static const char *const resources[] = {
	NULL, "*", "arn:aws:s3:::bucket/key", "arn:aws:iam::123456789012:role/r"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_iam_policy *p = NULL;
	enum ct_iam_decision d;
	size_t i, j, n, chars;
	unsigned flags;
	char *in;

	if ((in = fuzz_copy(data, size, 0, &n)) == NULL)
		return 0;
	if (ct_iam_policy_parse("fuzz", in, n, &p) == 0) {
		for (i = 0; i < p->n; i++) {
			if (p->st[i].nactions == 0 || p->st[i].nresources == 0)
				abort();
		}
		for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
			for (j = 0; j < sizeof(resources) / sizeof(resources[0]); j++) {
				d = ct_iam_policy_eval(p, actions[i], resources[j], &flags);
				if (d != CT_IAM_IMPLICIT_DENY && d != CT_IAM_ALLOW &&
				    d != CT_IAM_EXPLICIT_DENY)
					abort();
			}
		}
		ct_iam_policy_free(p);
	}
	(void)ct_iam_policy_chars(in, n, &chars);
	ct_error_clear();
	free(in);
	return 0;
}
