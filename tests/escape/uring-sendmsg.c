/*
 * escape: io_uring sendmsg
 * how: IORING_OP_SENDMSG with msg_name on an unconnected UDP socket, then IORING_OP_SEND with a destination address (sendto style), on an io-wq worker
 * notes: cgroup/sendmsg4 runs inside udp_sendmsg whoever calls it
 *
 * usage: uring-sendmsg TARGET...   (two datagrams per target: "sendmsg" and "send" results)
 */
#include <liburing.h>

#include "esc.h"

static int
run1(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int r;

	if ((r = io_uring_submit(ring)) < 0)
		return r;
	if ((r = io_uring_wait_cqe(ring, &cqe)) < 0)
		return r;
	r = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return r;
}

int
main(int argc, char **argv)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = "hello", .iov_len = 5 };
	struct msghdr mh;
	char what[300];
	int i, fd, r;

	esc_pid();
	if ((r = io_uring_queue_init(8, &ring, 0)) < 0) {
		errno = -r;
		esc_die("io_uring_setup");
	}
	for (i = 1; i < argc; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_namelen = esc_addr(argv[i], AF_INET, &ss);
		mh.msg_name = &ss;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
			esc_die("socket");
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_sendmsg(sqe, fd, &mh, 0);
		sqe->flags |= IOSQE_ASYNC;
		r = run1(&ring);
		snprintf(what, sizeof(what), "%s sendmsg", argv[i]);
		esc_say(what, r < 0 ? esc_errname(-r) : esc_dgram_answer(fd));
		close(fd);

		if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
			esc_die("socket");
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_send(sqe, fd, "hello", 5, 0);
		io_uring_prep_send_set_addr(sqe, (struct sockaddr *)&ss, (__u16)mh.msg_namelen);
		sqe->flags |= IOSQE_ASYNC;
		r = run1(&ring);
		snprintf(what, sizeof(what), "%s send", argv[i]);
		esc_say(what, r < 0 ? esc_errname(-r) : esc_dgram_answer(fd));
		close(fd);
	}
	io_uring_queue_exit(&ring);
	return 0;
}
