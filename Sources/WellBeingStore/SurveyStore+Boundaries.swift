import Foundation
import WellBeingCore

/// How a feature's polygons are stored: little-endian, a UInt32 count of polygons, then per polygon a UInt32
/// count of rings, then per ring a UInt32 count of positions and each position as two Int32, longitude and
/// latitude in units of 1e-7 degree (about 1 cm: finer than any published boundary, 8 bytes a position).
/// Boundaries are stored as imported, not simplified: a report simplifies them to the scale it draws.
enum BoundaryGeometry {
    static let unitsPerDegree = 1e7

    static func encode(_ polygons: [DistrictBoundaries.Polygon]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + polygons.reduce(0) { $0 + 4 + $1.reduce(0) { $0 + 4 + 8 * $1.count } })
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        append(UInt32(polygons.count))
        for polygon in polygons {
            append(UInt32(polygon.count))
            for ring in polygon {
                append(UInt32(ring.count))
                for position in ring {
                    append(UInt32(bitPattern: Int32((position.longitude * unitsPerDegree).rounded())))
                    append(UInt32(bitPattern: Int32((position.latitude * unitsPerDegree).rounded())))
                }
            }
        }
        return Data(bytes)
    }

    /// The polygons of `data`; nil when the bytes do not hold a whole geometry (a damaged row).
    static func decode(_ data: Data) -> [DistrictBoundaries.Polygon]? {
        let bytes = [UInt8](data)
        var offset = 0
        func next() -> UInt32? {
            guard offset + 4 <= bytes.count else { return nil }
            defer { offset += 4 }
            return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }
        guard let polygonCount = next(), Int(polygonCount) <= bytes.count / 4 else { return nil }
        var polygons: [DistrictBoundaries.Polygon] = []
        for _ in 0..<polygonCount {
            guard let ringCount = next(), Int(ringCount) <= bytes.count / 4 else { return nil }
            var polygon: DistrictBoundaries.Polygon = []
            for _ in 0..<ringCount {
                guard let positionCount = next(), Int(positionCount) <= (bytes.count - offset) / 8 else { return nil }
                var ring: DistrictBoundaries.Ring = []
                ring.reserveCapacity(Int(positionCount))
                for _ in 0..<positionCount {
                    guard let longitude = next(), let latitude = next() else { return nil }
                    ring.append(DistrictBoundaries.Position(longitude: Double(Int32(bitPattern: longitude)) / unitsPerDegree,
                                                            latitude: Double(Int32(bitPattern: latitude)) / unitsPerDegree))
                }
                polygon.append(ring)
            }
            polygons.append(polygon)
        }
        return offset == bytes.count ? polygons : nil
    }
}

/// The outcome of `import boundaries`.
public struct BoundaryImportOutcome: Sendable {
    public var batchID: Int64
    public var fileName: String
    public var areaCount: Int
    public var districtCount: Int
    public var districtsWithoutArea: [GroupName]
    public var unusedMappingAreas: [String]
}

extension SurveyStore {
    /// Stores checked boundaries (read from `file` by WellBeingIngest) as one batch of `survey`'s. One set of
    /// boundaries per survey: a second is refused unless `replace` is set (then the earlier batch is deleted in
    /// the same transaction). The outcome lists no districts without an area or unused areas: the file's reader
    /// knows those.
    public func importBoundaries(_ boundaries: DistrictBoundaries, key: String, survey: SurveyID, file: ImportedFile,
                                 replace: Bool) throws -> BoundaryImportOutcome {
        try write(survey: survey) { db in
            try handleRepeatedFile(db, kind: .boundaries, survey: survey, sha256: file.sha256, fileName: file.fileName, replace: replace)
            if let earlier = try db.fetchInteger("SELECT batchId FROM boundarySource WHERE surveyId = ?", [survey.rawValue]) {
                if replace {
                    try db.execute("DELETE FROM batch WHERE id = ?", [earlier])
                } else {
                    throw WellBeingError(.badData, Message(.tableExists, ["survey": survey.rawValue, "batch": "\(earlier)"])
                        .localizingArgument("what", Message(.tableBoundaries))
                        .localizingArgument("period", Message(.allPeriodsPhrase)))
                }
            }
            let batchID = try insertBatch(db, kind: .boundaries, survey: survey, instrumentID: nil, fileName: file.fileName,
                                          sha256: file.sha256, rowCount: boundaries.areas.count, rejectedCount: 0, periods: [],
                                          encoding: file.encodingName, options: "key \(key)")
            try db.insertRows(into: "boundarySource", columns: ["batchId", "surveyId", "keyProperty", "credit"],
                              rows: [[.integer(batchID), .text(survey.rawValue), .text(key), .text(boundaries.credit)]])
            try db.insertRows(into: "boundary", columns: ["batchId", "surveyId", "seq", "groupName", "area", "geometry"],
                              rows: boundaries.areas.enumerated().map { seq, area in
                [.integer(batchID), .text(survey.rawValue), .integer(Int64(seq)), .text(area.district.rawValue), .text(area.name),
                 .blob(BoundaryGeometry.encode(area.polygons))]
            })
            return BoundaryImportOutcome(batchID: batchID, fileName: file.fileName, areaCount: boundaries.areas.count,
                                         districtCount: boundaries.districts.count, districtsWithoutArea: [], unusedMappingAreas: [])
        }
    }

    /// The district boundaries of `survey`, in the order they were imported; nil when none were imported.
    public func boundaries(survey: SurveyID) throws -> DistrictBoundaries? {
        try read { db in
            guard let source = try db.fetchOne("SELECT batchId, credit FROM boundarySource WHERE surveyId = ?", [survey.rawValue]) else {
                return nil
            }
            let rows = try db.fetchAll("SELECT groupName, area, geometry FROM boundary WHERE batchId = ? ORDER BY seq",
                                       [try source.integer(0)])
            let areas = try rows.map { row -> DistrictBoundaries.Area in
                guard let polygons = BoundaryGeometry.decode(try row.blob(2)) else {
                    throw WellBeingError(.internalFailure, Message(.storeBlockDamaged, [
                        "path": path, "batch": "\(try source.integer(0))", "block": "boundary \(try row.text(1))",
                        "detail": "the geometry's bytes are incomplete"]))
                }
                return DistrictBoundaries.Area(district: GroupName(try row.text(0)), name: try row.text(1), polygons: polygons)
            }
            return DistrictBoundaries(areas: areas, credit: try source.text(1))
        }
    }
}
