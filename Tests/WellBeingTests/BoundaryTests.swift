import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingReport
@testable import WellBeingStore
import WellBeingWorkspace

/// GeoJSON text for the tests: squares near 35°N 139.5°E, features with properties, collections.
enum GeoJSONText {
    /// A closed square ring with its south-west corner at (lon, lat).
    static func square(_ lon: Double, _ lat: Double, _ size: Double = 0.01) -> String {
        "[[\(lon),\(lat)],[\(lon + size),\(lat)],[\(lon + size),\(lat + size)],[\(lon),\(lat + size)],[\(lon),\(lat)]]"
    }

    static func polygon(_ rings: String...) -> String { "{\"type\":\"Polygon\",\"coordinates\":[\(rings.joined(separator: ","))]}" }

    static func feature(_ district: String, _ geometry: String, key: String = "地区") -> String {
        "{\"type\":\"Feature\",\"properties\":{\"\(key)\":\"\(district)\"},\"geometry\":\(geometry)}"
    }

    /// One feature per line, as ogr2ogr writes them.
    static func collection(_ features: [String]) -> String {
        "{\"type\":\"FeatureCollection\",\"features\":[\n" + features.joined(separator: ",\n") + "\n]}\n"
    }

    /// A valid file of the mini instrument's districts: 髙島 one square, 北区 two; ①番町 none.
    static let valid = collection([
        feature("髙島", polygon(square(139.50, 35.30))),
        feature("北区", polygon(square(139.51, 35.30))),
        feature("北区", "{\"type\":\"MultiPolygon\",\"coordinates\":[[\(square(139.51, 35.31))],[\(square(139.53, 35.31, 0.002))]]}"),
    ])
}

/// `import boundaries`: what is stored, and every refusal, each naming its feature.
@Suite struct BoundaryImportTests {
    let folder: TemporaryFolder
    let store: SurveyStore
    let instrument: Instrument

    init() throws {
        folder = try TemporaryFolder()
        store = try SurveyStore(path: folder.file("store.sqlite"))
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        instrument = try miniInstrument().instrument
    }

    func read(_ text: String, mapping: String? = nil) throws -> BoundaryFile {
        let path = try folder.write("b-\(UUID().uuidString).geojson", text)
        let mappingPath = try mapping.map { try folder.write("areas-\(UUID().uuidString).csv", $0) }
        return try BoundaryFile.read(path: path, key: "地区", mappingPath: mappingPath, credit: "test credit", instrument: instrument)
    }

    @Test func aValidFileIsStoredAsOneBatchAndReadBack() throws {
        let file = try read(GeoJSONText.valid)
        #expect(file.districtsWithoutArea == [GroupName("①番町")])
        let outcome = try store.importBoundaries(file, key: "地区", survey: SurveyID("mini"), replace: false)
        #expect(outcome.areaCount == 3 && outcome.districtCount == 2)
        let stored = try #require(try store.boundaries(survey: SurveyID("mini")))
        #expect(stored.credit == "test credit")
        #expect(stored.districts == [GroupName("髙島"), GroupName("北区")])
        #expect(stored.areas[2].polygons.count == 2)
        for (read, original) in zip(stored.areas.flatMap(\.polygons).flatMap { $0 }.flatMap { $0 },
                                    file.boundaries.areas.flatMap(\.polygons).flatMap { $0 }.flatMap { $0 }) {
            #expect(abs(read.longitude - original.longitude) <= 0.5e-7 && abs(read.latitude - original.latitude) <= 0.5e-7)
        }
        // A batch like any other: listed, refused a second time, replaced on request, taken back by undo.
        let batch = try #require(try store.batches().last)
        #expect(batch.kind == .boundaries && batch.rowCount == 3)
        let again = wellBeingError { _ = try store.importBoundaries(file, key: "地区", survey: SurveyID("mini"), replace: false) }
        #expect(again?.kind == .badData)
        let other = try read(GeoJSONText.collection([GeoJSONText.feature("①番町", GeoJSONText.polygon(GeoJSONText.square(139.6, 35.3)))]))
        let second = wellBeingError { _ = try store.importBoundaries(other, key: "地区", survey: SurveyID("mini"), replace: false) }
        #expect(second?.text(in: .en).contains("already has district boundaries") == true)
        let replaced = try store.importBoundaries(other, key: "地区", survey: SurveyID("mini"), replace: true)
        #expect(try store.boundaries(survey: SurveyID("mini"))?.districts == [GroupName("①番町")])
        try store.undo(batchID: replaced.batchID)
        #expect(try store.boundaries(survey: SurveyID("mini")) == nil)
    }

