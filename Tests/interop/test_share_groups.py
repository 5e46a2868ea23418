"""Share groups (KIP-932) with confluent-kafka 2.16's preview ShareConsumer: membership only. The consumer finds
the coordinator, joins with ShareGroupHeartbeat and is assigned the topic's partitions (it resolves their topic
ids with Metadata v13); records need ShareFetch, which is not served yet, so no record is expected here.

confluent-kafka 2.16 has no share group admin API, and its list_consumer_groups drops groups whose protocol type
is not "consumer" (rd_kafka_ListConsumerGroupsResponse_parse), so the group is read with a raw ShareGroupDescribe
v1."""

import socket
import struct
import time

from confluent_kafka import ShareConsumer
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import Broker, free_port, temporary_broker

TIMEOUT_S = 30
# Short heartbeats and sessions so that joining and leaving (or expiring) take about a second.
SHARE_ARGS = ("--set", "group.share.heartbeat.interval.ms=500", "--set", "group.share.session.timeout.ms=2000")


class Reader:
    """Reads the flexible-version primitives of a Kafka response body."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return value[0]

    def varint(self):
        shift = result = 0
        while True:
            byte = self.take(">B")
            result |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return result

    def string(self):
        length = self.varint() - 1
        if length < 0:
            return None
        self.at += length
        return self.data[self.at - length:self.at].decode()

    def array(self, element):
        return [element() for _ in range(self.varint() - 1)]

    def tags(self):
        for _ in range(self.varint()):
            self.varint()
            self.at += self.varint()


def describe_share_group(bootstrap, group):
    """ShareGroupDescribe v1 of one group: (error code, state, [(member id, [(topic, partitions)])])."""
    body = bytes([2, len(group) + 1]) + group.encode() + b"\x00\x00"  # GroupIds, IncludeAuthorizedOperations, tags
    header = struct.pack(">hhih", 77, 1, 1, 4) + b"test" + b"\x00"  # request header v2
    host, port = bootstrap.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
        size = struct.unpack(">i", connection.recv(4, socket.MSG_WAITALL))[0]
        reply = Reader(connection.recv(size, socket.MSG_WAITALL))
    reply.take(">i"), reply.tags(), reply.take(">i")  # correlation id, header tags, throttle time

    def topic():
        reply.at += 16  # topic id
        name, partitions = reply.string(), reply.array(lambda: reply.take(">i"))
        reply.tags()
        return name, partitions

    def member():
        member_id, _rack, _epoch = reply.string(), reply.string(), reply.take(">i")
        _client, _host, _topics = reply.string(), reply.string(), reply.array(reply.string)
        assignment = reply.array(topic)
        reply.tags(), reply.tags()  # assignment's, member's
        return member_id, assignment

    def described():
        error, _message, _group, state = reply.take(">h"), reply.string(), reply.string(), reply.string()
        reply.take(">i"), reply.take(">i"), reply.string()  # group epoch, assignment epoch, assignor
        members = reply.array(member)
        reply.take(">i"), reply.tags()  # authorized operations
        return error, state, members

    return reply.array(described)[0]


def test_share_consumer_joins_and_leaves():
    """Proves an unmodified ShareConsumer joins a share group and is assigned every partition of its topic (the
    group is Stable with it as member), and that the group is Empty once it has closed (by its leave heartbeat
    or, at the latest, by session expiry)."""
    with temporary_broker(SHARE_ARGS) as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic("share-jobs", 2, 1)])["share-jobs"].result(timeout=TIMEOUT_S)
        consumer = ShareConsumer({"bootstrap.servers": broker.bootstrap, "group.id": "share-workers"})
        consumer.subscribe(["share-jobs"])
        deadline = time.monotonic() + TIMEOUT_S
        described = None
        while time.monotonic() < deadline and (described is None or described[1] != "Stable"):
            consumer.poll(0.5)
            described = describe_share_group(broker.bootstrap, "share-workers")
        error, state, members = described
        assert (error, state, len(members)) == (0, "Stable", 1), broker.log()[-4000:]
        assert members[0][1] == [("share-jobs", [0, 1])]
        consumer.close()
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline and state != "Empty":
            time.sleep(0.2)
            _, state, members = describe_share_group(broker.bootstrap, "share-workers")
        assert (state, members) == ("Empty", []), broker.log()[-4000:]


def wait_for_member(consumer, bootstrap, group):
    """Polls until ShareGroupDescribe shows `group` Stable with one member; returns that member's id."""
    deadline = time.monotonic() + TIMEOUT_S
    described = None
    while time.monotonic() < deadline and (described is None or described[1] != "Stable"):
        consumer.poll(0.5)
        described = describe_share_group(bootstrap, group)
    assert described[1] == "Stable" and len(described[2]) == 1, described
    return described[2][0][0]


def test_share_consumer_rejoins_after_broker_restart(tmp_path):
    """Proves a ShareConsumer survives a broker restart, which forgets share group membership: its next
    heartbeat gets UNKNOWN_MEMBER_ID (not Kafka's fatal GROUP_ID_NOT_FOUND) and it rejoins with the same
    member id."""
    data, listen = str(tmp_path / "data"), ("--listen", f"127.0.0.1:{free_port()}")
    first = Broker(data, str(tmp_path / "first.log"), SHARE_ARGS + listen)
    consumer = None
    try:
        admin = AdminClient({"bootstrap.servers": first.bootstrap})
        admin.create_topics([NewTopic("share-restart", 1, 1)])["share-restart"].result(timeout=TIMEOUT_S)
        consumer = ShareConsumer({"bootstrap.servers": first.bootstrap, "group.id": "share-restart"})
        consumer.subscribe(["share-restart"])
        member = wait_for_member(consumer, first.bootstrap, "share-restart")
    finally:
        assert first.stop() == 0
    second = Broker(data, str(tmp_path / "second.log"), SHARE_ARGS + listen)
    try:
        assert wait_for_member(consumer, second.bootstrap, "share-restart") == member
        consumer.close()
    finally:
        assert second.stop() == 0
