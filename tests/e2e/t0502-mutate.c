/*
 * t0502-mutate.c - the test program of t0502-attest-mutations.sh (built by the script
 * against the library under test, so that thousands of mutated files are checked in one
 * process instead of one credtrail process each):
 *
 *   t0502-mutate gen LOG KEY N EVERY ATT   a finished log of N records, a checkpoint every
 *                                          EVERY, and its attestation ATT (+ ATT.sig)
 *   t0502-mutate bytes ATT LOG PUB         change every byte of LOG, then of ATT (one bit
 *                                          flipped, bit i % 8 at offset i, so all eight
 *                                          positions occur; the unit tests flip all eight
 *                                          bits of every envelope byte)
 *   t0502-mutate lines ATT LOG PUB         delete every line, swap every pair of lines
 *   t0502-mutate cut ATT LOG PUB           every truncation of LOG
 *
 * Each mutation is checked with ct_attest_verify (the code behind `credtrail verify ATT`)
 * and, for deleted, swapped and cut lines of LOG, also with ct_evlog_verify_file
 * (`credtrail verify --log LOG`).  It prints
 * one line per kind: "<kind> <tried> <refused>"; a mutation that verifies is named on
 * stderr and makes the exit status 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/attest.h"
#include "lib/evlog.h"
#include "lib/keys.h"
#include "util/err.h"
#include "util/fs.h"

static const char *att_path, *log_path;
static char att_tmp[4200], log_tmp[4200], sig_src[4200], sig_tmp[4300];
static EVP_PKEY *pub;
static int bad;

static void
die(const char *what, int r)
{
	fprintf(stderr, "t0502-mutate: %s: %s\n", what, ct_errmsg(r));
	exit(2);
}

static void
put(const char *p, const void *d, size_t n)
{
	FILE *f = fopen(p, "w");

	if (f == NULL || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
}

static uint8_t *
get(const char *p, size_t *n)
{
	uint8_t *d;
	int r;

	if ((r = ct_read_file(p, 64 << 20, &d, n)) != 0)
		die(p, r);
	return d;
}

/* The verdict of the attestation (with the mutated log or envelope in place). */
static enum ct_evlog_verdict
att_verdict(const char *att, const char *log)
{
	struct ct_attest_result res;
	enum ct_evlog_verdict v;
	int r;

	if ((r = ct_attest_verify(att, log, &pub, 1, &res)) != 0)
		die("ct_attest_verify", r);
	v = res.verdict;
	ct_attest_result_release(&res);
	return v;
}

static enum ct_evlog_verdict
log_verdict(const char *log, struct ct_evlog_report *rep)
{
	int r;

	if ((r = ct_evlog_verify_file(log, &pub, 1, NULL, rep)) != 0)
		die("ct_evlog_verify_file", r);
	return rep->verdict;
}

static void
report(const char *kind, size_t tried, size_t refused)
{
	printf("%s %zu %zu\n", kind, tried, refused);
}

/*
 * A mutated log: the attestation must fail; with `alone`, the log alone must never verify
 * complete either (for changed bytes test_evlog checks that, with intermediate checkpoints).
 */
static int
check_log(const void *d, size_t n, const char *what, size_t at, int alone)
{
	struct ct_evlog_report rep;
	enum ct_evlog_verdict v;

	put(log_tmp, d, n);
	if (att_verdict(att_path, log_tmp) != CT_EVLOG_FAILED) {
		fprintf(stderr, "%s at %zu: the attestation still verifies\n", what, at);
		bad = 1;
		return 0;
	}
	if (!alone)
		return 1;
	v = log_verdict(log_tmp, &rep);
	ct_evlog_report_release(&rep);
	if (v == CT_EVLOG_COMPLETE || v == CT_EVLOG_INCOMPLETE) {
		fprintf(stderr, "%s at %zu: the log alone verifies with a final checkpoint\n",
		    what, at);
		bad = 1;
		return 0;
	}
	return 1;
}

