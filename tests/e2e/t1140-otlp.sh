#!/usr/bin/env bash
# OpenTelemetry: credtrail run continues the caller's W3C trace (a malformed TRACEPARENT
# starts a new one), records the trace in the runs table and the signed attestation, exports
# the run as an OTLP/JSON span and its monitor events as log records to a file and to a
# local OTLP/HTTP receiver (both checked against the OTLP JSON structure), fails with one
# line when the receiver refuses; mint aws tags the STS session with the trace id.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
OTLP=$CT_TOP/tests/e2e/t1140-otlp.py
export CREDTRAIL_CONFIG=/dev/null
unset TRACEPARENT
cd "$T"
task=$($CT task new --class otel-check)
# a TCP peer on loopback for the agent to connect to
lport=$(t_free_port)
$PY -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True: c,_=s.accept(); c.close()' "$lport" &
t_atexit "kill $!"
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$lport) 2>/dev/null && break; sleep 0.05; done
mkdir -m 1777 out	# the agent runs as nobody
agent="echo \$TRACEPARENT >$T/out/agent.tp; exec 3<>/dev/tcp/127.0.0.1/$lport; exec 3>&-"
run() { $CT run --task "$task" --allow 127.0.0.1 "$@" -- bash -c "$agent" 2>"$T/run.err"; }

# ---- trace context ----
CALLER_TRACE=4bf92f3577b34da6a3ce929d0e0e4736 CALLER_SPAN=00f067aa0ba902b7
TRACEPARENT=00-$CALLER_TRACE-$CALLER_SPAN-01 run --events ev1.jsonl --otlp-file o1.json
t_is "run with a TRACEPARENT succeeds" "$?" 0
tp=$(cat out/agent.tp)
t_like "the agent's TRACEPARENT continues the caller's trace with the run's own span" "$tp" \
    "^00-$CALLER_TRACE-[0-9a-f]{16}-01\$"
runspan=$(echo "$tp" | cut -d- -f3)
[ "$runspan" != "$CALLER_SPAN" ]; _t_report $? "the run's span is not the caller's"
t_is "the runs table records the agent's traceparent" \
    "$(t_sql "select traceparent from runs order by start_us desc limit 1")" "$tp"
t_is "the signed attestation's predicate carries it" \
    "$(jq -r .payload ev1.jsonl.dsse.json | base64 -d | jq -r .predicate.traceparent)" "$tp"
run
t_like "without TRACEPARENT the agent gets a new trace" "$(cat out/agent.tp)" \
    '^00-[0-9a-f]{32}-[0-9a-f]{16}-01$'
[ "$(cut -d- -f2 out/agent.tp)" != "$CALLER_TRACE" ]; _t_report $? "which is not the caller's"
for bad in "00-${CALLER_TRACE^^}-$CALLER_SPAN-01" "ff-$CALLER_TRACE-$CALLER_SPAN-01" \
    "00-00000000000000000000000000000000-$CALLER_SPAN-01" "00-$CALLER_TRACE-0000000000000000-01" \
    "00-$CALLER_TRACE-$CALLER_SPAN-01-extra" "00-$CALLER_TRACE-$CALLER_SPAN"; do
	TRACEPARENT=$bad run
	tr=$(cut -d- -f2 out/agent.tp)
	[ "$tr" != "$CALLER_TRACE" ] && [[ $tr =~ ^[0-9a-f]{32}$ ]] || echo "$bad -> $(cat out/agent.tp)"
done >bad.out
t_is "a malformed TRACEPARENT (upper case, version ff, zero ids, extra, short) starts a new trace" \
    "$(cat bad.out)" ""
TRACEPARENT=01-$CALLER_TRACE-$CALLER_SPAN-01-future run
t_is "a later version with a '-' after the flags is accepted" "$(cut -d- -f2 out/agent.tp)" \
    "$CALLER_TRACE"

