"""How long GET /metrics takes on a broker with many partitions, every one with a committed offset of one group:

    BROKER_BINARY=.build-rel/release/spool .venv/bin/python Benchmarks/scripts/metrics-scrape.py [--partitions 20000]

Creates topics of at most 5,000 partitions, writes one record to every partition, commits offset 0 for group
"lagging" on every partition (so each has a lag series), then scrapes /metrics --scrapes times (after one warm-up
scrape, which `stat`s segments not yet opened) and prints the median, min and max time and the size of the text.
Run it with a release binary: a debug build renders several times slower.
"""

import argparse
import os
import pathlib
import resource
import statistics
import sys
import tempfile
import time
import urllib.request

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from conftest import Broker  # noqa: E402

TOPIC_SIZE = 5000


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scrape(url):
    began = time.monotonic()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return time.monotonic() - began, body


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--partitions", type=int, default=20_000)
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument("--nofile", type=int, default=20_000)
    options = parser.parse_args()
    if "BROKER_BINARY" not in os.environ:
        print("set BROKER_BINARY to a release spool binary", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="spool-metrics-") as parent:
        broker = Broker(
            os.path.join(parent, "data"), os.path.join(parent, "broker.log"),
            ("--set", "max.partitions=100000", "--set", f"max.partitions.per.request={TOPIC_SIZE}"),
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (options.nofile, options.nofile)))
        try:
            run(broker, options)
        finally:
            broker.stop()
    return 0


def run(broker, options):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    topics = [(f"wide{i}", min(TOPIC_SIZE, options.partitions - i * TOPIC_SIZE))
              for i in range((options.partitions + TOPIC_SIZE - 1) // TOPIC_SIZE)]
    for name, count in topics:
        admin.create_topics([NewTopic(name, num_partitions=count, replication_factor=1)])[name].result(600)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 50})
    for name, count in topics:
        for partition in range(count):
            producer.produce(name, value=b"x", partition=partition)
        producer.poll(0)
    assert producer.flush(300) == 0
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "lagging"})
    for name, count in topics:
        consumer.commit(offsets=[TopicPartition(name, p, 0) for p in range(count)], asynchronous=False)
    consumer.close()
    url = f"{broker.admin_url}/metrics"
    scrape(url)
    times = []
    cpu_before = cpu_seconds(broker.process.pid)
    for _ in range(options.scrapes):
        seconds, body = scrape(url)
        times.append(seconds)
    cpu = (cpu_seconds(broker.process.pid) - cpu_before) / options.scrapes
    lines = body.count(b"\n")
    print(f"{options.partitions} partitions, {lines} lines, {len(body) / 1e6:.1f} MB: GET /metrics median "
          f"{statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) "
          f"over {len(times)} scrapes; broker CPU {cpu * 1000:.0f} ms a scrape")


if __name__ == "__main__":
    sys.exit(main())
