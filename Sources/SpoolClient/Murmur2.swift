/// The 32-bit murmur2 hash exactly as Kafka's Java client computes it (`Utils.murmur2`: seed 0x9747b28c,
/// little-endian 4-byte blocks), so that a key lands in the same partition whichever client wrote it.
/// Stateless.
public enum Murmur2 {
    /// The hash of `bytes`, as a signed 32-bit value like Java's `int`.
    /// - Parameter bytes: the key's bytes.
    public static func hash<Bytes: Collection>(_ bytes: Bytes) -> Int32 where Bytes.Element == UInt8 {
        let m: UInt32 = 0x5bd1_e995
        let data = Array(bytes)
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        let whole = data.count / 4 * 4
        var index = 0
        while index < whole {
            var k =
                UInt32(data[index]) | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2]) << 16
                | UInt32(data[index + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
            index += 4
        }
        let tail = data.count - whole
        if tail == 3 { h ^= UInt32(data[whole + 2]) << 16 }
        if tail >= 2 { h ^= UInt32(data[whole + 1]) << 8 }
        if tail >= 1 {
            h ^= UInt32(data[whole])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition the Java client's default partitioner picks for a non-null key:
    /// `toPositive(murmur2(key)) % partitionCount`, where toPositive clears the sign bit.
    /// - Parameters:
    ///   - key: the key's bytes.
    ///   - partitionCount: how many partitions the topic has (at least 1).
    public static func partition<Bytes: Collection>(forKey key: Bytes, partitionCount: Int32) -> Int32
    where Bytes.Element == UInt8 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return (hash(key) & 0x7fff_ffff) % partitionCount
    }
}
