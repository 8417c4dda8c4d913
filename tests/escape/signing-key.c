/*
 * escape: reading the signing key
 * how: open the per-host signing key and the ledger beside it, and credtrail's environment and descriptors through /proc
 * notes: the key and the ledger are 0600 root, /proc/PID/environ and fd/ of another user's process are closed to the agent
 *
 * usage: signing-key PATH...   (prints "PATH RESULT" for each, then credtrail's /proc files)
 */
#include <dirent.h>
#include <fcntl.h>

#include "esc.h"

static void
try(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		esc_say(path, esc_errname(errno));
		return;
	}
	esc_say(path, read(fd, buf, sizeof(buf)) >= 0 ? "read" : esc_errname(errno));
	close(fd);
}

int
main(int argc, char **argv)
{
	char path[64];
	DIR *d;
	int i;

	esc_pid();
	for (i = 1; i < argc; i++)
		try(argv[i]);
	snprintf(path, sizeof(path), "/proc/%ld/environ", (long)getppid());
	try(path);
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)getppid());
	d = opendir(path);
	esc_say(path, d != NULL ? "listed" : esc_errname(errno));
	if (d != NULL)
		closedir(d);
	return 0;
}
