"""SpoolClient (through the `spool` CLI) and confluent-kafka (librdkafka 2.16) read each other's records, and
keyed records land in the same partitions: librdkafka's murmur2 partitioner is the Java client's."""

import json
import os
import pathlib
import subprocess

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT_S = 20
ROOT = pathlib.Path(__file__).resolve().parents[2]
SPOOL = os.environ.get("BROKER_BINARY", str(ROOT / ".build" / "debug" / "spool"))


def spool(*arguments, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOOL_")}
    result = subprocess.run([SPOOL, *arguments], input=stdin, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def create_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions)])[name].result(timeout=TIMEOUT_S)


def consume_all(broker, topic, partitions, count):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"reader-{topic}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    messages = []
    try:
        while len(messages) < count:
            message = consumer.poll(TIMEOUT_S)
            assert message is not None, f"only {len(messages)} of {count} records arrived"
            assert message.error() is None, message.error()
            messages.append(message)
    finally:
        consumer.close()
    return messages


def test_spool_client_records_read_by_confluent_kafka(broker):
    create_topic(broker, "from-spool", 3)
    lines = [f"key-{i}:value-{i}" for i in range(200)]
    spool("produce", "from-spool", "-b", broker.bootstrap, "--key-separator", ":", "--header", "origin=spool",
          "--compression", "zstd", stdin="\n".join(lines) + "\n")
    messages = consume_all(broker, "from-spool", 3, 200)
    seen = {m.key().decode(): (m.value().decode(), m.headers()) for m in messages}
    assert seen == {f"key-{i}": (f"value-{i}", [("origin", b"spool")]) for i in range(200)}


def test_confluent_kafka_records_read_by_spool_client(broker):
    create_topic(broker, "to-spool", 2)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "compression.type": "lz4"})
    for i in range(100):
        producer.produce("to-spool", key=f"k{i}", value=f"v{i}", headers=[("n", str(i).encode())])
    assert producer.flush(TIMEOUT_S) == 0
    output = spool("consume", "to-spool", "-b", broker.bootstrap, "--from-beginning", "--exit-at-end",
                   "--format", "json")
    records = [json.loads(line) for line in output.splitlines()]
    assert sorted((r["key"], r["value"], r["headers"][0]["value"]) for r in records) == \
        sorted((f"k{i}", f"v{i}", str(i)) for i in range(100))


def test_keys_land_in_the_partitions_librdkafka_murmur2_picks(broker):
    create_topic(broker, "keyed", 7)
    keys = [f"user-{i}" for i in range(300)] + ["21", "foobar", "abc", "a-little-bit-long-string"]
    producer = Producer({"bootstrap.servers": broker.bootstrap, "partitioner": "murmur2_random"})
    expected = {}

    def record(error, message):
        assert error is None
        expected[message.key().decode()] = message.partition()

    for key in keys:
        producer.produce("keyed", key=key, value=b"librdkafka", on_delivery=record)
    assert producer.flush(TIMEOUT_S) == 0
    spool("produce", "keyed", "-b", broker.bootstrap, "--key-separator", "=",
          stdin="\n".join(f"{key}=spool" for key in keys) + "\n")
    output = spool("consume", "keyed", "-b", broker.bootstrap, "--from-beginning", "--exit-at-end", "--format", "json")
    spool_partitions = {}
    for line in output.splitlines():
        r = json.loads(line)
        if r["value"] == "spool":
            spool_partitions[r["key"]] = r["partition"]
    assert spool_partitions == expected
