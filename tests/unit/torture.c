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
 * The third-party libraries' allocators are routed here too, from a constructor that runs
 * before anything else can call them: libcrypto (CRYPTO_set_mem_functions, which refuses once
 * libcrypto has allocated), jansson (json_set_alloc_funcs) and SQLite (sqlite3_config
 * (SQLITE_CONFIG_MALLOC), before sqlite3_initialize).  Their calls are counted and failed only
 * with CT_TORTURE_LIBS=1; without it they pass straight to the C library.  With it, a call the
 * test makes itself (a key it generates with libcrypto, say) counts as well: such a failure
 * makes the test's own assertion fail, and its leaks carry no frame of src/ (the runner tells
 * them apart).  libcurl is not routed (no unit test here makes a transfer).
 *
 * Environment:
 *   CT_TORTURE_FAIL=N   the Nth counted call fails (returns NULL / -1 with ENOMEM); only that
 *                       one.  0 or unset: none fails.
 *   CT_TORTURE_LIBS=1   count libcrypto's, jansson's and SQLite's allocations as well
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
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

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
static int torture_libs;	/* CT_TORTURE_LIBS=1: the libraries' calls count too */
static const char *torture_setup_error;

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

/* A library's call: counted only with CT_TORTURE_LIBS=1. */
static int
torture_fail_lib(void)
{
	return torture_libs ? torture_fail() : 0;
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

/* libcrypto: CRYPTO_malloc() hands every size (0 too) to a replaced function */
static void *
torture_crypto_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (n == 0)
		return NULL;	/* as CRYPTO_malloc's own */
	return torture_fail_lib() ? NULL : malloc(n);
}

static void *
torture_crypto_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p == NULL)
		return torture_crypto_malloc(n, file, line);
	if (n == 0) {
		free(p);
		return NULL;
	}
	return torture_fail_lib() ? NULL : realloc(p, n);
}

static void
torture_crypto_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* jansson */
static void *
torture_json_malloc(size_t n)
{
	return torture_fail_lib() ? NULL : malloc(n);
}

/* SQLite: sizes are ints; xSize must give back the size of a live block */
static void *
torture_sqlite_malloc(int n)
{
	if (n <= 0)
		return NULL;
	return torture_fail_lib() ? NULL : malloc((size_t)n);
}

static void
torture_sqlite_free(void *p)
{
	free(p);
}

static void *
torture_sqlite_realloc(void *p, int n)
{
	if (n <= 0)
		return NULL;
	return torture_fail_lib() ? NULL : realloc(p, (size_t)n);
}

static int
torture_sqlite_size(void *p)
{
	return p == NULL ? 0 : (int)malloc_usable_size(p);
}

static int
torture_sqlite_roundup(int n)
{
	return (n + 7) & ~7;
}

static int
torture_sqlite_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void
torture_sqlite_shutdown(void *arg)
{
	(void)arg;
}

static const sqlite3_mem_methods torture_sqlite_mem = {
	.xMalloc = torture_sqlite_malloc,
	.xFree = torture_sqlite_free,
	.xRealloc = torture_sqlite_realloc,
	.xSize = torture_sqlite_size,
	.xRoundup = torture_sqlite_roundup,
	.xInit = torture_sqlite_init,
	.xShutdown = torture_sqlite_shutdown,
};

static void
torture_report(void)
{
	char line[160];
	int n;

	if (torture_setup_error != NULL)
		n = snprintf(line, sizeof(line), "torture: setup failed: %s\n",
		    torture_setup_error);
	else if (torture_failed)
		n = snprintf(line, sizeof(line), "torture: calls %lu, failed %lu\n",
		    torture_calls, torture_failed);
	else
		n = snprintf(line, sizeof(line), "torture: calls %lu, failed none\n",
		    torture_calls);
	if (n > 0 && (size_t)n < sizeof(line) && write(2, line, (size_t)n) < 0)
		return;
}

/*
 * Before any other constructor (101 is the first priority not reserved to the
 * implementation), so before anything can have called libcrypto, jansson or SQLite.
 */
__attribute__((constructor(101))) static void
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
	if (!CRYPTO_set_mem_functions(torture_crypto_malloc, torture_crypto_realloc,
	    torture_crypto_free))
		torture_setup_error = "CRYPTO_set_mem_functions refused (libcrypto allocated already)";
	json_set_alloc_funcs(torture_json_malloc, free);
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &torture_sqlite_mem) != SQLITE_OK)
		torture_setup_error = "sqlite3_config(SQLITE_CONFIG_MALLOC) refused";
	/*
	 * The libraries' one-time process initialisation, before anything is counted (as a
	 * program does it first thing, where a failure ends it): a failed allocation inside
	 * libcrypto's initialisation of its default context is not recoverable in OpenSSL 3.0
	 * (openssl/openssl#25442: the context is left with NULL locks, the next call crashes).
	 */
	if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_LOAD_CONFIG,
	    NULL) || OSSL_LIB_CTX_get0_global_default() == NULL)
		torture_setup_error = "OPENSSL_init_crypto failed";
	if (sqlite3_initialize() != SQLITE_OK)
		torture_setup_error = "sqlite3_initialize failed";
	v = getenv("CT_TORTURE_LIBS");
	torture_libs = v != NULL && strcmp(v, "1") == 0;
	atexit(torture_report);
}
