#!/usr/bin/python3
"""awsd.py - a local AWS for credtrail's report tests (run with Debian's /usr/bin/python3).

Three endpoints in one process, sharing one set of keys:
  STS       tests/e2e/stsd.py's handler, imported (AssumeRole etc.); the session keys it
            issues are what the other two accept
  Route 53  GET /2013-04-01/hostedzone/ID (GetHostedZone) and .../ID/rrset
            (ListResourceRecordSets), answered in Route 53's XML
  S3        GET/PUT/HEAD /BUCKET/KEY (GetObject, PutObject, HeadObject), path style
Every Route 53 and S3 request must be SigV4-signed: the signature is recomputed with
botocore's own signer (SigV4Auth, S3SigV4Auth for S3) over the request as received, with the
secret of the access key it names, and the session token must match.  Each accepted
request becomes one CloudTrail record in --trail, a {"Records": [...]} file rewritten
atomically after every request: userIdentity of the assumed-role session (type
AssumedRole, arn arn:aws:sts::ACCT:assumed-role/ROLE/SESSION, accessKeyId,
sessionContext.sessionIssuer and sourceIdentity), eventSource, eventName, eventTime (whole
seconds, as CloudTrail writes it), sourceIPAddress (the peer address), userAgent,
requestParameters, eventID, requestID, readOnly, eventCategory (Data for S3 objects).  The
AssumeRole calls STS answers are recorded too, with the credentials they issued.

Every request is also logged as one JSON line in --log: service, action, signature_ok,
access_key_id, peer, status.

Usage: awsd.py --port-file FILE --trail FILE --log FILE --cred AKID:SECRET
               [--sts ADDR] [--route53 ADDR] [--s3 ADDR[,ADDR...]] [--account 12 digits]
The port file gets {"sts": P, "route53": P, "s3": P} once every listener is up; the S3
port is the same on every S3 address.
"""
import argparse
import datetime
import hashlib
import http.server
import json
import os
import re
import sys
import threading
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stsd  # noqa: E402  (the STS stand-in of the minting tests)

from botocore.auth import S3SigV4Auth, SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

R53_NS = "https://route53.amazonaws.com/doc/2013-04-01/"
ZONE_ID = "Z0123456789ABCDEFGHIJ"
ZONE_NAME = "ironclaw.example."
AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r" ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})")


class Trail:
    """The CloudTrail file, rewritten whole (tmp + rename) after each record."""

    def __init__(self, path, account):
        self.path = path
        self.account = account
        self.records = []
        self.lock = threading.Lock()
        self.sessions = {}  # access key id -> {"role_arn", "source_identity", "created"}
        self.flush()

    def flush(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"Records": self.records}, f, indent=1)
        os.rename(tmp, self.path)

    def add(self, rec):
        with self.lock:
            self.records.append(rec)
            self.flush()


def now_z():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity(trail, akid, key):
    """CloudTrail's userIdentity for the caller of `akid`."""
    arn = key["arn"]
    m = re.fullmatch(r"arn:aws:sts::(\d{12}):assumed-role/([^/]+)/(.+)", arn)
    if m is None:
        return {"type": "IAMUser", "principalId": key["userid"], "arn": arn,
                "accountId": trail.account, "accessKeyId": akid, "userName": arn.rsplit("/", 1)[-1]}
    acct, role, session = m.groups()
    roleid = key["userid"].split(":", 1)[0]
    sess = trail.sessions.get(akid, {})
    ctx = {"sessionIssuer": {"type": "Role", "principalId": roleid,
                             "arn": sess.get("role_arn", "arn:aws:iam::%s:role/%s" % (acct, role)),
                             "accountId": acct, "userName": role},
           "webIdFederationData": {},
           "attributes": {"creationDate": sess.get("created", now_z()), "mfaAuthenticated": "false"}}
    if sess.get("source_identity"):
        ctx["sourceIdentity"] = sess["source_identity"]
    return {"type": "AssumedRole", "principalId": key["userid"], "arn": arn, "accountId": acct,
            "accessKeyId": akid, "sessionContext": ctx}


def record(trail, handler, source, name, ident, params, read_only, category="Management",
           resources=None, response=None):
    rec = {"eventVersion": "1.08", "userIdentity": ident, "eventTime": now_z(),
           "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
           "sourceIPAddress": handler.client_address[0],
           "userAgent": handler.headers.get("User-Agent", ""),
           "requestParameters": params, "responseElements": response,
           "requestID": uuid.uuid4().hex.upper()[:16], "eventID": str(uuid.uuid4()),
           "readOnly": read_only, "eventType": "AwsApiCall",
           "managementEvent": category == "Management",
           "recipientAccountId": trail.account, "eventCategory": category}
    if resources is not None:
        rec["resources"] = resources
    trail.add(rec)


