/*
 * escape: raw sockets
 * how: socket(AF_INET/AF_INET6, SOCK_RAW) in the host's network namespace, then again inside a user and network namespace of its own (where it holds CAP_NET_RAW)
 * notes: the host namespace refuses it (no CAP_NET_RAW); in its own namespace cgroup/sock_create refuses it in enforce mode
 *
 * usage: raw   (prints "host raw4|raw6 RESULT", "userns raw4|raw6 RESULT")
 */
#include <sched.h>

#include "esc.h"

static void
try(const char *where)
{
	char what[64];
	int fd;

	snprintf(what, sizeof(what), "%s raw4", where);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	esc_say(what, fd >= 0 ? "ok" : esc_errname(errno));
	if (fd >= 0)
		close(fd);
	snprintf(what, sizeof(what), "%s raw6", where);
	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	esc_say(what, fd >= 0 ? "ok" : esc_errname(errno));
	if (fd >= 0)
		close(fd);
}

int
main(void)
{
	esc_pid();
	try("host");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
		esc_die("unshare");
	try("userns");
	return 0;
}
