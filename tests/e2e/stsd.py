#!/usr/bin/python3
"""stsd.py - a local AWS STS endpoint for credtrail's tests (run with Debian's /usr/bin/python3).

It answers the STS Query API actions AssumeRole, AssumeRoleWithWebIdentity and
GetCallerIdentity in STS's XML shapes.  Every signed request is checked with botocore's own
SigV4 signer (botocore.auth.SigV4Auth), recomputing the signature over the request as
received (method, path, query, the headers the request says it signed, body) with the
secret of the access key it names - an implementation independent of credtrail's.  Source
credentials are given with --cred AKID:SECRET[:TOKEN]; the session credentials it issues are
remembered, so a later request signed with them verifies too (and must carry their
X-Amz-Security-Token).

Each request is logged as one JSON line (--log): action, signature_ok, signature_error,
access_key_id, the STS parameters (RoleArn, RoleSessionName, SourceIdentity, tags, Policy,
DurationSeconds, WebIdentityToken claims) and what was answered.

Failures on demand, by role name (the last part of RoleArn):
  fail-<Code>        answer the STS error <Code> (AccessDenied, ExpiredToken,
                     RegionDisabledException, MalformedPolicyDocument, PackedPolicyTooLarge,
                     ValidationError, ...) with its usual HTTP status
  fail-malformed-xml answer 200 with XML that is cut off
  fail-not-xml       answer 200 with a body that is not XML at all
  fail-huge          answer 200 with a 1 MiB XML document
  fail-redirect      answer 307 pointing at another role's URL
or for every request with STSD_FAIL=<Code>|malformed-xml in the environment.

Usage: stsd.py --port-file FILE --log FILE --cred AKID:SECRET [--cred ...] [--account 12 digits]
"""
import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import secrets
import string
import sys
import urllib.parse
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
ROLE_ARN_RE = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role/(.*/)?([\w+=,.@-]{1,64})$")
TAG_RE = re.compile(r"^[\w\s.:/=+\-@]*$")
ERROR_STATUS = {
    "AccessDenied": 403, "ExpiredToken": 400, "RegionDisabledException": 403,
    "MalformedPolicyDocument": 400, "PackedPolicyTooLarge": 400, "ValidationError": 400,
    "SignatureDoesNotMatch": 403, "InvalidClientTokenId": 403, "IncompleteSignature": 400,
    "InvalidIdentityToken": 400, "IDPRejectedClaim": 403, "MissingAuthenticationToken": 403,
    "InvalidAction": 400,
}
ERROR_TEXT = {
    "AccessDenied": "User: arn:aws:iam::{acct}:user/source is not authorized to perform: "
                    "sts:AssumeRole on resource: {arn}",
    "ExpiredToken": "The security token included in the request is expired",
    "RegionDisabledException": "STS is not activated in this region for account:{acct}. "
                               "Your account administrator can activate STS in this region "
                               "using the IAM Console.",
    "MalformedPolicyDocument": "Syntax errors in policy.",
    "PackedPolicyTooLarge": "Packed size of consumed policies exceeds 100%",
}


class Error(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def rand(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))


class State:
    def __init__(self, args):
        self.account = args.account
        self.log = open(args.log, "a", buffering=1) if args.log else None
        # access key id -> {secret, token, arn, userid}
        self.keys = {}
        for c in args.cred:
            parts = c.split(":", 2)
            self.keys[parts[0]] = {
                "secret": parts[1], "token": parts[2] if len(parts) > 2 else None,
                "arn": "arn:aws:iam::%s:user/source" % self.account,
                "userid": "AIDA" + hashlib.sha256(parts[0].encode()).hexdigest()[:17].upper(),
            }


