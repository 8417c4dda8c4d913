/*
 * evbench.c - the event-log half of bench/attest/run, built by it against the library
 * beside the credtrail binary.  Every mode writes N events shaped like the monitor's connect
 * events (one object reused, its pid, sport and time changed each time) and prints the
 * nanoseconds per event of the loop, CPU time then wall time (the machine may be shared):
 *
 *   evbench evlog LOG KEY N     ct_evlog_append (canonical JSON, leaf hash, Merkle update,
 *                               signed checkpoints every 1000 records) + ct_evlog_finish
 *   evbench nocp LOG N          the same without signatures (checkpoints unsigned)
 *   evbench plain FILE N        the peer: the same JSON dumped (sorted, compact) into a
 *                               buffer and written as JSON lines with stdio: what an
 *                               unsigned, unhashed event log costs
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/evlog.h"
#include "lib/keys.h"
#include "util/err.h"
#include "util/timeutil.h"

static int64_t
clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu0, wall0;

static void
start_clock(void)
{
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	wall0 = clock_ns(CLOCK_MONOTONIC);
}

static void
print_clock(long n)
{
	printf("%.0f %.0f\n", (double)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / (double)n,
	    (double)(clock_ns(CLOCK_MONOTONIC) - wall0) / (double)n);
}

static json_t *
template(void)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:s,"
	    " s:i, s:[s], s:s, s:b}",
	    "time", "2026-11-25T21:30:18.123456Z", "type", "connect", "pid", 4242, "ppid", 4200,
	    "tid", 4242, "comm", "curl", "exe", "/usr/bin/curl", "uid", 65534,
	    "proto", "tcp", "family", "inet", "src", "10.0.0.2", "sport", 40000,
	    "dst", "93.184.216.34", "dport", 443, "names", "example.com", "verdict", "allow",
	    "direct_ip", 0);
}

static void
vary(json_t *e, long i, int64_t t0)
{
	char ts[40];

	ct_time_fmt(t0 + i, 1, ts, sizeof(ts));
	json_object_set_new(e, "time", json_string(ts));
	json_object_set_new(e, "pid", json_integer(1000 + i % 30000));
	json_object_set_new(e, "sport", json_integer(1024 + i % 60000));
}

int
main(int argc, char **argv)
{
	struct ct_evlog_params p;
	struct ct_evlog *l;
	EVP_PKEY *k = NULL;
	json_t *e = template();
	uint8_t root[32];
	uint64_t size;
	int64_t t0 = ct_now_us();
	long i, n;
	FILE *f;
	int r;

	if (argc < 4)
		return 2;
	n = strtol(argv[argc - 1], NULL, 10);
	if (strcmp(argv[1], "plain") == 0) {
		if ((f = fopen(argv[2], "wx")) == NULL)
			return 1;
		start_clock();
		for (i = 0; i < n; i++) {
			char buf[4096];
			size_t len;

			vary(e, i, t0);
			len = json_dumpb(e, buf, sizeof(buf) - 1, JSON_COMPACT | JSON_SORT_KEYS);
			if (len == 0 || len >= sizeof(buf))
				return 1;
			buf[len++] = '\n';
			if (fwrite(buf, 1, len, f) != len)
				return 1;
		}
		if (fflush(f) != 0 || fdatasync(fileno(f)) != 0)
			return 1;
		print_clock(n);
		fclose(f);
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.path = argv[2];
	p.origin = "credtrail:bench:run";
	if (strcmp(argv[1], "evlog") == 0 && (r = ct_key_load_private(argv[3], &k)) != 0) {
		fprintf(stderr, "%s\n", ct_errmsg(r));
		return 1;
	}
	p.key = k;
	if ((r = ct_evlog_create(&l, &p)) != 0) {
		fprintf(stderr, "%s\n", ct_errmsg(r));
		return 1;
	}
	start_clock();
	for (i = 0; i < n; i++) {
		vary(e, i, t0);
		if ((r = ct_evlog_append(l, e)) != 0) {
			fprintf(stderr, "%s\n", ct_errmsg(r));
			return 1;
		}
	}
	if ((r = ct_evlog_finish(l, NULL, &size, root)) != 0) {
		fprintf(stderr, "%s\n", ct_errmsg(r));
		return 1;
	}
	print_clock(n);
	ct_evlog_free(l);
	EVP_PKEY_free(k);
	json_decref(e);
	return 0;
}
