/*
 * test_evlog.c - lib/evlog: the exact bytes of records and checkpoints, checkpoint cadence,
 * roots against lib/merkle, verdicts (complete, unsigned tail, torn line, incomplete,
 * failed), every single-byte change, deleted and swapped record and truncation of a log, and
 * inclusion proofs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/evlog.h"
#include "lib/keys.h"
#include "lib/merkle.h"
#include "util/enc.h"
#include "util/err.h"
#include "util/fs.h"

static char dir[64];
static EVP_PKEY *key, *other;

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ct-evlog.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	if (ct_key_generate(CT_KEY_ED25519, &key) != 0 ||
	    ct_key_generate(CT_KEY_ED25519, &other) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
path(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	unlink(buf[i]);
	return buf[i];
}

static json_t *
event(int i)
{
	return json_pack("{s:s, s:i, s:s, s:i, s:[s]}", "type", i % 3 == 0 ? "exec" : "connect",
	    "pid", 1000 + i, "dst", "192.0.2.7", "dport", 443, "names", "example.com");
}

/* A log of n records, a checkpoint every `every`; finished with `final` when fin. */
static void
make_log(const char *p, EVP_PKEY *k, int n, uint64_t every, int fin, json_t *final,
    uint8_t root[32])
{
	struct ct_evlog_params prm = { p, "credtrail:test:run1", k, every, 0 };
	struct ct_evlog *l;
	uint64_t size;
	json_t *e;
	int i;

	assert_int_equal(ct_evlog_create(&l, &prm), 0);
	for (i = 0; i < n; i++) {
		e = event(i);
		assert_int_equal(ct_evlog_append(l, e), 0);
		json_decref(e);
	}
	if (fin) {
		assert_int_equal(ct_evlog_finish(l, final, &size, root), 0);
		assert_int_equal(size, (uint64_t)n);
	}
	ct_evlog_free(l);
}

static char *
slurp(const char *p, size_t *n)
{
	uint8_t *d;

	assert_int_equal(ct_read_file(p, 1 << 24, &d, n), 0);
	return (char *)d;
}

static void
spit(const char *p, const void *d, size_t n)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static enum ct_evlog_verdict
verdict(const char *p, EVP_PKEY *k, struct ct_evlog_report *rep)
{
	struct ct_evlog_report tmp;
	EVP_PKEY *keys[1] = { k };

	if (rep == NULL)
		rep = &tmp;
	assert_int_equal(ct_evlog_verify_file(p, keys, k != NULL ? 1 : 0, NULL, rep), 0);
	if (rep == &tmp) {
		enum ct_evlog_verdict v = tmp.verdict;

		ct_evlog_report_release(&tmp);
		return v;
	}
	return rep->verdict;
}

static void
test_record_bytes(void **state)
{
	struct ct_evlog_params prm = { path("rec"), "credtrail:t:r", NULL, 0, 0 };
	struct ct_evlog *l;
	json_t *e;
	char *d;
	size_t n;

	(void)state;
	assert_int_equal(ct_evlog_create(&l, &prm), 0);
	/* members sorted by key (nested too), compact, seq first, controls escaped, UTF-8 kept */
	e = json_pack("{s:s, s:{s:i, s:i}, s:s, s:b, s:n}", "zeta", "a\"b\\c\n\t\x01/\xc3\xa9",
	    "mid", "y", 2, "x", 1, "alpha", "v", "bool", 1, "nul");
	assert_int_equal(ct_evlog_append(l, e), 0);
	json_decref(e);
	e = json_object();
	assert_int_equal(ct_evlog_append(l, e), 0);
	/* what the format reserves is refused, and nothing is written for it */
	json_object_set_new(e, "seq", json_integer(9));
	assert_int_equal(ct_evlog_append(l, e), CT_ERR_INVALID);
	json_object_clear(e);
	json_object_set_new(e, "checkpoint", json_string("x"));
	assert_int_equal(ct_evlog_append(l, e), CT_ERR_INVALID);
	json_decref(e);
	e = json_array();
	assert_int_equal(ct_evlog_append(l, e), CT_ERR_INVALID);
	json_decref(e);
	assert_int_equal(ct_evlog_size(l), 2);
	ct_evlog_free(l);
	d = slurp(prm.path, &n);
	assert_string_equal(d,
	    "{\"seq\":0,\"alpha\":\"v\",\"bool\":true,\"mid\":{\"x\":1,\"y\":2},\"nul\":null,"
	    "\"zeta\":\"a\\\"b\\\\c\\n\\t\\u0001/\xc3\xa9\"}\n"
	    "{\"seq\":1}\n");
	free(d);
	/* the file is never reused */
	assert_int_equal(ct_evlog_create(&l, &prm), CT_ERR_EXISTS);
}

