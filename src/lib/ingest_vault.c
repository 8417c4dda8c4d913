/*
 * ingest_vault.c - HashiCorp Vault / OpenBao audit device records.
 *
 * Vault writes a "request" record before it handles a call and a "response" record after,
 * both carrying request.id; the store joins them into one event on that id (the response
 * adds the outcome and any lease).  Values the audit device HMACs (tokens, accessors, secret
 * data) are kept exactly as logged: they still join, since Vault HMACs the same value the
 * same way.  KMIP records ("kmip-request"/"kmip-response") are not token use: skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ingest.h"
#include "util/err.h"

int
ct_ingest_vault_parse(json_t *rec, struct ct_pevent *ev)
{
	json_t *auth, *req, *resp, *tv, *meta, *hdr;
	const char *type, *s, *op, *path, *err;
	char *action;
	int r;

	if (!json_is_object(rec))
		return ct_error(CT_ERR_FORMAT, "record is not a JSON object");
	ev->provider = "vault";
	type = ct_jstr(rec, "type");
	if (type == NULL)
		return ct_error(CT_ERR_FORMAT, "audit record has no type");
	if (strcmp(type, "request") != 0 && strcmp(type, "response") != 0) {
		if (strncmp(type, "kmip-", 5) == 0)
			return CT_INGEST_SKIP;
		return ct_error(CT_ERR_FORMAT, "unknown audit record type '%.40s'", type);
	}
	ev->vault_response = strcmp(type, "response") == 0;
	if ((tv = ct_jget(rec, "time")) == NULL)
		return ct_error(CT_ERR_FORMAT, "audit record has no time");
	if ((r = ct_ingest_time(tv, &ev->time_us)) != 0)
		return r;
	ev->has_time = 1;

	auth = ct_jget(rec, "auth");
	req = ct_jget(rec, "request");
	resp = ct_jget(rec, "response");
	if (!json_is_object(req) && !json_is_object(resp))
		return ct_error(CT_ERR_FORMAT, "audit record has neither request nor response");

	ev->event_id = ct_jstr(req, "id");
	ev->principal = ct_jstr(auth, "display_name");
	ev->subject = ct_jstr(auth, "entity_id");
	ev->token_accessor = ct_jstr(auth, "accessor");
	if (ev->token_accessor == NULL)
		ev->token_accessor = ct_jstr(req, "client_token_accessor");
	meta = ct_jget(auth, "metadata");
	ev->vault_metadata = ct_pevent_json(ev, meta);

	op = ct_jstr(req, "operation");
	path = ct_jstr(req, "path");
	if (op != NULL || path != NULL) {
		if (asprintf(&action, "%s %s", op != NULL ? op : "-", path != NULL ? path : "-") < 0)
			return ct_error(CT_ERR_NOMEM, "out of memory");
		if ((ev->action = ct_pevent_own(ev, action)) == NULL)
			return ct_error(CT_ERR_NOMEM, "out of memory");
	}
	if (op != NULL)
		ev->read_only = strcmp(op, "read") == 0 || strcmp(op, "list") == 0 ||
		    strcmp(op, "help") == 0;
	ev->service = ct_jstr(req, "mount_point");
	if (ev->service == NULL)
		ev->service = ct_jstr(req, "mount_type");
	if (path != NULL) {
		json_t *res = json_pack("[s]", path);

		ev->resources = ct_pevent_json(ev, res);
		json_decref(res);
	}
	ct_pevent_source(ev, ct_jstr(req, "remote_address"));
	hdr = ct_jpath(req, "headers.user-agent");
	if (json_is_array(hdr) && json_is_string(json_array_get(hdr, 0)))
		ev->user_agent = json_string_value(json_array_get(hdr, 0));

	if (ev->vault_response) {
		ev->lease_id = ct_jpath_str(resp, "secret.lease_id");
		/* a login: the token it issued */
		ev->issued_access_key_id = ct_jpath_str(resp, "auth.accessor");
		if ((s = ct_jpath_str(resp, "auth.display_name")) != NULL)
			ev->issued_principal = s;
		err = ct_jstr(rec, "error");
		if (err == NULL)
			err = ct_jstr(resp, "error");
		if (err != NULL) {
			const char *nl = strchr(err, '\n');

			ev->outcome = "failure";
			ev->error_code = nl != NULL ? ct_pevent_strndup(ev, err, nl - err) : err;
		} else if ((s = ct_jstr(resp, "status")) != NULL && strcmp(s, "failure") == 0) {
			ev->outcome = "failure";
		} else {
			ev->outcome = "success";
		}
	}
	return 0;
}
