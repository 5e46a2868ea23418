"""cleanup.policy and the compaction configs against the real broker with confluent-kafka (librdkafka 2.16): a
compacted topic is created, described and altered at runtime; keyless records are refused as Kafka refuses them;
DeleteRecords needs the delete policy; APPEND and SUBTRACT edit the list. The log cleaner itself is
test_compaction.py's."""

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource,
                                   NewTopic, ResourceType)

from conftest import temporary_broker
# The AdminClient fixture and helpers test_admin.py defines; `admin` is a pytest fixture.
from test_admin import TIMEOUT_S, admin, error_of, wait  # noqa: F401
from test_admin import topic_configs as configs_of

KAFKA_MESSAGE = "Compacted topic cannot accept message without key in topic partition"


@pytest.fixture(scope="module")
def broker():
    """This module's own broker, its refusal lines not rate-limited: the tests read the messages there (the
    session broker's budget of 10 lines a second may be spent by other modules' refusals)."""
    with temporary_broker(["--set", "log.refusals.per.second=1000000"]) as running:
        yield running


def alter(admin, topic, name, value, operation=AlterConfigOpType.SET):
    """IncrementalAlterConfigs of one config; returns the future."""
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[
        ConfigEntry(name, value, incremental_operation=operation)])
    return admin.incremental_alter_configs([resource])[resource]


