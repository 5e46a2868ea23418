import Foundation
import Testing

@testable import SpoolMetadata

@discardableResult
/// Runs `body` with a fresh data directory under the system's temporary directory, removed afterwards.
func withDataDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("spool-metadata-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

@discardableResult
/// Runs `body` with a store open on a fresh data directory, closing it afterwards.
func withStore<T>(_ body: (SQLiteMetadataStore) async throws -> T) async throws -> T {
    try await withDataDirectory { directory in
        let store = try SQLiteMetadataStore(dataDirectory: directory)
        defer { try? store.close() }
        return try await body(store)
    }
}

/// Expects `body` to throw a ``MetadataError`` of `code`, and returns it for further checks.
@discardableResult
func expectMetadataError(
    _ code: MetadataError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> some Any
) async -> MetadataError? {
    do {
        let value = try await body()
        Issue.record("expected \(code), got \(value)", sourceLocation: sourceLocation)
    } catch let error as MetadataError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected MetadataError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
