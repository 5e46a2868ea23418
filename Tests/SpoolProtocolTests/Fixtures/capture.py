#!/usr/bin/env python3
"""Captures Kafka requests exactly as real clients send them, for Spool's golden-bytes tests.

A dev tool, not part of the build. It runs a tiny fake broker on 127.0.0.1 that answers just enough
(ApiVersions, Metadata, FindCoordinator, JoinGroup, SyncGroup, ...) for kcat (librdkafka 2.0.2, Debian)
and confluent-kafka (librdkafka 2.16, PyPI) to send the requests we want, then writes the first request
of each (api key, version) from each client to golden/<client>/<Key>-<Api>-v<version>.bin (the frame
body, without the 4-byte size prefix), and its own first answer to each to golden-responses/<client>/.
Existing files are kept.

    python3 capture.py   # needs: apt-get install kcat; pip install confluent-kafka kafka-python aiokafka
                         #        python-snappy cramjam

librdkafka sends a batch uncompressed when compression would not shrink it, so the produced values are
long and repetitive.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "golden")
# The fake broker's answers, which the clients accepted: a check on the response codecs.
OUT_RESPONSES = os.path.join(HERE, "golden-responses")
TOPIC = "golden"
API_NAMES = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit", 9: "OffsetFetch",
             10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup",
             18: "ApiVersions", 22: "InitProducerId"}
# Highest version advertised per key: flexible versions where the response below can encode them.
MAX_VERSION = {0: 9, 1: 12, 2: 7, 3: 12, 8: 8, 9: 7, 10: 2, 11: 5, 12: 3, 13: 1, 14: 3, 18: 3, 22: 4}
FIRST_FLEXIBLE = {0: 9, 1: 12, 2: 6, 3: 9, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 18: 3, 22: 2}


class Writer:
    def __init__(self, flexible):
        self.b = bytearray()
        self.flex = flexible

    def i8(self, v): self.b += struct.pack(">b", v); return self
    def i16(self, v): self.b += struct.pack(">h", v); return self
    def i32(self, v): self.b += struct.pack(">i", v); return self
    def i64(self, v): self.b += struct.pack(">q", v); return self

    def uvar(self, v):
        while v >= 0x80:
            self.b.append((v & 0x7F) | 0x80)
            v >>= 7
        self.b.append(v)
        return self

    def string(self, v):
        if v is None:
            return self.uvar(0) if self.flex else self.i16(-1)
        data = v.encode()
        self.uvar(len(data) + 1) if self.flex else self.i16(len(data))
        self.b += data
        return self

    def bytes_(self, v):
        if v is None:
            return self.uvar(0) if self.flex else self.i32(-1)
        self.uvar(len(v) + 1) if self.flex else self.i32(len(v))
        self.b += v
        return self

    def array(self, items, fn):
        self.uvar(len(items) + 1) if self.flex else self.i32(len(items))
        for item in items:
            fn(self, item)
        return self

    def tags(self):
        if self.flex:
            self.uvar(0)
        return self


class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0

    def take(self, fmt):
        (v,) = struct.unpack_from(fmt, self.d, self.p)
        self.p += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s

    def bytes_(self):
        n = self.take(">i")
        v = self.d[self.p:self.p + n]
        self.p += n
        return v


def respond(key, version, body, port, state):
    w = Writer(version >= FIRST_FLEXIBLE[key])
    if key == 18:
        w = Writer(version >= 3)
        w.i16(0).array(sorted(MAX_VERSION.items()), lambda w, kv: w.i16(kv[0]).i16(0).i16(kv[1]).tags())
        if version >= 1: w.i32(0)
        w.tags()
    elif key == 3:
        w.i32(0) if version >= 3 else None
        w.array([0], lambda w, n: (w.i32(n).string("127.0.0.1").i32(port), w.string(None) if version >= 1 else None, w.tags()))
        if version >= 2: w.string("spool-golden")
        if version >= 1: w.i32(0)

        def partition(w, p):
            w.i16(0).i32(p).i32(0)
            if version >= 7: w.i32(0)
            w.array([0], lambda w, n: w.i32(n)).array([0], lambda w, n: w.i32(n))
            if version >= 5: w.array([], None)
            w.tags()

        def topic(w, name):
            w.i16(0).string(name)
            if version >= 10: w.b += bytes(16)
            if version >= 1: w.i8(0)
            w.array([0], partition)
            if version >= 8: w.i32(-2147483648)
            w.tags()
        w.array([TOPIC], topic)
        if 8 <= version <= 10: w.i32(-2147483648)
        w.tags()
    elif key == 0:
        def partition(w, p):
            w.i32(p).i16(0).i64(state["next_offset"]).i64(-1)
            if version >= 5: w.i64(0)
            if version >= 8: w.array([], None).string(None)
            w.tags()
        state["next_offset"] += 1
        w.array([TOPIC], lambda w, t: (w.string(t), w.array([0], partition), w.tags()))
        w.i32(0).tags()
    elif key == 1:
        def partition(w, p):
            w.i32(p).i16(0).i64(0).i64(0)
            if version >= 5: w.i64(0)
            w.array([], None)
            if version >= 11: w.i32(-1)
            w.bytes_(b"")
            w.tags()
        w.i32(0).i16(0).i32(0)
        w.array([TOPIC], lambda w, t: (w.string(t), w.array([0], partition), w.tags()))
        w.tags()
        time.sleep(0.2)
    elif key == 2:
        def partition(w, p):
            w.i32(p).i16(0)
            if version == 0:
                w.array([0], lambda w, o: w.i64(o))
            else:
                w.i64(-1).i64(0)
                if version >= 4: w.i32(0)
            w.tags()
        if version >= 2: w.i32(0)
        w.array([TOPIC], lambda w, t: (w.string(t), w.array([0], partition), w.tags()))
        w.tags()
    elif key == 10:
        if version >= 1: w.i32(0)
        w.i16(0)
        if version >= 1: w.string(None)
        w.i32(0).string("127.0.0.1").i32(port)
    elif key == 11:
        r = Reader(body)
        r.string(); r.take(">i")
        if version >= 1: r.take(">i")
        r.string()
        if version >= 5: r.string()
        r.string()
        protocols = [(r.string(), r.bytes_()) for _ in range(r.take(">i"))]
        name, metadata = protocols[0]
        member = "member-1"
        if version >= 2: w.i32(0)
        w.i16(0).i32(1).string(name).string(member).string(member)
        w.array([member], lambda w, m: (w.string(m), w.string(None) if version >= 5 else None, w.bytes_(metadata)))
    elif key == 14:
        assignment = Writer(False).i16(0).array([TOPIC], lambda w, t: (w.string(t), w.array([0], lambda w, p: w.i32(p))))
        assignment.bytes_(None)
        if version >= 1: w.i32(0)
        w.i16(0).bytes_(bytes(assignment.b))
    elif key in (12, 13):
        if version >= 1: w.i32(0)
        w.i16(0)
    elif key == 8:
        if version >= 3: w.i32(0)
        w.array([TOPIC], lambda w, t: (w.string(t), w.array([0], lambda w, p: (w.i32(p).i16(0), w.tags())), w.tags()))
        w.tags()
    elif key == 9:
        def partition(w, p):
            w.i32(p).i64(-1)
            if version >= 5: w.i32(-1)
            w.string("").i16(0).tags()
        if version >= 3: w.i32(0)
        w.array([TOPIC], lambda w, t: (w.string(t), w.array([0], partition), w.tags()))
        if version >= 2: w.i16(0)
        w.tags()
    elif key == 22:
        w.i32(0).i16(0).i64(1000).i16(0).tags()
    else:
        return None
    return bytes(w.b)


def serve_connection(conn, client, port, state):
    buf = b""
    with conn:
        while True:
            try:
                chunk = conn.recv(65536)
            except ConnectionResetError:
                return
            if not chunk:
                return
            buf += chunk
            while len(buf) >= 4:
                (size,) = struct.unpack_from(">i", buf)
                if len(buf) < 4 + size:
                    break
                frame, buf = buf[4:4 + size], buf[4 + size:]
                key, version, correlation = struct.unpack_from(">hhi", frame)
                name = API_NAMES.get(key, "Key%d" % key)
                path = os.path.join(OUT, client, "%02d-%s-v%d.bin" % (key, name, version))
                if key in API_NAMES and not os.path.exists(path):
                    with open(path, "wb") as f:
                        f.write(frame)
                    print("captured", client, name, "v%d" % version, "(%d bytes)" % len(frame))
                reader = Reader(frame)
                reader.p = 8
                reader.string()  # client id
                flexible_header = key in FIRST_FLEXIBLE and version >= FIRST_FLEXIBLE[key]
                if flexible_header:
                    tag_count = frame[reader.p]
                    reader.p += 1
                    assert tag_count == 0, "tagged header fields not handled"
                response = respond(key, version, frame[reader.p:], port, state)
                if response is None:
                    print("no answer for key", key, "v%d" % version)
                    continue
                header = struct.pack(">i", correlation)
                if key != 18 and flexible_header:
                    header += b"\x00"
                out = header + response
                answer_path = os.path.join(OUT_RESPONSES, client, "%02d-%s-v%d.bin" % (key, name, version))
                if not os.path.exists(answer_path):
                    with open(answer_path, "wb") as f:
                        f.write(out)
                conn.sendall(struct.pack(">i", len(out)) + out)


def start_broker(client):
    os.makedirs(os.path.join(OUT, client), exist_ok=True)
    os.makedirs(os.path.join(OUT_RESPONSES, client), exist_ok=True)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    state = {"next_offset": 0}

    def accept_loop():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=serve_connection, args=(conn, client, port, state), daemon=True).start()
    threading.Thread(target=accept_loop, daemon=True).start()
    return server, port


def run_kcat(port):
    broker = "127.0.0.1:%d" % port
    common = ["-b", broker, "-X", "socket.timeout.ms=3000"]
    subprocess.run(["kcat", "-L", "-t", TOPIC] + common, capture_output=True, timeout=20)
    subprocess.run(["kcat", "-P", "-t", TOPIC, "-p", "0", "-z", "gzip", "-X", "enable.idempotence=true"] + common,
                   input=b"".join(b"record %d " % i + b"spool " * 20 + b"\n" for i in range(3)),
                   capture_output=True, timeout=20)
    subprocess.run(["kcat", "-C", "-t", TOPIC, "-p", "0", "-o", "beginning", "-e", "-c", "1"] + common,
                   capture_output=True, timeout=8)
    try:
        subprocess.run(["kcat", "-G", "golden-group", TOPIC, "-X", "heartbeat.interval.ms=300", "-X",
                        "auto.commit.interval.ms=500", "-c", "1"] + common, capture_output=True, timeout=6)
    except subprocess.TimeoutExpired:
        pass


def run_confluent(port):
    from confluent_kafka import Consumer, Producer, TopicPartition
    broker = "127.0.0.1:%d" % port
    producer = Producer({"bootstrap.servers": broker, "compression.type": "zstd", "enable.idempotence": True,
                         "linger.ms": 5})
    for i in range(3):
        producer.produce(TOPIC, key=b"key-%d" % i, value=b"value-%d" % i, partition=0, headers=[("h", b"v")])
    producer.flush(10)
    consumer = Consumer({"bootstrap.servers": broker, "group.id": "golden-group", "auto.offset.reset": "earliest",
                         "heartbeat.interval.ms": 300, "enable.auto.commit": False})
    consumer.subscribe([TOPIC])
    deadline = time.time() + 6
    while time.time() < deadline:
        consumer.poll(0.2)
    consumer.commit(offsets=[TopicPartition(TOPIC, 0, 3)], asynchronous=False)
    consumer.close()


def run_kafka_python(port):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.structs import OffsetAndMetadata
    broker = "127.0.0.1:%d" % port
    producer = KafkaProducer(bootstrap_servers=broker, compression_type="snappy", linger_ms=5)
    for i in range(3):
        producer.send(TOPIC, key=b"key-%d" % i, value=b"kafka-python " * 20, partition=0)
    producer.flush(10)
    producer.close(5)
    consumer = KafkaConsumer(bootstrap_servers=broker, group_id="golden-group", auto_offset_reset="earliest",
                             heartbeat_interval_ms=300, enable_auto_commit=False)
    consumer.subscribe([TOPIC])
    deadline = time.time() + 6
    while time.time() < deadline:
        consumer.poll(200)
    consumer.commit({TopicPartition(TOPIC, 0): OffsetAndMetadata(3, "", -1)})
    consumer.close()


def run_aiokafka(port):
    import asyncio
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.structs import OffsetAndMetadata
    broker = "127.0.0.1:%d" % port

    async def go():
        producer = AIOKafkaProducer(bootstrap_servers=broker, compression_type="lz4", enable_idempotence=True,
                                    linger_ms=5)
        await producer.start()
        batch = producer.create_batch()
        for i in range(3):
            batch.append(key=b"key-%d" % i, value=b"aiokafka " * 30, timestamp=None)
        await producer.send_batch(batch, TOPIC, partition=0)
        await producer.stop()
        consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=broker, group_id="golden-group",
                                    auto_offset_reset="earliest", heartbeat_interval_ms=300,
                                    enable_auto_commit=False)
        await consumer.start()
        try:
            await asyncio.wait_for(consumer.getmany(timeout_ms=4000), 6)
        except asyncio.TimeoutError:
            pass
        await consumer.commit({TopicPartition(TOPIC, 0): OffsetAndMetadata(3, "")})
        await consumer.stop()
    asyncio.run(asyncio.wait_for(go(), 30))


def main():
    import confluent_kafka
    import aiokafka
    import kafka
    clients = {"librdkafka-2.0.2-kcat": run_kcat, "librdkafka-%s-confluent" % confluent_kafka.libversion()[0]: run_confluent,
               "kafka-python-%s" % kafka.__version__: run_kafka_python, "aiokafka-%s" % aiokafka.__version__: run_aiokafka}
    for client, run in clients.items():
        if os.path.isdir(os.path.join(OUT, client)) and os.path.isdir(os.path.join(OUT_RESPONSES, client)):
            print("keeping existing captures of", client, "(delete the folder to capture again)")
            continue
        server, port = start_broker(client)
        run(port)
        server.close()
    print("fixtures in", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
