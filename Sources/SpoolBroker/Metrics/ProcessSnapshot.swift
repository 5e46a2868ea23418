#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's own figures, Prometheus's `process_*` conventions: memory, CPU time and descriptors.
/// Linux reads `/proc/self` (cheap files in memory, but still system calls, so called on the I/O pool);
/// elsewhere only what `getrusage` and `getrlimit` give.
struct ProcessSnapshot: Sendable {
    var residentMemoryBytes: Int64 = -1
    var virtualMemoryBytes: Int64 = -1
    var cpuSeconds: Double = 0
    var openDescriptors: Int64 = -1
    var maximumDescriptors: Int64 = -1

    static func read() -> ProcessSnapshot {
        var snapshot = ProcessSnapshot()
        var usage = rusage()
        #if canImport(Glibc)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        if getrusage(who, &usage) == 0 {
            snapshot.cpuSeconds = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        }
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        if getrlimit(resource, &limit) == 0 { snapshot.maximumDescriptors = Int64(clamping: limit.rlim_cur) }
        #if os(Linux)
        if let statm = readSmallFile("/proc/self/statm") {
            // "size resident shared text lib data dt", in pages.
            let fields = statm.split(separator: " ")
            let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
            if fields.count >= 2, let size = Int64(fields[0]), let resident = Int64(fields[1]) {
                snapshot.virtualMemoryBytes = size * page
                snapshot.residentMemoryBytes = resident * page
            }
        }
        snapshot.openDescriptors = countDescriptors()
        #endif
        return snapshot
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }

    #if os(Linux)
    /// Entries of /proc/self/fd, less ".", ".." and the descriptor the listing itself holds.
    private static func countDescriptors() -> Int64 {
        guard let directory = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(directory) }
        var count: Int64 = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)
    }

    private static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: bytes[..<count], as: UTF8.self)
    }
    #endif
}
