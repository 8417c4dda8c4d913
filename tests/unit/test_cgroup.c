/*
 * test_cgroup.c - lib/cgroup and lib/monitor against the running kernel: the cgroup2 mount
 * is found, a run's cgroup is created, joined, seen populated, killed and removed; the BPF
 * monitor loads, refuses a file descriptor that is not a cgroup (nothing stays attached),
 * and its allow maps take, normalise and expire entries.  The parts that need root (BPF,
 * cgroup creation) are skipped without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/cgroup.h"
#include "lib/monitor.h"
#include "util/err.h"
#include "util/timeutil.h"

#define CGROUP2_MAGIC 0x63677270

static void
test_mount_found(void **state)
{
	struct statfs sf;
	char *mnt = NULL, *self = NULL;

	(void)state;
	assert_int_equal(ct_cgroup2_mount(&mnt), 0);
	assert_int_equal(statfs(mnt, &sf), 0);
	assert_true((unsigned long)sf.f_type == CGROUP2_MAGIC);
	assert_int_equal(ct_cgroup_self(&self), 0);
	assert_memory_equal(self, mnt, strlen(mnt));
	assert_int_equal(statfs(self, &sf), 0);
	free(mnt);
	free(self);
}

static void
test_bad_names(void **state)
{
	static const char *bad[] = { "", ".", "..", "a/b", "/x" };
	struct ct_cgroup cg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ct_cgroup_create(&cg, bad[i]), CT_ERR_INVALID);
		assert_null(cg.path);
		assert_int_equal(cg.dirfd, -1);
	}
}

static void
test_lifecycle(void **state)
{
	struct ct_cgroup cg, dup;
	char name[64];
	pid_t pid, *pids = NULL;
	size_t n = 0;
	int fd, populated, st;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(name, sizeof(name), "ct-unit-%d", (int)getpid());
	assert_int_equal(ct_cgroup_create(&cg, name), 0);
	assert_true(cg.id != 0);
	assert_int_equal(ct_cgroup_create(&dup, name), CT_ERR_EXISTS);
	assert_int_equal(ct_cgroup_populated(&cg, &populated), 0);
	assert_int_equal(populated, 0);
	assert_int_equal(ct_cgroup_procs_fd(&cg, &fd), 0);
	if ((pid = fork()) == 0) {
		if (write(fd, "0", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fd);
	do {
		assert_int_equal(ct_cgroup_pids(&cg, &pids, &n), 0);
		free(pids);
	} while (n == 0);
	assert_int_equal(ct_cgroup_pids(&cg, &pids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], pid);
	free(pids);
	assert_int_equal(ct_cgroup_populated(&cg, &populated), 0);
	assert_int_equal(populated, 1);
	assert_int_equal(ct_cgroup_kill(&cg, 5000), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(ct_cgroup_remove(&cg), 0);
	assert_int_equal(access(cg.path, F_OK), -1);
	ct_cgroup_release(&cg);
}

static int
no_event(void *arg, const void *rec, size_t len)
{
	(void)arg;
	(void)rec;
	(void)len;
	return 0;
}

static void
test_monitor_refuses_non_cgroup(void **state)
{
	struct ct_monitor_params p;
	struct ct_monitor *m = NULL;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_true((fd = open("/", O_RDONLY | O_DIRECTORY)) >= 0);
	memset(&p, 0, sizeof(p));
	p.cgroup_fd = fd;
	p.on_event = no_event;
	assert_int_equal(ct_monitor_open(&m, &p), CT_ERR_SYSTEM);
	assert_null(m);
	assert_non_null(strstr(ct_errmsg(CT_ERR_SYSTEM), "cgroup"));
	close(fd);
}

static void
test_monitor_maps(void **state)
{
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 };
	struct ct_monitor_params p;
	struct ct_monitor *m = NULL;
	struct ct_cgroup cg;
	uint64_t drops[CT_DROP_MAX];
	uint8_t a4[4] = { 192, 0, 2, 1 }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char name[64];
	int i;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(name, sizeof(name), "ct-unit-m-%d", (int)getpid());
	assert_int_equal(ct_cgroup_create(&cg, name), 0);
	memset(&p, 0, sizeof(p));
	p.cgroup_fd = cg.dirfd;
	p.enforce = 1;
	p.on_event = no_event;
	assert_int_equal(ct_monitor_open(&m, &p), 0);
	/* one admission for the run, one already over, one mapped address */
	assert_int_equal(ct_monitor_allow_addr(m, AF_INET, a4, 443, 0), 0);
	assert_int_equal(ct_monitor_allow_addr(m, AF_INET6, a6, 0, ct_now_us() - 1000000), 0);
	assert_int_equal(ct_monitor_allow_addr(m, AF_INET6, mapped, 80, ct_now_us() - 1000000),
	    0);
	assert_int_equal(ct_monitor_expire(m), 2);
	assert_int_equal(ct_monitor_expire(m), 0);
	/* CIDR rules; a mapped prefix is an IPv4 one, shorter than /96 is refused */
	assert_int_equal(ct_monitor_allow_cidr(m, AF_INET, a4, 24, 0), 0);
	assert_int_equal(ct_monitor_allow_cidr(m, AF_INET6, a6, 32, 443), 0);
	assert_int_equal(ct_monitor_allow_cidr(m, AF_INET6, mapped, 120, 0), 0);
	assert_int_equal(ct_monitor_allow_cidr(m, AF_INET6, mapped, 64, 0), CT_ERR_INVALID);
	assert_int_equal(ct_monitor_allow_cidr(m, AF_INET, a4, 33, 0), CT_ERR_INVALID);
	assert_int_equal(ct_monitor_allow_addr(m, AF_UNIX, a4, 0, 0), CT_ERR_INVALID);
	assert_int_equal(ct_monitor_drops(m, drops), 0);
	for (i = 0; i < CT_DROP_MAX; i++)
		assert_int_equal(drops[i], 0);
	assert_int_equal(ct_monitor_open_connections(m), 0);
	assert_int_equal(ct_monitor_consume(m), 0);
	ct_monitor_free(m);
	assert_int_equal(ct_cgroup_remove(&cg), 0);
	ct_cgroup_release(&cg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_found),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_monitor_refuses_non_cgroup),
		cmocka_unit_test(test_monitor_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
