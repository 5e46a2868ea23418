"""Share group configs on the GROUP config resource (confluent-kafka's AdminClient, librdkafka maps GROUP to 32),
dead-letter topics, the redelivery backoff and `spool queue redrive`, with confluent-kafka's ShareConsumer."""

import subprocess
import time

import pytest
from confluent_kafka import AcknowledgeType, Consumer, KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

from conftest import BINARY, Broker, temporary_broker
from test_share_queue import SHARE_ARGS, create_topic, drain, produce, share_consumer


def set_group_configs(bootstrap, group, configs):
    """IncrementalAlterConfigs SET on the group's GROUP resource; raises KafkaException when refused."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in configs.items()]
    resource = ConfigResource(ResourceType.GROUP, group, incremental_configs=entries)
    admin.incremental_alter_configs([resource])[resource].result(30)


def group_configs(bootstrap, group):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    resource = ConfigResource(ResourceType.GROUP, group)
    described = admin.describe_configs([resource])[resource].result(30)
    return {name: entry.value for name, entry in described.items()}


def dead_letters(bootstrap, topic, expected, seconds=15):
    """Reads `expected` records from the dead-letter topic with a plain consumer: [(value, {header: value})]."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{time.monotonic()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    found = []
    deadline = time.monotonic() + seconds
    while len(found) < expected and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error() is not None:
            continue
        headers = {k: (v.decode() if v is not None else None) for k, v in (message.headers() or [])}
        found.append((message.value().decode(), headers, message.key()))
    consumer.close()
    return found


def test_group_configs_are_set_shown_and_survive_a_restart(tmp_path):
    """IncrementalAlterConfigs on a share group's GROUP resource sets Kafka's names and Spool's; DescribeConfigs
    shows them (and the broker defaults for the rest); after a restart they are still there."""
    data = str(tmp_path / "data")
    wanted = {
        "share.auto.offset.reset": "by_duration:PT1H", "share.record.lock.duration.ms": "15000",
        "share.isolation.level": "read_committed", "share.delivery.count.limit": "3",
        "errors.deadletterqueue.topic.name": "dlq.jobs", "share.redelivery.backoff.ms": "500",
        "share.redelivery.backoff.max.ms": "8000",
    }
    first = Broker(data, str(tmp_path / "first.log"), SHARE_ARGS)
    try:
        assert group_configs(first.bootstrap, "g")["share.delivery.count.limit"] == "5"  # the broker default
        set_group_configs(first.bootstrap, "g", wanted)
        shown = group_configs(first.bootstrap, "g")
        assert {k: shown[k] for k in wanted} == wanted
        assert group_configs(first.bootstrap, "other")["share.delivery.count.limit"] == "5"
    finally:
        assert first.stop() == 0, first.log()[-4000:]
    second = Broker(data, str(tmp_path / "second.log"), SHARE_ARGS)
    try:
        shown = group_configs(second.bootstrap, "g")
        assert {k: shown[k] for k in wanted} == wanted
    finally:
        assert second.stop() == 0, second.log()[-4000:]


@pytest.mark.parametrize("key,value,says", [
    ("share.auto.offset.reset", "sometimes", "by_duration"),
    ("share.auto.offset.reset", "by_duration:1H", "ISO-8601"),
    ("share.record.lock.duration.ms", "5", "1000"),
    ("share.isolation.level", "dirty", "read_committed"),
    ("share.delivery.count.limit", "1", "from 2"),
    ("errors.deadletterqueue.topic.name", "jobs-dead", "dlq."),
    ("share.redelivery.backoff.ms", "-1", "share.redelivery.backoff.ms"),
    ("share.unknown.thing", "1", "unknown"),
])
def test_bad_group_configs_are_refused_with_invalid_config(key, value, says):
    """A bad value, a dead-letter topic without the prefix and an unknown key get INVALID_CONFIG with a message
    naming what is accepted, and change nothing."""
    with temporary_broker(SHARE_ARGS) as broker:
        with pytest.raises(KafkaException) as refused:
            set_group_configs(broker.bootstrap, "g", {"share.delivery.count.limit": "4", key: value})
        error = refused.value.args[0]
        assert error.code() == KafkaError.INVALID_CONFIG, error
        assert says in error.str(), error.str()
        assert group_configs(broker.bootstrap, "g")["share.delivery.count.limit"] == "5"


