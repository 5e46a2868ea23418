#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (RLIMIT_NOFILE) and the bounds Spool derives from it. Stateless and thread-safe.
public enum OpenFileLimit {
    /// The soft and hard limits before and after `raiseToHardLimit()`.
    public struct Change: Sendable, Equatable {
        /// The soft limit found at start.
        public var softBefore: Int
        /// The soft limit now.
        public var soft: Int
        /// The hard limit (the ceiling an unprivileged process can raise its soft limit to).
        public var hard: Int
    }

    /// Raises the soft limit to the hard limit, so that the broker can use every descriptor it is allowed; the
    /// kernel's per-process ceiling (`nr_open`) bounds an unlimited hard limit.
    /// - Returns: the limits before and after.
    @discardableResult
    public static func raiseToHardLimit() -> Change {
        var limits = rlimit()
        guard getrlimit(resourceNumber, &limits) == 0 else { return Change(softBefore: 1024, soft: 1024, hard: 1024) }
        let before = Int(clamping: limits.rlim_cur)
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(resourceNumber, &raised) != 0 {
                // An unlimited hard limit is refused above nr_open: settle for the kernel's ceiling.
                raised.rlim_cur = rlim_t(kernelCeiling)
                _ = setrlimit(resourceNumber, &raised)
            }
        }
        var now = rlimit()
        _ = getrlimit(resourceNumber, &now)
        return Change(softBefore: before, soft: Int(clamping: now.rlim_cur), hard: Int(clamping: now.rlim_max))
    }

    /// The soft limit now.
    public static var current: Int {
        var limits = rlimit()
        return getrlimit(resourceNumber, &limits) == 0 ? Int(clamping: limits.rlim_cur) : 1024
    }

    /// `max.partitions` when it is 0: one partition per descriptor the process may open, between 1,000 and
    /// 100,000. A partition at rest holds no descriptor (the open-file cache closes idle ones), so this bounds
    /// directories, memory and start-up time rather than descriptors.
    /// - Parameter limit: the soft open-file limit.
    public static func derivedMaximumPartitions(limit: Int) -> Int {
        min(100_000, max(1000, limit))
    }

    /// `log.max.open.files` when it is 0: half of what is left after 256 descriptors for the broker's own
    /// files (SQLite, the lock, checkpoints), so that the other half stays for connections.
    /// - Parameter limit: the soft open-file limit.
    public static func derivedMaximumOpenLogFiles(limit: Int) -> Int {
        max(64, (limit - 256) / 2)
    }

    private static var kernelCeiling: Int {
        let fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 1_048_576 }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = read(fd, &bytes, bytes.count)
        let text = String(decoding: bytes.prefix(max(count, 0)).filter { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self)
        return Int(text).flatMap { $0 > 0 ? $0 : nil } ?? 1_048_576
    }

    #if canImport(Glibc)
    private static let resourceNumber = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceNumber = RLIMIT_NOFILE
    #endif
}
