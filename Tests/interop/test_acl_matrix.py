"""ACLs against confluent-kafka (librdkafka 2.x) over SASL_PLAINTEXT with SCRAM-SHA-512: the matrix of issue 18.
A principal with only READ on topic `a` and group `g` consumes `a`, cannot produce to it, cannot see or delete
`b`, cannot commit or reset another group's offsets, and DeleteTopics and DeleteRecords without the ACL fail
with their authorization codes and leave the data. A client certificate's subject is a principal ACLs name.
The loopback PLAINTEXT listener is the operator's (User:ANONYMOUS is a super user there, as the README shows)."""

import time
import uuid

import pytest
from confluent_kafka import ConsumerGroupTopicPartitions, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType, AdminClient,
                                   NewTopic, ResourcePatternType, ResourceType)

from conftest import free_port, temporary_broker
from test_security import PASSWORDS, create_users, make_certificates, security_args, ssl_client

TIMEOUT_S = 20


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("acl-certs"))


@pytest.fixture(scope="module")
def guarded(certs):
    ports = {"PLAINTEXT": free_port(), "SSL": free_port(), "SASL_PLAINTEXT": free_port()}
    args = security_args(certs, ports, "--set", "authorizer.class.name=spool",
                         "--set", "super.users=User:ANONYMOUS;User:admin")
    with temporary_broker(args) as broker:
        broker.ports = ports
        operator = f"127.0.0.1:{ports['PLAINTEXT']}"
        create_users(operator)
        admin = AdminClient({"bootstrap.servers": operator})
        for topic in ("a", "b", "c", "d"):
            admin.create_topics([NewTopic(topic, num_partitions=1)])[topic].result(timeout=TIMEOUT_S)
        producer = Producer({"bootstrap.servers": operator, "acks": "all"})
        for topic in ("a", "b"):
            for index in range(10):
                producer.produce(topic, value=f"{topic}{index}".encode())
        assert producer.flush(TIMEOUT_S) == 0
        bindings = [
            AclBinding(ResourceType.TOPIC, "a", ResourcePatternType.LITERAL, "User:alice", "*",
                       AclOperation.READ, AclPermissionType.ALLOW),
            AclBinding(ResourceType.GROUP, "g", ResourcePatternType.LITERAL, "User:alice", "*",
                       AclOperation.READ, AclPermissionType.ALLOW),
            AclBinding(ResourceType.TOPIC, "c", ResourcePatternType.LITERAL, "User:CN=alice,O=Example", "*",
                       AclOperation.WRITE, AclPermissionType.ALLOW),
        ]
        for future in admin.create_acls(bindings).values():
            future.result(timeout=TIMEOUT_S)
        broker.operator = operator
        yield broker


def alice(broker, **extra):
    return {"bootstrap.servers": f"127.0.0.1:{broker.ports['SASL_PLAINTEXT']}", "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "alice", "sasl.password": PASSWORDS["alice"],
            **extra}


def consume(config, topic, group, count):
    consumer = Consumer({**config, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    values, errors = [], []
    deadline = time.monotonic() + TIMEOUT_S
    while len(values) < count and not errors and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            errors.append(message.error())
        else:
            values.append(message.value().decode())
    if values:
        consumer.commit(asynchronous=False)
    consumer.close()
    return values, errors


def test_read_on_a_and_g_consumes_a_and_commits_in_g(guarded):
    values, errors = consume(alice(guarded), "a", "g", 10)
    assert errors == [] and values == [f"a{i}" for i in range(10)]


def test_read_only_cannot_produce(guarded):
    failures = []
    producer = Producer({**alice(guarded), "acks": "all", "message.timeout.ms": 5000})
    producer.produce("a", value=b"nope", on_delivery=lambda error, _: failures.append(error))
    producer.flush(10)
    assert [f.code() for f in failures] == [KafkaError.TOPIC_AUTHORIZATION_FAILED]


def test_b_is_hidden_and_cannot_be_deleted(guarded):
    admin = AdminClient(alice(guarded))
    topics = admin.list_topics(timeout=TIMEOUT_S).topics
    assert "a" in topics and "b" not in topics and "c" not in topics
    with pytest.raises(KafkaException) as denied:
        admin.delete_topics(["b"])["b"].result(timeout=TIMEOUT_S)
    assert denied.value.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert "b" in AdminClient({"bootstrap.servers": guarded.operator}).list_topics(timeout=TIMEOUT_S).topics


def test_another_groups_offsets_cannot_be_committed_or_reset(guarded):
    values, errors = consume(alice(guarded), "a", "h", 10)
    assert values == [] and [e.code() for e in errors] == [KafkaError.GROUP_AUTHORIZATION_FAILED]
    admin = AdminClient(alice(guarded))
    request = ConsumerGroupTopicPartitions("h", [TopicPartition("a", 0, 0)])
    with pytest.raises(KafkaException) as denied:
        admin.alter_consumer_group_offsets([request])["h"].result(timeout=TIMEOUT_S)
    assert denied.value.args[0].code() == KafkaError.GROUP_AUTHORIZATION_FAILED


def test_delete_records_without_the_acl_fails_and_leaves_the_data(guarded):
    admin = AdminClient(alice(guarded))
    futures = admin.delete_records([TopicPartition("a", 0, 5)])
    with pytest.raises(KafkaException) as denied:
        next(iter(futures.values())).result(timeout=TIMEOUT_S)
    assert denied.value.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    values, _ = consume({"bootstrap.servers": guarded.operator}, "a", f"check-{uuid.uuid4().hex[:6]}", 10)
    assert values == [f"a{i}" for i in range(10)]


def test_describe_acls_lists_what_was_granted(guarded):
    admin = AdminClient({"bootstrap.servers": guarded.operator})
    everything = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                                  AclPermissionType.ANY)
    found = admin.describe_acls(everything).result(timeout=TIMEOUT_S)
    assert {(b.name, b.principal, b.operation) for b in found} >= {
        ("a", "User:alice", AclOperation.READ), ("g", "User:alice", AclOperation.READ),
        ("c", "User:CN=alice,O=Example", AclOperation.WRITE)}


def test_a_client_certificate_is_the_principal_acls_name(guarded, certs):
    config = ssl_client(guarded, certs)
    delivered, failures = [], []
    producer = Producer({**config, "acks": "all", "message.timeout.ms": 5000})
    producer.produce("c", value=b"by certificate",
                     on_delivery=lambda error, _: (failures if error else delivered).append(error))
    producer.produce("d", value=b"not granted",
                     on_delivery=lambda error, _: (failures if error else delivered).append(error))
    producer.flush(10)
    assert len(delivered) == 1
    assert [f.code() for f in failures] == [KafkaError.TOPIC_AUTHORIZATION_FAILED]
