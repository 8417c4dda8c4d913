/*
 * fuzz_creds.c - credential files and token-endpoint answers, chosen by the first byte:
 *   0 a GCP service-account key file (ct_gcp_sa_parse): a parsed one has its members
 *   1, 2 the OAuth2 token endpoint's answer with HTTP 200 / 400 (ct_gcp_token_answer): an
 *     accepted one is an object with a non-empty string "access_token"
 *   3 an AWS shared credentials or config file (ct_ini_get of the keys credtrail reads)
 *   4 an issuer or endpoint URL (ct_oidc_url_check)
 * The rest is copied to an exact-size block, so a read past its length is a sanitizer error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/awscreds.h"
#include "lib/gcp.h"
#include "lib/oidc.h"
#include "util/err.h"

#include "fuzz.h"

static void
ini(const char *in, size_t n)
{
	static const char *const sec[] = { "default", "profile fuzz", "fuzz" };
	static const char *const key[] = {
		"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region"
	};
	size_t i, j;
	char *v;
	int found;

	for (i = 0; i < sizeof(sec) / sizeof(sec[0]); i++) {
		for (j = 0; j < sizeof(key) / sizeof(key[0]); j++) {
			v = NULL;
			if (ct_ini_get("fuzz", in, n, sec[i], key[j], &v, &found) != 0)
				return;
			free(v);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_gcp_sa sa;
	json_t *o = NULL;
	char *in, *s;
	size_t n;

	if ((in = fuzz_copy(data, size, 1, &n)) == NULL)
		return 0;
	switch (data[0]) {
	case 0:
		memset(&sa, 0, sizeof(sa));
		if (ct_gcp_sa_parse((const uint8_t *)in, n, "fuzz", &sa) == 0 &&
		    (sa.client_email == NULL || sa.key == NULL))
			abort();
		ct_gcp_sa_release(&sa);
		break;
	case 1:
	case 2:
		if (ct_gcp_token_answer(data[0] == 1 ? 200 : 400, in, n, &o) == 0) {
			if (!json_is_string(json_object_get(o, "access_token")) ||
			    json_string_length(json_object_get(o, "access_token")) == 0)
				abort();
			json_decref(o);
		}
		break;
	case 3:
		ini(in, n);
		break;
	case 4:
		if ((s = strndup(in, n)) != NULL)
			(void)ct_oidc_url_check(s, "fuzz");
		free(s);
		break;
	}
	ct_error_clear();
	free(in);
	return 0;
}
