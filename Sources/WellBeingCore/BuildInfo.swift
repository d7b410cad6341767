/// What this binary was built from. In a checkout both are nil: SwiftPM gives a build no way to ask git, and
/// a commit read when the program runs could differ from the one it was built from. `Packaging/deb.sh` builds
/// the package from an export of one commit (`git archive`) and fills these in there, in that copy only.
enum BuildInfo {
    /// The commit the sources were exported from (`git rev-parse HEAD`), for a package build.
    static let commit: String? = nil
    /// The commit's date (UTC, YYYY-MM-DD), for a package build.
    static let date: String? = nil
}
