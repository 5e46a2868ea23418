import NIOCore
import Testing

@testable import SpoolRecords

@Suite struct CRC32CTests {
    // Standard check values (RFC 3720 appendix B.4 and the "123456789" check string).
    static let vectors: [([UInt8], UInt32)] = [
        (Array("123456789".utf8), 0xE306_9283),
        ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
        ([], 0),
    ]

    @Test("both paths give the standard check values")
    func standardVectors() {
        for (bytes, expected) in Self.vectors {
            #expect(CRC32C.checksum(bytes) == expected)
            #expect(bytes.withUnsafeBytes { CRC32C.portableChecksum($0) } == expected)
        }
    }

    @Test("hardware and portable paths agree on every length and alignment up to 3 long blocks and beyond")
    func pathsAgree() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<(3 * 8192 * 2 + 777)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let lengths = Array(0..<300) + [767, 768, 769, 8191, 8192, 24575, 24576, 24577, 3 * 8192 + 3 * 256 + 5, data.count - 16]
        data.withUnsafeBytes { raw in
            for offset in 0..<9 {
                for length in lengths where offset + length <= raw.count {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                    #expect(CRC32C.checksum(slice) == CRC32C.portableChecksum(slice), "offset \(offset) length \(length)")
                }
            }
        }
    }

    @Test("a checksum can be continued across pieces")
    func continuation() {
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        let whole = CRC32C.checksum(bytes)
        let first = bytes[0..<10].withUnsafeBytes { CRC32C.checksum($0) }
        let rest = bytes[10...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
        #expect(rest == whole)
        #expect(whole == 0x2262_0404)
    }

    @Test("ByteBuffer ranges are bounds-checked")
    func byteBufferRange() {
        let buffer = ByteBuffer(string: "x123456789y")
        #expect(buffer.crc32c(at: 1, length: 9) == 0xE306_9283)
        #expect(buffer.crc32c(at: 5, length: 9) == nil)
        #expect(buffer.crc32c(at: -1, length: 2) == nil)
    }
}
