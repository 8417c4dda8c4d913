/*
 * escape: UDP sendto without connect
 * how: sendto() on an unconnected UDP socket, a new destination on every call
 * notes: cgroup/sendmsg4 judges every datagram's destination (the first per socket and destination is recorded)
 *
 * usage: udp-sendto TARGET...   (each: one datagram "hello", wait for "ok")
 */
#include "esc.h"

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int i, fd;

	esc_pid();
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		esc_die("socket");
	for (i = 1; i < argc; i++) {
		len = esc_addr(argv[i], AF_INET, &ss);
		if (sendto(fd, "hello", 5, 0, (struct sockaddr *)&ss, len) != 5)
			esc_say(argv[i], esc_errname(errno));
		else
			esc_say(argv[i], esc_dgram_answer(fd));
	}
	return 0;
}
