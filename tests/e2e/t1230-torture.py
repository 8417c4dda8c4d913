#!/usr/bin/python3
"""t1230-torture.py BUILD_DIR ALL|SAMPLES NAME[:SAMPLES]... - allocation-failure injection.

For each $BUILD/tests/torture/test_NAME (a unit test whose library fails its Nth allocation,
see tests/unit/torture.c): count the library's allocations K with nothing failed, then run it
with CT_TORTURE_FAIL=N for N = 1..K (ALL), or for a deterministic sample of SAMPLES values
(the first SAMPLES/2, then SAMPLES/2 evenly spread over the rest up to K; NAME:SAMPLES
overrides it), and check each run:
  - no crash (signal, sanitizer error report, cmocka exception),
  - no leak made by the call that failed (LeakSanitizer reports whose allocation stack has
    the same test frames - the test's call chain into the library - as the failing call's;
    what the test body held from earlier calls is left behind by cmocka's longjmp out of the
    failed test and is not the library's doing),
  - the run ends (60 s).
With CT_TORTURE_LIBS=1 (libcrypto's, jansson's and SQLite's allocations counted too) a
failure injected into a call the test makes itself (no frame of src/ on the failing call's
stack: a key the test generates, the test's own json_dumps) is the test's, whatever follows
(cmocka's string assertions crash on the NULL): such a run is counted apart, not judged.
Prints one line per test: NAME<TAB>ok|fail<TAB>summary, then the problems found.
"""
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

build, mode, names = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ)
env["CMOCKA_MESSAGE_OUTPUT"] = "TAP"
env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:allow_user_segv_handler=0:symbolize=1"
env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"

# Objects the library keeps, by design, in a struct the caller owns and releases (so a test
# that fails before its release call leaves them): allocating function -> the release call.
CALLER_OWNED = {
    "jd_node": "ct_jdoc_release",        # struct ct_jdoc: node array reused across parses
    "ct_jdoc_parse": "ct_jdoc_release",  # struct ct_jdoc: string arena reused across parses
}

FRAME = re.compile(r"^\s+#\d+ (0x[0-9a-f]+)(?: in (\S+))? *(.*)$")


def test_frame(lines):
    """The frames of a stack in tests/unit/test_*.c (the test's call chain into the library,
    helpers included): a tuple of return addresses (one process: the same call site has the
    same address, two calls on one line do not), empty when none."""
    return tuple(m.group(1) for m in map(FRAME.match, lines)
                 if m and "tests/unit/test_" in m.group(3))


def lib_frames(lines):
    """The library's frames of a stack, innermost first: "function file:line"."""
    return ["%s %s" % (f.group(2), f.group(3)) for f in map(FRAME.match, lines)
            if f and re.search(r"src/(lib|util)/", f.group(3))]


def run(binary, n, slow=False):
    e = dict(env)
    e["CT_TORTURE_FAIL"] = str(n)
    if slow:
        # full stacks through libraries built without frame pointers (libcrypto), ~10x slower
        e["ASAN_OPTIONS"] += ":fast_unwind_on_malloc=0"
    try:
        p = subprocess.run([binary], env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=60, cwd=os.environ.get("CT_TOP"))
    except subprocess.TimeoutExpired:
        return None, "", "timeout"
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(binary, n, slow=False):
    """Problems of one run (a list of strings), and whether a failure was injected (True,
    False, or "test" when it was injected into the test's own call).  A leak whose
    fast-unwound stack stops inside a library is looked at again with full stacks."""
    rc, out, err = run(binary, n, slow)
    if rc is None:
        return ["N=%d: did not end within 60 s" % n], True
    lines = err.splitlines()
    if "torture: failing call stack:" in err:
        i = lines.index("torture: failing call stack:")
        j = i + 1
        while j < len(lines) and FRAME.match(lines[j]):
            j += 1
        if not lib_frames(lines[i + 1:j]) and test_frame(lines[i + 1:j]):
            return [], "test"
    probs = []
    injected = not re.search(r"^torture: calls \d+, failed none$", err, re.M)
    if rc < 0 or rc >= 128:
        probs.append("N=%d: killed by signal / status %d" % (n, rc))
    for pat in (r"ERROR: AddressSanitizer", r"runtime error:", r"Test failed with exception"):
        m = re.search(pat + ".*", err + out)
        if m:
            probs.append("N=%d: %s" % (n, m.group(0)[:200]))
    if not re.search(r"^torture: calls \d+, failed", err, re.M) and not probs:
        probs.append("N=%d: no torture line (status %d): %s" % (n, rc, err[-300:]))
    # the failing call: the test's frame in the stack printed at the failure
    site = None
    if "torture: failing call stack:" in err:
        i = lines.index("torture: failing call stack:")
        j = i + 1
        while j < len(lines) and FRAME.match(lines[j]):
            j += 1
        site = test_frame(lines[i + 1:j])
    # leak reports: a header line, then its allocation stack
    leaks = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(Direct|Indirect) leak of (\d+) byte", lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and FRAME.match(lines[j]):
            j += 1
        where = test_frame(lines[i + 1:j])
        if lib_frames(lines[i + 1:j])[:1] and \
                lib_frames(lines[i + 1:j])[0].split()[0] in CALLER_OWNED:
            i = j
            continue
        if not where and not slow:
            return check(binary, n, True)
        if not where or where == site:
            lib = lib_frames(lines[i + 1:j])
            leaks.append((m.group(1), "N=%d: %s leak of %s bytes from %s" %
                          (n, m.group(1), m.group(2), (lib[:1] or ["?"])[0])))
        i = j
    # an indirect leak is reachable only from a direct one: when no direct leak is the
    # library's, those hang off what the test held (e.g. a context it had created earlier)
    if any(kind == "Direct" for kind, _ in leaks):
        probs += [text for _, text in leaks]
    return probs, injected


def samples(k, count):
    if count >= k:
        return list(range(1, k + 1))
    head = list(range(1, count // 2 + 1))
    rest = count - len(head)
    lo = head[-1] + 1 if head else 1
    spread = [lo + (k - lo) * i // max(rest - 1, 1) for i in range(rest)]
    return sorted(set(head + spread))


def torture(spec):
    name, _, count = spec.partition(":")
    binary = os.path.join(build, "tests", "torture", "test_" + name)
    if not os.access(binary, os.X_OK):
        return name, False, "not built: " + binary, []
    rc, out, err = run(binary, 0)
    m = re.search(r"^torture: calls (\d+), failed none$", err, re.M)
    if rc != 0 or not m:
        return name, False, "fails without injection (status %s)" % rc, [err[-500:]]
    k = int(m.group(1))
    probs, tried, theirs = [], 0, 0
    if mode == "ALL":
        n = 1
        while True:
            p, injected = check(binary, n)
            probs += p
            if not injected:
                break
            tried += 1
            theirs += injected == "test"
            n += 1
    else:
        for n in samples(k, int(count or mode)):
            p, injected = check(binary, n)
            probs += p
            tried += 1
            theirs += injected == "test"
    return name, not probs, "%d of %d allocations failed in turn%s" % (
        tried, k, " (%d in the test's own calls)" % theirs if theirs else ""), probs


with ThreadPoolExecutor(max_workers=2) as ex:
    for name, ok, summary, probs in ex.map(torture, names):
        print("%s\t%s\t%s" % (name, "ok" if ok else "fail", summary))
        for p in probs[:20]:
            print("\t" + p.replace("\n", " | "))
        sys.stdout.flush()
