/*
 * escape: a unix socket to a local forwarding proxy
 * how: connect() to a unix socket whose listener, outside the agent's cgroup, forwards the bytes to a destination the agent may not reach
 * notes: a unix connect is not egress, and the proxy's own connect is not in the agent's cgroup: this cannot be refused by destination, only recorded
 *
 * usage: unix-proxy PATH...
 */
#include <sys/un.h>

#include "esc.h"

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	int i, fd;

	esc_pid();
	for (i = 1; i < argc; i++) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(argv[i]) >= sizeof(sun.sun_path))
			return 2;
		memcpy(sun.sun_path, argv[i], strlen(argv[i]));
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			esc_die("socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
			esc_say(argv[i], esc_errname(errno));
		else
			esc_say(argv[i], esc_talk(fd));
		close(fd);
	}
	return 0;
}
