/*
 * escape: IPv6 link-local with scope id
 * how: connect() to fe80::2%IFACE, a neighbour on a link of the host (a veth into a namespace)
 * notes: cgroup/connect6; the scope id is not part of the event (the hook does not see it)
 *
 * usage: linklocal TARGET...   (TARGET as [fe80::2%IFACE]:PORT)
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
