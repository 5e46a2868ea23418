"""The admin HTTP listener end to end: a real broker, confluent-kafka (librdkafka 2.16) producing and committing,
and the JSON API seen over HTTP (urllib). Health, topics, the record browser, group lag, offset resets, errors,
and basic authentication."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import BINARY, broker_environment, temporary_broker

TIMEOUT_S = 15


def call(url, method="GET", body=None, auth=None):
    """(status, parsed JSON) of one request; error statuses are answers, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_ready(url):
    """Polls /health/ready as a load balancer would: the Kafka listener's log line comes a moment before the
    broker is marked ready."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        status, answer = call(url + "/health/ready")
        if status == 200:
            return answer
        assert status == 503 and answer["status"] == "recovering", (status, answer)
        time.sleep(0.05)
    raise AssertionError("the broker never became ready")


@pytest.fixture(scope="module")
def served():
    with temporary_broker() as running:
        assert running.admin_url, running.log()
        wait_ready(running.admin_url)
        yield running


def test_health_probes(served):
    """Live answers 200; ready answers 200 once the broker serves Kafka."""
    assert call(served.admin_url + "/health/live") == (200, {"status": "live"})
    assert call(served.admin_url + "/health/ready") == (200, {"status": "ready"})


def test_topic_lifecycle_and_record_browser(served):
    """Create a topic over HTTP, produce with a Kafka client, browse it (text as text, binary as base64, headers),
    alter a config, then delete it."""
    api = served.admin_url + "/api"
    status, created = call(api + "/topics", "POST", {"name": "http-orders", "partitions": 2,
                                                     "configs": {"retention.ms": "3600000"}})
    assert status == 201, created
    assert [p["partition"] for p in created["partitions"]] == [0, 1]
    retention = next(c for c in created["configs"] if c["name"] == "retention.ms")
    assert (retention["value"], retention["source"]) == ("3600000", "DYNAMIC_TOPIC_CONFIG")
    assert call(api + "/topics", "POST", {"name": "http-orders"})[0] == 409

    producer = Producer({"bootstrap.servers": served.bootstrap})
    for i in range(5):
        producer.produce("http-orders", key=f"k{i}", value=f"value {i}", partition=0)
    binary = bytes([0xff, 0xfe, 0x00, 0x01])
    producer.produce("http-orders", key=binary, value=binary, partition=0, headers=[("trace", binary), ("n", "1")])
    assert producer.flush(TIMEOUT_S) == 0

    status, topics = call(api + "/topics")
    assert status == 200
    listed = next(t for t in topics if t["name"] == "http-orders")
    assert (listed["partitions"], listed["records"]) == (2, 6) and listed["sizeBytes"] > 0

    status, page = call(api + "/topics/http-orders/partitions/0/records?offset=2&limit=3")
    assert status == 200, page
    assert [r["offset"] for r in page["records"]] == [2, 3, 4]
    assert page["records"][0]["key"] == {"encoding": "utf8", "data": "k2", "size": 2, "truncated": False}
    assert page["nextOffset"] == 5 and page["logEndOffset"] == 6

    status, page = call(api + "/topics/http-orders/partitions/0/records?offset=5")
    record = page["records"][0]
    assert record["value"]["encoding"] == "base64"
    assert base64.b64decode(record["value"]["data"]) == binary
    assert base64.b64decode(record["key"]["data"]) == binary
    headers = {h["key"]: h["value"] for h in record["headers"]}
    assert base64.b64decode(headers["trace"]["data"]) == binary and headers["n"]["data"] == "1"

    # From a timestamp: the first record at or after it (every record here is newer than a minute ago).
    since = int(time.time() * 1000) - 60_000
    status, page = call(api + f"/topics/http-orders/partitions/0/records?timestamp={since}&limit=1")
    assert [r["offset"] for r in page["records"]] == [0]

    status, altered = call(api + "/topics/http-orders/configs", "PATCH", {"set": {"retention.ms": "7200000"}})
    assert status == 200
    assert next(c for c in altered["configs"] if c["name"] == "retention.ms")["value"] == "7200000"
    status, refused = call(api + "/topics/http-orders/configs", "PATCH", {"set": {"retention.ms": "soon"}})
    assert status == 400 and "INVALID_CONFIG" in refused["error"] and "retention.ms" in refused["error"]

    status, grown = call(api + "/topics/http-orders/partitions", "POST", {"count": 3})
    assert status == 200 and len(grown["partitions"]) == 3

    assert call(api + "/topics/http-orders", "DELETE") == (200, {"deleted": "http-orders"})
    assert call(api + "/topics/http-orders")[0] == 404


def test_group_lag_falls_to_zero_after_commit(served):
    """A group's lag over HTTP is the log end offset minus what the group committed, and 0 once it commits
    everything; a reset moves it back, dry run first."""
    api = served.admin_url + "/api"
    assert call(api + "/topics", "POST", {"name": "http-lag", "partitions": 1})[0] == 201
    producer = Producer({"bootstrap.servers": served.bootstrap})
    for i in range(10):
        producer.produce("http-lag", value=f"v{i}")
    assert producer.flush(TIMEOUT_S) == 0

    consumer = Consumer({"bootstrap.servers": served.bootstrap, "group.id": "http-lag-group",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.commit(offsets=[TopicPartition("http-lag", 0, 4)], asynchronous=False)
    status, group = call(api + "/groups/http-lag-group")
    assert status == 200, group
    row = next(p for p in group["partitions"] if p["topic"] == "http-lag")
    assert (row["committedOffset"], row["endOffset"], row["lag"]) == (4, 10, 6)
    assert group["totalLag"] == 6

    consumer.commit(offsets=[TopicPartition("http-lag", 0, 10)], asynchronous=False)
    status, group = call(api + "/groups/http-lag-group")
    assert group["totalLag"] == 0 and group["partitions"][0]["lag"] == 0
    consumer.close()
    assert any(g["group"] == "http-lag-group" for g in call(api + "/groups")[1])

    status, plan = call(api + "/groups/http-lag-group/reset-offsets", "POST", {"topic": "http-lag", "to": "earliest"})
    assert status == 200 and plan["executed"] is False
    assert plan["partitions"] == [{"topic": "http-lag", "partition": 0, "currentOffset": 10, "newOffset": 0}]
    assert call(api + "/groups/http-lag-group")[1]["totalLag"] == 0  # a dry run changes nothing
    status, done = call(api + "/groups/http-lag-group/reset-offsets", "POST",
                        {"topic": "http-lag", "to": "shift", "value": -3, "execute": True})
    assert status == 200 and done["executed"] and done["partitions"][0]["newOffset"] == 7
    assert call(api + "/groups/http-lag-group")[1]["totalLag"] == 3
    status, refused = call(api + "/groups/http-lag-group/reset-offsets", "POST", {"topic": "http-lag", "to": "later"})
    assert status == 400 and "earliest" in refused["error"]

    assert call(api + "/groups/http-lag-group", "DELETE") == (200, {"deleted": "http-lag-group"})
    assert call(api + "/groups/http-lag-group")[0] == 404


def test_bad_requests_get_clear_answers(served):
    """Malformed bodies, bad parameters and unknown names answer 400 or 404 with a message, never a crash."""
    api = served.admin_url + "/api"
    request = urllib.request.Request(api + "/topics", data=b"{not json", method="POST")
    try:
        urllib.request.urlopen(request, timeout=TIMEOUT_S)
        raise AssertionError("a malformed body was accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 400 and "openapi" in json.loads(error.read())["error"]
    assert call(api + "/topics", "POST", {"name": "bad name!"})[0] == 400
    assert call(api + "/topics/nosuch")[0] == 404
    assert call(api + "/topics/nosuch/partitions/0/records")[0] == 404
    call(api + "/topics", "POST", {"name": "http-params"})
    status, answer = call(api + "/topics/http-params/partitions/0/records?limit=100000")
    assert status == 400 and "limit" in answer["error"]
    assert call(api + "/topics/http-params/partitions/0/records?offset=x")[0] == 400
    status, document = call(api + "/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.") and "/api/topics" in document["paths"]


def test_basic_authentication_when_users_are_set():
    """With admin.users set, the API needs the right password; health probes need none."""
    entry = subprocess.run([BINARY, "admin", "passwd", "ops"], input="s3cret\n", capture_output=True, text=True,
                           check=True).stdout.strip()
    assert entry.startswith("ops:sha256:") and "s3cret" not in entry
    with temporary_broker(["--set", f"admin.users={entry}"]) as running:
        url = running.admin_url
        assert wait_ready(url) == {"status": "ready"}
        assert call(url + "/api/topics")[0] == 401
        assert call(url + "/api/topics", auth=("ops", "wrong"))[0] == 401
        assert call(url + "/metrics", auth=("nobody", "s3cret"))[0] == 401
        assert call(url + "/api/topics", auth=("ops", "s3cret"))[0] == 200


def test_off_loopback_without_users_refuses_to_start():
    """An admin listener on a non-loopback address with no users stops start-up with exit 2 and says why."""
    data = tempfile.mkdtemp(prefix="spool-admin-")
    try:
        result = subprocess.run([BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
                                 "--admin-listen", "0.0.0.0:0"], capture_output=True, text=True, timeout=30,
                                env=broker_environment())
        assert result.returncode == 2, result.stderr
        assert "admin.users" in result.stderr and "spool admin passwd" in result.stderr
    finally:
        shutil.rmtree(data, ignore_errors=True)


def test_membership_and_rebalances_are_logged_at_info(served):
    """The log says, at info, which version started, when a consumer joins a group, each new generation, and
    when the member leaves."""
    producer = Producer({"bootstrap.servers": served.bootstrap})
    producer.produce("http-members", value=b"x")
    assert producer.flush(TIMEOUT_S) == 0
    consumer = Consumer({"bootstrap.servers": served.bootstrap, "group.id": "http-members-group",
                         "client.id": "member-logger", "auto.offset.reset": "earliest"})
    consumer.subscribe(["http-members"])
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and consumer.poll(0.5) is None:
        pass
    consumer.close()
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and "group member left" not in served.log():
        time.sleep(0.1)
    lines = [line for line in served.log().splitlines() if "group=http-members-group" in line]
    assert any("info" in line and "group member joined" in line and "clientId=member-logger" in line
               for line in lines), lines
    assert any("group generation completed" in line and "generation=1" in line for line in lines), lines
    assert any("group member left" in line for line in lines), lines
    assert any(" starting" in line and "spool 0." in line for line in served.log().splitlines()[:3])


def test_share_group_counts_dead_letters_and_redrive_over_http():
    """A share group over HTTP: its members, the dead-letter topic, per-partition counts after one record is
    accepted and two rejected (2 dead-lettered), and a redrive that moves them back (then moves nothing)."""
    from confluent_kafka import AcknowledgeType
    from test_share_dead_letters import acknowledging, dead_letters, set_group_configs
    from test_share_queue import SHARE_ARGS, create_topic, produce, share_consumer

    with temporary_broker(SHARE_ARGS) as broker:
        api = broker.admin_url + "/api"
        wait_ready(broker.admin_url)
        create_topic(broker.bootstrap, "http-work")
        set_group_configs(broker.bootstrap, "hg", {"errors.deadletterqueue.topic.name": "dlq.http-work"})
        produce(broker.bootstrap, "http-work", 3)
        consumer = share_consumer(broker.bootstrap, "hg", "http-work", **{"share.acknowledgement.mode": "explicit"})
        seen = acknowledging(consumer, 5, lambda v: AcknowledgeType.ACCEPT if v == "r0" else AcknowledgeType.REJECT)
        assert sorted(v for v, _, _ in seen) == ["r0", "r1", "r2"]
        assert len(dead_letters(broker.bootstrap, "dlq.http-work", 2)) == 2

        assert any(g["group"] == "hg" for g in call(api + "/share-groups")[1])
        status, group = call(api + "/share-groups/hg")
        assert status == 200, group
        assert group["deadLetterTopic"] == "dlq.http-work" and len(group["members"]) == 1
        row = next(p for p in group["partitions"] if p["topic"] == "http-work")
        # All three settled: the start offset passed them, two of them were dead-lettered, none is left to take.
        assert (row["startOffset"], row["deadLettered"], row["available"], row["acquired"]) == (3, 2, 0, 0), row
        assert row["logEndOffset"] == 3 and row["oldestAvailableAgeMs"] == -1

        assert call(api + "/share-groups/hg/redrive", "POST") == (200, {"group": "hg", "moved": 2})
        assert call(api + "/share-groups/hg/redrive", "POST") == (200, {"group": "hg", "moved": 0})
        again = acknowledging(consumer, 5, lambda v: AcknowledgeType.ACCEPT)
        consumer.close()
        assert sorted(v for v, _, _ in again) == ["r1", "r2"], again
        assert call(api + "/share-groups/nosuch")[0] == 404


def test_an_admin_address_in_use_stops_start_up_and_says_what_to_do(served):
    """A second broker asked to take the first one's admin port exits 1 naming admin.listen and what to do."""
    data = tempfile.mkdtemp(prefix="spool-admin-")
    try:
        result = subprocess.run([BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
                                 "--admin-listen", f"127.0.0.1:{served.admin_port}"], capture_output=True, text=True,
                                timeout=30, env=broker_environment())
        assert result.returncode == 1, result.stderr
        assert f"cannot listen on 127.0.0.1:{served.admin_port} (admin.listen)" in result.stderr, result.stderr
        assert "already in use" in result.stderr and "--admin-listen" in result.stderr
    finally:
        shutil.rmtree(data, ignore_errors=True)


