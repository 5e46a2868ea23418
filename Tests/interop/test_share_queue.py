"""Share groups as a work queue, with confluent-kafka 2.16's preview ShareConsumer (librdkafka 2.16) unmodified:
several workers on one partition, acknowledgement per record, redelivery of what a dead worker held, and state that
survives a broker SIGKILL."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from confluent_kafka import AcknowledgeType, Producer, ShareConsumer
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker, temporary_broker

# Short heartbeats and sessions so joining, leaving and expiry take about a second; locks of 2 s so that the records
# of a killed worker come back within the test.
SHARE_ARGS = (
    "--set", "group.share.heartbeat.interval.ms=500", "--set", "group.share.session.timeout.ms=2000",
    "--set", "group.share.record.lock.duration.ms=2000", "--set", "group.share.auto.offset.reset=earliest",
)


def create_topic(bootstrap, name, partitions=1):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[name].result(30)


def produce(bootstrap, topic, count, prefix="r"):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for index in range(count):
        producer.produce(topic, value=f"{prefix}{index}".encode())
        if index % 10_000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0


def share_consumer(bootstrap, group, topic, **extra):
    consumer = ShareConsumer({"bootstrap.servers": bootstrap, "group.id": group, **extra})
    consumer.subscribe([topic])
    return consumer


def drain(consumer, seconds):
    """Polls until `seconds` pass with nothing new; returns the values seen."""
    seen = []
    quiet_until = time.monotonic() + seconds
    while time.monotonic() < quiet_until:
        for message in consumer.poll(0.5):
            if message.error() is None:
                seen.append(message.value().decode())
                quiet_until = time.monotonic() + seconds
    return seen


def test_three_workers_share_one_partition_and_accept_each_record_once(tmp_path):
    """Three ShareConsumers on one partition with 30,000 records: each record is delivered to exactly one of them,
    all three do work, and once they have closed (committing their implicit acceptances) a fourth gets nothing."""
    with temporary_broker(SHARE_ARGS) as broker:
        create_topic(broker.bootstrap, "jobs")
        produce(broker.bootstrap, "jobs", 30_000)
        results = [[] for _ in range(3)]
        # max.poll.records small enough that one worker cannot take everything in one poll.
        consumers = [share_consumer(broker.bootstrap, "workers", "jobs", **{"max.poll.records": 200}) for _ in range(3)]

        def work(index):
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and sum(len(r) for r in results) < 30_000:
                for message in consumers[index].poll(0.5):
                    if message.error() is None:
                        results[index].append(message.value().decode())
                        time.sleep(0.0001)  # a little work per record, so the others get their share

        threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for consumer in consumers:
            consumer.commit_sync()
            consumer.close()
        everything = [value for result in results for value in result]
        assert len(everything) == 30_000, f"{len(everything)} deliveries, {len(set(everything))} distinct"
        assert set(everything) == {f"r{i}" for i in range(30_000)}
        assert all(len(result) > 0 for result in results), [len(r) for r in results]

        late = share_consumer(broker.bootstrap, "workers", "jobs")
        assert drain(late, 3) == []
        late.close()


WORKER = textwrap.dedent("""
    import sys, time
    from confluent_kafka import ShareConsumer
    consumer = ShareConsumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2],
                              "share.acknowledgement.mode": "explicit"})
    consumer.subscribe([sys.argv[3]])
    while True:
        messages = [m for m in consumer.poll(0.5) if m.error() is None]
        if messages:
            print(" ".join(m.value().decode() for m in messages), flush=True)
            time.sleep(3600)  # holds its records, never acknowledges: killed here
