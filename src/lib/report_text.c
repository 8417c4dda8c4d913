/*
 * report_text.c - the report for a terminal: first, per credential, the one sentence that
 * answers the user ("For task T, credential P was issued; the agent process only
 * communicated with H, correlating to the observed CloudTrail events A and B"), said
 * differently whenever that is not the truth; then the findings, credentials, egress, runs
 * and what makes the evidence incomplete.  Every line fits CT_REPORT_WIDTH columns: prose is
 * word-wrapped, table cells are cut with "...".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/correlate.h"
#include "lib/report.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"

#define TEXT_MAX (64u * 1024 * 1024)

static const char *
cred_log(const char *kind)
{
	if (strcmp(kind, "aws") == 0)
		return "CloudTrail";
	if (strcmp(kind, "gcp") == 0)
		return "Cloud Audit Logs";
	if (strcmp(kind, "ssh") == 0)
		return "sshd";
	return "provider";
}

/* "a", "a and b", "a, b and c" from a list of strings */
static int
put_list(struct ct_buf *b, char *const *v, size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if (i > 0)
			r = ct_buf_putf(b, "%s", i == n - 1 ? " and " : ", ");
		if (r == 0)
			r = ct_buf_putf(b, "%s", v[i]);
	}
	return r;
}

static int
has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static int
push(char ***v, size_t *n, const char *s)
{
	char **nv;

	if (has(*v, *n, s))
		return 0;
	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	*v = nv;
	(*v)[(*n)++] = (char *)s;	/* borrowed */
	return 0;
}

/* The sentence for credential `ci` (malloc'd, one paragraph, not wrapped). */
int
ct_report_sentence(const struct ct_corr *c, size_t ci, char **out)
{
	const struct ct_corr_cred *cr = &c->creds[ci];
	struct ct_buf b;
	char **hosts = NULL, **acts = NULL, **odd = NULL, oddbuf[8][200], ts[40];
	size_t nhosts = 0, nacts = 0, nodd = 0, nno = 0, nunk = 0, denied = 0, i;
	const char *prov = NULL;
	int r = 0, mixed = 0;

	*out = NULL;
	ct_buf_init(&b, 64 * 1024);
	for (i = 0; i < c->negress && r == 0; i++) {
		const struct ct_corr_egress *g = &c->egress[i];

		denied += g->denied;
		if (g->count > g->denied && strcmp(g->host, "raw socket") != 0 && !g->dns)
			r = push(&hosts, &nhosts, g->host);
	}
	for (i = 0; i < c->nevents && r == 0; i++) {
		const struct ct_corr_event *e = &c->events[i];

		if (e->role != CT_ROLE_USE || e->cred != (int)ci)
			continue;
		if (e->explained == CT_EXPL_YES) {
			if (prov != NULL && e->provider != NULL && strcmp(prov, e->provider) != 0)
				mixed = 1;
			prov = e->provider;
			r = push(&acts, &nacts, e->action != NULL ? e->action : "?");
		} else if (e->explained == CT_EXPL_NO) {
			if (nodd < 8) {
				ct_time_fmt(e->time_us, 0, ts, sizeof(ts));
				snprintf(oddbuf[nodd], sizeof(oddbuf[nodd]), "%s at %s from %s",
				    e->action != NULL ? e->action : "?", ts + 11,
				    e->source_ip != NULL ? e->source_ip :
				    e->source_host != NULL ? e->source_host : "an unknown source");
				r = push(&odd, &nodd, oddbuf[nodd]);
			}
			nno++;
		} else {
			nunk++;
		}
	}
	if (r != 0)
		goto out;
	r = ct_buf_putf(&b, "For task %s, credential %s was issued; ", c->task, cr->principal);
	if (r == 0 && c->nruns == 0)
		r = ct_buf_putf(&b, "no run of the task was recorded, so the agent's egress is "
		    "unknown");
	else if (r == 0 && nhosts == 0)
		r = ct_buf_putf(&b, "the agent process made no network connection");
	else if (r == 0) {
		r = ct_buf_putf(&b, "the agent process only communicated with ");
		if (r == 0)
			r = put_list(&b, hosts, nhosts);
		if (r == 0 && denied > 0)
			r = ct_buf_putf(&b, " (%zu other attempt%s denied)", denied,
			    denied == 1 ? " was" : "s were");
	}
	if (r != 0)
		goto out;
	if (nacts > 0) {
		r = ct_buf_putf(&b, ", correlating to the observed %s event%s ",
		    mixed ? "provider" : ct_provider_log_name(prov), nacts == 1 ? "" : "s");
		if (r == 0)
			r = put_list(&b, acts, nacts);
	} else if (cr->nuse == 0) {
		r = ct_buf_putf(&b, "; no %s event shows this credential used", cred_log(cr->kind));
	} else if (c->nruns > 0) {
		r = ct_buf_putf(&b, "; none of that explains the %zu %s event%s of this credential",
		    cr->nuse, cred_log(cr->kind), cr->nuse == 1 ? "" : "s");
	}
	if (r == 0 && nno > 0) {
		r = ct_buf_putf(&b, "; but %zu %s%s event%s of this credential %s not explained "
		    "by the agent's egress: ", nno, nacts > 0 ? "other " : "", cred_log(cr->kind),
		    nno == 1 ? "" : "s", nno == 1 ? "is" : "are");
		if (r == 0)
			r = put_list(&b, odd, nodd);
		if (r == 0 && nno > nodd)
			r = ct_buf_putf(&b, " and %zu more", nno - nodd);
	}
	if (r == 0 && nunk > 0)
		r = ct_buf_putf(&b, "; %zu event%s cannot be compared with the egress", nunk,
		    nunk == 1 ? "" : "s");
	if (r == 0)
		r = ct_buf_putf(&b, ".");
	if (r == 0 && !cr->logs_cover && cred_log(cr->kind)[0] != 'p') {
		json_t *lo = json_object_get(c->logs, strcmp(cr->kind, "ssh") == 0 ? "sshd" :
		    cr->kind);
		json_int_t until = json_integer_value(json_object_get(lo, "complete_until_us"));

		if (until != 0) {
			ct_time_fmt(until, 0, ts, sizeof(ts));
			r = ct_buf_putf(&b, " %s is complete only until %s, so later uses may not "
			    "show yet.", cred_log(cr->kind), ts);
		} else {
			r = ct_buf_putf(&b, " No %s events are ingested yet, so uses may not show.",
			    cred_log(cr->kind));
		}
	}
	if (r == 0)
		r = ct_buf_nul(&b);
	if (r == 0) {
		*out = (char *)b.data;
		b.data = NULL;
	}
 out:
	free(hosts);
	free(acts);
	free(odd);
	ct_buf_release(&b);
	return r;
}

