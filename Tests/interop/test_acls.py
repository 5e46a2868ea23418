"""ACLs with confluent-kafka (librdkafka 2.16) against a broker with Spool's authorizer on: the admin client's
create_acls, describe_acls and delete_acls round trip, a broker without an authorizer answers SECURITY_DISABLED,
and with allow.everyone.if.no.acl.found a topic whose only ACL allows READ refuses a real producer and serves a
real consumer. Clients are User:ANONYMOUS until SASL is merged."""

import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType, AdminClient,
                                   NewTopic, ResourcePatternType, ResourceType)

from conftest import temporary_broker

TIMEOUT_S = 20
AUTHORIZER = ["--set", "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"]


def allow(resource_type, name, operation, pattern=ResourcePatternType.LITERAL, principal="User:ANONYMOUS"):
    return AclBinding(resource_type, name, pattern, principal, "*", operation, AclPermissionType.ALLOW)


def every_acl():
    return AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                            AclPermissionType.ANY)


def create(admin, bindings):
    for future in admin.create_acls(bindings, request_timeout=TIMEOUT_S).values():
        future.result(timeout=TIMEOUT_S)


def test_create_describe_delete_round_trip():
    with temporary_broker(AUTHORIZER + ["--set", "super.users=User:ANONYMOUS"]) as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        create(admin, [
            allow(ResourceType.TOPIC, "orders", AclOperation.READ),
            allow(ResourceType.GROUP, "billing", AclOperation.READ, principal="User:alice"),
            allow(ResourceType.TOPIC, "logs.", AclOperation.WRITE, pattern=ResourcePatternType.PREFIXED),
        ])
        listed = admin.describe_acls(every_acl(), request_timeout=TIMEOUT_S).result(timeout=TIMEOUT_S)
        assert sorted((b.name, b.resource_pattern_type, b.principal, b.operation) for b in listed) == sorted([
            ("orders", ResourcePatternType.LITERAL, "User:ANONYMOUS", AclOperation.READ),
            ("billing", ResourcePatternType.LITERAL, "User:alice", AclOperation.READ),
            ("logs.", ResourcePatternType.PREFIXED, "User:ANONYMOUS", AclOperation.WRITE),
        ])
        match = AclBindingFilter(ResourceType.TOPIC, "logs.app", ResourcePatternType.MATCH, None, None,
                                 AclOperation.ANY, AclPermissionType.ANY)
        deleted = admin.delete_acls([match], request_timeout=TIMEOUT_S)[match].result(timeout=TIMEOUT_S)
        assert [b.name for b in deleted] == ["logs."]
        left = admin.describe_acls(every_acl(), request_timeout=TIMEOUT_S).result(timeout=TIMEOUT_S)
        assert sorted(b.name for b in left) == ["billing", "orders"]


def test_security_disabled_without_an_authorizer():
    with temporary_broker() as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        # librdkafka drops DescribeAcls' top-level error (it answers an empty list); CreateAcls' per-binding one
        # reaches the caller.
        with pytest.raises(KafkaException) as raised:
            create(admin, [allow(ResourceType.TOPIC, "orders", AclOperation.READ)])
        assert raised.value.args[0].code() == KafkaError.SECURITY_DISABLED


def test_read_only_topic_refuses_a_producer_and_serves_a_consumer():
    with temporary_broker(AUTHORIZER + ["--set", "allow.everyone.if.no.acl.found=true"]) as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        for future in admin.create_topics([NewTopic("ro", 1, 1)], request_timeout=TIMEOUT_S).values():
            future.result(timeout=TIMEOUT_S)
        producer = Producer({"bootstrap.servers": broker.bootstrap})
        producer.produce("ro", b"before")
        assert producer.flush(TIMEOUT_S) == 0
        # No ACL covers the cluster (librdkafka calls it BROKER) yet, so everyone may ALTER it: the first ACL
        # keeps that for ANONYMOUS.
        create(admin, [allow(ResourceType.BROKER, "kafka-cluster", AclOperation.ALTER)])
        create(admin, [allow(ResourceType.TOPIC, "ro", AclOperation.READ)])

        errors = []
        producer.produce("ro", b"refused", on_delivery=lambda error, _: errors.append(error))
        producer.flush(TIMEOUT_S)
        assert [e.code() for e in errors] == [KafkaError.TOPIC_AUTHORIZATION_FAILED]

        consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"g-{uuid.uuid4()}",
                             "auto.offset.reset": "earliest"})
        consumer.subscribe(["ro"])
        message = None
        for _ in range(40):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                break
        consumer.close()
        assert message is not None and message.error() is None and message.value() == b"before"
