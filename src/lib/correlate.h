/*
 * correlate.h - one task's evidence joined: the credentials the ledger issued, the provider
 * events that used them, and the connections the agent's process tree made, with findings.
 *
 * Credentials x provider events (by every join key, all index lookups):
 *   aws   access key id (the credential's, and every key an sts:AssumeRole*,
 *         GetFederationToken or GetSessionToken call made with one of them issued, followed
 *         down the role chain up to `chain_depth` hops), the issuing AssumeRole itself
 *         (issued access key id), session name, source identity (both weak: an event that
 *         carries them under an access key this task never had is a *claim*, not a use);
 *   jwt   jti, sub (exact, the Workload Identity Federation principal
 *         ".../subject/<sub>", the GCP delegation chain, Vault's "jwt-<sub>" display name
 *         and the token accessor and leases that login issued), and the keys
 *         AssumeRoleWithWebIdentity issued for the token (then followed as for aws);
 *   gcp   the service account's e-mail within the token's lifetime (weak: a key shared
 *         by several tasks cannot tell them apart, and the report says so);
 *   ssh   certificate key id, with serial and CA fingerprint checked (a login with this
 *         key id but another serial or CA is a claim of a certificate never issued);
 *   x509  certificate serial.
 * Principals that carry this task's id (`<prefix>-task-<task>-...`, by index range over
 * session names, source identities, certificate key ids, subjects and the names issued by
 * AssumeRole calls) without joining a credential of the ledger are claims too.
 *
 * Provider events x egress: an event is *explained* when a connection of one of the task's
 * runs to a host that serves the event's service (endpoints.h) was open at the event's time,
 * give or take `skew_us`: open from connect() to close, so one keep-alive connection
 * explains every call it carried; a connection without a recorded close counts as open
 * until its run ended.
 *
 * Nothing here prints; the result is a model the report formats render (report.h).
 */
#ifndef CT_CORRELATE_H
#define CT_CORRELATE_H

#define CT_IAM_ACTION_MAX 128	/* "service:Action" */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lib/endpoints.h"

struct ct_store;
struct ct_netpolicy;

#define CT_CORR_SKEW_DEFAULT_US		(5 * 1000000LL)		/* 5 s */
#define CT_CORR_DELIVERY_DEFAULT_US	(15 * 60 * 1000000LL)	/* CloudTrail: 15 min */
#define CT_CORR_CHAIN_DEPTH_DEFAULT	8
#define CT_CORR_MAX_EVENTS		200000	/* provider events of one task, at most */
#define CT_CORR_MAX_CONNS		200000	/* network events of one task, at most */

enum ct_severity {
	CT_SEV_NONE = 0,
	CT_SEV_INFO,
	CT_SEV_LOW,
	CT_SEV_MEDIUM,
	CT_SEV_HIGH,
	CT_SEV_CRITICAL,
};

/* "info" "low" "medium" "high" "critical" ("none" for CT_SEV_NONE). */
const char *ct_severity_name(enum ct_severity s);

/* What a provider's log is called in prose: "aws" -> "CloudTrail", "gcp" -> "Cloud Audit Logs". */
const char *ct_provider_log_name(const char *provider);
/* The names above; CT_ERR_INVALID otherwise. */
int ct_severity_parse(const char *s, enum ct_severity *out);

struct ct_corr_opts {
	int64_t skew_us;		/* < 0: CT_CORR_SKEW_DEFAULT_US */
	int64_t delivery_us;		/* < 0: CT_CORR_DELIVERY_DEFAULT_US */
	int64_t logs_complete_until_us;	/* 0: latest ingested event time - delivery window */
	const char *const *egress_ips;	/* the task's own source addresses (--egress-ip) */
	size_t negress_ips;
	const struct ct_netpolicy *allow;	/* judge egress by this allowlist too (NULL: no) */
	const struct ct_endpoint_extra *endpoints;	/* more service -> host patterns */
	size_t nendpoints;
	int chain_depth;		/* <= 0: CT_CORR_CHAIN_DEPTH_DEFAULT */
	int data_events_logged;		/* the trail logs data events (the user says so) */
	int64_t now_us;			/* 0: the clock */
	EVP_PKEY *const *keys;		/* trusted attestation keys; NULL: the ledger's */
	size_t nkeys;
};

