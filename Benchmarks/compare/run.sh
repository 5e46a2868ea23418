#!/usr/bin/env bash
# Spool side by side with Redis Streams and this machine's limits (fio, iperf3), in one run:
#   Benchmarks/compare/run.sh [--quick]      (or: make compare)
# Installs what is missing (Debian: kcat redis-server redis-tools fio iperf3; PyPI: matplotlib in .venv), builds
# the release `spool`, measures (a few minutes; loopback only), prints a table, rewrites the section of
# docs/performance.md between <!-- compare:start --> and <!-- compare:end -->, draws docs/compare.png and keeps
# the raw figures in Benchmarks/compare/results.json. Run it on a quiet machine: the load generators and the
# servers share its cores. BROKER_BINARY (a spool binary; not SPOOL_*, which `spool serve` would warn about as unknown settings) skips the build; COMPARE_TMP picks the scratch directory's parent.
set -euo pipefail
cd "$(dirname "$0")/../.."
SWIFT=${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

missing=""
for p in kcat redis-server redis-tools fio iperf3 python3-venv; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing" >&2
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
# Debian starts a redis-server on 6379 when it installs one; the comparison starts its own on free ports.
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c "import matplotlib" 2>/dev/null || .venv/bin/python -m pip install -q matplotlib

SPOOL=${BROKER_BINARY:-}
if [ -z "$SPOOL" ]; then
  # Extra build flags for the measured binary, if any (recorded with the results).
  FLAGS=${COMPARE_SWIFTFLAGS:-}
  # shellcheck disable=SC2086
  "$SWIFT" build -c release --product spool --scratch-path .build-bench-release $FLAGS >&2
  SPOOL=.build-bench-release/release/spool
  export COMPARE_BUILD_FLAGS="swift build -c release $FLAGS"
fi
[ -x "$SPOOL" ] || { echo "no spool binary at $SPOOL: build it with swift build -c release --product spool" >&2; exit 1; }

RESULTS=Benchmarks/compare/results.json
[ "${1:-}" = "--quick" ] && RESULTS=$(mktemp --suffix=.json)
.venv/bin/python Benchmarks/compare/compare.py --spool "$SPOOL" --out "$RESULTS" "$@"
if [ "${1:-}" = "--quick" ]; then
  # A smoke run: print the table, leave the docs and the chart as they are.
  .venv/bin/python Benchmarks/compare/report.py "$RESULTS"
else
  .venv/bin/python Benchmarks/compare/report.py "$RESULTS" --doc docs/performance.md --chart docs/compare.png
fi