def produce(bootstrap, topic, records, **config):
    """Produces (key, value) pairs in one flush (so they share a batch); returns each record's error or None."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "retries": 0, **config})
    errors = [None] * len(records)
    delivered = []

    def report(index):
        def callback(error, _message):
            errors[index] = error
            delivered.append(index)
        return callback

    for index, (key, value) in enumerate(records):
        producer.produce(topic, key=key, value=value, on_delivery=report(index))
    assert producer.flush(TIMEOUT_S) == 0
    assert sorted(delivered) == list(range(len(records)))
    return errors


def end_offset(bootstrap, topic):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-offsets"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=TIMEOUT_S)[1]
    finally:
        consumer.close()


def test_compacted_topic_is_created_described_and_altered(admin):
    """A topic created with cleanup.policy=compact is described with exactly `compact` (what Kafka Connect checks
    on its internal topics), the compaction configs are the topic's own, and the policy alters at runtime to
    compact,delete and back."""
    given = {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1", "delete.retention.ms": "100",
             "min.compaction.lag.ms": "5", "max.compaction.lag.ms": "60000"}
    wait(admin.create_topics([NewTopic("cc-created", num_partitions=1, replication_factor=1, config=given)]))
    configs = configs_of(admin, "cc-created")
    for name, value in given.items():
        assert configs[name].value == value, name
        assert configs[name].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value, name

    alter(admin, "cc-created", "cleanup.policy", "compact,delete").result(timeout=TIMEOUT_S)
    assert configs_of(admin, "cc-created")["cleanup.policy"].value == "compact,delete"
    alter(admin, "cc-created", "cleanup.policy", "compact").result(timeout=TIMEOUT_S)
    assert configs_of(admin, "cc-created")["cleanup.policy"].value == "compact"

    refused = error_of(alter(admin, "cc-created", "cleanup.policy", "compact,shred"))
    assert refused.code() == KafkaError.INVALID_CONFIG and "cleanup.policy" in refused.str()
    lag = error_of(alter(admin, "cc-created", "max.compaction.lag.ms", "1"))
    assert lag.code() == KafkaError.INVALID_CONFIG and "min.compaction.lag.ms" in lag.str()
    assert configs_of(admin, "cc-created")["cleanup.policy"].value == "compact"


@pytest.mark.parametrize("codec", ["none", "lz4"])
def test_keyless_records_are_refused_on_a_compacted_topic(broker, admin, codec):
    """Produce to a compacted topic: a keyless record is refused with INVALID_RECORD (also when compressed, so
    after decompression) and so is every record librdkafka put in its batch, none of them written; keyed records
    are written; once the policy is altered to delete the next keyless batch is written. (CompactedProduceTests
    sends the mixed batch byte for byte; librdkafka usually, not always, batches these three together.)"""
    topic = f"cc-keys-{codec}"
    wait(admin.create_topics([NewTopic(topic, num_partitions=1, config={"cleanup.policy": "compact"})]))

    # Values that compress, so that librdkafka sends the lz4 batch compressed.
    value = b"compressible " * 100
    mixed = produce(broker.bootstrap, topic, [(b"k1", value), (None, value), (b"k2", value)],
                    **{"compression.type": codec, "linger.ms": 200})
    codes = [error.code() if error else None for error in mixed]
    assert codes[1] == KafkaError.INVALID_RECORD
    assert set(codes) <= {None, KafkaError.INVALID_RECORD}
    assert end_offset(broker.bootstrap, topic) == codes.count(None)
    assert f"{KAFKA_MESSAGE} {topic}-0." in broker.log()
    written = codes.count(None)

    keyed = produce(broker.bootstrap, topic, [(b"k1", b"v1"), (b"k2", b"v2")], **{"compression.type": codec})
    assert keyed == [None, None]
    assert end_offset(broker.bootstrap, topic) == written + 2

    alter(admin, topic, "cleanup.policy", "delete").result(timeout=TIMEOUT_S)
    assert produce(broker.bootstrap, topic, [(None, b"free")], **{"compression.type": codec}) == [None]
    assert end_offset(broker.bootstrap, topic) == written + 3

    alter(admin, topic, "cleanup.policy", "delete,compact").result(timeout=TIMEOUT_S)
    again = produce(broker.bootstrap, topic, [(None, b"refused again")], **{"compression.type": codec})
    assert again[0] is not None and again[0].code() == KafkaError.INVALID_RECORD
    assert end_offset(broker.bootstrap, topic) == written + 3


def test_delete_records_needs_the_delete_policy(broker, admin):
    """DeleteRecords on a compact-only topic is POLICY_VIOLATION (Kafka's Partition.deleteRecordsOnLeader) and
    deletes nothing; with compact,delete it moves the log start offset."""
    topic = "cc-delete-records"
    wait(admin.create_topics([NewTopic(topic, num_partitions=1, config={"cleanup.policy": "compact"})]))
    assert produce(broker.bootstrap, topic, [(b"k%d" % i, b"v") for i in range(4)]) == [None] * 4

    refused = error_of(admin.delete_records([TopicPartition(topic, 0, 2)])[TopicPartition(topic, 0, 2)])
    assert refused.code() == KafkaError.POLICY_VIOLATION
    assert f"Records of partition {topic}-0 can not be deleted due to the configured policy" in broker.log()

    alter(admin, topic, "cleanup.policy", "compact,delete").result(timeout=TIMEOUT_S)
    deleted = wait(admin.delete_records([TopicPartition(topic, 0, 2)]))
    assert [result.low_watermark for result in deleted.values()] == [2]


def test_append_and_subtract_edit_list_configs(broker, admin):
    """IncrementalAlterConfigs APPEND adds the items a list lacks at its end (delete + compact = delete,compact,
    as Kafka orders it), SUBTRACT removes items; a list left empty, or APPEND to a config that is not a list, is
    INVALID_CONFIG and changes nothing."""
    topic = "cc-append"
    wait(admin.create_topics([NewTopic(topic, num_partitions=1)]))

    alter(admin, topic, "cleanup.policy", "compact", AlterConfigOpType.APPEND).result(timeout=TIMEOUT_S)
    appended = configs_of(admin, topic)["cleanup.policy"]
    assert appended.value == "delete,compact"
    assert appended.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    keyless = produce(broker.bootstrap, topic, [(None, b"no key")])
    assert keyless[0] is not None and keyless[0].code() == KafkaError.INVALID_RECORD

    alter(admin, topic, "cleanup.policy", "compact", AlterConfigOpType.APPEND).result(timeout=TIMEOUT_S)
    assert configs_of(admin, topic)["cleanup.policy"].value == "delete,compact"
    alter(admin, topic, "cleanup.policy", "delete", AlterConfigOpType.SUBTRACT).result(timeout=TIMEOUT_S)
    assert configs_of(admin, topic)["cleanup.policy"].value == "compact"

    emptied = error_of(alter(admin, topic, "cleanup.policy", "compact", AlterConfigOpType.SUBTRACT))
    assert emptied.code() == KafkaError.INVALID_CONFIG and "cleanup.policy" in emptied.str()
    not_list = error_of(alter(admin, topic, "retention.ms", "1000", AlterConfigOpType.APPEND))
    assert not_list.code() == KafkaError.INVALID_CONFIG and "not LIST" in not_list.str()
    assert configs_of(admin, topic)["cleanup.policy"].value == "compact"

    alter(admin, topic, "leader.replication.throttled.replicas", "0:1",
          AlterConfigOpType.APPEND).result(timeout=TIMEOUT_S)
    assert configs_of(admin, topic)["leader.replication.throttled.replicas"].value == "0:1"


def test_broker_default_policy_is_log_cleanup_policy():
    """log.cleanup.policy is the broker's default: a topic without its own policy is compacted (keyless records
    refused) and described as STATIC_BROKER_CONFIG; the log.cleaner.* settings are accepted at start-up."""
    settings = ["log.cleanup.policy=compact", "log.cleaner.min.cleanable.ratio=0.2",
                "log.cleaner.dedupe.buffer.size=4194304", "log.cleaner.io.max.bytes.per.second=10485760"]
    with temporary_broker([arg for setting in settings for arg in ("--set", setting)]) as served:
        admin = AdminClient({"bootstrap.servers": served.bootstrap})
        wait(admin.create_topics([NewTopic("cc-default", num_partitions=1)]))
        configs = configs_of(admin, "cc-default")
        assert configs["cleanup.policy"].value == "compact"
        assert configs["cleanup.policy"].source == ConfigSource.STATIC_BROKER_CONFIG.value
        assert configs["min.cleanable.dirty.ratio"].value == "0.2"
        keyless = produce(served.bootstrap, "cc-default", [(None, b"no key")])
        assert keyless[0] is not None and keyless[0].code() == KafkaError.INVALID_RECORD
        assert produce(served.bootstrap, "cc-default", [(b"k", b"v")]) == [None]