    /// One hostile or broken file each, and what the refusal must say.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var says: [String]
        var testDescription: String { name }
    }

    static let refusals: [Case] = {
        typealias G = GeoJSONText
        let bad = { (geometry: String) in G.collection([G.feature("髙島", geometry)]) }
        return [
            Case(name: "a district not in the instrument", text: G.collection([G.feature("南区", G.polygon(G.square(139.5, 35.3)))]),
                 says: ["feature 1", "'南区'", "not a district", "髙島"]),
            Case(name: "longitude out of range", text: bad(G.polygon(G.square(185, 35.3))), says: ["feature 1", "outside longitude", "EPSG:4326"]),
            Case(name: "projected metres", text: bad(G.polygon(G.square(-30512.5, -52190.25, 100))), says: ["feature 1", "(-30512.5, -52190.25)"]),
            Case(name: "an unclosed ring", text: bad(G.polygon("[[139.5,35.3],[139.51,35.3],[139.51,35.31],[139.5,35.31]]")),
                 says: ["feature 1", "ring 1 of polygon 1 is not closed"]),
            Case(name: "a ring of three positions", text: bad(G.polygon("[[139.5,35.3],[139.51,35.3],[139.5,35.3]]")),
                 says: ["ring 1 of polygon 1 has 3 position(s)"]),
            Case(name: "a point", text: bad("{\"type\":\"Point\",\"coordinates\":[139.5,35.3]}"), says: ["feature 1", "is a Point"]),
            Case(name: "a line", text: bad("{\"type\":\"LineString\",\"coordinates\":[[139.5,35.3],[139.6,35.3]]}"), says: ["is a LineString"]),
            Case(name: "no geometry", text: bad("null"), says: ["feature 1", "has no geometry"]),
            Case(name: "NaN coordinates", text: bad(G.polygon("[[139.5,35.3],[NaN,35.3],[139.51,35.31],[139.5,35.3]]")),
                 says: ["position 2 of ring 1 of polygon 1 is not a finite number"]),
            Case(name: "infinite coordinates", text: bad(G.polygon("[[139.5,35.3],[1e999,35.3],[139.51,-Infinity],[139.5,35.3]]")),
                 says: ["position 2", "not a finite number"]),
            Case(name: "coordinates of the wrong shape", text: bad(G.polygon("[139.5,35.3]")), says: ["coordinates are not lists of rings"]),
            Case(name: "a position of one number", text: bad(G.polygon("[[139.5],[139.51,35.3],[139.51,35.31],[139.5]]")),
                 says: ["coordinates are not lists of rings"]),
            Case(name: "no key property", text: G.collection([G.feature("髙島", G.polygon(G.square(139.5, 35.3)), key: "name")]),
                 says: ["feature 1", "no property '地区'", "name"]),
            Case(name: "a single feature", text: G.feature("髙島", G.polygon(G.square(139.5, 35.3))), says: ["not a GeoJSON FeatureCollection", "'Feature'"]),
            Case(name: "no features", text: "{\"type\":\"FeatureCollection\",\"features\":[]}", says: ["has no features"]),
            Case(name: "a projected CRS", text: "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::6677\"}},\"features\":[]}",
                 says: ["EPSG::6677", "ogr2ogr -f GeoJSON -t_srs EPSG:4326"]),
            Case(name: "deeply nested arrays", text: "{\"type\":\"FeatureCollection\",\"features\":" + String(repeating: "[", count: 100_000),
                 says: ["line 1", "nested more than 32 deep"]),
            Case(name: "deeply nested objects", text: String(repeating: "{\"a\":", count: 50_000), says: ["nested more than 32 deep"]),
            Case(name: "a truncated file", text: String(G.valid.dropLast(30)), says: ["line 4", "ends in the middle"]),
            Case(name: "not JSON", text: "type,features\n1,2\n", says: ["line 1, column 1", "unexpected 'type,feat"]),
            Case(name: "text after the document", text: G.valid + "{}", says: ["line 6", "more after the end"]),
        ]
    }()

    @Test(arguments: refusals)
    func refused(_ example: Case) throws {
        let error = try #require(wellBeingError { _ = try read(example.text) })
        #expect(error.kind == .badData)
        let text = error.text(in: .en)
        for phrase in example.says { #expect(text.contains(phrase), "\(text)") }
        #expect(!error.text(in: .ja).isEmpty)
        #expect(try store.boundaries(survey: SurveyID("mini")) == nil)
    }

    @Test func everyProblemIsListedWithItsFeatureAndLine() throws {
        typealias G = GeoJSONText
        let text = G.collection([
            G.feature("髙島", G.polygon(G.square(139.5, 35.3))),
            G.feature("南区", G.polygon(G.square(139.5, 35.3))),
            G.feature("北区", G.polygon("[[139.5,35.3],[139.51,35.3],[139.51,35.31],[139.5,35.31]]")),
            G.feature("北区", "{\"type\":\"Point\",\"coordinates\":[139.5,35.3]}"),
        ])
        let error = try #require(wellBeingError { _ = try read(text) })
        #expect(error.problems.count == 3)
        let lines = error.problems.map { $0.text(in: .en) }
        #expect(lines[0].hasPrefix("b-") && lines[0].contains(".geojson:3: feature 2 (地区 '南区')"))
        #expect(lines[1].contains(":4: feature 3 (地区 '北区'): ring 1 of polygon 1 is not closed"))
        #expect(lines[2].contains(":5: feature 4"))
        #expect(error.problems[0].text(in: .ja).contains("地物 2 番（地区 '南区'）"))
    }

    @Test func aFileOverTheCapIsRefusedFromItsSize() throws {
        // A sparse file of 1 GB: refused before a byte is read (no memory, no time).
        let path = folder.file("huge.geojson")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{\"type\":".utf8)))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
        let started = Date()
        let error = try #require(wellBeingError {
            _ = try BoundaryFile.read(path: path, key: "地区", mappingPath: nil, credit: nil, instrument: instrument)
        })
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(error.kind == .badData)
        #expect(error.text(in: .en).contains("'huge.geojson' is 1024 MB, over the 100 MB limit"))
    }

    @Test func aMappingBridgesAreasToDistricts() throws {
        typealias G = GeoJSONText
        let text = G.collection([
            G.feature("一丁目", G.polygon(G.square(139.50, 35.30))),
            G.feature("二丁目", G.polygon(G.square(139.51, 35.30))),
            G.feature("三丁目", G.polygon(G.square(139.52, 35.30))),
        ])
        let file = try read(text, mapping: "area,district\n一丁目,北区\n二丁目,北区\n三丁目,髙島\n二丁目,北区\n四丁目,髙島\n")
        #expect(file.boundaries.areas.map(\.district.rawValue) == ["北区", "北区", "髙島"])
        #expect(file.boundaries.areas.map(\.name) == ["一丁目", "二丁目", "三丁目"])
        #expect(file.unusedMappingAreas == ["四丁目"])
        // An area given to two districts, and a district the instrument lacks: refused at their lines.
        let twice = try #require(wellBeingError { _ = try read(text, mapping: "area,district\n一丁目,北区\n二丁目,北区\n一丁目,髙島\n三丁目,西区\n") })
        let lines = twice.problems.map { $0.text(in: .en) }
        #expect(lines.count == 2)
        #expect(lines[0].contains(":4: column district (2): '髙島' cannot also be the district of '一丁目', which line 2 gives to '北区'"))
        #expect(lines[1].contains(":5: column district (2): '西区' is not a district"))
        // A feature whose area the mapping lacks.
        let missing = try #require(wellBeingError { _ = try read(text, mapping: "area,district\n一丁目,北区\n二丁目,北区\n") })
        #expect(missing.problems.map { $0.text(in: .en) } .contains { $0.contains("feature 3 (地区 '三丁目'): '三丁目' is not in the mapping file") })
    }

    @Test func numericKeysAreReadAsCodes() throws {
        let text = GeoJSONText.collection(["{\"type\":\"Feature\",\"properties\":{\"KEY_CODE\":141310010},\"geometry\":"
                                           + GeoJSONText.polygon(GeoJSONText.square(139.5, 35.3)) + "}"])
        let path = try folder.write("codes.geojson", text)
        let mapping = try folder.write("codes.csv", "area,district\n141310010,北区\n")
        let file = try BoundaryFile.read(path: path, key: "KEY_CODE", mappingPath: mapping, credit: nil, instrument: instrument)
        #expect(file.boundaries.areas.first?.name == "141310010")
    }

    @Test func theGeometryEncodingRoundTripsAndRefusesDamage() throws {
        let polygons = try read(GeoJSONText.valid).boundaries.areas[2].polygons
        let data = BoundaryGeometry.encode(polygons)
        #expect(data.count == 4 + 2 * 4 + 2 * (4 + 5 * 8))
        #expect(BoundaryGeometry.decode(data)?.count == 2)
        #expect(BoundaryGeometry.decode(data.dropLast()) == nil)
        #expect(BoundaryGeometry.decode(Data([0xFF, 0xFF, 0xFF, 0xFF])) == nil)
    }
}

