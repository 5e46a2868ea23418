import NIOConcurrencyHelpers

/// The broker-wide budget of disk reserved ahead of the data of active segments (`log.preallocate.max.bytes`).
///
/// Reserving blocks before appends reach them keeps large appends fast, but every reserved byte is a byte of
/// disk no one else can use: without a bound, many quiet partitions tie up the disk. Each segment holds at most
/// one grant, returned when the segment is trimmed or goes away. Thread-safe (one lock, taken only when a
/// reservation runs out, not per append).
public final class DiskReservations: Sendable {
    /// The most bytes granted at once, over all segments.
    public let maxBytes: Int
    private let granted = NIOLockedValueBox(0)

    /// The first reservation of a partition: enough for a quiet partition's next few batches.
    public static let initialChunkBytes = 64 << 10
    /// The largest reservation of one segment, reached by a partition that keeps streaming.
    public static let maximumChunkBytes = 16 << 20
    /// The default budget: 16 partitions streaming at the largest chunk.
    public static let defaultMaxBytes = 256 << 20

    /// - Parameter maxBytes: the most bytes reserved at once; 0 turns preallocation off.
    public init(maxBytes: Int = DiskReservations.defaultMaxBytes) {
        self.maxBytes = maxBytes
    }

    /// Bytes granted and not yet returned.
    public var grantedBytes: Int { granted.withLockedValue { $0 } }

    /// Takes `bytes` from the budget, or nothing (false) when that would exceed it.
    func acquire(_ bytes: Int) -> Bool {
        granted.withLockedValue { total in
            guard total + bytes <= maxBytes else { return false }
            total += bytes
            return true
        }
    }

    /// Gives back bytes taken with `acquire`.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        granted.withLockedValue { $0 -= bytes }
    }
}