static void
test_checkpoint_cadence_and_bytes(void **state)
{
	struct ct_evlog_params prm = { path("cad"), "credtrail:t:r", NULL, 3, 0 };
	struct ct_evlog *l;
	struct ct_merkle m;
	uint8_t root[32], r2[32];
	uint64_t size;
	char *d, *p, *nl, *b64, want[128];
	size_t n;
	json_t *e, *o;
	int i, lines = 0, cps = 0;

	(void)state;
	prm.key = key;
	assert_int_equal(ct_evlog_create(&l, &prm), 0);
	for (i = 0; i < 7; i++) {
		e = event(i);
		assert_int_equal(ct_evlog_append(l, e), 0);
		json_decref(e);
	}
	/* a tick before the interval writes no checkpoint; one after it does */
	assert_int_equal(ct_evlog_tick(l, 0), 0);
	assert_int_equal(ct_evlog_tick(l, INT64_MAX / 2), 0);
	/* and with nothing new, not another */
	assert_int_equal(ct_evlog_tick(l, INT64_MAX / 2 + 1), 0);
	assert_int_equal(ct_evlog_finish(l, NULL, &size, root), 0);
	assert_int_equal(size, 7);
	e = event(99);
	assert_int_equal(ct_evlog_append(l, e), CT_ERR_INVALID);
	json_decref(e);
	ct_evlog_free(l);

	d = slurp(prm.path, &n);
	ct_merkle_init(&m);
	for (p = d; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		lines++;
		if (strncmp(p, "{\"checkpoint\":", 14) != 0) {
			assert_int_equal(ct_merkle_append(&m, p, (size_t)(nl - p)), 0);
			continue;
		}
		cps++;
		/* after records 3 and 6 (count), 7 (tick), and the final one at 7 */
		assert_int_equal(m.size, cps == 1 ? 3 : cps == 2 ? 6 : 7);
		assert_non_null(o = json_loadb(p, (size_t)(nl - p), 0, NULL));
		ct_merkle_root(&m, r2);
		assert_int_equal(ct_b64_encode(r2, 32, &b64), 0);
		snprintf(want, sizeof(want), "credtrail:t:r\n%llu\n%s\ntime ",
		    (unsigned long long)m.size, b64);
		free(b64);
		/* a C2SP tlog-checkpoint body */
		assert_memory_equal(json_string_value(json_object_get(o, "checkpoint")), want,
		    strlen(want));
		assert_non_null(strstr(json_string_value(json_object_get(o, "checkpoint")),
		    "\n\n\xe2\x80\x94 credtrail "));
		if (cps == 4)
			assert_non_null(strstr(json_string_value(json_object_get(o, "checkpoint")),
			    "\nfinal {}\n\n"));
		json_decref(o);
	}
	assert_int_equal(lines, 11);
	assert_int_equal(cps, 4);
	ct_merkle_root(&m, r2);
	assert_memory_equal(root, r2, 32);
	free(d);
}

