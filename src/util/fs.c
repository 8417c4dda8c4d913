/*
 * fs.c - file helpers (see fs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"

int
ct_read_file(const char *path, size_t max, uint8_t **out, size_t *outlen)
{
	int fd, r = CT_ERR_INTERNAL;
	size_t len = 0, cap = 4096;
	uint8_t *d = NULL, *p;
	ssize_t n;

	*out = NULL;
	*outlen = 0;
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s'", path);
	if ((d = malloc(cap)) == NULL) {
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max) {
				r = ct_error(CT_ERR_LIMIT, "'%s' is larger than %zu bytes",
				    path, max);
				goto out;
			}
			cap *= 2;
			if ((p = realloc(d, cap)) == NULL) {
				r = ct_error(CT_ERR_NOMEM, "out of memory");
				goto out;
			}
			d = p;
		}
		n = read(fd, d + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = ct_error(CT_ERR_SYSTEM, "cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = ct_error(CT_ERR_LIMIT, "'%s' is larger than %zu bytes", path, max);
			goto out;
		}
	}
	d[len] = 0;
	*out = d;
	*outlen = len;
	d = NULL;
	r = 0;
 out:
	free(d);
	if (fd != STDIN_FILENO)
		close(fd);
	return r;
}

static int
write_all_fd(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_in_place(const char *path, const void *data, size_t len)
{
	int fd, r = 0;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s'", path);
	if (write_all_fd(fd, data, len) != 0)
		r = ct_error(CT_ERR_SYSTEM, "cannot write '%s'", path);
	if (close(fd) != 0 && r == 0)
		r = ct_error(CT_ERR_SYSTEM, "cannot write '%s'", path);
	return r;
}

int
ct_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct stat st;
	char tmp[PATH_MAX];
	const uint8_t *p = data;
	int fd, r = CT_ERR_INTERNAL;

	/*
	 * An existing target that is not a regular file (/dev/null, /dev/stdout, a FIFO) is
	 * written in place: renaming over it would replace a device node with a file.
	 */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return ct_error(CT_ERR_INVALID, "'%s' is a directory", path);
		return write_in_place(path, data, len);
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    sizeof(tmp))
		return ct_error(CT_ERR_INVALID, "path too long: '%s'", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)) < 0)
		return ct_error(CT_ERR_SYSTEM, "cannot create '%s'", tmp);
	/* the umask may have narrowed the mode; it must never widen it */
	if (fchmod(fd, mode) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot set mode of '%s'", tmp);
		goto fail;
	}
	if (write_all_fd(fd, p, len) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot write '%s'", path);
		goto fail;
	}
	if (fsync(fd) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot sync '%s'", path);
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = ct_error(CT_ERR_SYSTEM, "cannot write '%s'", path);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot replace '%s'", path);
		goto fail;
	}
	return 0;
 fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int
ct_check_private_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return ct_error(CT_ERR_SYSTEM, "cannot open '%s'", path);
	if (!S_ISREG(st.st_mode))
		return ct_error(CT_ERR_INVALID, "'%s' is not a regular file", path);
	if ((st.st_mode & 077) != 0)
		return ct_error(CT_ERR_PERM,
		    "private key '%s' is accessible by others (mode %04o); run: chmod 600 '%s'",
		    path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

int
ct_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return ct_error(CT_ERR_INVALID, "bad directory path '%s'", path);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return ct_error(CT_ERR_SYSTEM, "cannot create directory '%s'", buf);
		if (i < n)
			buf[i] = '/';
	}
	return 0;
}
