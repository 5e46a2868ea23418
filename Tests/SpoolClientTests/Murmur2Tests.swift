import SpoolClient
import Testing

@Suite("murmur2 partitioning")
struct Murmur2Tests {
    // Vectors from Apache Kafka's own test of the Java client's hash:
    // clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
    static let javaClientVectors: [(String, Int32)] = [
        ("21", -973_932_308),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ]

    @Test("murmur2 gives the Java client's hash for Kafka's published vectors")
    func javaVectors() {
        for (key, expected) in Self.javaClientVectors {
            #expect(Murmur2.hash(Array(key.utf8)) == expected, "\(key)")
        }
    }

    @Test("a key's partition is toPositive(murmur2) modulo the partition count, as in the Java client")
    func partitions() {
        // toPositive(-973932308) = 1173551340; 1173551340 % 3 = 0 and % 7 = 3.
        #expect(Murmur2.partition(forKey: Array("21".utf8), partitionCount: 3) == 0)
        #expect(Murmur2.partition(forKey: Array("21".utf8), partitionCount: 7) == 3)
        for (key, hash) in Self.javaClientVectors {
            for count: Int32 in [1, 2, 3, 6, 12, 100] {
                #expect(
                    Murmur2.partition(forKey: Array(key.utf8), partitionCount: count) == (hash & 0x7fff_ffff) % count)
            }
        }
    }
}
