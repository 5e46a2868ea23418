"""Transactions against a real `spool serve`, with confluent-kafka (librdkafka 2.16) and kcat (librdkafka 2.0.2):
commit and abort across partitions, read_committed and read_uncommitted consumers, consume-transform-produce with
offsets committed in the transaction, zombie fencing, and SIGKILL at random points of commits and aborts.

Every record a transaction writes carries its transaction's name and size in its value ("name:index/size"), so a
reader can tell a whole transaction from part of one.
"""

import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter

import pytest
from confluent_kafka import Consumer, IsolationLevel, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

from conftest import Broker, free_port

TXN_ARGS = ("--set", "transaction.abort.timed.out.transaction.cleanup.interval.ms=500")


def create(bootstrap, topic, partitions=3, configs=None):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, config=configs or {})])[topic].result(10)


def transactional_producer(bootstrap, transactional_id, **settings):
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": transactional_id,
                         "transaction.timeout.ms": 10000, "linger.ms": 2, **settings})
    producer.init_transactions(15)
    return producer


def end_offsets(bootstrap, topic, partitions, isolation):
    """ListOffsets LATEST per partition at the isolation level: the LSO for read_committed, the HW otherwise."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    request = {TopicPartition(topic, p): OffsetSpec.latest() for p in range(partitions)}
    futures = admin.list_offsets(request, isolation_level=isolation, request_timeout=10)
    return {tp.partition: future.result(10).offset for tp, future in futures.items()}


def read(bootstrap, topic, partitions, isolation):
    """Every record a consumer at `isolation` gets from offset 0 up to the partition's end at that level, as
    (partition, offset, value) in offset order per partition."""
    level = "read_committed" if isolation == IsolationLevel.READ_COMMITTED else "read_uncommitted"
    ends = end_offsets(bootstrap, topic, partitions, isolation)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{random.random()}",
                         "enable.auto.commit": False, "isolation.level": level, "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    records, done = [], set()
    deadline = time.monotonic() + 30
    while len(done) < partitions and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            # EOF means caught up with the end at this level; the position must then be that end.
            assert message.error().code() == -191, message.error()
            position = consumer.position([TopicPartition(topic, message.partition())])[0].offset
            # No position yet (nothing read): the consumer is still at its start, offset 0.
            if max(position, 0) >= ends[message.partition()]:
                done.add(message.partition())
            continue
        records.append((message.partition(), message.offset(), message.value().decode()))
    consumer.close()
    assert len(done) == partitions, f"not caught up: {done} of {partitions}, ends {ends}"
    return records


def transactions_seen(records):
    """name -> how many of its records were read, checking each record's declared size."""
    seen, sizes = Counter(), {}
    for _partition, _offset, value in records:
        name, position = value.split(":")
        _index, size = position.split("/")
        seen[name] += 1
        sizes[name] = int(size)
    return seen, sizes


def test_read_committed_sees_exactly_the_committed_transactions(broker):
    """A transactional producer commits and aborts alternately across 3 partitions, with segments small enough
    that transactions span segments: read_committed sees exactly the committed records, read_uncommitted every
    record, and kcat (librdkafka 2.0.2) at read_committed agrees with confluent-kafka."""
    topic = "txn-alternate"
    create(broker.bootstrap, topic, 3, {"segment.bytes": "65536"})
    producer = transactional_producer(broker.bootstrap, "alternate")
    committed, aborted = set(), set()
    for n in range(40):
        producer.begin_transaction()
        for i in range(30):
            producer.produce(topic, value=f"t{n}:{i}/30".encode() + b"." * 200, partition=i % 3)
        if n % 2 == 0:
            producer.commit_transaction(15)
            committed.update(f"t{n}:{i}/30" for i in range(30))
        else:
            # Sent before the abort: librdkafka purges what it has not sent yet when a transaction aborts.
            assert producer.flush(15) == 0
            producer.abort_transaction(15)
            aborted.update(f"t{n}:{i}/30" for i in range(30))

    strip = lambda records: [(p, o, v.rstrip(".")) for p, o, v in records]
    read_committed = strip(read(broker.bootstrap, topic, 3, IsolationLevel.READ_COMMITTED))
    assert sorted(v for _, _, v in read_committed) == sorted(committed)
    read_uncommitted = strip(read(broker.bootstrap, topic, 3, IsolationLevel.READ_UNCOMMITTED))
    assert sorted(v for _, _, v in read_uncommitted) == sorted(committed | aborted)

    kcat = subprocess.run(
        ["kcat", "-C", "-b", broker.bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
         "-X", "isolation.level=read_committed", "-f", "%p %o %s\n"],
        capture_output=True, text=True, timeout=60, check=True)
    by_kcat = sorted(line.split(" ")[2].rstrip(".") for line in kcat.stdout.splitlines() if line)
    assert by_kcat == sorted(committed)
    # The LSO reaches the log end once nothing is open.
    assert end_offsets(broker.bootstrap, topic, 3, IsolationLevel.READ_COMMITTED) == \
        end_offsets(broker.bootstrap, topic, 3, IsolationLevel.READ_UNCOMMITTED)


