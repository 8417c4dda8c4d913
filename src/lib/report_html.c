/*
 * report_html.c - the report as one self-contained HTML file: findings first, the sentence
 * per credential, an inline SVG timeline (credential lifetimes, run windows, connections per
 * destination, provider events coloured by verdict), then tables.
 *
 * Self-contained means no fetch at all: no script, no external style, font or image, and a
 * Content-Security-Policy of default-src 'none' so that a viewer would refuse one even if a
 * value from a log tried to smuggle it in.  Every value is HTML-escaped.
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

#define HTML_MAX (64u * 1024 * 1024)
#define SVG_W 1100
#define SVG_LABEL 250
#define SVG_ROW 26
#define SVG_TOP 30

static int
esc(struct ct_buf *b, const char *s)
{
	int r = 0;

	if (s == NULL)
		return ct_buf_putf(b, "-");
	for (; *s != '\0' && r == 0; s++) {
		switch (*s) {
		case '&': r = ct_buf_putf(b, "&amp;"); break;
		case '<': r = ct_buf_putf(b, "&lt;"); break;
		case '>': r = ct_buf_putf(b, "&gt;"); break;
		case '"': r = ct_buf_putf(b, "&quot;"); break;
		case '\'': r = ct_buf_putf(b, "&#39;"); break;
		default:
			r = ct_buf_put_u8(b, (unsigned char)*s < 0x20 ? ' ' : (uint8_t)*s);
		}
	}
	return r;
}

/* put formatted text, escaped */
static int __attribute__((format(printf, 2, 3)))
escf(struct ct_buf *b, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	r = esc(b, s);
	free(s);
	return r;
}

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
	"border-bottom:1px solid #d0d7de;padding-bottom:4px}"
	".meta{color:#57606a;margin:0 0 12px}"
	"table{border-collapse:collapse;width:100%;margin:4px 0}"
	"th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}"
	"th{background:#f6f8fa;font-weight:600}"
	".sev{font-weight:700;text-transform:uppercase;font-size:12px;padding:2px 6px;"
	"border-radius:3px;color:#fff;white-space:nowrap}"
	".critical{background:#8b0000}.high{background:#cf222e}.medium{background:#bf8700}"
	".low{background:#0969da}.info{background:#6e7781}"
	".ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}"
	".sentence{font-size:15px;background:#f6f8fa;padding:10px 14px;border-left:4px solid "
	"#0969da;margin:8px 0}"
	"code{font-family:ui-monospace,monospace;font-size:12px}"
	"svg text{font:12px system-ui,sans-serif;fill:#1d2430}"
	".legend span{display:inline-block;margin-right:14px}"
	".dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}";

struct tl {
	int64_t t0, t1;
	double scale;		/* px per µs */
};

static double
tx(const struct tl *t, int64_t us)
{
	if (us < t->t0)
		us = t->t0;
	if (us > t->t1)
		us = t->t1;
	return SVG_LABEL + (double)(us - t->t0) * t->scale;
}

static void
widen(int64_t *lo, int64_t *hi, int64_t v, int *any)
{
	if (!*any || v < *lo)
		*lo = v;
	if (!*any || v > *hi)
		*hi = v;
	*any = 1;
}

static int
label(struct ct_buf *b, int y, const char *text)
{
	char cut[48];
	int r;

	snprintf(cut, sizeof(cut), "%s", text);
	if (strlen(text) >= sizeof(cut))
		memcpy(cut + sizeof(cut) - 4, "...", 4);
	if ((r = ct_buf_putf(b, "<text x=\"4\" y=\"%d\">", y + 16)) != 0 || (r = esc(b, cut)) != 0)
		return r;
	return ct_buf_putf(b, "</text>\n");
}

static int
bar(struct ct_buf *b, const struct tl *t, int y, int64_t from, int64_t to, const char *fill,
    int h, const char *title)
{
	double x0 = tx(t, from), x1 = tx(t, to);
	int r;

	if (x1 - x0 < 2)
		x1 = x0 + 2;
	if ((r = ct_buf_putf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
	    "fill=\"%s\" rx=\"2\"><title>", x0, y + (SVG_ROW - h) / 2, x1 - x0, h, fill)) != 0 ||
	    (r = esc(b, title)) != 0)
		return r;
	return ct_buf_putf(b, "</title></rect>\n");
}

