/*
 * escape: threads
 * how: several threads connect at once, each to every target
 * notes: the cgroup hooks run in the calling thread; the events carry the process id and each thread's id
 *
 * usage: threads N TARGET...   (prints "tid TID TARGET RESULT" per thread and target)
 */
#include <pthread.h>

#include "esc.h"

static int ntargets;
static char **targets;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *
worker(void *arg)
{
	long tid = (long)syscall(SYS_gettid);
	int i;

	(void)arg;
	for (i = 0; i < ntargets; i++) {
		const char *res = esc_tcp(targets[i], AF_INET);

		pthread_mutex_lock(&mu);
		printf("tid %ld %s %s\n", tid, targets[i], res);
		fflush(stdout);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t t[16];
	int i, n;

	if (argc < 3 || (n = (int)esc_port(argv[1])) > 16)
		return 2;
	esc_pid();
	ntargets = argc - 2;
	targets = argv + 2;
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0)
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
