#!/usr/bin/python3
"""t0800-trail.py - write a CloudTrail log file ({"Records": [...]}) for credtrail's policy tests.

Reads JSON Lines on stdin, one call each:
  {"akid": "ASIA...", "arn": "arn:aws:sts::<acct>:assumed-role/<role>/<session>",
   "source": "route53.amazonaws.com", "name": "ListResourceRecordSets",
   "params": {...} | null, "error": "AccessDenied" (optional), "region": "us-east-1",
   "time": "2024-01-01T00:00:00Z" (optional, default now), "resources": [...] (optional)}
and writes each as a record in the shape CloudTrail gives calls made with an assumed-role
session (userIdentity type AssumedRole with its sessionContext and sessionIssuer).

Usage: t0800-trail.py OUTFILE
"""
import datetime
import json
import sys
import uuid


def record(c):
    arn = c["arn"]
    acct = arn.split(":")[4]
    role, session = arn.split("/")[1], arn.split("/")[2]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEROLEID0001:" + session,
            "arn": arn,
            "accountId": acct,
            "accessKeyId": c["akid"],
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role", "principalId": "AROAEXAMPLEROLEID0001",
                    "arn": "arn:aws:iam::%s:role/%s" % (acct, role),
                    "accountId": acct, "userName": role,
                },
                "attributes": {"creationDate": c.get("time", now), "mfaAuthenticated": "false"},
                "sourceIdentity": session,
            },
        },
        "eventTime": c.get("time", now),
        "eventSource": c["source"],
        "eventName": c["name"],
        "awsRegion": c.get("region", "us-east-1"),
        "sourceIPAddress": c.get("ip", "127.0.0.1"),
        "userAgent": "aws-cli/2.9.19 Python/3.11.2 Linux/6 source/x86_64.debian.12",
        "requestParameters": c.get("params"),
        "responseElements": c.get("response"),
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": c["name"].startswith(("Get", "List", "Describe", "Head")),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": acct,
        "eventCategory": "Management",
    }
    if "resources" in c:
        r["resources"] = c["resources"]
    if c.get("error"):
        r["errorCode"] = c["error"]
        r["errorMessage"] = "User: %s is not authorized to perform: %s" % (arn, c["name"])
    return r


def main():
    recs = [record(json.loads(line)) for line in sys.stdin if line.strip()]
    with open(sys.argv[1], "w") as f:
        json.dump({"Records": recs}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