def test_read_committed_waits_for_an_open_transaction(broker):
    """While a transaction is open, read_committed consumers stop before it (the LSO) and read_uncommitted ones
    read on; after the commit both see it."""
    topic = "txn-open"
    create(broker.bootstrap, topic, 1)
    producer = transactional_producer(broker.bootstrap, "open")
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, value=f"open:{i}/5".encode(), partition=0)
    producer.flush(10)
    assert end_offsets(broker.bootstrap, topic, 1, IsolationLevel.READ_COMMITTED) == {0: 0}
    assert end_offsets(broker.bootstrap, topic, 1, IsolationLevel.READ_UNCOMMITTED) == {0: 5}
    assert read(broker.bootstrap, topic, 1, IsolationLevel.READ_COMMITTED) == []
    producer.commit_transaction(15)
    assert [v for _, _, v in read(broker.bootstrap, topic, 1, IsolationLevel.READ_COMMITTED)] == \
        [f"open:{i}/5" for i in range(5)]


def test_consume_transform_produce_is_exactly_once(broker):
    """Consume-transform-produce with the input offsets sent to each transaction, a third of the transactions
    aborted (the consumer then seeks back to its committed offsets): the output holds each input record's result
    exactly once, and the group's committed offsets are the input's end offsets."""
    source, sink, group = "ctp-in", "ctp-out", "ctp-group"
    create(broker.bootstrap, source, 3)
    create(broker.bootstrap, sink, 3)
    feeder = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    for i in range(600):
        feeder.produce(source, key=str(i).encode(), value=f"in-{i}".encode(), partition=i % 3)
    assert feeder.flush(30) == 0

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    assignment = [TopicPartition(source, p) for p in range(3)]
    consumer.assign([TopicPartition(source, p, 0) for p in range(3)])
    producer = transactional_producer(broker.bootstrap, "ctp")
    rng = random.Random(17)
    aborts = commits = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        messages = [m for m in consumer.consume(40, 1.0) if not m.error()]
        if not messages:
            committed = consumer.committed(assignment, 10)
            if [tp.offset for tp in committed] == [200, 200, 200]:
                break
            continue
        producer.begin_transaction()
        for message in messages:
            producer.produce(sink, key=message.key(), value=b"out-" + message.value(), partition=message.partition())
        positions = consumer.position(assignment)
        producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 15)
        if rng.random() < 0.33:
            producer.abort_transaction(15)
            aborts += 1
            for tp in consumer.committed(assignment, 10):
                consumer.seek(TopicPartition(source, tp.partition, tp.offset if tp.offset >= 0 else 0))
        else:
            producer.commit_transaction(15)
            commits += 1
    consumer.close()
    assert aborts > 0 and commits > 0
    output = read(broker.bootstrap, sink, 3, IsolationLevel.READ_COMMITTED)
    values = Counter(v for _, _, v in output)
    assert values == Counter(f"out-in-{i}" for i in range(600)), \
        f"missing {600 - len(values)}, duplicated {[v for v, c in values.items() if c > 1][:5]}"
    check = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group})
    assert [tp.offset for tp in check.committed(assignment, 10)] == [200, 200, 200]
    check.close()


