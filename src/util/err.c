/*
 * err.c - error codes to text, and the per-thread detail slot (see err.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "util/err.h"

static _Thread_local char detail[1024];

const char *
ct_strerror(int code)
{
	switch (code) {
	case CT_OK: return "success";
	case CT_ERR_INTERNAL: return "internal error";
	case CT_ERR_NOMEM: return "out of memory";
	case CT_ERR_SYSTEM: return "system error";
	case CT_ERR_CRYPTO: return "cryptographic library error";
	case CT_ERR_INVALID: return "invalid argument";
	case CT_ERR_FORMAT: return "malformed input";
	case CT_ERR_NOTFOUND: return "not found";
	case CT_ERR_PERM: return "permission problem";
	case CT_ERR_DB: return "store error";
	case CT_ERR_REMOTE: return "remote service error";
	case CT_ERR_NET: return "network error";
	case CT_ERR_EXISTS: return "already exists";
	case CT_ERR_UNSUPPORTED: return "not supported";
	case CT_ERR_LIMIT: return "limit exceeded";
	case CT_ERR_VERIFY: return "verification failed";
	}
	return "unknown error";
}

int
(ct_error)(int code, const char *fmt, ...)
{
	int saved = errno;
	char tmp[sizeof(detail)];
	unsigned long e;
	va_list ap;
	size_t n;

	/* format into a copy: an argument may be the previous detail itself */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(detail, tmp, sizeof(detail));
	n = strlen(detail);
	if (code == CT_ERR_SYSTEM && saved != 0 && n < sizeof(detail))
		snprintf(detail + n, sizeof(detail) - n, ": %s", strerror(saved));
	else if (code == CT_ERR_CRYPTO && (e = ERR_peek_last_error()) != 0 &&
	    n < sizeof(detail)) {
		const char *why = ERR_reason_error_string(e);

		snprintf(detail + n, sizeof(detail) - n, ": %s",
		    why != NULL ? why : "unknown libcrypto error");
	}
	if (code == CT_ERR_CRYPTO)
		ERR_clear_error();
	errno = saved;
	return code;
}

const char *
ct_errmsg(int code)
{
	if (detail[0] != '\0')
		return detail;
	return ct_strerror(code);
}

void
ct_error_clear(void)
{
	detail[0] = '\0';
}