/* Word-wrap `text` at the width, first line after `first`, the rest indented by `indent`. */
static int
wrap(struct ct_buf *b, const char *first, int indent, const char *text)
{
	size_t col, w, width = CT_REPORT_WIDTH, take;
	const char *p = text, *q, *nl;
	int r, space = 0;

	if ((r = ct_buf_putf(b, "%s", first)) != 0)
		return r;
	nl = strrchr(first, '\n');
	col = strlen(nl != NULL ? nl + 1 : first);
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		q = p + strcspn(p, " ");
		w = (size_t)(q - p);
		if (space && col + 1 + w > width) {
			if ((r = ct_buf_putf(b, "\n%*s", indent, "")) != 0)
				return r;
			col = (size_t)indent;
			space = 0;
		}
		if (space) {
			if ((r = ct_buf_put_u8(b, ' ')) != 0)
				return r;
			col++;
		}
		/* a word longer than a line is cut into pieces */
		while (col + w > width && col < width) {
			take = width - col;
			if ((r = ct_buf_put(b, p, take)) != 0 ||
			    (r = ct_buf_putf(b, "\n%*s", indent, "")) != 0)
				return r;
			p += take;
			w -= take;
			col = (size_t)indent;
		}
		if ((r = ct_buf_put(b, p, w)) != 0)
			return r;
		col += w;
		space = 1;
		p = q;
	}
	return ct_buf_put_u8(b, '\n');
}

/* s cut to n columns with "..." */
static const char *
cut(const char *s, size_t n, char *buf, size_t bufsz)
{
	if (strlen(s) <= n)
		return s;
	snprintf(buf, bufsz, "%.*s...", (int)(n - 3), s);
	return buf;
}

static int
put_json_list(struct ct_buf *b, const char *label, json_t *a)
{
	struct ct_buf t;
	size_t i;
	int r = 0;

	if (json_array_size(a) == 0)
		return 0;
	ct_buf_init(&t, 1024 * 1024);
	for (i = 0; i < json_array_size(a) && r == 0; i++)
		r = ct_buf_putf(&t, "%s%s", i > 0 ? ", " : "",
		    json_string_value(json_array_get(a, i)));
	if (r == 0 && (r = ct_buf_nul(&t)) == 0)
		r = wrap(b, label, 16, (const char *)t.data);
	ct_buf_release(&t);
	return r;
}

