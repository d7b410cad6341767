import Foundation

/// The area-level Fay–Herriot model, fitted exactly as R `sae` 1.3 `eblupFH` / `mseFH` (REML, ML or FH).
///
/// Each area d has a direct estimate y_d with a known sampling variance ψ_d; the model is
/// y_d = x_d'β + u_d + e_d with u_d ~ N(0, A) and e_d ~ N(0, ψ_d). The between-area variance A is found by
/// Fisher scoring from median(ψ), A ← A + S/F, with S = −½ tr P + ½ y'P²y and F = ½ tr P²,
/// P = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹, stopping when |ΔA/A| ≤ 1e-4 or after 100 steps; Â = max(last iterate, 0),
/// as sae does (the last iterate, not the exact root). Where sae gives up (100 steps without converging),
/// Â = 0 when S(0) ≤ 0, else the root of S on [0, 10·var(y)] by bisection, and the fit says `fallback`.
///
/// Each area's EBLUP is x_d'β̂ + γ_d(y_d − x_d'β̂) with shrinkage γ_d = Â/(Â + ψ_d), and its MSE is
/// g1 + g2 + 2·g3 (Prasad–Rao, as `mseFH` with REML), less sae's bias term b·B_d² for ML and FH. A pure
/// function of its inputs: no survey data here.
public enum FayHerriot {
    /// How A is estimated, as sae's `method`.
    public enum Method: String, Sendable, CaseIterable, Codable {
        /// Restricted maximum likelihood (sae's default): S = −½ tr P + ½ y'P²y, F = ½ tr P².
        case reml = "REML"
        /// Maximum likelihood: S = −½ Σ V⁻¹ + ½ y'P²y, F = ½ Σ V⁻².
        case ml = "ML"
        /// Fay and Herriot's moment method: S = Σ (y − Xβ̂)²/V − (m − p), F = Σ V⁻¹.
        case fh = "FH"
    }

    /// The fit of one model.
    public struct Fit: Sendable, Hashable {
        /// Â, the between-area variance.
        public var variance: Double
        public var iterations: Int
        /// Whether Fisher scoring met the stopping rule within 100 steps.
        public var converged: Bool
        /// Â came from the fallback because scoring did not converge.
        public var fallback: Bool
        /// β̂, one per column of X.
        public var coefficients: [Double]
        /// √diag((X'V⁻¹X)⁻¹).
        public var coefficientStandardErrors: [Double]
        /// V(β̂) = (X'V⁻¹X)⁻¹ at Â.
        public var coefficientCovariance: [[Double]]
        /// The log-likelihood at Â, as sae reports it.
        public var logLikelihood: Double
        /// One per area, in input order.
        public var areas: [Area]
        public var method: Method = .reml

        /// The synthetic estimate x'β̂ of an area outside the fit (covariates `x`, the intercept's 1 first) and its
        /// MSE, Â + x'V(β̂)x: the area's own effect u_d plus the error of β̂, which the area did not enter.
        public func synthetic(x: [Double]) -> (estimate: Double, mse: Double) {
            (zip(x, coefficients).reduce(0.0) { $0 + $1.0 * $1.1 }, variance + FayHerriot.quadraticForm(coefficientCovariance, x))
        }
    }

    /// The model-based estimate of one area.
    public struct Area: Sendable, Hashable {
        public var estimate: Double
        public var mse: Double
        /// γ_d = Â/(Â + ψ_d): the weight of the direct estimate.
        public var shrinkage: Double
        public var g1: Double, g2: Double, g3: Double
        public var rmse: Double { mse.squareRoot() }
    }

    /// The precision and step limit of sae's Fisher scoring.
    public static let precision = 1e-4
    public static let maximumIterations = 100

