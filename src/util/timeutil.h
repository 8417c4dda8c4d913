/*
 * timeutil.h - wall-clock time in microseconds since the epoch, and RFC 3339 text.
 *
 * ct_now_us() (CLOCK_REALTIME) is for timestamps only: it jumps when the clock is set.
 * Durations, timeouts, intervals and expiry times use ct_mono_us() (CLOCK_MONOTONIC, the
 * clock of the kernel's bpf_ktime_get_ns(); it does not count a suspend).
 */
#ifndef CT_TIMEUTIL_H
#define CT_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t ct_now_us(void);
/* CLOCK_MONOTONIC in microseconds (an arbitrary origin): for durations, never for display. */
int64_t ct_mono_us(void);

/* "2026-11-25T21:30:18Z" (frac=0) or "2026-11-25T21:30:18.123456Z" (frac=1). out: >= 32 bytes. */
void ct_time_fmt(int64_t us, int frac, char *out, size_t outsz);

/*
 * Parse RFC 3339 / ISO 8601 UTC-or-offset timestamps as providers write them: a 'T' or a space
 * between date and time, optional fraction of up to 9 digits (rounded down to µs), 'Z' or
 * +hh:mm / -hhmm.  Length-bounded.
 */
int ct_time_parse(const char *s, size_t n, int64_t *out_us);

/* Durations such as "900", "900s", "15m", "1h", "2h30m" into seconds. */
int ct_duration_parse(const char *s, int64_t *out_seconds);

#endif
