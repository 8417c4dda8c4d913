/*
 * sshdlog.h - sshd's authentication log lines, as OpenSSH's auth.c writes them:
 *
 *   Accepted publickey for alice from 127.0.0.1 port 51234 ssh2: ED25519-CERT SHA256:abc
 *       ID ironclaw-task-7b3f-a1c8b2d4 (serial 42) CA ED25519 SHA256:def
 *   Failed password for invalid user admin from 2001:db8::1 port 4022 ssh2
 *   Accepted publickey for bob from 10.0.0.1 port 22 ssh2: RSA SHA256:xyz
 *
 * The parser is prefix-agnostic: it finds the "Accepted "/"Failed "/"Postponed "/"Partial "
 * text wherever the syslog or `sshd -E` header put it ("Nov 25 21:30:18 host sshd[12]: ",
 * "<38>...", "sshd-session[9]: ", nothing at all).  It reads exactly `n` bytes, never
 * trusts a NUL, allocates nothing and fills fixed-size fields, so an ingest loop can call it
 * on every line of a large log.
 *
 * Which " from " is the real one: a valid user's name has no spaces, so the first word after
 * "for " is the user.  After "invalid user " the name is the client's choice and may itself
 * contain "from 1.2.3.4 port 22 ssh2"; there the first " from " that is followed by a
 * well-formed rest of line (ADDR, "port N", "ssh2", then the end or ": INFO") is taken, and
 * for publickey INFO must be a well-formed key description.  This gives the addresses
 * fail2ban's sshd filter tests expect for its injection cases.
 */
#ifndef CT_SSHDLOG_H
#define CT_SSHDLOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CT_SSHD_USER_MAX 512	/* sshd logs %.100s, which vis(3) may expand fourfold */
#define CT_SSHD_ADDR_MAX 256	/* an address, or a host name with UseDNS */
#define CT_SSHD_TYPE_MAX 32	/* "ED25519-CERT", "ECDSA-SK", ... */
#define CT_SSHD_FP_MAX 128	/* "SHA256:<43 base64>" or an MD5 colon-hex */
#define CT_SSHD_KEYID_MAX 512
#define CT_SSHD_METHOD_MAX 32

enum ct_sshd_outcome {
	CT_SSHD_ACCEPTED = 1,
	CT_SSHD_FAILED,
	CT_SSHD_POSTPONED,
	CT_SSHD_PARTIAL,
};

struct ct_sshd_auth {
	enum ct_sshd_outcome outcome;
	char method[CT_SSHD_METHOD_MAX];	/* "publickey", "password", ... */
	char user[CT_SSHD_USER_MAX];
	int invalid_user;			/* "for invalid user NAME" */
	char addr[CT_SSHD_ADDR_MAX];		/* as logged: IPv4, IPv6 or a host name */
	int port;				/* 0 when the line has none */
	unsigned repeated;			/* N of rsyslog's "message repeated N
						 * times: [ ... ]", else 1 */
	/* ": KEYINFO" after "ssh2", for publickey/hostbased; empty strings when absent */
	char key_type[CT_SSHD_TYPE_MAX];	/* "ED25519-CERT", "RSA", ... */
	char key_fp[CT_SSHD_FP_MAX];		/* may be empty even for a cert (old sshd) */
	int is_cert;				/* key_type ends in "-CERT" */
	char key_id[CT_SSHD_KEYID_MAX];		/* certificate key ID, verbatim as logged */
	uint64_t serial;
	char serial_str[24];			/* decimal, as logged */
	char ca_type[CT_SSHD_TYPE_MAX];
	char ca_fp[CT_SSHD_FP_MAX];
};

/*
 * Parse one sshd log line or message (`n` bytes, a trailing newline is fine).
 * 0 and `out` filled; CT_ERR_NOTFOUND when the line is not an authentication outcome line
 * (sshd logs many other things); CT_ERR_FORMAT when it starts like one but does not follow
 * sshd's format; CT_ERR_LIMIT when a field is longer than its buffer.
 */
int ct_sshd_auth_parse(const char *msg, size_t n, struct ct_sshd_auth *out);

/* "accepted", "failed", "postponed", "partial". */
const char *ct_sshd_outcome_name(enum ct_sshd_outcome o);

/*
 * The task binding of an sshd authentication line, as JSON: {"kind":"sshd-log", "outcome",
 * "method", "user", "source_address", "port", "key_type", "key_fingerprint", "key_id",
 * "serial" (decimal string), "ca_type", "ca_fingerprint", "principal" (= key id), "task"}.
 * Absent fields are null; "task" is what ct_task_from_principal() finds in the key ID.
 * CT_ERR_FORMAT when the text is not an sshd authentication line.
 */
int ct_inspect_sshd_line(const char *s, size_t n, json_t **out);

#endif