static void
do_bytes(void)
{
	uint8_t *d, *m;
	size_t n, i, b, tried = 0, refused = 0;

	d = get(log_path, &n);
	if ((m = malloc(n)) == NULL)
		exit(2);
	memcpy(m, d, n);
	for (i = 0; i < n; i++) {
		b = i % 8;
		m[i] ^= (uint8_t)(1u << b);
		tried++;
		refused += (size_t)check_log(m, n, "changed byte in the log", i, 0);
		m[i] = d[i];
	}
	report("log-bytes", tried, refused);
	free(m);
	free(d);

	/* the envelope, beside the real log and signature */
	d = get(att_path, &n);
	if ((m = malloc(n)) == NULL)
		exit(2);
	tried = refused = 0;
	memcpy(m, d, n);
	for (i = 0; i < n; i++) {
		b = i % 8;
		m[i] ^= (uint8_t)(1u << b);
		put(att_tmp, m, n);
		tried++;
		if (att_verdict(att_tmp, log_path) == CT_EVLOG_FAILED)
			refused++;
		else {
			fprintf(stderr, "changed byte in the attestation at %zu verifies\n", i);
			bad = 1;
		}
		m[i] = d[i];
	}
	report("attestation-bytes", tried, refused);
	free(m);
	free(d);
}

static size_t
starts_of(const uint8_t *d, size_t n, size_t **out)
{
	size_t i, k = 0, *s = malloc((n + 2) * sizeof(*s));

	if (s == NULL)
		exit(2);
	for (i = 0; i < n; i++)
		if (i == 0 || d[i - 1] == '\n')
			s[k++] = i;
	s[k] = n;
	*out = s;
	return k;
}

static void
do_lines(void)
{
	uint8_t *d, *m;
	size_t n, nl, i, j, o, *st, tried = 0, refused = 0;

	d = get(log_path, &n);
	if ((m = malloc(n)) == NULL)
		exit(2);
	nl = starts_of(d, n, &st);
	for (i = 0; i < nl; i++) {
		memcpy(m, d, st[i]);
		memcpy(m + st[i], d + st[i + 1], n - st[i + 1]);
		tried++;
		refused += (size_t)check_log(m, n - (st[i + 1] - st[i]), "deleted line", i + 1, 1);
	}
	report("deleted-lines", tried, refused);
	tried = refused = 0;
	for (i = 0; i < nl; i++) {
		for (j = i + 1; j < nl; j++) {
			size_t li = st[i + 1] - st[i], lj = st[j + 1] - st[j];

			memcpy(m, d, st[i]);
			o = st[i];
			memcpy(m + o, d + st[j], lj);
			o += lj;
			memcpy(m + o, d + st[i + 1], st[j] - st[i + 1]);
			o += st[j] - st[i + 1];
			memcpy(m + o, d + st[i], li);
			o += li;
			memcpy(m + o, d + st[j + 1], n - st[j + 1]);
			tried++;
			refused += (size_t)check_log(m, n, "swapped lines", i + 1, 1);
		}
	}
	report("swapped-pairs", tried, refused);
	free(st);
	free(m);
	free(d);
}

