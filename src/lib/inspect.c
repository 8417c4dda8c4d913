/*
 * inspect.c - sniff an artifact's kind and dispatch to its parser (see inspect.h).
 */
#include <string.h>

#include "lib/inspect.h"
#include "util/err.h"

static int
has_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s, p, k) == 0;
}

static int
contains(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

/* Three base64url segments separated by two dots, the first a JSON object ("eyJ"). */
static int
looks_like_jwt(const char *s, size_t n)
{
	size_t i, dots = 0;

	if (!has_prefix(s, n, "eyJ"))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.')
			dots++;
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return dots == 2;
}

int
ct_inspect(const char *s, size_t n, json_t **out)
{
	json_t *task;
	int r;

	*out = NULL;
	/* surrounding whitespace and a trailing newline are not part of the artifact */
	while (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
	    s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return ct_error(CT_ERR_FORMAT, "nothing to inspect: the input is empty");
	if (looks_like_jwt(s, n))
		r = ct_inspect_jwt(s, n, out);
	else if (has_prefix(s, n, "-----BEGIN CERTIFICATE-----"))
		r = ct_inspect_x509(s, n, out);
	else if ((has_prefix(s, n, "ssh-") || has_prefix(s, n, "ecdsa-")) &&
	    contains(s, memchr(s, ' ', n) != NULL ? (size_t)((const char *)memchr(s, ' ', n) - s) :
	    n, "-cert-v01@openssh.com"))
		r = ct_inspect_sshcert(s, n, out);
	else if (has_prefix(s, n, "arn:"))
		r = ct_inspect_aws_arn(s, n, out);
	else if (contains(s, n, "Accepted ") || contains(s, n, "Failed ") ||
	    contains(s, n, "sshd"))
		r = ct_inspect_sshd_line(s, n, out);
	else
		return ct_error(CT_ERR_FORMAT, "not a recognised artifact: expected a JWT, a PEM "
		    "certificate, an OpenSSH certificate, an AWS ARN or an sshd log line");
	if (r != 0)
		return r;
	/* every parser's answer has a "task" key, null when there is no binding */
	task = json_object_get(*out, "task");
	if (task == NULL && json_object_set_new(*out, "task", json_null()) != 0) {
		json_decref(*out);
		*out = NULL;
		return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	return 0;
}
