/*
 * fs.h - file helpers: bounded whole-file reads, atomic replacement, private-key permissions.
 */
#ifndef CT_FS_H
#define CT_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read a whole file ("-" is stdin) of at most `max` bytes; NUL-terminated, not counted. */
int ct_read_file(const char *path, size_t max, uint8_t **out, size_t *outlen);

/*
 * Write `len` bytes to `path` atomically: a temporary file beside it created with `mode`
 * (O_EXCL, so never through a planted link), written, fsync'd and renamed over the target.
 * Either the old file or the whole new one is there afterwards, never half of one.
 * An existing target that is not a regular file (/dev/null, a FIFO, a terminal) is
 * written in place instead, never replaced.
 */
int ct_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Refuse a private key file that group or others may read or write (as ssh does):
 * CT_ERR_PERM with a message naming the file and its mode.
 */
int ct_check_private_file(const char *path);

/* mkdir -p with the given mode for the created components. */
int ct_mkdir_p(const char *path, mode_t mode);

#endif