/// Boundaries through the built executable: the command, the stores made before migration 006.
@Suite struct BoundaryCommandTests {
    @Test func aStoreFromBeforeTheMigrationTakesBoundaries() throws {
        let folder = try TemporaryFolder()
        let store = folder.file("store.sqlite")
        try FileManager.default.copyItem(atPath: Paths.fixture("stores/schema-004.sqlite"), toPath: store)
        let geojson = try folder.write("districts.geojson", GeoJSONText.valid)
        let run = try CommandLineTests.run(["import", "boundaries", geojson, "--key", "地区", "--store", store,
                                            "--credit", "テスト"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains("imported 3 area(s) of 2 district(s) from 'districts.geojson' as batch 5."))
        #expect(run.errors.contains("No boundary for 1 district(s): ①番町"))
        let batches = try CommandLineTests.run(["batches", "--store", store, "--format", "json"], in: folder.path)
        #expect(batches.output.contains("\"kind\" : \"boundaries\""))
        #expect(try SurveyStore(path: store).batches().map(\.kind) == [.responses, .kpis, .population, .reference, .boundaries])
    }

    @Test func refusalsExitWithBadDataAndWriteNothing() throws {
        let folder = try TemporaryFolder()
        let store = folder.file("store.sqlite")
        try FileManager.default.copyItem(atPath: Paths.fixture("stores/schema-004.sqlite"), toPath: store)
        let geojson = try folder.write("bad.geojson", GeoJSONText.collection([
            GeoJSONText.feature("南区", GeoJSONText.polygon(GeoJSONText.square(139.5, 35.3)))]))
        let run = try CommandLineTests.run(["import", "boundaries", geojson, "--key", "地区", "--store", store], in: folder.path)
        #expect(run.status == 65)
        #expect(run.errors.contains("bad.geojson:2: feature 1 (地区 '南区')"))
        let japanese = try CommandLineTests.run(["import", "boundaries", geojson, "--key", "地区", "--store", store],
                                                environment: ["WELLBEING_LANG": "ja"], in: folder.path)
        #expect(japanese.errors.contains("地物 1 番（地区 '南区'）"))
        #expect(try SurveyStore(path: store).batches().count == 4)
    }
}

/// Boundaries on every backend: the same geometry back, one set per survey, undo.
@Suite struct BoundaryBackendTests {
    @Test(arguments: StoreBackendKind.available)
    func boundariesRoundTrip(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let store = try SurveyStore(path: try backend.newLocation(in: folder))
        defer { store.close() }
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let path = try folder.write("districts.geojson", GeoJSONText.valid)
        let file = try BoundaryFile.read(path: path, key: "地区", mappingPath: nil, credit: "出典: テスト", instrument: try miniInstrument().instrument)
        let outcome = try store.importBoundaries(file, key: "地区", survey: SurveyID("mini"), replace: false)
        let stored = try #require(try store.boundaries(survey: SurveyID("mini")))
        #expect(stored.credit == "出典: テスト" && stored.areas.map(\.name) == ["髙島", "北区", "北区"])
        #expect(stored.areas.map { $0.polygons.map { $0.map(\.count) } } == [[[5]], [[5]], [[5], [5]]])
        #expect(abs(stored.areas[2].polygons[1][0][1].longitude - 139.532) < 1e-9)
        let again = try store.importBoundaries(file, key: "地区", survey: SurveyID("mini"), replace: true)
        #expect(try store.batches().map(\.kind) == [.responses, .boundaries] && again.batchID != outcome.batchID)
        try store.undo(batchID: again.batchID)
        #expect(try store.boundaries(survey: SurveyID("mini")) == nil)
    }
}
