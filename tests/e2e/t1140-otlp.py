#!/usr/bin/python3
"""OTLP/JSON shape checks for t1140, and a small OTLP/HTTP receiver.

  t1140-otlp.py check FILE          validate an OTLP file export (one request per line:
                                    ExportTraceServiceRequest, ExportLogsServiceRequest)
  t1140-otlp.py serve PORTFILE DIR  receive POST /v1/traces and /v1/logs on 127.0.0.1,
                                    validate each body, store it as DIR/N-traces.json or
                                    DIR/N-logs.json; answer 200 when valid, 400 when not;
                                    paths under /fail/ answer 500

The checks follow the OTLP JSON mapping of opentelemetry-proto (v1): lowerCamelCase field
names only (an unknown field is an error), trace ids 32 and span ids 16 lower-case hex
characters, not all zero, fixed64 nanosecond times as decimal strings, enums as integers in
their range, attributes as KeyValue lists whose values are AnyValue with exactly one field.
"""
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
NANOS = re.compile(r"^[0-9]{1,20}$")


class Bad(Exception):
    pass


def need(cond, where, what):
    if not cond:
        raise Bad("%s: %s" % (where, what))


def fields(o, where, required, optional=()):
    need(isinstance(o, dict), where, "not an object")
    for k in o:
        need(k in required or k in optional, where, "unknown field %r" % k)
    for k in required:
        need(k in o, where, "missing field %r" % k)


def any_value(v, where):
    kinds = ("stringValue", "boolValue", "intValue", "doubleValue", "arrayValue",
             "kvlistValue", "bytesValue")
    fields(v, where, (), kinds)
    need(len(v) == 1, where, "AnyValue must hold exactly one value")
    k, x = next(iter(v.items()))
    if k == "stringValue":
        need(isinstance(x, str), where, "stringValue not a string")
    elif k == "boolValue":
        need(isinstance(x, bool), where, "boolValue not a boolean")
    elif k == "intValue":
        need(isinstance(x, str) and re.match(r"^-?[0-9]+$", x), where,
             "intValue not a decimal string")
    elif k == "doubleValue":
        need(isinstance(x, (int, float)) and not isinstance(x, bool), where, "doubleValue")
    elif k == "arrayValue":
        fields(x, where + ".arrayValue", (), ("values",))
        for i, e in enumerate(x.get("values", [])):
            any_value(e, "%s.arrayValue.values[%d]" % (where, i))
    elif k == "kvlistValue":
        attributes(x.get("values", []), where + ".kvlistValue")


def attributes(a, where):
    need(isinstance(a, list), where, "attributes not a list")
    seen = set()
    for i, kv in enumerate(a):
        w = "%s[%d]" % (where, i)
        fields(kv, w, ("key", "value"))
        need(isinstance(kv["key"], str) and kv["key"], w, "empty key")
        need(kv["key"] not in seen, w, "duplicate key %r" % kv["key"])
        seen.add(kv["key"])
        any_value(kv["value"], w + ".value")


def trace_id(x, where):
    need(isinstance(x, str) and HEX32.match(x) and x != "0" * 32, where,
         "traceId %r is not 32 lower-case hex, non-zero" % (x,))


def span_id(x, where):
    need(isinstance(x, str) and HEX16.match(x) and x != "0" * 16, where,
         "spanId %r is not 16 lower-case hex, non-zero" % (x,))


def nanos(x, where):
    need(isinstance(x, str) and NANOS.match(x), where, "%r is not a decimal string" % (x,))
    return int(x)


def resource(r, where):
    fields(r, where, ("attributes",), ("droppedAttributesCount",))
    attributes(r["attributes"], where + ".attributes")


def scope(s, where):
    fields(s, where, ("name",), ("version", "attributes", "droppedAttributesCount"))


