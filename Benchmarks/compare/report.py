#!/usr/bin/env python3
"""Turns compare.py's results into a table (stdout), the marked section of docs/performance.md and a PNG chart.

    python3 Benchmarks/compare/report.py RESULTS.json [--doc docs/performance.md] [--chart docs/compare.png]
"""
import argparse
import json
import re
import sys
from pathlib import Path

START, END = "<!-- compare:start -->", "<!-- compare:end -->"


def fmt_rate(value):
    if value is None:
        return "—"
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.0f} k"


def fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"


def table_rows(results):
    rows = []
    for r in results["rows"]:
        if r["op"] in ("e2e", "scaling"):
            continue
        size = "100 B" if r["record_size"] == 100 else "1 KiB"
        rows.append([r["system"], r["tool"], r["op"], size, r["mode"], fmt_rate(r["records_per_sec"]),
                     fmt(r["mb_per_sec"], 0), fmt(r["p99_ms"], 2), fmt(r["cpu_s_per_gb"], 2)])
    return ["system", "driven by", "op", "record", "durability / mode", "records/s", "MB/s", "p99 ms",
            "server CPU s/GB"], rows


def e2e_rows(results):
    rows = []
    for r in results["rows"]:
        if r["op"] == "e2e":
            rows.append([fmt_rate(r["target_rate"]), r["mode"], fmt_rate(r["records_per_sec"]), fmt(r["p50_ms"], 2),
                         fmt(r["p99_ms"], 2), fmt(r["p999_ms"], 2), fmt(r.get("broker_cores"), 3)])
    return ["target rate", "acks", "received/s", "p50 ms", "p99 ms", "p99.9 ms", "broker cores"], rows


def scaling_rows(results):
    rows = []
    for r in results["rows"]:
        if r["op"] == "scaling":
            rows.append([r["mode"], fmt_rate(r["records_per_sec"]), fmt(r["mb_per_sec"], 0), fmt(r["p50_ms"], 1),
                         fmt(r["p99_ms"], 1), fmt(r["cpu_s_per_gb"], 2)])
    return ["100 B, acks=all, spool bench produce", "records/s", "MB/s", "p50 ms", "p99 ms", "broker CPU s/GB"], rows


def scaling_row(results, partitions, batch, producers):
    return next((r for r in results["rows"] if r["op"] == "scaling" and r.get("partitions") == partitions
                 and r.get("batch_bytes") == batch and r.get("producers") == producers), None)


def limit_rows(results):
    return ["machine limit", "MB/s", "fsync p99 ms", "CPU s/GB"], [
        [l["limit"], fmt(l["mb_per_sec"], 0), fmt(l["fsync_p99_ms"], 2), fmt(l.get("cpu_s_per_gb"), 2)]
        for l in results["limits"]]


