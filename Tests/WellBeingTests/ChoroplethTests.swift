import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingReport

/// The choropleth's pure parts: classes, simplification, withheld districts, labels, determinism.
@Suite struct ChoroplethTests {
    @Test func classBreaksAreFixedPerScale() {
        #expect(ChoroplethMap.breaks(minimum: 0, maximum: 10) == [5, 5.5, 6, 6.5, 7])
        #expect(ChoroplethMap.breaks(minimum: 1, maximum: 5) == [3, 3.2, 3.4, 3.6, 3.8])
        let breaks = ChoroplethMap.breaks(minimum: 0, maximum: 10)
        #expect(ChoroplethMap.classIndex(of: 4.99, breaks: breaks) == 0)
        #expect(ChoroplethMap.classIndex(of: 5, breaks: breaks) == 1)
        #expect(ChoroplethMap.classIndex(of: 6.49, breaks: breaks) == 3)
        #expect(ChoroplethMap.classIndex(of: 9.5, breaks: breaks) == 5)
        #expect(ChoroplethMap.classLabel(3, breaks: breaks) == "6.00–6.50")
    }

    @Test func aLongCreditWrapsAtASpaceOrSlash() {
        let lines = ChoroplethMap.wrapped("図示用の架空の地区境界（実際の地理ではありません）/ Illustrative boundaries, not real geography",
                                          width: 464, fontSize: 10)
        #expect(lines == ["図示用の架空の地区境界（実際の地理ではありません）/ Illustrative boundaries, not real", "geography"])
        #expect(ChoroplethMap.wrapped("short", width: 464, fontSize: 10) == ["short"])
    }

    @Test func simplifiedRingsStayWithinHalfAPixel() {
        typealias P = ChoroplethMap.Point
        let ring = (0...1000).map { index -> P in
            let angle = Double(index % 1000) / 1000 * 2 * .pi
            return P(x: 200 + 100 * cos(angle) + (index % 2 == 0 ? 0.2 : -0.2), y: 200 + 100 * sin(angle))
        }
        let simplified = ChoroplethMap.simplifyRing(ring, tolerance: 0.5)
        #expect(simplified.count >= 3 && simplified.count < 120)
        for point in ring {
            let nearest = simplified.indices.map {
                ChoroplethMap.segmentDistance(point, simplified[$0], simplified[($0 + 1) % simplified.count])
            }.min()!
            #expect(nearest <= 0.5 + 1e-9)
        }
        // A ring smaller than a pixel still gives its district a path.
        let tiny = [[[P(x: 1, y: 1), P(x: 1.2, y: 1), P(x: 1.2, y: 1.2), P(x: 1, y: 1)]]]
        #expect(!ChoroplethMap.pathData(ChoroplethMap.simplified(tiny)).isEmpty)
    }

    @Test func aDistrictsOutlineLeavesOutTheSeamsBetweenItsAreas() {
        let square = { (lon: Double) -> DistrictBoundaries.Polygon in
            [[(0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.01), (0.0, 0.0)].map {
                DistrictBoundaries.Position(longitude: lon + $0.0, latitude: 35.3 + $0.1)
            }]
        }
        let boundaries = DistrictBoundaries(areas: [.init(district: GroupName("東区"), name: "一丁目", polygons: [square(139.50)]),
                                                    .init(district: GroupName("東区"), name: "二丁目", polygons: [square(139.51)])],
                                            credit: "")
        let projection = ChoroplethMap.Projection(boundaries: boundaries, width: 480, height: 400, padding: 8)
        let (outline, closed, _) = ChoroplethMap.outlineData(of: boundaries.areas.flatMap(\.polygons), projection: projection)
        #expect(closed)
        // One closed loop round both squares, its corners only (the shared edge and the collinear points gone).
        #expect(outline.filter { $0 == "M" }.count == 1 && outline.hasSuffix("Z"))
        #expect(outline.filter { $0 == "L" }.count == 3, "\(outline)")
    }

    static func boundaries() -> DistrictBoundaries {
        func square(_ lon: Double, _ lat: Double) -> DistrictBoundaries.Polygon {
            [[(0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.01), (0.0, 0.0)].map {
                DistrictBoundaries.Position(longitude: lon + $0.0, latitude: lat + $0.1)
            }]
        }
        return DistrictBoundaries(areas: [
            .init(district: GroupName("東区"), name: "東区", polygons: [square(139.50, 35.30)]),
            .init(district: GroupName("西区"), name: "西区", polygons: [square(139.51, 35.30)]),
            .init(district: GroupName("南区"), name: "南区", polygons: [square(139.50, 35.29), square(139.52, 35.29)]),
        ], credit: "テスト境界")
    }

