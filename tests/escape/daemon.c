/*
 * escape: a daemon still running after the agent exits
 * how: double fork + setsid; the daemon waits for the agent to exit, then keeps trying to connect
 * notes: when the agent exits, credtrail records what is left in the cgroup (kill events) and kills it with cgroup.kill
 *
 * usage: daemon TARGET   (prints "daemon PID"; the agent exits as soon as the daemon is ready)
 */
#include <sys/wait.h>

#include "esc.h"

int
main(int argc, char **argv)
{
	pid_t mid;
	char c;
	int p[2], ready[2];

	if (argc != 2)
		return 2;
	esc_pid();
	if (pipe(p) != 0 || pipe(ready) != 0)
		esc_die("pipe");
	if ((mid = fork()) < 0)
		esc_die("fork");
	if (mid == 0) {
		close(p[1]);
		close(ready[0]);
		if (setsid() < 0 || (mid = fork()) < 0)
			_exit(1);
		if (mid > 0)
			_exit(0);
		printf("daemon %ld\n", (long)getpid());
		fflush(stdout);
		close(ready[1]);
		/* EOF: the agent is gone */
		while (read(p[0], &c, 1) > 0)
			;
		for (;;) {
			const char *res = esc_tcp(argv[1], AF_INET);

			if (strcmp(res, "ok") == 0)
				printf("daemon connected\n");
			usleep(10000);
		}
	}
	close(p[0]);
	close(ready[1]);
	waitpid(mid, NULL, 0);
	while (read(ready[0], &c, 1) > 0)
		;
	return 0;
}