    /// Fits the model to direct estimates `y` with sampling variances `psi` and covariates `x` (one row per
    /// area; an intercept column is the caller's: `[[1], [1], …]` for the intercept-only model).
    ///
    /// - Returns: nil when the model cannot be fitted: no more areas than covariates, a ψ that is not a
    ///   positive number, or covariates that do not vary independently (a singular X'V⁻¹X).
    public static func fit(y: [Double], psi: [Double], x: [[Double]], method: Method = .reml) -> Fit? {
        let m = y.count
        guard m == psi.count, m == x.count, let p = x.first?.count, p > 0, m > p,
              psi.allSatisfy({ $0 > 0 && $0.isFinite }), y.allSatisfy(\.isFinite) else { return nil }
        guard inverse(crossProduct(x, weights: psi.map { 1 / $0 })).joined().allSatisfy(\.isFinite) else { return nil }
        var estimate = median(psi)
        var iterations = 0
        var change = precision + 1
        while change > precision && iterations < maximumIterations {
            iterations += 1
            let (score, information) = scoreAndInformation(a: estimate, y: y, psi: psi, x: x, method: method)
            let next = estimate + score / information
            change = abs((next - estimate) / estimate)
            estimate = next
        }
        let converged = !(iterations >= maximumIterations && change >= precision)
        var fallback = false
        var a = max(estimate, 0)
        if !converged {
            fallback = true
            a = fallbackRoot(y: y, psi: psi, x: x, method: method)
        }
        // β̂, its SEs, the EBLUPs and their MSEs at Â.
        let vInverse = psi.map { 1 / (a + $0) }
        let q = inverse(crossProduct(x, weights: vInverse))
        let xtViY = (0..<x[0].count).map { j in (0..<m).reduce(0.0) { $0 + x[$1][j] * vInverse[$1] * y[$1] } }
        let beta = multiply(q, xtViY)
        let fitted = x.map { row in zip(row, beta).reduce(0.0) { $0 + $1.0 * $1.1 } }
        let residuals = zip(y, fitted).map { $0 - $1 }
        let logLikelihood = -0.5 * (0..<m).reduce(0.0) { total, d in
            total + log(2 * Double.pi * (a + psi[d])) + residuals[d] * residuals[d] / (a + psi[d])
        }
        let sumVInverse = vInverse.reduce(0, +)
        let sumVInverseSquared = vInverse.reduce(0.0) { $0 + $1 * $1 }
        // The asymptotic variance of Â, and (ML, FH) its asymptotic bias, as mseFH.
        let varianceOfA: Double, bias: Double
        switch method {
        case .reml:
            (varianceOfA, bias) = (2 / sumVInverseSquared, 0)
        case .ml:
            // b = −tr(Q · X' diag(V⁻²) X) / Σ V⁻².
            let weighted = crossProduct(x, weights: vInverse.map { $0 * $0 })
            var trace = 0.0
            for i in 0..<q.count { for k in 0..<q.count { trace += q[i][k] * weighted[k][i] } }
            (varianceOfA, bias) = (2 / sumVInverseSquared, -trace / sumVInverseSquared)
        case .fh:
            let md = Double(m)
            (varianceOfA, bias) = (2 * md / (sumVInverse * sumVInverse),
                                   2 * (md * sumVInverseSquared - sumVInverse * sumVInverse) / (sumVInverse * sumVInverse * sumVInverse))
        }
        let areas = (0..<m).map { d -> Area in
            let shrinkage = a / (a + psi[d])
            let b = psi[d] / (a + psi[d])
            let g1 = psi[d] * (1 - b)
            let g2 = b * b * quadraticForm(q, x[d])
            let g3 = b * b * varianceOfA / (a + psi[d])
            return Area(estimate: fitted[d] + shrinkage * residuals[d], mse: g1 + g2 + 2 * g3 - bias * b * b,
                        shrinkage: shrinkage, g1: g1, g2: g2, g3: g3)
        }
        return Fit(variance: a, iterations: iterations, converged: converged, fallback: fallback, coefficients: beta,
                   coefficientStandardErrors: (0..<beta.count).map { q[$0][$0].squareRoot() }, coefficientCovariance: q,
                   logLikelihood: logLikelihood, areas: areas, method: method)
    }