static void
test_verdicts(void **state)
{
	struct ct_evlog_report rep;
	json_t *fin;
	uint8_t root[32];
	const char *p;
	char *d;
	size_t n;
	FILE *f;

	(void)state;
	p = path("v-complete");
	make_log(p, key, 10, 4, 1, NULL, root);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_COMPLETE);
	assert_int_equal(rep.records, 10);
	assert_int_equal(rep.checkpoints, 3);
	assert_int_equal(rep.unsigned_tail, 0);
	assert_memory_equal(rep.signed_root, root, 32);
	assert_string_equal(rep.origin, "credtrail:test:run1");
	ct_evlog_report_release(&rep);

	/* another key's signature is no signature */
	assert_int_equal(verdict(p, other, &rep), CT_EVLOG_FAILED);
	assert_int_equal(rep.fail_line, 5);
	assert_non_null(strstr(rep.fail, "unknown key"));
	ct_evlog_report_release(&rep);

	/* not finished (a crash): the signed prefix and the exact unsigned tail */
	p = path("v-crash");
	make_log(p, key, 10, 4, 0, NULL, root);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_UNSIGNED_TAIL);
	assert_int_equal(rep.records, 10);
	assert_int_equal(rep.signed_size, 8);
	assert_int_equal(rep.unsigned_tail, 2);
	assert_int_equal(rep.torn, 0);
	ct_evlog_report_release(&rep);

	/* a partial last line is reported, not a failure */
	assert_non_null(f = fopen(p, "a"));
	fputs("{\"seq\":10,\"ty", f);
	fclose(f);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_UNSIGNED_TAIL);
	assert_int_equal(rep.unsigned_tail, 2);
	assert_int_equal(rep.torn, 1);
	ct_evlog_report_release(&rep);

	/* but after the final checkpoint nothing may follow, complete or not */
	p = path("v-after");
	make_log(p, key, 3, 0, 1, NULL, root);
	assert_non_null(f = fopen(p, "a"));
	fputs("{\"seq\":3}", f);
	fclose(f);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_FAILED);
	assert_int_equal(rep.fail_line, 5);
	ct_evlog_report_release(&rep);

	/* final counters that admit gaps */
	p = path("v-drops");
	fin = json_pack("{s:s, s:{s:i, s:i}}", "backend", "ebpf", "drops", "ringbuf", 3,
	    "dns", 0);
	make_log(p, key, 5, 0, 1, fin, root);
	json_decref(fin);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_INCOMPLETE);
	assert_string_equal(rep.incomplete, "3 events were lost (ringbuf=3)");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rep.final_counters,
	    "drops"), "ringbuf")), 3);
	ct_evlog_report_release(&rep);
	p = path("v-weaker");
	fin = json_pack("{s:s, s:b, s:{s:i}}", "backend", "seccomp", "weaker", 1, "drops",
	    "ringbuf", 0);
	make_log(p, key, 5, 0, 1, fin, root);
	json_decref(fin);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_INCOMPLETE);
	assert_string_equal(rep.incomplete, "the seccomp backend observes less than eBPF");
	ct_evlog_report_release(&rep);

	/* the monitor's own verdict and its weakness text, as credtrail run writes them */
	p = path("v-monitor-complete");
	fin = json_pack("{s:s, s:{s:i, s:i}, s:b}", "backend", "ebpf", "drops",
	    "exec_path_unreadable", 2, "ringbuf", 0, "complete", 1);
	make_log(p, key, 5, 0, 1, fin, root);
	json_decref(fin);
	assert_int_equal(verdict(p, key, NULL), CT_EVLOG_COMPLETE);
	p = path("v-monitor-incomplete");
	fin = json_pack("{s:s, s:{s:i}, s:b}", "backend", "ebpf", "drops", "ringbuf", 0,
	    "complete", 0);
	make_log(p, key, 5, 0, 1, fin, root);
	json_decref(fin);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_INCOMPLETE);
	assert_string_equal(rep.incomplete, "the monitor reports incomplete evidence");
	ct_evlog_report_release(&rep);
	p = path("v-monitor-seccomp");
	fin = json_pack("{s:s, s:{s:i}, s:b, s:s}", "backend", "seccomp", "drops", "ringbuf", 0,
	    "complete", 1, "weakness", "no DNS names");
	make_log(p, key, 5, 0, 1, fin, root);
	json_decref(fin);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_INCOMPLETE);
	assert_string_equal(rep.incomplete,
	    "the seccomp backend observes less than eBPF: no DNS names");
	ct_evlog_report_release(&rep);

	/* an unsigned log proves nothing */
	p = path("v-unsigned");
	make_log(p, NULL, 5, 0, 1, NULL, root);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_FAILED);
	assert_non_null(strstr(rep.fail, "not signed"));
	ct_evlog_report_release(&rep);

	/* an empty file (created, then a crash): nothing signed, nothing unsigned */
	p = path("v-empty");
	spit(p, "", 0);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_UNSIGNED_TAIL);
	assert_int_equal(rep.records + rep.checkpoints, 0);
	ct_evlog_report_release(&rep);

	/* the digest covers every byte */
	p = path("v-digest");
	make_log(p, key, 4, 0, 1, NULL, root);
	d = slurp(p, &n);
	assert_int_equal(verdict(p, key, &rep), CT_EVLOG_COMPLETE);
	{
		uint8_t h[32];
		unsigned int hl;

		EVP_Digest(d, n, h, &hl, EVP_sha256(), NULL);
		assert_memory_equal(h, rep.file_sha256, 32);
		assert_int_equal(rep.file_size, n);
	}
	free(d);
	ct_evlog_report_release(&rep);
}

