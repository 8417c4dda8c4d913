# A stand-in for IronClaw's iron-proxy egress sidecar (not packaged for Debian), for the
# credtrail watch tests.  It is a real HTTP forward proxy that writes iron-proxy's audit line
# for every request (the format of `credtrail ingest --format ironproxy`):
#   {"time":...,"level":"INFO","msg":"request","audit":{"host","method","path","remote_addr",
#    "sni","mode","action","status_code","duration_ms"},"rejected_by":null|"allowlist"}
#
#   serve LISTEN_ADDR:PORT LOG ALLOW_HOST=UPSTREAM_ADDR:PORT...
#       proxy plain-HTTP requests ("GET http://host/path HTTP/1.1") for the allowed hosts to
#       their upstream (which is served by this process too: "ok <path>"), 403 for others;
#       prints "ready" when listening
#   get PROXY_ADDR:PORT URL
#       one GET through the proxy; prints the status and the body
import datetime
import http.client
import json
import socket
import sys
import threading
import time
import urllib.request


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def upstream(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        try:
            req = c.recv(4096).decode("latin-1")
            path = req.split(" ")[1] if " " in req else "/"
            body = ("ok %s\n" % path).encode()
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                      % len(body) + body)
        except OSError:
            pass
        c.close()


def serve(listen, logpath, allows):
    hosts = {}
    for a in allows:
        h, up = a.split("=", 1)
        ua, up_port = up.rsplit(":", 1)
        hosts[h] = (ua, int(up_port))
        threading.Thread(target=upstream, args=(ua, int(up_port)), daemon=True).start()
    la, lp = listen.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((la, int(lp)))
    s.listen(16)
    log = open(logpath, "a")
    time.sleep(0.2)
    print("ready", flush=True)
    while True:
        c, peer = s.accept()
        t0 = time.monotonic()
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                d = c.recv(4096)
                if not d:
                    break
                head += d
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, url, _ = line.split(" ", 2)
            rest = url.split("://", 1)[1]
            host, _, path = rest.partition("/")
            host = host.split(":")[0]
            path = "/" + path
            if host in hosts:
                ua, up = hosts[host]
                conn = http.client.HTTPConnection(ua, up, timeout=5)
                conn.request(method, path, headers={"Host": host})
                r = conn.getresponse()
                body = r.read()
                status, action, rejected = r.status, "allow", None
            else:
                body = b"forbidden\n"
                status, action, rejected = 403, "deny", "allowlist"
            c.sendall(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                      % (status, len(body)) + body)
            log.write(json.dumps({"time": now(), "level": "INFO", "msg": "request", "audit": {
                "host": host, "method": method, "path": path,
                "remote_addr": "%s:%d" % peer, "sni": "", "mode": "enforce",
                "action": action, "status_code": status,
                "duration_ms": int((time.monotonic() - t0) * 1000)},
                "rejected_by": rejected}) + "\n")
            log.flush()
        except (OSError, ValueError, IndexError):
            pass
        c.close()


def get(proxy, url):
    op = urllib.request.build_opener(urllib.request.ProxyHandler({"http": "http://" + proxy}))
    try:
        r = op.open(url, timeout=5)
        print(r.status, r.read().decode().strip())
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode().strip())


if sys.argv[1] == "serve":
    serve(sys.argv[2], sys.argv[3], sys.argv[4:])
else:
    get(sys.argv[2], sys.argv[3])
