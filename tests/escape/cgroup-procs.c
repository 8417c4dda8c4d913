/*
 * escape: writing to cgroup.procs of another cgroup
 * how: write our pid into cgroup.procs of the root cgroup and of the cgroup above ours, and try to make a cgroup of our own below ours
 * notes: the agent is not root and has no capabilities: the cgroup files are not writable for it
 *
 * usage: cgroup-procs   (prints "root RESULT", "parent RESULT", "mkdir RESULT", "cgroup PATH")
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "esc.h"

static char mnt[512], own[512];

/* the cgroup2 mount (from mountinfo) and our own cgroup (from /proc/self/cgroup) */
static void
find(void)
{
	char line[2048], *p;
	FILE *f;

	if ((f = fopen("/proc/self/mountinfo", "r")) == NULL)
		esc_die("mountinfo");
	while (fgets(line, sizeof(line), f) != NULL) {
		char a[512], b[512], c[512], d[512], e[512];

		if ((p = strstr(line, " - cgroup2 ")) == NULL)
			continue;
		if (sscanf(line, "%511s %511s %511s %511s %511s", a, b, c, d, e) == 5) {
			snprintf(mnt, sizeof(mnt), "%s", e);
			break;
		}
	}
	fclose(f);
	if ((f = fopen("/proc/self/cgroup", "r")) == NULL)
		esc_die("cgroup");
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(own, sizeof(own), "%.500s", line + 3);
		}
	fclose(f);
}

static void
move(const char *what, const char *dir)
{
	char path[1100], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if ((fd = open(path, O_WRONLY)) < 0) {
		esc_say(what, esc_errname(errno));
		return;
	}
	esc_say(what, write(fd, pid, (size_t)n) == n ? "moved" : esc_errname(errno));
	close(fd);
}

int
main(void)
{
	char dir[1100], *slash;

	esc_pid();
	find();
	move("root", mnt);
	snprintf(dir, sizeof(dir), "%s%s", mnt, own);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	move("parent", dir);
	snprintf(dir, sizeof(dir), "%s%s/escape", mnt, own);
	esc_say("mkdir", mkdir(dir, 0755) == 0 ? "made" : esc_errname(errno));
	find();
	esc_say("cgroup", own);
	return 0;
}
