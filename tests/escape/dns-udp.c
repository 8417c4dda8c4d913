/*
 * escape: DNS to a non-standard resolver address
 * how: a query by sendto() to port 53 of an address that is not the system's resolver, written by hand
 * notes: cgroup/sendmsg4 rewrites UDP port 53 to the DNS proxy whatever the address; recvmsg4 gives the answer the address the agent asked, so the agent cannot tell
 *
 * usage: dns-udp RESOLVER NAME...   (prints "sport N" and "NAME from ADDR:PORT RCODE [ADDR...]")
 */
#include "esc.h"

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in me = { .sin_family = AF_INET }, from;
	struct timeval tv = { 5, 0 };
	unsigned char q[302], m[1024];
	char res[256], what[600], fa[INET_ADDRSTRLEN];
	socklen_t len, ml = sizeof(me), fl;
	size_t qn;
	ssize_t n;
	int i, fd;

	if (argc < 3)
		return 2;
	esc_pid();
	len = esc_addr(argv[1], AF_INET, &ss);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		esc_die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &ml) != 0)
		esc_die("bind");
	printf("sport %u\n", ntohs(me.sin_port));
	for (i = 2; i < argc; i++) {
		qn = esc_dns_query(argv[i], (uint16_t)(0x5500 + i), q);
		if (sendto(fd, q, qn, 0, (struct sockaddr *)&ss, len) != (ssize_t)qn) {
			esc_say(argv[i], esc_errname(errno));
			continue;
		}
		fl = sizeof(from);
		if ((n = recvfrom(fd, m, sizeof(m), 0, (struct sockaddr *)&from, &fl)) < 0) {
			esc_say(argv[i], esc_errname(errno));
			continue;
		}
		esc_dns_answer(m, (size_t)n, qn, (uint16_t)(0x5500 + i), res, sizeof(res));
		inet_ntop(AF_INET, &from.sin_addr, fa, sizeof(fa));
		snprintf(what, sizeof(what), "%s from %s:%u", argv[i], fa, ntohs(from.sin_port));
		esc_say(what, res);
	}
	return 0;
}
