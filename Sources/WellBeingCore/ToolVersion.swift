/// The version of this tool, recorded with every import and printed in report provenance.
public enum ToolVersion {
    public static let current = "0.1.0"

    /// The commit a package was built from; nil for a build from a checkout (see `BuildInfo`).
    public static let commit: String? = BuildInfo.commit

    /// What `wellbeing --version` prints: the version and what it was built from.
    public static var description: String {
        guard let commit = BuildInfo.commit else {
            return "\(current) (built from a source checkout; commit not recorded)"
        }
        return "\(current) (commit \(commit)" + (BuildInfo.date.map { ", \($0)" } ?? "") + ")"
    }
}
