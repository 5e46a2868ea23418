"""Consumer groups with unmodified clients (confluent-kafka / librdkafka 2.16, and kcat): partitions shared
within a group, moved when members leave or die, committed offsets that survive a broker restart, fan-out
to several groups, and the group admin APIs."""

import shutil
import signal
import subprocess
import sys
import time

import pytest
from confluent_kafka import Consumer, ConsumerGroupState, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker, temporary_broker

TIMEOUT_S = 30
SESSION_TIMEOUT_MS = 6000
# Fast groups: no initial rebalance delay; the default minimum session timeout (6 s) allows 6000 ms.
GROUP_ARGS = ("--set", "group.initial.rebalance.delay.ms=0")

CHILD_CONSUMER = r"""
import sys
from confluent_kafka import Consumer
bootstrap, group, topic, out = sys.argv[1:5]
seen = open(out, "a", buffering=1)
def on_assign(consumer, partitions):
    seen.write("assigned " + ",".join(str(p.partition) for p in partitions) + "\n")
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                     "auto.offset.reset": "earliest", "session.timeout.ms": 6000, "max.poll.interval.ms": 10000,
                     "heartbeat.interval.ms": 500})
consumer.subscribe([topic], on_assign=on_assign)
while True:
    messages = consumer.consume(100, 0.2)
    for m in messages:
        if m.error() is None:
            seen.write(f"record {m.partition()} {m.offset()} {m.value().decode()}\n")
    if messages:
        consumer.commit(asynchronous=False)
"""


@pytest.fixture(scope="module")
def group_broker():
    """A broker with fast group settings, shared by this module's tests."""
    with temporary_broker(GROUP_ARGS) as running:
        yield running


def create_topic(bootstrap, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)]).values():
        future.result(timeout=TIMEOUT_S)


def produce(bootstrap, topic, values, partitions):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    for index, value in enumerate(values):
        producer.produce(topic, value=value.encode(), partition=index % partitions)
    assert producer.flush(TIMEOUT_S) == 0


def consumer(bootstrap, group, **extra):
    config = {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
              "auto.offset.reset": "earliest", "session.timeout.ms": SESSION_TIMEOUT_MS,
              "max.poll.interval.ms": 10000, "heartbeat.interval.ms": 500}
    config.update(extra)
    return Consumer(config)


def drain(consumers, seen, until, timeout_s=TIMEOUT_S):
    """Polls every consumer in turn, committing after processing, until `until()` holds."""
    deadline = time.monotonic() + timeout_s
    while not until():
        assert time.monotonic() < deadline, f"timed out; seen {len(seen)} records"
        for c in consumers:
            messages = c.consume(100, 0.1)
            for m in messages:
                assert m.error() is None, m.error()
                seen.add(m.value().decode())
            if messages:
                c.commit(asynchronous=False)


def child_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def child_assignment(path):
    assigned = [line for line in child_lines(path) if line.startswith("assigned ")]
    if not assigned:
        return None
    text = assigned[-1][len("assigned "):]
    return {int(p) for p in text.split(",") if p}


def test_three_members_share_and_failover(group_broker, tmp_path):
    """Three members get two partitions each, each partition exactly once; when one closes and another is
    SIGKILLed the survivor gets all six within the session timeout, and with commits after processing no
    record is lost."""
    bootstrap, topic, group = group_broker.bootstrap, "groups-share", "share-group"
    create_topic(bootstrap, topic, 6)
    out = tmp_path / "child.txt"
    child = subprocess.Popen([sys.executable, "-c", CHILD_CONSUMER, bootstrap, group, topic, str(out)])
    try:
        a, b = consumer(bootstrap, group), consumer(bootstrap, group)
        a.subscribe([topic])
        b.subscribe([topic])
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            for c in (a, b):
                c.poll(0.1)
            mine = [{p.partition for p in c.assignment()} for c in (a, b)]
            theirs = child_assignment(out) if out.exists() else None
            if theirs is not None and all(len(s) == 2 for s in mine) and len(theirs) == 2:
                break
            assert time.monotonic() < deadline, f"assignment never settled: {mine} {theirs}"
        assert mine[0] | mine[1] | theirs == set(range(6))
        assert not (mine[0] & mine[1]) and not (mine[0] & theirs) and not (mine[1] & theirs)

        values = [f"r{i}" for i in range(600)]
        produce(bootstrap, topic, values[:300], 6)
        seen = set()

        def child_seen():
            return {line.split()[3] for line in child_lines(out) if line.startswith("record ")}

        drain([a, b], seen, lambda: seen | child_seen() >= set(values[:300]))
        a.close()
        child.send_signal(signal.SIGKILL)
        child.wait()
        started = time.monotonic()
        while len(b.assignment()) != 6:
            b.poll(0.1)
            assert time.monotonic() - started < SESSION_TIMEOUT_MS / 1000 + 5, f"b holds {b.assignment()}"
        produce(bootstrap, topic, values[300:], 6)
        drain([b], seen, lambda: seen | child_seen() >= set(values))
        b.close()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_two_groups_each_get_every_record(group_broker):
    """Every group receives every record of a topic (publish-subscribe across groups)."""
    bootstrap, topic = group_broker.bootstrap, "groups-fanout"
    create_topic(bootstrap, topic, 3)
    values = [f"f{i}" for i in range(90)]
    produce(bootstrap, topic, values, 3)
    for group in ("fan-a", "fan-b"):
        c = consumer(bootstrap, group)
        c.subscribe([topic])
        seen = set()
        drain([c], seen, lambda: seen >= set(values))
        assert seen == set(values)
        c.close()