static int
timeline(struct ct_buf *b, const struct ct_corr *c)
{
	struct tl t;
	int64_t lo = 0, hi = 0;
	char ts[40], te[40], title[512];
	size_t i, k, nrows = 0, nclaims = 0;
	int any = 0, y, r, height, tick;

	for (i = 0; i < c->nruns; i++) {
		widen(&lo, &hi, c->runs[i].start_us, &any);
		widen(&lo, &hi, c->runs[i].ended ? c->runs[i].end_us : c->now_us, &any);
	}
	for (i = 0; i < c->nevents; i++)
		if (c->events[i].has_time)
			widen(&lo, &hi, c->events[i].time_us, &any);
	for (i = 0; i < c->nconns; i++) {
		widen(&lo, &hi, c->conns[i].open_us, &any);
		widen(&lo, &hi, c->conns[i].close_us, &any);
	}
	for (i = 0; i < c->ncreds; i++)
		widen(&lo, &hi, c->creds[i].issued_us, &any);
	if (!any)
		return ct_buf_putf(b, "<p>Nothing to draw: no run, connection or event.</p>\n");
	if (hi - lo < 1000000)
		hi = lo + 1000000;
	t.t0 = lo - (hi - lo) / 20;
	t.t1 = hi + (hi - lo) / 20;
	t.scale = (double)(SVG_W - SVG_LABEL - 10) / (double)(t.t1 - t.t0);

	nrows = c->ncreds * 2 + c->nruns;
	for (i = 0; i < c->negress; i++)
		nrows += !c->egress[i].dns || c->egress[i].denied > 0;
	for (i = 0; i < c->nevents; i++)
		nclaims += c->events[i].role == CT_ROLE_CLAIM;
	if (nclaims > 0)
		nrows++;
	height = SVG_TOP + (int)nrows * SVG_ROW + 30;
	if ((r = ct_buf_putf(b, "<svg width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline\">\n"
	    "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
	    SVG_W, height, SVG_W, height, SVG_W, height)) != 0)
		return r;
	/* time axis */
	for (tick = 0; tick <= 5; tick++) {
		int64_t at = t.t0 + (t.t1 - t.t0) * tick / 5;
		double x = tx(&t, at);

		ct_time_fmt(at, 0, ts, sizeof(ts));
		if ((r = ct_buf_putf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
		    "stroke=\"#d0d7de\"/><text x=\"%.1f\" y=\"18\" text-anchor=\"%s\">%.8s"
		    "</text>\n", x, SVG_TOP - 4, x, height - 20, x, tick == 5 ? "end" : "middle",
		    ts + 11)) != 0)
			return r;
	}
	ct_time_fmt(t.t0, 0, ts, sizeof(ts));
	if ((r = ct_buf_putf(b, "<text x=\"4\" y=\"18\">%.10s UTC</text>\n", ts)) != 0)
		return r;
	y = SVG_TOP;
	for (i = 0; i < c->ncreds; i++) {
		const struct ct_corr_cred *cr = &c->creds[i];

		ct_time_fmt(cr->issued_us, 0, ts, sizeof(ts));
		ct_time_fmt(cr->expires_us, 0, te, sizeof(te));
		snprintf(title, sizeof(title), "%s %s: issued %s, expires %s", cr->kind,
		    cr->principal, ts, te);
		if ((r = label(b, y, cr->principal)) != 0 ||
		    (r = bar(b, &t, y, cr->issued_us, cr->expires_us, "#8250df", 12, title)) != 0)
			return r;
		/* a lifetime running past the picture: its expiry, inside the bar's end */
		if (cr->expires_us > t.t1 && (r = ct_buf_putf(b, "<text x=\"%d\" y=\"%d\" "
		    "text-anchor=\"end\" style=\"fill:#fff\">expires %.8s &#8594;</text>\n",
		    SVG_W - 14, y + 17, te + 11)) != 0)
			return r;
		y += SVG_ROW;
		snprintf(title, sizeof(title), "provider events of %s", cr->principal);
		if ((r = label(b, y, "  events")) != 0)
			return r;
		for (k = 0; k < c->nevents; k++) {
			const struct ct_corr_event *e = &c->events[k];
			const char *fill = e->explained == CT_EXPL_YES ? "#1a7f37" :
			    e->explained == CT_EXPL_NO ? "#cf222e" : "#8c959f";

			if (e->cred != (int)i || !e->has_time || e->role == CT_ROLE_CLAIM)
				continue;
			if (e->role == CT_ROLE_ISSUANCE)
				fill = "#8250df";
			ct_time_fmt(e->time_us, 1, ts, sizeof(ts));
			snprintf(title, sizeof(title), "%s %s at %s from %s: %s", e->service,
			    e->action != NULL ? e->action : "?", ts,
			    e->source_ip != NULL ? e->source_ip : "?",
			    e->role == CT_ROLE_ISSUANCE ? "issued the credential" :
			    e->explained == CT_EXPL_YES ? "explained by the agent's egress" :
			    e->explained == CT_EXPL_NO ? "NOT explained by the agent's egress" :
			    "cannot be compared");
			if ((r = ct_buf_putf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\" fill=\"%s\" "
			    "stroke=\"#fff\"><title>", tx(&t, e->time_us), y + SVG_ROW / 2,
			    fill)) != 0 || (r = esc(b, title)) != 0 ||
			    (r = ct_buf_putf(b, "</title></circle>\n")) != 0)
				return r;
		}
		y += SVG_ROW;
	}
	for (i = 0; i < c->nruns; i++) {
		const struct ct_corr_run *ru = &c->runs[i];

		snprintf(title, sizeof(title), "run %s (%s, %s)", ru->id, ru->mode, ru->backend);
		if ((r = label(b, y, title)) != 0 || (r = bar(b, &t, y, ru->start_us,
		    ru->ended ? ru->end_us : c->now_us, "#0969da", 14, title)) != 0)
			return r;
		y += SVG_ROW;
	}
	for (i = 0; i < c->negress; i++) {
		const struct ct_corr_egress *g = &c->egress[i];

		if (g->dns && g->denied == 0)
			continue;
		snprintf(title, sizeof(title), "%s:%d", g->host, g->port);
		if ((r = label(b, y, title)) != 0)
			return r;
		for (k = 0; k < c->nconns; k++) {
			const struct ct_corr_conn *cn = &c->conns[k];
			const char *host = strcmp(cn->type, "sock_create") == 0 ? "raw socket" :
			    cn->nnames > 0 ? cn->names[0] : cn->dst;

			if (host == NULL || strcmp(host, g->host) != 0 ||
			    (cn->dns && !cn->denied) || cn->dport != g->port)
				continue;
			ct_time_fmt(cn->open_us, 1, ts, sizeof(ts));
			snprintf(title, sizeof(title), "%s %s %s:%d at %s (%s)%s", cn->type,
			    cn->proto != NULL ? cn->proto : "", cn->dst != NULL ? cn->dst : host,
			    cn->dport, ts, cn->verdict != NULL ? cn->verdict : "?",
			    cn->direct_ip ? " direct IP" : "");
			if (cn->denied) {
				double x = tx(&t, cn->open_us);

				r = ct_buf_putf(b, "<path d=\"M%.1f %d l8 8 m0 -8 l-8 8\" "
				    "stroke=\"#cf222e\" stroke-width=\"2\"><title>", x - 4,
				    y + SVG_ROW / 2 - 4);
				if (r == 0)
					r = esc(b, title);
				if (r == 0)
					r = ct_buf_putf(b, "</title></path>\n");
			} else {
				r = bar(b, &t, y, cn->open_us, cn->close_us,
				    cn->direct_ip ? "#bf8700" : "#57606a", 8, title);
			}
			if (r != 0)
				return r;
		}
		y += SVG_ROW;
	}
	if (nclaims > 0) {
		if ((r = label(b, y, "claims (no credential)")) != 0)
			return r;
		for (k = 0; k < c->nevents; k++) {
			const struct ct_corr_event *e = &c->events[k];

			if (e->role != CT_ROLE_CLAIM || !e->has_time)
				continue;
			snprintf(title, sizeof(title), "%s %s: %s", e->service,
			    e->action != NULL ? e->action : "?", e->note != NULL ? e->note : "");
			if ((r = ct_buf_putf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" "
			    "fill=\"#8b0000\"><title>", tx(&t, e->time_us) - 5, y + 8)) != 0 ||
			    (r = esc(b, title)) != 0 || (r = ct_buf_putf(b, "</title></rect>\n")) != 0)
				return r;
		}
	}
	return ct_buf_putf(b, "</svg>\n<p class=\"legend\"><span><i class=\"dot\" "
	    "style=\"background:#1a7f37\"></i>event explained by the egress</span><span>"
	    "<i class=\"dot\" style=\"background:#cf222e\"></i>event NOT explained</span><span>"
	    "<i class=\"dot\" style=\"background:#8c959f\"></i>not comparable</span><span>"
	    "<i class=\"dot\" style=\"background:#8250df\"></i>credential lifetime, issuance"
	    "</span><span><i class=\"dot\" style=\"background:#0969da\"></i>run</span><span>"
	    "<i class=\"dot\" style=\"background:#57606a\"></i>connection open</span><span>"
	    "<i class=\"dot\" style=\"background:#bf8700\"></i>direct-IP connection</span>"
	    "</p>\n");
}

