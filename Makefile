# Spool: `make run` starts the broker, `make test` runs every test. Both install what is missing first
# (Debian packages through apt-get; as root, or with sudo when it is available).

SWIFT ?= $(shell command -v swift || echo /opt/swift/usr/bin/swift)
APT_PACKAGES := libsqlite3-dev pkg-config libsnappy-dev liblz4-dev libzstd-dev zlib1g-dev
# What the interop tests drive the broker with (kcat: librdkafka 2.0.2 from Debian), and the headless browser
# (with its WebDriver) that Tests/interop/test_console.py drives the web console in.
TEST_APT_PACKAGES := kcat python3-venv chromium chromium-driver
# What the Python interop tests need from PyPI (confluent-kafka: librdkafka 2.16; prometheus_client: the
# /metrics parser; selenium drives chromium), in a virtualenv in .venv.
VENV := .venv
PYTHON_TEST_PACKAGES := confluent-kafka pytest prometheus_client selenium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test build release install check-static deps test-deps apt-install python-test-deps generate bench bench-check bench-baseline compare clean

## Install the Debian packages the build needs, only those missing.
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"

apt-install:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## The release binary, with the Swift standard library and Foundation linked in statically, so that it runs on
## a Debian machine without the Swift toolchain (`make check-static` checks it).
RELEASE_FLAGS := -c release --static-swift-stdlib
release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product spool

## Build release and start the broker with the embedded defaults (data in ./data, 127.0.0.1:9092).
run: release
	$(SWIFT) run $(RELEASE_FLAGS) --skip-build spool serve

## Install the release binary to $(PREFIX)/bin (DESTDIR for staging a package); config/spool.service runs it.
PREFIX ?= /usr/local
install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 .build/release/spool $(DESTDIR)$(PREFIX)/bin/spool

## ldd must show no Swift runtime library in the release binary (a no-op rebuild when it is up to date).
check-static: release
	Benchmarks/scripts/check-static.sh .build/release/spool

build: test-deps
	$(SWIFT) build --build-tests

## Foundation's Process.run (swift-corelibs-foundation before PR #5472, in Swift 6.3.1) reads 256 bytes of each
## /proc/self/fd entry's name; once the test process holds about 1,350 descriptors (many-partition tests) the last
## entry sits at the end of glibc's 32 KiB directory buffer and the read can run off the heap (SIGSEGV in
## memmove). Buffers of 32 KiB or more mmap'd on their own pages leave the read inside the mapping.
TEST_MALLOC := GLIBC_TUNABLES=glibc.malloc.mmap_threshold=32768

## Build and run every test (Swift Testing; real files, real processes), then build the static release binary
## and check with ldd that it needs no Swift runtime (the longest step on a fresh machine: about 10 minutes).
test: build python-test-deps
	$(TEST_MALLOC) $(SWIFT) test --skip-build
	@$(MAKE) --no-print-directory docs
	$(VENV)/bin/python -m pytest -q Tests/interop
	@$(MAKE) --no-print-directory check-static

## DocC for SpoolClient in .build/docs/SpoolClient.doccarchive (a few seconds; swift-docc-plugin is not used):
## symbol graphs from the debug build's modules, then `docc convert`, which fails on a broken link.
.PHONY: docs
DOCS := .build/docs
DOCC ?= $(shell command -v docc || echo $(dir $(SWIFT))docc)
docs: build
	rm -rf $(DOCS) && mkdir -p $(DOCS)/symbol-graphs
	$(SWIFT) symbolgraph-extract -module-name SpoolClient -minimum-access-level public \
	  -target $$($(SWIFT) -print-target-info | sed -n 's/.*"triple": "\(.*\)".*/\1/p' | head -1) \
	  -I .build/debug/Modules -output-dir $(DOCS)/symbol-graphs \
	  $$( (find .build/debug/ -maxdepth 2 -name module.modulemap; find .build/checkouts -path '*/include/module.modulemap'; \
	     ls Sources/C*/module.modulemap) | sed 's/^/-Xcc -fmodule-map-file=/')
	$(DOCC) convert Sources/SpoolClient/SpoolClient.docc --warnings-as-errors \
	  --additional-symbol-graph-dir $(DOCS)/symbol-graphs --output-path $(DOCS)/SpoolClient.doccarchive \
	  --fallback-display-name SpoolClient --fallback-bundle-identifier spool.SpoolClient

## Create .venv and install the Python test packages, only when missing.
python-test-deps:
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/python -c "import confluent_kafka, pytest, prometheus_client, selenium" 2>/dev/null || \
	  $(VENV)/bin/python -m pip install -q $(PYTHON_TEST_PACKAGES)

## Regenerate the Kafka message codecs (and the round-trip tests' random-value generators) from ../shared:
## Kafka 4.1's messages-4.x/X.json (share groups, KIP-848) replaces messages/X.json where both exist.
generate:
	$(SWIFT) run spool-codegen ../shared/kafka-protocol/messages \
	  --overlay ../shared/kafka-protocol/messages-4.x \
	  Sources/SpoolProtocol/Generated Tests/SpoolProtocolTests/Generated

## Micro-benchmarks (package-benchmark, in Benchmarks/).
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-directory .benchmarkBaselines benchmark

## Run the micro-benchmarks (all but the million-input fuzzer) and fail when one is worse than the stored
## baseline (Benchmarks/.benchmarkBaselines/*/default) by more than its thresholds. Run on a quiet machine.
BENCH_SKIP = --skip "mutation fuzzer"
bench-check: deps
	cd Benchmarks && $(SWIFT) package benchmark baseline check default $(BENCH_SKIP) --no-progress

## Store a new baseline (after a deliberate change, on a quiet machine) and commit Benchmarks/.benchmarkBaselines.
bench-baseline: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-directory .benchmarkBaselines benchmark baseline update default $(BENCH_SKIP) --no-progress

## Spool beside Redis Streams and the machine's limits (fio, iperf3): a few minutes, not part of `make test`.
## Rewrites the compare section of docs/performance.md and docs/compare.png; run it on a quiet machine.
compare: deps
	Benchmarks/compare/run.sh

clean:
	rm -rf .build Benchmarks/.build
