/*
 * escape: LD_PRELOAD
 * how: a library preloaded into an innocent program (/bin/true) connects from its constructor, before main(), and hides connect() from libc-level hooks by making the system call itself
 * notes: built with -shared; the kernel sees the connect of /bin/true, whatever the library did to libc
 *
 * usage: ESC_TARGETS="TARGET..." LD_PRELOAD=preload.so PROG
 */
#include "esc.h"

/* what libc-level monitors hook: shadow it, and never call it */
int connect(int fd, const struct sockaddr *sa, socklen_t len);

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (int)syscall(SYS_connect, fd, sa, len);
}

static void __attribute__((constructor))
preload_init(void)
{
	char *list, *save = NULL, *t;
	const char *env = getenv("ESC_TARGETS");

	if (env == NULL || (list = strdup(env)) == NULL)
		return;
	unsetenv("LD_PRELOAD");		/* and leave no trace for the children */
	esc_pid();
	for (t = strtok_r(list, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save))
		esc_say(t, esc_tcp(t, AF_INET));
	free(list);
}
