#!/usr/bin/env bash
# Produce and consume throughput with kcat (librdkafka 2.0.2) against a release `spool serve`, and the
# broker's CPU seconds per GB produced (from /proc). Load generator and broker share this machine.
#   Benchmarks/scripts/kcat-throughput.sh [records] [record-bytes]
set -euo pipefail
cd "$(dirname "$0")/../.."
RECORDS=${1:-5000000}
SIZE=${2:-100}
SPOOL=${BROKER_BINARY:-.build-release/release/spool}
[ -x "$SPOOL" ] || SPOOL=.build/release/spool
[ -x "$SPOOL" ] || { echo "build the release binary first: swift build -c release --product spool" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'kill $BROKER 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 - "$RECORDS" "$SIZE" > "$WORK/lines.txt" <<'PY'
import sys, random
count, size = int(sys.argv[1]), int(sys.argv[2])
random.seed(7)
alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
block = "".join(random.choice(alphabet) for _ in range(size * 64))
out = sys.stdout
for i in range(count):
    start = (i * 31) % (len(block) - size)
    out.write(block[start:start + size] + "\n")
PY
"$SPOOL" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 --set log.level=warning \
  2> "$WORK/broker.log" &
BROKER=$!
for _ in $(seq 100); do
  PORT=$(sed -n 's/.*Kafka listener ready.*address=[^ ]*:\([0-9]*\).*/\1/p' "$WORK/broker.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
if [ -z "${PORT:-}" ]; then
  # At log level warning the ready line is not printed: ask the kernel which port the broker listens on.
  PORT=$(ss -ltnp 2>/dev/null | awk -v pid="$BROKER" '$0 ~ "pid="pid"," {split($4,a,":"); print a[length(a)]}' | head -1)
fi
[ -n "$PORT" ] || { echo "broker did not start"; cat "$WORK/broker.log"; exit 1; }
cpu() { awk '{print $14 + $15}' "/proc/$BROKER/stat"; }
TICKS=$(getconf CLK_TCK)
BYTES=$(( RECORDS * SIZE ))
kcat -b "127.0.0.1:$PORT" -L -t perf > /dev/null 2>&1 || true
CPU0=$(cpu)
T0=$(date +%s.%N)
kcat -b "127.0.0.1:$PORT" -P -t perf -X acks=all -X linger.ms=5 -X batch.num.messages=10000 \
  -X queue.buffering.max.messages=1000000 -l "$WORK/lines.txt"
T1=$(date +%s.%N)
CPU1=$(cpu)
kcat -b "127.0.0.1:$PORT" -C -t perf -o beginning -e -q -X fetch.message.max.bytes=4194304 ${CONSUME_OPTS:-} > /dev/null
T2=$(date +%s.%N)
CPU2=$(cpu)
python3 - "$RECORDS" "$BYTES" "$T0" "$T1" "$T2" "$CPU0" "$CPU1" "$CPU2" "$TICKS" <<'PY'
import sys
records, nbytes = int(sys.argv[1]), int(sys.argv[2])
t0, t1, t2 = map(float, sys.argv[3:6])
c0, c1, c2, ticks = map(float, sys.argv[6:10])
produce, consume = t1 - t0, t2 - t1
gb = nbytes / 1e9
print(f"produce acks=all: {records / produce / 1e6:.2f} M records/s, {nbytes / produce / 1e6:.0f} MB/s ({produce:.2f} s)")
print(f"consume:          {records / consume / 1e6:.2f} M records/s, {nbytes / consume / 1e6:.0f} MB/s ({consume:.2f} s)")
print(f"broker CPU per GB produced: {(c1 - c0) / ticks / gb:.2f} core-s; per GB consumed: {(c2 - c1) / ticks / gb:.2f} core-s")
PY
