import Foundation
import WellBeingCore

/// The text of a new local version of an instrument (`wellbeing instruments new city.yaml --extends lwc`):
/// `extends:` the base, a version and title to change, the city's districts and two questions of its own,
/// each commented in Japanese for the clerk who fills them in. It loads as it is written, so that the
/// clerk starts from a file that works and changes one thing at a time.
public enum LocalVersionTemplate {
    /// The template extending `base` (loaded), which the new file names as `extendsName`.
    public static func text(extending base: Instrument, extendsName: String, fileName: String) -> String {
        let scaleIDs = base.scales.keys.sorted()
        // The scale most of the base's questions use: the natural one for the city's own questions.
        let counts = Dictionary(base.items.map { ($0.scaleID, 1) }, uniquingKeysWith: +)
        let scale = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? scaleIDs.first ?? ""
        let taken = Set(base.items.map(\.id.rawValue))
        var prefix = "own"
        while taken.contains(prefix + "1") || taken.contains(prefix + "2") { prefix += "_" }
        let groupLabel = base.respondent.group.label.ja
        let groupColumn = base.respondent.group.column.name
        var lines: [String] = []
        lines += [
            "# \(base.title.ja)（\(base.id.rawValue) \(base.version)）の、この市の版（ローカル版）です。",
            "# `wellbeing instruments new` が書いた雛形です。このままでも読み込めますが、地区名と市独自の設問は",
            "# 例なので、必ず書き換えてください。設問・回答の尺度・年代などの項目は、extends: に書いた調査票から",
            "# そのまま引き継がれます。ここに書くのは、足すものだけです（基の設問を書き換えることはできません）。",
            "#",
            "# 書き換えたら、まず試しに読み込んで確かめてください（ストアには何も書きません）:",
            "#   wellbeing import responses 回答.csv --instrument \(fileName) --dry-run",
            "",
            "# 基にする調査票。wellbeing に同梱のもの（wellbeing instruments で一覧）は名前で、",
            "# 自分の調査票ならこのファイルから見たパスで書きます（例: extends: ../lwc.yaml）。",
            "extends: \(extendsName)",
            "",
            "# この版の名前。調査の年度や改訂が分かるように付けてください。取り込みの記録と報告書に残ります。",
            "version: \(quoted("local-\(Calendar(identifier: .gregorian).component(.year, from: Date()))"))",
            "",
            "# 報告書の表題。「○○市」を市の名前にしてください。",
            "title:",
            "  ja: \(quoted("○○市 " + base.title.ja))",
            "  en: \(quoted((base.title.en ?? base.title.ja) + " (local version)"))",
            "",
        ]
        if base.respondent.group.values.isEmpty {
            lines += [
                "respondent:",
                "  group:",
                "    # \(groupLabel)の一覧。回答ファイルの「\(groupColumn)」列に書かれる名前と一字一句同じにしてください",
                "    # （全角・半角の違いも区別します）。一覧にない名前の行は、取り込みのときに誤りとして報告されます。",
                "    # 列見出しが違うときは、その見出しを aliases: に足します（例: aliases: [お住まいの地区]）。",
                "    values: [北部, 中部, 南部]",
                "",
            ]
        } else {
            lines += [
                "# \(groupLabel)（\(base.respondent.group.values.map(\.rawValue).joined(separator: "、"))）は基の調査票のものを使います。",
                "# 増やすときは、次の 3 行の # を外して、足す名前を書いてください。",
                "# respondent:",
                "#   group:",
                "#     values: [足す名前]",
                "",
            ]
        }
        lines += [
            "# 市独自の設問。1 問ごとに「- id:」から始めます。要らなければ headline: から下を消してください。",
            "#   id:     英数字の短い名前。基の調査票の設問と重ならないものにします。",
            "#   name:   報告書の表に出る短い名前。",
            "#   text:   設問文。",
            "#   column: 回答ファイルの列見出し（省略すると id と同じ）。",
            "#   scale:  回答の尺度。基の調査票にあるもの: \(scaleIDs.joined(separator: ", "))。",
            "headline:",
            "  - id: \(prefix)1",
            "    name: {ja: 定住意向, en: \"Wish to stay\"}",
            "    text: {ja: これからもこの市に住み続けたいと思う, en: \"I want to go on living in this city.\"}",
            "    column: \(prefix)1",
            "    scale: \(scale)",
            "  - id: \(prefix)2",
            "    name: {ja: 市政の身近さ, en: \"City hall feels close\"}",
            "    text: {ja: 市の取組や情報発信を身近に感じる, en: \"I feel close to the city's work and the news it gives.\"}",
            "    column: \(prefix)2",
            "    scale: \(scale)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escaped += String(format: "\\x%02X", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "\"" + escaped + "\""
    }
}