""")


def test_records_of_a_killed_worker_go_to_another_after_the_lock_expires(tmp_path):
    """A worker SIGKILLed while holding acquired records: those records reach another worker once the lock (2 s) or
    its membership expires, and no record is lost."""
    with temporary_broker(SHARE_ARGS) as broker:
        create_topic(broker.bootstrap, "held")
        produce(broker.bootstrap, "held", 50)
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, broker.bootstrap, "g", "held"], stdout=subprocess.PIPE, text=True)
        held = worker.stdout.readline().split()
        assert held, "the worker received nothing"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

        survivor = share_consumer(broker.bootstrap, "g", "held")
        seen = drain(survivor, 6)
        survivor.close()
        assert set(held) <= set(seen), f"held {held[:5]}..., seen {len(seen)}"
        assert set(seen) == {f"r{i}" for i in range(50)}


def test_release_redelivers_reject_never_and_the_delivery_limit_archives(tmp_path):
    """Explicit acknowledgement: a released record comes back with a higher delivery count, a rejected one never
    does, and a record released every time is delivered exactly five times (the delivery limit) and then no more."""
    with temporary_broker(SHARE_ARGS) as broker:
        create_topic(broker.bootstrap, "acks")
        produce(broker.bootstrap, "acks", 3)  # r0: accepted, r1: rejected, r2: always released
        consumer = share_consumer(broker.bootstrap, "g", "acks", **{"share.acknowledgement.mode": "explicit"})
        deliveries = {"r0": [], "r1": [], "r2": []}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for message in consumer.poll(0.5):
                if message.error() is not None:
                    continue
                value = message.value().decode()
                deliveries[value].append(message.delivery_count())
                kind = {"r0": AcknowledgeType.ACCEPT, "r1": AcknowledgeType.REJECT}.get(value, AcknowledgeType.RELEASE)
                consumer.acknowledge(message, kind)
            if len(deliveries["r2"]) >= 5 and time.monotonic() > deadline - 25:
                # Past the limit: poll a little longer to show nothing more comes.
                extra = drain(consumer, 2)
                assert extra == [], extra
                break
        consumer.close()
        assert deliveries["r0"] == [1]
        assert deliveries["r1"] == [1]
        assert deliveries["r2"] == [1, 2, 3, 4, 5], deliveries["r2"]


def test_broker_sigkill_keeps_accepted_records_done_and_redelivers_the_rest(tmp_path):
    """Broker SIGKILL in the middle: after restart no accepted record is delivered again and every record that was
    not accepted is delivered."""
    data = str(tmp_path / "data")
    broker = Broker(data, str(tmp_path / "first.log"), SHARE_ARGS)
    try:
        create_topic(broker.bootstrap, "durable")
        produce(broker.bootstrap, "durable", 1_000)
        consumer = share_consumer(
            broker.bootstrap, "g", "durable", **{"share.acknowledgement.mode": "explicit", "max.poll.records": 100})
        accepted = set()
        deadline = time.monotonic() + 60
        while len(accepted) < 300 and time.monotonic() < deadline:
            for message in consumer.poll(0.5):
                if message.error() is None:
                    consumer.acknowledge(message)
                    accepted.add(message.value().decode())
        consumer.commit_sync()  # the acceptances are durable once this returns
        assert len(accepted) >= 300
    finally:
        broker.kill()
    second = Broker(data, str(tmp_path / "second.log"), SHARE_ARGS)
    try:
        consumer2 = share_consumer(second.bootstrap, "g", "durable")
        seen = drain(consumer2, 5)
        consumer2.close()
    finally:
        assert second.stop() == 0, second.log()[-4000:]
    assert not accepted & set(seen), sorted(accepted & set(seen))[:5]
    assert set(seen) | accepted == {f"r{i}" for i in range(1_000)}


def test_spent_share_fetch_memory_still_delivers_one_batch_at_a_time(tmp_path):
    """With group.share.fetch.memory.bytes=0 every share fetch reads one batch past the budget: a consumer still
    receives all 2,000 records (in many small batches), so the bound never stalls a queue."""
    with temporary_broker(SHARE_ARGS + ("--set", "group.share.fetch.memory.bytes=0")) as broker:
        create_topic(broker.bootstrap, "tight")
        producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "batch.num.messages": 10})
        for index in range(2_000):
            producer.produce("tight", value=f"r{index}".encode())
        assert producer.flush(30) == 0
        consumer = share_consumer(broker.bootstrap, "g", "tight")
        seen = drain(consumer, 3)
        consumer.close()
        assert sorted(seen) == sorted(f"r{i}" for i in range(2_000))


def test_share_group_survives_restart_and_deleting_it_forgets_its_state(tmp_path):
    """A share group whose members are gone is still there after a restart (ShareGroupDescribe: Empty), keeps what
    it accepted, and DeleteGroups deletes it with its state: the same group id then starts over."""
    from test_share_groups import describe_share_group

    data = str(tmp_path / "data")
    broker = Broker(data, str(tmp_path / "first.log"), SHARE_ARGS)
    try:
        create_topic(broker.bootstrap, "kept")
        produce(broker.bootstrap, "kept", 100)
        consumer = share_consumer(broker.bootstrap, "g", "kept")
        assert len(drain(consumer, 2)) == 100
        consumer.commit_sync()
        consumer.close()
    finally:
        assert broker.stop() == 0, broker.log()[-4000:]
    second = Broker(data, str(tmp_path / "second.log"), SHARE_ARGS)
    try:
        error, state, members = describe_share_group(second.bootstrap, "g")
        assert (error, state, members) == (0, "Empty", [])
        again = share_consumer(second.bootstrap, "g", "kept")
        assert drain(again, 2) == []  # accepted before the restart: never again
        again.close()
        admin = AdminClient({"bootstrap.servers": second.bootstrap})
        admin.delete_consumer_groups(["g"])["g"].result(30)
        fresh = share_consumer(second.bootstrap, "g", "kept")
        assert len(drain(fresh, 2)) == 100  # a new group of that id starts from the log start
        fresh.close()
    finally:
        assert second.stop() == 0, second.log()[-4000:]


def test_a_topic_made_again_under_a_deleted_name_is_delivered_from_its_start(tmp_path):
    """Deleting a topic forgets its share-partitions: a new topic under the same name is delivered from its first
    record, not from where the group had got to in the old one."""
    with temporary_broker(SHARE_ARGS) as broker:
        create_topic(broker.bootstrap, "again")
        produce(broker.bootstrap, "again", 50, prefix="old")
        consumer = share_consumer(broker.bootstrap, "g", "again")
        assert len(drain(consumer, 2)) == 50
        consumer.commit_sync()
        consumer.close()
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.delete_topics(["again"])["again"].result(30)
        deadline = time.monotonic() + 30
        while True:
            try:
                create_topic(broker.bootstrap, "again")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        produce(broker.bootstrap, "again", 20, prefix="new")
        fresh = share_consumer(broker.bootstrap, "g", "again")
        seen = drain(fresh, 3)
        fresh.close()
        assert sorted(seen) == sorted(f"new{i}" for i in range(20))
