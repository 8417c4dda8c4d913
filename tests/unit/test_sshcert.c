/*
 * test_sshcert.c - the task binding in principal names (ledger.c ct_task_from_principal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/ledger.h"
#include "util/err.h"

static int
task_of(const char *s, char task[CT_TASK_ID_MAX + 1])
{
	return ct_task_from_principal(s, strlen(s), task, CT_TASK_ID_MAX + 1);
}

static void
test_task_from_principal_shapes(void **state)
{
	static const struct {
		const char *in, *task;
	} good[] = {
		{ "ironclaw-task-7b3f-a1c8b2d4", "7b3f" },
		{ "ironclaw-task-3f1c2d9e-1b7a-4c55-9d8e-0a1b2c3d4e5f-0123abcd",
		  "3f1c2d9e-1b7a-4c55-9d8e-0a1b2c3d4e5f" },
		{ "ic-task-a-task-b-deadbeef", "a-task-b" },
		{ "task-7b3f@ironclaw", "7b3f" },
		{ "task-job_1@Prefix2", "job_1" },
		{ "task-a@b@ironclaw", NULL },	/* '@' is not a task character */
		{ "spiffe://example.org/ironclaw/task/7b3f", "7b3f" },
		{ "SPIFFE://example.org/task/x-1", "x-1" },
		{ "spiffe://example.org/a/b/c/task/abc_def", "abc_def" },
	};
	char task[CT_TASK_ID_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = task_of(good[i].in, task);

		if (good[i].task == NULL) {
			assert_int_not_equal(r, 0);
			continue;
		}
		if (r != 0)
			fail_msg("'%s': %s", good[i].in, ct_errmsg(r));
		assert_string_equal(task, good[i].task);
	}
	/* a generated principal names its task */
	{
		char p[CT_PRINCIPAL_MAX + 1];

		assert_int_equal(ct_principal_new("ironclaw", "0123456789abcdef", p), 0);
		assert_int_equal(task_of(p, task), 0);
		assert_string_equal(task, "0123456789abcdef");
	}
}

static void
test_task_from_principal_none(void **state)
{
	static const char *none[] = {
		"", "alice", "root@host", "ironclaw-task-7b3f", "ironclaw-task-7b3f-a1c8",
		"ironclaw-task-7b3f-A1C8B2D4", "ironclaw-task--a1c8b2d4", "-task-x-a1c8b2d4",
		"iron claw-task-x-a1c8b2d4", "ironclawironclawx-task-x-a1c8b2d4",
		"task-x@", "task-@ironclaw", "task-x@iron-claw", "task-x",
		"spiffe://example.org/ironclaw/job/7b3f", "spiffe://example.org/task/",
		"spiffe:///task/x", "spiffe://task/x", "https://example.org/task/x",
		"arn:aws:sts::123456789012:assumed-role/r/alice",
	};
	char task[CT_TASK_ID_MAX + 1];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		r = task_of(none[i], task);
		if (r == 0)
			fail_msg("'%s' gave task '%s'", none[i], task);
		assert_true(r == CT_ERR_NOTFOUND || r == CT_ERR_INVALID);
		assert_string_equal(task, "");
	}
	/* the task must pass ct_task_id_check */
	assert_int_equal(task_of("ironclaw-task-a.b-a1c8b2d4", task), CT_ERR_INVALID);
	assert_int_equal(task_of("task-a+b@ironclaw", task), CT_ERR_INVALID);
	assert_int_equal(task_of("spiffe://td/task/a%20b", task), CT_ERR_INVALID);
	assert_int_equal(task_of("ironclaw-task-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a1c8b2d4",
	    task), CT_ERR_INVALID);
	/* only the given length is read; an embedded NUL is no task */
	assert_int_equal(ct_task_from_principal("task-ab@ironclawXYZ", 16, task, sizeof(task)), 0);
	assert_string_equal(task, "ab");
	assert_int_equal(ct_task_from_principal("task-a\0b@ironclaw", 17, task, sizeof(task)),
	    CT_ERR_NOTFOUND);
	/* the output size is respected */
	assert_int_equal(ct_task_from_principal("task-abcdef@ironclaw", 20, task, 4),
	    CT_ERR_LIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task_from_principal_shapes),
		cmocka_unit_test(test_task_from_principal_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
