/// Spool's version, kept in this one place: `spool --version` prints it and the broker's start-up line logs it.
/// It is a constant, bumped by hand when a release is cut, rather than read from git at build time: CI checkouts
/// and source tarballs have no tags to read, and a build must not depend on them. Thread-safe (a constant).
public enum SpoolVersion {
    /// This build's version (semantic versioning; `-dev` between releases).
    public static let current = "0.13.0-dev"
}
