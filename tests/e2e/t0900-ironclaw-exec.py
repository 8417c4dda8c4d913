# Stand-in for IronClaw's /usr/local/bin/ironclaw-exec (not available here), with the
# behaviour credtrail relies on: ironclaw-exec TIMEOUT NONCE CMD runs CMD with sh -c in a
# session of its own, as a child subreaper; at the end (exit or TIMEOUT seconds) every
# descendant gets SIGTERM, then SIGKILL after a grace; the exit status is CMD's (124 on
# timeout).
import ctypes
import os
import signal
import sys
import time

GRACE = 1.0
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(36, 1, 0, 0, 0)          # PR_SET_CHILD_SUBREAPER
timeout, nonce, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3]
child = os.fork()
if child == 0:
    os.setsid()
    os.execv("/bin/sh", ["/bin/sh", "-c", cmd])
deadline = time.monotonic() + timeout if timeout > 0 else None
status = None
timed_out = False
while status is None:
    pid, st = os.waitpid(child, os.WNOHANG)
    if pid == child:
        status = st
        break
    if deadline is not None and time.monotonic() > deadline and not timed_out:
        timed_out = True
        os.killpg(child, signal.SIGTERM)
    time.sleep(0.01)


def children():
    me = os.getpid()
    out = []
    for t in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/children" % t) as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


for sig in (signal.SIGTERM, signal.SIGKILL):
    end = time.monotonic() + GRACE
    for p in children():
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass
    while children() and time.monotonic() < end:
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        time.sleep(0.01)
    if not children():
        break
while True:
    try:
        if os.waitpid(-1, 0)[0] <= 0:
            break
    except ChildProcessError:
        break
if timed_out:
    sys.exit(124)
sys.exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
