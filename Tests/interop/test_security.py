"""Listeners, TLS and SASL against real clients: confluent-kafka (librdkafka 2.x) over SASL_SSL with
SCRAM-SHA-512 and over SSL with a client certificate, kcat (librdkafka 2.0) over SASL_PLAINTEXT with PLAIN, a
pre-KIP-152 client's bare SASL tokens on a raw socket, re-authentication (KIP-368), and the failures: a wrong
password, an unknown user, a mechanism not offered, TLS on the plaintext port, plaintext on the TLS port and
garbage in the handshake each get a clear error or a closed connection with one log line, and the broker keeps
serving. Certificates come from openssl; SCRAM users are created with AdminClient.alter_user_scram_credentials
on the broker's loopback PLAINTEXT listener."""

import base64
import os
import pathlib
import signal
import socket
import ssl
import struct
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import (AdminClient, NewTopic, ScramCredentialInfo, ScramMechanism,
                                   UserScramCredentialUpsertion)

from conftest import free_port, temporary_broker

TIMEOUT_S = 20
PASSWORDS = {"alice": "alice-Secret-1", "bob": "bob-Secret-2"}


def openssl(*arguments, cwd):
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(directory: pathlib.Path, server_cn="localhost"):
    """A CA, a server certificate for 127.0.0.1 and localhost (key and chain in one PEM) and a client
    certificate for CN=alice,O=Example, all signed by the CA."""
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "ca.pem").exists():
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=Spool Test CA", cwd=directory)
    (directory / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", f"/CN={server_cn}", cwd=directory)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext", cwd=directory)
    (directory / "server.pem").write_text((directory / "server.crt").read_text()
                                          + (directory / "server.key").read_text())
    if not (directory / "client.pem").exists():
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr",
                "-subj", "/O=Example/CN=alice", cwd=directory)
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "client.pem", "-days", "2", cwd=directory)
    return directory


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


def security_args(certs, ports, *extra):
    listeners = ",".join(f"{name}://127.0.0.1:{port}" for name, port in ports.items())
    return ["--set", f"listeners={listeners}",
            "--set", "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
            "--set", f"ssl.keystore.location={certs / 'server.pem'}",
            "--set", f"ssl.truststore.location={certs / 'ca.pem'}",
            "--set", "ssl.client.auth=requested", *extra]


