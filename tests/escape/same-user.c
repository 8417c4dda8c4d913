/*
 * escape: a process of the same user outside the cgroup
 * how: signal, ptrace (PTRACE_SEIZE) and read the memory of a process that runs as the agent's user but outside its cgroup: a process that could be made to connect on the agent's behalf
 * notes: with --user dynamic (a uid no other process has) the process is another user's: every attempt is refused by the kernel and recorded; with a user that runs elsewhere too (the default, nobody) NOT refused and NOT recorded: same uid, so the kernel checks no capability
 *
 * usage: same-user PID   (prints "signal RESULT", "seize RESULT", "vm_readv RESULT")
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "esc.h"

int
main(int argc, char **argv)
{
	char buf[16];
	struct iovec l = { buf, sizeof(buf) }, r;
	pid_t pid;
	FILE *f;
	unsigned long lo = 0;

	if (argc != 2)
		return 2;
	pid = (pid_t)esc_port(argv[1]);
	esc_pid();
	/*
	 * SIGWINCH changes nothing for the victim (ignored by default): the point is whether it
	 * is delivered.  Not SIGCONT, which the kernel lets through within a session whoever
	 * the sender.
	 */
	esc_say("signal", kill(pid, SIGWINCH) == 0 ? "sent" : esc_errname(errno));
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0) {
		esc_say("seize", "attached");
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	} else {
		esc_say("seize", esc_errname(errno));
	}
	/* the first mapping of the process, from its maps */
	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%lx", &lo) != 1)
				lo = 0;
			fclose(f);
		}
	}
	/* maps unreadable (another user's): any address, the permission is checked first */
	r.iov_base = (void *)(lo != 0 ? lo : 0x10000);
	r.iov_len = sizeof(buf);
	esc_say("vm_readv", process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)sizeof(buf) ?
	    "read" : esc_errname(errno));
	return 0;
}
