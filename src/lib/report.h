/*
 * report.h - a task's correlation (correlate.h) rendered: JSON (the stable, documented
 * schema; README "credtrail report"), text for an 80-column terminal, and one
 * self-contained HTML file with an inline SVG timeline.  The signed form is the JSON report
 * as the predicate of an in-toto Statement v1 in a DSSE envelope (dsse.h).
 *
 * Renderers build bytes; they never print (the CLI writes them).
 */
#ifndef CT_REPORT_H
#define CT_REPORT_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

struct ct_corr;

#define CT_REPORT_SCHEMA_V1	"https://credtrail.dev/report/v1"
#define CT_REPORT_PREDICATE_V1	"https://credtrail.dev/attestation/report/v1"
#define CT_REPORT_WIDTH		80	/* text columns */

/* The report object (a new reference). */
int ct_report_json(const struct ct_corr *c, json_t **out);

/*
 * The sentence for credential `ci` of the correlation ("For task T, credential P was issued;
 * the agent process only communicated with H, correlating to the observed CloudTrail events
 * A and B"), in its honest variant when that is not what happened.  Malloc'd, unwrapped.
 */
int ct_report_sentence(const struct ct_corr *c, size_t ci, char **out);

/* Text: the sentence per credential, findings, credentials, egress, runs, evidence. */
int ct_report_text(const struct ct_corr *c, char **out, size_t *outlen);

/* HTML: findings first, then the timeline (inline SVG), tables; no external resource. */
int ct_report_html(const struct ct_corr *c, char **out, size_t *outlen);

/*
 * The in-toto statement of a report: subject {"name": "credtrail-report-<task>.json",
 * "digest": {"sha256": <hex of the report's canonical JSON>}}, predicateType
 * CT_REPORT_PREDICATE_V1, predicate the report.  Then signed into a DSSE envelope
 * (payloadType application/vnd.in-toto+json); *out is malloc'd and ends in '\n'.
 */
int ct_report_statement(json_t *report, json_t **out);
int ct_report_sign(EVP_PKEY *key, json_t *report, char **out, size_t *outlen);

/*
 * Check a signed report (`len` bytes of a DSSE envelope): a signature by one of `keys`, the
 * payload an in-toto statement of predicateType CT_REPORT_PREDICATE_V1 whose one subject's
 * sha256 is that of the predicate's canonical JSON, and the payload exactly the statement's
 * canonical bytes.  On success *report (may be NULL) gets the report and keyid the signer's.
 * CT_ERR_VERIFY or CT_ERR_FORMAT say what is wrong.
 */
int ct_report_verify(const uint8_t *data, size_t len, EVP_PKEY *const *keys, size_t nkeys,
    json_t **report, char keyid[65]);

#endif