static int
json_list(struct ct_buf *b, json_t *a)
{
	size_t i;
	int r = 0;

	if (json_array_size(a) == 0)
		return ct_buf_putf(b, "-");
	for (i = 0; i < json_array_size(a) && r == 0; i++) {
		if (i > 0)
			r = ct_buf_putf(b, ", ");
		if (r == 0)
			r = ct_buf_putf(b, "<code>");
		if (r == 0)
			r = esc(b, json_string_value(json_array_get(a, i)));
		if (r == 0)
			r = ct_buf_putf(b, "</code>");
	}
	return r;
}

static int
sections(struct ct_buf *b, const struct ct_corr *c)
{
	char ts[40], te[40];
	size_t i, k;
	int r = 0;

	/* credentials */
	r = ct_buf_putf(b, "<h2>Credentials</h2>\n<table><tr><th>kind</th><th>principal</th>"
	    "<th>issued</th><th>expires</th><th>uses</th><th>actions used</th>"
	    "<th>granted, never used</th><th>cannot tell</th></tr>\n");
	for (i = 0; i < c->ncreds && r == 0; i++) {
		const struct ct_corr_cred *cr = &c->creds[i];

		ct_time_fmt(cr->issued_us, 0, ts, sizeof(ts));
		ct_time_fmt(cr->expires_us, 0, te, sizeof(te));
		r = ct_buf_putf(b, "<tr><td>");
		if (r == 0) r = esc(b, cr->kind);
		if (r == 0) r = ct_buf_putf(b, "</td><td><code>");
		if (r == 0) r = esc(b, cr->principal);
		if (r == 0) r = ct_buf_putf(b, "</code></td><td>%s</td><td>%s</td><td>%zu "
		    "(%zu explained, %zu not, %zu not comparable)</td><td>", ts, te, cr->nuse,
		    cr->nexplained, cr->nunexplained, cr->nunknown);
		if (r == 0) r = json_list(b, cr->used);
		if (r == 0) r = ct_buf_putf(b, "</td><td>");
		if (r == 0) r = json_list(b, cr->unused);
		if (r == 0) r = ct_buf_putf(b, "</td><td>");
		for (k = 0; k < json_array_size(cr->undetermined) && r == 0; k++) {
			json_t *u = json_array_get(cr->undetermined, k);

			r = ct_buf_putf(b, "%s<code>", k > 0 ? "<br>" : "");
			if (r == 0) r = esc(b, json_string_value(json_object_get(u, "action")));
			if (r == 0) r = ct_buf_putf(b, "</code>: ");
			if (r == 0) r = esc(b, json_string_value(json_object_get(u, "reason")));
		}
		if (r == 0 && cr->scope_note != NULL) {
			r = ct_buf_putf(b, "%s", json_array_size(cr->undetermined) > 0 ? "<br>" : "");
			if (r == 0) r = esc(b, cr->scope_note);
		}
		if (r == 0) r = ct_buf_putf(b, "</td></tr>\n");
	}
	if (r == 0)
		r = ct_buf_putf(b, "</table>\n<h2>Egress</h2>\n<table><tr><th>destination</th>"
		    "<th>addresses</th><th>port</th><th>proto</th><th>count</th><th>denied</th>"
		    "<th>verdict</th><th>events explained</th></tr>\n");
	for (i = 0; i < c->negress && r == 0; i++) {
		const struct ct_corr_egress *g = &c->egress[i];

		r = ct_buf_putf(b, "<tr><td><code>");
		if (r == 0) r = esc(b, g->host);
		if (r == 0) r = ct_buf_putf(b, "</code>%s</td><td>", g->direct_ip ?
		    " <span class=\"bad\">direct IP</span>" : "");
		for (k = 0; k < g->naddresses && r == 0; k++) {
			r = ct_buf_putf(b, "%s", k > 0 ? ", " : "");
			if (r == 0) r = esc(b, g->addresses[k]);
		}
		if (r == 0) r = ct_buf_putf(b, "</td><td>%d</td><td>", g->port);
		if (r == 0) r = esc(b, g->proto);
		if (r == 0) r = ct_buf_putf(b, "</td><td>%zu</td><td>%zu</td><td>%s</td>"
		    "<td>%zu</td></tr>\n", g->count, g->denied, g->verdict, g->nexplained);
	}
	if (r == 0)
		r = ct_buf_putf(b, "</table>\n<h2>Provider events</h2>\n<table><tr><th>time</th>"
		    "<th>credential</th><th>event</th><th>source</th><th>join</th>"
		    "<th>explained</th><th>note</th></tr>\n");
	for (i = 0; i < c->nevents && r == 0; i++) {
		const struct ct_corr_event *e = &c->events[i];

		if (e->has_time)
			ct_time_fmt(e->time_us, 1, ts, sizeof(ts));
		else
			snprintf(ts, sizeof(ts), "-");
		r = ct_buf_putf(b, "<tr><td>%s</td><td><code>", ts);
		if (r == 0) r = esc(b, e->cred >= 0 ? c->creds[e->cred].principal : "(claim)");
		if (r == 0) r = ct_buf_putf(b, "</code></td><td>");
		if (r == 0) r = escf(b, "%s %s", e->service != NULL ? e->service : "?",
		    e->action != NULL ? e->action : "?");
		if (r == 0) r = ct_buf_putf(b, "</td><td>");
		if (r == 0) r = esc(b, e->source_ip != NULL ? e->source_ip : e->source_host);
		if (r == 0) r = ct_buf_putf(b, "</td><td>");
		if (r == 0) r = escf(b, "%s%s", e->join != NULL ? e->join : "-",
		    e->role == CT_ROLE_ISSUANCE ? " (issuance)" : "");
		if (r == 0) r = ct_buf_putf(b, "</td><td>%s</td><td>",
		    e->role == CT_ROLE_ISSUANCE ? "-" :
		    e->explained == CT_EXPL_YES ? "<span class=\"ok\">yes</span>" :
		    e->explained == CT_EXPL_NO ? "<span class=\"bad\">no</span>" : "n/a");
		if (r == 0 && e->conn >= 0 && c->conns[e->conn].nnames > 0)
			r = escf(b, "via %s:%d ", c->conns[e->conn].names[0], c->conns[e->conn].dport);
		if (r == 0 && e->note != NULL)
			r = esc(b, e->note);
		if (r == 0) r = ct_buf_putf(b, "</td></tr>\n");
	}
	if (r == 0)
		r = ct_buf_putf(b, "</table>\n<h2>Runs and evidence</h2>\n<table><tr><th>run</th>"
		    "<th>mode</th><th>window</th><th>exit</th><th>event log</th></tr>\n");
	for (i = 0; i < c->nruns && r == 0; i++) {
		const struct ct_corr_run *ru = &c->runs[i];

		ct_time_fmt(ru->start_us, 0, ts, sizeof(ts));
		if (ru->ended)
			ct_time_fmt(ru->end_us, 0, te, sizeof(te));
		else
			snprintf(te, sizeof(te), "not ended");
		r = ct_buf_putf(b, "<tr><td><code>");
		if (r == 0) r = esc(b, ru->id);
		if (r == 0) r = ct_buf_putf(b, "</code></td><td>");
		if (r == 0) r = escf(b, "%s, %s", ru->mode != NULL ? ru->mode : "?",
		    ru->backend != NULL ? ru->backend : "?");
		if (r == 0) r = ct_buf_putf(b, "</td><td>%s &#8211; %s</td><td>%d</td><td>"
		    "<span class=\"%s\">", ts, te, ru->exit_status,
		    strcmp(ru->verdict, "complete") == 0 ? "ok" : "bad");
		if (r == 0) r = escf(b, "%s%s%s", ru->verdict, ru->detail != NULL ? ": " : "",
		    ru->detail != NULL ? ru->detail : "");
		if (r == 0) r = ct_buf_putf(b, "</span></td></tr>\n");
	}
	if (r == 0)
		r = ct_buf_putf(b, "</table>\n");
	if (r == 0 && c->nincomplete > 0) {
		r = ct_buf_putf(b, "<p class=\"bad\">The evidence is incomplete:</p>\n<ul>\n");
		for (i = 0; i < c->nincomplete && r == 0; i++) {
			r = ct_buf_putf(b, "<li>");
			if (r == 0) r = esc(b, c->incomplete[i]);
			if (r == 0) r = ct_buf_putf(b, "</li>\n");
		}
		if (r == 0) r = ct_buf_putf(b, "</ul>\n");
	} else if (r == 0) {
		r = ct_buf_putf(b, "<p class=\"ok\">The evidence is complete.</p>\n");
	}
	return r;
}

