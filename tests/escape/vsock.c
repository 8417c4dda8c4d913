/*
 * escape: vsock (the hypervisor's socket family)
 * how: socket(AF_VSOCK, SOCK_STREAM): in a virtual machine, a way to the host that no inet hook sees; this program never connects anywhere, it only creates the socket and sends on it unconnected
 * notes: enforce mode: credtrail's seccomp filter traps socket() of this family (SIGSYS, recorded); audit mode: the first send on such a socket is recorded (tp_btf/sock_send_length), whatever its result; io_uring's socket operation is not filtered (its sends are recorded)
 *
 * usage: vsock   (prints "vsock RESULT" and "send RESULT")
 */
#include <linux/vm_sockets.h>

#include "esc.h"

int
main(void)
{
	int fd;

	esc_pid();
	esc_catch_sigsys();
	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	esc_say("vsock", esc_sock_result(fd));
	if (fd < 0)
		return 0;
	/* not connected: the send fails at once, but it is a send on a vsock socket */
	esc_say("send", send(fd, "hello", 5, MSG_NOSIGNAL) >= 0 ? "sent" : esc_errname(errno));
	return 0;
}
