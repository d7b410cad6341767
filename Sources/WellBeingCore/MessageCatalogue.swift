/// Every catalogued message, once. The raw value is the key; `MessageCatalogue` holds its English and
/// Japanese templates (`{name}` marks a value).
public enum MessageKey: String, Sendable, Hashable, Codable, CaseIterable {
    // Console
    case errorPrefix, notePrefix, wrote, andMore
    // Answers and respondent fields (ResponseParser, AnswerReader)
    case outsideRange, notWholeNumber, notNumberOrLabel, notValidText, groupEmpty, groupNotListed, periodEmpty,
         periodNoYear, notDateOrYear, attributeNotListed, idEmpty, idTwice, idUnusable, idAlreadyImported, weightEmpty,
         weightInvalid, controlCharacter, tooManyValues, fieldCount, textAfterQuote, excelErrorValue, headerTextAfterQuote, headerExcelError
    // Headers and files
    case headerDoesNotFit, headerLacks, headerMatchesTwice, headerTwice, noPeriodColumn, fileEmpty, sheetEmpty,
         noHeader, headerOnly
    // Imports (the store)
    case fileHasProblems, noValidRows, alreadyImported
    // Import summary
    case importedResponses, dryRunResponses, skippedRows, blankLines, ignoredColumns, importedKPIs, importedPopulation,
         importedSample, importedReference, wroteRejects, removedBatch
    // Analysis
    case analysisSummary, analysisWeightingNone, analysisWeightingDesign, analysisWeightingRaked, analysisKish, analysisStrata, analysisStrataFPC, analysisWithheld,
         analysisBy, analysisStandardized, analysisSmallArea, noResponsesForPeriod, noResponsesAtAll, storeMissing
    // Table headers and notes (indicators, compare, drivers, trend, batches)
    case colGroup, colIndicator, colName, colN, colMean, colSE, colCI, colTop2, colDeviation, colNote, colBenchmark,
         colModel, colSubjective, colObjective, colGap, colFlagged, colKPIs, colR, colQuadrant, colFrom, colTo, colDiff,
         colP, colQ, colSignificant, colBatch, colKind, colSurvey, colFile, colRows, colRejected, colPeriods,
         colEncoding, colImported, colSHA256, wholeArea, withheldBelow, unstableBelow, partlyStandardized,
         modelWithheld, significantYes, allPeriods, trendSummary, noBatches, colGapSE, flaggedGap, significantAdjusted,
         onlyUnadjusted, noteWithheldSecondary, noteWithheldFew, noteNoAnswers, noteUnstable, quadrantPriority,
         quadrantStrength, quadrantMaintain, quadrantMonitor
}

/// The templates of every message in English and Japanese.
public enum MessageCatalogue {
    /// The template of `key` in `language`.
    public static func template(_ key: MessageKey, _ language: Language) -> String {
        guard let entry = entries[key] else { return key.rawValue }
        return language == .ja ? entry.ja : entry.en
    }

