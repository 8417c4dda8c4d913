/*
 * cgroup.h - the agent's own cgroup v2: found, created, watched, killed, removed.
 *
 * `credtrail run` puts the agent in a fresh child of credtrail's own cgroup on the cgroup2
 * mount (found in /proc/self/mountinfo: a hybrid host mounts it at /sys/fs/cgroup/unified, a
 * unified one at /sys/fs/cgroup).  The cgroup is the unit everything else keys on: the BPF
 * programs are attached to it, the process tree is the set of its members, and at the end
 * whatever is left in it is killed with cgroup.kill, so a double-forked daemon cannot outlive
 * the run.
 */
#ifndef CT_CGROUP_H
#define CT_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ct_cgroup {
	char *path;		/* absolute path of the directory */
	int dirfd;		/* O_PATH|O_DIRECTORY: for the BPF attach and *at() calls */
	uint64_t id;		/* the cgroup id (inode number of the directory) */
};

/* The cgroup2 mount point, from /proc/self/mountinfo; CT_ERR_NOTFOUND when there is none. */
int ct_cgroup2_mount(char **out);

/* The calling process's cgroup v2 directory (mount point + path from /proc/self/cgroup). */
int ct_cgroup_self(char **out);

/* The same for process `pid` (0: the caller); CT_ERR_NOTFOUND when there is no such process. */
int ct_cgroup_of_pid(pid_t pid, char **out);

/*
 * Open an existing cgroup (`credtrail watch`): `path` must resolve to a cgroup v2 directory
 * below the cgroup2 mount.  cg->path is the resolved path.  Nothing is created.
 */
int ct_cgroup_open(struct ct_cgroup *cg, const char *path);

/*
 * Create `name` (one path component) below the calling process's own cgroup and open it.
 * CT_ERR_EXISTS if it is there already, CT_ERR_PERM when we may not create it.
 */
int ct_cgroup_create(struct ct_cgroup *cg, const char *name);

/* Open cgroup.procs for writing (O_CLOEXEC): a child writes "0" to it to join before exec. */
int ct_cgroup_procs_fd(const struct ct_cgroup *cg, int *out);

/* The members (process ids, from cgroup.procs), malloc'd; *n may be 0. */
int ct_cgroup_pids(const struct ct_cgroup *cg, pid_t **out, size_t *n);

/* 1 when some process is in the cgroup or a descendant (cgroup.events "populated"). */
int ct_cgroup_populated(const struct ct_cgroup *cg, int *out);

/*
 * Kill every process in the cgroup (cgroup.kill; on kernels without it, SIGKILL to each
 * member until none is left) and wait up to timeout_ms for it to be empty.  CT_ERR_LIMIT if
 * processes remain after the timeout.
 */
int ct_cgroup_kill(const struct ct_cgroup *cg, int timeout_ms);

/* Remove the (empty) cgroup directory. */
int ct_cgroup_remove(struct ct_cgroup *cg);

/* Close the fd and free the path; the directory itself is left alone. */
void ct_cgroup_release(struct ct_cgroup *cg);

#endif
