/*
 * escape: double fork + setsid, the parent exiting early
 * how: fork, setsid, fork again; the middle process exits at once, so the grandchild is an orphan in a session of its own when it execs a program that connects
 * notes: cgroup membership is inherited at fork and does not depend on the parent or the session; the event carries the orphan's pid and its new parent
 *
 * usage: doublefork PROG [ARG...]   (prints "middle PID"; the grandchild's PROG prints its own lines)
 */
#include <sys/wait.h>

#include "esc.h"

int
main(int argc, char **argv)
{
	pid_t mid;
	char c;
	int p[2], st;

	if (argc < 2)
		return 2;
	esc_pid();
	if (pipe(p) != 0)
		esc_die("pipe");
	if ((mid = fork()) < 0)
		esc_die("fork");
	if (mid == 0) {
		pid_t me = getpid(), gc;

		close(p[0]);
		if (setsid() < 0)
			_exit(1);
		if ((gc = fork()) < 0)
			_exit(1);
		if (gc > 0)
			_exit(0);	/* the parent leaves early */
		/* the grandchild: wait until it is an orphan, then act */
		while (getppid() == me)
			usleep(1000);
		execv(argv[1], argv + 1);	/* keeps p[1]: its exit is our EOF */
		_exit(127);
	}
	close(p[1]);
	printf("middle %ld\n", (long)mid);
	fflush(stdout);
	if (waitpid(mid, &st, 0) < 0)
		esc_die("waitpid");
	/* the agent stays until the orphan is done, so that what it did is not cut short */
	while (read(p[0], &c, 1) > 0)
		;
	return 0;
}
