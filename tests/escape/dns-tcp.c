/*
 * escape: DNS over TCP
 * how: a query over TCP to port 53 of some address, written by hand (no resolver library)
 * notes: cgroup/connect4 rewrites TCP port 53 to credtrail's DNS proxy, which refuses names outside the allowlist (enforce) and records each query
 *
 * usage: dns-tcp RESOLVER NAME...   (RESOLVER as ADDR:53; prints "sport N" then "NAME RCODE [ADDR...]")
 */
#include "esc.h"

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in me = { .sin_family = AF_INET };
	struct timeval tv = { 5, 0 };
	unsigned char q[302], m[1024];
	char res[256];
	socklen_t len, ml = sizeof(me);
	size_t qn, got, want;
	ssize_t n;
	int i, fd;

	if (argc < 3)
		return 2;
	esc_pid();
	len = esc_addr(argv[1], AF_INET, &ss);
	for (i = 2; i < argc; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			esc_die("socket");
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		/* bound first, so that the connect event and the proxy's record share the port */
		if (bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0 ||
		    getsockname(fd, (struct sockaddr *)&me, &ml) != 0)
			esc_die("bind");
		printf("sport %u\n", ntohs(me.sin_port));
		me.sin_port = 0;
		if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
			esc_say(argv[i], esc_errname(errno));
			close(fd);
			continue;
		}
		qn = esc_dns_query(argv[i], (uint16_t)(0x4400 + i), q + 2);
		q[0] = (unsigned char)(qn >> 8);
		q[1] = qn & 0xff;
		if (send(fd, q, qn + 2, MSG_NOSIGNAL) != (ssize_t)(qn + 2) ||
		    recv(fd, m, 2, MSG_WAITALL) != 2) {
			esc_say(argv[i], esc_errname(errno));
			close(fd);
			continue;
		}
		want = (size_t)((m[0] << 8) | m[1]);
		for (got = 0; got < want && got < sizeof(m); got += (size_t)n)
			if ((n = recv(fd, m + got, sizeof(m) - got, 0)) <= 0)
				break;
		esc_dns_answer(m, got, qn, (uint16_t)(0x4400 + i), res, sizeof(res));
		esc_say(argv[i], res);
		close(fd);
	}
	return 0;
}