/* Byte offsets of the starts of the lines of d[0..n). */
static size_t
line_starts(const char *d, size_t n, size_t *out, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < n && k < max; i++)
		if (i == 0 || d[i - 1] == '\n')
			out[k++] = i;
	return k;
}

static void
test_every_mutation(void **state)
{
	static const uint8_t flips[] = { 0x01 };
	struct ct_evlog_report rep;
	const char *p = path("mut"), *q = path("mut-x");
	uint8_t root[32];
	size_t n, i, j, f, starts[64], nl, tried = 0, failed = 0, tails = 0;
	char *d, *m;

	(void)state;
	make_log(p, key, 12, 4, 1, NULL, root);
	d = slurp(p, &n);
	assert_non_null(m = malloc(n + 1));
	/* every byte (the e2e test t0502 flips every bit of every byte through the CLI tool) */
	for (i = 0; i < n; i++) {
		for (f = 0; f < sizeof(flips); f++) {
			memcpy(m, d, n);
			m[i] ^= (char)flips[f];
			spit(q, m, n);
			tried++;
			switch (verdict(q, key, &rep)) {
			case CT_EVLOG_FAILED:
				failed++;
				break;
			case CT_EVLOG_UNSIGNED_TAIL:
				/* only the last newline: the final line then reads as torn */
				assert_int_equal(i, n - 1);
				assert_int_equal(rep.torn, 1);
				tails++;
				break;
			default:
				fail_msg("mutation at byte %zu verified", i);
			}
			ct_evlog_report_release(&rep);
		}
	}
	assert_int_equal(failed + tails, tried);
	assert_int_equal(tails, sizeof(flips));
	nl = line_starts(d, n, starts, 64);
	starts[nl] = n;
	assert_int_equal(nl, 12 + 4);
	/* every deleted line: deleting a record always fails */
	for (i = 0; i < nl; i++) {
		int is_cp = strncmp(d + starts[i], "{\"checkpoint\"", 13) == 0;
		enum ct_evlog_verdict v;

		memcpy(m, d, starts[i]);
		memcpy(m + starts[i], d + starts[i + 1], n - starts[i + 1]);
		spit(q, m, n - (starts[i + 1] - starts[i]));
		v = verdict(q, key, NULL);
		if (!is_cp)
			assert_int_equal(v, CT_EVLOG_FAILED);
		else	/* a dropped checkpoint: never "complete" when it was the final one */
			assert_int_equal(v, i == nl - 1 ? CT_EVLOG_UNSIGNED_TAIL : CT_EVLOG_COMPLETE);
	}
	/* every swapped pair of distinct lines */
	for (i = 0; i < nl; i++) {
		for (j = i + 1; j < nl; j++) {
			size_t li = starts[i + 1] - starts[i], lj = starts[j + 1] - starts[j], o = 0;

			if (li == lj && memcmp(d + starts[i], d + starts[j], li) == 0)
				continue;
			memcpy(m, d, starts[i]);
			o = starts[i];
			memcpy(m + o, d + starts[j], lj);
			o += lj;
			memcpy(m + o, d + starts[i + 1], starts[j] - starts[i + 1]);
			o += starts[j] - starts[i + 1];
			memcpy(m + o, d + starts[i], li);
			o += li;
			memcpy(m + o, d + starts[j + 1], n - starts[j + 1]);
			o += n - starts[j + 1];
			assert_int_equal(o, n);
			spit(q, m, n);
			assert_int_equal(verdict(q, key, NULL), CT_EVLOG_FAILED);
		}
	}
	/* every truncation: never complete, and the tail is exact */
	for (i = 0; i < n; i++) {
		size_t k, recs = 0, signed_recs = 0;

		spit(q, d, i);
		for (k = 0; k < nl && starts[k + 1] <= i; k++) {
			if (strncmp(d + starts[k], "{\"checkpoint\"", 13) == 0)
				signed_recs = recs;
			else
				recs++;
		}
		assert_int_equal(verdict(q, key, &rep), CT_EVLOG_UNSIGNED_TAIL);
		assert_int_equal(rep.records, recs);
		assert_int_equal(rep.unsigned_tail, recs - signed_recs);
		assert_int_equal(rep.torn, i > 0 && d[i - 1] != '\n');
		ct_evlog_report_release(&rep);
	}
	free(m);
	free(d);
}