int
ct_report_html(const struct ct_corr *c, char **out, size_t *outlen)
{
	struct ct_buf b;
	char ts[40], *s = NULL;
	size_t i;
	int r;

	*out = NULL;
	*outlen = 0;
	ct_buf_init(&b, HTML_MAX);
	ct_time_fmt(c->now_us, 0, ts, sizeof(ts));
	r = ct_buf_putf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'\">\n<title>credtrail report: task ");
	if (r == 0) r = esc(&b, c->task);
	if (r == 0) r = ct_buf_putf(&b, "</title>\n<style>%s</style></head><body>\n"
	    "<h1>credtrail report: task <code>", style);
	if (r == 0) r = esc(&b, c->task);
	if (r == 0) r = ct_buf_putf(&b, "</code></h1>\n<p class=\"meta\">");
	if (r == 0 && c->task_class != NULL) r = escf(&b, "class %s; ", c->task_class);
	if (r == 0) r = ct_buf_putf(&b, "generated %s; evidence <span class=\"%s\">%s</span>"
	    "</p>\n", ts, c->nincomplete == 0 ? "ok" : "bad",
	    c->nincomplete == 0 ? "complete" : "INCOMPLETE");
	/* findings on top */
	if (r == 0) r = ct_buf_putf(&b, "<h2>Findings (%zu)</h2>\n", c->nfindings);
	if (r == 0 && c->nfindings == 0)
		r = ct_buf_putf(&b, "<p>None.</p>\n");
	else if (r == 0)
		r = ct_buf_putf(&b, "<table><tr><th>severity</th><th>kind</th><th>finding</th>"
		    "<th>evidence</th></tr>\n");
	for (i = 0; i < c->nfindings && r == 0; i++) {
		const struct ct_finding *f = &c->findings[i];

		r = ct_buf_putf(&b, "<tr><td><span class=\"sev %s\">%s</span></td><td><code>%s"
		    "</code></td><td>", ct_severity_name(f->severity),
		    ct_severity_name(f->severity), f->kind);
		if (r == 0) r = esc(&b, f->summary);
		if (r == 0) r = ct_buf_putf(&b, "</td><td>%zu reference%s</td></tr>\n",
		    json_array_size(f->evidence), json_array_size(f->evidence) == 1 ? "" : "s");
	}
	if (r == 0 && c->nfindings > 0) r = ct_buf_putf(&b, "</table>\n");
	if (r == 0) r = ct_buf_putf(&b, "<h2>Summary</h2>\n");
	for (i = 0; i < c->ncreds && r == 0; i++) {
		if ((r = ct_report_sentence(c, i, &s)) != 0)
			break;
		r = ct_buf_putf(&b, "<p class=\"sentence\">");
		if (r == 0) r = esc(&b, s);
		if (r == 0) r = ct_buf_putf(&b, "</p>\n");
		free(s);
		s = NULL;
	}
	if (r == 0 && c->ncreds == 0)
		r = ct_buf_putf(&b, "<p>No credential of the ledger was issued for this task.</p>\n");
	if (r == 0) r = ct_buf_putf(&b, "<h2>Timeline</h2>\n");
	if (r == 0) r = timeline(&b, c);
	if (r == 0) r = sections(&b, c);
	if (r == 0) r = ct_buf_putf(&b, "</body></html>\n");
	if (r == 0) r = ct_buf_nul(&b);
	if (r == 0) {
		*outlen = b.len;
		*out = (char *)b.data;
		b.data = NULL;
	}
	ct_buf_release(&b);
	return r;
}
