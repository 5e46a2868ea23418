"""How produce throughput and the broker's CPU follow the partition count with librdkafka (issue 19: 1,000 partitions
reach >= 70 % of the one-partition rate, producer p99 <= 100 ms there):

    BROKER_BINARY=.build-rel/release/spool python3 Benchmarks/scripts/partition-scaling.py \
        [--records 1000000] [--partitions 1,10,100,1000]

For each partition count, starts a release `spool serve` on a temporary data directory, creates the topic, and sends
--records 100-byte records round-robin over its partitions with confluent-kafka (acks=all, linger.ms 5, batch.size
1 MiB, idempotent off: the settings the issue's Java producer used). Prints records/s, the broker's CPU seconds per GB
(from /proc/<pid>/stat around the sends, topic creation excluded) and the delivery latency (produce() call to delivery
report) p50/p99; --json writes everything to a file. One Python process drives the producer, so its own ceiling (about
0.4-0.6 M records/s here) caps the one-partition rate: compare ratios inside one run.
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from conftest import Broker  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

VALUE = b"x" * 100
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(partitions, records, settings=()):
    with tempfile.TemporaryDirectory(prefix="spool-scaling-") as parent:
        broker = Broker(os.path.join(parent, "data"), os.path.join(parent, "broker.log"),
                        extra_args=[argument for setting in settings for argument in ("--set", setting)])
        try:
            admin = AdminClient({"bootstrap.servers": broker.bootstrap})
            admin.create_topics([NewTopic("scaling", num_partitions=partitions)])["scaling"].result(60)
            producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5, "batch.size": 1 << 20,
                                 "acks": "all", "enable.idempotence": False,
                                 "queue.buffering.max.messages": 2_000_000, "queue.buffering.max.kbytes": 1 << 20})
            producer.list_topics("scaling", timeout=10)
            latencies = []
            failures = []

            def delivered(error, message, sent=None):
                if error is not None:
                    failures.append(str(error))

            cpu0, started = cpu_seconds(broker.process.pid), time.monotonic()
            for i in range(records):
                sent = time.monotonic()
                while True:
                    try:
                        producer.produce("scaling", VALUE, partition=i % partitions, on_delivery=(
                            lambda error, message, sent=sent: (latencies.append(time.monotonic() - sent),
                                                               delivered(error, message))))
                        break
                    except BufferError:
                        producer.poll(0.001)
                if i % 1000 == 0:
                    producer.poll(0)
            producer.flush(120)
            seconds = time.monotonic() - started
            cpu = cpu_seconds(broker.process.pid) - cpu0
        finally:
            broker.stop()
    latencies.sort()
    return {"partitions": partitions, "records": records, "seconds": round(seconds, 3),
            "records_per_sec": round(records / seconds), "broker_cpu_s_per_gb": round(cpu / (records * 100 / 1e9), 2),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1), "failures": len(failures)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--partitions", default="1,10,100,1000")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a broker setting for every run (repeatable), e.g. log.flush.syncfs.min.partitions=0")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    results = []
    for partitions in [int(p) for p in args.partitions.split(",")]:
        result = measure(partitions, args.records, args.set)
        results.append(result)
        print(json.dumps(result), flush=True)
    base = results[0]["records_per_sec"]
    for result in results:
        print(f"{result['partitions']:>5} partitions: {result['records_per_sec']:>9,} records/s "
              f"({result['records_per_sec'] / base:.2f} of the first), broker {result['broker_cpu_s_per_gb']} CPU s/GB, "
              f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, failures {result['failures']}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