    /// The method's score S and information F at A, as sae computes them.
    static func scoreAndInformation(a: Double, y: [Double], psi: [Double], x: [[Double]],
                                    method: Method = .reml) -> (Double, Double) {
        let m = y.count
        let vInverse = psi.map { 1 / (a + $0) }
        let q = inverse(crossProduct(x, weights: vInverse))
        if method == .fh {
            // S = Σ (y − Xβ̂)²·V⁻¹ − (m − p) with β̂ the GLS fit at A; F = Σ V⁻¹.
            let xtViY = (0..<x[0].count).map { j in (0..<m).reduce(0.0) { $0 + x[$1][j] * vInverse[$1] * y[$1] } }
            let beta = multiply(q, xtViY)
            var sum = 0.0
            for d in 0..<m {
                let residual = y[d] - zip(x[d], beta).reduce(0.0) { $0 + $1.0 * $1.1 }
                sum += residual * residual * vInverse[d]
            }
            return (sum - Double(m - x[0].count), vInverse.reduce(0, +))
        }
        // P = diag(V⁻¹) − (V⁻¹X) Q (V⁻¹X)'.
        var p = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for i in 0..<m {
            for j in 0..<m {
                var correction = 0.0
                for k in 0..<q.count {
                    for l in 0..<q.count { correction += vInverse[i] * x[i][k] * q[k][l] * x[j][l] * vInverse[j] }
                }
                p[i][j] = (i == j ? vInverse[i] : 0) - correction
            }
        }
        let py = p.map { row in zip(row, y).reduce(0.0) { $0 + $1.0 * $1.1 } }
        let trace = (0..<m).reduce(0.0) { $0 + p[$1][$1] }
        var traceOfSquare = 0.0
        for i in 0..<m { for j in 0..<m { traceOfSquare += p[i][j] * p[j][i] } }
        let quadratic = 0.5 * py.reduce(0.0) { $0 + $1 * $1 }
        if method == .ml {
            return (-0.5 * vInverse.reduce(0, +) + quadratic, 0.5 * vInverse.reduce(0.0) { $0 + $1 * $1 })
        }
        return (-0.5 * trace + quadratic, 0.5 * traceOfSquare)
    }

    /// Â where scoring did not converge: 0 when S(0) ≤ 0, else the root of S on [0, 10·var(y)] by bisection.
    static func fallbackRoot(y: [Double], psi: [Double], x: [[Double]], method: Method = .reml) -> Double {
        func score(_ a: Double) -> Double { scoreAndInformation(a: a, y: y, psi: psi, x: x, method: method).0 }
        guard score(0) > 0 else { return 0 }
        let mean = y.reduce(0, +) / Double(y.count)
        var high = 10 * y.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(y.count - 1)
        var low = 0.0
        if score(high) > 0 { return high }
        for _ in 0..<200 where high - low > 1e-15 * max(high, 1e-300) {
            let middle = (low + high) / 2
            if score(middle) > 0 { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    // MARK: Small dense algebra (p × p with p the number of covariates)

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// X' diag(w) X.
    static func crossProduct(_ x: [[Double]], weights: [Double]) -> [[Double]] {
        let p = x[0].count
        var result = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for (row, w) in zip(x, weights) {
            for i in 0..<p { for j in 0..<p { result[i][j] += row[i] * w * row[j] } }
        }
        return result
    }

    /// The inverse of a small symmetric positive-definite matrix, by Gauss–Jordan elimination with pivoting.
    static func inverse(_ matrix: [[Double]]) -> [[Double]] {
        let n = matrix.count
        var a = matrix
        var result = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            a.swapAt(column, pivot)
            result.swapAt(column, pivot)
            let divisor = a[column][column]
            for j in 0..<n { a[column][j] /= divisor; result[column][j] /= divisor }
            for i in 0..<n where i != column {
                let factor = a[i][column]
                for j in 0..<n { a[i][j] -= factor * a[column][j]; result[i][j] -= factor * result[column][j] }
            }
        }
        return result
    }

    static func multiply(_ matrix: [[Double]], _ vector: [Double]) -> [Double] {
        matrix.map { row in zip(row, vector).reduce(0.0) { $0 + $1.0 * $1.1 } }
    }

    static func quadraticForm(_ matrix: [[Double]], _ vector: [Double]) -> Double {
        zip(vector, multiply(matrix, vector)).reduce(0.0) { $0 + $1.0 * $1.1 }
    }
}