def check_traces(req):
    fields(req, "request", ("resourceSpans",))
    need(isinstance(req["resourceSpans"], list) and req["resourceSpans"], "resourceSpans", "empty")
    for i, rs in enumerate(req["resourceSpans"]):
        w = "resourceSpans[%d]" % i
        fields(rs, w, ("resource", "scopeSpans"), ("schemaUrl",))
        resource(rs["resource"], w + ".resource")
        for j, ss in enumerate(rs["scopeSpans"]):
            w2 = "%s.scopeSpans[%d]" % (w, j)
            fields(ss, w2, ("scope", "spans"), ("schemaUrl",))
            scope(ss["scope"], w2 + ".scope")
            for k, sp in enumerate(ss["spans"]):
                w3 = "%s.spans[%d]" % (w2, k)
                fields(sp, w3, ("traceId", "spanId", "name", "kind", "startTimeUnixNano",
                                "endTimeUnixNano"),
                       ("parentSpanId", "traceState", "attributes", "status", "events",
                        "links", "flags", "droppedAttributesCount", "droppedEventsCount",
                        "droppedLinksCount"))
                trace_id(sp["traceId"], w3)
                span_id(sp["spanId"], w3)
                if "parentSpanId" in sp:
                    span_id(sp["parentSpanId"], w3 + ".parentSpanId")
                need(isinstance(sp["name"], str) and sp["name"], w3, "empty name")
                need(isinstance(sp["kind"], int) and 0 <= sp["kind"] <= 5, w3, "kind")
                s, e = nanos(sp["startTimeUnixNano"], w3), nanos(sp["endTimeUnixNano"], w3)
                need(s <= e, w3, "ends before it starts")
                attributes(sp.get("attributes", []), w3 + ".attributes")
                if "status" in sp:
                    fields(sp["status"], w3 + ".status", ("code",), ("message",))
                    need(sp["status"]["code"] in (0, 1, 2), w3, "status code")


def check_logs(req):
    fields(req, "request", ("resourceLogs",))
    need(isinstance(req["resourceLogs"], list) and req["resourceLogs"], "resourceLogs", "empty")
    for i, rl in enumerate(req["resourceLogs"]):
        w = "resourceLogs[%d]" % i
        fields(rl, w, ("resource", "scopeLogs"), ("schemaUrl",))
        resource(rl["resource"], w + ".resource")
        for j, sl in enumerate(rl["scopeLogs"]):
            w2 = "%s.scopeLogs[%d]" % (w, j)
            fields(sl, w2, ("scope", "logRecords"), ("schemaUrl",))
            scope(sl["scope"], w2 + ".scope")
            for k, lr in enumerate(sl["logRecords"]):
                w3 = "%s.logRecords[%d]" % (w2, k)
                fields(lr, w3, ("timeUnixNano", "body"),
                       ("observedTimeUnixNano", "severityNumber", "severityText",
                        "attributes", "traceId", "spanId", "flags", "eventName",
                        "droppedAttributesCount"))
                nanos(lr["timeUnixNano"], w3)
                if "observedTimeUnixNano" in lr:
                    nanos(lr["observedTimeUnixNano"], w3)
                if "severityNumber" in lr:
                    need(isinstance(lr["severityNumber"], int) and
                         0 <= lr["severityNumber"] <= 24, w3, "severityNumber")
                any_value(lr["body"], w3 + ".body")
                attributes(lr.get("attributes", []), w3 + ".attributes")
                if "traceId" in lr:
                    trace_id(lr["traceId"], w3)
                if "spanId" in lr:
                    span_id(lr["spanId"], w3)


def check_file(path):
    with open(path) as f:
        lines = [l for l in f.read().split("\n") if l]
    if len(lines) != 2:
        raise Bad("%s: %d lines, expected a traces and a logs request" % (path, len(lines)))
    check_traces(json.loads(lines[0]))
    check_logs(json.loads(lines[1]))


def serve(portfile, outdir):
    count = [0]

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            count[0] += 1
            kind = self.path.rsplit("/", 1)[-1]
            status, msg = 200, b"{}"
            if self.path.startswith("/fail/"):
                status, msg = 500, b"{}"
            elif self.headers.get("Content-Type") != "application/json":
                status, msg = 415, b"content type"
            elif self.path not in ("/v1/traces", "/v1/logs"):
                status, msg = 404, b"path"
            else:
                try:
                    (check_traces if kind == "traces" else check_logs)(json.loads(body))
                except (Bad, ValueError) as e:
                    status, msg = 400, str(e).encode()
                with open(os.path.join(outdir, "%d-%s.json" % (count[0], kind)), "wb") as f:
                    f.write(body)
            with open(os.path.join(outdir, "requests.log"), "a") as f:
                f.write("%s %d\n" % (self.path, status))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)

    srv = HTTPServer(("127.0.0.1", 0), H)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "check":
        try:
            check_file(sys.argv[2])
        except (Bad, ValueError) as e:
            print("invalid: %s" % e)
            sys.exit(1)
        print("valid")
    elif sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
