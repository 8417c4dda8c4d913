/*
 * inspect.h - recognise a credential artifact and extract its task binding.
 *
 * Each kind's parser lives with the module that mints that kind; this file only sniffs which
 * kind an input is and hands it to that parser, so a malformed token is reported by the code
 * that understands tokens.  Every parser returns a JSON object with "kind" and the fields it
 * knows (task, principal, key_id, serial, jti, issuer, subject, valid_after, valid_before, ...).
 */
#ifndef CT_INSPECT_H
#define CT_INSPECT_H

#include <stddef.h>

#include <jansson.h>

/* The parsers, each with the module that mints that kind. */
#include "lib/jwt.h"		/* ct_inspect_jwt */
#include "lib/sshcert.h"	/* ct_inspect_sshcert */
#include "lib/sshdlog.h"	/* ct_inspect_sshd_line */
#include "lib/sts.h"		/* ct_inspect_aws_arn */
#include "lib/x509.h"		/* ct_inspect_x509 */

/*
 * Identify the artifact in s[0..n) and parse it.  CT_ERR_FORMAT with a message listing what
 * credtrail recognises when it is none of them.  On success "task" is a string or null.
 */
int ct_inspect(const char *s, size_t n, json_t **out);

#endif
