#!/bin/sh
# Checks that the release `spool` runs without the Swift toolchain: `ldd` must list no Swift runtime library
# (libswiftCore, libFoundation*, libdispatch, libBlocksRuntime...), only glibc and the Debian libraries the
# README names. Usage: Benchmarks/scripts/check-static.sh [BINARY] (default .build/release/spool, built by
# `make release` when missing). `make check-static` runs `make release` first (a no-op when up to date) and this.
# `make test` runs it last: a cold static release build takes 10 to 14 minutes on a 2-core machine.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
binary=${1:-$root/.build/release/spool}
if [ ! -x "$binary" ]; then
    make -C "$root" --no-print-directory release
fi
libraries=$(ldd "$binary")
runtime_pattern='libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu'
swift_runtime=$(printf '%s\n' "$libraries" | grep -E "$runtime_pattern" || true)
if [ -n "$swift_runtime" ]; then
    echo "check-static: FAIL: $binary needs the Swift runtime at run time:" >&2
    printf '%s\n' "$swift_runtime" >&2
    exit 1
fi
if printf '%s\n' "$libraries" | grep -q 'not found'; then
    echo "check-static: FAIL: $binary needs libraries this machine lacks:" >&2
    printf '%s\n' "$libraries" | grep 'not found' >&2
    exit 1
fi
echo "check-static: ok: $binary links no Swift runtime library; it needs:"
printf '%s\n' "$libraries" | awk '{ print "  " $1 }'
