import WellBeingCore
import Yams

/// A position in a parsed YAML file that knows its path (`categories[3].items[1]`), for messages that
/// say exactly where a problem is; problems are collected, not thrown, so a file's mistakes come together.
struct YAMLCursor {
    let node: Node?
    let path: String
    let context: YAMLContext
    /// For a key that is absent: the line of the mapping that lacks it.
    var fallbackLine: Int?

    /// The line of this node in the file (or of its parent, when absent), counting from 1.
    var line: Int? { node?.mark?.line ?? fallbackLine }

    func problem(_ message: Message, value: String? = nil) {
        context.problems.append(DataProblem(
            location: SourceLocation(file: context.fileName, line: line, column: path.isEmpty ? nil : path),
            value: value, message: message))
    }

    /// The child at `key` of a mapping (an absent cursor when missing).
    subscript(key: String) -> YAMLCursor {
        let childPath = path.isEmpty ? key : "\(path).\(key)"
        guard let mapping = node?.mapping else {
            return YAMLCursor(node: nil, path: childPath, context: context, fallbackLine: line)
        }
        let child = mapping.first(where: { $0.key.string == key })?.value
        return YAMLCursor(node: child, path: childPath, context: context, fallbackLine: line)
    }

    var isPresent: Bool {
        guard let node else { return false }
        return node.null == nil
    }

    /// Reports keys of a mapping that are not among `known` (typos such as `revers:`).
    func checkKeys(_ known: [String]) {
        guard let mapping = node?.mapping else { return }
        for (key, _) in mapping {
            let name = key.string ?? ""
            if !known.contains(name) {
                let here = path.isEmpty ? name : "\(path).\(name)"
                context.problems.append(DataProblem(
                    location: SourceLocation(file: context.fileName, line: key.mark?.line, column: here),
                    message: Message(.yamlUnknownKey, ["name": name, "known": known.joined(separator: ", ")])))
            }
        }
    }

    /// Whether this node is a mapping; reports a problem if present but not a mapping.
    func requireMapping(_ what: String) -> Bool {
        guard isPresent else { problem(Message(.yamlMissing, ["what": what])); return false }
        guard node?.mapping != nil else { problem(Message(.yamlNotMapping, ["what": what])); return false }
        return true
    }

    /// The elements of a sequence; an absent node is an empty list, any other node a problem.
    func elements(_ what: String) -> [YAMLCursor] {
        guard isPresent else { return [] }
        guard let sequence = node?.sequence else {
            problem(Message(.yamlNotList, ["what": what]))
            return []
        }
        return sequence.enumerated().map { YAMLCursor(node: $0.element, path: "\(path)[\($0.offset)]", context: context) }
    }

    /// The entries of a mapping, in file order.
    func entries(_ what: String) -> [(key: String, value: YAMLCursor)] {
        guard isPresent else { return [] }
        guard let mapping = node?.mapping else {
            problem(Message(.yamlNotMapping, ["what": what]))
            return []
        }
        return mapping.map { key, value in
            let name = key.string ?? ""
            return (name, YAMLCursor(node: value, path: path.isEmpty ? name : "\(path).\(name)", context: context))
        }
    }

    /// A scalar's text, or nil (with a problem if it is required or not a scalar).
    func string(_ what: String, required: Bool = true) -> String? {
        guard isPresent else {
            if required { problem(Message(.yamlMissing, ["what": what])) }
            return nil
        }
        guard let scalar = node?.scalar else {
            problem(Message(.yamlNotScalar, ["what": what]))
            return nil
        }
        let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            if required { problem(Message(.yamlEmpty, ["what": what])) }
            return nil
        }
        return text
    }

    func integer(_ what: String) -> Int? {
        guard let text = string(what) else { return nil }
        guard let value = Int(text) else {
            problem(Message(.yamlNotInteger, ["what": what]), value: text)
            return nil
        }
        return value
    }

    func number(_ what: String, required: Bool = true) -> Double? {
        guard let text = string(what, required: required) else { return nil }
        guard let value = Double(text), value.isFinite else {
            problem(Message(.yamlNotNumber, ["what": what]), value: text)
            return nil
        }
        return value
    }

    func bool(_ what: String, default fallback: Bool) -> Bool {
        guard isPresent else { return fallback }
        guard let text = string(what) else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(Message(.yamlNotBool, ["what": what]), value: text)
            return fallback
        }
    }

    /// A list of scalars; a single scalar counts as a list of one.
    func strings(_ what: String) -> [String] {
        guard isPresent else { return [] }
        if node?.scalar != nil { return string(what).map { [$0] } ?? [] }
        return elements(what).compactMap { $0.string(what) }
    }

    /// A text given as a plain string (Japanese) or as `{ja: …, en: …}`.
    func localized(_ what: String, required: Bool = true) -> LocalizedText? {
        guard isPresent else {
            if required { problem(Message(.yamlMissing, ["what": what])) }
            return nil
        }
        if node?.scalar != nil { return string(what).map { LocalizedText(ja: $0) } }
        guard node?.mapping != nil else {
            problem(Message(.yamlNotLocalized, ["what": what]))
            return nil
        }
        checkKeys(["ja", "en"])
        guard let japanese = self["ja"].string("\(what) in Japanese (ja)") else { return nil }
        return LocalizedText(ja: japanese, en: self["en"].string("\(what) in English (en)", required: false))
    }
}

/// The file name and the problems found so far while reading one YAML file.
final class YAMLContext {
    let fileName: String
    var problems: [DataProblem] = []

    init(fileName: String) { self.fileName = fileName }

    /// Parses `text` into a root cursor, or records why it is not YAML.
    func root(of text: String) -> YAMLCursor? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                problems.append(DataProblem(location: SourceLocation(file: fileName), message: Message(.yamlFileEmpty)))
                return nil
            }
            return YAMLCursor(node: node, path: "", context: self)
        } catch let error as YamlError {
            problems.append(DataProblem(location: SourceLocation(file: fileName, line: Self.line(of: error)),
                                        message: Message(.yamlInvalid, ["detail": Self.summary(of: error)])))
            return nil
        } catch {
            problems.append(DataProblem(location: SourceLocation(file: fileName), message: Message(.yamlInvalid, ["detail": "\(error)"])))
            return nil
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        case let .duplicatedKeysInMapping(_, context):
            return context.mark.line
        default:
            return nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, _, _), let .parser(context, problem, _, _),
             let .composer(context, problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        case let .duplicatedKeysInMapping(duplicates, _):
            return "the key \(duplicates.joined(separator: ", ")) appears twice in one mapping"
        default:
            return String(describing: error).components(separatedBy: "\n").first ?? "\(error)"
        }
    }
}
