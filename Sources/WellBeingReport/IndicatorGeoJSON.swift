import Foundation
import WellBeingAnalysis
import WellBeingCore

/// `indicators --format geojson`: the district boundaries with the period's estimates as feature properties,
/// for QGIS and other GIS (DESIGN §22).
///
/// One feature per district, its areas merged into one MultiPolygon (not dissolved: inner borders stay), in
/// the order the districts were imported. Properties are flat, as GIS attribute tables want them:
/// `district`, then for each indicator `ID_n`, `ID_mean`, `ID_se`, `ID_ci_low`, `ID_ci_high`, `ID_top2`,
/// `ID_deviation` and `ID_unstable`, the same numbers as `--format json`. A withheld estimate has none of
/// these, only `ID_withheld` with the reason, so no GIS layer can show what the tables withhold. Coordinates
/// are as stored (1e-7 degree), WGS 84 longitude/latitude (RFC 7946).
public enum IndicatorGeoJSON {
    public static func render(_ results: IndicatorResults, boundaries: DistrictBoundaries, instrument: Instrument,
                              language: Language) throws -> String {
        let indicators = uniqueIndicators(results)
        let features = boundaries.districts.map { district -> Feature in
            var properties: [String: Property] = ["district": .text(district.rawValue)]
            for indicator in indicators {
                let key = indicator.rawValue
                guard let estimate = results.estimate(indicator, group: district) else { continue }
                if estimate.suppressed {
                    properties["\(key)_withheld"] = .text(ResultTables.estimateNote(estimate, minimumN: results.minimumN,
                                                                                    language: language))
                    continue
                }
                properties["\(key)_n"] = .number(Double(estimate.n))
                properties["\(key)_mean"] = .optionalNumber(estimate.mean)
                properties["\(key)_se"] = .optionalNumber(estimate.standardError)
                properties["\(key)_ci_low"] = .optionalNumber(estimate.confidenceLow)
                properties["\(key)_ci_high"] = .optionalNumber(estimate.confidenceHigh)
                properties["\(key)_top2"] = .optionalNumber(estimate.topBoxShare)
                properties["\(key)_deviation"] = .optionalNumber(estimate.deviation)
                properties["\(key)_unstable"] = .bool(estimate.unstable)
            }
            let polygons = boundaries.areas.filter { $0.district == district }.flatMap(\.polygons)
            return Feature(properties: properties, geometry: Geometry(coordinates: polygons.map { polygon in
                polygon.map { ring in ring.map { [$0.longitude, $0.latitude] } }
            }))
        }
        let collection = Collection(
            name: "\(results.survey.rawValue)-\(results.period.rawValue)", survey: results.survey.rawValue,
            period: results.period.rawValue, weighting: results.weighting.rawValue, minN: results.minimumN,
            credit: boundaries.credit,
            indicators: indicators.map { IndicatorName(id: $0.rawValue, name: instrument.indicatorName($0, in: language)) },
            features: features)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(collection), as: UTF8.self) + "\n"
    }

    private static func uniqueIndicators(_ results: IndicatorResults) -> [IndicatorID] {
        var seen: Set<IndicatorID> = []
        return results.estimates.map(\.indicator).filter { seen.insert($0).inserted }
    }

    enum Property: Encodable {
        case text(String)
        case number(Double)
        case optionalNumber(Double?)
        case bool(Bool)

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case let .text(value): try container.encode(value)
            case let .number(value): try container.encode(value)
            case let .optionalNumber(value): if let value { try container.encode(value) } else { try container.encodeNil() }
            case let .bool(value): try container.encode(value)
            }
        }
    }

    struct Geometry: Encodable {
        var type = "MultiPolygon"
        var coordinates: [[[[Double]]]]
    }

    struct Feature: Encodable {
        var type = "Feature"
        var properties: [String: Property]
        var geometry: Geometry
    }

    struct IndicatorName: Encodable {
        var id: String
        var name: String
    }

    struct Collection: Encodable {
        var type = "FeatureCollection"
        var name: String
        var survey: String
        var period: String
        var weighting: String
        var minN: Int
        var credit: String
        var indicators: [IndicatorName]
        var features: [Feature]

        enum CodingKeys: String, CodingKey {
            case type, name, survey, period, weighting, minN = "min_n", credit, indicators, features
        }
    }
}