def verify_sigv4(state, handler, body):
    """Check the request's SigV4 signature with botocore; return the caller's key record."""
    auth = handler.headers.get("Authorization")
    if auth is None:
        raise Error("MissingAuthenticationToken", "Request is missing Authentication Token")
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r" ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})", auth)
    if m is None:
        raise Error("IncompleteSignature", "Authorization header is not AWS4-HMAC-SHA256")
    akid, date8, region, service, signed, signature = m.groups()
    key = state.keys.get(akid)
    if key is None:
        raise Error("InvalidClientTokenId", "The security token included in the request is invalid.")
    if service != "sts":
        raise Error("SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.")
    amz_date = handler.headers.get("X-Amz-Date")
    if amz_date is None or "x-amz-date" not in signed.split(";") or "host" not in signed.split(";"):
        raise Error("IncompleteSignature", "Host and X-Amz-Date must be signed")
    if amz_date[:8] != date8:
        raise Error("SignatureDoesNotMatch", "Credential date does not match X-Amz-Date")
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    if abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) > 900:
        raise Error("SignatureDoesNotMatch", "Signature expired: %s is now earlier than the "
                    "allowed window" % amz_date)
    token = handler.headers.get("X-Amz-Security-Token")
    if key["token"] is not None and token != key["token"]:
        raise Error("InvalidClientTokenId", "The security token included in the request is invalid.")
    # rebuild the request as received, with exactly the headers it says it signed
    headers = {}
    for name in signed.split(";"):
        values = handler.headers.get_all(name)
        if values is None:
            raise Error("SignatureDoesNotMatch", "signed header '%s' is missing" % name)
        headers[name] = ",".join(values)
    url = "http://%s%s" % (handler.headers["Host"], handler.path)
    req = AWSRequest(method=handler.command, url=url, data=body, headers=headers)
    req.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(akid, key["secret"], key["token"]), "sts", region)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if signer.signed_headers(signer.headers_to_sign(req)) != signed:
        raise Error("SignatureDoesNotMatch", "SignedHeaders do not match the request")
    if expected != signature:
        raise Error("SignatureDoesNotMatch", "The request signature we calculated does not "
                    "match the signature you provided.")
    return akid, key


def jwt_claims(token):
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except Exception:
        raise Error("InvalidIdentityToken", "Couldn't parse the web identity token")


def check_common(p):
    arn = p.get("RoleArn", "")
    m = ROLE_ARN_RE.fullmatch(arn)
    if m is None:
        raise Error("ValidationError", "%s is invalid" % arn)
    name = p.get("RoleSessionName", "")
    if not SESSION_NAME_RE.fullmatch(name):
        raise Error("ValidationError", "1 validation error detected: Value '%s' at "
                    "'roleSessionName' failed to satisfy constraint" % name)
    if "DurationSeconds" in p:
        d = p["DurationSeconds"]
        if not d.isdigit() or not 900 <= int(d) <= 43200:
            raise Error("ValidationError", "DurationSeconds %s out of range" % d)
    if "Policy" in p:
        try:
            json.loads(p["Policy"])
        except ValueError:
            raise Error("MalformedPolicyDocument", "Syntax errors in policy.")
        if len(p["Policy"]) > 2048:
            raise Error("ValidationError", "Policy longer than 2048")
    return m.group(2), m.group(4), name


def issue(state, account, role, session, p, source_identity):
    akid = "ASIA" + rand(string.ascii_uppercase + string.digits, 16)
    secret = rand(string.ascii_letters + string.digits + "+/", 40)
    token = base64.b64encode(secrets.token_bytes(180)).decode()
    arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (account, role, session)
    roleid = "AROA" + hashlib.sha256(role.encode()).hexdigest()[:17].upper()
    duration = int(p.get("DurationSeconds", "3600"))
    exp = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
           + datetime.timedelta(seconds=duration)).strftime("%Y-%m-%dT%H:%M:%SZ")
    state.keys[akid] = {"secret": secret, "token": token, "arn": arn,
                        "userid": "%s:%s" % (roleid, session)}
    return {"AccessKeyId": akid, "SecretAccessKey": secret, "SessionToken": token,
            "Expiration": exp, "Arn": arn, "AssumedRoleId": "%s:%s" % (roleid, session),
            "SourceIdentity": source_identity}


