/*
 * escape: TCP fast open
 * how: sendto() with MSG_FASTOPEN on a fresh TCP socket: connect and data in one call, no connect()
 * notes: the kernel runs the cgroup/connect4 hook for the implicit connect as well
 *
 * usage: tfo TARGET...
 */
#include <netinet/tcp.h>

#include "esc.h"

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct timeval tv = { 5, 0 };
	char buf[16];
	socklen_t len;
	ssize_t n;
	int i, fd;

	esc_pid();
	for (i = 1; i < argc; i++) {
		len = esc_addr(argv[i], AF_UNSPEC, &ss);
		if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
			esc_die("socket");
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (sendto(fd, "hello", 5, MSG_FASTOPEN, (struct sockaddr *)&ss, len) != 5)
			esc_say(argv[i], esc_errname(errno));
		else if ((n = recv(fd, buf, sizeof(buf), 0)) < 0)
			esc_say(argv[i], esc_errname(errno));
		else
			esc_say(argv[i], n == 3 && memcmp(buf, "ok\n", 3) == 0 ? "ok" : "bad-answer");
		close(fd);
	}
	return 0;
}
