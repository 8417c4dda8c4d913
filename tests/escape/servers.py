# Destinations for the escape suite, each logging what reached it (one line per TCP
# connection or datagram, "tcp|udp|unix LOCAL PEER", flushed), so that the driver can tell
# "blocked" from the destination's side too, not only from the agent's error.
#   tcp:ADDR:PORT  udp:ADDR:PORT       answer "ok\n" (IPv6 in brackets, "%scope" allowed)
#   unixfwd:PATH:ADDR:PORT             a forwarding proxy: a unix socket (mode 0777) whose
#                                      connections are relayed to TCP ADDR:PORT, once each way
import os
import selectors
import socket
import sys
import threading

sel = selectors.DefaultSelector()


def log(*words):
    print(*words, flush=True)


def split(rest):
    host, port = rest.rsplit(":", 1)
    return host.strip("[]"), int(port)


def relay(c, dest):
    c.settimeout(2)
    try:
        u = socket.create_connection(dest, timeout=2)
        u.sendall(c.recv(100))
        c.sendall(u.recv(100))
        u.close()
    except OSError as e:
        log("unixfwd-error", str(e))
    c.close()


for spec in sys.argv[1:]:
    proto, rest = spec.split(":", 1)
    if proto == "unixfwd":
        path, dest = rest.split(":", 1)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        os.chmod(path, 0o777)
        s.listen(16)
        sel.register(s, selectors.EVENT_READ, ("unixfwd", path, split(dest)))
        continue
    host, port = split(rest)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    # getaddrinfo reads a "%scope" suffix into the 4-tuple that bind needs
    s.bind(socket.getaddrinfo(host, port, fam, s.type)[0][4])
    if proto == "tcp":
        s.listen(128)
    sel.register(s, selectors.EVENT_READ, (proto, "%s:%d" % (host, port), None))
log("ready")
while True:
    for key, _ in sel.select():
        s = key.fileobj
        kind, local, dest = key.data
        if kind == "tcp":
            c, peer = s.accept()
            log("tcp", local, "%s:%d" % peer[:2])
            c.settimeout(2)
            try:
                c.recv(100)
                c.sendall(b"ok\n")
            except OSError:
                pass
            c.close()
        elif kind == "udp":
            d, peer = s.recvfrom(2048)
            log("udp", local, "%s:%d" % peer[:2])
            s.sendto(b"ok\n", peer)
        else:
            c, _ = s.accept()
            log("unix", local, "%s:%d" % dest)
            # in a thread: the destination may be one of our own servers
            threading.Thread(target=relay, args=(c, dest), daemon=True).start()
