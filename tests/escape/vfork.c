/*
 * escape: vfork + exec
 * how: vfork() then execv() of another program that connects (the child shares our memory until exec)
 * notes: tp_btf fork/exec follow the child; the connect is the exec'd program's, under the child's pid
 *
 * usage: vfork PROG [ARG...]   (prints "child PID"; PROG prints its own lines)
 */
#include <sys/wait.h>

#include "esc.h"

int
main(int argc, char **argv)
{
	pid_t pid;
	int st;

	if (argc < 2)
		return 2;
	esc_pid();
	if ((pid = vfork()) < 0)
		esc_die("vfork");
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	printf("child %ld\n", (long)pid);
	if (waitpid(pid, &st, 0) < 0)
		esc_die("waitpid");
	printf("child-status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
