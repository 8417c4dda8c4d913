# Loopback servers for the credtrail run tests: each argument is tcp:ADDR:PORT or
# udp:ADDR:PORT (IPv6 in brackets).  TCP: read once, answer "ok\n", close.  UDP: answer "ok\n".
import selectors
import socket
import sys

sel = selectors.DefaultSelector()
for spec in sys.argv[1:]:
    proto, rest = spec.split(":", 1)
    host, port = rest.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, int(port)))
    if proto == "tcp":
        s.listen(64)
    sel.register(s, selectors.EVENT_READ, proto)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if key.data == "tcp":
            c, _ = s.accept()
            c.settimeout(2)
            try:
                c.recv(100)
                c.sendall(b"ok\n")
            except OSError:
                pass
            c.close()
        else:
            d, a = s.recvfrom(2048)
            s.sendto(b"ok\n", a)
