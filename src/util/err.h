/*
 * err.h - the one error scheme of credtrail.
 *
 * Every fallible function returns 0 on success or a negative CT_ERR_* code.  A code may come
 * with a detail message (what file, which field, what the remote said) recorded by ct_error()
 * in a per-thread slot; ct_errmsg() returns it.  The library never prints: the CLI layer turns
 * the last detail into the one error line the user sees.
 */
#ifndef CT_ERR_H
#define CT_ERR_H

enum ct_err {
	CT_OK = 0,
	CT_ERR_INTERNAL = -1,	/* a bug: should not happen */
	CT_ERR_NOMEM = -2,	/* allocation failed */
	CT_ERR_SYSTEM = -3,	/* a system call failed; errno was captured */
	CT_ERR_CRYPTO = -4,	/* libcrypto failed; its queue was captured */
	CT_ERR_INVALID = -5,	/* an argument or option is not acceptable */
	CT_ERR_FORMAT = -6,	/* input data is malformed */
	CT_ERR_NOTFOUND = -7,	/* the thing asked for does not exist */
	CT_ERR_PERM = -8,	/* insecure permissions or not allowed */
	CT_ERR_DB = -9,		/* the store failed */
	CT_ERR_REMOTE = -10,	/* a remote service answered with an error */
	CT_ERR_NET = -11,	/* could not talk to a remote service */
	CT_ERR_EXISTS = -12,	/* the thing to create already exists */
	CT_ERR_UNSUPPORTED = -13, /* valid, but not something credtrail does */
	CT_ERR_LIMIT = -14,	/* a size or count limit was reached */
	CT_ERR_VERIFY = -15,	/* a signature or proof does not verify */
};

/* Static text for a code; never NULL. */
const char *ct_strerror(int code);

/*
 * Record a detail message for the current thread and return `code`, so that a failure site
 * reads `return ct_error(CT_ERR_FORMAT, "bad serial in '%s'", path);`.  For CT_ERR_SYSTEM the
 * current errno text is appended; for CT_ERR_CRYPTO the first libcrypto error, if any.
 */
int ct_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#ifdef __clang_analyzer__
/* for clang-tidy (scripts/lint), which cannot see into err.c: the result is the code */
#define ct_error(code, ...)	(ct_error((code), __VA_ARGS__), (code))
#endif

/* The detail of the last ct_error() on this thread, or the text of `code` when there is none. */
const char *ct_errmsg(int code);

/* Forget the last detail (a caller that recovered from an error). */
void ct_error_clear(void);

#endif
