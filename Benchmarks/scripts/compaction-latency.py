"""What the log cleaner costs produce latency (issue 16: the e2e p99 rises by at most 20 % while it cleans):

    BROKER_BINARY=.build-rel/release/spool python3 Benchmarks/scripts/compaction-latency.py [--pairs 3]

Fills a compacted topic (cleanup.policy=compact, segment.bytes 16 MiB, min.cleanable.dirty.ratio 0.01,
--partitions partitions) with --fill-mb of keyed updates (--keys keys, 100-byte values) through kcat, on a broker
with the cleaner off, and keeps that data directory. Then, --pairs times and alternating which goes first, it
copies the data directory, starts a release `spool serve` on it and runs `make compare`'s e2e row
(`spool bench e2e --topic e2e-<rate> --rate <rate> --duration 5 --acks all --linger-ms 0`, for each of --rates):
once with `--set log.cleaner.enable=false`, and once with the cleaner on, started right away so that it cleans the
dirty topic while e2e runs. The cleaner's progress is read from /metrics every 0.2 s (its counters move when a
round ends), and each run says how many MB the cleaner read inside the e2e window, how many rounds ended in it, and
whether a round was still running at its end (the cleaner starts with the broker and runs rounds back to back while
a partition is dirty, so then it cleaned all through the window). --throttle B also runs the cleaner at
log.cleaner.io.max.bytes.per.second=B (a third mode). Prints each mode's p50/p99/p99.9 (median of the pairs and
every run) and the ratios cleaner-on / cleaner-off; --json writes everything to a file.
"""

import argparse
import json
import os
import pathlib
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from conftest import Broker  # noqa: E402

TOPIC = "compacted"
E2E_SECONDS = 5


