/*
 * escape: IPv6
 * how: connect() on an AF_INET6 socket to an IPv6 address (::1) when only an IPv4 name is allowed
 * notes: cgroup/connect6 judges IPv6 destinations by the same allow maps
 *
 * usage: ipv6 TARGET...
 */
#include "esc.h"

int
main(int argc, char **argv)
{
	int i;

	esc_pid();
	for (i = 1; i < argc; i++)
		esc_say(argv[i], esc_tcp(argv[i], AF_INET6));
	return 0;
}
