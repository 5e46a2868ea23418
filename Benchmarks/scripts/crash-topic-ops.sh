#!/usr/bin/env bash
# The long form of the topic-operation crash tests (Tests/interop/test_topic_crash.py): DeleteTopics,
# CreateTopics and CreatePartitions of 300 partitions, each SIGKILLed at a random point TRIALS times (default
# 50; `make test` runs 4), against the debug broker `make test` builds (or BROKER_BINARY).
#   Benchmarks/scripts/crash-topic-ops.sh [trials]
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory python-test-deps
CRASH_TRIALS=${1:-50} .venv/bin/python -m pytest -q -s Tests/interop/test_topic_crash.py -k after_a_crash
