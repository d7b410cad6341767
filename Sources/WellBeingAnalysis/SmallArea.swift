import Foundation
import WellBeingCore

/// Choices for small-area estimates (`--small-area fh`, DESIGN §13).
public struct SmallAreaOptions: Sendable {
    /// How the between-group variance is estimated (`--sae-method`).
    public var method: FayHerriot.Method
    /// Covariates besides the intercept (`--sae-covariates`): each one's name and its value in every group.
    public var covariates: [Covariate]
    /// The KPI ids the covariates are to be read from (the caller looks their values up for the period).
    public var covariateKPIs: [String] = []
    /// Model estimates with a larger coefficient of variation are withheld.
    public static let maximumCV = 0.3

    /// A group-level covariate: a KPI's values in the period.
    public struct Covariate: Sendable {
        public var name: String
        public var values: [GroupName: Double]
        public init(name: String, values: [GroupName: Double]) {
            self.name = name
            self.values = values
        }
    }

    public init(method: FayHerriot.Method = .reml, covariates: [Covariate] = []) {
        self.method = method
        self.covariates = covariates
    }
}

/// A group's model-based estimate (the `sae` object of an estimate).
public struct SmallAreaEstimate: Sendable, Hashable, Encodable {
    /// The EBLUP: γ·direct + (1 − γ)·synthetic.
    public var estimate: Double
    public var mse: Double
    public var rmse: Double { mse.squareRoot() }
    /// RMSE / estimate.
    public var cv: Double { rmse / abs(estimate) }
    /// γ = Â/(Â + ψ): the weight of the group's own (direct) estimate.
    public var shrinkage: Double
    /// ψ, the sampling variance the model was given, and where it came from: the SE² this tool prints, or the
    /// pooled ("smoothed") variance for a group under `--min-n`.
    public var samplingVariance: Double
    public var samplingVarianceSource: String
    /// Withheld from reports: CV above 30 %.
    public var withheld: Bool { !(cv <= SmallAreaOptions.maximumCV) }

    enum CodingKeys: String, CodingKey {
        case estimate, mse, rmse, cv, shrinkage, psi, psiSource = "psi_source", withheld
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(estimate, forKey: .estimate)
        try container.encode(mse, forKey: .mse)
        try container.encode(rmse, forKey: .rmse)
        try container.encode(cv, forKey: .cv)
        try container.encode(shrinkage, forKey: .shrinkage)
        try container.encode(samplingVariance, forKey: .psi)
        try container.encode(samplingVarianceSource, forKey: .psiSource)
        try container.encode(withheld, forKey: .withheld)
    }
}

/// One indicator's Fay–Herriot fit (an entry of the JSON's `small_area`).
public struct SmallAreaFit: Sendable, Hashable, Encodable {
    public struct Coefficient: Sendable, Hashable, Encodable {
        public var name: String
        public var estimate: Double
        public var se: Double
    }

    public var indicator: IndicatorID
    public var method: FayHerriot.Method
    /// Â, the variance between groups beyond sampling error.
    public var variance: Double
    public var iterations: Int
    public var converged: Bool
    public var fallback: Bool
    public var coefficients: [Coefficient]
    /// The groups the model was fitted to (those with at least two respondents).
    public var groups: Int
}

/// The inputs of one indicator's model: per group with at least two respondents, y_d and ψ_d (DESIGN §13).
struct SmallAreaInput: Sendable {
    var group: Int
    var n: Int
    var direct: Double
    var psi: Double
    var smoothed: Bool
}

