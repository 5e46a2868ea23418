"""Storage faults against the real broker (issue 11): a damaged index, preallocated disk, a disk full at SIGTERM.

Each test drives `spool serve` with confluent-kafka (librdkafka), stops or kills it, changes or measures the data
directory on disk, and restarts it on the same directory.
"""

import errno
import os
import shutil
import struct
import subprocess
import tempfile
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker

INDEX_WARNING = "segment index does not match the log"
TIME_INDEX_WARNING = "final time index entry not written"
SNAPSHOT_WARNING = "producer snapshot not written at close"
CHECKPOINT_WARNING = "recovery checkpoint not written at shutdown"


@pytest.fixture
def workdir():
    parent = tempfile.mkdtemp(prefix="spool-storage-")
    yield parent
    shutil.rmtree(parent, ignore_errors=True)


def start(workdir, run, extra_args=()):
    return Broker(os.path.join(workdir, "data"), os.path.join(workdir, f"broker-{run}.log"), extra_args)


def create_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(timeout=30)


def produce(broker, topic, values, partition=0, timestamp=0, **config):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", **config})
    for value in values:
        producer.produce(topic, value=value, partition=partition, timestamp=timestamp)
        producer.poll(0)
    assert producer.flush(60) == 0, "records were left undelivered"


def consume(broker, topic, start_offset, until_offset, partition=0):
    """The offsets of the records from start_offset up to (excluding) until_offset, in the order they arrive."""
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "storage-test",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, partition, start_offset)])
    offsets = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not offsets or offsets[-1] < until_offset - 1):
        message = consumer.poll(0.5)
        if message is None:
            continue
        assert not message.error(), f"consumer error at {offsets[-1:] or start_offset}: {message.error()}"
        offsets.append(message.offset())
    consumer.close()
    return offsets


def allocated_bytes(path):
    return os.stat(path).st_blocks * 512


def test_damaged_index_entry_is_detected_logged_rebuilt_and_no_offset_is_skipped(workdir):
    """An older segment's .index entry moved off its batch boundary (entries still ordered) must not make a fetch
    skip to the next segment: the read detects it, logs one warning, rebuilds the index and serves every offset."""
    args = ("--set", "log.segment.bytes=65536")
    broker = start(workdir, 1, args)
    records = 4000
    produce(broker, "damaged", [b"v" * 100 for _ in range(records)], **{"linger.ms": 5, "batch.num.messages": 10})
    assert broker.stop() == 0
    partition_dir = os.path.join(workdir, "data", "damaged-0")
    indexes = sorted(name for name in os.listdir(partition_dir) if name.endswith(".index"))
    assert len(indexes) >= 3, f"expected several segments, found {indexes}"
    # The second segment is an older one: move its middle entry's position one byte on, off the batch boundary.
    path = os.path.join(partition_dir, indexes[1])
    base_offset = int(indexes[1].split(".")[0])
    with open(path, "r+b") as index:
        entries = [struct.unpack(">II", index.read(8)) for _ in range(os.path.getsize(path) // 8)]
        middle = len(entries) // 2
        relative, position = entries[middle]
        assert entries[middle + 1][1] > position + 1, "the damaged entry must stay ordered"
        index.seek(middle * 8 + 4)
        index.write(struct.pack(">I", position + 1))
    target = base_offset + relative + 1

    broker = start(workdir, 2, args)
    try:
        from_target = consume(broker, "damaged", target, records)
        from_zero = consume(broker, "damaged", 0, records)
    finally:
        assert broker.stop() == 0
    assert from_target[:3] == [target, target + 1, target + 2], f"a fetch at {target} began at {from_target[:3]}"
    assert from_target == list(range(target, records))
    assert from_zero == list(range(records))
    assert broker.log().count(INDEX_WARNING) == 1, broker.log()[-3000:]


def test_quiet_partitions_reserve_little_disk_and_a_restart_after_sigkill_trims_it(workdir):
    """One small batch in each of 200 partitions must not tie up gigabytes of preallocated disk, and after
    a SIGKILL the restart gives back what the killed run had reserved beyond each active segment's data."""
    broker = start(workdir, 1)
    partitions = 200
    create_topic(broker, "quiet", partitions)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
    for partition in range(partitions):
        producer.produce("quiet", value=b"one small record", partition=partition)
    assert producer.flush(60) == 0
    data = os.path.join(workdir, "data")

    def log_files():
        return [os.path.join(root, name) for root, _, names in os.walk(data) for name in names
                if name.endswith(".log")]

    total = sum(allocated_bytes(os.path.join(root, name)) for root, _, names in os.walk(data) for name in names)
    assert total < 100 << 20, f"{total / 2**20:.0f} MiB allocated for {partitions} one-record partitions"
    broker.process.kill()
    broker.process.wait()
    broker.stop()

    broker = start(workdir, 2)
    try:
        untrimmed = [(path, allocated_bytes(path), os.path.getsize(path)) for path in log_files()
                     if allocated_bytes(path) > max(4096, -(-os.path.getsize(path) // 4096) * 4096)]
        assert not untrimmed, f"{len(untrimmed)} segments hold blocks beyond their data, e.g. {untrimmed[:3]}"
    finally:
        assert broker.stop() == 0


@pytest.mark.parametrize("preallocate", ["default", "off"])
def test_sigterm_on_a_full_disk_exits_0_and_the_next_start_is_clean(workdir, preallocate):
    """With the disk full, SIGTERM must still sync the data, skip the optional final time index entry (and the
    producer snapshot and recovery checkpoint when they find no space either), write the clean-shutdown marker
    and exit 0; the next start needs no recovery and still finds records by timestamp. With preallocation on,
    trimming the reservation at close frees room for the snapshot and the checkpoint; off, nothing does."""
    args = ("--set", "log.preallocate.max.bytes=0") if preallocate == "off" else ()
    skipped = [TIME_INDEX_WARNING] + ([SNAPSHOT_WARNING, CHECKPOINT_WARNING] if preallocate == "off" else [])
    assert os.geteuid() == 0, "this test mounts a tmpfs as a small full disk: run tests as root"
    data = os.path.join(workdir, "data")
    os.makedirs(data)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", data], check=True)
    try:
        broker = start(workdir, 1, args)
        create_topic(broker, "full", 1)
        # One batch: the active segment's time index is still empty, so its final entry needs a new block.
        timestamp = 1_700_000_000_000
        produce(broker, "full", [b"before the disk filled"], timestamp=timestamp)
        filler = os.path.join(data, "filler")
        with open(filler, "wb", buffering=0) as f:
            for chunk in (65536, 4096):  # down to the last page, so that every new block is refused
                try:
                    while True:
                        f.write(b"\0" * chunk)
                except OSError as error:
                    assert error.errno == errno.ENOSPC
        status = broker.stop()
        log = broker.log()
        assert status == 0, log[-3000:]
        assert os.path.exists(os.path.join(data, ".clean-shutdown")), log[-3000:]
        assert [warning for warning in skipped if warning in log] == skipped, log[-3000:]

        os.remove(filler)
        broker = start(workdir, 2, args)
        try:
            log = broker.log()
            assert "cleanShutdown=true" in log and "recovered partition" not in log, log
            assert consume(broker, "full", 0, 1) == [0]
            consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "storage-test"})
            found = consumer.offsets_for_times([TopicPartition("full", 0, timestamp)], timeout=10)
            consumer.close()
            assert found[0].offset == 0, "the record's timestamp was lost with the time index entry"
        finally:
            assert broker.stop() == 0
    finally:
        subprocess.run(["umount", data], check=False)
