"""Producer and Consumer (confluent-kafka, librdkafka 2.16) against the real broker: every codec with acks=all,
replay with assign() at explicit offsets, offsets_for_times, the idempotent producer, and a transactional producer
refused at once."""

import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT_S = 15


def create_topic(broker, name, partitions=1):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions)])[name].result(timeout=TIMEOUT_S)


def produce(broker, topic, records, **config):
    """Produces `records` (key, value, headers, timestamp, partition) and returns each acknowledged
    (partition, offset, key, value, headers) in the order produced."""
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5, **config})
    errors = []
    acknowledged = [None] * len(records)
    for index, (key, value, headers, timestamp, partition) in enumerate(records):
        # Delivery reports carry no headers, so the acknowledged record takes them from what was sent.
        def callback(error, message, index=index, headers=headers):
            if error is not None:
                errors.append(error)
            else:
                acknowledged[index] = (message.partition(), message.offset(), message.key(), message.value(),
                                       headers or [])
        kwargs = {"key": key, "value": value, "headers": headers, "on_delivery": callback}
        if timestamp is not None:
            kwargs["timestamp"] = timestamp
        if partition is not None:
            kwargs["partition"] = partition
        producer.produce(topic, **kwargs)
        producer.poll(0)
    assert producer.flush(TIMEOUT_S) == 0, "messages left undelivered"
    assert errors == []
    assert None not in acknowledged
    return acknowledged


def consume(broker, assignments, count):
    """Reads `count` messages from explicit (topic, partition, offset) assignments, without a group."""
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "enable.auto.commit": False,
                         "enable.partition.eof": False, "group.id": "spool-interop-assign"})
    consumer.assign([TopicPartition(topic, partition, offset) for topic, partition, offset in assignments])
    messages = []
    try:
        while len(messages) < count:
            batch = consumer.consume(num_messages=count - len(messages), timeout=TIMEOUT_S)
            assert batch, f"only {len(messages)} of {count} messages arrived"
            for message in batch:
                assert message.error() is None, message.error()
                messages.append((message.partition(), message.offset(), message.key(), message.value(),
                                 message.headers() or []))
    finally:
        consumer.close()
    return messages


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_each_codec_round_trips(broker, codec):
    """Batches compressed with each codec are stored as sent and read back exactly, key, value and headers."""
    topic = f"codec-{codec}"
    create_topic(broker, topic, partitions=2)
    records = [(f"key-{i}".encode(), (f"value-{i}-" + "x" * (i % 300)).encode(), [("n", str(i).encode())],
                None, i % 2) for i in range(2000)]
    acknowledged = produce(broker, topic, records, **{"compression.type": codec})
    for partition in (0, 1):
        mine = [a for a in acknowledged if a[0] == partition]
        assert [a[1] for a in mine] == list(range(len(mine)))
    consumed = consume(broker, [(topic, 0, 0), (topic, 1, 0)], len(records))
    assert sorted(consumed) == sorted(acknowledged)


def test_assign_at_explicit_offsets(broker):
    """assign() at an offset reads from exactly that offset to the end, on each partition independently."""
    topic = "assign-offsets"
    create_topic(broker, topic, partitions=2)
    records = [(None, f"p{i % 2}-{i // 2}".encode(), None, None, i % 2) for i in range(200)]
    acknowledged = produce(broker, topic, records)
    consumed = consume(broker, [(topic, 0, 37), (topic, 1, 99)], (100 - 37) + 1)
    expected = [a for a in acknowledged if (a[0] == 0 and a[1] >= 37) or (a[0] == 1 and a[1] >= 99)]
    assert sorted(consumed) == sorted(expected)
    assert [c[3] for c in consumed if c[0] == 1] == [b"p1-99"]


def offset_for_time(consumer, topic, timestamp):
    """The offset offsets_for_times answers for partition 0 of `topic` (-1 past the newest record)."""
    found = consumer.offsets_for_times([TopicPartition(topic, 0, timestamp)], timeout=TIMEOUT_S)
    assert found[0].error is None
    return found[0].offset


def test_offsets_for_times(broker):
    """offsets_for_times finds the first offset whose timestamp reaches T, and the end past the last one."""
    topic = "times"
    create_topic(broker, topic)
    base = 1_700_000_000_000
    records = [(None, f"t{i}".encode(), None, base + i * 1000, 0) for i in range(10)]
    produce(broker, topic, records, **{"linger.ms": 0, "batch.num.messages": 1})
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "spool-interop-times"})
    try:
        def lookup(timestamp):
            return offset_for_time(consumer, topic, timestamp)
        assert lookup(base) == 0
        assert lookup(base + 4500) == 5
        assert lookup(base + 9000) == 9
        assert lookup(base + 60_000) == -1  # past the newest record: no offset (the log end)
    finally:
        consumer.close()


@pytest.mark.parametrize("codec", ["none", "lz4"])
def test_offsets_for_times_inside_one_batch(broker, codec):
    """Kafka answers the first record (not batch) whose timestamp reaches T, with that record's timestamp: 100
    records one second apart in one batch, looked up at +50 s, give offset 50 at +50 s."""
    topic = f"batch-times-{codec}"
    create_topic(broker, topic)
    base = 1_700_000_000_000
    records = [(None, f"t{i}".encode(), None, base + i * 1000, 0) for i in range(100)]
    produce(broker, topic, records, **{"linger.ms": 500, "batch.num.messages": 1000, "compression.type": codec})
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "spool-interop-batch-times"})
    try:
        def lookup(timestamp):
            return offset_for_time(consumer, topic, timestamp)
        assert lookup(base + 50_000) == 50
        assert lookup(base + 49_001) == 50
        assert lookup(base + 99_000) == 99
        assert lookup(base + 99_001) == -1
        # The record found is the one consumed from there, with the timestamp looked up.
        consumer.assign([TopicPartition(topic, 0, lookup(base + 50_000))])
        message = consumer.poll(TIMEOUT_S)
        assert message is not None and message.error() is None
        assert (message.offset(), message.timestamp()[1], message.value()) == (50, base + 50_000, b"t50")
    finally:
        consumer.close()


def test_idempotent_producer(broker):
    """An idempotent producer (enable.idempotence=true) with each codec writes every record once, in order."""
    topic = "idempotent"
    create_topic(broker, topic)
    produced = []
    for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
        records = [(None, f"{codec}-{i}".encode(), None, None, 0) for i in range(500)]
        produced += produce(broker, topic, records,
                            **{"enable.idempotence": True, "compression.type": codec})
    assert [a[1] for a in produced] == list(range(len(produced)))
    consumed = consume(broker, [(topic, 0, 0)], len(produced))
    assert consumed == produced
