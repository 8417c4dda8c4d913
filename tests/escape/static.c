/*
 * escape: a statically linked binary
 * how: a static program making its own system calls (syscall(2), no libc socket wrappers, nothing LD_PRELOAD could hook)
 * notes: the kernel hooks do not care how the program was linked
 *
 * usage: static ADDR PORT...   (IPv4 literals only: no resolver in a static binary)
 */
#include "esc.h"

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	char what[64];
	const char *res;
	int i;
	long fd;

	esc_pid();
	for (i = 1; i + 1 < argc; i += 2) {
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)esc_port(argv[i + 1]));
		if (inet_pton(AF_INET, argv[i], &a.sin_addr) != 1)
			return 2;
		if ((fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0)) < 0)
			esc_die("socket");
		if (syscall(SYS_connect, fd, &a, sizeof(a)) != 0)
			res = esc_errname(errno);
		else
			res = esc_talk((int)fd);
		syscall(SYS_close, fd);
		snprintf(what, sizeof(what), "%s:%s", argv[i], argv[i + 1]);
		esc_say(what, res);
	}
	return 0;
}
