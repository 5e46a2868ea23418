"""Prometheus /metrics on the admin listener, scraped over HTTP and read with prometheus_client's text parser: exact
consumer-group lag after a real confluent-kafka consumer commits, the group's total, traffic counters that grow,
request counters per API and version, share-group record counts once a ShareConsumer holds records, and a HELP
line and a docs/metrics.md entry for every family."""

import pathlib
import re
import time
import urllib.request

from confluent_kafka import AcknowledgeType, Consumer, Producer, ShareConsumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from prometheus_client.parser import text_string_to_metric_families

from conftest import temporary_broker

ROOT = pathlib.Path(__file__).resolve().parents[2]


def scrape(broker):
    """The samples of /metrics as {(name, frozenset(labels)): value}, and the families as {name: family}."""
    with urllib.request.urlopen(f"{broker.admin_url}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    samples = {}
    for family in families.values():
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, families


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def create_topic(bootstrap, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[name].result(30)


def produce(bootstrap, topic, counts):
    """Produces counts[p] records to partition p."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for partition, count in enumerate(counts):
        for index in range(count):
            producer.produce(topic, value=f"p{partition}-{index}".encode(), partition=partition)
    assert producer.flush(30) == 0


def test_lag_equals_log_end_offset_less_committed_and_the_total_is_their_sum():
    """A consumer in group "billing" reads 10 and 6 records of two partitions and commits 3 and 6: the lag gauges
    are exactly 7 and 0, the group and topic totals 7, a partition never committed has no series; bytes in grows
    with a produce and Produce/OffsetCommit requests are counted per API and version."""
    with temporary_broker() as broker:
        assert broker.admin_url, f"no 'admin listener started' line:\n{broker.log()[-2000:]}"
        create_topic(broker.bootstrap, "orders", 3)
        before, _ = scrape(broker)
        produce(broker.bootstrap, "orders", [10, 6, 0])
        consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "billing",
                             "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        consumer.assign([TopicPartition("orders", 0, 0), TopicPartition("orders", 1, 0)])
        read = {0: 0, 1: 0}
        deadline = time.monotonic() + 20
        while (read[0] < 10 or read[1] < 6) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                read[message.partition()] += 1
        assert read == {0: 10, 1: 6}
        consumer.commit(offsets=[TopicPartition("orders", 0, 3), TopicPartition("orders", 1, 6)], asynchronous=False)
        consumer.close()

        samples, _ = scrape(broker)
        assert value(samples, "spool_partition_log_end_offset", topic="orders", partition="0") == 10
        assert value(samples, "spool_consumer_group_committed_offset", group="billing", topic="orders",
                     partition="0") == 3
        assert value(samples, "spool_consumer_group_lag", group="billing", topic="orders", partition="0") == 7
        assert value(samples, "spool_consumer_group_lag", group="billing", topic="orders", partition="1") == 0
        assert value(samples, "spool_consumer_group_lag", group="billing", topic="orders", partition="2") is None
        assert value(samples, "spool_consumer_group_total_lag", group="billing") == 7
        assert value(samples, "spool_consumer_group_topic_lag", group="billing", topic="orders") == 7
        assert value(samples, "spool_topic_produced_records_total", topic="orders") == 16
        assert value(samples, "spool_bytes_in_total") > value(before, "spool_bytes_in_total") + 16 * 10
        assert value(samples, "spool_topic_fetched_bytes_total", topic="orders") > 0
        produce_requests = [v for (name, labels), v in samples.items()
                            if name == "spool_requests_total" and ("api", "Produce") in labels]
        assert sum(produce_requests) >= 1
        commits = [v for (name, labels), v in samples.items()
                   if name == "spool_requests_total" and ("api", "OffsetCommit") in labels and v > 0]
        assert commits, "the OffsetCommit was not counted under its version"
        assert value(samples, "spool_connections_accepted_total") >= 3
        assert value(samples, "process_open_fds") > 0
        assert value(samples, "spool_build_info", version=value_label(samples, "spool_build_info")) == 1


def value_label(samples, name):
    return next(dict(labels)["version"] for (sample, labels) in samples if sample == name)


def test_share_group_counts_follow_what_a_share_consumer_holds():
    """A ShareConsumer (explicit acknowledgement) polls records of a 10-record partition and holds them: the broker
    reports them acquired and the rest available; once it rejects them they are no longer acquired, and nothing
    rejected becomes available again."""
    args = ("--set", "group.share.auto.offset.reset=earliest", "--set", "group.share.heartbeat.interval.ms=500")
    with temporary_broker(args) as broker:
        create_topic(broker.bootstrap, "jobs", 1)
        produce(broker.bootstrap, "jobs", [10])
        consumer = ShareConsumer({"bootstrap.servers": broker.bootstrap, "group.id": "workers",
                                  "share.acknowledgement.mode": "explicit"})
        consumer.subscribe(["jobs"])
        held = []
        deadline = time.monotonic() + 20
        while not held and time.monotonic() < deadline:
            held = [m for m in consumer.poll(0.5) if m.error() is None]
        assert held
        samples, _ = scrape(broker)
        labels = {"group": "workers", "topic": "jobs", "partition": "0"}
        acquired = value(samples, "spool_share_group_records", state="acquired", **labels)
        available = value(samples, "spool_share_group_records", state="available", **labels)
        # The client may have fetched more than one poll returned; what it fetched is acquired, the rest available.
        assert acquired >= len(held) and acquired + available == 10, (acquired, available)
        assert value(samples, "spool_share_group_topic_records", group="workers", topic="jobs",
                     state="acquired") == acquired
        for message in held:
            consumer.acknowledge(message, AcknowledgeType.REJECT)  # archived, never redelivered
        consumer.commit_sync()  # sends the acknowledgements without fetching more
        samples, _ = scrape(broker)
        assert value(samples, "spool_share_group_records", state="acquired", **labels) == acquired - len(held)
        assert value(samples, "spool_share_group_records", state="available", **labels) == available
        consumer.close()


def test_every_family_has_help_and_is_documented_in_docs_metrics_md():
    """Each family /metrics writes has a HELP text and a row in docs/metrics.md (which gives its cardinality)."""
    with temporary_broker() as broker:
        create_topic(broker.bootstrap, "t", 1)
        produce(broker.bootstrap, "t", [1])
        _, families = scrape(broker)
    documented = set(re.findall(r"`((?:spool|process)_[a-z_]+)`", (ROOT / "docs" / "metrics.md").read_text()))
    for name, family in families.items():
        assert family.documentation, f"{name} has no HELP"
        exposed = name + "_total" if family.type == "counter" else name
        assert exposed in documented, f"{exposed} is not in docs/metrics.md"
