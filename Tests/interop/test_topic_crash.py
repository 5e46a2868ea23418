"""Topic operations against a real `spool serve`, crashed with SIGKILL at random points, and their limits.

Each crash test repeats: set up, start an operation (DeleteTopics, CreateTopics, CreatePartitions) through
confluent-kafka's AdminClient, SIGKILL the broker a random few milliseconds later, restart on the same data
directory, and check that the whole operation or none of it is visible: a deleted topic never comes back into a
new topic of the same name, a created topic has every partition working or does not exist. CRASH_TRIALS sets
how many times (the fast default runs in `make test`; Benchmarks/scripts/crash-topic-ops.sh runs the long form).
"""

import os
import random
import resource
import shutil
import tempfile
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

from conftest import Broker

TRIALS = int(os.environ.get("CRASH_TRIALS", "4"))
PARTITIONS = 300


class Node:
    """One data directory and the broker process on it, restarted as often as a test likes."""

    def __init__(self, extra_args=(), preexec_fn=None):
        self.parent = tempfile.mkdtemp(prefix="spool-crash-")
        self.data_dir = os.path.join(self.parent, "data")
        self.extra_args = extra_args
        self.preexec_fn = preexec_fn
        self.starts = 0
        self.broker = None
        self._admin = None
        self.start()

    def start(self):
        self.starts += 1
        log_path = os.path.join(self.parent, f"broker-{self.starts}.log")
        self.broker = Broker(self.data_dir, log_path, self.extra_args, preexec_fn=self.preexec_fn)
        self._admin = None
        return self.broker

    def kill_and_restart(self):
        self.broker.kill()
        return self.start()

    def admin(self):
        # One client per broker start: a client garbage-collected before its futures resolve cancels them.
        if self._admin is None:
            self._admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        return self._admin

    def close(self):
        status = self.broker.stop()
        log = self.broker.log()
        shutil.rmtree(self.parent, ignore_errors=True)
        assert status == 0, f"spool serve exited with {status} after SIGTERM:\n{log[-3000:]}"


@pytest.fixture
def node():
    created = Node()
    yield created
    created.close()


def topics(node):
    return set(node.admin().list_topics(timeout=10).topics)


def partition_count(node, topic):
    # All topics: a Metadata request naming the topic would create it (auto.create.topics.enable).
    metadata = node.admin().list_topics(timeout=10).topics.get(topic)
    return None if metadata is None or metadata.error is not None else len(metadata.partitions)


def create(node, topic, partitions):
    for future in node.admin().create_topics([NewTopic(topic, partitions, 1)], operation_timeout=60).values():
        future.result(timeout=90)


def produce_one_each(node, topic, partitions, value=b"r"):
    producer = Producer({"bootstrap.servers": node.broker.bootstrap, "acks": "all", "linger.ms": 5})
    for partition in partitions:
        producer.produce(topic, value=value, partition=partition)
    assert producer.flush(60) == 0, "every record must be acknowledged"


def high_watermarks(node, topic, partitions):
    consumer = Consumer({"bootstrap.servers": node.broker.bootstrap, "group.id": "watermarks"})
    try:
        return [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions]
    finally:
        consumer.close()


def partition_dirs(node, topic):
    prefix = topic + "-"
    return sorted(n for n in os.listdir(node.data_dir) if n.startswith(prefix) and n[len(prefix):].isdigit())


def delete(node, topic):
    for future in node.admin().delete_topics([topic], operation_timeout=30).values():
        future.result(timeout=60)


def crash_during(node, start_operation, max_delay_s):
    """Starts an admin operation, SIGKILLs the broker after a random delay, and restarts it."""
    futures = start_operation(node.admin())
    time.sleep(random.uniform(0, max_delay_s))
    node.kill_and_restart()
    del futures


def test_delete_topics_never_resurrects_data_after_a_crash(node):
    """A crash at any point of DeleteTopics leaves the topic whole (every record) or gone; a new topic of the same
    name never serves the deleted topic's records."""
    outcomes = {"kept": 0, "deleted": 0}
    for trial in range(TRIALS):
        topic = f"doomed{trial}"
        create(node, topic, PARTITIONS)
        produce_one_each(node, topic, range(PARTITIONS), value=b"old")
        crash_during(node, lambda admin: admin.delete_topics([topic], operation_timeout=30), 0.25)
        count = partition_count(node, topic)
        if count is not None:
            # The deletion had not committed: the topic must be whole.
            outcomes["kept"] += 1
            assert count == PARTITIONS
            assert high_watermarks(node, topic, range(PARTITIONS)) == [1] * PARTITIONS
            delete(node, topic)
        else:
            outcomes["deleted"] += 1
        assert partition_dirs(node, topic) == [], "no directory of the deleted topic may stay in the namespace"
        create(node, topic, PARTITIONS)
        assert high_watermarks(node, topic, range(PARTITIONS)) == [0] * PARTITIONS, \
            f"trial {trial}: the new topic serves the deleted topic's records ({outcomes})"
        leftovers = [n for n in os.listdir(node.data_dir) if n.endswith("-delete") or n.endswith("-stray")]
        assert leftovers == [], f"start-up must finish deletions, not set them aside: {leftovers[:5]}"
        delete(node, topic)
    print(f"delete crash outcomes: {outcomes}")