    /// Key → (English, Japanese). A test checks that every key is here, in both languages, with the same
    /// placeholders.
    public static let entries: [MessageKey: (en: String, ja: String)] = [
        .errorPrefix: ("error: ", "エラー: "),
        .notePrefix: ("note: ", "注: "),
        .wrote: ("wrote {path}", "{path} を書き出しました"),
        .andMore: ("… and {count} more", "… ほか {count} 件"),

        .outsideRange: ("is outside {min}–{max}", "は {min}〜{max} の範囲外です"),
        .notWholeNumber: ("is not a whole number on the scale {min}–{max}", "は {min}〜{max} の整数ではありません"),
        .notNumberOrLabel: ("is neither a number nor an answer label of the scale {scale}",
                            "は {scale} の数値でも選択肢の文言でもありません"),
        .notValidText: ("is not valid {encoding} text", "は {encoding} の文字として読めません"),
        .groupEmpty: ("the {label} (group) is empty", "{label}（区分）が空欄です"),
        .groupNotListed: ("is not one of the instrument's groups: {values}", "は調査票の区分（{values}）のいずれでもありません"),
        .periodEmpty: ("the period is empty", "期間が空欄です"),
        .periodNoYear: ("does not start with a four-digit year", "は 4 桁の西暦年で始まっていません"),
        .notDateOrYear: ("is not a date or a year (a date must be written as 2025-09-01 or 2025/9/1, or be a date cell)",
                         "は日付でも年でもありません（日付は 2025-09-01 や 2025/9/1 の形か、Excel の日付セルにしてください）"),
        .attributeNotListed: ("is not one of: {values}", "は次のいずれでもありません: {values}"),
        .idEmpty: ("the respondent id is empty", "回答者 ID が空欄です"),
        .idTwice: ("appears twice in this file (first on line {line})", "がこのファイルに 2 回あります（最初は {line} 行目）"),
        .idUnusable: ("is not a usable respondent id (invalid text or a control character)",
                      "は回答者 ID として使えません（読めない文字か制御文字を含みます）"),
        .idAlreadyImported: ("was already imported for {survey} {period} {where}",
                             "は {survey} {period} の回答として取り込み済みです（{where}）"),
        .weightEmpty: ("the design weight is empty", "設計ウェイトが空欄です"),
        .weightInvalid: ("is not a design weight (a number ≥ 0)", "は設計ウェイト（0 以上の数値）ではありません"),
        .controlCharacter: ("contains a control character", "に制御文字が含まれています"),
        .tooManyValues: ("the column has more than {max} different values; it cannot be a group or attribute",
                         "この列には {max} 種類を超える値があり、区分や属性にはなりません"),
        .fieldCount: ("has {count} fields but the header has {expected}; check for a missing or extra delimiter, or an unquoted comma",
                      "は {count} 項目ありますが、見出し行は {expected} 項目です。区切り文字の過不足や、引用符で囲まれていないカンマを確認してください"),
        .textAfterQuote: ("has text after its closing quote; quote the whole value and double any quote inside it",
                          "は閉じ引用符の後に文字があります。値全体を引用符で囲み、中の引用符は 2 つ重ねてください"),
        .excelErrorValue: ("is an Excel error value (#N/A, #DIV/0!, #VALUE!, …); correct the formula or clear the cell",
                           "は Excel のエラー値（#N/A、#DIV/0!、#VALUE! など）です。数式を直すかセルを空にしてください"),
        .headerTextAfterQuote: ("a header cell has text after its closing quote; quote the whole name",
                                "見出しのセルで閉じ引用符の後に文字があります。名前全体を引用符で囲んでください"),
        .headerExcelError: ("a header cell is an Excel error value; write the column's name there",
                            "見出しのセルが Excel のエラー値です。列の名前を入れてください"),

        .headerDoesNotFit: ("The header of '{file}' does not fit the instrument '{survey}':",
                            "'{file}' の見出し行が調査票 '{survey}' に合いません:"),
        .headerLacks: ("the header lacks {count} column(s) the instrument '{survey}' needs: {missing}. The header has: {header}",
                       "調査票 '{survey}' に必要な列が {count} 列ありません: {missing}。見出し行にある列: {header}"),
        .headerMatchesTwice: ("columns {columns} both match '{name}'; rename or remove one",
                              "列 {columns} がどちらも '{name}' に当たります。どちらかの名前を変えるか削除してください"),
        .headerTwice: ("this header appears twice (first in column {first})", "この見出しが 2 回あります（最初は {first} 列目）"),
        .noPeriodColumn: ("The instrument '{survey}' has no period column, so give the period with --period (for example --period 2025).",
                          "調査票 '{survey}' には期間の列がないため、--period で期間を指定してください（例: --period 2025）。"),
        .fileEmpty: ("the file is empty; expected a header line naming the columns",
                     "ファイルが空です。1 行目に列の名前を並べた見出し行が必要です"),
        .sheetEmpty: ("the sheet is empty; expected a first row naming the columns",
                      "シートが空です。1 行目に列の名前を並べた見出し行が必要です"),
        .noHeader: ("'{file}' has no header line.", "'{file}' に見出し行がありません。"),
        .headerOnly: ("the file has a header line but no data rows", "見出し行はありますが、データの行がありません"),

        .fileHasProblems: ("'{file}' has {count} problem(s) in {rows} row(s); nothing was imported. Fix them and import again, or use --on-error skip --rejects FILE to import the valid rows:",
                           "'{file}' の {rows} 行に {count} 件の問題があるため、何も取り込んでいません。直してから取り込み直すか、--on-error skip --rejects ファイル名 で正しい行だけを取り込んでください:"),
        .noValidRows: ("'{file}' has no valid respondent rows; nothing was imported.",
                       "'{file}' には正しい回答の行がないため、何も取り込んでいません。"),
        .alreadyImported: ("'{file}' was already imported as batch {batch} ('{earlier}', {when}); nothing was written. Use --replace to import it again in place of batch {batch}, or 'wellbeing undo {batch}'.",
                           "'{file}' はバッチ {batch}（'{earlier}'、{when}）として取り込み済みのため、何も書き込んでいません。バッチ {batch} を置き換えるには --replace を、取り消すには 'wellbeing undo {batch}' を使ってください。"),

        .importedResponses: ("imported {count} respondent(s) from '{file}' ({encoding}) as batch {batch}, period {periods}, into {store}.",
                             "'{file}'（{encoding}）から回答者 {count} 人を期間 {periods} のバッチ {batch} として {store} に取り込みました。"),
        .dryRunResponses: ("dry run: {count} valid row(s) of '{file}' ({encoding}), period {periods}; nothing was written.",
                           "試行: '{file}'（{encoding}）の正しい行は {count} 行、期間 {periods}。何も書き込んでいません。"),
        .skippedRows: ("skipped {count} invalid row(s):", "問題のある {count} 行を飛ばしました:"),
        .blankLines: ("ignored {count} blank line(s).", "空行 {count} 行を無視しました。"),
        .importedKPIs: ("imported {count} KPI value(s) from '{file}' as batch {batch} ({detail}; periods {periods}).",
                        "'{file}' から KPI の値 {count} 件をバッチ {batch} として取り込みました（{detail}、期間 {periods}）。"),
        .importedPopulation: ("imported {count} population cell(s) from '{file}' as batch {batch} ({detail}).",
                              "'{file}' から人口のセル {count} 件をバッチ {batch} として取り込みました（{detail}）。"),
        .importedSample: ("imported {count} stratum size(s) from '{file}' as batch {batch} ({detail}).",
                          "'{file}' から層の配布数 {count} 件をバッチ {batch} として取り込みました（{detail}）。"),
        .importedReference: ("imported {count} reference figure(s) from '{file}' as batch {batch}.",
                             "'{file}' から参照値 {count} 件をバッチ {batch} として取り込みました。"),
        .wroteRejects: ("wrote {count} rejected row(s) to {file}.", "除外した {count} 行を {file} に書き出しました。"),
        .removedBatch: ("removed batch {batch}: {kind} '{file}' ({count} row(s)).", "バッチ {batch} を削除しました: {kind} '{file}'（{count} 行）。"),
        .ignoredColumns: ("columns not in the instrument (not imported): {columns}", "調査票にない列（取り込んでいません）: {columns}"),

        .analysisSummary: ("{survey} {period}: {count} respondents", "{survey} {period}: 回答者 {count} 人"),
        .analysisWeightingNone: (", weighting none", "、重み付けなし"),
        .analysisWeightingDesign: (", weighting design", "、設計ウェイトで重み付け"),
        .analysisWeightingRaked: (", weighting raked", "、レイキングで重み付け"),
        .analysisKish: (", Kish design effect {deff}", "、キッシュのデザイン効果 {deff}"),
        .analysisStrata: (", stratified by {fields} ({count} strata)", "、{fields} による層化（{count} 層）"),
        .analysisStrataFPC: (", stratified by {fields} ({count} strata, finite-population correction)",
                             "、{fields} による層化（{count} 層、有限母集団修正あり）"),
        .analysisWithheld: (", estimates from fewer than {minN} respondents withheld", "、回答者 {minN} 人未満の推定値は秘匿"),
        .analysisBy: (", by {fields}", "、{fields} 別"),
        .analysisStandardized: (", group means standardised by {fields}", "、区分別の平均を {fields} で標準化"),
        .analysisSmallArea: (", small-area estimates (Fay–Herriot, {method}) for {count} indicator(s)",
                             "、小地域推定（Fay–Herriot、{method}）{count} 指標"),
        .noResponsesForPeriod: ("The store has no responses of {survey} for period {period}; it has {known}. Import them first, or give another --period.",
                                "ストアに {survey} の期間 {period} の回答がありません（あるのは {known}）。先に取り込むか、別の --period を指定してください。"),
        .noResponsesAtAll: ("The store has no responses of {survey} for period {period}. Import them first, or give another --period.",
                            "ストアに {survey} の期間 {period} の回答がありません。先に取り込むか、別の --period を指定してください。"),
        .storeMissing: ("There is no store at '{path}'. Import a survey first, or give --store.",
                        "'{path}' にストアがありません。先に調査を取り込むか、--store でストアを指定してください。"),

        .colGroup: ("group", "区分"), .colIndicator: ("indicator", "指標"), .colName: ("name", "名称"),
        .colN: ("n", "回答者数"), .colMean: ("mean", "平均"), .colSE: ("se", "標準誤差"), .colCI: ("95% CI", "95%信頼区間"),
        .colTop2: ("top2 %", "上位2区分 %"), .colDeviation: ("dev", "偏差値"), .colNote: ("note", "注記"),
        .colBenchmark: ("vs benchmark", "全国・県との比較"), .colModel: ("model (RMSE)", "モデル推定値（RMSE）"),
        .colSubjective: ("subjective", "主観"), .colObjective: ("objective", "客観"), .colGap: ("gap", "差"),
        .colFlagged: ("flagged", "要注目"), .colKPIs: ("KPIs", "KPI"), .colR: ("r", "相関 r"), .colQuadrant: ("quadrant", "区分け"),
        .colFrom: ("from", "前回"), .colTo: ("to", "今回"), .colDiff: ("diff", "差"), .colP: ("p", "p 値"), .colQ: ("q", "q 値"),
        .colSignificant: ("significant", "有意"), .colBatch: ("batch", "バッチ"), .colKind: ("kind", "種類"),
        .colSurvey: ("survey", "調査"), .colFile: ("file", "ファイル"), .colRows: ("rows", "行数"), .colRejected: ("rejected", "除外"),
        .colPeriods: ("periods", "期間"), .colEncoding: ("encoding", "文字コード"), .colImported: ("imported", "取り込み日時"),
        .colSHA256: ("sha256", "SHA-256"),
        .wholeArea: ("(all)", "（全体）"),
        .withheldBelow: ("withheld (n < {minN})", "秘匿（{minN} 人未満）"),
        .unstableBelow: ("unstable (n < 30)", "参考値（30 人未満）"),
        .partlyStandardized: ("partly standardised ({count} cell(s) missing)", "一部のみ標準化（{count} セル欠け）"),
        .modelWithheld: ("withheld (CV {cv}%)", "秘匿（CV {cv}%）"),
        .significantYes: ("yes", "有意"),
        .allPeriods: ("all", "全期間"),
        .trendSummary: ("{tests} comparisons with a p; significant means q < 0.05 after the Benjamini–Hochberg adjustment over all of them (significant_unadjusted: |diff| > 1.96·SE).",
                        "p 値のある比較は {tests} 件です。「有意」は、そのすべてについて Benjamini–Hochberg 法で多重比較を調整した q < 0.05 です（significant_unadjusted は |差| > 1.96 × 標準誤差）。"),
        .noBatches: ("The store holds no batches yet.", "ストアにはまだバッチがありません。"),
        .colGapSE: ("gap SE", "差の標準誤差"),
        .flaggedGap: ("⚑ gap ≥ 10 and > 1.96·SE", "⚑ 差が 10 以上かつ 1.96 × 標準誤差超"),
        .significantAdjusted: ("significant (q < 0.05)", "有意（q < 0.05）"),
        .onlyUnadjusted: ("only unadjusted", "調整前のみ有意"),
        .noteWithheldSecondary: ("withheld (secondary suppression, to protect another group's withheld value)",
                                 "秘匿（二次秘匿：他の区分の秘匿値を守るため）"),
        .noteWithheldFew: ("withheld (fewer than {minN} respondents)", "秘匿（回答者 {minN} 人未満）"),
        .noteNoAnswers: ("no answers", "回答なし"),
        .noteUnstable: ("unstable (fewer than 30 respondents)", "参考値（回答者 30 人未満）"),
        .quadrantPriority: ("priority", "重点改善"), .quadrantStrength: ("strength", "強み"),
        .quadrantMaintain: ("maintain", "維持"), .quadrantMonitor: ("monitor", "注視"),
    ]
}