def test_readiness_says_recovering_while_logs_recover_after_a_crash():
    """After a SIGKILL, the restarted broker's admin listener answers before its logs are recovered: live is 200
    while ready is 503 "recovering", and ready turns 200 once the Kafka listener serves (1,000 partitions to
    recover take a few seconds here)."""
    from conftest import Broker
    parent = tempfile.mkdtemp(prefix="spool-recover-")
    data = os.path.join(parent, "data")
    try:
        first = Broker(data, os.path.join(parent, "first.log"))
        wait_ready(first.admin_url)
        assert call(first.admin_url + "/api/topics", "POST", {"name": "many", "partitions": 1000})[0] == 201
        producer = Producer({"bootstrap.servers": first.bootstrap, "linger.ms": 20})
        for partition in range(1000):
            producer.produce("many", value=b"x", partition=partition)
        assert producer.flush(TIMEOUT_S * 2) == 0
        first.kill()

        log_path = os.path.join(parent, "second.log")
        with open(log_path, "w") as log:
            process = subprocess.Popen([BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                       env=broker_environment())
        try:
            port, deadline = None, time.monotonic() + TIMEOUT_S
            while port is None and time.monotonic() < deadline:
                started = [line for line in open(log_path).read().splitlines() if "admin listener started" in line]
                port = int(started[0].split(" port=")[1].split()[0]) if started else None
                time.sleep(0.005)
            assert port, open(log_path).read()
            url = f"http://127.0.0.1:{port}"
            states, deadline = [], time.monotonic() + 60
            while time.monotonic() < deadline:
                live = call(url + "/health/live")[0]
                status, answer = call(url + "/health/ready")
                states.append((live, status, answer["status"]))
                if status == 200:
                    break
            assert (200, 503, "recovering") in states, states[:5]
            assert states[-1] == (200, 200, "ready"), states[-5:]
            assert call(url + "/api/topics")[1][0]["partitions"] == 1000
        finally:
            process.terminate()
            assert process.wait(timeout=30) == 0
    finally:
        shutil.rmtree(parent, ignore_errors=True)