def test_admin_lists_describes_alters_and_deletes_groups(group_broker):
    """AdminClient lists and describes groups, lists and alters their offsets, and deletes an empty group."""
    bootstrap, topic, group = group_broker.bootstrap, "groups-admin", "admin-group"
    create_topic(bootstrap, topic, 2)
    produce(bootstrap, topic, [f"a{i}" for i in range(10)], 2)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    c = consumer(bootstrap, group)
    c.subscribe([topic])
    seen = set()
    drain([c], seen, lambda: len(seen) == 10)

    listed = admin.list_consumer_groups(states={ConsumerGroupState.STABLE}).result(timeout=TIMEOUT_S)
    assert group in {g.group_id for g in listed.valid}
    described = admin.describe_consumer_groups([group])[group].result(timeout=TIMEOUT_S)
    assert described.state == ConsumerGroupState.STABLE
    assert len(described.members) == 1
    assert {tp.partition for tp in described.members[0].assignment.topic_partitions} == {0, 1}
    # Kafka's client host is "/" and the address, as kafka-consumer-groups and AdminClient show it.
    assert described.members[0].host == "/127.0.0.1", described.members[0].host

    request = [ConsumerGroupTopicPartitions(group, [TopicPartition(topic, 0), TopicPartition(topic, 1)])]
    offsets = admin.list_consumer_group_offsets(request)[group].result(timeout=TIMEOUT_S)
    assert sorted(tp.offset for tp in offsets.topic_partitions) == [5, 5]

    # Offsets of a group with members cannot be altered, nor the group deleted.
    busy = admin.delete_consumer_groups([group])[group]
    with pytest.raises(Exception):
        busy.result(timeout=TIMEOUT_S)
    c.close()

    change = [ConsumerGroupTopicPartitions(group, [TopicPartition(topic, 0, 2)])]
    admin.alter_consumer_group_offsets(change)[group].result(timeout=TIMEOUT_S)
    offsets = admin.list_consumer_group_offsets(request)[group].result(timeout=TIMEOUT_S)
    assert {tp.partition: tp.offset for tp in offsets.topic_partitions} == {0: 2, 1: 5}
    empty = admin.list_consumer_groups(states={ConsumerGroupState.EMPTY}).result(timeout=TIMEOUT_S)
    assert group in {g.group_id for g in empty.valid}

    admin.delete_consumer_groups([group])[group].result(timeout=TIMEOUT_S)
    listed = admin.list_consumer_groups().result(timeout=TIMEOUT_S)
    assert group not in {g.group_id for g in listed.valid}
    offsets = admin.list_consumer_group_offsets(request)[group].result(timeout=TIMEOUT_S)
    assert [tp.offset for tp in offsets.topic_partitions] == [-1001, -1001]


