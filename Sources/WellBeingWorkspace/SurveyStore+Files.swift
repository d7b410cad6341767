import Foundation
import WellBeingCore
import WellBeingIngest
import WellBeingStore

// The store takes values and opened sources, never paths of input files: these read the files (WellBeingIngest)
// and hand what they read to the store (WellBeingStore), for every front end alike.

extension SurveyStore {
    /// Opens (or creates) the store at `location`, reading its instruments as YAML; see
    /// `init(path:busyTimeout:access:instruments:)`.
    public convenience init(path location: String, busyTimeout: TimeInterval = 10, access: StoreAccess = .writeOrCreate) throws {
        try self.init(path: location, busyTimeout: busyTimeout, access: access, instruments: .yaml)
    }

    /// Runs `body` on the store at `location`, creating it only when `body` succeeds; see
    /// `creatingOnSuccess(_:busyTimeout:instruments:_:)`.
    public static func creatingOnSuccess<T>(_ location: String, busyTimeout: TimeInterval = 10,
                                            _ body: (SurveyStore) throws -> T) throws -> T {
        try creatingOnSuccess(location, busyTimeout: busyTimeout, instruments: .yaml, body)
    }

    /// A private store in memory, for tests and dry runs without a store.
    public convenience init(inMemory: Void = ()) throws {
        try self.init(inMemory: (), instruments: .yaml)
    }

    /// Copies every batch of the store at `source` into the new or empty store at `destination`; see
    /// `copy(from:to:instruments:)`.
    public static func copy(from source: String, to destination: String) throws -> StoreCopyOutcome {
        try copy(from: source, to: destination, instruments: .yaml)
    }

    /// Imports a KPI catalogue (`catalogPath`) and its values (`kpi,group,period,value` in `valuesPath`) as one
    /// batch.
    public func importKPIs(valuesPath: String, catalogPath: String, survey requested: String?,
                           encoding: TextEncoding?, sheet: String? = nil, replace: Bool) throws -> SmallImportOutcome {
        let (survey, instrument) = try surveyInstrument(requested)
        let (catalog, _) = try KPICatalogLoader.load(path: catalogPath, instrument: instrument)
        let table = try TableFile.read(path: valuesPath, encoding: encoding, sheet: sheet)
        let values = try ObjectiveDataParser.kpiValues(table, catalog: catalog, instrument: instrument)
        return try importKPIs(values, rows: table.rows.map(table.location(of:)), catalog: catalog,
                              catalogFileName: (catalogPath as NSString).lastPathComponent, survey: survey,
                              table: table.imported, replace: replace)
    }

    /// Imports population counts by respondent fields (`path`), and the margins to rake to, for one period or all.
    public func importPopulation(path: String, survey requested: String?, period: PeriodLabel?, marginSpec: String?,
                                 encoding: TextEncoding?, sheet: String? = nil, replace: Bool) throws -> SmallImportOutcome {
        let (survey, instrument, table) = try surveyTable(requested, path: path, encoding: encoding, sheet: sheet)
        let population = try ObjectiveDataParser.population(table, instrument: instrument, marginSpec: marginSpec)
        return try importPopulation(population, survey: survey, period: period, table: table.imported, replace: replace)
    }

    /// Imports reference figures (`indicator,mean,sd,source` in `path`) for one period or all.
    public func importReference(path: String, survey requested: String?, period: PeriodLabel?, encoding: TextEncoding?,
                                sheet: String? = nil, replace: Bool) throws -> SmallImportOutcome {
        let (survey, instrument, table) = try surveyTable(requested, path: path, encoding: encoding, sheet: sheet)
        let kpiIDs = try knownKPIIDs(survey: survey)
        let figures = try ObjectiveDataParser.referenceFigures(table, instrument: instrument, kpiIDs: kpiIDs)
        return try importReference(figures, survey: survey, period: period, table: table.imported, replace: replace)
    }

    /// Imports how many people were drawn into the sample, by stratum (`path`), for one period or all.
    public func importSample(path: String, survey requested: String?, period: PeriodLabel?, encoding: TextEncoding?,
                             sheet: String? = nil, replace: Bool) throws -> SmallImportOutcome {
        let (survey, instrument, table) = try surveyTable(requested, path: path, encoding: encoding, sheet: sheet)
        let sample = try ObjectiveDataParser.sampleSizes(table, instrument: instrument)
        return try importSample(sample, survey: survey, period: period, table: table.imported, replace: replace)
    }

    /// The survey a small import goes to (the one named, or the store's only one) and its latest instrument.
    private func surveyInstrument(_ requested: String?) throws -> (SurveyID, Instrument) {
        let survey = try resolveSurvey(requested)
        return (survey, try instrument(for: survey).instrument)
    }

    /// The survey and instrument of a small import, and its table read from `path`.
    private func surveyTable(_ requested: String?, path: String, encoding: TextEncoding?,
                             sheet: String?) throws -> (SurveyID, Instrument, TableFile) {
        let (survey, instrument) = try surveyInstrument(requested)
        return (survey, instrument, try TableFile.read(path: path, encoding: encoding, sheet: sheet))
    }

    /// Stores the checked boundaries of `file` as one batch of `survey`'s; see
    /// `importBoundaries(_:key:survey:file:replace:)`.
    public func importBoundaries(_ file: BoundaryFile, key: String, survey: SurveyID, replace: Bool) throws -> BoundaryImportOutcome {
        var outcome = try importBoundaries(file.boundaries, key: key, survey: survey,
                                           file: ImportedFile(fileName: file.fileName, sha256: file.sha256, encodingName: "GeoJSON"),
                                           replace: replace)
        outcome.districtsWithoutArea = file.districtsWithoutArea
        outcome.unusedMappingAreas = file.unusedMappingAreas
        return outcome
    }

    /// Imports a plan's target table (`path`) as one batch of `survey`; see
    /// `importTargets(_:survey:table:sheet:replace:)`.
    public func importTargets(path: String, survey requested: String?, encoding: TextEncoding?, sheet: String? = nil,
                              replace: Bool) throws -> SmallImportOutcome {
        let (survey, instrument) = try surveyInstrument(requested)
        let catalog = try kpiCatalog(survey: survey)
        let table = try TableFile.read(path: path, encoding: encoding, sheet: sheet)
        let rows = try TargetTableParser.targets(table, instrument: instrument, catalog: catalog)
        return try importTargets(rows, survey: survey, table: table.imported, sheet: table.sheet, replace: replace)
    }
}