    @Test func withheldDistrictsAreGreyWithNoFigureAndUnstableOnesHatched() throws {
        let breaks = ChoroplethMap.breaks(minimum: 0, maximum: 10)
        let svg = ChoroplethMap.svg(
            id: "m", indicator: IndicatorID("h1"), title: "t", description: "d", boundaries: Self.boundaries(),
            shades: [GroupName("東区"): .value(mean: 6.7341, classIndex: 4, unstable: false),
                     GroupName("西区"): .value(mean: 5.2, classIndex: 1, unstable: true),
                     GroupName("南区"): .withheld(reason: "withheld (fewer than 10 respondents)")],
            breaks: breaks,
            wording: .init(legendTitle: "mean (0–10)", unstable: "unstable (n < 30)", withheld: "withheld", noAnswers: "no answers",
                           credit: "テスト境界"))
        let paths = try Self.districtPaths(svg)
        #expect(paths.map(\.group) == ["東区", "西区", "南区"])
        #expect(paths[0].value == "6.73" && paths[0].fill == ChoroplethMap.palette[4])
        #expect(paths[2].value == "withheld" && paths[2].fill == ChoroplethMap.withheldFill)
        #expect(paths[2].element.filter(\.isNumber).isEmpty == false)  // its coordinates
        let title = try #require(paths[2].element.firstMatch(of: /<title>([^<]*)<\/title>/)?.1)
        #expect(title == "南区: withheld (fewer than 10 respondents)")
        #expect(svg.contains("fill=\"url(#m-hatch)\""))  // 西区 is unstable
        #expect(svg.contains("テスト境界") && svg.contains("withheld (fewer than 10 respondents)</text>"))
        #expect(svg.contains("<g data-indicator=\"h1\">"))
    }

    struct DistrictPath {
        var group: String
        var value: String
        var fill: String
        var element: String
    }

    /// Every district path of an SVG (or HTML): its group, value, fill and whole element.
    static func districtPaths(_ markup: String) throws -> [DistrictPath] {
        markup.matches(of: /<path data-group="([^"]*)" data-value="([^"]*)" d="[^"]*" fill="([^"]*)"[^>]*>.*?<\/path>/).map {
            DistrictPath(group: String($0.1), value: String($0.2), fill: String($0.3), element: String($0.0))
        }
    }
}

/// The demo's maps through the built executable: the report's fills against `indicators --format json`, and
/// `--format geojson` read back by Python.
@Suite(.serialized) struct MapOutputTests {
    static func estimates() throws -> [[String: Any]] {
        let object = try AnalysisCommandTests.json(["indicators", "--period", "2025", "--survey", "lwc"])
        return try #require(object["estimates"] as? [[String: Any]])
    }

    @Test func everyPathIsFilledWithTheClassOfItsJSONValue() throws {
        let folder = try TemporaryFolder()
        let run = try AnalysisCommandTests.run(["report", "--period", "2025", "--survey", "lwc", "--format", "html",
                                                "--out", folder.path, "--maps", "c01,c02"])
        #expect(run.status == 0, "\(run.errors)")
        let html = try String(contentsOfFile: folder.file("lwc-2025.html"), encoding: .utf8)
        let estimates = try Self.estimates()
        let maps = html.matches(of: /<g data-indicator="([^"]*)">\n(.*?)<\/g>/.dotMatchesNewlines())
        // The six headline questions (h1–h4, f1, f2), then c01 and c02 on request.
        #expect(maps.map { String($0.1) } == ["h1", "h2", "h3", "h4", "f1", "f2", "c01", "c02"])
        let instrument = try InstrumentLoader.load(path: Paths.survey("examples/fujisawa.yaml")).instrument
        var withheldSeen = 0
        for map in maps {
            let indicator = String(map.1)
            let itemID = instrument.categories.first { $0.id.rawValue == indicator }?.itemIDs.first ?? ItemID(indicator)
            let scale = instrument.scale(of: try #require(instrument.items.first { $0.id == itemID }))
            let breaks = ChoroplethMap.breaks(minimum: scale.minimum, maximum: scale.maximum)
            let paths = try ChoroplethTests.districtPaths(String(map.2))
            #expect(paths.count == 13)
            for path in paths {
                let estimate = try #require(estimates.first { $0["indicator"] as? String == indicator && $0["group"] as? String == path.group })
                if estimate["suppressed"] as? Bool == true {
                    withheldSeen += 1
                    #expect(path.value == "withheld" && path.fill == ChoroplethMap.withheldFill)
                    // Nothing of a withheld district's figures: its title names the reason only (the 10 of min_n).
                    let title = try #require(path.element.firstMatch(of: /<title>([^<]*)<\/title>/)?.1)
                    let digits = title.filter { $0.isASCII && $0.isNumber }
                    #expect(digits == "10" || digits.isEmpty, "\(title)")
                    #expect(!path.element.contains("data-n") && !path.element.contains("mean"))
                } else {
                    let mean = try #require(estimate["mean"] as? Double)
                    #expect(path.fill == ChoroplethMap.palette[ChoroplethMap.classIndex(of: mean, breaks: breaks)], "\(indicator) \(path.group)")
                    #expect(path.value == ReportText.number(mean, 2))
                }
            }
        }
        #expect(withheldSeen >= 16)  // 遠藤 (n < 10) and 御所見 (its complement) on every map
        // A report asked for a map of something the instrument does not have: a usage error.
        let unknown = try AnalysisCommandTests.run(["report", "--period", "2025", "--survey", "lwc", "--format", "html",
                                                    "--out", folder.path, "--maps", "zz9"])
        #expect(unknown.status == 64 && unknown.errors.contains("--maps names 'zz9'"))
    }