extension Accumulation {
    /// y_d = the direct weighted mean and ψ_d = its SE² when n_d ≥ `--min-n`, else the smoothed
    /// ψ_d = s²·Σw²/(Σw)² with s² = Σ w(y − ȳ_d)²/Σ w pooled over every group with n ≥ 2.
    func smallAreaInputs(indicator: Int, id: IndicatorID, groups: [GroupName], cells: CalibrationCells,
                         options: AnalysisOptions) -> [SmallAreaInput] {
        var unsuppressed = options
        unsuppressed.minimumN = 1
        var perGroup: [(group: Int, estimate: IndicatorEstimate, sumW: Double, sumW2: Double)] = []
        var pooledSquares = 0.0, pooledWeight = 0.0
        for group in groups.indices {
            let cellSums = groupSums(indicator: indicator, group: group)
            guard cellSums[Slot.count] >= 2, cellSums[Slot.sumW] > 0 else { continue }
            let estimate = self.estimate(indicator: indicator, id: id, group: group, cells: cells,
                                         options: unsuppressed, groups: groups)
            pooledSquares += cellSums[Slot.sumWY2] - cellSums[Slot.sumWY] * cellSums[Slot.sumWY] / cellSums[Slot.sumW]
            pooledWeight += cellSums[Slot.sumW]
            perGroup.append((group, estimate, cellSums[Slot.sumW], cellSums[Slot.sumW2]))
        }
        let pooled = pooledWeight > 0 ? max(0, pooledSquares) / pooledWeight : 0
        return perGroup.compactMap { entry in
            guard let mean = entry.estimate.mean else { return nil }
            if entry.estimate.n >= options.minimumN, let se = entry.estimate.standardError, se > 0 {
                return SmallAreaInput(group: entry.group, n: entry.estimate.n, direct: mean, psi: se * se, smoothed: false)
            }
            return SmallAreaInput(group: entry.group, n: entry.estimate.n, direct: mean,
                                  psi: pooled * entry.sumW2 / (entry.sumW * entry.sumW), smoothed: true)
        }
    }
}

/// Fits the Fay–Herriot model per indicator and attaches each group's model estimate (DESIGN §13).
enum SmallAreaEstimation {
    /// - Returns: the estimates with `smallArea` set for the groups in each model, the fits, and the notes.
    /// - Throws: `usage` when a covariate has no value for a group in the model.
    static func apply(to estimates: [IndicatorEstimate], inputs: [(IndicatorID, [SmallAreaInput])], groups: [GroupName],
                      options: SmallAreaOptions) throws -> ([IndicatorEstimate], [SmallAreaFit], [AnalysisNote]) {
        var result = estimates
        var fits: [SmallAreaFit] = []
        var synthetic: [IndicatorID] = [], fallback: [IndicatorID] = [], unfitted: [IndicatorID] = []
        let position = Dictionary(uniqueKeysWithValues: result.indices.compactMap { index in
            result[index].group.map { ("\(result[index].indicator.rawValue)\u{1F}\($0.rawValue)", index) }
        })
        for (indicator, areas) in inputs {
            var x: [[Double]] = []
            for area in areas {
                var row = [1.0]
                for covariate in options.covariates {
                    guard let value = covariate.values[groups[area.group]] else {
                        throw WellBeingError(.usage, Message(.covariateMissing, ["covariate": covariate.name,
                                                                                 "group": groups[area.group].rawValue]))
                    }
                    row.append(value)
                }
                x.append(row)
            }
            guard let fit = FayHerriot.fit(y: areas.map(\.direct), psi: areas.map(\.psi), x: x, method: options.method) else {
                unfitted.append(indicator)
                continue
            }
            if fit.variance == 0 { synthetic.append(indicator) }
            if fit.fallback { fallback.append(indicator) }
            let names = ["(Intercept)"] + options.covariates.map(\.name)
            fits.append(SmallAreaFit(
                indicator: indicator, method: options.method, variance: fit.variance, iterations: fit.iterations,
                converged: fit.converged, fallback: fit.fallback,
                coefficients: names.indices.map { SmallAreaFit.Coefficient(name: names[$0], estimate: fit.coefficients[$0],
                                                                           se: fit.coefficientStandardErrors[$0]) },
                groups: areas.count))
            for (area, modelled) in zip(areas, fit.areas) {
                guard let index = position["\(indicator.rawValue)\u{1F}\(groups[area.group].rawValue)"] else { continue }
                result[index].smallArea = SmallAreaEstimate(estimate: modelled.estimate, mse: modelled.mse,
                                                            shrinkage: modelled.shrinkage, samplingVariance: area.psi,
                                                            samplingVarianceSource: area.smoothed ? "smoothed" : "se")
            }
        }
        var notes: [AnalysisNote] = []
        if !synthetic.isEmpty { notes.append(.smallAreaSynthetic(synthetic, covariates: !options.covariates.isEmpty)) }
        if !fallback.isEmpty { notes.append(.smallAreaFallback(fallback)) }
        if !unfitted.isEmpty { notes.append(.smallAreaNotFitted(unfitted)) }
        return (result, fits, notes)
    }
}