def credentials_xml(a):
    return ("<AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>%s</AssumedRoleId></AssumedRoleUser>"
            "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
            "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
            % (escape(a["Arn"]), escape(a["AssumedRoleId"]), a["AccessKeyId"],
               escape(a["SecretAccessKey"]), escape(a["SessionToken"]), a["Expiration"]))


def request_id():
    return "%s-%s-%s-%s-%s" % (secrets.token_hex(4), secrets.token_hex(2), secrets.token_hex(2),
                               secrets.token_hex(2), secrets.token_hex(6))


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "stsd/1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, location=None):
        data = body.encode()
        self.send_response(status)
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", request_id())
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, message):
        self.reply(ERROR_STATUS.get(code, 400),
                   '<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code>'
                   "<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>\n"
                   % (NS, code, escape(message), request_id()))

    def do_GET(self):
        self.error("InvalidAction", "GET is not supported here")

    def do_POST(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        entry = {"path": self.path, "signature_ok": None}
        try:
            p = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True,
                                            strict_parsing=bool(body)))
            entry["params"] = {k: v for k, v in p.items() if k != "WebIdentityToken"}
            action = p.get("Action", "")
            entry["action"] = action
            entry["host"] = self.headers.get("Host")
            if action == "AssumeRoleWithWebIdentity":
                entry["signed"] = "Authorization" in self.headers
                result = self.web_identity(st, p, entry)
            else:
                try:
                    akid, key = verify_sigv4(st, self, body)
                    entry["signature_ok"] = True
                    entry["access_key_id"] = akid
                except Error as e:
                    entry["signature_ok"] = False
                    entry["signature_error"] = "%s: %s" % (e.code, e.message)
                    raise
                if action == "AssumeRole":
                    result = self.assume_role(st, p, entry)
                elif action == "GetCallerIdentity":
                    result = ('<GetCallerIdentityResponse xmlns="%s"><GetCallerIdentityResult>'
                              "<Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account>"
                              "</GetCallerIdentityResult><ResponseMetadata><RequestId>%s"
                              "</RequestId></ResponseMetadata></GetCallerIdentityResponse>\n"
                              % (NS, escape(key["arn"]), escape(key["userid"]), st.account,
                                 request_id()))
                    entry["answer"] = {"Arn": key["arn"]}
                else:
                    raise Error("InvalidAction", "Could not find operation %s" % action)
            entry["status"] = 200
            self.log(entry)
            self.reply(200, result)
        except Error as e:
            entry["status"] = ERROR_STATUS.get(e.code, 400)
            entry["error"] = e.code
            self.log(entry)
            self.error(e.code, e.message)
        except Forced as f:
            entry["status"] = f.status
            entry["error"] = f.kind
            self.log(entry)
            self.reply(f.status, f.body, f.location)

    def log(self, entry):
        if self.server.state.log is not None:
            self.server.state.log.write(json.dumps(entry, sort_keys=True) + "\n")

    def forced(self, st, p):
        """The failure asked for by role name or STSD_FAIL, if any."""
        arn = p.get("RoleArn", "")
        role = arn.rsplit("/", 1)[-1]
        code = os.environ.get("STSD_FAIL") or (role[5:] if role.startswith("fail-") else None)
        if code is None:
            return
        if code == "malformed-xml":
            raise Forced(code, '<AssumeRoleResponse xmlns="%s"><AssumeRoleResult><Credentials>'
                         "<AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAcc" % NS)
        if code == "not-xml":
            raise Forced(code, "this is not XML\n")
        if code == "huge":
            raise Forced(code, '<AssumeRoleResponse xmlns="%s"><!-- %s --></AssumeRoleResponse>\n'
                         % (NS, "x" * (1024 * 1024)))
        if code == "redirect":
            raise Forced(code, "", status=307, location="http://%s/elsewhere" % self.headers["Host"])
        raise Error(code, ERROR_TEXT.get(code, code + " (forced by stsd)")
                    .format(acct=st.account, arn=arn))

    def assume_role(self, st, p, entry):
        account, role, session = check_common(p)
        tags = {}
        i = 1
        while "Tags.member.%d.Key" % i in p:
            k, v = p["Tags.member.%d.Key" % i], p.get("Tags.member.%d.Value" % i, "")
            if not (1 <= len(k) <= 128 and len(v) <= 256 and TAG_RE.fullmatch(k)
                    and TAG_RE.fullmatch(v)):
                raise Error("ValidationError", "invalid session tag %r" % k)
            tags[k] = v
            i += 1
        source = p.get("SourceIdentity")
        if source is not None and not SESSION_NAME_RE.fullmatch(source):
            raise Error("ValidationError", "invalid SourceIdentity")
        entry.update({"RoleArn": p["RoleArn"], "RoleSessionName": session,
                      "SourceIdentity": source, "tags": tags, "Policy": p.get("Policy"),
                      "DurationSeconds": p.get("DurationSeconds")})
        self.forced(st, p)
        a = issue(st, account, role, session, p, source)
        entry["answer"] = {k: a[k] for k in ("AccessKeyId", "Arn", "AssumedRoleId",
                                              "Expiration", "SourceIdentity")}
        extra = ""
        if source is not None:
            extra += "<SourceIdentity>%s</SourceIdentity>" % escape(source)
        if "Policy" in p or tags:
            extra += "<PackedPolicySize>%d</PackedPolicySize>" % min(
                99, (len(p.get("Policy", "")) + 40 * len(tags)) * 100 // 2048 + 1)
        return ('<AssumeRoleResponse xmlns="%s">\n  <AssumeRoleResult>%s%s</AssumeRoleResult>\n'
                "  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>\n"
                "</AssumeRoleResponse>\n" % (NS, extra, credentials_xml(a), request_id()))

    def web_identity(self, st, p, entry):
        account, role, session = check_common(p)
        token = p.get("WebIdentityToken", "")
        claims = jwt_claims(token)
        entry.update({"RoleArn": p["RoleArn"], "RoleSessionName": session,
                      "Policy": p.get("Policy"), "DurationSeconds": p.get("DurationSeconds"),
                      "token_claims": claims,
                      "unexpected": sorted(k for k in p if k.startswith("Tags.")
                                           or k == "SourceIdentity")})
        if entry["unexpected"]:
            raise Error("ValidationError", "AssumeRoleWithWebIdentity takes no %s"
                        % entry["unexpected"][0])
        now = datetime.datetime.now(datetime.timezone.utc).timestamp()
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] < now:
            raise Error("ExpiredTokenException", "Token is expired")
        self.forced(st, p)
        source = claims.get("https://aws.amazon.com/source_identity")
        a = issue(st, account, role, session, p, source)
        entry["answer"] = {k: a[k] for k in ("AccessKeyId", "Arn", "AssumedRoleId",
                                              "Expiration", "SourceIdentity")}
        extra = "<SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken>" % escape(
            str(claims.get("sub", "")))
        aud = claims.get("aud")
        extra += "<Audience>%s</Audience>" % escape(aud if isinstance(aud, str) else
                                                    ",".join(aud or []))
        if source is not None:
            extra += "<SourceIdentity>%s</SourceIdentity>" % escape(source)
        extra += "<Provider>%s</Provider>" % escape(str(claims.get("iss", "")))
        return ('<AssumeRoleWithWebIdentityResponse xmlns="%s"><AssumeRoleWithWebIdentityResult>'
                "%s%s</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>%s"
                "</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>\n"
                % (NS, extra, credentials_xml(a), request_id()))


class Forced(Exception):
    def __init__(self, kind, body, status=200, location=None):
        super().__init__(kind)
        self.kind = kind
        self.body = body
        self.status = status
        self.location = location


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--cred", action="append", default=[])
    ap.add_argument("--account", default="123456789012")
    args = ap.parse_args()
    srv = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
