"""Durability with a real idempotent producer (confluent-kafka, librdkafka 2.16) across a SIGKILL of the broker.

The producer sends with acks=all and enable.idempotence=true and records every acknowledged (partition, offset,
value). The broker is SIGKILLed mid-stream and restarted on the same data directory and port. Every acknowledged
record must be at its offset, every record must eventually arrive, and the producer's retries must write nothing
twice.
"""

import os
import signal
import subprocess
import tempfile
import time

from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import BINARY, READY, broker_environment

RECORDS = 30_000
TOPIC = "durable"


def start(data_dir: str, log_path: str, port: int = 0):
    env = broker_environment()
    log = open(log_path, "a")
    process = subprocess.Popen(
        [BINARY, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}", "--set", "num.partitions=3"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(log_path, errors="replace") as f:
            ports = [m for line in f.read().splitlines() if (m := READY.search(line))]
        # The log file accumulates across restarts: wait for this start's line (one more than before).
        if len(ports) > start.seen.get(log_path, 0):
            start.seen[log_path] = len(ports)
            match = ports[-1]
            return process, int(match.group(1) or match.group(2))
        assert process.poll() is None, "broker exited during start-up"
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("broker did not start")


start.seen = {}


def test_acknowledged_records_survive_sigkill_and_retries_write_nothing_twice():
    parent = tempfile.mkdtemp(prefix="spool-durability-")
    data_dir, log_path = os.path.join(parent, "data"), os.path.join(parent, "broker.log")
    brokers = []
    try:
        run_scenario(data_dir, log_path, brokers)
    finally:
        # Whatever failed, no broker outlives the test.
        for process in brokers:
            if process.poll() is None:
                process.kill()
                process.wait()


def run_scenario(data_dir, log_path, brokers):
    process, port = start(data_dir, log_path)
    brokers.append(process)
    acknowledged = {}  # value -> (partition, offset)
    failures = []

    def delivered(error, message):
        if error is not None:
            failures.append(error)
        else:
            acknowledged[message.value().decode()] = (message.partition(), message.offset())

    producer = Producer({
        "bootstrap.servers": f"127.0.0.1:{port}", "enable.idempotence": True, "acks": "all", "linger.ms": 5,
        "message.timeout.ms": 120_000, "retry.backoff.ms": 100, "reconnect.backoff.max.ms": 500,
    })
    def produce(index):
        value = f"value-{index:06d}"
        while True:
            try:
                producer.produce(TOPIC, value=value.encode(), key=str(index % 97).encode(), on_delivery=delivered)
                return
            except BufferError:
                producer.poll(0.1)

    # Produce at a steady pace (a short poll every 100 records lets acknowledgements arrive); once a tenth is
    # acknowledged, kill -9 the broker while later records are still in flight, restart it on the same data
    # directory and port, and keep producing.
    killed = False
    in_flight_at_kill = 0
    acknowledged_before_kill = {}
    for index in range(RECORDS):
        produce(index)
        if index % 100 == 0:
            producer.poll(0.005)
        if not killed and len(acknowledged) >= RECORDS // 10:
            acknowledged_before_kill = dict(acknowledged)
            in_flight_at_kill = index + 1 - len(acknowledged_before_kill)
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed = True
            process, _ = start(data_dir, log_path, port)
            brokers.append(process)
    print(f"killed with {len(acknowledged_before_kill)} acknowledged and {in_flight_at_kill} in flight")
    assert producer.flush(120) == 0, "records were left undelivered"
    assert killed and in_flight_at_kill > 0, "nothing was in flight at the kill: the test proved nothing"
    assert not failures, f"delivery failures: {failures[:5]}"
    assert len(acknowledged) == RECORDS

    consumer = Consumer({"bootstrap.servers": f"127.0.0.1:{port}", "group.id": "unused", "enable.auto.commit": False})
    partitions = {p for p, _ in acknowledged.values()}
    consumer.assign([TopicPartition(TOPIC, p, 0) for p in partitions])
    stored = {}  # (partition, offset) -> value
    seen_values = []
    deadline = time.monotonic() + 120
    while len(stored) < RECORDS and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None or message.error():
            continue
        stored[(message.partition(), message.offset())] = message.value().decode()
        seen_values.append(message.value().decode())
    consumer.close()

    # Every acknowledged record is at its acknowledged offset, including those acknowledged before the kill.
    for value, position in acknowledged.items():
        assert stored.get(position) == value, f"{value} acknowledged at {position}, found {stored.get(position)}"
    assert all(acknowledged[v] == p for v, p in acknowledged_before_kill.items())
    # Nothing was written twice: as many records stored as produced, each value once.
    assert len(seen_values) == RECORDS and len(set(seen_values)) == RECORDS
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
