/*
 * escape: UDP sendmmsg without connect
 * how: one sendmmsg() carrying a datagram for each target, an allowed one first
 * notes: cgroup/sendmsg4 runs for each message; the call stops at the first refused one
 *
 * usage: udp-sendmmsg TARGET...   (prints, per target, "ok" once its answer came, or the error)
 */
#include "esc.h"

#define MAXMSG 8

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss[MAXMSG];
	struct iovec iov = { .iov_base = "hello", .iov_len = 5 };
	struct mmsghdr mm[MAXMSG];
	const char *res[MAXMSG];
	int i, n = argc - 1, fd, r;

	if (n < 1 || n > MAXMSG)
		return 2;
	esc_pid();
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		esc_die("socket");
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_namelen = esc_addr(argv[i + 1], AF_INET, &ss[i]);
		mm[i].msg_hdr.msg_name = &ss[i];
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
		res[i] = NULL;
	}
	/* as a sender would: after a short count, go on after the message that failed */
	for (i = 0; i < n; ) {
		r = sendmmsg(fd, mm + i, (unsigned)(n - i), 0);
		if (r > 0) {
			printf("sendmmsg %d of %d\n", r, n - i);
			i += r;
		} else {
			printf("sendmmsg %s\n", esc_errname(errno));
			res[i++] = esc_errname(errno);
		}
	}
	for (i = 0; i < n; i++)
		esc_say(argv[i + 1], res[i] != NULL ? res[i] : esc_dgram_answer(fd));
	return 0;
}