def log(message):
    print(f"[compaction-latency {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(command, timeout=900):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def write_updates(path, megabytes, keys, size):
    """Lines `key<TAB>value` for kcat -K: megabytes of updates to keys drawn at random."""
    generator = random.Random(16)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    block = "".join(generator.choice(alphabet) for _ in range(size * 64))
    count = megabytes * 1_000_000 // (size + 12)
    with open(path, "w") as out:
        for index in range(count):
            start = (index * 31) % (len(block) - size)
            out.write(f"key-{generator.randrange(keys)}\t{block[start:start + size]}\n")
    return count


def fill(binary, data, work, options):
    """A data directory holding the dirty compacted topic, written with the cleaner off."""
    broker = Broker(data, os.path.join(work, "fill.log"), ["--set", "log.cleaner.enable=false"])
    try:
        run([binary, "topic", "create", TOPIC, "-b", broker.bootstrap, "--partitions", str(options.partitions),
             "--config", "cleanup.policy=compact", "--config", f"segment.bytes={16 << 20}",
             "--config", "min.cleanable.dirty.ratio=0.01"])
        lines = os.path.join(work, "updates.txt")
        log(f"writing {options.fill_mb} MB of updates to {options.keys} keys")
        count = write_updates(lines, options.fill_mb, options.keys, 100)
        log(f"kcat: {count} keyed records into {TOPIC} ({options.partitions} partitions)")
        started = time.monotonic()
        run(["kcat", "-b", broker.bootstrap, "-P", "-t", TOPIC, "-K", "\t", "-X", "acks=1", "-X", "linger.ms=5",
             "-X", "batch.num.messages=10000", "-X", "queue.buffering.max.messages=1000000", "-l", lines])
        log(f"filled in {time.monotonic() - started:.1f} s")
        os.unlink(lines)
    finally:
        broker.stop()
    return count


def metric(text, name, labels=""):
    """The sum of a metric's samples in a Prometheus text page (0 when absent), filtered by a label substring."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and labels in line and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def scrape(url):
    """The /metrics page, or "" without an admin listener."""
    if not url:
        return ""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def fsync_figures(before, after):
    """The broker's log fsyncs between two scrapes: count, mean and p99 (the bucket bound that holds 99 %)."""
    name = "spool_log_fsync_seconds"
    count = metric(after, f"{name}_count") - metric(before, f"{name}_count")
    total = metric(after, f"{name}_sum") - metric(before, f"{name}_sum")
    buckets = {}
    for text, sign in [(after, 1), (before, -1)]:
        for line in text.splitlines():
            match = re.match(rf'{name}_bucket{{.*le="([^"]+)".*}} (\S+)$', line)
            if match and match.group(1) != "+Inf":
                bound = float(match.group(1))
                buckets[bound] = buckets.get(bound, 0.0) + sign * float(match.group(2))
    p99 = next((bound for bound in sorted(buckets) if count and buckets[bound] >= 0.99 * count), None)
    return {"fsyncs": int(count), "fsync_mean_ms": round(total / count * 1000, 2) if count else None,
            "fsync_p99_ms_at_most": None if p99 is None else p99 * 1000}


class CleanerWatch:
    """Samples the cleaner from /metrics every 0.2 s: (monotonic time, bytes read, rounds, highest dirty ratio)."""

    def __init__(self, url):
        self.url, self.samples, self.stop = url, [], threading.Event()
        self.thread = threading.Thread(target=self.poll, daemon=True)
        self.thread.start()

    def poll(self):
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    text = response.read().decode()
                self.samples.append((time.monotonic(), metric(text, "spool_log_cleaner_bytes_read_total"),
                                     metric(text, "spool_log_cleaner_rounds_total", 'result="cleaned"'),
                                     metric(text, "spool_log_cleaner_max_dirty_ratio")))
            except OSError:
                pass
            self.stop.wait(0.2)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.samples


def round_ends(samples):
    """When rounds ended: the samples at which the bytes-read counter moved (it moves when a round ends)."""
    return [sample[0] for sample, previous in zip(samples[1:], samples) if sample[1] > previous[1]]


def overlap(samples, start, end):
    """How the cleaner's rounds fell in the window start..end (times relative to start). The cleaner starts with
    the broker, before the window, and runs its rounds back to back while a partition is dirty, so a round that
    ended after the window means it was cleaning all through it."""
    def at(moment):
        before = [sample[1] for sample in samples if sample[0] <= moment]
        return before[-1] if before else 0.0
    ends = round_ends(samples)
    return {"cleaner_mb_read_in_window": round((at(end) - at(start)) / 1e6, 1),
            "rounds_ended_in_window": sum(1 for when in ends if start <= when <= end),
            "round_ends_s": [round(when - start, 2) for when in ends],
            "window_s": round(end - start, 2),
            "cleaning_through_window": any(when >= end for when in ends)}


def one_run(binary, snapshot, work, mode, options):
    data = os.path.join(work, f"data-{mode}-{time.monotonic_ns()}")
    shutil.copytree(snapshot, data)
    subprocess.run(["sync"], check=False)
    time.sleep(1)
    arguments = {"off": ["--set", "log.cleaner.enable=false"], "on": ["--set", "log.cleaner.enable=true"],
                 "throttled": ["--set", "log.cleaner.enable=true",
                               "--set", f"log.cleaner.io.max.bytes.per.second={options.throttle}"]}[mode]
    log_path = os.path.join(work, f"broker-{mode}.log")
    broker = Broker(data, log_path, arguments)
    watch = CleanerWatch(f"{broker.admin_url}/metrics") if broker.admin_url else None
    rows = []
    try:
        metrics_url = f"{broker.admin_url}/metrics" if broker.admin_url else None
        for rate in options.rates:
            before = scrape(metrics_url)
            started = time.monotonic()
            out = run([binary, "bench", "e2e", "-b", broker.bootstrap, "--json", "--topic", f"e2e-{rate}",
                       "--rate", str(rate), "--duration", str(E2E_SECONDS), "--acks", "all", "--linger-ms", "0"],
                      timeout=300)
            ended = time.monotonic()
            after = scrape(metrics_url)
            summary = json.loads(out.strip().splitlines()[-1])
            rows.append({"rate": rate, "start": started, "end": ended, **fsync_figures(before, after), **{
                key: summary[key] for key in ["records", "p50_ms", "p99_ms", "p999_ms", "max_ms", "errors"]}})
        if watch and mode != "off":
            # A throttled round may outlast the window: wait (at most a minute) for it to end, which shows it ran
            # through the window, unless the cleaner has cleaned every partition (no dirty ratio left).
            deadline = time.monotonic() + 60

            def cleaned_all():
                return bool(watch.samples) and watch.samples[-1][2] > 0 and watch.samples[-1][3] == 0

            while time.monotonic() < deadline and not cleaned_all() \
                    and not any(when >= ended for when in round_ends(watch.samples)):
                time.sleep(0.2)
    finally:
        samples = watch.finish() if watch else []
        broker.stop()
        cleaned = [line for line in open(log_path, errors="replace") if "cleaned log" in line]
        shutil.rmtree(data, ignore_errors=True)
    for row in rows:
        row["cleaner"] = overlap(samples, row.pop("start"), row.pop("end"))
        row["cleaned_log_lines"] = len(cleaned)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rates", default="10000", help="comma-separated e2e rates (make compare: 10000,100000,"
                                                         "500000)")
    parser.add_argument("--fill-mb", type=int, default=1000, help="MB of keyed updates in the compacted topic")
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--throttle", type=int, help="also run with log.cleaner.io.max.bytes.per.second=THROTTLE")
    parser.add_argument("--json", help="write every run's figures to this file")
    options = parser.parse_args()
    options.rates = [int(rate) for rate in options.rates.split(",")]
    binary = os.environ.get("BROKER_BINARY")
    if not binary:
        print("set BROKER_BINARY to a release spool binary", file=sys.stderr)
        return 2
    if shutil.which("kcat") is None:
        print("kcat is missing (apt-get install kcat)", file=sys.stderr)
        return 2
    modes = ["off", "on"] + (["throttled"] if options.throttle else [])
    runs = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory(prefix="spool-compaction-latency-") as work:
        snapshot = os.path.join(work, "snapshot")
        records = fill(binary, snapshot, work, options)
        size = sum(f.stat().st_size for f in pathlib.Path(snapshot).rglob("*.log"))
        log(f"snapshot: {size / 1e6:.0f} MB of segments")
        for pair in range(options.pairs):
            order = modes if pair % 2 == 0 else list(reversed(modes))
            for mode in order:
                log(f"pair {pair + 1}/{options.pairs}: cleaner {mode}")
                runs[mode].append(one_run(binary, snapshot, work, mode, options))
                log(f"  {[(row['rate'], row['p50_ms'], row['p99_ms'], row['cleaner']) for row in runs[mode][-1]]}")
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    report = {"fill_records": records, "fill_segment_bytes": size, "loadavg_after": load, "runs": runs}
    for index, rate in enumerate(options.rates):
        medians = {}
        for mode in modes:
            rows = [run_rows[index] for run_rows in runs[mode]]
            medians[mode] = {key: statistics.median(row[key] for row in rows) for key in ["p50_ms", "p99_ms",
                                                                                            "p999_ms"]}
            print(f"e2e {rate}/s acks=all, cleaner {mode:9}: p50 {medians[mode]['p50_ms']:.2f} ms  "
                  f"p99 {medians[mode]['p99_ms']:.2f} ms  p99.9 {medians[mode]['p999_ms']:.2f} ms (median of "
                  f"{len(rows)}; p99 runs {[row['p99_ms'] for row in rows]})")
            print(f"{'':28} broker log fsyncs in the window: mean ms {[row['fsync_mean_ms'] for row in rows]}, "
                  f"p99 at most ms {[row['fsync_p99_ms_at_most'] for row in rows]}")
            if mode != "off":
                overlaps = [row["cleaner"] for row in rows]
                print(f"{'':28} cleaner in the window: MB read {[o['cleaner_mb_read_in_window'] for o in overlaps]}"
                      f", rounds ended {[o['rounds_ended_in_window'] for o in overlaps]}, still cleaning at its end "
                      f"{[o['cleaning_through_window'] for o in overlaps]}")
        for mode in modes[1:]:
            ratio = {key: medians[mode][key] / medians["off"][key] for key in ["p50_ms", "p99_ms"]}
            print(f"{'':28} {mode} / off: p50 x{ratio['p50_ms']:.2f}, p99 x{ratio['p99_ms']:.2f} "
                  f"(target: p99 at most x1.20)")
        report[f"medians_{rate}"] = medians
    print(f"load average after: {' '.join(load)}")
    if options.json:
        pathlib.Path(options.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
