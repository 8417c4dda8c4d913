# The agent of the credtrail run tests: runs each action given as an argument and prints one
# line per action, so a test can compare the agent's output exactly.
#   tcp:HOST:PORT     resolve HOST (any family), connect, send "hello", read the answer
#   tcp4:ADDR:PORT    an AF_INET socket;  tcp6:ADDR:PORT an AF_INET6 one (::ffff:a.b.c.d too)
#   tcpfrom:SRC:ADDR:PORT  an AF_INET socket bound to SRC first
#   udp:ADDR:PORT     unconnected sendto + recvfrom (udp6: AF_INET6 socket)
#   udpc:ADDR:PORT    connected UDP, no packet sent
#   resolve:NAME      getaddrinfo, print the sorted addresses
#   dnstcp:ADDR:NAME  one A query over TCP to ADDR port 53, print the answers
#   dnsudp:ADDR:NAME  one A query by sendto to ADDR port 53, print where the answer came from
#   comm:NAME         set our process name (bytes given as \xHH escapes allowed)
#   threads:N:ADDR:PORT   N threads connect at once (AF_INET), print how many got "ok"
#   daemon:ADDR:PORT  double fork + setsid; the grandchild connects, then sleeps; print its pid
#   escape:CGROOT     write our pid into CGROOT/cgroup.procs; print the outcome and our cgroup
#   raw               a raw ICMP socket inside a user+network namespace of our own
#   ids               uid, capability sets, no_new_privs
#   env:NAME          the value of an environment variable, or "-" if unset
#   exit:N            exit with status N
import ctypes
import errno
import os
import socket
import struct
import sys
import threading
import time


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__


def split(rest):
    host, port = rest.rsplit(":", 1)
    return host.strip("[]"), int(port)


def talk(s):
    s.settimeout(5)
    s.sendall(b"hello")
    data = s.recv(100)
    s.close()
    return "ok" if data == b"ok\n" else "bad-answer"


def act(a):
    kind, _, rest = a.partition(":")
    if kind == "tcp":
        host, port = split(rest)
        try:
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            return "resolve-failed"
        try:
            return talk(socket.create_connection((host, port), timeout=5))
        except OSError as e:
            return err(e)
    if kind in ("tcp4", "tcp6"):
        host, port = split(rest)
        s = socket.socket(socket.AF_INET if kind == "tcp4" else socket.AF_INET6)
        try:
            s.connect((host, port))
            return talk(s)
        except OSError as e:
            return err(e)
    if kind == "tcpfrom":
        src, rest2 = rest.split(":", 1)
        host, port = split(rest2)
        s = socket.socket(socket.AF_INET)
        try:
            s.bind((src, 0))
            s.connect((host, port))
            return talk(s)
        except OSError as e:
            return err(e)
    if kind in ("udp", "udp6"):
        host, port = split(rest)
        s = socket.socket(socket.AF_INET if kind == "udp" else socket.AF_INET6, socket.SOCK_DGRAM)
        s.settimeout(3)
        try:
            s.sendto(b"hello", (host, port))
            s.sendto(b"hello", (host, port))
            d, _ = s.recvfrom(100)
            return "ok" if d == b"ok\n" else "bad-answer"
        except OSError as e:
            return err(e)
    if kind == "udpc":
        host, port = split(rest)
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect((host, port))
            return "ok"
        except OSError as e:
            return err(e)
    if kind == "resolve":
        try:
            return " ".join(sorted({x[4][0] for x in socket.getaddrinfo(rest, 80, type=socket.SOCK_STREAM)}))
        except socket.gaierror:
            return "resolve-failed"
    if kind == "dnstcp":
        addr, name = rest.rsplit(":", 1)
        q = struct.pack(">HHHHHH", 0x4242, 0x100, 1, 0, 0, 0)
        q += b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
        q += struct.pack(">HH", 1, 1)
        s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
        s.settimeout(5)
        try:
            s.connect((addr.strip("[]"), 53))
            s.sendall(struct.pack(">H", len(q)) + q)
            n = struct.unpack(">H", s.recv(2))[0]
            m = b""
            while len(m) < n:
                m += s.recv(n - len(m))
        except OSError as e:
            return err(e)
        an = struct.unpack(">H", m[6:8])[0]
        i = len(q)                          # the answer repeats our header and question
        out = []
        for _ in range(an):
            i += 2 if m[i] & 0xC0 == 0xC0 else len(m[i:].split(b"\0")[0]) + 1
            ty, _, _, ln = struct.unpack(">HHIH", m[i:i + 10])
            i += 10
            if ty == 1:
                out.append(socket.inet_ntoa(m[i:i + ln]))
            i += ln
        return " ".join(out) if out else "no-answer"
    if kind == "dnsudp":
        addr, name = rest.rsplit(":", 1)
        addr = addr.strip("[]")
        q = struct.pack(">HHHHHH", 0x4343, 0x100, 1, 0, 0, 0)
        q += b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
        q += struct.pack(">HH", 1, 1)
        s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5)
        try:
            s.sendto(q, (addr, 53))
            m, src = s.recvfrom(2048)
        except OSError as e:
            return err(e)
        return "%s %d %s" % (src[0], src[1], "answer" if m[:2] == q[:2] else "wrong-id")
    if kind == "comm":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, rest.encode().decode("unicode_escape").encode("latin-1"), 0, 0, 0)
        return open("/proc/self/comm", "rb").read().strip().hex()
    if kind == "threads":
        n, host, port = rest.split(":")
        res = []

        def one():
            try:
                res.append(talk(socket.create_connection((host, int(port)), timeout=5)))
            except OSError as e:
                res.append(err(e))
        ts = [threading.Thread(target=one) for _ in range(int(n))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return "%d ok" % res.count("ok")
    if kind == "daemon":
        host, port = split(rest)
        r, w = os.pipe()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                try:
                    s = socket.create_connection((host, port), timeout=5)
                    talk(s)
                except OSError:
                    pass
                os.write(w, b"%d\n" % os.getpid())
                time.sleep(120)
                os._exit(0)
            os._exit(0)
        os.wait()
        return os.read(r, 32).decode().strip()
    if kind == "escape":
        try:
            with open(os.path.join(rest, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
            res = "moved"
        except OSError as e:
            res = err(e)
        return res + " " + open("/proc/self/cgroup").read().strip().split("::")[-1]
    if kind == "raw":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x10000000 | 0x40000000) != 0:       # CLONE_NEWUSER | CLONE_NEWNET
            return "unshare " + errno.errorcode[ctypes.get_errno()]
        try:
            socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
            return "ok"
        except OSError as e:
            return err(e)
    if kind == "ids":
        st = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines())
        return " ".join("%s=%s" % (k, st[k].split()[0]) for k in
                        ("Uid", "Gid", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"))
    if kind == "env":
        return os.environ.get(rest, "-")
    if kind == "exit":
        sys.stdout.flush()
        os._exit(int(rest))
    return "unknown action"


for a in sys.argv[1:]:
    print(act(a), flush=True)
