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
    /// The EBLUP γ·direct + (1 − γ)·synthetic for a group in the model; the synthetic estimate x'β̂ for a
    /// withheld group, which its own answers do not enter.
    public var estimate: Double
    public var mse: Double
    public var rmse: Double { mse.squareRoot() }
    /// RMSE / estimate.
    public var cv: Double { rmse / abs(estimate) }
    /// γ = Â/(Â + ψ): the weight of the group's own (direct) estimate; nil for a synthetic estimate.
    public var shrinkage: Double?
    /// ψ, the sampling variance the model was given (the SE² this tool prints); nil for a synthetic estimate.
    public var samplingVariance: Double?
    /// The group's direct estimate is withheld, so the model was fitted without it and this is the synthetic
    /// estimate x'β̂ with the MSE of an area outside the fit, Â + x'V(β̂)x.
    public var synthetic: Bool
    /// Withheld from reports: CV above 30 %.
    public var withheld: Bool { !(cv <= SmallAreaOptions.maximumCV) }

    enum CodingKeys: String, CodingKey {
        case estimate, mse, rmse, cv, shrinkage, psi, synthetic, withheld
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(estimate, forKey: .estimate)
        try container.encode(mse, forKey: .mse)
        try container.encode(rmse, forKey: .rmse)
        try container.encode(cv, forKey: .cv)
        try container.encode(shrinkage, forKey: .shrinkage)
        try container.encode(samplingVariance, forKey: .psi)
        try container.encode(synthetic, forKey: .synthetic)
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
    /// The groups the model was fitted to (those whose direct estimates are published).
    public var groups: Int
}

/// The inputs of one indicator's model: per group whose direct estimate is published, y_d and ψ_d (DESIGN §13).
struct SmallAreaInput: Sendable {
    var group: Int
    var n: Int
    var direct: Double
    var psi: Double

    /// y_d = the published direct mean and ψ_d = its SE², for every group of `indicator` whose estimate is
    /// published (not withheld, with a positive SE), in group order. A withheld mean never enters the model:
    /// the EBLUP is linear in it and β̂ a weighted mean of all of them, so either would give it back.
    static func published(_ estimates: [IndicatorEstimate], indicator: IndicatorID, groups: [GroupName]) -> [SmallAreaInput] {
        let position = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($0.element, $0.offset) })
        return estimates.compactMap { estimate -> SmallAreaInput? in
            guard estimate.indicator == indicator, !estimate.suppressed, let group = estimate.group.flatMap({ position[$0] }),
                  let mean = estimate.mean, let se = estimate.standardError, se > 0 else { return nil }
            return SmallAreaInput(group: group, n: estimate.n, direct: mean, psi: se * se)
        }.sorted { $0.group < $1.group }
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
            /// The covariate row of a group: 1, then its KPI values; nil when one has no value for it.
            func row(_ group: GroupName) -> [Double]? {
                var row = [1.0]
                for covariate in options.covariates {
                    guard let value = covariate.values[group] else { return nil }
                    row.append(value)
                }
                return row
            }
            var x: [[Double]] = []
            for area in areas {
                guard let values = row(groups[area.group]) else {
                    let missing = options.covariates.first { $0.values[groups[area.group]] == nil }!
                    throw WellBeingError(.usage, Message(.covariateMissing, ["covariate": missing.name,
                                                                             "group": groups[area.group].rawValue]))
                }
                x.append(values)
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
            var fitted = Set<Int>()
            for (area, modelled) in zip(areas, fit.areas) {
                guard let index = position["\(indicator.rawValue)\u{1F}\(groups[area.group].rawValue)"] else { continue }
                fitted.insert(index)
                result[index].smallArea = SmallAreaEstimate(estimate: modelled.estimate, mse: modelled.mse,
                                                            shrinkage: modelled.shrinkage, samplingVariance: area.psi,
                                                            synthetic: false)
            }
            // Every other group of the indicator (its direct estimate withheld): the synthetic estimate.
            for group in groups {
                guard let index = position["\(indicator.rawValue)\u{1F}\(group.rawValue)"], !fitted.contains(index),
                      let values = row(group) else { continue }
                let outside = fit.synthetic(x: values)
                result[index].smallArea = SmallAreaEstimate(estimate: outside.estimate, mse: outside.mse, shrinkage: nil,
                                                            samplingVariance: nil, synthetic: true)
            }
        }
        var notes: [AnalysisNote] = []
        if !synthetic.isEmpty { notes.append(.smallAreaSynthetic(synthetic, covariates: !options.covariates.isEmpty)) }
        if !fallback.isEmpty { notes.append(.smallAreaFallback(fallback)) }
        if !unfitted.isEmpty { notes.append(.smallAreaNotFitted(unfitted)) }
        return (result, fits, notes)
    }
}
