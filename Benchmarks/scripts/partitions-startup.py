"""Many partitions on one broker: start-up after a clean stop and after SIGKILL, then writes and reads on every
partition, for 1,000 / 10,000 / 20,000 partitions (or the counts given).

    .venv/bin/python Benchmarks/scripts/partitions-startup.py [--binary .build/release/spool] [--nofile 20000] [1000 ...]

The broker runs with RLIMIT_NOFILE soft = hard = --nofile (this machine's limit is 20,000), so the figures show
whether more partitions than descriptors start after a crash. Each count gets a fresh data directory: topics of
at most 5,000 partitions are created, one record is written to every partition, the broker is stopped with
SIGTERM and started (clean), written to again, SIGKILLed and started (recovery), and written and read once more.
Prints one line per count; --json writes the figures too.
"""

import argparse
import json
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from conftest import READY  # noqa: E402

TOPIC_SIZE = 5000


def start(binary, data_dir, log_path, nofile):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOOL_")}
    env["SPOOL_ADMIN_LISTEN"] = "127.0.0.1:0"
    log = open(log_path, "w")
    began = time.monotonic()
    process = subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0", "--set", "max.partitions=100000",
         "--set", f"max.partitions.per.request={TOPIC_SIZE}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile)))
    while True:
        text = open(log_path, errors="replace").read()
        match = next((m for line in text.splitlines() if (m := READY.search(line))), None)
        if match:
            return process, f"127.0.0.1:{match.group(1) or match.group(2)}", time.monotonic() - began
        if process.poll() is not None:
            raise RuntimeError(f"broker exited during start-up:\n{text[-3000:]}")
        if time.monotonic() - began > 900:
            process.kill()
            raise RuntimeError("start-up took over 15 minutes")
        time.sleep(0.02)


def topics_for(count):
    return [(f"wide{i}", min(TOPIC_SIZE, count - i * TOPIC_SIZE)) for i in range((count + TOPIC_SIZE - 1) // TOPIC_SIZE)]


def write_all(bootstrap, topics):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 20})
    began = time.monotonic()
    for name, partitions in topics:
        for partition in range(partitions):
            producer.produce(name, value=b"x" * 100, partition=partition)
            producer.poll(0)
    assert producer.flush(300) == 0
    return time.monotonic() - began


def high_watermarks(bootstrap, topics):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench"})
    marks = []
    for name, partitions in topics:
        for partition in range(partitions):
            marks.append(consumer.get_watermark_offsets(TopicPartition(name, partition), timeout=30)[1])
    consumer.close()
    return marks


def run(binary, count, nofile):
    parent = tempfile.mkdtemp(prefix="spool-partitions-")
    data_dir = os.path.join(parent, "data")
    topics = topics_for(count)
    try:
        process, bootstrap, _ = start(binary, data_dir, os.path.join(parent, "1.log"), nofile)
        began = time.monotonic()
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for name, partitions in topics:
            for future in admin.create_topics([NewTopic(name, partitions, 1)], operation_timeout=600).values():
                future.result(timeout=900)
        create_s = time.monotonic() - began
        write_s = write_all(bootstrap, topics)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=600)
        process, bootstrap, clean_s = start(binary, data_dir, os.path.join(parent, "2.log"), nofile)
        write_all(bootstrap, topics)
        process.kill()
        process.wait()
        process, bootstrap, crash_s = start(binary, data_dir, os.path.join(parent, "3.log"), nofile)
        after_crash_write_s = write_all(bootstrap, topics)
        marks = high_watermarks(bootstrap, topics)
        served = sum(1 for m in marks if m == 3)
        fds = len(os.listdir(f"/proc/{process.pid}/fd"))
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=600)
        return {
            "partitions": count, "nofile": nofile, "create_s": round(create_s, 1), "first_write_s": round(write_s, 1),
            "start_after_clean_stop_s": round(clean_s, 2), "start_after_sigkill_s": round(crash_s, 2),
            "write_after_sigkill_s": round(after_crash_write_s, 1), "partitions_with_all_3_records": served,
            "descriptors_open_at_end": fds, "exit_status": status,
        }
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "spool"))
    parser.add_argument("--nofile", type=int, default=20000)
    parser.add_argument("--json")
    parser.add_argument("counts", nargs="*", type=int, default=[1000, 10000, 20000])
    args = parser.parse_args()
    results = []
    for count in args.counts:
        result = run(args.binary, count, args.nofile)
        print(json.dumps(result), flush=True)
        results.append(result)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
