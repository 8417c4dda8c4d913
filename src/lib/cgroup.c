/*
 * cgroup.c - the agent's cgroup v2 (see cgroup.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define PROCFILE_MAX (4u * 1024 * 1024)

/* Undo mountinfo's octal escapes (\040 for space, ...) in place. */
static void
unescape_octal(char *s)
{
	char *w = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

/*
 * Find the cgroup2 line of mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPT...] -
 * FSTYPE SOURCE SUPEROPTS".  Returns the mount point and the mount's root.
 */
static int
find_cgroup2(char **mnt, char **root)
{
	uint8_t *buf = NULL;
	size_t len;
	char *line, *save = NULL;
	int r = CT_ERR_INTERNAL;

	*mnt = *root = NULL;
	if ((r = ct_read_file("/proc/self/mountinfo", PROCFILE_MAX, &buf, &len)) != 0)
		return r;
	for (line = strtok_r((char *)buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *f[6], *sep, *fstype, *sp = NULL;
		int i;

		if ((sep = strstr(line, " - ")) == NULL)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " ", &sp);
		if (fstype == NULL || strcmp(fstype, "cgroup2") != 0)
			continue;
		sp = NULL;
		for (i = 0; i < 6; i++)
			if ((f[i] = strtok_r(i == 0 ? line : NULL, " ", &sp)) == NULL)
				break;
		if (i < 5)
			continue;
		unescape_octal(f[3]);
		unescape_octal(f[4]);
		if ((*mnt = strdup(f[4])) == NULL || (*root = strdup(f[3])) == NULL) {
			free(*mnt);
			*mnt = NULL;
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		r = 0;
		goto out;
	}
	r = ct_error(CT_ERR_NOTFOUND, "no cgroup2 file system is mounted");
 out:
	free(buf);
	return r;
}

int
ct_cgroup2_mount(char **out)
{
	char *root = NULL;
	int r;

	r = find_cgroup2(out, &root);
	free(root);
	return r;
}

int
ct_cgroup_self(char **out)
{
	return ct_cgroup_of_pid(0, out);
}

int
ct_cgroup_of_pid(pid_t pid, char **out)
{
	uint8_t *buf = NULL;
	size_t len, rootlen;
	char *mnt = NULL, *root = NULL, *line, *save = NULL, *rel = NULL, *p = NULL;
	char procfile[64];
	int r = CT_ERR_INTERNAL;

	*out = NULL;
	if (pid < 0)
		return ct_error(CT_ERR_INVALID, "invalid process id %d", (int)pid);
	if ((r = find_cgroup2(&mnt, &root)) != 0)
		return r;
	if (pid == 0)
		snprintf(procfile, sizeof(procfile), "/proc/self/cgroup");
	else
		snprintf(procfile, sizeof(procfile), "/proc/%d/cgroup", (int)pid);
	if ((r = ct_read_file(procfile, PROCFILE_MAX, &buf, &len)) != 0) {
		if (pid != 0 && errno == ENOENT)
			r = ct_error(CT_ERR_NOTFOUND, "no process %d", (int)pid);
		goto out;
	}
	for (line = strtok_r((char *)buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3) == 0) {
			rel = line + 3;
			break;
		}
	}
	if (rel == NULL || rel[0] != '/') {
		r = ct_error(CT_ERR_NOTFOUND, "no cgroup v2 entry in %s", procfile);
		goto out;
	}
	/* The path is relative to the hierarchy's root; the mount may show a subtree of it. */
	rootlen = strlen(root);
	if (strcmp(root, "/") != 0) {
		if (strncmp(rel, root, rootlen) != 0 ||
		    (rel[rootlen] != '/' && rel[rootlen] != '\0')) {
			r = ct_error(CT_ERR_NOTFOUND,
			    "cgroup '%s' is outside the cgroup2 mount at '%s'", rel, mnt);
			goto out;
		}
		rel += rootlen;
	}
	if (strcmp(rel, "/") == 0)
		rel = "";
	if (asprintf(&p, "%s%s", mnt, rel) < 0) {
		p = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = p;
	r = 0;
 out:
	free(buf);
	free(mnt);
	free(root);
	return r;
}

int
ct_cgroup_create(struct ct_cgroup *cg, const char *name)
{
	struct stat st;
	char *self = NULL;
	int r = CT_ERR_INTERNAL;

	memset(cg, 0, sizeof(*cg));
	cg->dirfd = -1;
	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    name[0] == '\0')
		return ct_error(CT_ERR_INVALID, "invalid cgroup name '%s'", name);
	if ((r = ct_cgroup_self(&self)) != 0)
		return r;
	if (asprintf(&cg->path, "%s/%s", self, name) < 0) {
		cg->path = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (mkdir(cg->path, 0755) != 0) {
		if (errno == EEXIST)
			r = ct_error(CT_ERR_EXISTS, "cgroup '%s' already exists", cg->path);
		else if (errno == EACCES || errno == EPERM || errno == EROFS)
			r = ct_error(CT_ERR_PERM, "cannot create cgroup '%s': %s", cg->path,
			    strerror(errno));
		else
			r = ct_error(CT_ERR_SYSTEM, "cannot create cgroup '%s'", cg->path);
		goto out;
	}
	if ((cg->dirfd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(cg->dirfd, &st) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot open cgroup '%s'", cg->path);
		rmdir(cg->path);
		goto out;
	}
	cg->id = (uint64_t)st.st_ino;
	r = 0;
 out:
	free(self);
	if (r != 0)
		ct_cgroup_release(cg);
	return r;
}

int
ct_cgroup_open(struct ct_cgroup *cg, const char *path)
{
	struct statfs sf;
	struct stat st;
	char *mnt = NULL, *real = NULL;
	size_t n;
	int r = CT_ERR_INTERNAL;

	memset(cg, 0, sizeof(*cg));
	cg->dirfd = -1;
	if ((r = ct_cgroup2_mount(&mnt)) != 0)
		return r;
	if ((real = realpath(path, NULL)) == NULL) {
		r = errno == ENOENT ? ct_error(CT_ERR_NOTFOUND, "no cgroup '%s'", path) :
		    ct_error(CT_ERR_SYSTEM, "cannot resolve '%s'", path);
		goto out;
	}
	n = strlen(mnt);
	if (strncmp(real, mnt, n) != 0 || (real[n] != '/' && real[n] != '\0')) {
		r = ct_error(CT_ERR_INVALID, "'%s' is not below the cgroup2 mount '%s'", path,
		    mnt);
		goto out;
	}
	if ((cg->dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstatfs(cg->dirfd, &sf) != 0 || fstat(cg->dirfd, &st) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot open cgroup '%s'", real);
		goto out;
	}
	if (sf.f_type != 0x63677270 /* CGROUP2_SUPER_MAGIC */) {
		r = ct_error(CT_ERR_INVALID, "'%s' is not a cgroup v2 directory", real);
		goto out;
	}
	cg->id = (uint64_t)st.st_ino;
	cg->path = real;
	real = NULL;
	r = 0;
 out:
	free(mnt);
	free(real);
	if (r != 0)
		ct_cgroup_release(cg);
	return r;
}

int
ct_cgroup_procs_fd(const struct ct_cgroup *cg, int *out)
{
	int fd;

	*out = -1;
	if ((fd = openat(cg->dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s/cgroup.procs'", cg->path);
	*out = fd;
	return 0;
}

/* Read a small file below the cgroup directory into a NUL-terminated buffer. */
static int
read_at(const struct ct_cgroup *cg, const char *file, char **out)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, r = CT_ERR_INTERNAL;

	*out = NULL;
	if ((fd = openat(cg->dirfd, file, O_RDONLY | O_CLOEXEC)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s/%s'", cg->path, file);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			if (cap >= PROCFILE_MAX) {
				r = ct_error(CT_ERR_LIMIT, "'%s/%s' is too large", cg->path, file);
				goto out;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				r = ct_error(CT_ERR_NOMEM, "out of memory");
				goto out;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) < 0) {
			if (errno == EINTR)
				continue;
			r = ct_error(CT_ERR_SYSTEM, "cannot read '%s/%s'", cg->path, file);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	close(fd);
	return r;
}

int
ct_cgroup_pids(const struct ct_cgroup *cg, pid_t **out, size_t *n)
{
	char *buf = NULL, *p, *end;
	pid_t *v = NULL, *nv;
	size_t cnt = 0;
	long l;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = read_at(cg, "cgroup.procs", &buf)) != 0)
		return r;
	for (p = buf; *p != '\0'; p = end) {
		while (*p == '\n')
			p++;
		if (*p == '\0')
			break;
		errno = 0;
		l = strtol(p, &end, 10);
		if (end == p || errno != 0 || l <= 0 || l > INT32_MAX || (*end != '\n' && *end)) {
			r = ct_error(CT_ERR_FORMAT, "unexpected content in '%s/cgroup.procs'",
			    cg->path);
			goto out;
		}
		if ((nv = reallocarray(v, cnt + 1, sizeof(*v))) == NULL) {
			r = ct_error(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		v = nv;
		v[cnt++] = (pid_t)l;
	}
	*out = v;
	*n = cnt;
	v = NULL;
	r = 0;
 out:
	free(v);
	free(buf);
	return r;
}

int
ct_cgroup_populated(const struct ct_cgroup *cg, int *out)
{
	char *buf = NULL, *p;
	int r;

	*out = 0;
	if ((r = read_at(cg, "cgroup.events", &buf)) != 0)
		return r;
	if ((p = strstr(buf, "populated ")) == NULL) {
		free(buf);
		return ct_error(CT_ERR_FORMAT, "no 'populated' in '%s/cgroup.events'", cg->path);
	}
	*out = p[10] == '1';
	free(buf);
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
ct_cgroup_kill(const struct ct_cgroup *cg, int timeout_ms)
{
	int64_t deadline = ct_mono_us() + (int64_t)timeout_ms * 1000;
	int fd, populated, have_kill = 0, r;

	if ((fd = openat(cg->dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC)) >= 0) {
		have_kill = write(fd, "1", 1) == 1;
		close(fd);
	}
	for (;;) {
		if ((r = ct_cgroup_populated(cg, &populated)) != 0)
			return r;
		if (!populated)
			return 0;
		if (!have_kill) {
			/* before Linux 5.14: kill the members we see, again until none is left */
			pid_t *pids = NULL;
			size_t n, i;

			if ((r = ct_cgroup_pids(cg, &pids, &n)) != 0)
				return r;
			for (i = 0; i < n; i++)
				kill(pids[i], SIGKILL);
			free(pids);
		}
		if (ct_mono_us() > deadline)
			return ct_error(CT_ERR_LIMIT, "processes are left in '%s' after %d ms",
			    cg->path, timeout_ms);
		sleep_ms(5);
	}
}

int
ct_cgroup_remove(struct ct_cgroup *cg)
{
	int i;

	if (cg->path == NULL)
		return 0;
	/* The last exiting task may still be leaving the css for a moment: retry on EBUSY. */
	for (i = 0; i < 200; i++) {
		if (rmdir(cg->path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		sleep_ms(5);
	}
	return ct_error(CT_ERR_SYSTEM, "cannot remove cgroup '%s'", cg->path);
}

void
ct_cgroup_release(struct ct_cgroup *cg)
{
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	cg->dirfd = -1;
	free(cg->path);
	cg->path = NULL;
}
