/*
 * esc.h - what every escape program shares (header only: each technique is one .c file that
 * tests/e2e/t1000-escape.sh compiles with `cc`).
 *
 * An escape program is the agent, or a process the agent starts, trying one way around
 * `credtrail run`.  It prints one line per attempt, "WHAT RESULT", where RESULT is "ok" (the
 * peer answered), an errno name ("EPERM"), or what it got; and "pid N" (and "tid N") lines
 * naming the process that made the attempt, so that the driver can check the attribution of
 * the recorded event exactly.  Nothing here is clever: the point of each program is to do
 * one thing the way an adversary would, with no library in between that a monitor could
 * hook.
 *
 * Targets are "ADDR:PORT" or "NAME:PORT", IPv6 in brackets with an optional "%scope".
 */
#ifndef ESC_H
#define ESC_H

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/ucontext.h>
#include <unistd.h>

/* "EPERM" for EPERM; the number for one glibc has no name for. */
static inline const char *
esc_errname(int e)
{
	static char num[16];
	const char *n = strerrorname_np(e);

	if (n != NULL)
		return n;
	snprintf(num, sizeof(num), "%d", e);
	return num;
}

static inline void
esc_say(const char *what, const char *result)
{
	printf("%s %s\n", what, result);
	fflush(stdout);
}

/* Who we are, for the driver to compare with the recorded events. */
static inline void
esc_pid(void)
{
	printf("pid %ld\nppid %ld\n", (long)getpid(), (long)getppid());
	fflush(stdout);
}

static inline void __attribute__((noreturn))
esc_die(const char *what)
{
	printf("%s %s\n", what, esc_errname(errno));
	fflush(stdout);
	exit(1);
}

/*
 * SIGSYS from a seccomp filter (credtrail's socket-family filter in enforce mode): the
 * system call did not run; make it return EPERM, as an agent's handler could, and note it
 * so that the program can say "SIGSYS" rather than a plain error.
 */
static volatile sig_atomic_t esc_sigsys;

static inline void
esc_on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX] = -EPERM;
	esc_sigsys = 1;
}

static inline void
esc_catch_sigsys(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = esc_on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
}

/* the result of a socket() call: "ok", "SIGSYS" (trapped) or the errno name */
static inline const char *
esc_sock_result(int fd)
{
	if (esc_sigsys) {
		esc_sigsys = 0;
		return "SIGSYS";
	}
	return fd >= 0 ? "ok" : esc_errname(errno);
}

/* A positive port number, or exit. */
static inline unsigned
esc_port(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 65535) {
		printf("bad port '%s'\n", s);
		exit(2);
	}
	return (unsigned)v;
}

/*
 * TARGET -> sockaddr.  family is AF_INET, AF_INET6 or AF_UNSPEC (whatever the name or
 * address is).  An IPv6 socket given an IPv4 address gets it IPv4-mapped, as the kernel
 * would read it.  Names go through getaddrinfo, so through the agent's resolver.
 */
