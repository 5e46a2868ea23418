"""A tailing consumer (confluent-kafka, librdkafka 2.16) against the real broker while records are produced one by
one: its fetches after each append are answered from the active segment's recent batch positions in memory
(`PartitionLog.readRecent`, issue 19), which segment rolls and a tight open-file budget keep clearing. Every
record must arrive exactly once, in order, with its value, and the high watermark must never trail what arrived."""

import os
import threading
import urllib.request

import pytest

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from prometheus_client.parser import text_string_to_metric_families

from conftest import temporary_broker

TIMEOUT_S = 30
RECORDS = 3_000


@pytest.mark.parametrize("open_files", [8, 0])
def test_tailing_consumer_reads_every_record_across_rolls_and_descriptor_releases(open_files):
    # 16 KiB segments roll every ~100 records (each roll clears the recent batch positions). With 8 open log files
    # for 4 partitions' segments and indexes the broker also gives idle logs' descriptors back over and over (logged
    # at debug level), and the positions with them; with the default budget (0: derived from the open-file limit)
    # it never needs to.
    with temporary_broker(["--set", f"log.max.open.files={open_files}", "--set", "log.level=debug"]) as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic("tail", num_partitions=4, config={"segment.bytes": "16384"})])[
            "tail"].result(timeout=TIMEOUT_S)
        consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "tail", "enable.auto.commit": False,
                             "fetch.wait.max.ms": 100, "enable.partition.eof": False})
        consumer.assign([TopicPartition("tail", partition, 0) for partition in range(4)])
        received = {partition: [] for partition in range(4)}
        problems = []
        done = threading.Event()

        def read():
            count = 0
            while count < RECORDS and not done.is_set():
                for message in consumer.consume(num_messages=100, timeout=1):
                    if message.error() is not None:
                        problems.append(str(message.error()))
                        continue
                    received[message.partition()].append((message.offset(), message.value()))
                    _, high = consumer.get_watermark_offsets(
                        TopicPartition("tail", message.partition()), cached=True)
                    if high >= 0 and high <= message.offset():
                        problems.append(f"offset {message.offset()} arrived with high watermark {high}")
                    count += 1

        reader = threading.Thread(target=read)
        reader.start()
        producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 0})
        sent = {partition: [] for partition in range(4)}
        try:
            for index in range(RECORDS):
                partition = index % 4
                value = f"record {index} ".encode() + bytes(index % 97)
                producer.produce("tail", value=value, partition=partition)
                sent[partition].append(value)
                # One at a time, mostly: the consumer is at the tail for nearly every append.
                if index % 3 == 0:
                    assert producer.flush(TIMEOUT_S) == 0
            assert producer.flush(TIMEOUT_S) == 0
            reader.join(timeout=TIMEOUT_S)
        finally:
            done.set()
            reader.join(timeout=TIMEOUT_S)
            consumer.close()
        assert problems == []
        for partition in range(4):
            offsets = [offset for offset, _ in received[partition]]
            assert offsets == list(range(len(sent[partition]))), f"partition {partition}: offsets out of order or missing"
            assert [value for _, value in received[partition]] == sent[partition], f"partition {partition}: values"
        # What the run was meant to exercise did happen: segments rolled, descriptors were given back.
        for partition in range(4):
            segments = [name for name in os.listdir(os.path.join(broker.data_dir, f"tail-{partition}"))
                        if name.endswith(".log")]
            assert len(segments) > 3, f"partition {partition} did not roll: {segments}"
        releases = broker.log().count("gave back idle log descriptors")
        assert releases > 10 if open_files else releases == 0
        # Most reads after appends were answered from memory, read_committed (librdkafka's default) included: a
        # consumer at the tail reads the batch the last append recorded, even just after the positions were cleared.
        with urllib.request.urlopen(f"{broker.admin_url}/metrics", timeout=10) as response:
            text = response.read().decode()
        reads = {sample.labels["from"]: sample.value
                 for family in text_string_to_metric_families(text) if family.name == "spool_fetch_reads"
                 for sample in family.samples if sample.name == "spool_fetch_reads_total"}
        assert reads.get("memory", 0) > 1_000 and reads.get("memory", 0) > 2 * reads.get("pool", 0), reads