class AuthError(Exception):
    def __init__(self, code, message, status=403):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def verify(state, handler, body, service):
    """botocore recomputes the signature; returns (akid, key record)."""
    auth = handler.headers.get("Authorization")
    if auth is None:
        raise AuthError("MissingAuthenticationToken", "no Authorization header")
    m = AUTH_RE.fullmatch(auth)
    if m is None:
        raise AuthError("IncompleteSignature", "Authorization is not AWS4-HMAC-SHA256")
    akid, date8, region, svc, signed, signature = m.groups()
    key = state.keys.get(akid)
    if key is None:
        raise AuthError("InvalidClientTokenId", "unknown access key %s" % akid)
    if svc != service:
        raise AuthError("SignatureDoesNotMatch", "credential scoped to %s, not %s" % (svc, service))
    amz_date = handler.headers.get("X-Amz-Date", "")
    if amz_date[:8] != date8 or "host" not in signed.split(";"):
        raise AuthError("SignatureDoesNotMatch", "bad date or host not signed")
    if key["token"] is not None and handler.headers.get("X-Amz-Security-Token") != key["token"]:
        raise AuthError("InvalidToken", "session token missing or wrong")
    headers = {}
    for name in signed.split(";"):
        values = handler.headers.get_all(name)
        if values is None:
            raise AuthError("SignatureDoesNotMatch", "signed header %s missing" % name)
        headers[name] = ",".join(values)
    req = AWSRequest(method=handler.command, url="http://%s%s" % (handler.headers["Host"], handler.path),
                     data=body, headers=headers)
    req.context["timestamp"] = amz_date
    cls = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = cls(Credentials(akid, key["secret"], key["token"]), service, region)
    expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    if expected != signature:
        raise AuthError("SignatureDoesNotMatch", "signature does not match")
    if service == "s3" and headers.get("x-amz-content-sha256") not in (None, "UNSIGNED-PAYLOAD"):
        if hashlib.sha256(body).hexdigest() != headers["x-amz-content-sha256"]:
            raise AuthError("XAmzContentSHA256Mismatch", "payload hash mismatch", 400)
    return akid, key


class Base(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"	# keep-alive: one connection may carry many calls
    service = None

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="text/xml", extra=None):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", uuid.uuid4().hex)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_line(self, entry):
        self.server.side_log.write(json.dumps(entry, sort_keys=True) + "\n")
        self.server.side_log.flush()

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        entry = {"service": self.service, "method": self.command, "path": self.path,
                 "peer": self.client_address[0], "signature_ok": False}
        try:
            akid, key = verify(self.server.state, self, body, self.service)
            entry.update(signature_ok=True, access_key_id=akid)
            status = self.dispatch(akid, key, body, entry)
        except AuthError as e:
            entry["error"] = e.code
            status = e.status
            self.send(e.status, '<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error>'
                      "<Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                      "</ErrorResponse>" % (e.code, e.message))
        entry["status"] = status
        self.log_line(entry)

    do_GET = do_PUT = do_HEAD = do_POST = handle_any


class Route53(Base):
    service = "route53"

    def dispatch(self, akid, key, body, entry):
        path = urllib.parse.urlsplit(self.path).path
        m = re.fullmatch(r"/2013-04-01/hostedzone/([A-Z0-9]+)(/rrset)?/?", path)
        if m is None or self.command != "GET":
            self.send(404, "<ErrorResponse><Error><Code>InvalidInput</Code></Error></ErrorResponse>")
            return 404
        zone = m.group(1)
        if zone != ZONE_ID:
            self.send(404, '<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>NoSuchHostedZone'
                      "</Code><Message>No hosted zone found with ID: %s</Message></Error>"
                      "</ErrorResponse>" % (R53_NS, zone))
            return 404
        trail = self.server.trail
        ident = identity(trail, akid, key)
        if m.group(2):
            name = "ListResourceRecordSets"
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListResourceRecordSetsResponse xmlns="%s">'
                   "<ResourceRecordSets><ResourceRecordSet><Name>%s</Name><Type>NS</Type><TTL>172800</TTL>"
                   "<ResourceRecords><ResourceRecord><Value>ns-1.awsdns-00.com.</Value></ResourceRecord>"
                   "</ResourceRecords></ResourceRecordSet><ResourceRecordSet><Name>www.%s</Name>"
                   "<Type>A</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.10"
                   "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></ResourceRecordSets>"
                   "<IsTruncated>false</IsTruncated><MaxItems>300</MaxItems>"
                   "</ListResourceRecordSetsResponse>\n" % (R53_NS, ZONE_NAME, ZONE_NAME))
        else:
            name = "GetHostedZone"
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<GetHostedZoneResponse xmlns="%s">'
                   "<HostedZone><Id>/hostedzone/%s</Id><Name>%s</Name><CallerReference>credtrail-test"
                   "</CallerReference><Config><PrivateZone>false</PrivateZone></Config>"
                   "<ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone><DelegationSet>"
                   "<NameServers><NameServer>ns-1.awsdns-00.com</NameServer></NameServers>"
                   "</DelegationSet></GetHostedZoneResponse>\n" % (R53_NS, ZONE_ID, ZONE_NAME))
        entry["action"] = name
        record(trail, self, "route53.amazonaws.com", name, ident, {"hostedZoneId": zone}, True)
        self.send(200, xml)
        return 200


