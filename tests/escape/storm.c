/*
 * escape: exhausting the ring buffer with a connect storm
 * how: threads refused connects in a tight loop to a forbidden address, far more than the monitor can read, hoping that what follows goes unrecorded
 * notes: enforcement is in the kernel and does not depend on the ring buffer; each lost event is counted (ringbuf_full_net) and makes the run incomplete
 *
 * usage: storm THREADS COUNT TARGET [udp]   (each thread COUNT connects, TCP or UDP; prints
 *        "attempts N refused N connected N other N")  A UDP connect sends nothing, so an
 *        audit-mode storm of them costs the agent a system call each and the network nothing.
 */
#include <pthread.h>

#include "esc.h"

static struct sockaddr_storage ss;
static socklen_t sslen;
static unsigned count;
static int sock_type = SOCK_STREAM;
static unsigned long refused, connected, other;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *
worker(void *arg)
{
	unsigned long nref = 0, ncon = 0, noth = 0;
	unsigned i;
	int fd = -1;

	(void)arg;
	for (i = 0; i < count; i++) {
		if (fd < 0 && (fd = socket(AF_INET, sock_type, 0)) < 0) {
			noth++;
			continue;
		}
		/* a refused connect leaves the socket as it was: use it again */
		if (connect(fd, (struct sockaddr *)&ss, sslen) == 0) {
			ncon++;
			if (sock_type == SOCK_STREAM) {	/* UDP may connect again */
				close(fd);
				fd = -1;
			}
		} else if (errno == EPERM) {
			nref++;
		} else {
			noth++;
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&mu);
	refused += nref;
	connected += ncon;
	other += noth;
	pthread_mutex_unlock(&mu);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t t[16];
	unsigned n, i;

	if (argc < 4 || argc > 5 || (n = esc_port(argv[1])) > 16)
		return 2;
	if (argc == 5 && strcmp(argv[4], "udp") == 0)
		sock_type = SOCK_DGRAM;
	count = (unsigned)strtoul(argv[2], NULL, 10);
	esc_pid();
	sslen = esc_addr(argv[3], AF_INET, &ss);
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0)
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("attempts %lu refused %lu connected %lu other %lu\n", (unsigned long)n * count,
	    refused, connected, other);
	return 0;
}
