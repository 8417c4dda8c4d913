/*
 * fuzz_sshdlog.c - libFuzzer harness for the sshd log line parser (src/lib/sshdlog.c).
 *
 * Invariants: a line that parses has an outcome, a method, NUL-terminated fields within
 * their buffers, a port in range, and certificate fields only for a certificate key; a line
 * that inspects is a JSON object of kind "sshd-log".  The data is copied to an exact-size
 * block so that a read past the length is a sanitizer error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sshdlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_sshd_auth a;
	json_t *o = NULL;
	char *buf;

	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (ct_sshd_auth_parse(buf, size, &a) == 0) {
		if (a.outcome < CT_SSHD_ACCEPTED || a.outcome > CT_SSHD_PARTIAL ||
		    a.method[0] == '\0' || a.addr[0] == '\0' || a.port < 0 || a.port > 65535 ||
		    a.repeated < 1 || !TERMINATED(a.method) || !TERMINATED(a.user) ||
		    !TERMINATED(a.addr) || !TERMINATED(a.key_type) || !TERMINATED(a.key_fp) ||
		    !TERMINATED(a.key_id) || !TERMINATED(a.serial_str) || !TERMINATED(a.ca_type) ||
		    !TERMINATED(a.ca_fp) || (!a.is_cert && a.key_id[0] != '\0'))
			abort();
	}
	if (ct_inspect_sshd_line(buf, size, &o) == 0) {
		if (!json_is_object(o) ||
		    strcmp(json_string_value(json_object_get(o, "kind")), "sshd-log") != 0)
			abort();
		json_decref(o);
	}
	free(buf);
	return 0;
}
