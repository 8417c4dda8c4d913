/*
 * escape: UDP sendmsg without connect
 * how: sendmsg() with msg_name on an unconnected UDP socket
 * notes: cgroup/sendmsg4, as for sendto: the hook sees msg_name whatever the system call
 *
 * usage: udp-sendmsg TARGET...
 */
#include "esc.h"

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = "hello", .iov_len = 5 };
	struct msghdr mh;
	int i, fd;

	esc_pid();
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		esc_die("socket");
	for (i = 1; i < argc; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_namelen = esc_addr(argv[i], AF_INET, &ss);
		mh.msg_name = &ss;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (sendmsg(fd, &mh, 0) != 5)
			esc_say(argv[i], esc_errname(errno));
		else
			esc_say(argv[i], esc_dgram_answer(fd));
	}
	return 0;
}
