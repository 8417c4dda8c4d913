/*
 * ledger.h - tasks and the credentials minted for them (tables in ledger_schema.c).
 *
 * A task id is what binds everything: it is URL-safe and short enough that the principal
 * name `<prefix>-task-<task>-<nonce>` stays a valid AWS RoleSessionName (2-64 characters of
 * [A-Za-z0-9_+=,.@-]).  Generated ids carry 64 random bits; caller-supplied ids (an IronClaw
 * job UUID) are accepted when they fit the same alphabet.
 */
#ifndef CT_LEDGER_H
#define CT_LEDGER_H

#include <stddef.h>
#include <stdint.h>

struct ct_store;

#define CT_TASK_ID_MAX 40	/* a UUID (36) fits; so does the principal built from it */
#define CT_PREFIX_MAX 16
#define CT_NONCE_LEN 8		/* hex characters (32 bits) distinguishing mints of a task */
#define CT_PRINCIPAL_MAX 64	/* RoleSessionName limit */

struct ct_task {
	char id[CT_TASK_ID_MAX + 1];
	char *class;		/* NULL when none */
	int64_t created_us;
};

/* Check a caller-supplied task id; CT_ERR_INVALID with the reason. */
int ct_task_id_check(const char *id);
/* Check a task class name ([A-Za-z0-9_.-], 1-64). */
int ct_task_class_check(const char *class);
/* Check a principal prefix ([A-Za-z0-9], 1-16, as it stands before "-task-"). */
int ct_prefix_check(const char *prefix);
/* A valid AWS RoleSessionName: 2-64 characters of [\w+=,.@-]. */
int ct_session_name_check(const char *name);

/* A new random task id: 16 lowercase hex characters (64 bits). */
int ct_task_id_generate(char out[CT_TASK_ID_MAX + 1]);

/* `<prefix>-task-<task>-<nonce>` with a fresh random nonce; out holds CT_PRINCIPAL_MAX+1. */
int ct_principal_new(const char *prefix, const char *task, char out[CT_PRINCIPAL_MAX + 1]);

/* Create a task; `id` NULL generates one.  CT_ERR_EXISTS when the id is taken. */
int ct_task_create(struct ct_store *st, const char *id, const char *class, struct ct_task *out);
/* CT_ERR_NOTFOUND with a message naming the id when there is no such task. */
int ct_task_get(struct ct_store *st, const char *id, struct ct_task *out);
void ct_task_release(struct ct_task *t);
/* Oldest first.  The callback's return, if non-zero, stops the walk and is returned. */
int ct_task_foreach(struct ct_store *st, int (*cb)(const struct ct_task *t, void *arg),
    void *arg);

/* One minted credential.  Pointers are borrowed; NULL means "not applicable". */
struct ct_cred {
	int64_t id;			/* set by ct_cred_insert */
	const char *task_id;
	const char *kind;		/* ssh x509 jwt gcp aws */
	const char *principal;
	int64_t issued_us;
	int64_t expires_us;
	const char *access_key_id;
	const char *session_name;
	const char *source_identity;
	const char *role_arn;
	const char *assumed_role_arn;
	const char *jti;
	const char *subject;
	const char *issuer;
	const char *audience;
	const char *serial;		/* decimal for ssh, hex for x509 */
	const char *key_id;
	const char *ca_fingerprint;	/* "SHA256:..." as sshd logs it */
	const char *scope;		/* the granted scope, verbatim */
	const char *extra;		/* JSON object with kind-specific detail, or NULL */
	char scope_sha256[65];		/* set by ct_cred_insert from scope */
};

/* Insert one credential row (call inside a transaction with the output write). */
int ct_cred_insert(struct ct_store *st, struct ct_cred *c);

/*
 * Record a minted credential and deliver it: the row is committed first, then, when
 * `outpath` is given, `len` bytes are written to it atomically with `mode`; a failed write
 * deletes the row again.  A crash between the two leaves a recorded credential that was
 * never delivered, never a delivered one the ledger does not know.  Without `outpath` the
 * caller prints the credential after this returns, for the same reason.
 */
int ct_cred_record(struct ct_store *st, struct ct_cred *c, const char *outpath,
    const void *data, size_t len, unsigned int mode);

/* Credentials of a task (all tasks if task is NULL), in issue order. */
int ct_cred_foreach(struct ct_store *st, const char *task,
    int (*cb)(const struct ct_cred *c, void *arg), void *arg);


/*
 * The task a principal name carries: `<prefix>-task-<task>-<8 hex nonce>` (AWS session names,
 * SSH key IDs, JWT subjects), `task-<task>@<prefix>` (SSH principals) or a SPIFFE URI whose
 * path ends in `/task/<task>`.  Reads exactly `n` bytes.  CT_ERR_NOTFOUND when the name has
 * none of these shapes, CT_ERR_INVALID when the task in it fails ct_task_id_check(),
 * CT_ERR_LIMIT when `tasksz` cannot hold it and its NUL.
 */
int ct_task_from_principal(const char *s, size_t n, char *task, size_t tasksz);

#endif
