import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis

/// The Fay–Herriot fit against the exact replay of R `sae` 1.3 (`eblupFH`/`mseFH`, REML) in
/// `../shared/fixtures/strat-4000/`: the same inputs (`fh_inputs.csv`), every output to 1e-10.
@Suite struct FayHerriotTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var period: String, indicator: String
        var groups: [String], n: [Int], y: [Double], psi: [Double]
        var testDescription: String { "\(period) \(indicator)" }
    }

    static let cases: [Case] = {
        let path = (Paths.shared as NSString).appendingPathComponent("fixtures/strat-4000/fh_inputs.csv")
        let lines = (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").dropFirst() ?? []
        var byKey: [String: Case] = [:], order: [String] = []
        for line in lines {
            let fields = line.split(separator: ",").map(String.init)  // period, indicator, group, n, y, psi
            let key = fields[0] + " " + fields[1]
            if byKey[key] == nil { byKey[key] = Case(period: fields[0], indicator: fields[1], groups: [], n: [], y: [], psi: []); order.append(key) }
            byKey[key]!.groups.append(fields[2])
            byKey[key]!.n.append(Int(fields[3])!)
            byKey[key]!.y.append(Double(fields[4])!)
            byKey[key]!.psi.append(Double(fields[5])!)
        }
        return order.map { byKey[$0]! }
    }()

    static var reference: [String: Any] {
        let path = (Paths.shared as NSString).appendingPathComponent("fixtures/strat-4000/reference_fh.json")
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    }

    static func close(_ actual: Double, _ expected: Any?, _ tolerance: Double = 1e-10) -> Bool {
        guard let expected = expected as? Double ?? (expected as? NSNumber)?.doubleValue else { return false }
        return abs(actual - expected) <= tolerance * max(abs(expected), 1e-300)
    }

    @Test func everyFixtureModelIsThere() {
        #expect(Self.cases.count == 52)
    }

    @Test(arguments: cases)
    func fitEqualsSae(_ example: Case) throws {
        let expected = (Self.reference["periods"] as! [String: Any])[example.period] as! [String: Any]
        let model = expected[example.indicator] as! [String: Any]
        let fit = try #require(FayHerriot.fit(y: example.y, psi: example.psi, x: example.y.map { _ in [1.0] }))
        let reference = model["fit"] as! [String: Any]
        #expect(Self.close(fit.variance, reference["variance"]), "Â \(fit.variance)")
        #expect(fit.iterations == reference["iterations"] as? Int)
        #expect(fit.converged == reference["converged"] as? Bool && fit.fallback == reference["fallback"] as? Bool)
        #expect(Self.close(fit.logLikelihood, reference["loglike"]))
        let coefficient = (reference["coefficients"] as! [[String: Any]])[0]
        #expect(Self.close(fit.coefficients[0], coefficient["estimate"]) && Self.close(fit.coefficientStandardErrors[0], coefficient["se"]))
        let areas = model["areas"] as! [String: [String: Any]]
        #expect(areas.count == example.groups.count)
        for (group, area) in zip(example.groups, fit.areas) {
            let wanted = try #require(areas[group])
            #expect(Self.close(area.estimate, wanted["estimate"]), "\(group) estimate")
            #expect(Self.close(area.mse, wanted["mse"]), "\(group) mse")
            #expect(Self.close(area.rmse, wanted["rmse"]), "\(group) rmse")
            #expect(Self.close(area.shrinkage, wanted["shrinkage"]), "\(group) shrinkage")
            #expect(Self.close(area.g1, wanted["g1"]) && Self.close(area.g2, wanted["g2"]) && Self.close(area.g3, wanted["g3"]))
        }
    }

    @Test(arguments: cases)
    func properties(_ example: Case) throws {
        let fit = try #require(FayHerriot.fit(y: example.y, psi: example.psi, x: example.y.map { _ in [1.0] }))
        for (index, area) in fit.areas.enumerated() {
            // Shrinkage in [0, 1]; the EBLUP between the direct and the synthetic estimate; for groups with
            // n ≥ 10 (ψ their own SE²) the model estimate is no less precise than the direct one, except where
            // Â = 0: then every group gets the synthetic estimate and the g3 term alone can exceed ψ (sae gives
            // the same: 2025 life_satisfaction, 鵠沼, MSE 0.01134 against ψ 0.01106).
            #expect(area.shrinkage >= 0 && area.shrinkage <= 1)
            let low = min(example.y[index], fit.coefficients[0]), high = max(example.y[index], fit.coefficients[0])
            #expect(area.estimate >= low - 1e-12 && area.estimate <= high + 1e-12)
            if example.n[index] >= 10 && fit.variance > 0 {
                #expect(area.mse <= example.psi[index] * (1 + 1e-12), "\(example.groups[index])")
            }
            #expect(area.g1 <= example.psi[index])
        }
    }

    @Test func degenerateInputsGiveNoFitRatherThanNaN() {
        #expect(FayHerriot.fit(y: [3.1], psi: [0.01], x: [[1]]) == nil)  // one area
        #expect(FayHerriot.fit(y: [3.1, 3.2, 3.3], psi: [0.01, 0, 0.02], x: [[1], [1], [1]]) == nil)  // ψ = 0
        #expect(FayHerriot.fit(y: [3.1, 3.2, 3.3], psi: [0.01, 0.02, 0.03], x: [[1, 2], [1, 2], [1, 2]]) == nil)  // singular
        // All areas equal: no between-area variance, every area gets the synthetic estimate.
        let equal = FayHerriot.fit(y: [3, 3, 3, 3], psi: [0.01, 0.02, 0.01, 0.03], x: [[1], [1], [1], [1]])
        #expect(equal?.variance == 0)
        #expect(equal?.areas.allSatisfy { abs($0.estimate - 3) < 1e-12 && $0.shrinkage == 0 } == true)
    }

    @Test func theFallbackFindsTheRootOfTheScore() {
        let y = [3.0, 3.4, 2.9, 3.6, 3.1, 3.3], psi = [0.01, 0.02, 0.015, 0.01, 0.03, 0.02]
        let x = y.map { _ in [1.0] }
        let root = FayHerriot.fallbackRoot(y: y, psi: psi, x: x)
        #expect(root > 0)
        #expect(abs(FayHerriot.scoreAndInformation(a: root, y: y, psi: psi, x: x).0) < 1e-9)
        // The converged Fisher scoring ends near the same root (sae stops at a relative change of 1e-4).
        let fit = FayHerriot.fit(y: y, psi: psi, x: x)!
        #expect(abs(fit.variance - root) / root < 1e-3)
    }
}

