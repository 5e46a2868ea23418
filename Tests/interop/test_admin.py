"""AdminClient (confluent-kafka, librdkafka 2.16) against the real broker: create, list, describe, alter and
delete topics, create partitions, describe the cluster, and the per-topic errors for bad requests."""

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicCollection
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource,
                                   NewPartitions, NewTopic, ResourceType)

TIMEOUT_S = 15


@pytest.fixture
def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def wait(futures):
    """The result of every future, raising the first failure."""
    return {key: future.result(timeout=TIMEOUT_S) for key, future in futures.items()}


def error_of(future) -> KafkaError:
    with pytest.raises(KafkaException) as caught:
        future.result(timeout=TIMEOUT_S)
    return caught.value.args[0]


def partitions(admin, topic):
    metadata = admin.list_topics(topic=topic, timeout=TIMEOUT_S)
    return len(metadata.topics[topic].partitions)


def topic_configs(admin, topic):
    resource = ConfigResource(ResourceType.TOPIC, topic)
    return wait(admin.describe_configs([resource]))[resource]


def test_create_list_describe_and_delete(admin):
    """A created topic is listed and described with its partitions and ID, and is gone after deletion."""
    wait(admin.create_topics([NewTopic("admin-orders", num_partitions=3, replication_factor=1)]))
    assert "admin-orders" in admin.list_topics(timeout=TIMEOUT_S).topics
    assert partitions(admin, "admin-orders") == 3

    described = wait(admin.describe_topics(TopicCollection(["admin-orders"])))["admin-orders"]
    assert described.name == "admin-orders"
    assert [p.id for p in described.partitions] == [0, 1, 2]
    assert all(p.leader.id == 1 for p in described.partitions)
    assert str(described.topic_id) != "AAAAAAAAAAAAAAAAAAAAAA"

    wait(admin.delete_topics(["admin-orders"]))
    assert "admin-orders" not in admin.list_topics(timeout=TIMEOUT_S).topics
    # The name is free again, with a new topic ID.
    wait(admin.create_topics([NewTopic("admin-orders", num_partitions=1)]))
    again = wait(admin.describe_topics(TopicCollection(["admin-orders"])))["admin-orders"]
    assert str(again.topic_id) != str(described.topic_id)
    wait(admin.delete_topics(["admin-orders"]))