# ---- the file form ----
t_is "the --otlp-file export has the OTLP JSON structure" "$($PY "$OTLP" check o1.json)" valid
tr=$(head -n 1 o1.json) lg=$(sed -n 2p o1.json)
span=$(echo "$tr" | jq -c '.resourceSpans[0].scopeSpans[0].spans[0]')
t_is "the span is in the caller's trace, under the caller's span, with the agent's parent id" \
    "$(echo "$span" | jq -r '[.traceId, .parentSpanId, .spanId] | join(" ")')" \
    "$CALLER_TRACE $CALLER_SPAN $runspan"
attrs() { jq -c '[.attributes[] | {(.key): (.value | to_entries[0].value)}] | add'; }
t_is "resource attributes: service.name, task id and class" \
    "$(echo "$tr" | jq -c '.resourceSpans[0].resource' | attrs | jq -c \
    '[.["service.name"], .["credtrail.task.id"], .["credtrail.task.class"]]')" \
    "[\"credtrail\",\"$task\",\"otel-check\"]"
t_is "the logs carry the same resource" "$(echo "$lg" | jq -c '.resourceLogs[0].resource')" \
    "$(echo "$tr" | jq -c '.resourceSpans[0].resource')"
sattrs=$(echo "$span" | attrs)
t_is "the span names the run, its exit code and completeness, and is OK" \
    "$(echo "$sattrs" | jq -c '[.["credtrail.run.id"], .["process.exit.code"], .["credtrail.run.complete"]]')$(echo "$span" | jq -c .status.code)" \
    "[\"$(jq -r 'select(.type=="start") | .run' ev1.jsonl)\",\"0\",true]1"
start_ns=$(echo "$span" | jq -r .startTimeUnixNano)
t_like "times are nanosecond decimal strings" "$start_ns" '^1[0-9]{18}$'
recs=$(echo "$lg" | jq -c '.resourceLogs[0].scopeLogs[0].logRecords')
t_is "one log record per event of the run's log (checkpoints are not events)" \
    "$(echo "$recs" | jq length)" "$(grep -c '"type":' ev1.jsonl)"
t_is "each record is in the run's span" \
    "$(echo "$recs" | jq -r '[.[] | .traceId + "/" + .spanId] | unique | join(" ")')" \
    "$CALLER_TRACE/$runspan"
conn=$(echo "$recs" | jq -c '[.[] | select(.body.stringValue | fromjson | .type == "connect")][0]')
t_is "the agent's connect is a record with its destination as attributes" \
    "$(echo "$conn" | attrs | jq -c '[.["event.name"], .["credtrail.event.dst"], .["credtrail.event.dport"]]')" \
    "[\"credtrail.run.connect\",\"127.0.0.1\",\"$lport\"]"
t_is "and its body is the event as logged" \
    "$(echo "$conn" | jq -r .body.stringValue | jq -cS .)" \
    "$(grep '"type":"connect"' ev1.jsonl | head -1 | jq -cS .)"

$CT run --task "$task" --enforce --otlp-file o3.json -- \
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$lport" 2>/dev/null
t_is "without --events the denials are the log records, at WARN" \
    "$(sed -n 2p o3.json | jq -c '[.resourceLogs[0].scopeLogs[0].logRecords[] |
    [.severityNumber, .severityText, (.body.stringValue | fromjson | .verdict)]]')" \
    '[[13,"WARN","deny"]]'
t_is "and that export has the OTLP JSON structure too" "$($PY "$OTLP" check o3.json)" valid

# ---- the endpoint form, against a local receiver ----
mkdir recv
$PY "$OTLP" serve "$T/recv.port" "$T/recv" &
t_atexit "kill $!"
for _ in $(seq 200); do [ -s recv.port ] && break; sleep 0.05; done
ep=http://127.0.0.1:$(cat recv.port)
TRACEPARENT=00-$CALLER_TRACE-$CALLER_SPAN-01 run --events ev2.jsonl --otlp-file o2.json \
    --otlp-endpoint "$ep/"
