#!/usr/bin/env python3
"""OffsetCommit through the whole Kafka stack: N confluent-kafka (librdkafka) consumers of one group, each
committing its own partition synchronously in a loop for DURATION seconds, against a running broker.

    spool serve --data-dir /tmp/bench --listen 127.0.0.1:9092 &
    .venv/bin/python Benchmarks/scripts/group-commits.py 127.0.0.1:9092 [members=20] [duration_s=8]

Prints commits/s and the p50/p99 latency of one synchronous commit. The client shares the machine with
the broker, so on 2 cores this measures both together (docs/performance.md).
"""
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9092"
members = int(sys.argv[2]) if len(sys.argv) > 2 else 20
duration_s = float(sys.argv[3]) if len(sys.argv) > 3 else 8.0
topic, group = "group-commits-bench", "group-commits-bench"

admin = AdminClient({"bootstrap.servers": bootstrap})
try:
    admin.create_topics([NewTopic(topic, members, 1)])[topic].result(10)
except KafkaException:
    pass  # it exists from an earlier run
latencies = [[] for _ in range(members)]


def member(index):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    consumer.commit(offsets=[TopicPartition(topic, index, 0)], asynchronous=False)  # finds the coordinator
    offset, end = 1, time.monotonic() + duration_s
    while time.monotonic() < end:
        started = time.perf_counter()
        consumer.commit(offsets=[TopicPartition(topic, index, offset)], asynchronous=False)
        latencies[index].append(time.perf_counter() - started)
        offset += 1
    consumer.close()


threads = [threading.Thread(target=member, args=(i,)) for i in range(members)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
every = sorted(latency for one in latencies for latency in one)
count = len(every)
print(f"{members} members, {count} commits in {duration_s:.0f} s: {count / duration_s:,.0f} commits/s, "
      f"p50 {every[count // 2] * 1e3:.2f} ms, p99 {every[int(count * 0.99)] * 1e3:.2f} ms")