def target_rows(results):
    """The ratios issue 12 holds the broker to, each inside one run: kcat's 1 KiB acks=all produce rate against
    fio's fdatasync'd 1 MiB writes (at least 0.8), and the broker's CPU per GB there against dd's (at most 1.2)."""
    def limit(prefix):
        return next((l for l in results["limits"] if l["limit"].startswith(prefix)), None)
    produce = next((r for r in results["rows"] if r["system"] == "Spool" and r["tool"] == "kcat"
                    and r["op"] == "produce" and r["record_size"] == 1024 and r["mode"] == "acks=all"), None)
    fio, dd = limit("seq write 1 MiB + fdatasync each"), limit("dd ")
    rows = []
    if produce and fio:
        ratio = produce["mb_per_sec"] / fio["mb_per_sec"]
        rows.append(["kcat 1 KiB acks=all MB/s ÷ fio 1 MiB + fdatasync MB/s", f"{ratio:.2f}", "≥ 0.80"])
    if produce and dd and produce.get("cpu_s_per_gb") and dd.get("cpu_s_per_gb"):
        ratio = produce["cpu_s_per_gb"] / dd["cpu_s_per_gb"]
        rows.append(["broker CPU s/GB at 1 KiB acks=all ÷ dd CPU s/GB", f"{ratio:.2f}", "≤ 1.2"])
    # Issue 18: TLS and SASL cost at most 35 % of plaintext throughput (the same broker, both listeners).
    for op, mode in [("produce", "acks=all"), ("consume", "from beginning")]:
        def security_row(listener):
            return next((r for r in results["rows"] if r["op"] == op and r["record_size"] == 1024
                         and r["mode"] == f"{mode}, {listener}"), None)
        plain, secure = security_row("PLAINTEXT"), security_row("SASL_SSL SCRAM-SHA-512")
        if plain and secure and plain["records_per_sec"]:
            ratio = secure["records_per_sec"] / plain["records_per_sec"]
            cpu = (f"; broker CPU {secure['cpu_s_per_gb']:.2f} vs {plain['cpu_s_per_gb']:.2f} s/GB"
                   if secure.get("cpu_s_per_gb") and plain.get("cpu_s_per_gb") else "")
            rows.append([f"kcat 1 KiB {op} over SASL_SSL ÷ over PLAINTEXT{cpu}", f"{ratio:.2f}", "≥ 0.65"])
    # Issue 19: cost that follows records, not partitions and requests.
    one, thousand = scaling_row(results, 1, 1_000_000, 1), scaling_row(results, 1000, 1_000_000, 1)
    if one and thousand and one["records_per_sec"]:
        rows.append(["produce 100 B acks=all, 1,000 partitions ÷ 1 partition (records/s; spool bench sends every "
                      "partition's batch in one request, as the Java producer does; librdkafka: see issue 19's section)",
                     f"{thousand['records_per_sec'] / one['records_per_sec']:.2f}", "≥ 0.70"])
        rows.append(["producer p99 at 1,000 partitions, ms", fmt(thousand["p99_ms"], 1), "≤ 100"])
    small = scaling_row(results, 1, 16_384, 1)
    if one and small and one.get("cpu_s_per_gb") and small.get("cpu_s_per_gb"):
        rows.append(["broker CPU s/GB, 16 KiB batches ÷ 1 MiB batches",
                     f"{small['cpu_s_per_gb'] / one['cpu_s_per_gb']:.2f}", "≤ 2"])
    for r in results["rows"]:
        if r["op"] == "e2e" and r["mode"] == "acks=all" and r["target_rate"] in (10_000, 100_000):
            rows.append([f"end-to-end acks=all at {fmt_rate(r['target_rate'])}/s: p50 / p99 ms",
                         f"{fmt(r['p50_ms'], 2)} / {fmt(r['p99_ms'], 2)}", "≤ 2 / ≤ 5"])
            if r["target_rate"] == 10_000 and r.get("broker_cores") is not None:
                rows.append(["broker cores at 10 k records/s, acks=all, linger 0", fmt(r["broker_cores"], 3),
                             "≤ 0.1"])
    if produce and dd and produce.get("cpu_s_per_gb") and dd.get("cpu_s_per_gb"):
        rows.append(["issue 19: broker CPU s/GB at 1 KiB acks=all ≤ 0.7 × dd's",
                     f"{produce['cpu_s_per_gb'] / dd['cpu_s_per_gb']:.2f}", "≤ 0.70"])
    return ["target", "measured", "goal"], rows


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def plain(header, rows):
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)] if rows else [len(h) for h in header]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)) for line in [header] + rows)


def kcat_version(text):
    """`kcat Version 1.7.1 (JSON, …, librdkafka 2.0.2 builtin…)` → `kcat 1.7.1 (librdkafka 2.0.2)`."""
    match = re.search(r"Version (\S+).*?(librdkafka \S+)", text)
    return f"kcat {match.group(1)} ({match.group(2)})" if match else text


