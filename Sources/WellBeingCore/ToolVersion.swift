/// The version of this tool, recorded with every import and printed in report provenance.
public enum ToolVersion {
    public static let current = "0.1.0"
}
