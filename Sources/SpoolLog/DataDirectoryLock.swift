#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers

/// An exclusive `flock` on `<data-dir>/.lock`, so that two brokers never share a data directory.
/// The lock holder's pid is written into the file for the refusal message. Thread-safe (a lock guards release).
final class DataDirectoryLock: @unchecked Sendable {
    let path: String
    private let lock = NIOLock()
    private var descriptor: CInt?

    init(directory: String) throws(LogError) {
        let path = directory + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .storage("open", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var bytes = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &bytes, bytes.count, 0)
            close(fd)
            guard code == EWOULDBLOCK else { throw .storage("flock", path: path, errno: code) }
            let pid = String(decoding: bytes.prefix(max(count, 0)).filter { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self)
            throw .dataDirectoryLocked(path: directory, holder: pid.isEmpty ? "lock file \(path)" : "pid \(pid)")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.path = path
        self.descriptor = fd
    }

    /// Releases the lock (at shutdown); also done when the object goes away.
    func release() {
        lock.withLock {
            if let descriptor { close(descriptor) }
            descriptor = nil
        }
    }

    deinit { release() }
}
