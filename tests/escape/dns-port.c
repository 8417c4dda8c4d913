/*
 * escape: DNS to a resolver on another port
 * how: a query by sendto() straight to a resolver listening on a port other than 53 (the upstream dnsmasq itself), past the port-53 redirect
 * notes: not port 53, so no redirect: an ordinary UDP destination, refused unless the allowlist names it (direct-IP)
 *
 * usage: dns-port RESOLVER NAME...   (prints "NAME RCODE [ADDR...]")
 */
#include "esc.h"

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct timeval tv = { 3, 0 };
	unsigned char q[302], m[1024];
	char res[256];
	socklen_t len;
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
	for (i = 2; i < argc; i++) {
		qn = esc_dns_query(argv[i], (uint16_t)(0x6600 + i), q);
		if (sendto(fd, q, qn, 0, (struct sockaddr *)&ss, len) != (ssize_t)qn) {
			esc_say(argv[i], esc_errname(errno));
			continue;
		}
		if ((n = recv(fd, m, sizeof(m), 0)) < 0) {
			esc_say(argv[i], esc_errname(errno));
			continue;
		}
		esc_dns_answer(m, (size_t)n, qn, (uint16_t)(0x6600 + i), res, sizeof(res));
		esc_say(argv[i], res);
	}
	return 0;
}
