/*
 * replay.c - run a libFuzzer harness without libFuzzer: feed every file of
 * tests/fuzz/corpus/<name>/ (name = this binary's name without "fuzz_") to
 * LLVMFuzzerTestOneInput once, printing one TAP line per file.  Linked with each
 * tests/fuzz/fuzz_<name>.c in the sanitizer build, so `make check` replays every corpus under
 * ASan and UBSan; a crash aborts the binary and tests/run counts it as a failure.
 *
 * The corpus folder is $CT_TOP/tests/fuzz/corpus/<name>, or the first argument.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	const char *top = getenv("CT_TOP"), *base, *name;
	char dir[1024], path[2048], **names = NULL;
	struct dirent *de;
	size_t n = 0, i, len;
	uint8_t *data, *exact;
	DIR *d;

	base = strrchr(argv[0], '/');
	base = base != NULL ? base + 1 : argv[0];
	name = strncmp(base, "fuzz_", 5) == 0 ? base + 5 : base;
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top != NULL ? top : ".", name);
	if ((d = opendir(dir)) == NULL) {
		printf("not ok 1 - cannot open corpus %s\n1..1\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (names == NULL || (names[n] = strdup(de->d_name)) == NULL)
			return 1;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (ct_read_file(path, 1 << 24, &data, &len) != 0) {
			printf("not ok %zu - %s: cannot read\n", i + 1, names[i]);
			continue;
		}
		/* an exact-size copy, so that reading one byte past the input is an ASan error */
		if ((exact = malloc(len > 0 ? len : 1)) == NULL)
			return 1;
		memcpy(exact, data, len);
		free(data);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
		printf("ok %zu - fuzz_%s replays %s\n", i + 1, name, names[i]);
		fflush(stdout);
		free(names[i]);
	}
	free(names);
	printf("1..%zu\n", n);
	return n > 0 ? 0 : 1;
}
