"""Log compaction against a real `spool serve`, with confluent-kafka: the latest value of every key survives
cleaning, tombstones go after delete.retention.ms, idempotent producers keep their sequence across cleaning and a
restart, consumers positioned in removed ranges go on, and SIGKILL at random points of cleaning loses nothing.

Topics use small segments (the active segment is never cleaned) and min.cleanable.dirty.ratio=0.01; brokers run the
cleaner every 100 ms. Progress is read from the admin API (`cleaner.firstDirtyOffset` per partition).
"""

import json
import os
import random
import shutil
import tempfile
import time
import urllib.request

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from conftest import Broker, free_port, temporary_broker

CLEANER_ARGS = ("--set", "log.cleaner.backoff.ms=100")
COMPACTED = {
    "cleanup.policy": "compact",
    "segment.bytes": "65536",
    "min.cleanable.dirty.ratio": "0.01",
    "delete.retention.ms": "1000",
}


def create(bootstrap, topic, partitions=1, configs=None):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, config=configs or COMPACTED)])[topic].result(10)


def produce(bootstrap, topic, records, **settings):
    """Produces (key, value, partition) triples, waits for every acknowledgement, fails on any delivery error.
    Batches stay small (16 KiB), so that the 64 KiB segments of the topics here roll."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.size": 16384, **settings})
    errors = []
    for key, value, partition in records:
        producer.produce(topic, key=key, value=value, partition=partition,
                         on_delivery=lambda err, _msg: err and errors.append(err))
        producer.poll(0)
    assert producer.flush(30) == 0
    assert errors == []


def read_all(bootstrap, topic, partitions=1):
    """Every record from the start of each partition, as (partition, offset, key, value), in offset order."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{random.random()}",
                         "enable.auto.commit": False, "auto.offset.reset": "error"})
    ends = {}
    for partition in range(partitions):
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        ends[partition] = (low, high)
    consumer.assign([TopicPartition(topic, p, ends[p][0]) for p in range(partitions) if ends[p][1] > ends[p][0]])
    records = []
    remaining = {p for p in range(partitions) if ends[p][1] > ends[p][0]}
    deadline = time.monotonic() + 60
    while remaining and time.monotonic() < deadline:
        for message in consumer.consume(1000, timeout=0.5):
            if message.error():
                raise KafkaException(message.error())
            partition = message.partition()
            records.append((partition, message.offset(), message.key(), message.value()))
            if message.offset() >= ends[partition][1] - 1:
                remaining.discard(partition)
        # The partition's last offsets may all have been removed from the range we read up to: stop at its end.
        for partition in list(remaining):
            position = consumer.position([TopicPartition(topic, partition)])[0].offset
            if position >= ends[partition][1]:
                remaining.discard(partition)
    consumer.close()
    assert not remaining, f"partitions {remaining} not read to their end"
    return sorted(records)


def latest(records):
    """Key -> latest value, tombstoned keys absent."""
    result = {}
    for partition, _offset, key, value in records:
        result[(partition, key)] = value
    return {k: v for k, v in result.items() if v is not None}


def cleaner_status(broker, topic):
    with urllib.request.urlopen(f"{broker.admin_url}/api/topics/{topic}", timeout=10) as response:
        return [p.get("cleaner") for p in json.load(response)["partitions"]]


def wait_until_cleaned(broker, topic, at_least, timeout=60):
    """Waits until every partition's dirty section starts at or above `at_least[partition]`."""
    deadline = time.monotonic() + timeout
    statuses = None
    while time.monotonic() < deadline:
        statuses = cleaner_status(broker, topic)
        if all(s and s["firstDirtyOffset"] >= at_least[i] for i, s in enumerate(statuses)):
            return statuses
        time.sleep(0.2)
    pytest.fail(f"{topic} not cleaned up to {at_least} within {timeout} s: {statuses}\n{broker.log()[-3000:]}")