def test_create_with_configs_and_default_partitions(admin):
    """Configs given at creation are DYNAMIC_TOPIC_CONFIG; the rest are the broker's defaults."""
    topic = NewTopic("admin-configured", num_partitions=-1, replication_factor=-1,
                     config={"retention.ms": "3600000", "cleanup.policy": "delete"})
    wait(admin.create_topics([topic]))
    assert partitions(admin, "admin-configured") == 1
    configs = topic_configs(admin, "admin-configured")
    assert configs["retention.ms"].value == "3600000"
    assert configs["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert not configs["retention.ms"].is_default
    assert configs["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["segment.bytes"].is_default
    assert set(configs) >= {"cleanup.policy", "max.message.bytes", "message.timestamp.type", "retention.bytes",
                            "retention.ms", "segment.bytes", "segment.ms"}


def test_standard_topic_configs(admin):
    """Kafka's standard topic configs that provisioning tools send are accepted and described back as the
    topic's own, cleanup.policy=compact among them; one that cannot be honoured (tiered storage) is refused with
    INVALID_CONFIG naming it."""
    given = {"min.insync.replicas": "2", "compression.type": "lz4", "unclean.leader.election.enable": "false"}
    wait(admin.create_topics([NewTopic("admin-standard", num_partitions=1, replication_factor=1, config=given)]))
    configs = topic_configs(admin, "admin-standard")
    for name, value in given.items():
        assert configs[name].value == value
        assert configs[name].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["preallocate"].source == ConfigSource.DEFAULT_CONFIG.value

    wait(admin.create_topics([NewTopic("admin-compact", num_partitions=1, config={"cleanup.policy": "compact"})]))
    compact = topic_configs(admin, "admin-compact")["cleanup.policy"]
    assert compact.value == "compact" and compact.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value

    tiered = admin.create_topics([NewTopic("admin-tiered", num_partitions=1, config={"remote.storage.enable": "true"})])
    refused = error_of(tiered["admin-tiered"])
    assert refused.code() == KafkaError.INVALID_CONFIG
    assert "remote.storage.enable" in refused.str()
    assert "admin-tiered" not in admin.list_topics(timeout=TIMEOUT_S).topics


def test_create_errors(admin):
    """Each bad topic gets its own Kafka error, and the good topic in the same request is created."""
    futures = admin.create_topics([
        NewTopic("admin-good", num_partitions=2),
        NewTopic("admin-replicated", num_partitions=1, replication_factor=3),
        NewTopic("admin-bad-config", num_partitions=1, config={"retention.ms": "soon"}),
        NewTopic("admin-unknown-config", num_partitions=1, config={"flavour": "vanilla"}),
        NewTopic("bad name!", num_partitions=1),
    ])
    futures["admin-good"].result(timeout=TIMEOUT_S)
    assert error_of(futures["admin-replicated"]).code() == KafkaError.INVALID_REPLICATION_FACTOR
    bad_config = error_of(futures["admin-bad-config"])
    assert bad_config.code() == KafkaError.INVALID_CONFIG
    assert "retention.ms" in bad_config.str()
    unknown = error_of(futures["admin-unknown-config"])
    assert unknown.code() == KafkaError.INVALID_CONFIG and "flavour" in unknown.str()
    assert error_of(futures["bad name!"]).code() == KafkaError.TOPIC_EXCEPTION

    exists = error_of(admin.create_topics([NewTopic("admin-good", num_partitions=1)])["admin-good"])
    assert exists.code() == KafkaError.TOPIC_ALREADY_EXISTS
    assert partitions(admin, "admin-good") == 2
    listed = admin.list_topics(timeout=TIMEOUT_S).topics
    assert not {"admin-replicated", "admin-bad-config", "admin-unknown-config"} & set(listed)


def test_validate_only_creates_nothing(admin):
    """validate_only checks a topic (and reports its errors) without creating it."""
    wait(admin.create_topics([NewTopic("admin-dry", num_partitions=4)], validate_only=True))
    assert "admin-dry" not in admin.list_topics(timeout=TIMEOUT_S).topics
    bad = admin.create_topics([NewTopic("admin-dry", num_partitions=1, config={"segment.ms": "0"})],
                              validate_only=True)["admin-dry"]
    assert error_of(bad).code() == KafkaError.INVALID_CONFIG


def test_incremental_alter_configs(admin):
    """SET and DELETE change a topic's overrides; APPEND adds to a list config, and is refused for a config that
    is not a list; broker configs are refused with a message."""
    wait(admin.create_topics([NewTopic("admin-alter", num_partitions=1, config={"retention.bytes": "1048576"})]))
    resource = ConfigResource(ResourceType.TOPIC, "admin-alter", incremental_configs=[
        ConfigEntry("retention.ms", "7200000", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("retention.bytes", None, incremental_operation=AlterConfigOpType.DELETE),
    ])
    wait(admin.incremental_alter_configs([resource]))
    configs = topic_configs(admin, "admin-alter")
    assert configs["retention.ms"].value == "7200000"
    assert configs["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["retention.bytes"].value == "-1" and configs["retention.bytes"].is_default

    dry = ConfigResource(ResourceType.TOPIC, "admin-alter", incremental_configs=[
        ConfigEntry("retention.ms", "60000", incremental_operation=AlterConfigOpType.SET)])
    wait(admin.incremental_alter_configs([dry], validate_only=True))
    assert topic_configs(admin, "admin-alter")["retention.ms"].value == "7200000"

    append = ConfigResource(ResourceType.TOPIC, "admin-alter", incremental_configs=[
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND)])
    wait(admin.incremental_alter_configs([append]))
    assert topic_configs(admin, "admin-alter")["cleanup.policy"].value == "delete,compact"
    not_list = ConfigResource(ResourceType.TOPIC, "admin-alter", incremental_configs=[
        ConfigEntry("retention.ms", "1000", incremental_operation=AlterConfigOpType.APPEND)])
    assert error_of(admin.incremental_alter_configs([not_list])[not_list]).code() == KafkaError.INVALID_CONFIG
    assert topic_configs(admin, "admin-alter")["retention.ms"].value == "7200000"

    invalid = ConfigResource(ResourceType.TOPIC, "admin-alter", incremental_configs=[
        ConfigEntry("message.timestamp.type", "Whenever", incremental_operation=AlterConfigOpType.SET)])
    assert error_of(admin.incremental_alter_configs([invalid])[invalid]).code() == KafkaError.INVALID_CONFIG

    broker_resource = ConfigResource(ResourceType.BROKER, "1", incremental_configs=[
        ConfigEntry("log.retention.ms", "1000", incremental_operation=AlterConfigOpType.SET)])
    refused = error_of(admin.incremental_alter_configs([broker_resource])[broker_resource])
    assert "read-only" in refused.str()


@pytest.mark.filterwarnings("ignore:alter_configs has been deprecated:DeprecationWarning")
def test_legacy_alter_configs(admin):
    """AlterConfigs (the API librdkafka before 2.2, kafka-python and aiokafka use) replaces a topic's whole set
    of overrides: a config not named returns to its default; validate_only and broker configs change nothing."""
    wait(admin.create_topics([NewTopic("admin-legacy-alter", num_partitions=1,
                                       config={"retention.bytes": "1048576", "segment.ms": "3600000"})]))
    resource = ConfigResource(ResourceType.TOPIC, "admin-legacy-alter", set_config={"retention.ms": "7200000"})
    wait(admin.alter_configs([resource]))  # deprecated in confluent-kafka 2.2, still AlterConfigs (33)
    configs = topic_configs(admin, "admin-legacy-alter")
    assert configs["retention.ms"].value == "7200000"
    assert configs["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["retention.bytes"].value == "-1" and configs["retention.bytes"].is_default
    assert configs["segment.ms"].is_default

    dry = ConfigResource(ResourceType.TOPIC, "admin-legacy-alter", set_config={"retention.ms": "60000"})
    wait(admin.alter_configs([dry], validate_only=True))
    assert topic_configs(admin, "admin-legacy-alter")["retention.ms"].value == "7200000"

    invalid = ConfigResource(ResourceType.TOPIC, "admin-legacy-alter",
                             set_config={"message.timestamp.type": "Whenever"})
    assert error_of(admin.alter_configs([invalid])[invalid]).code() == KafkaError.INVALID_CONFIG
    broker_resource = ConfigResource(ResourceType.BROKER, "1", set_config={"log.retention.ms": "1000"})
    assert "read-only" in error_of(admin.alter_configs([broker_resource])[broker_resource]).str()
    assert topic_configs(admin, "admin-legacy-alter")["retention.ms"].value == "7200000"


def test_describe_broker_configs(admin):
    """The broker's settings are described read-only under resource "1"."""
    resource = ConfigResource(ResourceType.BROKER, "1")
    configs = wait(admin.describe_configs([resource]))[resource]
    assert configs["num.partitions"].value == "1"
    assert configs["num.partitions"].is_read_only
    assert configs["listen"].value == "127.0.0.1:0"
    assert configs["listen"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert configs["log.retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    missing = ConfigResource(ResourceType.TOPIC, "admin-no-such-topic")
    assert error_of(admin.describe_configs([missing])[missing]).code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_create_partitions(admin):
    """Partitions can be added (validate_only adds none), never removed."""
    wait(admin.create_topics([NewTopic("admin-grow", num_partitions=2)]))
    wait(admin.create_partitions([NewPartitions("admin-grow", 5)]))
    assert partitions(admin, "admin-grow") == 5
    wait(admin.create_partitions([NewPartitions("admin-grow", 8)], validate_only=True))
    assert partitions(admin, "admin-grow") == 5
    shrink = admin.create_partitions([NewPartitions("admin-grow", 3)])["admin-grow"]
    assert error_of(shrink).code() == KafkaError.INVALID_PARTITIONS
    unknown = admin.create_partitions([NewPartitions("admin-no-such-topic", 3)])["admin-no-such-topic"]
    assert error_of(unknown).code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_delete_unknown_topic(admin):
    """Deleting a topic that does not exist is UNKNOWN_TOPIC_OR_PARTITION."""
    future = admin.delete_topics(["admin-never-created"])["admin-never-created"]
    assert error_of(future).code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_describe_cluster(admin, broker):
    """DescribeCluster names the one broker, which is also the controller."""
    cluster = admin.describe_cluster().result(timeout=TIMEOUT_S)
    assert cluster.cluster_id
    assert cluster.controller.id == 1
    assert [(n.id, n.host, n.port) for n in cluster.nodes] == [(1, "127.0.0.1", broker.port)]