    @Test func theGeoJSONOutputReadBackByPythonEqualsTheJSON() throws {
        let folder = try TemporaryFolder()
        let geojson = folder.file("districts.geojson"), json = folder.file("indicators.json")
        let run = try AnalysisCommandTests.run(["indicators", "--period", "2025", "--survey", "lwc", "--format", "geojson",
                                                "--output", geojson])
        #expect(run.status == 0, "\(run.errors)")
        let plain = try AnalysisCommandTests.run(["indicators", "--period", "2025", "--survey", "lwc", "--format", "json",
                                                  "--output", json])
        #expect(plain.status == 0)
        let script = """
            import json, math, sys
            layer = json.load(open(sys.argv[1], encoding="utf-8"))
            results = json.load(open(sys.argv[2], encoding="utf-8"))
            assert layer["type"] == "FeatureCollection" and layer["period"] == results["period"]
            estimates = {(e["group"], e["indicator"]): e for e in results["estimates"] if e["group"] is not None}
            indicators = sorted({e["indicator"] for e in results["estimates"]})
            checked = withheld = 0
            for feature in layer["features"]:
                props = feature["properties"]
                geometry = feature["geometry"]
                assert geometry["type"] == "MultiPolygon"
                for polygon in geometry["coordinates"]:
                    for ring in polygon:
                        assert len(ring) >= 4 and ring[0] == ring[-1]
                        assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
                district = props["district"]
                for indicator in indicators:
                    e = estimates[(district, indicator)]
                    keys = {k for k in props if k.startswith(indicator + "_")}
                    if e["suppressed"]:
                        assert keys == {indicator + "_withheld"}, (district, indicator, keys)
                        withheld += 1
                        continue
                    for name in ["n", "mean", "se", "ci_low", "ci_high", "top2", "deviation", "unstable"]:
                        assert props[indicator + "_" + name] == e[name], (district, indicator, name)
                    checked += 1
            assert len(layer["features"]) == 13
            print(checked, withheld)
            """
        // The script prints its counts last; a failed assertion prints its traceback to standard error and nothing here.
        let printed = try SpreadsheetRoundTripTests.python(script, [geojson, json])
        let counts = printed.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(counts.count == 2 && counts[0] > 300 && counts[1] >= 60, "\(printed)")
        // No withheld figure anywhere in the file: 遠藤's features carry reasons only.
        let text = try String(contentsOfFile: geojson, encoding: .utf8)
        #expect(!text.contains("\"district\":\"遠藤\"") || text.contains("\"c01_withheld\""))
    }

    @Test func geojsonNeedsBoundariesAndTheInstrumentsGroups() throws {
        let folder = try TemporaryFolder()
        let run = try AnalysisCommandTests.run(["indicators", "--period", "2025", "--survey", "lwc", "--format", "geojson",
                                                "--by", "性別", "--output", folder.file("x.geojson")])
        #expect(run.status == 64 && run.errors.contains("cannot be combined with --by"))
        let staff = try AnalysisCommandTests.run(["indicators", "--period", "2025", "--survey", "staff-dx", "--format", "geojson"])
        #expect(staff.status == 64 && staff.errors.contains("no district boundaries for staff-dx"))
        let batches = try AnalysisCommandTests.run(["batches", "--format", "geojson"])
        #expect(batches.status == 64)
    }
}