def test_kcat_balanced_group(group_broker, tmp_path):
    """Two kcat -G members split a 4-partition topic two and two and together print every record."""
    bootstrap, topic, group = group_broker.bootstrap, "groups-kcat", "kcat-group"
    create_topic(bootstrap, topic, 4)
    kcat = shutil.which("kcat")
    if kcat is None:
        pytest.fail("kcat is not installed (make test-deps)")
    members = []
    for name in ("k1", "k2"):
        out, err = open(tmp_path / f"{name}.out", "w"), open(tmp_path / f"{name}.err", "w")
        members.append(subprocess.Popen(
            [kcat, "-u", "-b", bootstrap, "-G", group, "-X", f"session.timeout.ms={SESSION_TIMEOUT_MS}",
             "-X", "auto.offset.reset=earliest", "-f", "%s\\n", topic], stdout=out, stderr=err))
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            lasts = []
            for name in ("k1", "k2"):
                lines = [l for l in (tmp_path / f"{name}.err").read_text().splitlines() if "assigned:" in l]
                lasts.append(lines[-1] if lines else "")
            if all(line.count(f"{topic} [") == 2 for line in lasts):
                break
            assert time.monotonic() < deadline, f"kcat members never balanced: {lasts}"
            time.sleep(0.2)
        values = [f"k{i}" for i in range(40)]
        produce(bootstrap, topic, values, 4)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            printed = set()
            for name in ("k1", "k2"):
                printed |= set((tmp_path / f"{name}.out").read_text().split())
            if printed >= set(values):
                break
            assert time.monotonic() < deadline, f"kcat printed {len(printed)} of {len(values)}"
            time.sleep(0.2)
    finally:
        for member in members:
            member.terminate()
            member.wait(timeout=TIMEOUT_S)


def test_group_resumes_after_restart(tmp_path):
    """After a broker restart a group resumes exactly after its committed offsets."""
    data = str(tmp_path / "data")
    first = Broker(data, str(tmp_path / "first.log"), GROUP_ARGS)
    topic, group = "groups-restart", "restart-group"
    try:
        create_topic(first.bootstrap, topic, 3)
        values = [f"x{i}" for i in range(60)]
        produce(first.bootstrap, topic, values, 3)
        c = consumer(first.bootstrap, group)
        c.subscribe([topic])
        seen = set()
        drain([c], seen, lambda: seen >= set(values))
        committed = {tp.partition: tp.offset for tp in
                     c.committed([TopicPartition(topic, p) for p in range(3)], timeout=TIMEOUT_S)}
        c.close()
    finally:
        assert first.stop() == 0
    assert committed == {0: 20, 1: 20, 2: 20}

    second = Broker(data, str(tmp_path / "second.log"), GROUP_ARGS)
    try:
        more = [f"y{i}" for i in range(30)]
        produce(second.bootstrap, topic, more, 3)
        c = consumer(second.bootstrap, group)
        c.subscribe([topic])
        firsts = {}
        got = []
        deadline = time.monotonic() + TIMEOUT_S
        while len(got) < len(more):
            assert time.monotonic() < deadline, f"got {got}"
            m = c.poll(0.2)
            if m is None:
                continue
            assert m.error() is None, m.error()
            firsts.setdefault(m.partition(), m.offset())
            got.append(m.value().decode())
        time.sleep(0.5)
        assert c.poll(0.5) is None
        c.close()
        assert sorted(got) == sorted(more)
        assert firsts == committed
    finally:
        assert second.stop() == 0


def test_static_member_rejoins_without_rebalance(group_broker):
    """A consumer restarting with its group.instance.id gets its partitions back while the other member
    keeps its own: no revocation, no rebalance."""
    bootstrap, topic, group = group_broker.bootstrap, "groups-static", "static-group"
    create_topic(bootstrap, topic, 4)
    revoked = []

    def static(instance, **callbacks):
        c = consumer(bootstrap, group, **{"group.instance.id": instance})
        c.subscribe([topic], **callbacks)
        return c

    def settle(members):
        deadline = time.monotonic() + TIMEOUT_S
        while [len(c.assignment()) for c in members] != [2, 2]:
            assert time.monotonic() < deadline, [c.assignment() for c in members]
            for c in members:
                c.poll(0.1)

    first = static("instance-1")
    second = static("instance-2", on_revoke=lambda c, partitions: revoked.append(partitions))
    settle([first, second])
    kept = {p.partition for p in second.assignment()}
    revoked.clear()  # the first assignment may have moved partitions while both were joining
    first.close()  # a static member sends no LeaveGroup: the group waits for it until its session expires
    first = static("instance-1")
    settle([first, second])
    assert {p.partition for p in second.assignment()} == kept
    assert revoked == []
    first.close()
    second.close()