static void
do_cut(void)
{
	struct ct_evlog_report rep;
	uint8_t *d;
	size_t n, i, k, nl, *st, tried = 0, refused = 0, exact = 0;

	d = get(log_path, &n);
	nl = starts_of(d, n, &st);
	for (i = 0; i < n; i++) {
		size_t recs = 0, signed_recs = 0;

		tried++;
		if (!check_log(d, i, "truncation", i, 1))
			continue;
		refused++;
		/* alone, the cut log's unsigned tail is exactly what follows its last checkpoint */
		for (k = 0; k < nl && st[k + 1] <= i; k++) {
			if (memcmp(d + st[k], "{\"checkpoint\"", 13) == 0)
				signed_recs = recs;
			else
				recs++;
		}
		if (log_verdict(log_tmp, &rep) == CT_EVLOG_UNSIGNED_TAIL &&
		    rep.records == recs && rep.unsigned_tail == recs - signed_recs &&
		    rep.torn == (i > 0 && d[i - 1] != '\n'))
			exact++;
		else {
			fprintf(stderr, "truncation at %zu: unsigned tail %" PRIu64 " of %" PRIu64
			    " records, expected %zu of %zu\n", i, rep.unsigned_tail, rep.records,
			    recs - signed_recs, recs);
			bad = 1;
		}
		ct_evlog_report_release(&rep);
	}
	report("truncations", tried, refused);
	report("truncations-exact-tail", tried, exact);
	free(st);
	free(d);
}

static void
do_gen(char **argv)
{
	struct ct_evlog_params p;
	struct ct_evlog *l;
	EVP_PKEY *k;
	json_t *e, *sum;
	uint8_t root[32];
	uint64_t size;
	long i, n = strtol(argv[4], NULL, 10);
	int r;

	memset(&p, 0, sizeof(p));
	p.path = argv[2];
	p.origin = "credtrail:t0502:gen";
	p.checkpoint_every = (uint64_t)strtol(argv[5], NULL, 10);
	if ((r = ct_key_load_private(argv[3], &k)) != 0)
		die(argv[3], r);
	p.key = k;
	if ((r = ct_evlog_create(&l, &p)) != 0)
		die("create", r);
	for (i = 0; i < n; i++) {
		e = json_pack("{s:s, s:I, s:s, s:i}", "type", i % 2 ? "connect" : "exec",
		    "pid", (json_int_t)(4000 + i), "dst", "127.0.0.1", "dport", 8000 + (int)i);
		if ((r = ct_evlog_append(l, e)) != 0)
			die("append", r);
		json_decref(e);
	}
	e = json_pack("{s:s, s:{s:i}, s:b}", "backend", "ebpf", "drops", "ringbuf", 0,
	    "complete", 1);
	if ((r = ct_evlog_finish(l, e, &size, root)) != 0)
		die("finish", r);
	json_decref(e);
	ct_evlog_free(l);
	sum = json_pack("{s:s, s:[s], s:i}", "task", "t0502", "argv", "generated",
	    "exit_status", 0);
	if ((r = ct_attest_run_finish(NULL, k, sum, argv[2], argv[6], NULL)) != 0)
		die("attest", r);
	json_decref(sum);
	EVP_PKEY_free(k);
}

int
main(int argc, char **argv)
{
	int r;

	if (argc == 7 && strcmp(argv[1], "gen") == 0) {
		do_gen(argv);
		return 0;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: t0502-mutate gen|bytes|lines|cut ...\n");
		return 2;
	}
	att_path = argv[2];
	log_path = argv[3];
	if ((r = ct_key_load_public(argv[4], &pub)) != 0)
		die(argv[4], r);
	/* the mutants live beside the originals; the attestation's .sig goes with its copy */
	snprintf(log_tmp, sizeof(log_tmp), "%s.mutant", log_path);
	snprintf(att_tmp, sizeof(att_tmp), "%s.mutant", att_path);
	snprintf(sig_src, sizeof(sig_src), "%s.sig", att_path);
	snprintf(sig_tmp, sizeof(sig_tmp), "%s.sig", att_tmp);
	{
		size_t n;
		uint8_t *s = get(sig_src, &n);

		put(sig_tmp, s, n);
		free(s);
	}
	if (strcmp(argv[1], "bytes") == 0)
		do_bytes();
	else if (strcmp(argv[1], "lines") == 0)
		do_lines();
	else if (strcmp(argv[1], "cut") == 0)
		do_cut();
	else
		return 2;
	EVP_PKEY_free(pub);
	unlink(log_tmp);
	unlink(att_tmp);
	unlink(sig_tmp);
	return bad;
}