def test_a_second_producer_fences_the_first(broker):
    """A second producer with the same transactional id fences the first: the first's open transaction is
    aborted (read_committed never sees it) and its commit fails with a fatal fenced error."""
    topic = "txn-fence"
    create(broker.bootstrap, topic, 1)
    first = transactional_producer(broker.bootstrap, "fence")
    first.begin_transaction()
    for i in range(10):
        first.produce(topic, value=f"zombie:{i}/10".encode(), partition=0)
    first.flush(10)
    second = transactional_producer(broker.bootstrap, "fence")
    with pytest.raises(KafkaException) as caught:
        first.commit_transaction(15)
    error = caught.value.args[0]
    assert error.fatal(), error
    assert error.code() == KafkaError._FENCED, error
    second.begin_transaction()
    for i in range(5):
        second.produce(topic, value=f"successor:{i}/5".encode(), partition=0)
    second.commit_transaction(15)
    seen = [v for _, _, v in read(broker.bootstrap, topic, 1, IsolationLevel.READ_COMMITTED)]
    assert seen == [f"successor:{i}/5" for i in range(5)]


def run_transactions(bootstrap, topic, name, stop, log):
    """Commits and aborts small transactions on 2 partitions until `stop` is set or the broker goes away."""
    try:
        producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "crash", "linger.ms": 1,
                             "transaction.timeout.ms": 3000, "message.timeout.ms": 3000,
                             "socket.timeout.ms": 2000})
        producer.init_transactions(10)
        n = 0
        while not stop.is_set():
            size = random.randint(1, 12)
            producer.begin_transaction()
            for i in range(size):
                producer.produce(topic, value=f"{name}-{n}:{i}/{size}".encode(), partition=i % 2)
            if n % 3 == 2:
                producer.abort_transaction(5)
            else:
                producer.commit_transaction(5)
                log.append(f"{name}-{n}")
            n += 1
    except KafkaException:
        pass  # the broker was killed under it


def test_sigkill_during_commits_and_aborts_never_shows_part_of_a_transaction():
    """A producer commits and aborts small transactions back to back while the broker is SIGKILLed at random
    moments, 12 times. After every restart read_committed sees only whole transactions, every transaction
    acknowledged as committed is there, and an open transaction is aborted after its timeout so that the last
    stable offset reaches the log end."""
    parent = tempfile.mkdtemp(prefix="spool-txn-crash-")
    data_dir = os.path.join(parent, "data")
    args = TXN_ARGS + ("--listen", f"127.0.0.1:{free_port()}")
    topic = "txn-crash"
    acknowledged = []
    broker = Broker(data_dir, os.path.join(parent, "broker-0.log"), args)
    try:
        create(broker.bootstrap, topic, 2)
        rng = random.Random(5)
        for trial in range(12):
            stop = threading.Event()
            worker = threading.Thread(
                target=run_transactions, args=(broker.bootstrap, topic, f"r{trial}", stop, acknowledged))
            worker.start()
            time.sleep(rng.uniform(0.5, 2.0))
            broker.kill()
            stop.set()
            worker.join(30)
            assert not worker.is_alive()
            broker = Broker(data_dir, os.path.join(parent, f"broker-{trial + 1}.log"), args)
            seen, sizes = transactions_seen(read(broker.bootstrap, topic, 2, IsolationLevel.READ_COMMITTED))
            partial = {name: (count, sizes[name]) for name, count in seen.items() if count != sizes[name]}
            assert partial == {}, f"trial {trial}: part of a transaction is visible"
            missing = [name for name in acknowledged if name not in seen]
            assert missing == [], f"trial {trial}: acknowledged commits lost"
        assert len(acknowledged) >= 12, "too few commits to prove anything"
        # The last killed producer may have left a transaction open; its timeout (3 s) aborts it.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if end_offsets(broker.bootstrap, topic, 2, IsolationLevel.READ_COMMITTED) == \
                    end_offsets(broker.bootstrap, topic, 2, IsolationLevel.READ_UNCOMMITTED):
                break
            time.sleep(0.5)
        assert end_offsets(broker.bootstrap, topic, 2, IsolationLevel.READ_COMMITTED) == \
            end_offsets(broker.bootstrap, topic, 2, IsolationLevel.READ_UNCOMMITTED)
    finally:
        status = broker.stop()
        log = broker.log()
        shutil.rmtree(parent, ignore_errors=True)
        assert status == 0, log[-4000:]
