/*
 * escape: io_uring connect
 * how: IORING_OP_SOCKET then IORING_OP_CONNECT forced onto an io-wq worker (IOSQE_ASYNC): no connect(2) at all
 * notes: the socket is still the agent's, so cgroup/connect4 runs; the event names the io-wq worker thread (comm iou-wrk-PID) of the agent's process
 *
 * usage: uring-connect TARGET...
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
	socklen_t len;
	char buf[16];
	int i, fd, r;

	esc_pid();
	if ((r = io_uring_queue_init(8, &ring, 0)) < 0) {
		errno = -r;
		esc_die("io_uring_setup");
	}
	for (i = 1; i < argc; i++) {
		len = esc_addr(argv[i], AF_UNSPEC, &ss);
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_socket(sqe, ss.ss_family, SOCK_STREAM, 0, 0);
		if ((fd = run1(&ring)) < 0) {
			esc_say(argv[i], esc_errname(-fd));
			continue;
		}
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_connect(sqe, fd, (struct sockaddr *)&ss, len);
		sqe->flags |= IOSQE_ASYNC;
		if ((r = run1(&ring)) < 0) {
			esc_say(argv[i], esc_errname(-r));
			close(fd);
			continue;
		}
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_send(sqe, fd, "hello", 5, 0);
		if ((r = run1(&ring)) == 5) {
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_recv(sqe, fd, buf, sizeof(buf), 0);
			r = run1(&ring);
		}
		esc_say(argv[i], r < 0 ? esc_errname(-r) :
		    r == 3 && memcmp(buf, "ok\n", 3) == 0 ? "ok" : "bad-answer");
		close(fd);
	}
	io_uring_queue_exit(&ring);
	return 0;
}