static void
test_inclusion_proofs(void **state)
{
	const char *p = path("prove"), *q = path("prove-tail");
	EVP_PKEY *keys[1] = { key }, *wrong[1] = { other };
	struct ct_checkpoint cp;
	uint8_t root[32];
	json_t *pr, *bad;
	uint64_t i;
	char *s;

	(void)state;
	make_log(p, key, 21, 8, 1, NULL, root);
	for (i = 0; i < 21; i++) {
		assert_int_equal(ct_evlog_prove(p, keys, 1, i, &pr), 0);
		assert_int_equal(json_integer_value(json_object_get(pr, "tree_size")), 21);
		assert_int_equal(ct_evlog_verify_proof(pr, keys, 1, &cp), 0);
		assert_int_equal(cp.size, 21);
		assert_memory_equal(cp.root, root, 32);
		assert_non_null(cp.final);
		ct_checkpoint_release(&cp);
		assert_int_equal(ct_evlog_verify_proof(pr, wrong, 1, NULL), CT_ERR_VERIFY);
		/* another index, a changed record, a changed path entry, another root */
		bad = json_deep_copy(pr);
		json_object_set_new(bad, "index", json_integer((json_int_t)((i + 1) % 21)));
		assert_int_equal(ct_evlog_verify_proof(bad, keys, 1, NULL), CT_ERR_VERIFY);
		json_decref(bad);
		bad = json_deep_copy(pr);
		assert_non_null(s = strdup(json_string_value(json_object_get(bad, "record"))));
		s[strlen(s) - 2] ^= 1;
		json_object_set_new(bad, "record", json_string(s));
		json_object_del(bad, "leaf_hash");
		assert_int_equal(ct_evlog_verify_proof(bad, keys, 1, NULL), CT_ERR_VERIFY);
		free(s);
		json_decref(bad);
		bad = json_deep_copy(pr);
		assert_non_null(s = strdup(json_string_value(json_array_get(json_object_get(bad,
		    "audit_path"), 0))));
		s[0] = s[0] == '0' ? '1' : '0';
		json_array_set_new(json_object_get(bad, "audit_path"), 0, json_string(s));
		assert_int_equal(ct_evlog_verify_proof(bad, keys, 1, NULL), CT_ERR_VERIFY);
		free(s);
		json_decref(bad);
		bad = json_deep_copy(pr);
		json_object_set_new(bad, "root", json_string(
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
		assert_int_equal(ct_evlog_verify_proof(bad, keys, 1, NULL), CT_ERR_VERIFY);
		json_decref(bad);
		json_decref(pr);
	}
	assert_int_equal(ct_evlog_prove(p, keys, 1, 21, &pr), CT_ERR_NOTFOUND);
	/* records in the unsigned tail have no proof; the signed ones are proven against the
	 * last checkpoint */
	make_log(q, key, 21, 8, 0, NULL, root);
	assert_int_equal(ct_evlog_prove(q, keys, 1, 16, &pr), CT_ERR_NOTFOUND);
	assert_int_equal(ct_evlog_prove(q, keys, 1, 15, &pr), 0);
	assert_int_equal(json_integer_value(json_object_get(pr, "tree_size")), 16);
	assert_int_equal(ct_evlog_verify_proof(pr, keys, 1, NULL), 0);
	json_decref(pr);
}

static void
test_origin_and_key_checks(void **state)
{
	struct ct_evlog_params prm = { path("o"), "has space", NULL, 0, 0 };
	struct ct_evlog *l = NULL;
	EVP_PKEY *ec = NULL;

	(void)state;
	assert_int_equal(ct_evlog_create(&l, &prm), CT_ERR_INVALID);
	prm.origin = "";
	assert_int_equal(ct_evlog_create(&l, &prm), CT_ERR_INVALID);
	prm.origin = "credtrail:a:b";
	assert_int_equal(ct_key_generate(CT_KEY_ECDSA_P256, &ec), 0);
	prm.key = ec;
	assert_int_equal(ct_evlog_create(&l, &prm), CT_ERR_UNSUPPORTED);
	assert_null(l);
	EVP_PKEY_free(ec);
	/* nothing was created by the refused attempts */
	assert_int_equal(access(prm.path, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_bytes),
		cmocka_unit_test(test_checkpoint_cadence_and_bytes),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_every_mutation),
		cmocka_unit_test(test_inclusion_proofs),
		cmocka_unit_test(test_origin_and_key_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
