import Glibc

/// The cleaner's map from key to the offset of its latest record in the dirty section of a log (Kafka's
/// `SkimpyOffsetMap`): one flat allocation of 24-byte slots, each a 128-bit hash of a key and an offset, with linear
/// probing. Keys themselves are never stored, so the memory a round uses is fixed whatever the keys' sizes.
///
/// The hash is SipHash (the standard library's `Hasher`) of the key under two 64-bit seeds drawn at random for
/// every round: a collision would make an older record of one key look superseded by another key's, and with 128
/// random bits no producer can aim for one. Not thread-safe: one cleaner round owns it.
///
/// Every lookup in a map far larger than the CPU caches is a cache miss (and, with 4 KiB pages, a TLB miss): the
/// table asks for transparent huge pages, and callers look up a whole batch's keys at once (`hashes`, `prefetch`,
/// then `put` or `get` by hash) so that the misses overlap instead of coming one after the other.
final class OffsetMap {
    /// Slots in the table.
    let capacity: Int
    /// The map counts as full at this many keys (90 % of the slots), so that probes stay short.
    let maximumKeys: Int
    /// Keys in the map.
    private(set) var count = 0
    /// Three words per slot: the hash's two halves and `offset + 1` (0 marks an empty slot).
    private let words: UnsafeMutablePointer<UInt64>
    private let byteCount: Int
    private var seeds: (UInt64, UInt64) = (0, 0)
    /// Where `prefetch` leaves the words it loads, so that the loads are not optimised away.
    private var sink: UInt64 = 0

    /// Bytes one key takes.
    static let bytesPerSlot = 24
    /// A transparent huge page on x86-64 and (with 4 KiB base pages) arm64.
    private static let hugePageBytes = 2 << 20

    /// A key's 128-bit hash under this round's seeds.
    struct KeyHash {
        let high: UInt64
        let low: UInt64
    }

    /// Reserves the table's address space; pages become memory only as keys land on them, and `clear()` gives
    /// them back, so a broker whose compacted logs are small, or that is between rounds, does not hold the budget.
    /// - Parameter bytes: the most memory to use (`log.cleaner.dedupe.buffer.size`).
    /// - Throws: `LogError.storage` when the address space cannot be mapped.
    init(bytes: Int) throws(LogError) {
        capacity = max(bytes / Self.bytesPerSlot, 16)
        maximumKeys = capacity * 9 / 10
        byteCount = capacity * Self.bytesPerSlot
        guard let raw = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED
        else { throw .storage("mmap of the cleaner's offset map", path: "", errno: errno) }
        // Advice only: without transparent huge pages the map works the same, with more TLB misses.
        if byteCount >= Self.hugePageBytes { _ = madvise(raw, byteCount, MADV_HUGEPAGE) }
        words = raw.bindMemory(to: UInt64.self, capacity: capacity * 3)
        clear()
    }

    deinit { munmap(words, byteCount) }

    /// Empties the map, gives its memory back (anonymous pages read as zeros again after MADV_DONTNEED), and draws
    /// new hash seeds.
    func clear() {
        if count > 0 { _ = madvise(words, byteCount, MADV_DONTNEED) }
        count = 0
        seeds = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
    }

    /// Whether `additional` more keys may still be put without the map counting as full.
    func hasRoom(for additional: Int) -> Bool { count + additional <= maximumKeys }

    /// How full the map is, 0 to 1 (of `maximumKeys`).
    var utilization: Double { Double(count) / Double(maximumKeys) }

    /// Maps `key` to `offset` (offsets only grow during a round, so the later put wins).
    func put(_ key: UnsafeRawBufferPointer, offset: Int64) { put(hash(key), offset: offset) }

    /// The offset `key` maps to, or nil when it is not in the map.
    func get(_ key: UnsafeRawBufferPointer) -> Int64? { get(hash(key)) }

    /// Maps the key hashed to `hash` to `offset`.
    func put(_ hash: KeyHash, offset: Int64) {
        let (high, low) = (hash.high, hash.low)
        var slot = home(low)
        while true {
            let base = words + slot * 3
            if base[2] == 0 {
                precondition(count < capacity, "offset map overfilled; callers check hasRoom first")
                base[0] = high
                base[1] = low
                base[2] = UInt64(bitPattern: offset + 1)
                count += 1
                return
            }
            if base[0] == high && base[1] == low {
                base[2] = UInt64(bitPattern: offset + 1)
                return
            }
            slot = slot + 1 == capacity ? 0 : slot + 1
        }
    }

    /// The offset the key hashed to `hash` maps to, or nil when it is not in the map.
    func get(_ hash: KeyHash) -> Int64? {
        let (high, low) = (hash.high, hash.low)
        var slot = home(low)
        while true {
            let base = words + slot * 3
            if base[2] == 0 { return nil }
            if base[0] == high && base[1] == low { return Int64(bitPattern: base[2]) - 1 }
            slot = slot + 1 == capacity ? 0 : slot + 1
        }
    }

    /// Loads the first slot of each hash, all at once: the loads are independent, so their cache misses overlap,
    /// and the `put`s or `get`s that follow find the slots cached.
    func prefetch(_ hashes: [KeyHash]) {
        var sum: UInt64 = 0
        for hash in hashes { sum &+= words[home(hash.low) * 3 + 2] }
        sink &+= sum
    }

    /// The key's hash under this round's seeds.
    func hash(_ key: UnsafeRawBufferPointer) -> KeyHash {
        var first = Hasher()
        first.combine(seeds.0)
        first.combine(bytes: key)
        var second = Hasher()
        second.combine(seeds.1)
        second.combine(bytes: key)
        return KeyHash(
            high: UInt64(UInt(bitPattern: first.finalize())), low: UInt64(UInt(bitPattern: second.finalize())))
    }

    /// The slot a probe for `low` starts at: `low` scaled into the table (a multiply, not a division).
    private func home(_ low: UInt64) -> Int {
        Int(truncatingIfNeeded: low.multipliedFullWidth(by: UInt64(capacity)).high)
    }
}
