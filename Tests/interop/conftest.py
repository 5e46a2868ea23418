"""Fixtures for the confluent-kafka interop tests: a real `spool serve` on a free port and a temporary data dir.

The broker binary is `.build/debug/spool` (what `make test` builds), or the path in BROKER_BINARY. The variable
is not named SPOOL_*: `spool serve` warns about SPOOL_* variables it does not know, and the broker's
environment is scrubbed of both anyway.
"""

import contextlib
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("BROKER_BINARY", str(ROOT / ".build" / "debug" / "spool"))
READY = re.compile(r"Kafka listener ready.*address=\S*:(\d+)|address=\S*:(\d+).*Kafka listener ready")
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30


def free_port():
    """A port nothing listens on now, so that a restarted broker can listen where the client still connects."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def broker_environment() -> dict:
    """The environment for a broker process: no SPOOL_* settings of ours, and the admin listener on a free port
    (tests run many brokers at once; a --set or --admin-listen flag still wins)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOOL_") and k != "BROKER_BINARY"}
    env["SPOOL_ADMIN_LISTEN"] = "127.0.0.1:0"
    return env


class Broker:
    """One `spool serve` process; `stop()` sends SIGTERM and returns the exit status."""

    def __init__(self, data_dir: str, log_path: str, extra_args=(), preexec_fn=None):
        self.data_dir = data_dir
        self.log_path = log_path
        env = broker_environment()
        # stderr goes to a file, not a pipe, so a chatty broker can never block on a full pipe.
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [BINARY, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0", *extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log, env=env, preexec_fn=preexec_fn)
        self.port = self._wait_for_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.admin_port = self._admin_port()
        self.admin_url = f"http://127.0.0.1:{self.admin_port}" if self.admin_port else None

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for line in self.log().splitlines():
                match = READY.search(line)
                if match:
                    return int(match.group(1) or match.group(2))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.process.kill()
        self.process.wait()
        raise RuntimeError(f"{BINARY} did not report its listener:\n{self.log()}")

    def _admin_port(self):
        """The admin listener's port from its start line (it starts before the Kafka listener), or None."""
        for line in self.log().splitlines():
            if "admin listener started" in line:
                match = re.search(r"\sport=(\d+)", line)
                return int(match.group(1)) if match else None
        return None

    def kill(self) -> None:
        """SIGKILL, as a crash would end it."""
        self.process.kill()
        self.process.wait()
        self._log.close()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self._log.close()
        return status


@contextlib.contextmanager
def temporary_broker(extra_args=()):
    """A broker on a temporary data directory, removed afterwards; it must exit 0 on SIGTERM."""
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no broker binary at {BINARY}: run `swift build` (or set BROKER_BINARY)")
    parent = tempfile.mkdtemp(prefix="spool-interop-")
    running = Broker(os.path.join(parent, "data"), os.path.join(parent, "broker.stderr.log"), extra_args)
    try:
        yield running
    finally:
        status = running.stop()
        log = running.log()
        shutil.rmtree(parent, ignore_errors=True)
        assert status == 0, f"spool serve exited with {status} after SIGTERM:\n{log[-4000:]}"


@pytest.fixture(scope="session")
def broker():
    """A broker shared by the whole session (tests use their own topic names)."""
    with temporary_broker() as running:
        yield running
