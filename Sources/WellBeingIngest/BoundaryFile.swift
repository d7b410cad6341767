import Crypto
import Foundation
import WellBeingCore

/// A GeoJSON file of district boundaries, read and checked against the instrument (DESIGN §22).
///
/// The file is a FeatureCollection of Polygon and MultiPolygon features in WGS 84 longitude/latitude. The
/// `key` property names each feature's district, directly or through a mapping CSV `area,district`
/// (e-Stat's 町丁・字 areas to the city's 地区). Every problem of the file is collected, each naming its
/// feature (number, line, and the key's value), before anything is refused.
public struct BoundaryFile: Sendable {
    public var fileName: String
    public var sha256: String
    public var boundaries: DistrictBoundaries
    /// The instrument's districts that no feature belongs to (their maps leave them blank).
    public var districtsWithoutArea: [GroupName]
    /// Areas of the mapping file that no feature has.
    public var unusedMappingAreas: [String]

    /// Files larger than this are refused before they are read (100 MB: a whole prefecture's 町丁・字 areas).
    public static let maximumBytes = 100 << 20

    /// Reads and checks `path`.
    ///
    /// - Throws: `inputMissing` when the file cannot be read; `badData` for a file over the cap, a file that is
    ///   not GeoJSON, or features with problems (all of them listed).
    public static func read(path: String, key: String, mappingPath: String?, credit: String?,
                            instrument: Instrument) throws -> BoundaryFile {
        let name = (path as NSString).lastPathComponent
        let bytes = try readCapped(path: path, displayName: name)
        let mapping = try mappingPath.map { try AreaMapping.read(path: $0, instrument: instrument) }
        let document: JSONValue
        do {
            document = try JSONDocument.parse(bytes)
        } catch {
            throw WellBeingError(.badData, Message(.boundariesNotJSON, ["file": name, "line": "\(error.line)", "column": "\(error.column)"])
                .localizingArgument("detail", error.message))
        }
        var parser = FeatureChecker(fileName: name, key: key, instrument: instrument, mapping: mapping)
        let areas = try parser.areas(of: document)
        let covered = Set(areas.map(\.district))
        let usedAreas = Set(areas.map(\.name))
        return BoundaryFile(
            fileName: name, sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(),
            boundaries: DistrictBoundaries(areas: areas, credit: credit ?? ""),
            districtsWithoutArea: instrument.respondent.group.values.filter { !covered.contains($0) },
            unusedMappingAreas: mapping?.areas.filter { !usedAreas.contains($0) } ?? [])
    }

    /// The file's bytes; a file over `maximumBytes` is refused from its size alone, before a byte is read.
    static func readCapped(path: String, displayName: String) throws -> [UInt8] {
        var status = stat()
        guard stat(path, &status) == 0 else { throw WellBeingError(.inputMissing, Message(.fileNotFound, ["path": path])) }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG || kind == S_IFIFO || kind == S_IFCHR else {
            throw WellBeingError(.inputMissing, Message(.notAFile, ["path": path]))
        }
        if kind == S_IFREG, Int(status.st_size) > maximumBytes { throw tooLarge(displayName, size: Int(status.st_size)) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw WellBeingError(.inputMissing, Message(.cannotOpen, ["path": path, "reason": String(cString: strerror(errno))]))
        }
        defer { close(descriptor) }
        // A pipe or a file that grew since stat: read no more than one byte past the cap.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw WellBeingError(.ioFailure, Message(.readFailed, ["file": displayName, "reason": String(cString: strerror(errno))]))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumBytes { throw tooLarge(displayName, size: nil) }
        }
        return bytes
    }

    private static func tooLarge(_ name: String, size: Int?) -> WellBeingError {
        WellBeingError(.badData, Message(.boundariesTooLarge, [
            "file": name, "size": size.map { "\(($0 + (1 << 20) - 1) >> 20) MB" } ?? "more", "limit": "\(maximumBytes >> 20) MB"]))
    }
}

extension JSONDocument.SyntaxError {
    var message: Message {
        switch reason {
        case let .unexpected(text): Message(.jsonUnexpected, ["text": text])
        case .tooDeep: Message(.jsonTooDeep, ["depth": "\(JSONDocument.maximumDepth)"])
        case .endOfFile: Message(.jsonEnds)
        case .badString: Message(.jsonBadString)
        case let .trailing(text): Message(.jsonTrailing, ["text": text])
        }
    }
}

