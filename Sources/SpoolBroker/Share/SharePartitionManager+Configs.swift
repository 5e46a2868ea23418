import SpoolMetadata

extension SharePartitionManager {
    /// Restores every group's stored config overrides. A group whose overrides no longer validate (the broker's
    /// dead-letter prefix changed, say) keeps the defaults, with one log line saying which and why.
    func loadConfigs() async throws {
        let stored = try await configStore.allGroupConfigs()
        for (group, overrides) in stored {
            do {
                try configs.set(overrides, for: group)
            } catch {
                logger.warning(
                    "share group configs no longer valid; the group uses the broker defaults until they are set again",
                    metadata: ["group": "\(group)", "error": "\(error.message)"])
            }
        }
    }

    /// Changes a group's config overrides: validated together, saved durably, then applied to its
    /// share-partitions. Nothing changes when any key or value is refused or when `validateOnly`.
    ///
    /// - Parameters:
    ///   - replace: start from no overrides (AlterConfigs) rather than the group's current ones
    ///     (IncrementalAlterConfigs).
    /// - Returns: success, INVALID_CONFIG with what was wrong, or KAFKA_STORAGE_ERROR when saving failed.
    func alterConfigs(
        group: String, set: [String: String], remove: [String], replace: Bool, validateOnly: Bool
    ) async -> Result<Void, BrokerError> {
        // One change at a time: two requests merging into the same overrides must not lose each other's keys,
        // nor save in one order and apply in the other.
        await configWrites.run {
            await alterConfigsExclusively(
                group: group, set: set, remove: remove, replace: replace, validateOnly: validateOnly)
        }
    }

    private func alterConfigsExclusively(
        group: String, set: [String: String], remove: [String], replace: Bool, validateOnly: Bool
    ) async -> Result<Void, BrokerError> {
        var merged = replace ? [:] : configs.overrides(for: group)
        for key in remove {
            guard ShareGroupConfigKeys.all.contains(key) else {
                return .failure(.invalidConfig(
                    "unknown share group config '\(key)': Spool supports "
                        + ShareGroupConfigKeys.all.joined(separator: ", ")))
            }
            merged.removeValue(forKey: key)
        }
        merged.merge(set) { $1 }
        do {
            _ = try configs.validate(merged)
        } catch {
            return .failure(error)
        }
        if validateOnly { return .success(()) }
        do {
            try await configStore.setGroupConfigs(groupId: group, merged)
        } catch {
            logger.error("share group configs not saved", metadata: ["group": "\(group)", "error": "\(error)"])
            return .failure(BrokerError(
                code: .kafkaStorageError, message: "the group's configs could not be saved: \(error); try again"))
        }
        do {
            try configs.set(merged, for: group)
        } catch {
            return .failure(error)
        }
        configsChanged(group: group)
        logger.info("share group configs changed", metadata: ["group": "\(group)", "configs": "\(merged)"])
        return .success(())
    }
}