/// ML and FH (`--sae-method`), for which the fixture has no sae output: each estimator is checked against
/// its own defining equation, computed here independently of the scoring code, on the fixture's inputs.
@Suite struct FayHerriotMethodTests {
    /// The profile log-likelihood at A (β̂ the GLS fit at A).
    static func profileLogLikelihood(_ a: Double, y: [Double], psi: [Double]) -> Double {
        let weights = psi.map { 1 / (a + $0) }
        let beta = zip(weights, y).reduce(0.0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
        return -0.5 * zip(y, psi).reduce(0.0) { total, pair in
            total + log(a + pair.1) + (pair.0 - beta) * (pair.0 - beta) / (a + pair.1)
        }
    }

    @Test(arguments: FayHerriotTests.cases)
    func mlMaximisesTheLikelihood(_ example: FayHerriotTests.Case) throws {
        let intercept = example.y.map { _ in [1.0] }
        let fit = try #require(FayHerriot.fit(y: example.y, psi: example.psi, x: intercept, method: .ml))
        #expect(fit.method == .ml)
        // Golden-section search of the profile likelihood on [0, 10·max ψ + var(y)].
        let mean = example.y.reduce(0, +) / Double(example.y.count)
        var low = 0.0, high = 10 * (example.psi.max()! + example.y.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) })
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<200 {
            let left = high - ratio * (high - low), right = low + ratio * (high - low)
            if Self.profileLogLikelihood(left, y: example.y, psi: example.psi) < Self.profileLogLikelihood(right, y: example.y, psi: example.psi) {
                low = left
            } else {
                high = right
            }
        }
        let maximum = (low + high) / 2
        let scale = example.psi.reduce(0, +) / Double(example.psi.count)
        #expect(abs(fit.variance - maximum) <= 2e-3 * max(maximum, scale), "ML Â \(fit.variance) vs argmax \(maximum)")
        // ML shrinks A below REML's (it ignores the degree of freedom spent on β).
        let reml = try #require(FayHerriot.fit(y: example.y, psi: example.psi, x: intercept))
        #expect(fit.variance <= reml.variance + 1e-12)
        for area in fit.areas { #expect(area.mse.isFinite && area.mse > 0 && area.shrinkage >= 0 && area.shrinkage <= 1) }
    }

    @Test(arguments: FayHerriotTests.cases)
    func fhSolvesTheMomentEquation(_ example: FayHerriotTests.Case) throws {
        let intercept = example.y.map { _ in [1.0] }
        let fit = try #require(FayHerriot.fit(y: example.y, psi: example.psi, x: intercept, method: .fh))
        // Σ (y − β̂)²/(Â + ψ) = m − p, or Â = 0 where even A = 0 leaves it below m − p.
        func moment(_ a: Double) -> Double {
            let weights = example.psi.map { 1 / (a + $0) }
            let beta = zip(weights, example.y).reduce(0.0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
            return zip(example.y, weights).reduce(0.0) { $0 + ($1.0 - beta) * ($1.0 - beta) * $1.1 } - Double(example.y.count - 1)
        }
        if fit.variance == 0 {
            #expect(moment(0) <= 1e-9)
        } else {
            #expect(abs(moment(fit.variance)) <= 1e-3 * Double(example.y.count), "moment at Â: \(moment(fit.variance))")
        }
        for area in fit.areas { #expect(area.mse.isFinite && area.mse > 0) }
    }

    /// sae's bias correction for ML, b = −tr(Q·X'V⁻²X)/ΣV⁻², with an intercept only is −1/ΣV⁻¹, so the ML MSE is
    /// the REML formula's plus B²/ΣV⁻¹ at the same Â.
    @Test func mlBiasTermWithAnInterceptOnly() throws {
        let example = FayHerriotTests.cases[0]
        let fit = try #require(FayHerriot.fit(y: example.y, psi: example.psi, x: example.y.map { _ in [1.0] }, method: .ml))
        let sumVInverse = example.psi.reduce(0.0) { $0 + 1 / (fit.variance + $1) }
        for (area, psi) in zip(fit.areas, example.psi) {
            let b = psi / (fit.variance + psi)
            let expected = area.g1 + area.g2 + 2 * area.g3 + b * b / sumVInverse
            #expect(abs(area.mse - expected) <= 1e-12 * expected)
        }
    }
}