def acknowledging(consumer, seconds, decide):
    """Polls for `seconds`, acknowledging each record as decide(value) says; returns [(value, delivery count,
    monotonic time)]."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in consumer.poll(0.3):
            if message.error() is not None:
                continue
            value = message.value().decode()
            seen.append((value, message.delivery_count(), time.monotonic()))
            consumer.acknowledge(message, decide(value))
    return seen


def test_rejected_and_limit_reached_records_go_to_the_dead_letter_topic_with_their_headers():
    """r1 rejected: in the dead-letter topic (auto-created) with its key, value, headers saying where it came from
    and reason rejected, never delivered again; r2 released every time: delivered exactly 3 times (the group's
    limit), then dead-lettered with reason delivery-limit and delivery count 3; r0 accepted: not there."""
    with temporary_broker(SHARE_ARGS) as broker:
        create_topic(broker.bootstrap, "jobs")
        set_group_configs(broker.bootstrap, "g", {
            "errors.deadletterqueue.topic.name": "dlq.jobs", "share.delivery.count.limit": "3"})
        produce(broker.bootstrap, "jobs", 3)
        consumer = share_consumer(broker.bootstrap, "g", "jobs", **{"share.acknowledgement.mode": "explicit"})
        kinds = {"r0": AcknowledgeType.ACCEPT, "r1": AcknowledgeType.REJECT}
        seen = acknowledging(consumer, 10, lambda v: kinds.get(v, AcknowledgeType.RELEASE))
        consumer.close()
        assert [count for value, count, _ in seen if value == "r1"] == [1]
        assert [count for value, count, _ in seen if value == "r2"] == [1, 2, 3]
        letters = sorted(dead_letters(broker.bootstrap, "dlq.jobs", 2))
        assert [value for value, _, _ in letters] == ["r1", "r2"], letters
        (_, rejected, _), (_, limited, _) = letters
        assert rejected["__dlq.errors.topic"] == "jobs" and rejected["__dlq.errors.partition"] == "0"
        assert rejected["__dlq.errors.offset"] == "1" and rejected["__dlq.errors.group"] == "g"
        assert rejected["__dlq.errors.reason"] == "rejected" and rejected["__dlq.errors.delivery.count"] == "1"
        assert abs(int(rejected["__dlq.errors.timestamp"]) - time.time() * 1000) < 60_000
        assert limited["__dlq.errors.offset"] == "2" and limited["__dlq.errors.reason"] == "delivery-limit"
        assert limited["__dlq.errors.delivery.count"] == "3"
        again = share_consumer(broker.bootstrap, "g", "jobs")
        assert drain(again, 3) == []
        again.close()


def test_a_released_record_comes_back_no_sooner_than_the_backoff():
    """With share.redelivery.backoff.ms=2000, a released record is delivered again at least 2 s after the release
    (without the backoff it comes back at once)."""
    with temporary_broker(SHARE_ARGS) as broker:
        create_topic(broker.bootstrap, "slow")
        set_group_configs(broker.bootstrap, "g", {"share.redelivery.backoff.ms": "2000"})
        produce(broker.bootstrap, "slow", 1)
        consumer = share_consumer(broker.bootstrap, "g", "slow", **{"share.acknowledgement.mode": "explicit"})
        released_at = []

        def decide(value):
            if not released_at:
                released_at.append(time.monotonic())
                return AcknowledgeType.RELEASE
            return AcknowledgeType.ACCEPT

        seen = acknowledging(consumer, 8, decide)
        consumer.close()
        assert [count for _, count, _ in seen] == [1, 2], seen
        waited = seen[1][2] - released_at[0]
        assert waited >= 1.9, f"redelivered after {waited:.2f} s"


def test_redrive_puts_dead_letters_back_and_they_are_delivered_again():
    """`spool queue redrive g` appends the group's dead letters to their source topic and commits its progress: the
    rejected record is delivered again, and a second redrive moves nothing more."""
    with temporary_broker(SHARE_ARGS) as broker:
        create_topic(broker.bootstrap, "work")
        set_group_configs(broker.bootstrap, "g", {"errors.deadletterqueue.topic.name": "dlq.work"})
        produce(broker.bootstrap, "work", 3)
        consumer = share_consumer(broker.bootstrap, "g", "work", **{"share.acknowledgement.mode": "explicit"})
        seen = acknowledging(
            consumer, 5, lambda v: AcknowledgeType.ACCEPT if v == "r0" else AcknowledgeType.REJECT)
        assert sorted(v for v, _, _ in seen) == ["r0", "r1", "r2"]
        assert len(dead_letters(broker.bootstrap, "dlq.work", 2)) == 2

        def redrive():
            done = subprocess.run(
                [BINARY, "queue", "redrive", "g", "--bootstrap-server", broker.bootstrap],
                capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            return done.stdout

        assert "moved 2" in redrive()
        assert "moved 0" in redrive()
        again = acknowledging(consumer, 5, lambda v: AcknowledgeType.ACCEPT)
        consumer.close()
        assert sorted(v for v, _, _ in again) == ["r1", "r2"], again


def test_a_dead_letter_that_cannot_be_written_is_kept_and_written_after_a_restart(tmp_path):
    """The dead-letter topic cannot be created (max.partitions=1 is used up by the source topic): the rejected
    record is neither archived nor lost, the broker says why, and after a restart that allows the topic it is
    delivered again and, rejected again, reaches the dead-letter topic."""
    data = str(tmp_path / "data")
    first = Broker(data, str(tmp_path / "first.log"), SHARE_ARGS + ("--set", "max.partitions=1"))
    try:
        create_topic(first.bootstrap, "jobs")
        set_group_configs(first.bootstrap, "g", {"errors.deadletterqueue.topic.name": "dlq.jobs"})
        produce(first.bootstrap, "jobs", 1)
        consumer = share_consumer(first.bootstrap, "g", "jobs", **{"share.acknowledgement.mode": "explicit"})
        seen = acknowledging(consumer, 4, lambda v: AcknowledgeType.REJECT)
        consumer.close()
        assert [(v, c) for v, c, _ in seen] == [("r0", 1)], seen
    finally:
        assert first.stop() == 0, first.log()[-4000:]
    assert "dead letters not written" in first.log()
    second = Broker(data, str(tmp_path / "second.log"), SHARE_ARGS)
    try:
        consumer = share_consumer(second.bootstrap, "g", "jobs", **{"share.acknowledgement.mode": "explicit"})
        seen = acknowledging(consumer, 4, lambda v: AcknowledgeType.REJECT)
        consumer.close()
        assert [v for v, _, _ in seen] == ["r0"], seen
        letters = dead_letters(second.bootstrap, "dlq.jobs", 1)
        assert [(v, h["__dlq.errors.reason"]) for v, h, _ in letters] == [("r0", "rejected")], letters
    finally:
        assert second.stop() == 0, second.log()[-4000:]


def test_spool_queue_config_sets_and_shows_group_configs():
    """`spool queue config g --set k=v` sets a group config (read back by a Kafka client) and prints it with its
    source; a bad value exits 1 with the broker's INVALID_CONFIG message."""
    with temporary_broker(SHARE_ARGS) as broker:
        def spool(*args):
            return subprocess.run([BINARY, "queue", "config", "g", "-b", broker.bootstrap, *args],
                                  capture_output=True, text=True, timeout=60)

        done = spool("--set", "share.delivery.count.limit=4", "--set", "share.redelivery.backoff.ms=250")
        assert done.returncode == 0, done.stderr
        assert any(line.split()[:3] == ["share.delivery.count.limit", "4", "GROUP_CONFIG"]
                   for line in done.stdout.splitlines()), done.stdout
        assert group_configs(broker.bootstrap, "g")["share.redelivery.backoff.ms"] == "250"
        refused = spool("--set", "share.isolation.level=dirty")
        assert refused.returncode == 1 and "INVALID_CONFIG" in refused.stderr.upper(), refused.stderr
        assert "read_committed" in refused.stderr


