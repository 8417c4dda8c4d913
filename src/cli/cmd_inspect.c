/*
 * cmd_inspect.c - `credtrail inspect`: the task binding carried by a token, certificate, ARN
 * or log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/inspect.h"
#include "util/err.h"
#include "util/fs.h"

#define INSPECT_MAX_INPUT (1024 * 1024)

/* Fields in the order a reader wants them; anything else a parser adds follows. */
static const char *const order[] = {
	"kind", "task", "class", "principal", "key_id", "serial", "jti", "session_name",
	"account", "role", "issuer", "subject", "audience", "principals", "uri_sans", "user",
	"source_address", "ca_fingerprint", "issued", "valid_after", "valid_before", NULL
};

static void
print_value(const char *key, json_t *v)
{
	char *s;

	if (json_is_string(v))
		printf("%-15s %s\n", key, json_string_value(v));
	else if (json_is_null(v))
		printf("%-15s -\n", key);
	else if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		printf("%-15s %s\n", key, s);
		free(s);
	}
}

static void
print_text(json_t *o)
{
	const char *key;
	json_t *v;
	size_t i;
	int known;

	for (i = 0; order[i] != NULL; i++)
		if ((v = json_object_get(o, order[i])) != NULL && !json_is_null(v))
			print_value(order[i], v);
	json_object_foreach(o, key, v) {
		known = 0;
		for (i = 0; order[i] != NULL; i++)
			known |= strcmp(order[i], key) == 0;
		if (!known && !json_is_null(v))
			print_value(key, v);
	}
	if (json_is_null(json_object_get(o, "task")))
		printf("no task binding: this %s carries no credtrail task identity\n",
		    json_string_value(json_object_get(o, "kind")));
}

int
cmd_inspect(int argc, char **argv)
{
	uint8_t *data = NULL;
	size_t len = 0;
	json_t *o = NULL;
	struct stat st;
	int json = 0, npos, r, rc;
	const struct opt opts[] = {
		{ OPT_FLAG, 0, "json", &json, NULL, "print the binding as a JSON object" },
		OPT_END_()
	};
	const struct cmd_help help = {
		"credtrail inspect [--json] ARG",
		"Show the task binding (task, principal, serial/jti/key id, validity) carried by ARG:\n"
		"a JWT, a PEM certificate, an OpenSSH certificate, an AWS assumed-role ARN or an sshd\n"
		"log line.  ARG is the artifact itself, a file holding it, or - for standard input.\n"
		"inspect reports what an artifact claims; it makes no trust decision.  A JWT's\n"
		"signature is not checked; an OpenSSH certificate's is checked against the CA key\n"
		"the certificate itself names, which shows integrity, not that the CA is trusted.",
		"Exit status: 0 when the artifact carries a task binding, 3 when it carries none,\n"
		"1 when it cannot be read or is not a recognised artifact."
	};

	parse_options(argc, argv, opts, &help, 0, &npos);
	if (npos != 1)
		return cli_usage_error(npos == 0 ? "missing ARG" : "too many arguments");
	if (strcmp(argv[0], "-") == 0 || (stat(argv[0], &st) == 0 && S_ISREG(st.st_mode))) {
		if ((r = ct_read_file(argv[0], INSPECT_MAX_INPUT, &data, &len)) != 0)
			return cli_fail(r);
		r = ct_inspect((const char *)data, len, &o);
		free(data);
	} else {
		r = ct_inspect(argv[0], strlen(argv[0]), &o);
	}
	if (r != 0)
		return cli_fail(r);
	if (json)
		rc = cli_print_json(o);
	else {
		print_text(o);
		rc = CLI_OK;
	}
	if (rc == CLI_OK && json_is_null(json_object_get(o, "task")))
		rc = 3;
	json_decref(o);
	return rc;
}
