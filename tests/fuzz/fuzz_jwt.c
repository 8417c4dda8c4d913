/*
 * fuzz_jwt.c - the JWT parsers (src/lib/jwt.c) on one token: ct_jwt_decode, ct_jwt_verify and
 * ct_inspect_jwt_key with each of three throwaway keys (EdDSA, ES256, RS256, whose private
 * halves signed the seeds and were discarded: tests/fuzz/corpus/jwt/README), ct_inspect_jwt.
 * Invariants: a token that verifies also decodes, and its inspection says "verified".  The
 * input is copied to an exact-size block, so a read past its length is a sanitizer error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/jwt.h"
#include "lib/keys.h"
#include "util/err.h"

#include "fuzz.h"

static const char *const pubs[] = {
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINP0+toaUWh5Nx+YxRqn8DLiVol7A3Y2rTz1CVUqWAUf",
	"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLFBOZBKf8MX2m6C"
	    "KNfjSVT0x4rjlffajmef0NwWJShbph1uE00cY9EwaiXcZyBVxsBvmdUkyOd6stlQCl3t6fg=",
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC+JUIQRy3BKkPwmWKrE5ei6OVrz0ea/bqsFXrWt2JgIP6pqd24"
	    "XjtmynvHUtZeiDucAIo+1Yv/WJVRysV84nKEEgCFq1jamOrJPJ6J5geF5E9cAguaj8VuggzkgtkLxrpDvKo+8a2h"
	    "GuiA2vKFxlWl73co2u4qQiTeAbW7ojA879O0yNuCwUGBioELU08F36E++fmTG983uv6XW8UUnXaG3KNO7N9ERdiM"
	    "J3eLX1dyxU9iWPkHWrqz/5j2doYJCsuCgxrtQkfXT/SwpyyflsHN76mmow/UTcApHUEw5IzBpZGr893gifzTWWaX"
	    "0tM+9KEA24L8IibPzgSFy6opdRs9lwC8Z7ZpcrDrYQf2aFwUGFOwu1nEnua8OnwZosceClt33zgF/9lAyI1yt8hA"
	    "dUBw1u2dvE6d/n9jlTCZ2rFuJMoJVwYElHo6xLnhCCGJrbPGblZr4NE4qXjv8x5IgMoBUPxHd00Lnc2afUaZaKhp"
	    "JEZY/Npkws7gkip4zKGX3bs=",
};
#define NKEYS (sizeof(pubs) / sizeof(pubs[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *keys[NKEYS];
	json_t *h = NULL, *c = NULL, *o = NULL;
	char *tok;
	size_t i, n;
	int decoded;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i] == NULL &&
		    ct_sshkey_parse_public_line(pubs[i], strlen(pubs[i]), &keys[i]) != 0)
			abort();
	}
	if ((tok = fuzz_copy(data, size, 0, &n)) == NULL)
		return 0;
	decoded = ct_jwt_decode(tok, n, &h, &c) == 0;
	json_decref(h);
	json_decref(c);
	for (i = 0; i < NKEYS; i++) {
		h = c = NULL;
		if (ct_jwt_verify(tok, n, keys[i], &h, &c) == 0 && (!decoded ||
		    !json_is_object(h) || !json_is_object(c)))
			abort();
		json_decref(h);
		json_decref(c);
		if (ct_inspect_jwt_key(tok, n, keys[i], &o) == 0) {
			if (strcmp(json_string_value(json_object_get(o, "signature")),
			    "verified") != 0)
				abort();
			json_decref(o);
		}
	}
	if (ct_inspect_jwt(tok, n, &o) == 0)
		json_decref(o);
	ct_error_clear();
	free(tok);
	return 0;
}
