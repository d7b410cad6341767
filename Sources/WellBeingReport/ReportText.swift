import Foundation
import WellBeingAnalysis
import WellBeingCore

/// The fixed wording of reports in Japanese and English.
struct ReportText {
    let language: Language

    func callAsFunction(_ ja: String, _ en: String) -> String { language == .ja ? ja : en }

    var summary: String { self("概要", "Summary") }
    var method: String { self("データと方法", "Data and method") }
    var headline: String { self("総合指標（主観的評価）", "Headline indicators") }
    var profile: String { self("カテゴリー別プロフィール（レーダーチャート）", "Category profile (radar charts)") }
    /// The group × category table's title, with the instrument's word for its groups (地区, 階層, …).
    func groupTable(_ groupLabel: LocalizedText) -> String {
        self("\(groupLabel.ja) × カテゴリーの偏差値", "Deviation scores by \(groupLabel.text(in: .en).lowercased()) and category")
    }
    var gaps: String { self("主観と客観のギャップ", "Subjective versus objective") }
    var drivers: String { self("重要度 × 満足度", "Importance × satisfaction") }
    var changes: String { self("前回調査からの変化", "Changes since the previous survey") }
    var reliability: String { self("信頼性（クロンバックの α）", "Reliability (Cronbach's α)") }
    var targets: String { self("目標階層とスキル", "Skills and their target tiers") }
    var mindset: String { self("DXマインドの階層別概況", "DX mindset by tier") }
    var comments: String { self("自由記述", "Free-text comments") }
    var provenance: String { self("出典と処理の記録", "Provenance") }
    var wholeArea: String { self("全体", "All") }
    /// The mark of a withheld value, by its reason: 秘匿※1 too few respondents, 秘匿※2 withheld to protect another.
    func withheld(_ reason: WithheldReason) -> String {
        switch reason {
        case .fewRespondents: return self("秘匿※1", "withheld¹")
        case .protectsAnother: return self("秘匿※2", "withheld²")
        }
    }
    /// The mark of a model estimate withheld because its CV exceeds 30 %.
    var withheldModel: String { self("秘匿※3", "withheld³") }
    /// The legend of a withheld mark.
    func withheldLegend(_ reason: WithheldReason, minimumN: Int, groupLabel: LocalizedText) -> String {
        switch reason {
        case .fewRespondents:
            return self("秘匿※1: 回答者 \(minimumN) 人未満のため秘匿。", "withheld¹: fewer than \(minimumN) respondents.")
        case .protectsAnother:
            return self("秘匿※2: 回答者は \(minimumN) 人以上ですが、※1 の値が全体の値からの差し引きで分からないよう、合わせて秘匿（二次秘匿）。",
                        "withheld²: \(minimumN) or more respondents, withheld too so that a withheld¹ value cannot be worked out from the whole area's by subtraction (secondary suppression).")
        }
    }
    var withheldModelLegend: String {
        self("秘匿※3: モデル推定値の CV（RMSE ÷ 推定値）が 30% を超えるため秘匿。", "withheld³: the model estimate's CV (RMSE ÷ estimate) exceeds 30%.")
    }
    /// The reminder that figures describe, not rank, worded for what the groups are (districts, staff tiers).
    func caution(groupLabel: LocalizedText) -> String {
        self("これらの数値は各\(groupLabel.ja)の特徴を表すものであり、順位付けではありません。回答者数が少ない\(groupLabel.ja)の推定値は信頼区間の幅をもって読んでください。",
             "These figures describe the character of each \(groupLabel.text(in: .en).lowercased()); they are not a ranking. Read estimates from few respondents with their intervals.")
    }

    /// The weighting's name; `detail` (how raking converged) goes inside its one pair of brackets.
    func weightingName(_ weighting: String, detail: String? = nil) -> String {
        switch weighting {
        case "raked":
            return self("レイキング（人口構成に合わせた重み付け" + (detail.map { "。\($0)" } ?? "") + "）",
                        "raked to the population margins" + (detail.map { " (\($0))" } ?? ""))
        case "design": return self("設計ウェイト", "design weights")
        default: return self("重み付けなし", "unweighted")
        }
    }

    /// The kind of an imported file, as the provenance table names it.
    func batchKind(_ kind: String) -> String {
        switch kind {
        case "responses": return self("回答", "responses")
        case "population": return self("人口", "population")
        case "kpis": return self("客観指標", "KPIs")
        case "sample": return self("配布数", "numbers drawn")
        case "reference": return self("比較値・参照値", "benchmarks and reference figures")
        case "targets": return self("計画の目標", "plan targets")
        case "boundaries": return self("地区境界", "district boundaries")
        default: return kind
        }
    }

    func quadrantName(_ quadrant: String) -> String {
        switch quadrant {
        case "priority": return self("重点改善", "Priority")
        case "strength": return self("強み", "Strength")
        case "maintain": return self("維持", "Maintain")
        default: return self("経過観察", "Monitor")
        }
    }

    /// A number with fixed decimals, as every report prints it.
    /// Whether a text has kana or kanji in it (a unit such as 人/千人 has; %, ㎡ and km have not).
    static func hasJapaneseScript(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.isIdeographic || (0x3040...0x30FF).contains($0.value) }
    }

    static func number(_ value: Double?, _ decimals: Int) -> String {
        value.map { ResultTable.fixed($0, decimals: decimals) } ?? "—"
    }

    static func percent(_ value: Double?) -> String {
        value.map { ResultTable.fixed($0 * 100, decimals: 1) + "%" } ?? "—"
    }
}

/// Hides e-mail addresses and telephone numbers in free text, full-width forms included.
public enum PersonalDataMask {
    private static let email = try! NSRegularExpression(pattern: #"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"#)
    private static let phone = try! NSRegularExpression(pattern: #"\+?\d[\d\-‐−ー() ]{7,}\d"#)

    /// `taro@example.jp` → `[メール]`; a run of 10 or more digits with phone separators (`090-1234-5678`,
    /// `0466(25)1111`, `+81 466 25 1111`, `０９０－１２３４－５６７８`) → `[電話番号]`. Dates and short numbers stay.
    public static func mask(_ text: String) -> String {
        // Match on the compatibility-normalised text (full-width → half-width), replace in the original.
        let characters = Array(text)
        var normalized = ""
        var starts: [Int] = []
        for character in characters {
            starts.append(normalized.utf16.count)
            normalized += String(character).precomposedStringWithCompatibilityMapping
        }
        starts.append(normalized.utf16.count)
        let whole = NSRange(location: 0, length: normalized.utf16.count)
        var spans: [(range: Range<Int>, replacement: String)] = []
        for match in email.matches(in: normalized, range: whole) {
            spans.append((match.range.location..<(match.range.location + match.range.length), "[メール]"))
        }
        let source = normalized as NSString
        for match in phone.matches(in: normalized, range: whole) {
            let range = match.range.location..<(match.range.location + match.range.length)
            let digits = source.substring(with: match.range).filter(\.isNumber).count
            if digits >= 10 && !spans.contains(where: { $0.range.overlaps(range) }) { spans.append((range, "[電話番号]")) }
        }
        guard !spans.isEmpty else { return text }
        spans.sort { $0.range.lowerBound < $1.range.lowerBound }
        var output = ""
        var index = 0
        var next = 0
        while index < characters.count {
            if next < spans.count && starts[index] >= spans[next].range.lowerBound {
                output += spans[next].replacement
                while index < characters.count && starts[index] < spans[next].range.upperBound { index += 1 }
                next += 1
                continue
            }
            output.append(characters[index])
            index += 1
        }
        return output
    }
}
