import Foundation
import Testing

@testable import SpoolMetadata

@Suite("Producer ids")
struct ProducerIdTests {
    @Test("200 concurrent allocations return 200 distinct ids, all from 1000 up, with epoch 0")
    func concurrentAllocationsAreDistinct() async throws {
        try await withStore { store in
            let allocated = try await withThrowingTaskGroup(of: (Int64, Int16).self) { group in
                for _ in 0..<200 {
                    group.addTask { try await store.allocateProducerId() }
                }
                var all: [(Int64, Int16)] = []
                for try await pair in group { all.append(pair) }
                return all
            }
            let ids = allocated.map(\.0)
            #expect(ids.count == 200)
            #expect(Set(ids).count == 200)
            #expect(ids.min() == MetadataSchema.firstProducerId)
            #expect(ids.max() == MetadataSchema.firstProducerId + 199)
            #expect(allocated.allSatisfy { $0.1 == 0 })
        }
    }

    @Test("Ids handed out after a reopen are greater than every id handed out before")
    func idsGrowAcrossReopen() async throws {
        try await withDataDirectory { directory in
            var earlier: [Int64] = []
            for _ in 0..<3 {
                let store = try SQLiteMetadataStore(dataDirectory: directory)
                var now: [Int64] = []
                for _ in 0..<5 { now.append(try await store.allocateProducerId().producerId) }
                try store.close()
                #expect(now.min().map { candidate in earlier.allSatisfy { $0 < candidate } } == true)
                earlier += now
            }
            #expect(Set(earlier).count == 15)
        }
    }
}
