/*
 * escape: signalling credtrail
 * how: SIGKILL and SIGSTOP to credtrail (our parent) by kill(), tgkill() and a pidfd
 * notes: the agent runs as another user with no capabilities, so the kernel refuses (EPERM); credtrail and its watchdog run on
 *
 * usage: signal   (prints "kill RESULT", "stop RESULT", "tgkill RESULT", "pidfd RESULT")
 */
#include <signal.h>

#include "esc.h"

int
main(void)
{
	pid_t ct = getppid();
	int pfd;

	esc_pid();
	esc_say("kill", kill(ct, SIGKILL) == 0 ? "sent" : esc_errname(errno));
	esc_say("stop", kill(ct, SIGSTOP) == 0 ? "sent" : esc_errname(errno));
	esc_say("tgkill", syscall(SYS_tgkill, ct, ct, SIGKILL) == 0 ? "sent" : esc_errname(errno));
	if ((pfd = (int)syscall(SYS_pidfd_open, ct, 0)) < 0)
		esc_say("pidfd", esc_errname(errno));
	else
		esc_say("pidfd", syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0 ?
		    "sent" : esc_errname(errno));
	return 0;
}