/// The mapping file `area,district`: which district each area (the `--key` value) belongs to.
struct AreaMapping {
    var districtOfArea: [String: GroupName]
    /// The areas in file order.
    var areas: [String]
    var fileName: String

    static func read(path: String, instrument: Instrument) throws -> AreaMapping {
        let table = try TableFile.read(path: path)
        let columns = try table.requireColumns(["area", "district"])
        let districts = Set(instrument.respondent.group.values)
        var mapping = AreaMapping(districtOfArea: [:], areas: [], fileName: table.fileName)
        var firstLine: [String: Int] = [:]
        var problems: [DataProblem] = []
        for row in table.rows {
            let area = row.cells[columns[0]], district = row.cells[columns[1]]
            if area.isEmpty {
                problems.append(table.problem(row, column: columns[0], Message(.cellEmpty)))
                continue
            }
            guard districts.contains(GroupName(district)) else {
                problems.append(table.problem(row, column: columns[1], value: district,
                                              notDistrict(instrument)))
                continue
            }
            if let earlier = mapping.districtOfArea[area] {
                if earlier.rawValue != district {
                    problems.append(table.problem(row, column: columns[1], value: district, Message(.mappingAreaTwice, [
                        "area": area, "first": earlier.rawValue, "line": "\(firstLine[area] ?? 0)"])))
                }
                continue
            }
            mapping.districtOfArea[area] = GroupName(district)
            mapping.areas.append(area)
            firstLine[area] = row.line
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(Message(.tableHasProblems, ["file": table.fileName, "count": "\(problems.count)"]),
                                         problems: problems)
        }
        return mapping
    }

    static func notDistrict(_ instrument: Instrument) -> Message {
        let values = instrument.respondent.group.values.map(\.rawValue)
        return Message(.notDistrictOf, ["districts": values.prefix(20).joined(separator: ", ") + (values.count > 20 ? ", …" : "")])
    }
}

/// Walks a GeoJSON document and checks every feature, collecting all problems.
private struct FeatureChecker {
    let fileName: String
    let key: String
    let instrument: Instrument
    let mapping: AreaMapping?
    var problems: [DataProblem] = []

    init(fileName: String, key: String, instrument: Instrument, mapping: AreaMapping?) {
        self.fileName = fileName
        self.key = key
        self.instrument = instrument
        self.mapping = mapping
    }

    mutating func areas(of document: JSONValue) throws -> [DistrictBoundaries.Area] {
        guard case .object = document, document["type"]?.string == "FeatureCollection" else {
            throw WellBeingError(.badData, Message(.boundariesNotCollection, [
                "file": fileName, "type": document["type"]?.string ?? "—"]))
        }
        if let crs = document["crs"]?["properties"]?["name"]?.string,
           !["CRS84", "4326", "4612", "6668"].contains(where: { crs.hasSuffix($0) }) {
            throw WellBeingError(.badData, Message(.boundariesCRS, ["file": fileName, "crs": crs]))
        }
        guard case let .array(features)? = document["features"], !features.isEmpty else {
            throw WellBeingError(.badData, Message(.boundariesNoFeatures, ["file": fileName]))
        }
        let districts = Set(instrument.respondent.group.values)
        var areas: [DistrictBoundaries.Area] = []
        for (index, feature) in features.enumerated() {
            let line: Int? = if case let .object(_, line) = feature { line } else { nil }
            let value = Self.keyValue(feature["properties"]?[key])
            func report(_ problem: Message) {
                problems.append(DataProblem(
                    location: SourceLocation(file: fileName, line: line),
                    message: Message(.featureProblem, ["index": "\(index + 1)", "key": key, "value": value ?? "—"])
                        .localizingArgument("problem", problem)))
            }
            guard let value else {
                var names: [String] = []
                if case let .object(members, _)? = feature["properties"] { names = members.keys.sorted() }
                report(Message(.featureNoKey, ["key": key, "properties": names.prefix(12).joined(separator: ", ")]))
                continue
            }
            var district: GroupName?
            if let mapping {
                district = mapping.districtOfArea[value]
                if district == nil { report(Message(.featureNotInMapping, ["area": value, "mapping": mapping.fileName])) }
            } else if districts.contains(GroupName(value)) {
                district = GroupName(value)
            } else {
                report(AreaMapping.notDistrict(instrument))
            }
            let before = problems.count
            let polygons = geometry(of: feature, report: report)
            if let district, let polygons, problems.count == before {
                areas.append(DistrictBoundaries.Area(district: district, name: value, polygons: polygons))
            }
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(Message(.tableHasProblems, ["file": fileName, "count": "\(problems.count)"]), problems: problems)
        }
        return areas
    }

