/*
 * torture.c - allocation-failure injection for the unit tests, after curl's torture mode.
 *
 * The torture build (Makefile, "torture" block) links each unit test against a copy of
 * libcredtrail.a whose calls to malloc, calloc, realloc, reallocarray, strdup, strndup,
 * asprintf and vasprintf were renamed (objcopy --redefine-sym) to the ct_torture_* functions
 * below.  Only the library's own calls are counted and failed: the test's code, cmocka and the
 * shared libraries (libcrypto, jansson, sqlite, libcurl) allocate as usual, so a failure is
 * always one the library itself must handle.
 *
 * Environment:
 *   CT_TORTURE_FAIL=N   the Nth counted call fails (returns NULL / -1 with ENOMEM); only that
 *                       one.  0 or unset: none fails.
 * At exit it prints one line on stderr:
 *   torture: calls C, failed N          (the Nth call was failed)
 *   torture: calls C, failed none       (fewer than N calls: nothing was injected)
 *
 * Leak attribution.  A failed allocation makes the test's own assertion fail; cmocka then
 * longjmps out of the test body, so whatever the test held from EARLIER successful calls
 * leaks, and that is the test's doing, not the library's.  So at the moment of the failure
 * the call stack is printed ("torture: failing call stack:", sanitizer format); the runner
 * (tests/e2e/t1230-torture.py) finds the innermost frame in tests/unit/ of that stack (the
 * test's call into the library) and counts a LeakSanitizer report as the library's when its
 * allocation stack goes through the same frame, i.e. was made during the call that failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *ct_torture_malloc(size_t n);
void *ct_torture_calloc(size_t k, size_t n);
void *ct_torture_realloc(void *p, size_t n);
void *ct_torture_reallocarray(void *p, size_t k, size_t n);
char *ct_torture_strdup(const char *s);
char *ct_torture_strndup(const char *s, size_t n);
int ct_torture_asprintf(char **out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ct_torture_vasprintf(char **out, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* from the sanitizer runtime when the test build has one (SAN=1) */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

static unsigned long torture_calls;
static unsigned long torture_fail_at;
static unsigned long torture_failed;

static void
torture_report(void)
{
	char line[96];
	int n;

	if (torture_failed)
		n = snprintf(line, sizeof(line), "torture: calls %lu, failed %lu\n",
		    torture_calls, torture_failed);
	else
		n = snprintf(line, sizeof(line), "torture: calls %lu, failed none\n",
		    torture_calls);
	if (n > 0 && (size_t)n < sizeof(line) && write(2, line, (size_t)n) < 0)
		return;
}

__attribute__((constructor)) static void
torture_init(void)
{
	const char *v = getenv("CT_TORTURE_FAIL");
	char *end;

	if (v != NULL && *v != '\0') {
		errno = 0;
		torture_fail_at = strtoul(v, &end, 10);
		if (errno != 0 || *end != '\0')
			torture_fail_at = 0;
	}
	atexit(torture_report);
}

/* Count one call; 1 if it is the one to fail. */
static int
torture_fail(void)
{
	static const char msg[] = "torture: failing call stack:\n";
	unsigned long n = __atomic_add_fetch(&torture_calls, 1, __ATOMIC_SEQ_CST);

	if (torture_fail_at == 0 || n != torture_fail_at)
		return 0;
	torture_failed = n;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		errno = EIO;
	if (__sanitizer_print_stack_trace != NULL)
		__sanitizer_print_stack_trace();
	errno = ENOMEM;
	return 1;
}

void *
ct_torture_malloc(size_t n)
{
	return torture_fail() ? NULL : malloc(n);
}

void *
ct_torture_calloc(size_t k, size_t n)
{
	return torture_fail() ? NULL : calloc(k, n);
}

void *
ct_torture_realloc(void *p, size_t n)
{
	return torture_fail() ? NULL : realloc(p, n);
}

void *
ct_torture_reallocarray(void *p, size_t k, size_t n)
{
	return torture_fail() ? NULL : reallocarray(p, k, n);
}

char *
ct_torture_strdup(const char *s)
{
	return torture_fail() ? NULL : strdup(s);
}

char *
ct_torture_strndup(const char *s, size_t n)
{
	return torture_fail() ? NULL : strndup(s, n);
}

int
ct_torture_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (torture_fail())
		return -1;	/* *out untouched: glibc leaves it undefined on failure */
	return vasprintf(out, fmt, ap);
}

int
ct_torture_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = ct_torture_vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}