def section(results, chart_name):
    machine = results["machine"]
    versions = results["versions"]
    text = [
        START,
        f"## Side by side: Spool, Redis Streams and this machine's limits, {results['date']}",
        "",
        "Reproduce with one command: `make compare` (it runs `Benchmarks/compare/run.sh`: installs redis, fio,",
        "iperf3 and matplotlib when missing, builds the release `spool`, measures for a few minutes, then",
        "rewrites this section and the chart). Everything runs on this machine over loopback, one system at a",
        "time, each on a fresh data directory; load generator and server share the cores. Each throughput",
        f"figure is the median of {results.get('repeat', 1)} runs (after a `sync` and a second's pause each; "
        "`runs_per_sec` in",
        "`Benchmarks/compare/results.json` has every run), with the server CPU of that median run.",
        "",
        f"**Machine**: {machine['cpus']} × {machine['cpu']}, {machine['memory_gib']} GiB, Linux {machine['kernel']}.",
        f"Load average before / after the run: {' '.join(machine['loadavg'])} / "
        f"{' '.join(machine.get('loadavg_after', []))};",
        f"idle CPU in the 2 s before / after: {machine.get('idle_percent', '?')} % / "
        f"{machine.get('idle_percent_after', '?')} %. Run took {results['seconds']} s"
        + (" (**--quick**: a tenth of the records, not for comparison)." if results.get("quick") else "."),
        f"Versions: {versions['redis'].split(' sha=')[0]}; {kcat_version(versions['kcat'])}; {versions['fio']};",
        f"{versions['iperf3']}. Spool build: `{versions.get('spool_build', 'release')}`.",
        "",
        markdown(*table_rows(results)),
        "",
        "- Spool `acks=all` is answered after fsync (group commit); `acks=1` once the write reaches the page cache.",
        "  Redis `AOF always` fsyncs before answering, `everysec` once a second, `off` keeps the stream in memory only.",
        "- p99: `spool bench produce` measures send → acknowledgement per record (records wait in the producer's",
        "  batch); `spool bench consume` one poll; redis-benchmark one pipelined request of 256 commands",
        "  (XADD) or one XRANGE of 1,000 entries. kcat reports no latency.",
        "- Server CPU is user + system time of the broker (or redis-server) process from `/proc/<pid>/stat`",
        "  during the measurement, per GB of record values.",
        "",
        "End-to-end latency, producer send → consumer receipt (`spool bench e2e`, 100 B, `--linger-ms 0`, 5 s",
        "per rate, one producer and one consumer in one process):",
        "",
        markdown(*e2e_rows(results)),
        "",
        markdown(*limit_rows(results)),
        "",
    ] + ([
        "How the broker's cost follows partitions, batch sizes and producer connections (`spool bench produce",
        "--broker-pid`, 100 B records, acks=all, linger 5 ms, a fresh broker each; broker CPU from its own process):",
        "",
        markdown(*scaling_rows(results)),
        "",
        "![Throughput, latency and broker CPU by partitions, batch size and producers](scaling.png)",
        "",
    ] if scaling_rows(results)[1] else []) + [
        "The broker's targets, as ratios inside this run (absolute figures move with each machine's disk):",
        "",
        markdown(*target_rows(results)),
        "",
        f"![Spool, Redis Streams and the machine's limits]({chart_name})",
    ]
    if results.get("failures"):
        text += ["", "Parts that failed in this run (their rows are missing above):", ""]
        text += [f"- `{failure.splitlines()[-1][:200]}`" for failure in results["failures"]]
    text += [
        END,
    ]
    return "\n".join(text)


def update_doc(doc, results, chart_name):
    content = doc.read_text()
    new = section(results, chart_name)
    if START in content and END in content:
        content = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: new, content, flags=re.S)
    else:
        content = content.rstrip("\n") + "\n\n" + new + "\n"
    doc.write_text(content)