t_is "run --otlp-endpoint succeeds" "$?" 0
t_is "the receiver got /v1/traces then /v1/logs and found both valid" \
    "$(cat recv/requests.log | tr '\n' ' ')" "/v1/traces 200 /v1/logs 200 "
t_is "it received the same span as the file holds" "$(jq -cS . recv/1-traces.json)" \
    "$(head -n 1 o2.json | jq -cS .)"
t_is "and the same log records" "$(jq -cS . recv/2-logs.json)" "$(sed -n 2p o2.json | jq -cS .)"
# the error line: stderr without the run's summary (its first line and indented lines)
errline() { grep -v '^  ' run.err | grep -v '^credtrail run: run [0-9a-f]* of task '; }
nruns=$(t_sql "select count(*) from runs")
run --otlp-endpoint "$ep/fail"
t_is "a receiver answering 500 fails the run with status 125" "$?" 125
t_is "and one error line naming it" "$(errline)" \
    "credtrail run: OTLP receiver '$ep/fail/v1/traces' answered HTTP 500"
t_is "the agent still ran and was recorded" "$(t_sql "select count(*) from runs")" $((nruns + 1))
dead=$(t_free_port)
run --otlp-endpoint "http://127.0.0.1:$dead"
t_is "an unreachable receiver is status 125 too" "$?" 125
t_like "with one error line naming it" "$(errline)" \
    "^credtrail run: cannot reach 'http://127\.0\.0\.1:$dead/v1/traces'[^[:cntrl:]]*$"
run --otlp-file "$T/nodir/o.json"
t_is "--otlp-file into a missing directory is status 125 too" "$?" 125
t_like "with one error line naming it" "$(errline)" "^credtrail run: cannot create '$T/nodir/o\.json[^[:cntrl:]]*$"
t_ok "and leaves no file" test ! -e "$T/nodir"

# ---- mint aws: the trace id as a session tag ----
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION \
    AWS_DEFAULT_REGION AWS_DEFAULT_PROFILE
export HOME=$T/home AWS_CONFIG_FILE=$T/aws/config AWS_SHARED_CREDENTIALS_FILE=$T/aws/credentials
mkdir -p "$HOME" "$T/aws"
$PY "$CT_TOP/tests/e2e/stsd.py" --port-file "$T/sts.port" --log "$T/sts.log" \
    --cred "AKIDSOURCE00000001:secret" &
t_atexit "kill $!"
for _ in $(seq 200); do [ -s "$T/sts.port" ] && break; sleep 0.05; done
mint() {
	AWS_ACCESS_KEY_ID=AKIDSOURCE00000001 AWS_SECRET_ACCESS_KEY=secret $CT mint aws \
	    --task "$task" --role-arn arn:aws:iam::123456789012:role/agent \
	    --endpoint "http://127.0.0.1:$(cat "$T/sts.port")/" --region eu-west-1 >/dev/null
}
TRACEPARENT=00-$CALLER_TRACE-$CALLER_SPAN-01 mint
t_is "with TRACEPARENT, STS receives the trace id as the ironclaw:trace-id session tag" \
    "$(tail -n 1 "$T/sts.log" | jq -c .tags)" \
    "{\"ironclaw:task-class\":\"otel-check\",\"ironclaw:task-id\":\"$task\",\"ironclaw:trace-id\":\"$CALLER_TRACE\"}"
mint
t_is "without it, only the task tags" "$(tail -n 1 "$T/sts.log" | jq -c '.tags | keys')" \
    '["ironclaw:task-class","ironclaw:task-id"]'
TRACEPARENT=garbage mint
t_is "a malformed TRACEPARENT adds no tag" "$(tail -n 1 "$T/sts.log" | jq -c '.tags | keys')" \
    '["ironclaw:task-class","ironclaw:task-id"]'
t_done