static inline int
esc_target(const char *target, int family, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(target, ':'), *h = target;
	size_t hl;
	struct addrinfo hints, *res = NULL;
	unsigned port;
	int r;

	if (colon == NULL)
		return -1;
	hl = (size_t)(colon - target);
	if (hl > 1 && target[0] == '[' && target[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	port = esc_port(colon + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if (family == AF_INET6)
		hints.ai_flags = AI_V4MAPPED;
	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return r == EAI_NONAME || r == EAI_NODATA || r == EAI_FAIL ? -2 : -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	return 0;
}

/* esc_target() or exit, saying why. */
static inline socklen_t
esc_addr(const char *target, int family, struct sockaddr_storage *ss)
{
	socklen_t len = 0;
	int r = esc_target(target, family, ss, &len);

	if (r == -2) {
		esc_say(target, "resolve-failed");
		exit(1);
	}
	if (r != 0) {
		printf("bad target '%s'\n", target);
		exit(2);
	}
	return len;
}

/* Send "hello" on a connected stream socket and wait for the servers' "ok\n". */
static inline const char *
esc_talk(int fd)
{
	struct timeval tv = { 5, 0 };
	char buf[16];
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, "hello", 5, MSG_NOSIGNAL) != 5)
		return esc_errname(errno);
	if ((n = recv(fd, buf, sizeof(buf), 0)) < 0)
		return esc_errname(errno);
	return n == 3 && memcmp(buf, "ok\n", 3) == 0 ? "ok" : "bad-answer";
}

/* Wait for the servers' "ok\n" on a datagram socket. */
static inline const char *
esc_dgram_answer(int fd)
{
	struct timeval tv = { 3, 0 };
	char buf[16];
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((n = recv(fd, buf, sizeof(buf), 0)) < 0)
		return esc_errname(errno);
	return n == 3 && memcmp(buf, "ok\n", 3) == 0 ? "ok" : "bad-answer";
}

/* The usual attempt: a TCP connect on a socket of `family`, then hello/ok. */
static inline const char *
esc_tcp(const char *target, int family)
{
	struct sockaddr_storage ss;
	socklen_t len = esc_addr(target, family, &ss);
	const char *res;
	int fd;

	if ((fd = socket(family == AF_UNSPEC ? ss.ss_family : family, SOCK_STREAM, 0)) < 0)
		return esc_errname(errno);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		res = esc_errname(errno);
	else
		res = esc_talk(fd);
	close(fd);
	return res;
}

/* ---- DNS by hand (no resolver library involved) ---- */

/* An A query for `name` with id `id`, in `out` (at least 300 bytes).  Returns its length. */
static inline size_t
esc_dns_query(const char *name, uint16_t id, unsigned char *out)
{
	size_t n = 12, l;
	const char *p = name, *dot;

	memset(out, 0, 12);
	out[0] = id >> 8;
	out[1] = id & 0xff;
	out[2] = 0x01;		/* RD */
	out[5] = 1;		/* one question */
	while (*p != '\0' && n < 270) {
		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63)
			break;
		out[n++] = (unsigned char)l;
		memcpy(out + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 1;		/* A */
	out[n++] = 0;
	out[n++] = 1;		/* IN */
	return n;
}

static inline const char *
esc_rcode_name(unsigned rc)
{
	static const char *names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
	    "REFUSED" };

	return rc < sizeof(names) / sizeof(names[0]) ? names[rc] : "RCODE?";
}

/*
 * The answer to esc_dns_query(): "RCODE" and the A addresses, in `out`.  The question is
 * ours, so it is skipped by its known length (qlen).
 */
static inline void
esc_dns_answer(const unsigned char *m, size_t n, size_t qlen, uint16_t id, char *out,
    size_t outsz)
{
	size_t i = qlen, o;
	unsigned an, k, ty, rl;
	char a[INET_ADDRSTRLEN];

	if (n < 12 || ((m[0] << 8) | m[1]) != id) {
		snprintf(out, outsz, "bad-answer");
		return;
	}
	o = (size_t)snprintf(out, outsz, "%s", esc_rcode_name(m[3] & 0x0f));
	an = (unsigned)((m[6] << 8) | m[7]);
	for (k = 0; k < an && i < n && o < outsz; k++) {
		if ((m[i] & 0xc0) == 0xc0) {
			i += 2;
		} else {
			while (i < n && m[i] != 0)
				i += (size_t)m[i] + 1;
			i++;
		}
		if (i + 10 > n)
			break;
		ty = (unsigned)((m[i] << 8) | m[i + 1]);
		rl = (unsigned)((m[i + 8] << 8) | m[i + 9]);
		i += 10;
		if (i + rl > n)
			break;
		if (ty == 1 && rl == 4 && inet_ntop(AF_INET, m + i, a, sizeof(a)) != NULL)
			o += (size_t)snprintf(out + o, outsz - o, " %s", a);
		i += rl;
	}
}

#endif
