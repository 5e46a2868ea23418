"""What transactions cost (issue 17: transactions of 1,000 records reach >= 70 % of the idempotent rate):

    BROKER_BINARY=.build-rel/release/spool python3 Benchmarks/scripts/transactions.py [--records 300000] [--pairs 2]

Starts a release `spool serve` on a temporary data directory and, --pairs times with the order alternating, sends
--records 100-byte records to a 3-partition topic with confluent-kafka (acks=all, linger.ms 5, batch.size 1 MiB):
idempotent without transactions, then transactional with transactions of 100, 1,000 and 10,000 records (each
committed before the next begins, as one transactional producer works). Then it reads one topic back from offset 0
with read_uncommitted and with read_committed consumers. Prints records/s for each mode (the median of the pairs)
and each transactional rate as a share of the idempotent one; --json writes everything to a file.
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from conftest import Broker  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

PARTITIONS = 3
VALUE = b"x" * 100


def log(message):
    print(f"[transactions {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def create(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS)])[topic].result(10)


def produce(bootstrap, topic, records, transaction_size):
    """Records/s sending `records` records; transaction_size 0 means idempotent without transactions."""
    settings = {"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.size": 1 << 20, "acks": "all",
                "enable.idempotence": True, "queue.buffering.max.messages": 1_000_000}
    if transaction_size:
        settings["transactional.id"] = f"bench-{topic}"
    producer = Producer(settings)
    if transaction_size:
        producer.init_transactions(30)
    started = time.monotonic()
    sent = 0
    while sent < records:
        batch = min(transaction_size or records, records - sent)
        if transaction_size:
            producer.begin_transaction()
        for i in range(batch):
            while True:
                try:
                    producer.produce(topic, VALUE, partition=(sent + i) % PARTITIONS)
                    break
                except BufferError:
                    producer.poll(0.01)
        if transaction_size:
            producer.commit_transaction(60)
        sent += batch
    assert producer.flush(60) == 0
    return records / (time.monotonic() - started)


def consume(bootstrap, topic, records, isolation):
    """Records/s reading `records` records from offset 0 at `isolation`."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{isolation}-{time.time()}",
                         "isolation.level": isolation, "enable.auto.commit": False,
                         "fetch.max.bytes": 52428800, "max.partition.fetch.bytes": 10485760})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    started = time.monotonic()
    seen = 0
    while seen < records:
        for message in consumer.consume(10000, 1.0):
            if not message.error():
                seen += 1
    elapsed = time.monotonic() - started
    consumer.close()
    return records / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--json")
    options = parser.parse_args()
    modes = [("idempotent", 0), ("txn-100", 100), ("txn-1000", 1000), ("txn-10000", 10_000)]
    results = {name: [] for name, _ in modes}
    results["read_uncommitted"] = []
    results["read_committed"] = []
    parent = tempfile.mkdtemp(prefix="spool-bench-txn-")
    broker = Broker(os.path.join(parent, "data"), os.path.join(parent, "broker.log"))
    try:
        for pair in range(options.pairs):
            order = modes if pair % 2 == 0 else list(reversed(modes))
            for name, size in order:
                topic = f"{name}-{pair}"
                create(broker.bootstrap, topic)
                rate = produce(broker.bootstrap, topic, options.records, size)
                results[name].append(rate)
                log(f"pair {pair} {name}: {rate:,.0f} records/s")
            topic = f"txn-1000-{pair}"
            for isolation in (["read_uncommitted", "read_committed"] if pair % 2 == 0
                              else ["read_committed", "read_uncommitted"]):
                rate = consume(broker.bootstrap, topic, options.records, isolation)
                results[isolation].append(rate)
                log(f"pair {pair} consume {isolation}: {rate:,.0f} records/s")
    finally:
        broker.stop()
        shutil.rmtree(parent, ignore_errors=True)
    medians = {name: statistics.median(rates) for name, rates in results.items()}
    for name, rate in medians.items():
        share = ""
        if name.startswith("txn-"):
            share = f"  ({rate / medians['idempotent']:.0%} of idempotent)"
        elif name == "read_committed":
            share = f"  ({rate / medians['read_uncommitted']:.0%} of read_uncommitted)"
        print(f"{name:>17}: {rate:>12,.0f} records/s{share}")
    if options.json:
        pathlib.Path(options.json).write_text(json.dumps({"runs": results, "medians": medians}, indent=2))


if __name__ == "__main__":
    main()