static int
put_creds(struct ct_buf *b, const struct ct_corr *c)
{
	char is[40], ex[40], line[512], cb[128];
	size_t i, k;
	int r = 0;

	if ((r = ct_buf_putf(b, "\nCredentials\n")) != 0)
		return r;
	if (c->ncreds == 0)
		return ct_buf_putf(b, "  none issued\n");
	for (i = 0; i < c->ncreds && r == 0; i++) {
		const struct ct_corr_cred *cr = &c->creds[i];

		ct_time_fmt(cr->issued_us, 0, is, sizeof(is));
		ct_time_fmt(cr->expires_us, 0, ex, sizeof(ex));
		snprintf(line, sizeof(line), "  %-4s %s", cr->kind, cut(cr->principal, 72, cb,
		    sizeof(cb)));
		if ((r = ct_buf_putf(b, "%s\n", line)) != 0)
			break;
		snprintf(line, sizeof(line), "issued %s, expires %s%s%s", is, ex,
		    cr->access_key_id != NULL ? ", access key " : "",
		    cr->access_key_id != NULL ? cr->access_key_id : "");
		if ((r = wrap(b, "       ", 7, line)) != 0)
			break;
		snprintf(line, sizeof(line), "%zu use%s: %zu explained by the egress, %zu not, "
		    "%zu not comparable", cr->nuse, cr->nuse == 1 ? "" : "s", cr->nexplained,
		    cr->nunexplained, cr->nunknown);
		if (cr->nchain > 0) {
			size_t n = strlen(line);

			snprintf(line + n, sizeof(line) - n, "; %zu key%s issued down its role "
			    "chain", cr->nchain, cr->nchain == 1 ? "" : "s");
		}
		if ((r = wrap(b, "       ", 7, line)) != 0 ||
		    (r = put_json_list(b, "       used:    ", cr->used)) != 0 ||
		    (r = put_json_list(b, "       refused: ", cr->failed)) != 0 ||
		    (r = put_json_list(b, "       granted: ", cr->granted)) != 0 ||
		    (r = put_json_list(b, "       unused:  ", cr->unused)) != 0)
			break;
		for (k = 0; k < json_array_size(cr->undetermined) && r == 0; k++) {
			json_t *u = json_array_get(cr->undetermined, k);

			snprintf(line, sizeof(line), "%s: %s",
			    json_string_value(json_object_get(u, "action")),
			    json_string_value(json_object_get(u, "reason")));
			r = wrap(b, k == 0 ? "       cannot tell if used: " : "         ", 9, line);
		}
		if (r == 0 && cr->scope_note != NULL)
			r = wrap(b, "       scope: ", 14, cr->scope_note);
	}
	return r;
}

static int
put_egress(struct ct_buf *b, const struct ct_corr *c)
{
	char hb[64];
	size_t i;
	int r;

	if ((r = ct_buf_putf(b, "\nEgress\n")) != 0)
		return r;
	if (c->nruns == 0)
		return ct_buf_putf(b, "  no run recorded\n");
	if (c->negress == 0)
		return ct_buf_putf(b, "  no connection\n");
	if ((r = ct_buf_putf(b, "  %-34s %5s %-5s %6s %6s %-7s %6s\n", "DESTINATION", "PORT",
	    "PROTO", "COUNT", "DENIED", "VERDICT", "EVENTS")) != 0)
		return r;
	for (i = 0; i < c->negress && r == 0; i++) {
		const struct ct_corr_egress *g = &c->egress[i];
		char host[80];

		snprintf(host, sizeof(host), "%s%s", g->host, g->direct_ip ? " (IP)" : "");
		r = ct_buf_putf(b, "  %-34s %5d %-5.5s %6zu %6zu %-7.7s %6zu\n",
		    cut(host, 34, hb, sizeof(hb)), g->port, g->proto, g->count, g->denied,
		    g->verdict, g->nexplained);
	}
	return r;
}

static int
put_runs(struct ct_buf *b, const struct ct_corr *c)
{
	char st[40], en[40], line[512];
	size_t i;
	int r;

	if (c->nruns == 0)
		return 0;
	if ((r = ct_buf_putf(b, "\nRuns\n")) != 0)
		return r;
	for (i = 0; i < c->nruns && r == 0; i++) {
		const struct ct_corr_run *ru = &c->runs[i];

		ct_time_fmt(ru->start_us, 0, st, sizeof(st));
		if (ru->ended)
			ct_time_fmt(ru->end_us, 0, en, sizeof(en));
		else
			snprintf(en, sizeof(en), "(not ended)");
		snprintf(line, sizeof(line), "%s %s %s, %s to %s, exit %d; event log: %s%s%s",
		    ru->id, ru->mode != NULL ? ru->mode : "?",
		    ru->backend != NULL ? ru->backend : "?", st, en, ru->exit_status,
		    ru->verdict, ru->detail != NULL ? " - " : "",
		    ru->detail != NULL ? ru->detail : "");
		r = wrap(b, "  ", 4, line);
	}
	return r;
}

