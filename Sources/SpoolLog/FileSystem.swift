#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSpoolIO

/// Directory-level system calls the log needs, as throwing functions. Stateless and thread-safe.
enum FileSystem {
    /// The names in `path` (without "." and "..").
    static func list(_ path: String) throws(LogError) -> [String] {
        guard let dir = opendir(path) else { throw .storage("opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates `path` (and no parents) unless it exists.
    static func makeDirectory(_ path: String) throws(LogError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .storage("mkdir", path: path, errno: errno) }
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(LogError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            try makeDirectory(prefix)
            prefix += "/"
        }
    }

    /// Makes the directory's entries (creations, renames, deletions) durable.
    static func syncDirectory(_ path: String) throws(LogError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .storage("open", path: path, errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .storage("fsync", path: path, errno: errno) }
    }

    /// Makes everything written on the file system that holds `path` durable (syncfs): many new files and
    /// directories at the cost of one call instead of an fsync each.
    static func syncFileSystem(containing path: String) throws(LogError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .storage("open", path: path, errno: errno) }
        defer { close(fd) }
        if spool_sync_file_system(fd) != 0 { throw .storage("syncfs", path: path, errno: errno) }
    }

    static func rename(_ from: String, _ to: String) throws(LogError) {
        if Glibc.rename(from, to) != 0 { throw .storage("rename", path: from, errno: errno) }
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) throws(LogError) {
        if unlink(path) != 0 && errno != ENOENT { throw .storage("unlink", path: path, errno: errno) }
    }

    /// Removes a directory and every file in it (one level: partition directories hold no subdirectories).
    static func removeDirectory(_ path: String) throws(LogError) {
        for name in try list(path) { try remove(path + "/" + name) }
        if rmdir(path) != 0 && errno != ENOENT { throw .storage("rmdir", path: path, errno: errno) }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of the file at `path`, or nil when it is missing.
    static func fileSize(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Wall-clock milliseconds since the epoch.
    static func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// Segment file names: the 20-digit zero-padded base offset, so that `ls` sorts them numerically.
enum LogFileName {
    static let logSuffix = ".log"
    static let indexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"
    static let txnIndexSuffix = ".txnindex"
    static let deletedSuffix = ".deleted"
    /// A compaction's output before its commit: removed at the next start.
    static let cleanedSuffix = ".cleaned"
    /// A compaction's output after its commit: the next start completes its swap.
    static let swapSuffix = ".swap"

    /// `00000000000000000042` for 42.
    static func prefix(_ baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The base offset of a `.log` file name, or nil for any other name.
    static func baseOffset(ofLogFile name: String) -> Int64? {
        guard name.hasSuffix(logSuffix) else { return nil }
        let stem = name.dropLast(logSuffix.count)
        guard stem.count == 20, stem.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(stem)
    }
}

extension FileSystem {
    /// The file's last modification time in milliseconds, or nil when it is missing.
    static func modifiedMs(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
    }
}

/// A descriptor on a directory, held open for `syncfs` of its file system: a syncfs reports the write-back errors
/// that happened since this descriptor was opened (Linux 5.8 and later), so it stays open for the broker's life.
///
/// Thread-safe: the descriptor does not change; syncfs may run from any thread.
final class FileSystemHandle: Sendable {
    private let descriptor: Int32
    private let path: String

    /// Opens `path` for syncfs, or nil where syncfs cannot report write-back errors (not Linux, or a kernel
    /// older than 5.8, where a failed write-back would go unseen) or the directory cannot be opened.
    init?(syncing path: String) {
        guard Self.syncfsReportsErrors else { return nil }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        descriptor = fd
        self.path = path
    }

    deinit { close(descriptor) }

    /// Writes back every dirty page of the file system and waits for it to be on the device.
    /// - Throws: `LogError.storage` when syncfs reports an error.
    func sync() throws(LogError) {
        while spool_sync_file_system(descriptor) != 0 {
            if errno != EINTR { throw .storage("syncfs", path: path, errno: errno) }
        }
    }

    /// Whether this kernel's syncfs returns write-back errors: Linux 5.8 and later.
    static let syncfsReportsErrors: Bool = {
        #if os(Linux)
        var names = utsname()
        guard uname(&names) == 0 else { return false }
        let release = withUnsafeBytes(of: &names.release) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return false }
        return (numbers[0], numbers[1]) >= (5, 8)
        #else
        return false
        #endif
    }()
}