/* How an event relates to the task. */
enum ct_corr_role {
	CT_ROLE_USE = 1,	/* made with one of the task's credentials */
	CT_ROLE_ISSUANCE,	/* the call that issued a credential of the task (the mint) */
	CT_ROLE_CLAIM,		/* names this task, but no credential of the ledger joins it */
};

enum ct_corr_explained {
	CT_EXPL_UNKNOWN = 0,	/* no endpoint known for the service, or no run to compare */
	CT_EXPL_YES,
	CT_EXPL_NO,
};

enum ct_corr_event_flags {
	CT_EVF_UNEXPECTED_SOURCE = 1 << 0,
	CT_EVF_AFTER_RUN = 1 << 1,	/* after the task's last run ended */
	CT_EVF_BEFORE_RUN = 1 << 2,	/* outside every run, before the last one ended */
	CT_EVF_AFTER_EXPIRY = 1 << 3,
	CT_EVF_DATA_EVENT = 1 << 4,
	CT_EVF_WEAK_JOIN = 1 << 5,	/* joined by a name only, not by a key */
};

struct ct_corr_event {
	int64_t id;			/* provider_events.id */
	char *provider, *event_id, *service, *action, *region;
	char *principal, *session_name, *access_key_id, *source_identity, *subject;
	char *cert_key_id, *cert_serial, *ca_fingerprint;
	char *source_ip, *source_host, *user_agent, *outcome, *error_code;
	char *issued_access_key_id, *account;
	char *raw_sha256, *file;	/* evidence: digest of the raw record, file it came from */
	int64_t file_offset;		/* -1: unknown */
	int64_t time_us;
	int has_time;
	int cred;			/* index into ct_corr.creds, -1 for a claim */
	const char *join;		/* the join key that matched (static text) */
	int depth;			/* role-chain hops from the credential */
	enum ct_corr_role role;
	enum ct_corr_explained explained;
	int conn;			/* explaining connection (index into conns), -1 */
	char *note;			/* why not explained / what the claim is */
	char iam[2][CT_IAM_ACTION_MAX];
	int niam;
	unsigned flags;
};

/* A connection (or attempt) of the task's runs: a connect/sendmsg row, joined to its close. */
struct ct_corr_conn {
	int64_t id;			/* net_events.id of the connect (or close) row */
	int64_t close_id;		/* the close row, 0: none recorded */
	char *run_id, *type, *proto, *family, *dst, *src, *verdict;
	int dport, sport;
	char **names;			/* DNS names of dst, as the proxy saw them */
	size_t nnames;
	int names_known;		/* 0: no DNS proxy (names unknown, not "direct IP") */
	int64_t open_us, close_us;	/* close_us: the run's end when not closed */
	int closed;
	int dns;			/* a DNS query (to the resolver or its proxy) */
	int direct_ip;			/* to an address no DNS name led to */
	int denied;
	int allowed;			/* by opts.allow: 1, 0, or -1 not judged; without
					   opts.allow, 0 when the run's event log says its own
					   allowlist would refuse it (audit mode) */
	int64_t bytes_sent, bytes_recv;
	size_t nexplained;
};

/* Connections grouped by destination (first name, else address), port and protocol. */
struct ct_corr_egress {
	char *host;
	char **addresses;
	size_t naddresses;
	int port;
	char *proto;
	size_t count, denied, nexplained;
	int direct_ip, dns;
	int allowed;			/* as in ct_corr_conn */
	char verdict[16];		/* allow deny audit mixed */
	int64_t first_us, last_us;
};

