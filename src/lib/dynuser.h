/*
 * dynuser.h - a uid of its own for each run (credtrail run --user dynamic), after systemd's
 * DynamicUser=.
 *
 * A uid (and the gid of the same number) is taken from CT_DYNUSER_MIN..CT_DYNUSER_MAX when
 *   - an exclusive lock on CT_DYNUSER_DIR/UID.lock is ours (flock, held until release, so two
 *     runs never share one, and a crashed run's lock goes with its process),
 *   - neither the passwd nor the group database has an entry for the number,
 *   - no process has it as its real, effective, saved or file-system uid or gid,
 *   - no file at the top of /tmp, /var/tmp or /dev/shm belongs to it (what an earlier run
 *     left behind where everyone can write is not handed to the next one).
 * The search starts at a random uid of the range.  The run's home is CT_DYNUSER_DIR/UID.home,
 * made afresh (0700, the uid's) and removed again at release.
 */
#ifndef CT_DYNUSER_H
#define CT_DYNUSER_H

#include <sys/types.h>

#define CT_DYNUSER_MIN	61184u		/* systemd's range for dynamic users */
#define CT_DYNUSER_MAX	65519u
#define CT_DYNUSER_DIR	"/run/credtrail/dynuser"

struct ct_dynuser {
	uid_t uid;
	gid_t gid;
	int lockfd;			/* -1: nothing held */
	char name[32];			/* "credtrail-UID" (no passwd entry has it) */
	char home[256];			/* DIR "/UID.home" */
	char dir[200];			/* DIR */
};

/* Take a free uid and make its home (root only).  dir: NULL for CT_DYNUSER_DIR. */
int ct_dynuser_acquire(struct ct_dynuser *du, const char *dir);

/* Remove the home and give the uid back (call once nothing of the uid runs any more). */
void ct_dynuser_release(struct ct_dynuser *du);

#endif