def test_latest_value_of_every_key_survives_cleaning_and_tombstones_expire():
    """100,000 updates to 1,000 keys: after cleaning, a consumer from the beginning sees exactly one record, the
    latest, for every key below the dirty point and every record above it; tombstoned keys then vanish once
    delete.retention.ms has passed."""
    with temporary_broker(CLEANER_ARGS) as broker:
        topic = "compact-updates"
        create(broker.bootstrap, topic)
        updates = [(b"key-%d" % (i % 1000), b"value-%d" % i, 0) for i in range(100_000)]
        produce(broker.bootstrap, topic, updates)
        expected = {(0, key): value for key, value, _ in updates}
        (status,) = wait_until_cleaned(broker, topic, [95_000])
        records = read_all(broker.bootstrap, topic)
        dirty = status["firstDirtyOffset"]
        below = [r for r in records if r[1] < dirty]
        above = [r for r in records if r[1] >= dirty]
        assert len(below) == len({r[2] for r in below}), "one record per key below the dirty point"
        assert above == [(0, i, updates[i][0], updates[i][1]) for i in range(dirty, 100_000)]
        assert latest(records) == expected
        assert len(records) < 6_000, f"{len(records)} records left of 100,000"
        assert status["bytesReclaimed"] > 2_000_000

        tombstoned = [b"key-%d" % k for k in range(0, 1000, 10)]
        produce(broker.bootstrap, topic, [(key, None, 0) for key in tombstoned])
        for key in tombstoned:
            expected.pop((0, key))
        # Filler rolls the tombstones out of the active segment and keeps the log dirty, so that rounds run after
        # the tombstones' delete horizon (the first cleaning that reaches them + delete.retention.ms) has passed.
        deadline = time.monotonic() + 60
        while True:
            produce(broker.bootstrap, topic, [(b"filler-%d" % (i % 50), b"x" * 200, 0) for i in range(2_000)])
            expected.update({(0, b"filler-%d" % i): b"x" * 200 for i in range(50)})
            records = read_all(broker.bootstrap, topic)
            if not any(r[2] in tombstoned for r in records):
                break
            assert time.monotonic() < deadline, "tombstones still present after 60 s"
            time.sleep(0.5)
        assert latest(records) == expected


def test_connect_offsets_topic_with_an_idempotent_producer_survives_cleaning_and_a_restart():
    """A topic as Kafka Connect makes its offset storage (compact, 25 partitions) reports exactly `compact`, and an
    idempotent producer's state survives cleaning and a SIGKILL restart that has to rebuild it from the cleaned log:
    the same producer goes on without an out-of-order or duplicate error, and every key reads its latest value."""
    parent = tempfile.mkdtemp(prefix="spool-compact-")
    data_dir = os.path.join(parent, "data")
    # One port for both runs: the producer reconnects to the restarted broker where it was.
    args = CLEANER_ARGS + ("--listen", f"127.0.0.1:{free_port()}")
    broker = Broker(data_dir, os.path.join(parent, "broker-1.log"), args)
    try:
        topic = "connect-offsets"
        partitions = 25
        create(broker.bootstrap, topic, partitions, {**COMPACTED, "cleanup.policy": "compact"})
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
        described = admin.describe_configs([resource])[resource].result(10)
        assert described["cleanup.policy"].value == "compact"

        # Small batches, so that each partition's log rolls several segments (the active one is never cleaned).
        producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True, "linger.ms": 5,
                             "batch.size": 4096, "message.send.max.retries": 1000, "retry.backoff.ms": 200})
        errors = []
        expected = {}

        def send(count, generation):
            for i in range(count):
                partition = i % partitions
                key = json.dumps(["connector-a", {"partition": i % 200}]).encode()
                value = json.dumps({"offset": i, "generation": generation}).encode()
                producer.produce(topic, key=key, value=value, partition=partition,
                                 on_delivery=lambda err, _msg: err and errors.append(err))
                producer.poll(0)
                expected[(partition, key)] = value
            assert producer.flush(60) == 0

        send(40_000, 1)
        ends = [0] * partitions
        consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "ends"})
        for p in range(partitions):
            ends[p] = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
        consumer.close()
        wait_until_cleaned(broker, topic, [end // 3 for end in ends])

        broker.kill()
        for name in os.listdir(data_dir):
            if name.startswith(topic + "-"):
                for file in os.listdir(os.path.join(data_dir, name)):
                    if file.endswith(".snapshot"):
                        os.remove(os.path.join(data_dir, name, file))
        broker = Broker(data_dir, os.path.join(parent, "broker-2.log"), args)
        # The producer keeps its id and sequence numbers: its next batches reconnect to the restarted broker.
        send(10_000, 2)
        assert errors == []
        assert latest(read_all(broker.bootstrap, topic, partitions)) == expected
        assert "OUT_OF_ORDER" not in broker.log()
    finally:
        status = broker.stop()
        log = broker.log()
        shutil.rmtree(parent, ignore_errors=True)
        assert status == 0, log[-3000:]


def test_a_committed_offset_inside_a_removed_range_resumes_at_the_next_record():
    """A group commits an offset whose record compaction later removes; a new member resumes at the next record
    kept, with no OFFSET_OUT_OF_RANGE (auto.offset.reset=error would fail the fetch)."""
    with temporary_broker(CLEANER_ARGS) as broker:
        topic = "compact-committed"
        create(broker.bootstrap, topic)
        produce(broker.bootstrap, topic, [(b"k-%d" % (i % 20), b"v-%d" % i, 0) for i in range(20_000)])
        committed = 137  # key k-17, superseded at 157
        first = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "resumers", "enable.auto.commit": False})
        first.commit(offsets=[TopicPartition(topic, 0, committed)], asynchronous=False)
        first.close()
        wait_until_cleaned(broker, topic, [15_000])
        kept = [offset for _p, offset, _k, _v in read_all(broker.bootstrap, topic)]
        assert committed not in kept
        resumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "resumers",
                            "auto.offset.reset": "error", "enable.auto.commit": False})
        resumer.subscribe([topic])
        deadline = time.monotonic() + 30
        message = None
        while message is None and time.monotonic() < deadline:
            message = resumer.poll(0.5)
        resumer.close()
        assert message is not None and message.error() is None, message and message.error()
        assert message.offset() == min(o for o in kept if o >= committed)