def chart(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rows = results["rows"]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    colors = {"Spool": "#2b6cb0", "Redis Streams": "#c53030"}

    def bars(ax, op, size, key, scale, unit, title):
        chosen = [r for r in rows if r["op"] == op and r["record_size"] == size]
        labels = [f"{r['system']}\n{r['tool']}, {r['mode']}" for r in chosen]
        values = [r[key] / scale for r in chosen]
        ax.barh(range(len(chosen)), values, color=[colors.get(r["system"], "gray") for r in chosen])
        ax.set_yticks(range(len(chosen)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(unit)
        ax.set_title(title, fontsize=10)
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.2f}" if v < 10 else f" {v:.0f}", va="center", fontsize=8)

    bars(axes[0][0], "produce", 100, "records_per_sec", 1e6, "M records/s", "Produce, 100 B records")
    bars(axes[0][1], "produce", 1024, "mb_per_sec", 1, "MB/s", "Produce, 1 KiB records (dashed: machine limits)")
    for limit, style in zip(results["limits"], ["--", ":", "-."]):
        axes[0][1].axvline(limit["mb_per_sec"], color="black", linestyle=style, linewidth=1,
                           label=f"{limit['limit']}: {limit['mb_per_sec']:.0f} MB/s")
    if results["limits"]:
        axes[0][1].legend(fontsize=7, loc="lower right")
    bars(axes[1][0], "consume", 100, "records_per_sec", 1e6, "M records/s", "Consume, 100 B records")

    ax = axes[1][1]
    for acks, marker, color in [("acks=1", "o", "#2b6cb0"), ("acks=all", "s", "#dd6b20")]:
        chosen = sorted((r for r in rows if r["op"] == "e2e" and r["mode"] == acks), key=lambda r: r["target_rate"])
        if not chosen:
            continue
        x = [r["target_rate"] / 1e3 for r in chosen]
        for key, style in [("p50_ms", "-"), ("p99_ms", "--"), ("p999_ms", ":")]:
            ax.plot(x, [max(r[key] or 0, 0.01) for r in chosen], linestyle=style, marker=marker, color=color,
                    label=f"{acks} {key.replace('_ms', '').replace('p999', 'p99.9')}")
    ax.axhline(5, color="gray", linewidth=1)
    ax.text(0.42, 4.8, "target p99 ≤ 5 ms at 100 k/s", fontsize=7, va="top", ha="center",
            transform=ax.get_yaxis_transform())
    ax.set_xscale("log")
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    high *= 4  # room for the legend above the lines
    ax.set_ylim(low, high)
    ax.set_yticks([t for t in [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200] if low <= t <= high])
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("target rate, k records/s (100 B)")
    ax.set_ylabel("ms")
    ax.set_title("Spool end-to-end latency, send → receipt", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    fig.suptitle(f"Spool vs Redis Streams on {results['machine']['cpus']} cores, {results['date']}"
                 + (" (quick run)" if results.get("quick") else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def scaling_chart(results, path):
    """Records/s, producer p99 and broker CPU per GB for each scaling configuration, side by side."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen = [r for r in results["rows"] if r["op"] == "scaling"]
    if not chosen:
        return
    labels = [r["mode"].replace(", ", "\n", 1) for r in chosen]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.8), sharey=True)
    for ax, key, scale, unit in [(axes[0], "records_per_sec", 1e6, "M records/s"),
                                 (axes[1], "p99_ms", 1, "producer p99, ms (log)"),
                                 (axes[2], "cpu_s_per_gb", 1, "broker CPU s per GB")]:
        values = [(r.get(key) or 0) / scale for r in chosen]
        ax.barh(range(len(chosen)), values, color="#2b6cb0")
        ax.set_xlabel(unit)
        if key == "p99_ms":
            ax.set_xscale("log")
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.2f}" if v < 10 else f" {v:.0f}", va="center", fontsize=8)
    axes[0].set_yticks(range(len(chosen)), labels, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle(f"Spool, 100 B records with acks=all, by partitions, batch size and producers ({results['date']})",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results")
    parser.add_argument("--doc", help="rewrite the marked section of this markdown file")
    parser.add_argument("--chart", help="draw the PNG chart here")
    args = parser.parse_args()
    results = json.loads(Path(args.results).read_text())
    print(plain(*table_rows(results)))
    print()
    print(plain(*e2e_rows(results)))
    print()
    print(plain(*limit_rows(results)))
    print()
    print(plain(*scaling_rows(results)))
    print()
    print(plain(*target_rows(results)))
    if args.chart:
        chart(results, args.chart)
        scaling_chart(results, str(Path(args.chart).with_name("scaling.png")))
    if args.doc:
        update_doc(Path(args.doc), results, Path(args.chart).name if args.chart else "compare.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