struct ct_corr_cred {
	int64_t id;
	char *kind, *principal, *access_key_id, *session_name, *source_identity, *role_arn;
	char *assumed_role_arn, *jti, *subject, *issuer, *serial, *key_id, *ca_fingerprint;
	char *scope;
	int64_t issued_us, expires_us;
	char **chain;			/* access key ids issued down its role chain */
	size_t nchain;
	/* granted scope vs use */
	int scope_evaluated;		/* 1 an IAM policy was evaluated, 0 not */
	char *scope_note;		/* why not, or what limits the evaluation */
	json_t *granted;		/* ["route53:GetHostedZone", ...] Allow actions as written */
	json_t *used;			/* IAM actions of successful uses, sorted */
	json_t *failed;			/* IAM actions of calls the provider refused */
	json_t *unused;			/* granted, never used, and the logs could show it */
	json_t *undetermined;		/* [{"action":..., "reason":...}] */
	size_t nuse, nexplained, nunexplained, nunknown;
	int64_t first_use_us, last_use_us;
	int logs_cover;			/* 1 the provider logs cover lifetime + delivery */
};

struct ct_corr_run {
	char *id, *backend, *mode, *events_path, *attestation_digest, *attestation_path;
	char *drops;			/* JSON text */
	int64_t start_us, end_us;
	int ended;
	int complete;
	int exit_status;		/* -1: none recorded */
	char verdict[24];		/* complete unsigned-tail incomplete failed no-log unreadable */
	int verified;			/* log (and attestation when present) verified */
	char *detail;
	uint64_t records;
};

struct ct_finding {
	enum ct_severity severity;
	const char *kind;		/* static text, see README "credtrail report" */
	char *summary;			/* one line */
	json_t *evidence;		/* array of {"type": ..., ...} references */
};

struct ct_corr {
	char *task, *task_class;
	int64_t task_created_us, now_us, skew_us, delivery_us;
	struct ct_corr_cred *creds;
	size_t ncreds;
	struct ct_corr_event *events;	/* by time */
	size_t nevents;
	struct ct_corr_run *runs;	/* by start */
	size_t nruns;
	struct ct_corr_conn *conns;	/* by time */
	size_t nconns;
	struct ct_corr_egress *egress;
	size_t negress;
	struct ct_finding *findings;	/* most severe first */
	size_t nfindings;
	char **incomplete;		/* reasons the evidence is incomplete */
	size_t nincomplete;
	char **egress_ips;		/* declared + learned */
	size_t negress_ips;
	size_t nlearned_ips;		/* how many of them were learned: the source addresses
					   from which more uses are explained than not */
	json_t *logs;			/* {"aws": {"latest": us, "complete_until": us, "source": ...}} */
	int64_t runs_end_us;		/* end of the last run, 0 when none ended */
	int data_events_logged;
};

/*
 * Correlate one task.  CT_ERR_NOTFOUND when the task does not exist; CT_ERR_LIMIT when it
 * has more than CT_CORR_MAX_EVENTS provider events or CT_CORR_MAX_CONNS network events.
 */
int ct_correlate(struct ct_store *st, const char *task, const struct ct_corr_opts *o,
    struct ct_corr **out);
void ct_corr_free(struct ct_corr *c);

/* The most severe finding (CT_SEV_NONE when there is none). */
enum ct_severity ct_corr_max_severity(const struct ct_corr *c);

/*
 * The SQL of the correlation's lookups, for EXPLAIN QUERY PLAN in tests and the benchmark:
 * a NULL-terminated array of statements with '?' parameters.
 */
const char *const *ct_correlate_queries(void);

/*
 * The plan SQLite chooses for each of those queries on this store: a JSON array of
 * {"query": <sql>, "plan": ["SEARCH e USING INDEX ...", ...]} (a new reference).
 */
int ct_correlate_plan(struct ct_store *st, json_t **out);

#endif
