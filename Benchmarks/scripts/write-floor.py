#!/usr/bin/env python3
"""The CPU floor of the broker's produce path on this machine, without the broker: what receiving bytes over
loopback TCP and making them durable costs per GB, each way the log could write them.

    python3 Benchmarks/scripts/write-floor.py [--dir DIR] [--mebibytes 256]

Prints one line per case: CPU seconds (user + system, of this process) per 10^9 bytes, MB/s and, for the
durable cases, the CPU per write. The cases:

- tcp-receive: a child process sends over loopback and this one receives into one reused 1 MiB buffer (the
  copy every broker pays before it can look at a request).
- buffered 1 MiB / fsync each 1 MiB, 8 MiB, 64 MiB: pwrite into the page cache, then fdatasync, as Spool's log
  does (its group-commit round syncs what the requests of the round wrote). With rare fsyncs the kernel's
  flusher threads write back instead, and their CPU is not this process's: those rows understate.
- direct 1 MiB / 16 KiB: O_DIRECT pwrite from one reused page-aligned buffer, then fdatasync: no copy into the
  page cache and no write-back walk, the design issue 19 asks to try.
- direct+dsync 16 KiB, preallocated: O_DIRECT | O_DSYNC into a file whose blocks were written beforehand, so each
  write is one device write with no metadata to flush.
- buffered 16 KiB / fsync each: a 16 KiB request's own round, the cost 16 KiB batches pay at one round each.

Figures and what they mean for issue 19 are in docs/performance.md."""

import argparse
import mmap
import os
import resource
import socket
import tempfile
import time

MIB = 1024 * 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(name: str, total: int, cpu: float, wall: float, writes: int = 0) -> None:
    per_write = f", {cpu / writes * 1e6:.0f} us CPU per write" if writes else ""
    print(f"{name:44} {cpu / (total / 1e9):6.3f} CPU s/GB {total / 1e6 / wall:7.0f} MB/s{per_write}")


def tcp_receive(total: int) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    child = os.fork()
    if child == 0:
        sender = socket.create_connection(listener.getsockname())
        chunk = b"x" * MIB
        for _ in range(total // MIB):
            sender.sendall(chunk)
        sender.close()
        os._exit(0)
    connection, _ = listener.accept()
    buffer = memoryview(bytearray(MIB))
    received = 0
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    while (count := connection.recv_into(buffer)) > 0:
        received += count
    report("tcp-receive (loopback, 1 MiB reads)", received, cpu_seconds() - cpu0, time.monotonic() - wall0)
    os.waitpid(child, 0)
    connection.close()
    listener.close()


def write_case(directory: str, name: str, total: int, chunk: int, sync_every: int, direct: bool = False,
               dsync: bool = False, preallocate: bool = False) -> None:
    path = tempfile.mktemp(dir=directory, prefix="write-floor-")
    try:
        if preallocate:
            with open(path, "wb") as zeros:
                for _ in range(total // MIB):
                    zeros.write(bytes(MIB))
                zeros.flush()
                os.fsync(zeros.fileno())
        flags = os.O_WRONLY | os.O_CREAT | (os.O_DIRECT if direct else 0) | (os.O_DSYNC if dsync else 0)
        fd = os.open(path, flags, 0o644)
        buffer = mmap.mmap(-1, chunk)  # page-aligned, as O_DIRECT needs
        buffer.write(b"x" * chunk)
        view = memoryview(buffer)
        writes = 0
        unsynced = 0
        cpu0, wall0 = cpu_seconds(), time.monotonic()
        for offset in range(0, total, chunk):
            os.pwrite(fd, view, offset)
            writes += 1
            unsynced += chunk
            if sync_every and unsynced >= sync_every:
                os.fdatasync(fd)
                unsynced = 0
        os.fdatasync(fd)
        report(name, total, cpu_seconds() - cpu0, time.monotonic() - wall0, writes)
        view.release()
        buffer.close()
        os.close(fd)
    finally:
        os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="a directory on the disk to measure")
    parser.add_argument("--mebibytes", type=int, default=256, help="bytes per 1 MiB case; 16 KiB cases use 1/8")
    args = parser.parse_args()
    total = args.mebibytes * MIB
    small = max(total // 8, MIB)
    tcp_receive(total)
    for every in (MIB, 8 * MIB, 64 * MIB):
        write_case(args.dir, f"buffered 1 MiB, fdatasync each {every // MIB} MiB", total, MIB, every)
    write_case(args.dir, "direct 1 MiB, fdatasync each", total, MIB, MIB, direct=True)
    write_case(args.dir, "buffered 16 KiB, fdatasync each", small, 16384, 16384)
    write_case(args.dir, "direct 16 KiB, fdatasync each", small, 16384, 16384, direct=True)
    write_case(args.dir, "direct+dsync 16 KiB, preallocated", small, 16384, 0, direct=True, dsync=True,
               preallocate=True)


if __name__ == "__main__":
    main()