def test_create_topics_is_whole_or_absent_after_a_crash(node):
    """A crash at any point of CreateTopics leaves the topic with every partition working, or no topic and no
    directory."""
    for trial in range(TRIALS):
        topic = f"born{trial}"
        crash_during(
            node, lambda admin: admin.create_topics([NewTopic(topic, PARTITIONS, 1)], operation_timeout=30), 0.25)
        count = partition_count(node, topic)
        if count is None:
            assert partition_dirs(node, topic) == [], f"trial {trial}: a topic that does not exist left directories"
            continue
        assert count == PARTITIONS
        assert len(partition_dirs(node, topic)) == PARTITIONS
        produce_one_each(node, topic, range(PARTITIONS))
        assert high_watermarks(node, topic, range(PARTITIONS)) == [1] * PARTITIONS
        delete(node, topic)


def test_create_partitions_is_whole_or_absent_after_a_crash(node):
    """A crash at any point of CreatePartitions leaves the old count or the new one, every partition working."""
    for trial in range(TRIALS):
        topic = f"grown{trial}"
        create(node, topic, 1)
        crash_during(
            node, lambda admin: admin.create_partitions([NewPartitions(topic, PARTITIONS)], operation_timeout=30),
            0.25)
        count = partition_count(node, topic)
        assert count in (1, PARTITIONS), f"trial {trial}: {count} partitions"
        assert len(partition_dirs(node, topic)) == count
        produce_one_each(node, topic, range(count))
        assert high_watermarks(node, topic, range(count)) == [1] * count
        delete(node, topic)


def error_of(future):
    try:
        future.result(timeout=30)
    except Exception as error:  # KafkaException carrying a KafkaError
        return error.args[0]
    return None


def test_partition_limits_are_checked_before_anything_is_written():
    """CreateTopics and CreatePartitions beyond max.partitions.per.request or max.partitions are refused with
    INVALID_PARTITIONS / POLICY_VIOLATION naming the limit, write nothing, and the broker restarts cleanly."""
    node = Node(extra_args=("--set", "max.partitions=50", "--set", "max.partitions.per.request=40"))
    try:
        admin = node.admin()
        started = time.monotonic()
        huge = error_of(admin.create_topics([NewTopic("huge", 100_000, 1)])["huge"])
        assert time.monotonic() - started < 5
        assert huge is not None and huge.name() == "INVALID_PARTITIONS", huge
        assert "max.partitions.per.request" in huge.str()
        create(node, "fits", 30)
        over = error_of(admin.create_topics([NewTopic("over", 30, 1)])["over"])
        assert over is not None and over.name() == "POLICY_VIOLATION", over
        assert "max.partitions" in over.str() and "30 of at most 50" in over.str(), over.str()
        grow = error_of(admin.create_partitions([NewPartitions("fits", 60)])["fits"])
        assert grow is not None and grow.name() == "POLICY_VIOLATION", grow
        assert topics(node) >= {"fits"} and "huge" not in topics(node) and "over" not in topics(node)
        assert partition_count(node, "fits") == 30
        assert not any(n.startswith(("huge-", "over-")) for n in os.listdir(node.data_dir))
        assert len(partition_dirs(node, "fits")) == 30
        node.kill_and_restart()
        assert partition_count(node, "fits") == 30
        create(node, "more", 20)
    finally:
        node.close()


def test_orphaned_directories_are_set_aside_with_one_warning():
    """Partition directories the metadata does not claim (here: the metadata database was lost) are listed in one
    warning at start-up, renamed *-stray with their data kept, and never served by a new topic of that name."""
    node = Node()
    try:
        create(node, "orders", 3)
        produce_one_each(node, "orders", range(3), value=b"precious")
        assert node.broker.stop() == 0
        for name in os.listdir(node.data_dir):
            if name.startswith("metadata.sqlite"):
                os.remove(os.path.join(node.data_dir, name))
        node.start()
        log = node.broker.log()
        warnings = [line for line in log.splitlines() if "not adopted" in line]
        assert len(warnings) == 1, log
        assert "orders-0" in warnings[0] and "movedAsideNow=3" in warnings[0], warnings[0]
        strays = sorted(n for n in os.listdir(node.data_dir) if n.endswith("-stray"))
        assert len(strays) == 3 and all(n.startswith("orders-") for n in strays), strays
        assert any(os.path.getsize(os.path.join(node.data_dir, strays[0], f)) > 0
                   for f in os.listdir(os.path.join(node.data_dir, strays[0])) if f.endswith(".log"))
        create(node, "orders", 3)
        assert high_watermarks(node, "orders", range(3)) == [0, 0, 0]
    finally:
        node.close()


def limit_descriptors(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return apply


def test_more_partitions_than_descriptors_survive_a_crash():
    """With 1,024 descriptors (soft = hard), 1,500 partitions that were all written start again after SIGKILL
    (recovery opens each one's files) and serve writes and reads on every partition."""
    partitions = 1500
    node = Node(extra_args=("--set", "max.partitions=5000", "--set", "max.partitions.per.request=5000"),
                preexec_fn=limit_descriptors(1024))
    try:
        create(node, "wide", partitions)
        produce_one_each(node, "wide", range(partitions))
        node.kill_and_restart()
        assert "open-file limit" in node.broker.log()
        produce_one_each(node, "wide", range(partitions))
        assert high_watermarks(node, "wide", range(partitions)) == [2] * partitions
        fds = len(os.listdir(f"/proc/{node.broker.process.pid}/fd"))
        assert fds < 1024, f"{fds} descriptors open"
    finally:
        node.close()