class S3(Base):
    service = "s3"

    def dispatch(self, akid, key, body, entry):
        parts = urllib.parse.urlsplit(self.path)
        m = re.fullmatch(r"/([a-z0-9.-]{3,63})/(.+)", parts.path)
        if m is None:
            self.send(400, "<Error><Code>InvalidRequest</Code><Message>path-style /bucket/key only"
                      "</Message></Error>")
            return 400
        bucket, objkey = m.group(1), urllib.parse.unquote(m.group(2))
        store = self.server.objects
        name = {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject"}.get(self.command)
        if name is None:
            self.send(405, "<Error><Code>MethodNotAllowed</Code></Error>")
            return 405
        entry["action"] = name
        trail = self.server.trail
        resources = [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::%s/%s" % (bucket, objkey)},
                     {"accountId": trail.account, "type": "AWS::S3::Bucket",
                      "ARN": "arn:aws:s3:::%s" % bucket}]
        params = {"bucketName": bucket, "Host": self.headers.get("Host"), "key": objkey}
        record(trail, self, "s3.amazonaws.com", name, identity(trail, akid, key), params,
               name != "PutObject", "Data", resources)
        if name == "PutObject":
            store[(bucket, objkey)] = body
            self.send(200, b"", extra={"ETag": '"%s"' % hashlib.md5(body).hexdigest()})
            return 200
        data = store.get((bucket, objkey))
        if data is None:
            self.send(404, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
                      "</Message></Error>")
            return 404
        self.send(200, data, "application/octet-stream",
                  {"ETag": '"%s"' % hashlib.md5(data).hexdigest(),
                   "Last-Modified": "Wed, 25 Nov 2026 00:00:00 GMT"})
        return 200


class Sts(stsd.Handler):
    """stsd's STS, with every successful AssumeRole also written to the trail."""

    def log(self, entry):
        super().log(entry)
        if entry.get("action") != "AssumeRole" or entry.get("status") != 200:
            return
        trail = self.server.trail
        ans = entry["answer"]
        trail.sessions[ans["AccessKeyId"]] = {"role_arn": entry["RoleArn"],
                                              "source_identity": entry.get("SourceIdentity"),
                                              "created": now_z()}
        caller = entry["access_key_id"]
        params = {"roleArn": entry["RoleArn"], "roleSessionName": entry["RoleSessionName"],
                  "durationSeconds": int(entry.get("DurationSeconds") or 3600)}
        if entry.get("SourceIdentity"):
            params["sourceIdentity"] = entry["SourceIdentity"]
        if entry.get("tags"):
            params["tags"] = [{"key": k, "value": v} for k, v in sorted(entry["tags"].items())]
        if entry.get("Policy"):
            params["policy"] = entry["Policy"]
        resp = {"credentials": {"accessKeyId": ans["AccessKeyId"], "expiration": ans["Expiration"],
                                "sessionToken": "<redacted>"},
                "assumedRoleUser": {"assumedRoleId": ans["AssumedRoleId"], "arn": ans["Arn"]}}
        if ans.get("SourceIdentity"):
            resp["sourceIdentity"] = ans["SourceIdentity"]
        record(trail, self, "sts.amazonaws.com", "AssumeRole",
               identity(trail, caller, self.server.state.keys[caller]), params, True,
               response=resp)


def serve(cls, addr, port, shared):
    srv = http.server.ThreadingHTTPServer((addr, port), cls)
    srv.daemon_threads = True
    for k, v in shared.items():
        setattr(srv, k, v)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--trail", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cred", action="append", default=[])
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--sts", default="127.0.0.1")
    ap.add_argument("--route53", default="127.0.0.2")
    ap.add_argument("--s3", default="127.0.0.3")
    args = ap.parse_args()

    state = stsd.State(argparse.Namespace(account=args.account, log=args.log + ".sts",
                                          cred=args.cred))
    shared = {"state": state, "trail": Trail(args.trail, args.account),
              "side_log": open(args.log, "a"), "objects": {
                  ("ironclaw-artifacts", "zones/ironclaw.example.txt"): b"www A 192.0.2.10\n"}}
    ports = {"sts": serve(Sts, args.sts, 0, shared),
             "route53": serve(Route53, args.route53, 0, shared)}
    s3addrs = args.s3.split(",")
    ports["s3"] = serve(S3, s3addrs[0], 0, shared)
    for a in s3addrs[1:]:
        serve(S3, a, ports["s3"], shared)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.rename(tmp, args.port_file)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