def test_legacy_alter_configs_replaces_all_of_a_groups_configs():
    """AlterConfigs (API 33) on a GROUP resource replaces the group's whole set: a config it does not name goes
    back to the broker default."""
    with temporary_broker(SHARE_ARGS) as broker:
        set_group_configs(broker.bootstrap, "g", {"share.delivery.count.limit": "4", "share.isolation.level":
                                                  "read_committed"})
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        resource = ConfigResource(ResourceType.GROUP, "g", set_config={"share.record.lock.duration.ms": "20000"})
        with pytest.warns(DeprecationWarning):  # the API this test is about
            admin.alter_configs([resource])[resource].result(30)
        shown = group_configs(broker.bootstrap, "g")
        assert shown["share.record.lock.duration.ms"] == "20000"
        assert shown["share.delivery.count.limit"] == "5" and shown["share.isolation.level"] == "read_uncommitted"


def test_a_committed_reject_survives_a_broker_sigkill_in_the_dead_letter_topic_and_is_not_redelivered(tmp_path):
    """Once the Reject's ShareAcknowledge is answered (commit_sync), both the dead letter and the archive are
    durable: after a SIGKILL and restart the record is in the dead-letter topic and is not delivered again."""
    data = str(tmp_path / "data")
    first = Broker(data, str(tmp_path / "first.log"), SHARE_ARGS)
    try:
        create_topic(first.bootstrap, "jobs")
        set_group_configs(first.bootstrap, "g", {"errors.deadletterqueue.topic.name": "dlq.jobs"})
        produce(first.bootstrap, "jobs", 2)
        consumer = share_consumer(first.bootstrap, "g", "jobs", **{"share.acknowledgement.mode": "explicit"})
        rejected = []
        deadline = time.monotonic() + 20
        while not rejected and time.monotonic() < deadline:
            for message in consumer.poll(0.3):
                if message.error() is None and message.value() == b"r0":
                    consumer.acknowledge(message, AcknowledgeType.REJECT)
                    rejected.append(message)
                elif message.error() is None:
                    consumer.acknowledge(message, AcknowledgeType.ACCEPT)
        assert rejected
        consumer.commit_sync()
    finally:
        first.kill()
    second = Broker(data, str(tmp_path / "second.log"), SHARE_ARGS)
    try:
        letters = dead_letters(second.bootstrap, "dlq.jobs", 1)
        assert [v for v, _, _ in letters] == ["r0"], letters
        again = share_consumer(second.bootstrap, "g", "jobs")
        assert "r0" not in drain(again, 3)
        again.close()
    finally:
        assert second.stop() == 0, second.log()[-4000:]