    /// The `--key` property as text: a string, or a number (e-Stat's codes), written without a fraction.
    static func keyValue(_ value: JSONValue?) -> String? {
        switch value {
        case let .string(text)?: return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text.trimmingCharacters(in: .whitespaces)
        case let .number(number)? where number.isFinite:
            return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        default: return nil
        }
    }

    private func geometry(of feature: JSONValue, report: (Message) -> Void) -> [DistrictBoundaries.Polygon]? {
        guard let geometry = feature["geometry"], case .object = geometry else {
            report(Message(.featureNoGeometry))
            return nil
        }
        let type = geometry["type"]?.string ?? "—"
        let coordinates = geometry["coordinates"]
        let polygonValues: [JSONValue]
        switch type {
        case "Polygon":
            polygonValues = coordinates.map { [$0] } ?? []
        case "MultiPolygon":
            guard case let .array(list)? = coordinates else {
                report(Message(.featureBadCoordinates))
                return nil
            }
            polygonValues = list
        default:
            report(Message(.featureNotPolygon, ["type": type]))
            return nil
        }
        if polygonValues.isEmpty {
            report(Message(.featureBadCoordinates))
            return nil
        }
        var polygons: [DistrictBoundaries.Polygon] = []
        var valid = true
        for (polygonIndex, polygonValue) in polygonValues.enumerated() {
            let ringValues: [JSONValue]
            switch polygonValue {
            case let .array(list): ringValues = list
            default:
                report(Message(.featureBadCoordinates))
                return nil
            }
            var rings: [DistrictBoundaries.Ring] = []
            for (ringIndex, ringValue) in ringValues.enumerated() {
                let place = ["polygon": "\(polygonIndex + 1)", "ring": "\(ringIndex + 1)"]
                let flat: [Double]
                switch ringValue {
                case let .positions(values): flat = values
                case let .array(values) where values.isEmpty: flat = []
                default:
                    // A position with fewer than two numbers, or something else among the positions.
                    report(Message(.featureBadCoordinates))
                    return nil
                }
                let count = flat.count / 2
                if let bad = stride(from: 0, to: flat.count, by: 2).first(where: { !flat[$0].isFinite || !flat[$0 + 1].isFinite }) {
                    report(Message(.featureNotFinite, place.merging(["position": "\(bad / 2 + 1)"]) { a, _ in a }))
                    valid = false
                    continue
                }
                if let bad = stride(from: 0, to: flat.count, by: 2).first(where: { abs(flat[$0]) > 180 || abs(flat[$0 + 1]) > 90 }) {
                    report(Message(.featureOutOfRange, place.merging([
                        "position": "\(bad / 2 + 1)", "longitude": "\(flat[bad])", "latitude": "\(flat[bad + 1])"]) { a, _ in a }))
                    valid = false
                    continue
                }
                if count < 4 {
                    report(Message(.featureShortRing, place.merging(["count": "\(count)"]) { a, _ in a }))
                    valid = false
                    continue
                }
                if flat[0] != flat[flat.count - 2] || flat[1] != flat[flat.count - 1] {
                    report(Message(.featureUnclosedRing, place))
                    valid = false
                    continue
                }
                rings.append(stride(from: 0, to: flat.count, by: 2).map {
                    DistrictBoundaries.Position(longitude: flat[$0], latitude: flat[$0 + 1])
                })
            }
            if rings.isEmpty && valid {
                report(Message(.featureBadCoordinates))
                return nil
            }
            polygons.append(rings)
        }
        return valid ? polygons : nil
    }
}
