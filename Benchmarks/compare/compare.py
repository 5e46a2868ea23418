#!/usr/bin/env python3
"""Spool side by side with Redis Streams and this machine's limits, measured in one run on one machine.

Writes the figures to a JSON file; report.py turns them into a table, a section of docs/performance.md and a
chart. Every server listens on 127.0.0.1 only and every load is bounded in records and time.
Usage (from the repository root; Benchmarks/compare/run.sh installs what is missing first):
    python3 Benchmarks/compare/compare.py --spool .build-bench-release/release/spool --out results.json
"""
import argparse
import json
import resource
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[compare {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


def cpu_seconds(pid):
    """User + system CPU seconds of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def run(command, timeout=600, stdout=subprocess.PIPE):
    result = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


class Server:
    """A server process on a free loopback port, stopped (and its files removed) on exit."""

    def __init__(self, command_for_port, workdir, name, data=None):
        self.port = free_port()
        self.workdir = workdir
        self.data = data
        self.log_path = Path(workdir) / f"{name}.log"
        self.process = subprocess.Popen(
            command_for_port(self.port), stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w"))
        wait_for_port(self.port, self.process)

    def cpu(self):
        return cpu_seconds(self.process.pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.data is not None:
            # Gigabytes left behind slow the next parts' writes down on this VM (its disk discards freed blocks).
            shutil.rmtree(self.data, ignore_errors=True)


def spool_server(binary, workdir):
    data = Path(workdir) / f"spool-data-{time.monotonic_ns()}"
    return Server(lambda port: [binary, "serve", "--data-dir", str(data), "--listen", f"127.0.0.1:{port}",
                                "--admin-listen", "127.0.0.1:0", "--set", "log.level=warning"], workdir, "spool", data)


def redis_server(workdir, aof):
    directory = Path(workdir) / f"redis-{aof}-{time.monotonic_ns()}"
    directory.mkdir()
    persistence = ["--appendonly", "no"] if aof == "off" else [
        "--appendonly", "yes", "--appendfsync", aof, "--auto-aof-rewrite-percentage", "0"]
    return Server(lambda port: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                                "--save", "", "--protected-mode", "yes"] + persistence, workdir, "redis", directory)


def settle():
    """Writes back the previous run's dirty pages and lets the machine go quiet, so that one run's writeback
    does not land in the next one's time and CPU."""
    os.sync()
    time.sleep(1)


def median_runs(repeat, measure):
    """Runs measure() (a list of rows) `repeat` times after settle(); for each row keeps the run with the median
    records/s, with every run's records/s in `runs_per_sec`. Short runs on this VM swing by 2x or more with the
    host's disk and scheduling; the median of several is the figure worth quoting."""
    runs = []
    for _ in range(repeat):
        settle()
        runs.append(measure())
    if not runs or any(len(run) != len(runs[0]) for run in runs):
        return runs[-1] if runs else []
    chosen = []
    for index in range(len(runs[0])):
        candidates = sorted((run[index] for run in runs), key=lambda r: r["records_per_sec"])
        median = dict(candidates[len(candidates) // 2])
        median["runs_per_sec"] = [round(run[index]["records_per_sec"]) for run in runs]
        chosen.append(median)
    return chosen


def timed(server, body):
    """Runs body(), returning (its result, wall seconds, server CPU seconds)."""
    cpu0, start = server.cpu(), time.monotonic()
    result = body()
    return result, time.monotonic() - start, server.cpu() - cpu0


def row(system, tool, op, size, mode, records, seconds, cpu=None, p50=None, p99=None, p999=None, note=""):
    nbytes = records * size
    return {
        "system": system, "tool": tool, "op": op, "record_size": size, "mode": mode, "records": records,
        "seconds": round(seconds, 4), "records_per_sec": records / seconds if seconds > 0 else 0,
        "mb_per_sec": nbytes / seconds / 1e6 if seconds > 0 else 0,
        "cpu_s_per_gb": (cpu / (nbytes / 1e9)) if cpu is not None and nbytes else None,
        "p50_ms": p50, "p99_ms": p99, "p999_ms": p999, "note": note,
    }


def write_lines(path, count, size):
    """count lines of size printable bytes (a fixed pseudo-random text, as the kcat script writes)."""
    import random
    rng = random.Random(7)
    block = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size * 64))
    with open(path, "w") as out:
        for i in range(count):
            start = (i * 31) % (len(block) - size)
            out.write(block[start:start + size] + "\n")


def machine_limits(workdir, quick, after=False):
    """fio's sequential writes (and iperf3 over loopback); `after` measures the fdatasync'd write again only, at
    the end of the run: this VM's disk gets slower after gigabytes of writes, so both ends are shown."""
    rows = []
    size = "256M" if quick else "1G"
    writes = [("seq write 1 MiB + fdatasync each", ["--fdatasync=1"]),
              ("seq write 1 MiB, buffered + final fsync", ["--end_fsync=1"])]
    if after:
        writes = [("seq write 1 MiB + fdatasync each, after the run", ["--fdatasync=1"])]
    for name, extra in writes:
        target = Path(workdir) / "fio.dat"
        log(f"fio: {name}")
        out = run(["fio", "--name=seq", f"--filename={target}", "--rw=write", "--bs=1M", f"--size={size}",
                   "--ioengine=psync", "--output-format=json"] + extra)
        job = json.loads(out)["jobs"][0]
        sync = job.get("sync", {}).get("lat_ns", {}).get("percentile", {})
        p99 = sync.get("99.000000")
        rows.append({"limit": name, "mb_per_sec": job["write"]["bw_bytes"] / 1e6,
                     "fsync_p99_ms": p99 / 1e6 if p99 else None})
        target.unlink(missing_ok=True)
    if after:
        return rows
    rows.append(dd_write(workdir, 256 if quick else 1024))
    port = free_port()
    log("iperf3 over loopback")
    server = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        out = run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", "3" if quick else "5", "-J"])
        bits = json.loads(out)["end"]["sum_received"]["bits_per_second"]
        rows.append({"limit": "loopback TCP, 1 stream (iperf3)", "mb_per_sec": bits / 8 / 1e6, "fsync_p99_ms": None})
    finally:
        server.wait(timeout=30)
    return rows


def dd_write(workdir, mebibytes):
    """dd writing 1 MiB blocks with one fdatasync at the end: the CPU a plain writer spends per GB, which the
    broker's CPU per GB at 1 KiB acks=all is held against (issue 12: no more than 1.2 times)."""
    target = Path(workdir) / "dd.dat"
    log(f"dd: {mebibytes} MiB, 1 MiB blocks, fdatasync at the end")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    run(["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={mebibytes}", "conv=fdatasync", "status=none"])
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    target.unlink(missing_ok=True)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    gigabytes = mebibytes * 2**20 / 1e9
    return {"limit": "dd 1 MiB blocks + final fdatasync", "mb_per_sec": gigabytes * 1e3 / seconds,
            "fsync_p99_ms": None, "cpu_s_per_gb": cpu / gigabytes}


def spool_kcat(binary, workdir, size, records, lines):
    """kcat produce with acks=all and acks=1 (a fresh broker each), then a replay of the acks=all topic."""
    rows = []
    for acks in ["all", "1"]:
        with spool_server(binary, workdir) as server:
            bootstrap = f"127.0.0.1:{server.port}"
            run(["kcat", "-b", bootstrap, "-L", "-t", "perf"])
            log(f"kcat produce {records} x {size} B acks={acks}")
            _, seconds, cpu = timed(server, lambda: run(
                ["kcat", "-b", bootstrap, "-P", "-t", "perf", "-X", f"acks={acks}", "-X", "linger.ms=5",
                 "-X", "batch.num.messages=10000", "-X", "queue.buffering.max.messages=1000000", "-l", lines]))
            rows.append(row("Spool", "kcat", "produce", size, f"acks={acks}", records, seconds, cpu))
            if acks == "all":
                log("kcat consume")
                _, seconds, cpu = timed(server, lambda: run(
                    ["kcat", "-b", bootstrap, "-C", "-t", "perf", "-o", "beginning", "-e", "-q",
                     "-X", "fetch.message.max.bytes=4194304", "-X", "fetch.wait.max.ms=100"],
                    stdout=subprocess.DEVNULL))
                rows.append(row("Spool", "kcat", "consume", size, "from beginning", records, seconds, cpu,
                                note="fetch.wait.max.ms=100"))
    return rows


def make_certificates(directory):
    """A CA and a server certificate for 127.0.0.1 (chain and key in one PEM), from openssl."""
    directory.mkdir(parents=True, exist_ok=True)
    def openssl(*arguments):
        subprocess.run(["openssl", *arguments], cwd=directory, check=True, capture_output=True, timeout=60)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=compare CA")
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    (directory / "server.pem").write_text((directory / "server.crt").read_text()
                                          + (directory / "server.key").read_text())
    return directory


def spool_security(binary, workdir, size, records, lines):
    """kcat produce (acks=all) and consume over PLAINTEXT and over SASL_SSL with SCRAM-SHA-512, on one broker
    with both listeners: what TLS and SASL cost, side by side, the same topics' size and the same kcat flags."""
    certs = make_certificates(Path(workdir) / "certs")
    secure_port = free_port()
    data = Path(workdir) / f"spool-data-{time.monotonic_ns()}"
    password = "compare-secret"
    server = Server(lambda port: [
        binary, "serve", "--data-dir", str(data), "--admin-listen", "127.0.0.1:0", "--set", "log.level=warning",
        "--set", f"listeners=PLAINTEXT://127.0.0.1:{port},SASL_SSL://127.0.0.1:{secure_port}",
        "--set", "sasl.enabled.mechanisms=SCRAM-SHA-512", "--set", f"ssl.keystore.location={certs / 'server.pem'}"],
        workdir, "spool-security", data)
    rows = []
    with server:
        plaintext = ["-b", f"127.0.0.1:{server.port}"]
        run([binary, "user", "create", "bench", "--password", password, "--mechanism", "SCRAM-SHA-512",
             "-b", f"127.0.0.1:{server.port}"])
        secure = ["-b", f"127.0.0.1:{secure_port}", "-X", "security.protocol=SASL_SSL",
                  "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=bench", "-X", f"sasl.password={password}",
                  "-X", f"ssl.ca.location={certs / 'ca.pem'}"]
        for name, connection in [("PLAINTEXT", plaintext), ("SASL_SSL SCRAM-SHA-512", secure)]:
            topic = "perf-" + name.split()[0].lower()
            run(["kcat", *connection, "-L", "-t", topic])
            log(f"kcat produce {records} x {size} B acks=all over {name}")
            _, seconds, cpu = timed(server, lambda: run(
                ["kcat", *connection, "-P", "-t", topic, "-X", "acks=all", "-X", "linger.ms=5",
                 "-X", "batch.num.messages=10000", "-X", "queue.buffering.max.messages=1000000", "-l", lines]))
            rows.append(row("Spool", "kcat", "produce", size, f"acks=all, {name}", records, seconds, cpu,
                            note="security: one broker, both listeners"))
            log(f"kcat consume over {name}")
            _, seconds, cpu = timed(server, lambda: run(
                ["kcat", *connection, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                 "-X", "fetch.message.max.bytes=4194304", "-X", "fetch.wait.max.ms=100"], stdout=subprocess.DEVNULL))
            rows.append(row("Spool", "kcat", "consume", size, f"from beginning, {name}", records, seconds, cpu,
                            note="security: one broker, both listeners"))
    return rows


def bench(binary, bootstrap, mode, arguments):
    out = run([binary, "bench", mode, "-b", bootstrap, "--json"] + arguments, timeout=300)
    return json.loads(out.strip().splitlines()[-1])


def spool_bench(binary, workdir, size, records):
    rows = []
    for acks in ["all", "1"]:
        with spool_server(binary, workdir) as server:
            bootstrap = f"127.0.0.1:{server.port}"
            log(f"spool bench produce {records} x {size} B acks={acks}")
            summary, _, cpu = timed(server, lambda: bench(
                binary, bootstrap, "produce", ["--topic", "perf", "--count", str(records), "--record-size", str(size),
                                               "--acks", acks]))
            rows.append(row("Spool", "spool bench", "produce", size, f"acks={acks}", summary["records"],
                            summary["elapsed_sec"], cpu, summary["p50_ms"], summary["p99_ms"], summary["p999_ms"],
                            note="latency: send to ack"))
            if acks == "all":
                log("spool bench consume")
                summary, _, cpu = timed(server, lambda: bench(binary, bootstrap, "consume", ["--topic", "perf"]))
                rows.append(row("Spool", "spool bench", "consume", size, "from beginning", summary["records"],
                                summary["elapsed_sec"], cpu, summary["p50_ms"], summary["p99_ms"],
                                summary["p999_ms"], note="latency: one poll"))
    return rows


def spool_e2e(binary, workdir, rates, seconds):
    rows = []
    for acks in ["1", "all"]:
        with spool_server(binary, workdir) as server:
            bootstrap = f"127.0.0.1:{server.port}"
            for rate in rates:
                log(f"spool bench e2e {rate}/s acks={acks} for {seconds} s")
                summary, _, cpu = timed(server, lambda: bench(
                    binary, bootstrap, "e2e", ["--topic", f"e2e-{rate}", "--rate", str(rate), "--duration",
                                               str(seconds), "--acks", acks, "--linger-ms", "0"]))
                entry = row("Spool", "spool bench", "e2e", 100, f"acks={acks}", summary["records"],
                            summary["elapsed_sec"], cpu, summary["p50_ms"], summary["p99_ms"], summary["p999_ms"],
                            note="latency: send to receipt")
                entry["target_rate"] = rate
                # How busy the broker was at this rate, in cores (issue 19: at most 0.1 at 10,000 records/s).
                entry["broker_cores"] = cpu / summary["elapsed_sec"] if summary["elapsed_sec"] else None
                rows.append(entry)
    return rows


SCALING = [
    # (partitions, batch bytes, producers): issue 19's table. Partitions with one producer and 1 MiB batches; the
    # batch size with one partition; producer connections with one partition.
    (1, 1_000_000, 1), (10, 1_000_000, 1), (100, 1_000_000, 1), (1000, 1_000_000, 1),
    (1, 16_384, 1), (1, 1_000_000, 4), (1, 1_000_000, 16),
]


def scaling_mode(partitions, batch, producers):
    size = "1 MiB" if batch == 1_000_000 else f"{batch // 1024} KiB"
    return f"{partitions} partitions, {size} batches, {producers} producers"


def spool_scaling(binary, workdir, records):
    """`spool bench produce` of 100 B records with acks=all over SCALING's partition counts, batch sizes and producer
    connections, each on a fresh broker; the broker's CPU comes from the broker process (`--broker-pid`)."""
    rows = []
    pid_option = "--broker-pid" in run([binary, "bench", "produce", "--help"])
    for partitions, batch, producers in SCALING:
        with spool_server(binary, workdir) as server:
            bootstrap = f"127.0.0.1:{server.port}"
            mode = scaling_mode(partitions, batch, producers)
            log(f"spool bench produce {records} x 100 B acks=all: {mode}")
            arguments = ["--topic", "scaling", "--count", str(records), "--record-size", "100", "--acks", "all",
                         "--partitions", str(partitions), "--batch-size", str(batch), "--producers", str(producers)]
            if pid_option:
                arguments += ["--broker-pid", str(server.process.pid)]
            summary, _, cpu = timed(server, lambda: bench(binary, bootstrap, "produce", arguments))
            # A binary from before `--broker-pid` (a baseline) is measured around the whole command instead, topic
            # creation included.
            entry = row("Spool", "spool bench", "scaling", 100, mode, summary["records"], summary["elapsed_sec"],
                        summary.get("broker_cpu_sec", cpu), summary["p50_ms"], summary["p99_ms"], summary["p999_ms"],
                        note="latency: send to ack")
            entry.update(partitions=partitions, batch_bytes=batch, producers=producers,
                         broker_cpu_whole_command_sec=cpu)
            rows.append(entry)
    return rows


def redis_streams(workdir, size, records):
    rows = []
    value = ("abcdefghijklmnopqrstuvwxyz0123456789" * (size // 36 + 1))[:size]
    for aof in ["always", "everysec", "off"]:
        with redis_server(workdir, aof) as server:
            port = str(server.port)
            log(f"redis-benchmark XADD {records} x {size} B, AOF {aof}")
            out, seconds, cpu = timed(server, lambda: run(
                ["redis-benchmark", "-p", port, "-n", str(records), "-P", "256", "-c", "50", "--csv",
                 "XADD", "stream", "*", "f", value]))
            fields = [f.strip('"') for f in out.strip().splitlines()[-1].split('","')]
            written = int(run(["redis-cli", "-p", port, "XLEN", "stream"]).strip())
            rows.append(row("Redis Streams", "redis-benchmark", "produce", size, f"AOF {aof}", written, seconds, cpu,
                            float(fields[4]), float(fields[6]), note="XADD, -P 256 -c 50; latency per pipeline"))
            if aof == "off":
                requests = max(records // 1000, 200)
                log(f"redis-benchmark XRANGE COUNT 1000 x {requests}")
                out, seconds, cpu = timed(server, lambda: run(
                    ["redis-benchmark", "-p", port, "-n", str(requests), "-c", "10", "--csv",
                     "XRANGE", "stream", "-", "+", "COUNT", "1000"]))
                fields = [f.strip('"') for f in out.strip().splitlines()[-1].split('","')]
                entries = requests * min(1000, written)
                rows.append(row("Redis Streams", "redis-benchmark", "consume", size, "XRANGE COUNT 1000", entries,
                                seconds, cpu, float(fields[4]), float(fields[6]),
                                note="latency per XRANGE of 1000"))
    return rows


def idle_percent(seconds=2.0):
    """The share of all cores left idle over a short sample: how quiet the machine is right now."""
    def sample():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return values[3] + values[4], sum(values)
    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return round(100 * (idle1 - idle0) / max(total1 - total0, 1), 1)


def describe_machine():
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory, 1), "kernel": platform.release(),
            "loadavg": load, "idle_percent": idle_percent()}


def versions(binary):
    def first_line(command, containing=""):
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=10)
            lines = (result.stdout + result.stderr).strip().splitlines()
            return next(line.strip() for line in lines if containing in line)
        except (OSError, StopIteration, subprocess.TimeoutExpired):
            return "missing"
    return {"redis": first_line(["redis-server", "--version"]), "kcat": "kcat " + first_line(["kcat", "-V"], "Version"),
            "fio": first_line(["fio", "--version"]), "iperf3": first_line(["iperf3", "--version"]),
            "spool": binary, "spool_build": os.environ.get("COMPARE_BUILD_FLAGS", "release (built elsewhere)")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spool", required=True, help="the release spool binary")
    parser.add_argument("--out", required=True, help="where to write the results (JSON)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the records: a smoke run, not figures")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each throughput part; the median is reported (default 3)")
    parser.add_argument("--only", default="limits,kcat,bench,e2e,redis,security,scaling",
                        help="comma-separated parts to run (default: all)")
    args = parser.parse_args()
    repeat = max(1, 1 if args.quick else args.repeat)
    for tool in ["kcat", "redis-server", "redis-benchmark", "redis-cli", "fio", "iperf3"]:
        if shutil.which(tool) is None:
            sys.exit(f"compare: {tool} is missing; Benchmarks/compare/run.sh installs it (apt-get)")
    parts = set(args.only.split(","))
    scale = 10 if args.quick else 1
    counts = {100: 2_000_000 // scale, 1024: 500_000 // scale}
    bench_counts = {100: 1_000_000 // scale, 1024: 250_000 // scale}
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": describe_machine(),
               "versions": versions(args.spool), "quick": args.quick, "repeat": repeat, "limits": [], "rows": []}
    results["failures"] = []

    def attempt(name, body):
        """Runs one part; a failure is logged and kept in the results, and the other parts still run."""
        try:
            return body()
        except (RuntimeError, subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
            log(f"{name} failed: {error}")
            results["failures"].append(f"{name}: {str(error).strip()[-400:]}")
            return []

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="spool-compare-", dir=os.environ.get("COMPARE_TMP")) as workdir:
        if "limits" in parts:
            results["limits"] = attempt("machine limits", lambda: machine_limits(workdir, args.quick))
        for size in [100, 1024]:
            if "kcat" in parts:
                lines = str(Path(workdir) / f"lines-{size}.txt")
                write_lines(lines, counts[size], size)
                results["rows"] += attempt(f"kcat {size} B", lambda: median_runs(
                    repeat, lambda: spool_kcat(args.spool, workdir, size, counts[size], lines)))
                os.unlink(lines)
            if "bench" in parts:
                results["rows"] += attempt(f"spool bench {size} B", lambda: median_runs(
                    repeat, lambda: spool_bench(args.spool, workdir, size, bench_counts[size])))
            if "security" in parts and size == 1024:
                lines = str(Path(workdir) / f"lines-{size}.txt")
                write_lines(lines, counts[size], size)
                results["rows"] += attempt(f"security {size} B", lambda: median_runs(
                    repeat, lambda: spool_security(args.spool, workdir, size, counts[size], lines)))
                os.unlink(lines)
            if "redis" in parts:
                results["rows"] += attempt(f"redis {size} B", lambda: median_runs(
                    repeat, lambda: redis_streams(workdir, size, counts[size])))
        if "scaling" in parts:
            results["rows"] += attempt("scaling", lambda: median_runs(
                repeat, lambda: spool_scaling(args.spool, workdir, 5_000_000 // scale)))
        if "e2e" in parts:
            settle()
            results["rows"] += attempt("e2e", lambda: spool_e2e(
                args.spool, workdir, [10_000, 100_000, 500_000], 3 if args.quick else 5))
        if "limits" in parts:
            settle()
            results["limits"] += attempt("machine limits after", lambda: machine_limits(workdir, args.quick, True))
    results["seconds"] = round(time.monotonic() - started, 1)
    after = describe_machine()
    results["machine"]["loadavg_after"] = after["loadavg"]
    results["machine"]["idle_percent_after"] = after["idle_percent"]
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    log(f"done in {results['seconds']} s: {args.out}")


if __name__ == "__main__":
    main()