def test_concurrent_alters_of_one_group_keep_every_key():
    """Six clients each set a different key of the same group at once (five groups in turn): every key is there
    afterwards, in memory and as described, because changes to one group's overrides are serialised."""
    import threading

    values = {"share.record.lock.duration.ms": "15000", "share.isolation.level": "read_committed",
              "share.delivery.count.limit": "3", "errors.deadletterqueue.topic.name": "dlq.x",
              "share.redelivery.backoff.ms": "500", "share.auto.offset.reset": "earliest"}
    with temporary_broker(SHARE_ARGS) as broker:
        admins = [AdminClient({"bootstrap.servers": broker.bootstrap}) for _ in values]
        for admin in admins:
            admin.list_topics(timeout=10)  # connected before the race starts
        for round_ in range(5):
            group = f"g{round_}"
            start = threading.Barrier(len(values))

            def alter(admin, key, value):
                entry = ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
                resource = ConfigResource(ResourceType.GROUP, group, incremental_configs=[entry])
                start.wait()
                admin.incremental_alter_configs([resource])[resource].result(30)

            threads = [threading.Thread(target=alter, args=(admin, k, v))
                       for admin, (k, v) in zip(admins, values.items())]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            shown = group_configs(broker.bootstrap, group)
            assert {k: shown[k] for k in values} == values, (group, shown)


def test_an_exponential_backoff_doubles_per_delivery_up_to_its_maximum():
    """share.redelivery.backoff.ms=300 with .max.ms=1200: a record released every time comes back after at least
    0.3, 0.6, 1.2 and 1.2 s (the maximum), and is archived after the 5th delivery."""
    with temporary_broker(SHARE_ARGS) as broker:
        create_topic(broker.bootstrap, "retry")
        set_group_configs(broker.bootstrap, "g", {
            "share.redelivery.backoff.ms": "300", "share.redelivery.backoff.max.ms": "1200"})
        produce(broker.bootstrap, "retry", 1)
        consumer = share_consumer(broker.bootstrap, "g", "retry", **{"share.acknowledgement.mode": "explicit"})
        seen = acknowledging(consumer, 8, lambda v: AcknowledgeType.RELEASE)
        consumer.close()
        assert [count for _, count, _ in seen] == [1, 2, 3, 4, 5], seen
        gaps = [later[2] - earlier[2] for earlier, later in zip(seen, seen[1:])]
        for gap, least in zip(gaps, [0.3, 0.6, 1.2, 1.2]):
            assert gap >= least * 0.95, (gaps, least)
