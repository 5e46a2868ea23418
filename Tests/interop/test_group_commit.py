"""Group commit with a real client: confluent-kafka sends acks=all records to 8 partitions, and the broker makes its
rounds durable with syncfs (`log.flush.syncfs.min.partitions=1`: every round, so the test does not depend on how
many partitions a round happens to gather) or with fdatasyncs only (`=0`). Every acknowledged record is read back at
its acknowledged offset after a SIGKILL and a restart, and /metrics shows which path served.

librdkafka (2.16 here) sends one Produce request per partition batch, so on one connection a round rarely gathers
the default 4 partitions unless the broker is busy; rounds of 2-3 (fdatasyncs side by side) and one trip with many
partitions are covered by LogManagerTests."""

import os
import shutil
import signal
import tempfile
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker

TOPIC = "many"
PARTITIONS = 8
RECORDS = 8_000


def syncfs_rounds(broker):
    with urllib.request.urlopen(f"{broker.admin_url}/metrics", timeout=10) as response:
        text = response.read().decode()
    for line in text.splitlines():
        if line.startswith("spool_log_group_commit_syncfs_total "):
            return float(line.split()[1])
    raise AssertionError("/metrics has no spool_log_group_commit_syncfs_total")


@pytest.mark.parametrize("syncfs_minimum", [1, 0])
def test_acks_all_over_many_partitions_is_acknowledged_after_one_flush_and_survives_sigkill(syncfs_minimum):
    parent = tempfile.mkdtemp(prefix="spool-group-commit-")
    data_dir = os.path.join(parent, "data")
    settings = ("--set", f"log.flush.syncfs.min.partitions={syncfs_minimum}")
    broker = Broker(data_dir, os.path.join(parent, "first.log"), settings)
    restarted = None
    try:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic(TOPIC, num_partitions=PARTITIONS)])[TOPIC].result(30)
        acknowledged, failures = {}, []

        def delivered(error, message):
            if error is not None:
                failures.append(str(error))
            else:
                acknowledged[message.value().decode()] = (message.partition(), message.offset())

        producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 20,
                             "enable.idempotence": True})
        for index in range(RECORDS):
            producer.produce(TOPIC, value=f"v{index}".encode(), partition=index % PARTITIONS, on_delivery=delivered)
        assert producer.flush(60) == 0
        assert failures == []
        assert len(acknowledged) == RECORDS
        rounds = syncfs_rounds(broker)
        if syncfs_minimum == 0:
            assert rounds == 0, "syncfs was used although log.flush.syncfs.min.partitions=0"
        else:
            assert rounds > 0, "no group-commit round was made durable with syncfs"

        broker.process.send_signal(signal.SIGKILL)
        broker.process.wait()
        restarted = Broker(data_dir, os.path.join(parent, "second.log"), settings)
        consumer = Consumer({"bootstrap.servers": restarted.bootstrap, "group.id": "check",
                             "enable.auto.commit": False})
        consumer.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
        read = {}
        while len(read) < RECORDS:
            messages = consumer.consume(1000, timeout=10)
            assert messages, f"only {len(read)} of {RECORDS} acknowledged records came back after the restart"
            for message in messages:
                assert message.error() is None, message.error()
                read[message.value().decode()] = (message.partition(), message.offset())
        consumer.close()
        assert read == acknowledged
    finally:
        for running in (broker, restarted):
            if running is not None and running.process.poll() is None:
                running.process.kill()
                running.process.wait()
        shutil.rmtree(parent, ignore_errors=True)
