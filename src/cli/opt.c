/*
 * opt.c - declarative option parsing and the help built from the same table, so that
 * `--help` can only say what the parser accepts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/timeutil.h"

void
strlist_free(struct strlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
takes_arg(const struct opt *o)
{
	return o->type != OPT_FLAG;
}

void
print_help(FILE *f, const struct opt *opts, const struct cmd_help *help)
{
	const struct opt *o;
	char left[64];
	int any = 0;

	fprintf(f, "usage: %s\n", help->usage);
	if (help->summary != NULL)
		fprintf(f, "\n%s\n", help->summary);
	for (o = opts; o != NULL && o->type != OPT_END; o++) {
		if (!any)
			fprintf(f, "\noptions:\n");
		any = 1;
		if (o->shortname != 0)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shortname, o->name,
			    takes_arg(o) ? " " : "", takes_arg(o) ? o->argname : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			    takes_arg(o) ? " " : "", takes_arg(o) ? o->argname : "");
		if (strlen(left) > 24)
			fprintf(f, "  %s\n  %-24s  %s%s\n", left, "", o->help,
			    o->type == OPT_LIST ? " (repeatable)" : "");
		else
			fprintf(f, "  %-24s  %s%s\n", left, o->help,
			    o->type == OPT_LIST ? " (repeatable)" : "");
	}
	fprintf(f, "  %-24s  %s\n", "-h, --help", "show this help and exit");
	if (help->more != NULL)
		fprintf(f, "\n%s\n", help->more);
}

static int
set_value(const struct opt *o, const char *arg)
{
	struct strlist *l;
	const char **nv;
	long long *ip, v;
	int64_t secs;
	char *end;

	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->value = 1;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_LIST:
		l = o->value;
		if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
			fprintf(stderr, "credtrail: out of memory\n");
			exit(CLI_FAIL);
		}
		l->v = nv;
		l->v[l->n++] = arg;
		return 0;
	case OPT_INT:
		ip = o->value;
		errno = 0;
		v = strtoll(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0')
			return cli_usage_error("--%s expects an integer, not '%s'", o->name, arg);
		*ip = v;
		return 0;
	case OPT_DURATION:
		if (ct_duration_parse(arg, &secs) != 0)
			return cli_usage_error("--%s expects a duration such as 900, 15m or 1h, "
			    "not '%s'", o->name, arg);
		*(long long *)o->value = secs;
		return 0;
	case OPT_END:
		break;
	}
	return CLI_USAGE;
}

void
parse_options(int argc, char **argv, const struct opt *opts, const struct cmd_help *help,
    int flags, int *npos)
{
	const struct opt *o, *match;
	const char *arg, *eq;
	int i, pos = 0;
	size_t namelen;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				argv[pos++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (flags & PARSE_STOP_AT_NONOPT) {
				for (; i < argc; i++)
					argv[pos++] = argv[i];
				break;
			}
			argv[pos++] = a;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			print_help(stdout, opts, help);
			exit(CLI_OK);
		}
		match = NULL;
		arg = NULL;
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			namelen = eq != NULL ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			/* an argument pasted with newlines is not echoed beyond its first line */
			if (strcspn(a + 2, "\n") < namelen)
				namelen = strcspn(a + 2, "\n");
			for (o = opts; o != NULL && o->type != OPT_END; o++)
				if (strlen(o->name) == namelen &&
				    strncmp(o->name, a + 2, namelen) == 0)
					match = o;
			if (match == NULL)
				exit(cli_usage_error("unknown option '%.*s'", (int)namelen + 2, a));
			if (eq != NULL) {
				if (!takes_arg(match))
					exit(cli_usage_error("option '--%s' takes no value",
					    match->name));
				arg = eq + 1;
			}
		} else {
			for (o = opts; o != NULL && o->type != OPT_END; o++)
				if (o->shortname == a[1])
					match = o;
			if (match == NULL)
				exit(cli_usage_error("unknown option '-%c'", a[1]));
			if (a[2] != '\0') {
				if (!takes_arg(match))
					exit(cli_usage_error("option '-%c' takes no value", a[1]));
				arg = a + 2;
			}
		}
		if (takes_arg(match) && arg == NULL) {
			if (i + 1 >= argc)
				exit(cli_usage_error("option '--%s' needs a value (%s)",
				    match->name, match->argname));
			arg = argv[++i];
		}
		if (set_value(match, arg) != 0)
			exit(CLI_USAGE);
	}
	argv[pos] = NULL;
	*npos = pos;
}

int
dispatch_sub(const char *group, int argc, char **argv, const struct subcmd *subs,
    const char *summary)
{
	static char name[64];
	const struct subcmd *s;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "usage: credtrail %s <command> [options]\n\n%s\n\ncommands:\n",
		    group, summary);
		for (s = subs; s->name != NULL; s++)
			fprintf(f, "  %-10s  %s\n", s->name, s->summary);
		fprintf(f, "\nRun 'credtrail %s <command> --help' for its options.\n", group);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	for (s = subs; s->name != NULL; s++) {
		if (strcmp(s->name, argv[1]) == 0) {
			snprintf(name, sizeof(name), "%s %s", group, s->name);
			cli.cmdname = name;
			return s->fn(argc - 1, argv + 1);
		}
	}
	return cli_usage_error("unknown command '%s %s' (see 'credtrail %s --help')",
	    group, argv[1], group);
}