def start_secure_broker(certs, *extra):
    ports = {name: free_port() for name in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")}
    return ports, temporary_broker(security_args(certs, ports, *extra))


def create_users(bootstrap, users=PASSWORDS):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    upserts = [UserScramCredentialUpsertion(user, ScramCredentialInfo(mechanism, 4096), password.encode())
               for user, password in users.items()
               for mechanism in (ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)]
    for future in admin.alter_user_scram_credentials(upserts).values():
        future.result(timeout=TIMEOUT_S)


@pytest.fixture(scope="module")
def secure(certs):
    ports, context = start_secure_broker(certs)
    with context as running:
        running.ports = ports
        create_users(f"127.0.0.1:{ports['PLAINTEXT']}")
        yield running


def sasl_ssl(broker, certs, user="alice", password=None, mechanism="SCRAM-SHA-512"):
    return {"bootstrap.servers": f"127.0.0.1:{broker.ports['SASL_SSL']}", "security.protocol": "SASL_SSL",
            "sasl.mechanism": mechanism, "sasl.username": user,
            "sasl.password": PASSWORDS.get(user, "") if password is None else password,
            "ssl.ca.location": str(certs / "ca.pem")}


def ssl_client(broker, certs, with_certificate=True):
    config = {"bootstrap.servers": f"127.0.0.1:{broker.ports['SSL']}", "security.protocol": "SSL",
              "ssl.ca.location": str(certs / "ca.pem")}
    if with_certificate:
        config.update({"ssl.certificate.location": str(certs / "client.pem"),
                       "ssl.key.location": str(certs / "client.key")})
    return config


def produce_and_consume(config, topic, count=50):
    """Creates `topic`, produces `count` records, consumes them in a fresh group; returns the values read."""
    admin = AdminClient(config)
    admin.create_topics([NewTopic(topic, num_partitions=2)])[topic].result(timeout=TIMEOUT_S)
    producer = Producer({**config, "acks": "all", "enable.idempotence": True})
    for index in range(count):
        producer.produce(topic, key=str(index % 4).encode(), value=f"v{index}".encode())
    assert producer.flush(TIMEOUT_S) == 0
    consumer = Consumer({**config, "group.id": f"g-{topic}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    values = []
    deadline = time.monotonic() + TIMEOUT_S
    while len(values) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            values.append(message.value().decode())
    consumer.commit(asynchronous=False)
    consumer.close()
    return sorted(values, key=lambda v: int(v[1:]))


def connection_error(config, timeout=8):
    """What a client gets when it cannot get in: the errors librdkafka reports (it retries authentication, so
    they repeat) until the first arrives or `timeout` passes."""
    errors = []
    producer = Producer({**config, "error_cb": errors.append})
    deadline = time.monotonic() + timeout
    while not errors and time.monotonic() < deadline:
        producer.poll(0.2)
    return errors


def wait_for_log(broker, text, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in broker.log():
            return True
        time.sleep(0.1)
    return False


def still_serves(broker, certs):
    metadata = AdminClient(sasl_ssl(broker, certs)).list_topics(timeout=TIMEOUT_S)
    assert metadata.brokers, "the broker stopped serving after a bad client"


def test_sasl_ssl_scram_sha_512_produces_consumes_in_a_group_and_administers(secure, certs):
    topic = f"sec-{uuid.uuid4().hex[:8]}"
    config = sasl_ssl(secure, certs)
    assert produce_and_consume(config, topic) == [f"v{i}" for i in range(50)]
    metadata = AdminClient(config).list_topics(timeout=TIMEOUT_S)
    assert topic in metadata.topics
    # Metadata advertises the listener the client came in on.
    (only,) = metadata.brokers.values()
    assert only.port == secure.ports["SASL_SSL"]


def test_sasl_ssl_scram_sha_256_and_plain_authenticate_too(secure, certs):
    for mechanism in ("SCRAM-SHA-256", "PLAIN"):
        metadata = AdminClient(sasl_ssl(secure, certs, mechanism=mechanism)).list_topics(timeout=TIMEOUT_S)
        assert metadata.brokers


def test_ssl_with_a_client_certificate_produces_and_consumes(secure, certs):
    topic = f"ssl-{uuid.uuid4().hex[:8]}"
    assert produce_and_consume(ssl_client(secure, certs), topic, count=20) == [f"v{i}" for i in range(20)]
    (only,) = AdminClient(ssl_client(secure, certs)).list_topics(timeout=TIMEOUT_S).brokers.values()
    assert only.port == secure.ports["SSL"]


def test_a_replay_over_tls_streams_every_byte_of_the_log(secure, certs):
    """Over TLS the fetch path cannot use sendfile: file slices are streamed in 128 KiB chunks. 4 MB of records
    replayed from offset 0 come back whole and in order."""
    topic = f"tls-replay-{uuid.uuid4().hex[:8]}"
    config = ssl_client(secure, certs)
    admin = AdminClient(config)
    admin.create_topics([NewTopic(topic, num_partitions=1)])[topic].result(timeout=TIMEOUT_S)
    producer = Producer({**config, "acks": "all", "linger.ms": 20})
    count = 4000
    for index in range(count):
        producer.produce(topic, value=f"{index:08d}".encode() + os.urandom(496).hex().encode())
    assert producer.flush(TIMEOUT_S) == 0
    consumer = Consumer({**config, "group.id": f"g-{topic}", "auto.offset.reset": "earliest",
                         "fetch.max.bytes": 8 * 1024 * 1024, "max.partition.fetch.bytes": 8 * 1024 * 1024})
    consumer.subscribe([topic])
    seen = []
    deadline = time.monotonic() + 60
    while len(seen) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            assert len(message.value()) == 1000
            seen.append(int(message.value()[:8]))
    consumer.close()
    assert seen == list(range(count))


def test_kcat_over_sasl_plaintext_with_plain(secure):
    topic = f"kcat-{uuid.uuid4().hex[:8]}"
    common = ["-b", f"127.0.0.1:{secure.ports['SASL_PLAINTEXT']}", "-X", "security.protocol=SASL_PLAINTEXT",
              "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=bob", "-X", f"sasl.password={PASSWORDS['bob']}"]
    lines = "\n".join(f"line-{i}" for i in range(10)) + "\n"
    subprocess.run(["kcat", *common, "-P", "-t", topic], input=lines, text=True, check=True, timeout=30)
    read = subprocess.run(["kcat", *common, "-C", "-t", topic, "-o", "beginning", "-e", "-q"],
                          capture_output=True, text=True, check=True, timeout=30)
    assert read.stdout.split() == [f"line-{i}" for i in range(10)]


def test_kcat_librdkafka_2_0_authenticates_with_scram(secure):
    """librdkafka before 2.6.1 repeats its nonce in the SCRAM client-final message (librdkafka#4895); Debian's kcat
    has 2.0.2, so Spool accepts that form, as Kafka 3.x did."""
    for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
        listed = subprocess.run(
            ["kcat", "-b", f"127.0.0.1:{secure.ports['SASL_PLAINTEXT']}", "-X", "security.protocol=SASL_PLAINTEXT",
             "-X", f"sasl.mechanisms={mechanism}", "-X", "sasl.username=alice",
             "-X", f"sasl.password={PASSWORDS['alice']}", "-L", "-m", "10"],
            capture_output=True, text=True, timeout=30)
        assert listed.returncode == 0 and "1 brokers" in listed.stdout, listed.stderr[-500:]


def test_wrong_password_and_unknown_user_get_an_authentication_error(secure, certs):
    for user, password in (("alice", "not-her-password"), ("mallory", "whatever")):
        errors = connection_error(sasl_ssl(secure, certs, user=user, password=password))
        assert any("authentication failed" in error.str().lower() for error in errors), [e.str() for e in errors]
    assert wait_for_log(secure, "SASL authentication failed")
    still_serves(secure, certs)


def test_a_mechanism_the_broker_does_not_offer_is_refused(certs):
    ports = {"PLAINTEXT": free_port(), "SASL_PLAINTEXT": free_port()}
    args = security_args(certs, ports, "--set", "sasl.enabled.mechanisms=SCRAM-SHA-512")
    with temporary_broker(args) as broker:
        create_users(f"127.0.0.1:{ports['PLAINTEXT']}")
        errors = connection_error({"bootstrap.servers": f"127.0.0.1:{ports['SASL_PLAINTEXT']}",
                                   "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
                                   "sasl.username": "alice", "sasl.password": PASSWORDS["alice"]})
        assert any("SCRAM-SHA-512" in error.str() for error in errors), [e.str() for e in errors]
        assert wait_for_log(broker, "is not offered")
        AdminClient({"bootstrap.servers": f"127.0.0.1:{ports['SASL_PLAINTEXT']}",
                     "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-512",
                     "sasl.username": "alice", "sasl.password": PASSWORDS["alice"]}).list_topics(timeout=TIMEOUT_S)


def test_tls_on_the_plaintext_port_and_plaintext_on_the_tls_port_are_closed_with_one_line(secure, certs):
    config = sasl_ssl(secure, certs)
    config["bootstrap.servers"] = f"127.0.0.1:{secure.ports['PLAINTEXT']}"
    connection_error(config, timeout=4)
    assert wait_for_log(secure, "a TLS handshake arrived on a listener without TLS")
    plaintext_on_tls = {"bootstrap.servers": f"127.0.0.1:{secure.ports['SSL']}"}
    connection_error(plaintext_on_tls, timeout=4)
    assert wait_for_log(secure, "the client did not speak TLS")
    # Garbage where a TLS ClientHello belongs: the broker closes the connection.
    with socket.create_connection(("127.0.0.1", secure.ports["SSL"]), timeout=5) as raw:
        raw.sendall(b"\x16\x03\x01\x00\x05garbage-that-is-no-client-hello" * 4)
        raw.settimeout(5)
        assert raw.recv(4096) is not None  # an alert or end of stream, not a hang
    still_serves(secure, certs)


def kafka_request(api_key, version, correlation_id, body=b"", client_id=b"raw"):
    header = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def read_frame(sock):
    size = struct.unpack(">i", recv_exactly(sock, 4))[0]
    return recv_exactly(sock, size)


def recv_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} of {count} bytes")
        data += chunk
    return data


def test_a_pre_kip_152_client_authenticates_with_bare_tokens(secure):
    """SaslHandshake v0, then the PLAIN token as a bare frame (no request header), as clients before Kafka 1.0
    send it; the broker answers with a bare empty token, then serves requests."""
    with socket.create_connection(("127.0.0.1", secure.ports["SASL_PLAINTEXT"]), timeout=5) as sock:
        sock.sendall(kafka_request(17, 0, 1, struct.pack(">h", 5) + b"PLAIN"))
        reply = read_frame(sock)
        correlation, error = struct.unpack(">ih", reply[:6])
        assert (correlation, error) == (1, 0)
        token = b"\x00bob\x00" + PASSWORDS["bob"].encode()
        sock.sendall(struct.pack(">i", len(token)) + token)
        assert read_frame(sock) == b""
        sock.sendall(kafka_request(3, 0, 2, struct.pack(">i", 0)))  # Metadata v0, no topics
        assert struct.unpack(">i", read_frame(sock)[:4])[0] == 2


def test_requests_before_authentication_close_the_connection(secure):
    with socket.create_connection(("127.0.0.1", secure.ports["SASL_PLAINTEXT"]), timeout=5) as sock:
        sock.sendall(kafka_request(3, 0, 1, struct.pack(">i", 0)))
        with pytest.raises(ConnectionError):
            read_frame(sock)
    assert wait_for_log(secure, "before SASL authentication")


def test_a_wrong_bare_token_closes_the_connection(secure):
    with socket.create_connection(("127.0.0.1", secure.ports["SASL_PLAINTEXT"]), timeout=5) as sock:
        sock.sendall(kafka_request(17, 0, 1, struct.pack(">h", 5) + b"PLAIN"))
        read_frame(sock)
        token = b"\x00bob\x00wrong"
        sock.sendall(struct.pack(">i", len(token)) + token)
        with pytest.raises(ConnectionError):
            read_frame(sock)


def http_get(url, auth=None):
    """(status, body) of a GET, with HTTP basic authentication when `auth` is (user, password)."""
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape_counter(broker, name, **labels):
    status, text = http_get(f"{broker.admin_url}/metrics", auth=("alice", PASSWORDS["alice"]))
    assert status == 200, text
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    for line in text.splitlines():
        if line.startswith(name + "{") and wanted in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_clients_re_authenticate_before_connections_max_reauth_ms_and_keep_working(certs):
    ports, context = start_secure_broker(certs, "--set", "connections.max.reauth.ms=1500")
    with context as broker:
        broker.ports = ports
        create_users(f"127.0.0.1:{ports['PLAINTEXT']}")
        config = sasl_ssl(broker, certs)
        topic = f"reauth-{uuid.uuid4().hex[:8]}"
        admin = AdminClient(config)
        admin.create_topics([NewTopic(topic, 1)])[topic].result(timeout=TIMEOUT_S)
        producer = Producer({**config, "acks": "all"})
        failures = []
        deadline = time.monotonic() + 6
        sent = 0
        while time.monotonic() < deadline:
            producer.produce(topic, value=b"x", on_delivery=lambda err, _: err and failures.append(err))
            sent += 1
            producer.poll(0.05)
        assert producer.flush(TIMEOUT_S) == 0
        assert failures == []
        # One login at connect, then one per 1.5 s session on the producer's connection (and the admin's).
        assert scrape_counter(broker, "spool_sasl_authentications_total", result="success") >= 4
        assert "SASL session expired" not in broker.log()


def test_the_admin_http_listener_takes_the_same_users(secure):
    """With a SASL listener, the admin HTTP listener asks for a user even on loopback, and takes the SCRAM users
    (no authorizer here, so any of them)."""
    url = f"{secure.admin_url}/api/topics"
    assert http_get(url)[0] == 401
    assert http_get(url, auth=("alice", "wrong"))[0] == 401
    assert http_get(url, auth=("mallory", PASSWORDS["alice"]))[0] == 401
    assert http_get(url, auth=("bob", PASSWORDS["bob"]))[0] == 200
    assert http_get(f"{secure.admin_url}/health/live")[0] == 200


def test_secrets_are_never_logged_or_printed(secure, certs):
    log = secure.log()
    key_lines = [line for line in (certs / "server.key").read_text().splitlines() if "-----" not in line]
    for secret in [*PASSWORDS.values(), *key_lines[:3]]:
        assert secret not in log
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOOL_")}
    printed = subprocess.run(
        [os.environ.get("BROKER_BINARY", str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/spool")),
         "serve", "--print-config", "--set", "ssl.keystore.password=hunter2", "--set", "ssl.key.password=hunter3"],
        capture_output=True, text=True, timeout=30, env=env)
    assert printed.returncode == 0, printed.stderr
    assert "hunter2" not in printed.stdout + printed.stderr and "hunter3" not in printed.stdout + printed.stderr
    assert "[hidden]" in printed.stdout


def test_sighup_reloads_the_certificate_for_new_connections(certs, tmp_path):
    own = make_certificates(tmp_path / "own")
    # Share the CA of `own` (a fresh one), so that both server certificates verify with it.
    ports = {"PLAINTEXT": free_port(), "SSL": free_port()}
    with temporary_broker(security_args(own, ports)) as broker:
        def served_common_name():
            context = ssl.create_default_context(cafile=str(own / "ca.pem"))
            with socket.create_connection(("127.0.0.1", ports["SSL"]), timeout=5) as raw:
                with context.wrap_socket(raw, server_hostname="localhost") as tls:
                    subject = dict(item[0] for item in tls.getpeercert()["subject"])
                    return subject["commonName"]
        assert served_common_name() == "localhost"
        make_certificates(own, server_cn="renewed.localhost")
        broker.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while served_common_name() != "renewed.localhost" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert served_common_name() == "renewed.localhost"
