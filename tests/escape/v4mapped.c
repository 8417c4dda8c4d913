/*
 * escape: IPv4-mapped IPv6
 * how: connect() on an AF_INET6 socket to ::ffff:a.b.c.d, which a connect4-only monitor never sees
 * notes: cgroup/connect6 unwraps ::ffff:a.b.c.d and applies the IPv4 policy; the event says v4mapped
 *
 * usage: v4mapped TARGET...   (TARGET as [::ffff:a.b.c.d]:PORT)
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
