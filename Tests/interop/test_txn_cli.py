"""`spool txn` against confluent-kafka's transactional producer (librdkafka): an open transaction is listed and
described as Ongoing, `spool txn abort` aborts it and fences the producer (its commit then fails fatally), and
`spool txn producers` shows an idempotent producer's last sequence."""

import json
import os
import pathlib
import subprocess

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT_S = 20
ROOT = pathlib.Path(__file__).resolve().parents[2]
SPOOL = os.environ.get("BROKER_BINARY", str(ROOT / ".build" / "debug" / "spool"))


def spool(broker, *arguments, expect_ok=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOOL_")}
    result = subprocess.run([SPOOL, *arguments, "-b", broker.bootstrap], capture_output=True, text=True,
                            timeout=60, env=env)
    assert (result.returncode == 0) == expect_ok, (result.returncode, result.stdout, result.stderr)
    return result


def spool_json(broker, *arguments):
    return json.loads(spool(broker, *arguments, "--format", "json").stdout)


def create_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions)])[name].result(timeout=TIMEOUT_S)


def test_txn_cli_lists_describes_and_aborts_an_open_transaction(broker):
    create_topic(broker, "txn-cli-in", 1)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "txn-cli-1",
                         "transaction.timeout.ms": 60000})
    producer.init_transactions(TIMEOUT_S)
    group = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "txn-cli-group"})
    try:
        producer.begin_transaction()
        # No records: the transaction is opened by its offsets alone (AddOffsetsToTxn, TxnOffsetCommit).
        producer.send_offsets_to_transaction([TopicPartition("txn-cli-in", 0, 5)],
                                             group.consumer_group_metadata(), TIMEOUT_S)

        listed = {t["transactionalId"]: t for t in spool_json(broker, "txn", "list")}
        assert listed["txn-cli-1"]["state"] == "Ongoing"
        open_ones = spool_json(broker, "txn", "list", "--state", "ongoing", "--min-duration", "0")
        assert [t["transactionalId"] for t in open_ones] == ["txn-cli-1"]
        assert spool_json(broker, "txn", "list", "--min-duration", "1h") == []
        [described] = spool_json(broker, "txn", "describe", "txn-cli-1")
        assert described["state"] == "Ongoing" and described["timeoutMs"] == 60000
        assert described["producerId"] == listed["txn-cli-1"]["producerId"] and described["durationMs"] >= 0
        table = spool(broker, "txn", "describe", "txn-cli-1").stdout
        assert "Ongoing" in table and "TRANSACTIONAL-ID" in table

        [after] = spool_json(broker, "txn", "abort", "txn-cli-1")
        # The coordinator aborted (CompleteAbort) and then, as for any new producer of the id, left it Empty
        # with an epoch above the aborted producer's fence.
        assert after["state"] == "Empty" and after["producerEpoch"] >= described["producerEpoch"] + 2
        assert after["producerId"] == described["producerId"] and "durationMs" not in after

        with pytest.raises(KafkaException) as failure:
            producer.commit_transaction(TIMEOUT_S)
        assert failure.value.args[0].fatal(), failure.value.args[0]

        again = spool(broker, "txn", "abort", "txn-cli-1", expect_ok=False)
        assert "no open transaction (state Empty)" in again.stderr
        # Aborted offsets are not committed.
        assert group.committed([TopicPartition("txn-cli-in", 0)], TIMEOUT_S)[0].offset < 0
    finally:
        group.close()

    unknown = spool(broker, "txn", "describe", "txn-cli-nobody", expect_ok=False)
    assert "TRANSACTIONAL_ID_NOT_FOUND" in unknown.stderr and "spool txn list" in unknown.stderr


def test_txn_cli_shows_an_idempotent_producers_last_sequence(broker):
    create_topic(broker, "txn-cli-producers", 2)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True})
    for i in range(3):
        producer.produce("txn-cli-producers", value=f"v{i}", partition=1)
    assert producer.flush(TIMEOUT_S) == 0
    producers = spool_json(broker, "txn", "producers", "txn-cli-producers")
    assert [(p["partition"], p["lastSequence"], p["producerEpoch"]) for p in producers] == [(1, 2, 0)]
    assert spool_json(broker, "txn", "producers", "txn-cli-producers", "-p", "0") == []
    missing = spool(broker, "txn", "producers", "txn-cli-producers", "-p", "7", expect_ok=False)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in missing.stderr
