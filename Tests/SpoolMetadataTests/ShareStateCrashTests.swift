import Foundation
import Testing

@testable import SpoolMetadata

/// The environment variable that turns ``ShareStateCrashTests/saverChild()`` on, naming its data directory.
private let childDirectoryVariable = "SPOOL_SHARE_CRASH_CHILD_DIR"
private let saverTasks = 4

@Suite("Share-partition state across a SIGKILL")
struct ShareStateCrashTests {
    @Test("A SIGKILL during concurrent saves leaves whole snapshots: each call's together, none older than acked")
    func killDuringSaves() async throws {
        try await withDataDirectory { directory in
            let setup = try SQLiteMetadataStore(dataDirectory: directory)
            _ = try await setup.createTopic(name: "t", partitionCount: Int32(saverTasks * 2))
            try setup.close()

            let child = Process()
            let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            child.executableURL = URL(fileURLWithPath: executable)
            child.arguments = ["--testing-library", "swift-testing", "--filter", "ShareStateCrashTests/saverChild"]
            child.environment = ProcessInfo.processInfo.environment.merging([childDirectoryVariable: directory]) { $1 }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()

            // Kill it mid-flight once every saver has made durable progress.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline && child.isRunning {
                if (0..<saverTasks).allSatisfy({ Self.acknowledged(directory, task: $0) >= 20 }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(child.isRunning, "the saver child exited before it was killed")
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal)

            let store = try SQLiteMetadataStore(dataDirectory: directory)
            defer { try? store.close() }
            let loaded = try await store.allShareStates()
            #expect(loaded.count == saverTasks * 2)
            for task in 0..<saverTasks {
                let acknowledged = Self.acknowledged(directory, task: task)
                #expect(acknowledged >= 20)
                let pair = loaded.filter { $0.partition / 2 == Int32(task) }
                let generations = Set(pair.map { Int64($0.stateEpoch) })
                // One call's two snapshots committed together, and nothing acknowledged to the caller was lost.
                #expect(generations.count == 1, "task \(task) loaded torn generations \(generations)")
                guard let generation = generations.first else { continue }
                #expect(generation >= acknowledged, "task \(task): acked \(acknowledged), loaded \(generation)")
                for snapshot in pair {
                    #expect(snapshot == generationSnapshot(partition: snapshot.partition, generation: generation))
                }
            }
        }
    }

    @Test(
        "Child of killDuringSaves: saves generations until SIGKILLed (runs only when the parent starts it)",
        .enabled(if: ProcessInfo.processInfo.environment[childDirectoryVariable] != nil))
    func saverChild() async throws {
        guard let directory = ProcessInfo.processInfo.environment[childDirectoryVariable] else { return }
        let store = try SQLiteMetadataStore(dataDirectory: directory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<saverTasks {
                group.addTask {
                    let progress = directory + "/acked-\(task)"
                    FileManager.default.createFile(atPath: progress, contents: nil)
                    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: progress))
                    for generation in Int64(1)... {
                        let pair = [Int32(task * 2), Int32(task * 2 + 1)].map {
                            generationSnapshot(partition: $0, generation: generation)
                        }
                        _ = try await store.saveShareStates(pair)
                        // Written after the save returned: the parent holds the store to every number it reads.
                        try handle.seek(toOffset: 0)
                        try handle.write(contentsOf: Data(String(format: "%012lld", generation).utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// The last generation the child's saver `task` reported durable.
    private static func acknowledged(_ directory: String, task: Int) -> Int64 {
        guard let data = FileManager.default.contents(atPath: directory + "/acked-\(task)"),
            let text = String(data: data, encoding: .utf8)
        else { return 0 }
        return Int64(text.trimmingCharacters(in: .whitespaces)) ?? 0
    }
}
