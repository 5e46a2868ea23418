"""What authorization costs on the produce path (issue 18: no measurable cost per request; decisions are cached
per connection and resource):

    BROKER_BINARY=.build-rel/release/spool .venv/bin/python Benchmarks/scripts/authorization.py [--pairs 3]

Starts a release `spool serve` on a temporary data directory twice per pair, in alternating order: without an
authorizer, and with `authorizer.class.name=spool` and ACLs granting User:ANONYMOUS ALL on the topic and the
cluster (not a super user, so every request goes through the authorizer and its cache). Each run sends --records 100-byte records with `spool bench produce` in small batches (16 KiB,
acks=1) so that requests, not bytes, dominate. Prints records/s and broker CPU microseconds per produce request
for each (medians of the pairs) and their ratios; --json writes everything to a file.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from conftest import Broker, BINARY  # noqa: E402
from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, AdminClient,  # noqa: E402
                                   ResourcePatternType, ResourceType)

TOPIC = "spool-bench"


def log(message):
    print(f"[authorization {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def grant(bootstrap):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    bindings = [AclBinding(ResourceType.TOPIC, TOPIC, ResourcePatternType.LITERAL, "User:ANONYMOUS", "*",
                           AclOperation.ALL, AclPermissionType.ALLOW),
                AclBinding(ResourceType.BROKER, "kafka-cluster", ResourcePatternType.LITERAL, "User:ANONYMOUS", "*",
                           AclOperation.ALL, AclPermissionType.ALLOW)]
    for future in admin.create_acls(bindings).values():
        future.result(10)


def run(mode, records):
    parent = tempfile.mkdtemp(prefix="spool-authz-")
    # With no ACL on a resource everyone may use it, so the first client can grant; once granted, the topic's
    # and the cluster's ACLs decide every request (through the per-connection cache).
    extra = [] if mode == "off" else ["--set", "authorizer.class.name=spool",
                                      "--set", "allow.everyone.if.no.acl.found=true"]
    broker = Broker(os.path.join(parent, "data"), os.path.join(parent, "broker.log"), extra)
    try:
        if mode == "on":
            grant(broker.bootstrap)
        before = cpu_seconds(broker.process.pid)
        out = subprocess.run(
            [BINARY, "bench", "produce", "-b", broker.bootstrap, "--count", str(records), "--record-size", "100",
             "--batch-size", "16384", "--linger-ms", "0", "--acks", "1", "--json"],
            capture_output=True, text=True, timeout=600)
        cpu = cpu_seconds(broker.process.pid) - before
        if out.returncode != 0:
            raise RuntimeError(f"spool bench failed: {out.stderr[-2000:]}\n{broker.log()[-2000:]}")
        summary = json.loads(out.stdout)
        requests = max(1, records * 100 // 16384)
        return {"mode": mode, "records_per_sec": summary["records_per_sec"],
                "broker_cpu_s": cpu, "cpu_us_per_request": cpu / requests * 1e6, "summary": summary}
    finally:
        broker.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--json", help="write the runs here")
    args = parser.parse_args()
    runs = []
    for pair in range(args.pairs):
        for mode in (["off", "on"] if pair % 2 == 0 else ["on", "off"]):
            result = run(mode, args.records)
            log(f"pair {pair + 1} {mode}: {result['records_per_sec']:.0f} records/s, "
                f"{result['cpu_us_per_request']:.1f} us broker CPU per request")
            runs.append(result)
    medians = {}
    for mode in ("off", "on"):
        chosen = [r for r in runs if r["mode"] == mode]
        medians[mode] = {key: statistics.median(r[key] for r in chosen)
                         for key in ("records_per_sec", "cpu_us_per_request")}
    print(f"authorizer off: {medians['off']['records_per_sec']:.0f} records/s, "
          f"{medians['off']['cpu_us_per_request']:.1f} us/request")
    print(f"authorizer on:  {medians['on']['records_per_sec']:.0f} records/s, "
          f"{medians['on']['cpu_us_per_request']:.1f} us/request")
    print(f"on/off: rate {medians['on']['records_per_sec'] / medians['off']['records_per_sec']:.3f}, "
          f"CPU per request {medians['on']['cpu_us_per_request'] / medians['off']['cpu_us_per_request']:.3f}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"runs": runs, "medians": medians}, indent=1) + "\n")


if __name__ == "__main__":
    main()
