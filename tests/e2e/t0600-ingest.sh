#!/usr/bin/env bash
# credtrail ingest: provider audit logs of every format and container shape are read from
# files, directories, gzip and stdin; counts are exact; re-ingest adds nothing; the default
# filter keeps what concerns known credentials and follows role chains; a file that fails
# adds nothing; bad input fails with one clear line.
. "$(dirname "$0")/../lib.sh"

I=$FIX/ingest
cp -r "$I" "$T/logs"
L=$T/logs
# syslog lines carry no year: pin the files' modification time
touch -d '2026-11-26 00:00:00 UTC' "$L"/sshd/*
counts() { sed -n "s|^$1: ||p"; }

out=$($CT ingest --all "$L" 2>"$T/err")
t_is "ingest --all of the fixture tree succeeds quietly on stderr" "$?:$(cat "$T/err")" "0:"
t_is "the CloudTrail JSON lines file: the records the derived files above already had are duplicates" \
    "$(echo "$out" | counts "$L/cloudtrail/otrf_ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl")" \
    "cloudtrail: read 103, new 97, duplicate 6, skipped 0, rejected 0"
t_is "a {\"Records\":[...]} trail file: OTRF records, 3 of them read before" \
    "$(echo "$out" | counts "$L/cloudtrail/derived_records_wrapper.json")" \
    "cloudtrail: read 5, new 2, duplicate 3, skipped 0, rejected 0"
t_is "a gzip file is decompressed; its records without eventTime are rejected" \
    "$(echo "$out" | counts "$L/cloudtrail/panther_cloudtrail_rule_tests.jsonl.gz")" \
    "cloudtrail: read 472, new 159, duplicate 296, skipped 0, rejected 17"
t_is "a pretty-printed top-level array (Stratus)" \
    "$(echo "$out" | counts "$L/cloudtrail/stratus/aws.credential-access.ec2-get-password-data.json")" \
    "cloudtrail: read 34, new 34, duplicate 0, skipped 0, rejected 0"
t_is "lookup-events output inside {\"Events\":[...]}" \
    "$(echo "$out" | counts "$L/cloudtrail/derived_lookup_events_wrapper.json")" \
    "cloudtrail: read 3, new 3, duplicate 0, skipped 0, rejected 0"
t_is "broken records are rejected with FILE:OFFSET and the good ones around them kept" \
    "$(echo "$out" | grep -A3 "^$L/cloudtrail/derived_malformed.jsonl:" | sed "s|$L/||")" \
    "cloudtrail/derived_malformed.jsonl: cloudtrail: read 6, new 2, duplicate 1, skipped 0, rejected 3
  cloudtrail/derived_malformed.jsonl:1019: newline inside a string
  cloudtrail/derived_malformed.jsonl:2148: not a JSON object or array
  cloudtrail/derived_malformed.jsonl:2165: invalid timestamp 'yesterday'"
t_is "GCP audit entries: non-audit payloads skipped" \
    "$(echo "$out" | counts "$L/gcp/plaso_gcp_logging.jsonl")" \
    "gcp: read 11, new 9, duplicate 0, skipped 2, rejected 0"
t_is "Kubernetes audit events: the malformed {\"kind\": 0} is rejected" \
    "$(echo "$out" | counts "$L/k8s/falco_k8s_audit_trace_files.jsonl")" \
    "k8s: read 52, new 49, duplicate 2, skipped 0, rejected 1"
t_is "Vault request/response pairs become one event each; KMIP records skipped" \
    "$(echo "$out" | counts "$L/vault/elastic_hashicorp_vault_audit_test-audit.log")" \
    "vault: read 12, new 8, duplicate 0, skipped 4, rejected 0"
t_is "Vault single-line and pretty-printed records mixed" \
    "$(echo "$out" | counts "$L/vault/ops-agent_vault-audit_input.log")" \
    "vault: read 8, new 7, duplicate 1, skipped 0, rejected 0"
t_is "sshd under every header form; other programs' lines skipped" \
    "$(echo "$out" | counts "$L/sshd/derived_prefix_forms.log")" \
    "sshd: read 11, new 9, duplicate 0, skipped 2, rejected 0"
t_is "sshd as journalctl -o json" "$(echo "$out" | counts "$L/sshd/derived_journal.json")" \
    "sshd: read 3, new 2, duplicate 0, skipped 1, rejected 0"
t_is "IronClaw proxy lines" "$(echo "$out" | counts "$L/ironproxy/derived_proxy_audit.jsonl")" \
    "ironproxy: read 4, new 3, duplicate 0, skipped 0, rejected 1"
t_is "a directory is read recursively in name order, hidden files skipped" \
    "$(echo "$out" | grep -v '^ ' | cut -d: -f1 | sed "s|$L/||" | head -4 | tr '\n' ' ')" \
    "PROVENANCE.md cloudtrail/awsdocs_iam_user_guide_examples.jsonl cloudtrail/derived_athena_lowercase.jsonl cloudtrail/derived_lookup_events_wrapper.json "
t_is "a normalised CloudTrail row" "$(t_sql "select provider, time_us, principal, access_key_id,
    session_name, source_ip, service, action, outcome, read_only from provider_events
    where event_id = '0828c0d2-3589-4390-b954-c78b4a7df44b'")" \
    "aws|1644272617000000|arn:aws:iam::012345678901:user/fakeusername|0123456789ABCDEFGHIJ||1.2.3.4|ec2.amazonaws.com|DescribeInstances|success|1"
t_is "a normalised sshd certificate login" "$(t_sql "select time_us, principal, cert_key_id,
    cert_serial, ca_fingerprint, source_ip from provider_events where provider = 'sshd' and
    account = 'node79.lab.automate.nyc'")" \
    "1787836447000000|root|vault-root-ebdeb8a00c160ad918e6e8238bf92c27dfea3ec340e230de3ea59093e3773c38|10466434135153983140|SHA256:HUT+GSDsOwFaCfW9l/CvOg+7GYu2UIQS1Yfcwr1uuYo|192.168.0.101"
t_is "every file is recorded once with its digest" \
    "$(t_sql "select count(*), count(distinct sha256) from ingested_files")" "29|29"

n_events=$(t_sql 'select count(*) from provider_events')
out2=$($CT ingest --all "$L")
t_is "ingesting everything again adds no event" "$(t_sql 'select count(*) from provider_events')" \
    "$n_events"
t_is "and reports no new event for any file" "$(echo "$out2" | grep -c ', new 0, ')" \
    "$(echo "$out2" | grep -vc '^ ')"
t_is "and adds no file row" "$(t_sql 'select count(*) from ingested_files')" 29

t_is "--json: one object per file with the counts and the first rejections" \
    "$($CT ingest --all --json "$L/cloudtrail/derived_malformed.jsonl" |
      jq -c '[.format,.read,.new,.duplicate,.skipped,.rejected,.rejections[0]]')" \
    '["cloudtrail",6,0,3,0,3,{"offset":1019,"reason":"newline inside a string"}]'
t_is "stdin is read as '-'" "$(cat "$L/sshd/plaso_syslog_ssh.log" | $CT ingest --all --json - |
    jq -c '[.file,.format,.read,.duplicate]')" '["-","sshd",9,7]'

# the default filter, on a fresh ledger
export CREDTRAIL_DB=$T/filtered.db
$CT task new --id t1 >/dev/null
t_is "without --all and no credentials only task principals are kept" \
    "$($CT ingest "$L/cloudtrail/derived_task_chain.jsonl" | counts "$L/cloudtrail/derived_task_chain.jsonl")" \
    "cloudtrail: read 3, new 2, duplicate 0, skipped 1, rejected 0"
t_sql "insert into credentials (task_id, kind, principal, issued_us, expires_us, access_key_id)
    values ('t1', 'aws', 'christophe', 0, 0, 'AKIAWOGXN38MFN92ING5');
    insert into credentials (task_id, kind, principal, issued_us, expires_us, session_name)
    values ('t1', 'aws', 'instance profile', 0, 0, 'i-0317f6c6b66ae9c40')"
t_is "Stratus: the key's AssumeRole calls and every call of the key it issued (logged first)" \
    "$($CT ingest "$L/cloudtrail/stratus" | counts "$L/cloudtrail/stratus/aws.credential-access.ec2-get-password-data.json")" \
    "cloudtrail: read 34, new 34, duplicate 0, skipped 0, rejected 0"
t_is "Stratus chain: AKIAWOGXN38MFN92ING5 -> ASIANQQHHS551LWULIWD used 30 times" \
    "$(t_sql "select a.access_key_id, a.issued_access_key_id, count(u.id) from provider_events a
      join provider_events u on u.access_key_id = a.issued_access_key_id
      where a.action = 'AssumeRole' and a.access_key_id = 'AKIAWOGXN38MFN92ING5' group by 1, 2")" \
    "AKIAWOGXN38MFN92ING5|ASIANQQHHS551LWULIWD|30"
$CT ingest "$L/cloudtrail/otrf_ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl" >/dev/null
t_is "OTRF: the instance-profile session's AssumeRole -> key -> the S3 exfiltration calls" \
    "$(t_sql "select a.issued_session_name, a.issued_access_key_id, u.action, count(u.id)
      from provider_events a join provider_events u on u.access_key_id = a.issued_access_key_id
      where a.action = 'AssumeRole' and a.issued_session_name = 'i-0317f6c6b66ae9c40'
      group by 1, 2, 3 order by 3" | tr '\n' ' ')" \
    "i-0317f6c6b66ae9c40|ASIA5FLZVX4OPVKKVBMX|GetObject|2 i-0317f6c6b66ae9c40|ASIA5FLZVX4OPVKKVBMX|ListBuckets|2 i-0317f6c6b66ae9c40|ASIA5FLZVX4OPVKKVBMX|ListObjects|7 "
t_is "and nothing of pedro's console session is kept" \
    "$(t_sql "select count(*) from provider_events where principal like '%user/pedro'")" 0

# failures: nothing half-stored
export CREDTRAIL_DB=$T/fail.db
head -c 30000 "$L/cloudtrail/panther_cloudtrail_rule_tests.jsonl.gz" > "$T/cut.json.gz"
t_err "a truncated gzip file fails with one line" 1 "cut.json.gz': gzip stream truncated \(nothing of it was stored\)" \
    $CT ingest --all "$T/cut.json.gz"
t_is "and stored nothing" "$(t_sql 'select count(*) from provider_events') $(t_sql 'select count(*) from ingested_files')" "0 0"
bad_id=$(jq -r '.[20].eventID' "$L/cloudtrail/stratus/aws.credential-access.ec2-get-password-data.json")
t_sql "create trigger boom before insert on provider_events when new.event_id =
    '$bad_id' begin select raise(abort, 'disk full (injected)'); end"
$CT ingest --all "$L/cloudtrail/stratus/aws.credential-access.ec2-get-password-data.json" \
    "$L/cloudtrail/stratus/aws.persistence.sts-federation-token.json" >"$T/out" 2>"$T/err"
t_is "a store failure in the middle of a file fails that file (exit 1, one line)" \
    "$?|$(cat "$T/err")" \
    "1|credtrail ingest: $L/cloudtrail/stratus/aws.credential-access.ec2-get-password-data.json: storing an event: store '$T/fail.db': disk full (injected) (nothing of it was stored)"
t_is "none of its 20 records before the failure stayed; the next file was ingested" \
    "$(t_sql "select count(*) from provider_events where action = 'GetPasswordData'")|$(cat "$T/out")" \
    "0|$L/cloudtrail/stratus/aws.persistence.sts-federation-token.json: cloudtrail: read 2, new 2, duplicate 0, skipped 0, rejected 0"

# a killed ingest leaves the store as it was
mkfifo "$T/fifo"
$CT ingest --all "$T/fifo" >/dev/null 2>&1 &
pid=$!
exec 7>"$T/fifo"
cat "$L/cloudtrail/otrf_ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl" >&7
kill -9 $pid; wait $pid 2>/dev/null
exec 7>&-
t_is "an ingest killed mid-file leaves no rows of it and a sound store" \
    "$(t_sql "select count(*) from provider_events where principal like '%user/pedro'") $(t_sql 'pragma integrity_check')" \
    "0 ok"

t_err "no PATH is a usage error" 2 "no PATH to ingest" $CT ingest
t_err "an unknown format is a usage error" 2 "unknown format 'syslog'" $CT ingest --format syslog x
t_err "a missing file fails before anything is read" 1 "cannot open '$T/nope'" \
    $CT ingest "$L/gcp" "$T/nope"
t_is "--format forces the parser: a Vault log read as CloudTrail is rejected record by record" \
    "$($CT ingest --all --format cloudtrail --json "$L/vault/ops-agent_vault-audit_input.log" |
      jq -c '[.format,.read,.rejected,.rejections[0].reason]')" \
    '["cloudtrail",8,8,"no eventTime"]'
t_done
