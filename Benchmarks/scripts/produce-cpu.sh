#!/usr/bin/env bash
# Broker CPU per record produced with `spool bench produce`, for 100 B and 1 KiB records, uncompressed and
# zstd: what the produce path's checks cost end to end (docs/performance.md, produce validation). The broker
# runs on a fresh data directory; its user + system time comes from /proc. The load generator shares the CPU.
#   Benchmarks/scripts/produce-cpu.sh [spool binary, default .build/release/spool]
set -euo pipefail
cd "$(dirname "$0")/../.."
SPOOL=${1:-.build/release/spool}
[ -x "$SPOOL" ] || { echo "build the release binary first: swift build -c release --product spool" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'kill $BROKER 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$SPOOL" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 2> "$WORK/broker.log" &
BROKER=$!
for _ in $(seq 200); do
  PORT=$(grep 'Kafka listener ready' "$WORK/broker.log" | sed -n 's/.*address=[^ ]*:\([0-9][0-9]*\).*/\1/p' | head -1 || true)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "${PORT:-}" ] || { echo "broker did not start"; cat "$WORK/broker.log"; exit 1; }
cpu() { awk '{print $14 + $15}' "/proc/$BROKER/stat"; }
TICKS=$(getconf CLK_TCK)
for run in "100 2000000 none" "100 2000000 zstd" "1024 400000 none" "1024 400000 zstd"; do
  read -r SIZE COUNT CODEC <<< "$run"
  BEFORE=$(cpu)
  "$SPOOL" bench produce -b "127.0.0.1:$PORT" --topic "cpu-$SIZE-$CODEC" --record-size "$SIZE" \
    --count "$COUNT" --acks 1 --compression "$CODEC" --json > "$WORK/bench.json"
  AFTER=$(cpu)
  python3 - "$WORK/bench.json" "$SIZE" "$CODEC" "$COUNT" "$BEFORE" "$AFTER" "$TICKS" <<'PY'
import json, sys
path, size, codec, count, before, after, ticks = sys.argv[1:]
seconds = (float(after) - float(before)) / float(ticks)
rate = json.load(open(path))["records_per_sec"]
print(f"{size} B {codec}: broker CPU {seconds:.2f} s for {count} records = "
      f"{seconds / int(count) * 1e9:.0f} ns/record; {rate:,.0f} records/s")
PY
done
