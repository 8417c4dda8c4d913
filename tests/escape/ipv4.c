/*
 * escape: IPv4
 * how: connect() on an AF_INET socket to a literal IPv4 address no allowed name resolved to
 * notes: cgroup/connect4; the address is not in the allow map, so EPERM (direct-IP)
 *
 * usage: ipv4 TARGET...   (each: TCP connect, hello, "ok")
 */
#include "esc.h"

int
main(int argc, char **argv)
{
	int i;

	esc_pid();
	for (i = 1; i < argc; i++)
		esc_say(argv[i], esc_tcp(argv[i], AF_INET));
	return 0;
}
