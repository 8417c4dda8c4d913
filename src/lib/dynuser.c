/*
 * dynuser.c - a uid of its own for each run (see dynuser.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/dynuser.h"
#include "util/err.h"

#define RM_DEPTH_MAX	64	/* a home nested deeper is left (and said so) */

/* mkdir DIR and its parent, root's and 0755; an existing one must be a root-owned directory */
static int
make_dir(const char *dir)
{
	char parent[sizeof(((struct ct_dynuser *)0)->dir)], *slash;
	struct stat st;

	if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return ct_error(CT_ERR_LIMIT, "dynamic user directory '%s' is too long", dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) != 0 && errno != EEXIST)
			return ct_error(CT_ERR_SYSTEM, "cannot create '%s'", parent);
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return ct_error(CT_ERR_SYSTEM, "cannot create '%s'", dir);
	if (lstat(dir, &st) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot stat '%s'", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0)
		return ct_error(CT_ERR_PERM, "'%s' is not a directory only root can write", dir);
	return 0;
}

/* 1 when a process has uid/gid n among its real, effective, saved and file-system ids */
static int
in_use_by_process(unsigned n)
{
	char path[300], line[256];
	struct dirent *de;
	unsigned a[4];
	DIR *d;
	FILE *f;
	int used = 0;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while (!used && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;	/* gone meanwhile */
		while (fgets(line, sizeof(line), f) != NULL) {
			if ((strncmp(line, "Uid:", 4) != 0 && strncmp(line, "Gid:", 4) != 0) ||
			    sscanf(line + 4, "%u %u %u %u", &a[0], &a[1], &a[2], &a[3]) != 4)
				continue;
			if (a[0] == n || a[1] == n || a[2] == n || a[3] == n) {
				used = 1;
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	return used;
}

/* 1 when an entry at the top of a world-writable directory belongs to uid n */
static int
left_behind(unsigned n)
{
	static const char *const dirs[] = { "/tmp", "/var/tmp", "/dev/shm" };
	struct dirent *de;
	struct stat st;
	size_t i;
	DIR *d;
	int found = 0;

	for (i = 0; !found && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		while (!found && (de = readdir(d)) != NULL)
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    st.st_uid == n)
				found = 1;
		closedir(d);
	}
	return found;
}

/* unlink NAME in DIRFD, a tree the agent may have filled: never follows a link */
static int
rm_tree(int dirfd, const char *name, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0);
	if (depth > RM_DEPTH_MAX)
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_tree(fd, de->d_name, depth + 1) != 0)
			r = -1;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
		r = -1;
	return r;
}

/* the home: removed if an earlier run left it, made afresh, the uid's, 0700 */
static int
make_home(struct ct_dynuser *du)
{
	int dfd, r = CT_ERR_INTERNAL;
	char name[32];

	snprintf(name, sizeof(name), "%u.home", (unsigned)du->uid);
	if ((dfd = open(du->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s'", du->dir);
	if (rm_tree(dfd, name, 0) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot remove the old home '%s'", du->home);
		goto out;
	}
	if (mkdirat(dfd, name, 0700) != 0 ||
	    fchownat(dfd, name, du->uid, du->gid, AT_SYMLINK_NOFOLLOW) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot create the home '%s'", du->home);
		goto out;
	}
	r = 0;
 out:
	close(dfd);
	return r;
}

/* Try uid n: 1 taken (du filled, lock held), 0 not free, < 0 an error. */
static int
try_uid(struct ct_dynuser *du, unsigned n)
{
	char path[sizeof(du->dir) + 32];
	struct passwd pwb, *pw = NULL;
	struct group grb, *gr = NULL;
	char buf[4096];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%u.lock", du->dir, n);
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return errno == EWOULDBLOCK ? 0 : ct_error(CT_ERR_SYSTEM, "cannot lock '%s'", path);
	}
	/* ours now: is the number free? */
	if ((r = getpwuid_r((uid_t)n, &pwb, buf, sizeof(buf), &pw)) != 0 || pw != NULL ||
	    (r = getgrgid_r((gid_t)n, &grb, buf, sizeof(buf), &gr)) != 0 || gr != NULL ||
	    (r = in_use_by_process(n)) != 0 || left_behind(n)) {
		close(fd);
		return r < 0 ? ct_error(CT_ERR_SYSTEM, "cannot read the processes' ids") : 0;
	}
	du->uid = (uid_t)n;
	du->gid = (gid_t)n;
	du->lockfd = fd;
	snprintf(du->name, sizeof(du->name), "credtrail-%u", n);
	snprintf(du->home, sizeof(du->home), "%s/%u.home", du->dir, n);
	return 1;
}

int
ct_dynuser_acquire(struct ct_dynuser *du, const char *dir)
{
	unsigned span = CT_DYNUSER_MAX - CT_DYNUSER_MIN + 1, start, i;
	int r;

	memset(du, 0, sizeof(*du));
	du->lockfd = -1;
	if (geteuid() != 0)
		return ct_error(CT_ERR_PERM, "a dynamic user needs root");
	if (dir == NULL)
		dir = CT_DYNUSER_DIR;
	if (snprintf(du->dir, sizeof(du->dir), "%s", dir) >= (int)sizeof(du->dir))
		return ct_error(CT_ERR_LIMIT, "dynamic user directory '%s' is too long", dir);
	if ((r = make_dir(du->dir)) != 0)
		return r;
	if (getrandom(&start, sizeof(start), 0) != (ssize_t)sizeof(start))
		return ct_error(CT_ERR_SYSTEM, "cannot get random bytes");
	for (i = 0; i < span; i++) {
		if ((r = try_uid(du, CT_DYNUSER_MIN + (start + i) % span)) < 0)
			return r;
		if (r == 1)
			break;
	}
	if (i == span)
		return ct_error(CT_ERR_LIMIT, "no free dynamic uid in %u..%u", CT_DYNUSER_MIN,
		    CT_DYNUSER_MAX);
	if ((r = make_home(du)) != 0) {
		close(du->lockfd);
		du->lockfd = -1;
		return r;
	}
	return 0;
}

void
ct_dynuser_release(struct ct_dynuser *du)
{
	char name[32];
	int dfd;

	if (du == NULL || du->lockfd < 0)
		return;
	snprintf(name, sizeof(name), "%u.home", (unsigned)du->uid);
	if ((dfd = open(du->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		(void)rm_tree(dfd, name, 0);	/* best effort: the next run removes it too */
		close(dfd);
	}
	close(du->lockfd);
	du->lockfd = -1;
}
