/// The `process_*` families of Prometheus's client conventions, from a `ProcessSnapshot`; a figure the platform
/// does not give (negative) is left out.
struct ProcessFamilies {
    let process: ProcessSnapshot
    let startTimeSeconds: Double

    func write(into text: inout MetricsText) {
        let integers: [(String, String, Int64)] = [
            ("process_resident_memory_bytes", "Resident memory size in bytes.", process.residentMemoryBytes),
            ("process_virtual_memory_bytes", "Virtual memory size in bytes.", process.virtualMemoryBytes),
            ("process_open_fds", "Open file descriptors.", process.openDescriptors),
            ("process_max_fds", "The open-file limit (RLIMIT_NOFILE, soft).", process.maximumDescriptors),
        ]
        for (name, help, value) in integers where value >= 0 {
            text.family(name, .gauge, help)
            text.series(name, [:], value)
        }
        text.family("process_cpu_seconds_total", .counter, "User and system CPU time spent, in seconds.")
        text.series("process_cpu_seconds_total", process.cpuSeconds)
        text.family("process_start_time_seconds", .gauge, "When the process started, in seconds since the epoch.")
        text.series("process_start_time_seconds", startTimeSeconds)
    }
}
