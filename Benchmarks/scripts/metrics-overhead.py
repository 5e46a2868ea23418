"""What scraping /metrics every second costs produce and consume throughput (issue 15: at most 2 %):

    BROKER_BINARY=.build-rel/release/spool .venv/bin/python Benchmarks/scripts/metrics-overhead.py [--pairs 5]

With --console the scraped runs also keep the web console's overview open in headless Chromium (it polls on
its own). Runs `spool bench` produce (acks=1 and acks=all) and consume from the beginning, as `make compare` does, on a fresh
broker each run, once with nothing scraping and once with a GET /metrics every second (a Prometheus at a 1 s
interval), alternating which goes first, --pairs times. Prints each mode's median records/s and the broker's CPU
seconds per million records, quiet and scraped, and their ratios; the spread of the runs says how noisy the machine
is. On a shared machine throughput swings far more than 2 % from run to run, so it also prints what one scrape costs
the broker in CPU (30 scrapes back to back, after the runs): at one scrape a second that is the share of a core
the scraping takes from produce and consume.
"""

import argparse
import json
import os
import pathlib
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


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench(binary, bootstrap, mode, arguments):
    out = subprocess.run([binary, "bench", mode, "-b", bootstrap, "--json"] + arguments, check=True,
                         capture_output=True, text=True, timeout=600).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    return summary["records"], summary["elapsed_sec"]


def scraper(url, stop, count):
    while not stop.wait(1.0):
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
        count[0] += 1


def open_console(url):
    """Headless Chromium (Debian's chromium and chromium-driver, Selenium) showing the console's overview, which
    polls /metrics and the API on its own while the benches run; None without --console."""
    from selenium import webdriver
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"]:
        options.add_argument(argument)
    browser = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))
    browser.get(url + "/#/")
    return browser


def measured(broker, body):
    """(records/s, broker CPU seconds per million records) of one bench."""
    before = cpu_seconds(broker.process.pid)
    records, seconds = body()
    return records / seconds, (cpu_seconds(broker.process.pid) - before) / records * 1e6


def one_run(binary, options, scraped):
    figures = {}
    with tempfile.TemporaryDirectory(prefix="spool-overhead-") as parent:
        # Info level: the harness finds the listeners' ports in their start lines.
        broker = Broker(os.path.join(parent, "data"), os.path.join(parent, "broker.log"))
        stop, count = threading.Event(), [0]
        thread = threading.Thread(target=scraper, args=(f"{broker.admin_url}/metrics", stop, count))
        browser = None
        if scraped:
            thread.start()
            if options.console:
                browser = open_console(broker.admin_url)
        try:
            for acks in ["1", "all"]:
                figures[f"produce acks={acks}"] = measured(broker, lambda: bench(
                    binary, broker.bootstrap, "produce",
                    ["--topic", f"perf-{acks}", "--count", str(options.records), "--record-size", str(options.size),
                     "--acks", acks]))
            figures["consume"] = measured(broker, lambda: bench(binary, broker.bootstrap, "consume",
                                                                ["--topic", "perf-all"]))
            if not scraped:
                before = cpu_seconds(broker.process.pid)
                for _ in range(30):
                    with urllib.request.urlopen(f"{broker.admin_url}/metrics", timeout=10) as response:
                        response.read()
                figures["scrape cpu ms"] = (cpu_seconds(broker.process.pid) - before) / 30 * 1000
        finally:
            stop.set()
            if scraped:
                thread.join()
            if browser is not None:
                browser.quit()
            broker.stop()
        if scraped:
            assert count[0] > 0, "the scraper never scraped"
    os.sync()
    time.sleep(1)
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--console", action="store_true",
                        help="also keep the web console's overview open in headless Chromium while scraping")
    options = parser.parse_args()
    binary = os.environ.get("BROKER_BINARY")
    if not binary:
        print("set BROKER_BINARY to a release spool binary", file=sys.stderr)
        return 2
    runs = {False: [], True: []}
    for pair in range(options.pairs):
        for scraped in ([False, True] if pair % 2 == 0 else [True, False]):
            runs[scraped].append(one_run(binary, options, scraped))
    for mode in [mode for mode in runs[False][0] if mode != "scrape cpu ms"]:
        quiet = [run[mode][0] for run in runs[False]]
        busy = [run[mode][0] for run in runs[True]]
        quiet_cpu = statistics.median(run[mode][1] for run in runs[False])
        busy_cpu = statistics.median(run[mode][1] for run in runs[True])
        print(f"{mode:18} rec/s quiet {statistics.median(quiet):>10,.0f} scraped {statistics.median(busy):>10,.0f} "
              f"ratio {statistics.median(busy) / statistics.median(quiet):.3f} | broker CPU s per M records quiet "
              f"{quiet_cpu:.3f} scraped {busy_cpu:.3f} ratio {busy_cpu / quiet_cpu:.3f}")
        print(f"{'':18} runs quiet {[round(x) for x in quiet]} scraped {[round(x) for x in busy]}")
    scrape = statistics.median(run["scrape cpu ms"] for run in runs[False])
    print(f"one scrape: {scrape:.2f} ms of broker CPU (median); at one a second, {scrape / 10:.2f} % of one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
