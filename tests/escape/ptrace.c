/*
 * escape: ptrace-ing credtrail
 * how: PTRACE_ATTACH and PTRACE_SEIZE on credtrail (our parent), process_vm_readv of its memory, /proc/PID/mem, and pidfd_getfd of its descriptors
 * notes: another user, no CAP_SYS_PTRACE: every one is refused by the kernel
 *
 * usage: ptrace   (one line per attempt)
 */
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "esc.h"

int
main(void)
{
	pid_t ct = getppid();
	char buf[64], path[64];
	struct iovec l = { buf, sizeof(buf) }, r = { (void *)0x400000, sizeof(buf) };
	int fd, pfd;

	esc_pid();
	esc_say("attach", ptrace(PTRACE_ATTACH, ct, NULL, NULL) == 0 ? "attached" :
	    esc_errname(errno));
	esc_say("seize", ptrace(PTRACE_SEIZE, ct, NULL, NULL) == 0 ? "attached" :
	    esc_errname(errno));
	esc_say("vm_readv", process_vm_readv(ct, &l, 1, &r, 1, 0) >= 0 ? "read" :
	    esc_errname(errno));
	snprintf(path, sizeof(path), "/proc/%ld/mem", (long)ct);
	fd = open(path, O_RDONLY);
	esc_say("mem", fd >= 0 ? "opened" : esc_errname(errno));
	if ((pfd = (int)syscall(SYS_pidfd_open, ct, 0)) < 0) {
		esc_say("getfd", esc_errname(errno));
	} else {
		fd = (int)syscall(SYS_pidfd_getfd, pfd, 3, 0);
		esc_say("getfd", fd >= 0 ? "got" : esc_errname(errno));
	}
	return 0;
}
