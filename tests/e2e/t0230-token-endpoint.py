# t0230-token-endpoint.py - a local OAuth2 token endpoint for the `mint gcp` tests.
#
#   /usr/bin/python3 t0230-token-endpoint.py PORT SA_PUBKEY.pem CLIENT_EMAIL KEY_ID LOGFILE
#
# Serves on 127.0.0.1:PORT.  A POST to /token checks the RFC 7523 grant the way Google's
# endpoint does, independently of credtrail: form body with grant_type jwt-bearer; header
# alg RS256 and kid = KEY_ID; the RS256 signature verified with python3-cryptography against
# the service account's public key; iss = sub = CLIENT_EMAIL; aud = this endpoint's URL;
# iat <= now < exp and exp - iat <= 3600.  A good grant gets a token answer and its header
# and claims are appended to LOGFILE as one JSON line; a bad one gets Google's invalid_grant
# error document.  Other paths answer the ways a broken endpoint does:
#   /invalid   400 {"error":"invalid_grant","error_description":"..."} always
#   /garbage   200 text/html that is not JSON
#   /500       500 with an HTML body
#   /noaccess  200 JSON without access_token
#   /big       200 with a 200 KB JSON body
import base64, json, sys, time, urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

port, pubfile, email, kid, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
with open(pubfile, "rb") as f:
    pub = serialization.load_pem_public_key(f.read())


def b64d(s):
    if "=" in s:
        raise ValueError("padding in base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_grant(form, url):
    if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
        return "unsupported grant_type"
    tok = form.get("assertion", [""])[0]
    parts = tok.split(".")
    if len(parts) != 3:
        return "assertion is not a JWS"
    hdr, claims = json.loads(b64d(parts[0])), json.loads(b64d(parts[1]))
    if hdr.get("alg") != "RS256" or hdr.get("kid") != kid:
        return "bad header %r" % hdr
    try:
        pub.verify(b64d(parts[2]), (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(),
                   hashes.SHA256())
    except InvalidSignature:
        return "Invalid JWT Signature."
    now = time.time()
    if claims.get("iss") != email or claims.get("sub") != email:
        return "bad iss/sub"
    if claims.get("aud") != url:
        return "bad aud %r" % claims.get("aud")
    if not (claims["iat"] <= now + 5 and now < claims["exp"] and claims["exp"] - claims["iat"] <= 3600):
        return "bad times"
    with open(logfile, "a") as f:
        f.write(json.dumps({"header": hdr, "claims": claims}) + "\n")
    return None


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(), strict_parsing=True)
        url = "http://127.0.0.1:%d%s" % (port, self.path)
        if self.path == "/token":
            err = check_grant(form, url)
            if err:
                self.answer(400, json.dumps({"error": "invalid_grant", "error_description": err}))
            else:
                self.answer(200, json.dumps({"access_token": "ya29.test-" + form["assertion"][0][-12:],
                                             "expires_in": 3599, "token_type": "Bearer"}))
        elif self.path == "/invalid":
            self.answer(400, json.dumps({"error": "invalid_grant",
                                         "error_description": "Invalid grant: account not found"}))
        elif self.path == "/garbage":
            self.answer(200, "<html>definitely not json</html>", "text/html")
        elif self.path == "/500":
            self.answer(500, "<html>internal error</html>", "text/html")
        elif self.path == "/noaccess":
            self.answer(200, json.dumps({"token_type": "Bearer", "expires_in": 3599}))
        elif self.path == "/big":
            self.answer(200, json.dumps({"access_token": "x" * 200000}))
        else:
            self.answer(404, "not found", "text/plain")


HTTPServer(("127.0.0.1", port), H).serve_forever()