int
ct_report_text(const struct ct_corr *c, char **out, size_t *outlen)
{
	struct ct_buf b;
	char ts[40], *s = NULL, head[256];
	size_t i, counts[CT_SEV_CRITICAL + 1];
	int r = 0, first;

	*out = NULL;
	*outlen = 0;
	ct_buf_init(&b, TEXT_MAX);
	ct_time_fmt(c->now_us, 0, ts, sizeof(ts));
	snprintf(head, sizeof(head), "credtrail report: task %s%s%s%s", c->task,
	    c->task_class != NULL ? " (class " : "", c->task_class != NULL ? c->task_class : "",
	    c->task_class != NULL ? ")" : "");
	if ((r = wrap(&b, "", 2, head)) != 0)
		goto out;
	snprintf(head, sizeof(head), "generated %s; evidence %s", ts,
	    c->nincomplete == 0 ? "complete" : "INCOMPLETE (see the end)");
	if ((r = wrap(&b, "", 2, head)) != 0 || (r = ct_buf_putf(&b, "\n")) != 0)
		goto out;
	if (c->ncreds == 0 && (r = wrap(&b, "", 0, "No credential of the ledger was issued "
	    "for this task.")) != 0)
		goto out;
	for (i = 0; i < c->ncreds; i++) {
		if ((r = ct_report_sentence(c, i, &s)) != 0 || (r = wrap(&b, "", 0, s)) != 0 ||
		    (i + 1 < c->ncreds && (r = ct_buf_putf(&b, "\n")) != 0))
			goto out;
		free(s);
		s = NULL;
	}

	memset(counts, 0, sizeof(counts));
	for (i = 0; i < c->nfindings; i++)
		counts[c->findings[i].severity]++;
	if ((r = ct_buf_putf(&b, "\nFindings: %zu", c->nfindings)) != 0)
		goto out;
	for (i = CT_SEV_CRITICAL, first = 1; i >= CT_SEV_INFO && c->nfindings > 0; i--) {
		if (counts[i] == 0)
			continue;
		if ((r = ct_buf_putf(&b, "%s%zu %s", first ? " (" : ", ", counts[i],
		    ct_severity_name((enum ct_severity)i))) != 0)
			goto out;
		first = 0;
	}
	if ((r = ct_buf_putf(&b, "%s\n", c->nfindings > 0 ? ")" : "")) != 0)
		goto out;
	for (i = 0; i < c->nfindings; i++) {
		const struct ct_finding *f = &c->findings[i];
		char label[64];
		size_t k;

		snprintf(label, sizeof(label), "  %-8s %s", ct_severity_name(f->severity), f->kind);
		for (k = 2; label[k] != ' ' && label[k] != '\0'; k++)
			label[k] = (char)(label[k] >= 'a' && label[k] <= 'z' ? label[k] - 32 :
			    label[k]);
		if ((r = ct_buf_putf(&b, "%s\n", label)) != 0 ||
		    (r = wrap(&b, "           ", 11, f->summary)) != 0)
			goto out;
	}
	if ((r = put_creds(&b, c)) != 0 || (r = put_egress(&b, c)) != 0 ||
	    (r = put_runs(&b, c)) != 0)
		goto out;
	if (c->negress_ips > 0) {
		struct ct_buf t;

		ct_buf_init(&t, 64 * 1024);
		for (i = 0; i < c->negress_ips && r == 0; i++)
			r = ct_buf_putf(&t, "%s%s%s", i > 0 ? ", " : "", c->egress_ips[i],
			    i >= c->negress_ips - c->nlearned_ips ? " (learned)" : "");
		if (r == 0 && (r = ct_buf_nul(&t)) == 0)
			r = wrap(&b, "\nThe task's source addresses: ", 2, (const char *)t.data);
		ct_buf_release(&t);
		if (r != 0)
			goto out;
	}
	if (c->nincomplete > 0) {
		if ((r = ct_buf_putf(&b, "\nThe evidence is incomplete:\n")) != 0)
			goto out;
		for (i = 0; i < c->nincomplete; i++)
			if ((r = wrap(&b, "  - ", 4, c->incomplete[i])) != 0)
				goto out;
	} else if ((r = ct_buf_putf(&b, "\nThe evidence is complete.\n")) != 0)
		goto out;
	if ((r = ct_buf_nul(&b)) != 0)
		goto out;
	*outlen = b.len;
	*out = (char *)b.data;
	b.data = NULL;
 out:
	free(s);
	ct_buf_release(&b);
	return r;
}