def test_sigkill_at_random_points_of_cleaning_keeps_every_key_latest_value():
    """Cleaning throttled to 1 MB/s so that a round lasts seconds; the broker is SIGKILLed at random moments, eight
    times, and after every restart the log reads the same key -> latest value map as the producer wrote."""
    parent = tempfile.mkdtemp(prefix="spool-compact-crash-")
    data_dir = os.path.join(parent, "data")
    args = CLEANER_ARGS + ("--set", "log.cleaner.io.max.bytes.per.second=1000000")
    broker = Broker(data_dir, os.path.join(parent, "broker-0.log"), args)
    try:
        topic = "compact-crash"
        create(broker.bootstrap, topic, 2, {**COMPACTED, "segment.bytes": "32768"})
        records = [(b"key-%d" % (i % 500), b"value-%d-" % i + b"p" * 60, i % 2) for i in range(60_000)]
        produce(broker.bootstrap, topic, records, **{"acks": "all"})
        expected = {(partition, key): value for key, value, partition in records}
        in_progress = 0
        partition_dirs = [os.path.join(data_dir, f"{topic}-{p}") for p in range(2)]

        def files_in_flight():
            return any(f.endswith((".cleaned", ".swap")) for d in partition_dirs for f in os.listdir(d))

        for trial in range(8):
            if trial % 2 == 0:
                time.sleep(random.uniform(0.1, 2.5))  # anywhere: mapping keys, rewriting, swapping
            else:
                # Once a cleaned segment is being written: the rewrite and the swap's renames.
                deadline = time.monotonic() + 10
                while not files_in_flight() and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(random.uniform(0, 0.3))
            if files_in_flight():
                in_progress += 1
            broker.kill()
            broker = Broker(data_dir, os.path.join(parent, f"broker-{trial + 1}.log"), args)
            assert latest(read_all(broker.bootstrap, topic, 2)) == expected, f"trial {trial}"
        assert in_progress >= 1, "no kill landed while a round had files in flight"
        statuses = cleaner_status(broker, topic)
        assert all(s is not None for s in statuses)
    finally:
        status = broker.stop()
        log = broker.log()
        shutil.rmtree(parent, ignore_errors=True)
        assert status == 0, log[-3000:]
