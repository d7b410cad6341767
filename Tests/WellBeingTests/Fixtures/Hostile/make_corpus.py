#!/usr/bin/env python3
"""Writes the corpus of broken and hostile inputs that HostileInputTests feeds to the built executable.

    python3 Tests/WellBeingTests/Fixtures/Hostile/make_corpus.py

Each file is listed in manifest.tsv with the import it goes to (responses, instrument, kpis, catalog,
population, reference), the exit code expected (65 bad data, 66 missing input) and a text the error must
contain (the file name with the line, and often the column). Everything is deterministic.
"""
import io, os, random, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = "id,地区,sex,q1,q2,q3,q4,ls,comment"
GOOD = ["A1,北区,男性,4,2,5,3,7,", "A2,髙島,女性,3,3,3,3,5,よい"]
manifest = []


def put(name, data, kind, needle, code=65):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if kind != "missing":
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    manifest.append((name, kind, str(code), needle))


def rows(*extra, header=HEADER):
    return "\n".join([header] + GOOD + list(extra)) + "\n"


def response(name, bad_row, needle):
    put(name, rows(bad_row), "responses", needle.replace("$", name))


# --- whole-file problems -------------------------------------------------------------------------
put("resp-empty.csv", b"", "responses", "resp-empty.csv:1")
put("resp-header-only.csv", HEADER + "\n", "responses", "resp-header-only.csv:1")
put("resp-header-only-blank-lines.csv", HEADER + "\r\n\r\n\r\n", "responses", "resp-header-only-blank-lines.csv:1")
put("resp-bom-only.csv", b"\xef\xbb\xbf", "responses", "resp-bom-only.csv:1")
put("resp-bom-header-only.csv", b"\xef\xbb\xbf" + HEADER.encode() + b"\n", "responses", "resp-bom-header-only.csv:1")
put("resp-utf16-bom-only.csv", b"\xff\xfe", "responses", "resp-utf16-bom-only.csv:1")
put("resp-newline-only.csv", b"\n", "responses", "resp-newline-only.csv:1")
random.seed(7)
put("resp-binary.csv", bytes(random.randrange(256) for _ in range(4096)), "responses", "resp-binary.csv:")
put("resp-nul-in-field.csv", rows().encode() + b"A3,\xe5\x8c\x97\xe5\x8c\xba,\xe7\x94\xb7\xe6\x80\xa7,4\x00,2,5,3,7,\n", "responses", "resp-nul-in-field.csv:4")
put("resp-xlsx.csv", b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "responses", "resp-xlsx.csv: it is not a readable .xlsx")
put("resp-html.csv", "<!DOCTYPE html><html><body><table><tr><td>id</td></tr></table></body></html>\n", "responses", "resp-html.csv:1")
put("resp-json.csv", '{"id": "A1", "地区": "北区"}\n', "responses", "resp-json.csv:1")
put("resp-semicolons.csv", HEADER.replace(",", ";") + "\nA1;北区;男性;4;2;5;3;7;\n", "responses", "resp-semicolons.csv:1")
put("resp-unbalanced-quote.csv", rows('A3,北区,男性,"4,2,5,3,7,', "A4,北区,男性,4,2,5,3,7,"), "responses", "resp-unbalanced-quote.csv:4")
put("resp-unbalanced-quote-header.csv", '"id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,男性,4,2,5,3,7,\n', "responses", "resp-unbalanced-quote-header.csv:1")
put("resp-duplicate-header.csv", "id,地区,sex,q1,q1,q2,q3,q4,ls,comment\nA1,北区,男性,4,4,2,5,3,7,\n", "responses", "resp-duplicate-header.csv:1")
put("resp-missing-column.csv", "id,地区,sex,q1,q2,q3,ls,comment\nA1,北区,男性,4,2,5,7,\n", "responses", "resp-missing-column.csv:1")
put("resp-unknown-columns.csv", "a,b,c\n1,2,3\n", "responses", "resp-unknown-columns.csv:1")
put("resp-quote-in-header.csv", 'id,地区,sex,q1,q2,q3,q4,"ls"x,comment\nA1,北区,男性,4,2,5,3,7,\n', "responses", "resp-quote-in-header.csv:1")
cols = ",".join(f"x{i}" for i in range(10000))
put("resp-10000-columns.csv", cols + "\n" + ",".join("1" for _ in range(10000)) + "\n", "responses", "resp-10000-columns.csv:1")
put("resp-10000-columns-plus-header.csv", HEADER + "," + cols + "\n" + GOOD[0] + "," + ",".join("1" for _ in range(9999)) + "\n",
    "responses", "resp-10000-columns-plus-header.csv:2")
put("resp-50000-commas.csv", rows("A3," + "," * 50000), "responses", "resp-50000-commas.csv:4")
put("resp-header-repeated.csv", rows(HEADER), "responses", "resp-header-repeated.csv:4")
put("resp-whitespace-row.csv", rows("   ,   ,   ,   ,   ,   ,   ,   ,   "), "responses", "resp-whitespace-row.csv:4")
put("resp-many-bad-rows.csv", HEADER + "\n" + "".join(f"B{i},北区,男性,{6 + i % 3},2,5,3,7,\n" for i in range(1000)),
    "responses", "… and 950 more")

# --- encodings -----------------------------------------------------------------------------------
cp = rows().replace("\n", "\r\n").encode("cp932")
put("resp-cp932-bad-byte.csv", cp.replace("A2".encode(), b"A\x85\x40"), "responses", "resp-cp932-bad-byte.csv:3")
put("resp-cp932-truncated.csv", cp + b"A9,\x96", "responses", "resp-cp932-truncated.csv:4")
put("resp-cp932-then-utf8.csv", cp + "A3,北区,男性,4,2,5,3,7,\r\n".encode("utf-8"), "responses", "resp-cp932-then-utf8.csv:4")
put("resp-utf8-then-cp932.csv", rows().encode() + "A3,北区,男性,4,2,5,3,7,\n".encode("cp932"), "responses", "resp-utf8-then-cp932.csv:4")
put("resp-utf8-overlong.csv", rows().encode() + b"A3,\xc0\xaf,\xe7\x94\xb7\xe6\x80\xa7,4,2,5,3,7,\n", "responses", "resp-utf8-overlong.csv:4")
u16 = b"\xff\xfe" + rows().replace(",", "\t").encode("utf-16-le")
put("resp-utf16-odd-length.csv", u16 + b"\x41", "responses", "resp-utf16-odd-length.csv:")
put("resp-utf16-lone-surrogate.csv", u16 + "A3\t".encode("utf-16-le") + b"\x00\xd8" + "\t男性\t4\t2\t5\t3\t7\t\n".encode("utf-16-le"),
    "responses", "resp-utf16-lone-surrogate.csv:4")

# --- values --------------------------------------------------------------------------------------
for i, (value, why) in enumerate([("0", "outside 1–5"), ("6", "outside 1–5"), ("-1", "outside 1–5"), ("100", "outside 1–5"),
                                  ("999", "outside 1–5"), ("1000000", "outside 1–5"), ("1e5", "outside 1–5"),
                                  ("2.5", "whole number"), ("NaN", "answer label"), ("inf", "answer label"),
                                  ("0x3", "answer label"), ("３．５", "whole number"), ("６", "outside 1–5"),
                                  ("７ ", "outside 1–5"), ("😀", "answer label"), ("まあまあ", "answer label"),
                                  ("とても", "answer label"), ("Strongly agree!!", "answer label"), ("=1+1", "answer label"),
                                  ("'; DROP TABLE batch; --", "answer label"), ("1 2", "answer label"), ("٣", "answer label")]):
    response(f"resp-value-{i:02d}.csv", f"A3,北区,男性,{value if ',' not in value else chr(34) + value + chr(34)},2,5,3,7,", "$:4: column q1 (4)")
response("resp-rating-11.csv", "A3,北区,男性,4,2,5,3,11,", "$:4: column ls (8)")
response("resp-rating-minus.csv", "A3,北区,男性,4,2,5,3,-3,", "$:4: column ls (8)")
response("resp-unknown-group.csv", "A3,南区,男性,4,2,5,3,7,", "$:4: column 地区 (2)")
response("resp-empty-group.csv", "A3,,男性,4,2,5,3,7,", "$:4: column 地区 (2)")
response("resp-group-control-char.csv", "A3,北区\x01,男性,4,2,5,3,7,", "$:4: column 地区 (2)")
response("resp-group-rtl-override.csv", "A3,\u202e区北,男性,4,2,5,3,7,", "$:4: column 地区 (2)")
response("resp-group-10k-chars.csv", "A3," + "北" * 10000 + ",男性,4,2,5,3,7,", "$:4: column 地区 (2)")
response("resp-group-fullwidth-space.csv", "A3,北　区,男性,4,2,5,3,7,", "$:4: column 地区 (2)")
response("resp-unknown-attribute.csv", "A3,北区,不明,4,2,5,3,7,", "$:4: column sex (3)")
response("resp-duplicate-id.csv", "A1,北区,男性,4,2,5,3,7,", "$:4: column id (1)")
response("resp-empty-id.csv", ",北区,男性,4,2,5,3,7,", "$:4: column id (1)")
response("resp-id-control-char.csv", "A\x073,北区,男性,4,2,5,3,7,", "$:4: column id (1)")
response("resp-id-newline.csv", '"A\n3",北区,男性,4,2,5,3,7,', "$:4: column id (1)")
response("resp-short-row.csv", "A3,北区,男性,4,2,5,3,7", "$:4: has 8 fields")
response("resp-long-row.csv", "A3,北区,男性,4,2,5,3,7,,extra", "$:4: has 10 fields")
response("resp-text-after-quote.csv", 'A3,北区,男性,"4"5,2,5,3,7,', "$:4: column q1 (4)")
response("resp-sql-in-id.csv", "\"x'); DROP TABLE batch; --\",北区,男性,9 9,2,5,3,7,", "$:4: column q1 (4)")
response("resp-formula-comment.csv", "A3,北区,男性,8,2,5,3,7,=HYPERLINK(\"http://x\")", "$:4: column q1 (4)")
put("resp-cr-only-bad.csv", rows("A3,北区,男性,7,2,5,3,7,").replace("\n", "\r"), "responses", "resp-cr-only-bad.csv:4: column q1 (4)")
put("resp-tab-bad.csv", rows("A3,北区,男性,7,2,5,3,7,").replace(",", "\t"), "responses", "resp-tab-bad.csv:4: column q1 (4)")
put("resp-bad-after-multiline.csv", rows('A3,北区,男性,4,2,5,3,7,"line1\nline2\nline3"', "A4,北区,男性,0,2,5,3,7,"),
    "responses", "resp-bad-after-multiline.csv:7: column q1 (4)")
put("resp-does-not-exist.csv", b"", "missing", "Cannot find", 66)

# --- instruments (imported with a valid survey file) ---------------------------------------------
BASE = open(os.path.join(HERE, "..", "mini.yaml"), encoding="utf-8").read()
def instrument(name, text, needle):
    put(name, text, "instrument", needle.replace("$", name))
instrument("inst-unknown-scale.yaml", BASE.replace("scale: ten, outcome", "scale: eleven, outcome"), "$:23: headline[0].scale")
instrument("inst-duplicate-item.yaml", BASE.replace("{id: q3, text", "{id: q1, text"), "$:21: categories[1].items[0].id")
instrument("inst-duplicate-column.yaml", BASE.replace("{id: q4, text: 地域活動に参加している}", "{id: q4, text: 地域活動に参加している, column: q3}"), "$")
instrument("inst-reverse-rating.yaml", BASE.replace("scale: ten, outcome: true}", "scale: ten, outcome: true}\n  - {id: l2, text: 別, scale: ten}").replace("{id: q4, text: 地域活動に参加している}", "{id: q4, text: 地域活動に参加している, scale: ten, reverse: true}"), "$:21: categories[1].items[1].reverse")
instrument("inst-category-no-items.yaml", BASE.replace("  - {id: c2, name: {ja: つながり, en: Ties}, items: [{id: q3, text: 頼れる人がいる}, {id: q4, text: 地域活動に参加している}]}", "  - {id: c2, name: {ja: つながり, en: Ties}, items: []}"), "$:21: categories[1]")
instrument("inst-missing-code-in-range.yaml", BASE.replace("missing: [9, 無回答]", "missing: [3, 無回答]"), "$:16: scales.agree5.missing")
instrument("inst-unknown-key.yaml", BASE.replace("reverse: true", "revers: true"), "$:20: categories[0].items[1].revers")
instrument("inst-bad-range.yaml", BASE.replace("range: [1, 5]", "range: [5, 1]"), "$:14: scales.agree5.range")
instrument("inst-range-too-wide.yaml", BASE.replace("range: [0, 10]", "range: [0, 300]"), "$:17: scales.ten.range")
instrument("inst-range-three.yaml", BASE.replace("range: [1, 5]", "range: [1, 3, 5]"), "$:14: scales.agree5.range")
instrument("inst-range-text.yaml", BASE.replace("range: [1, 5]", "range: [one, five]"), "$:14: scales.agree5.range")
instrument("inst-two-outcomes.yaml", BASE + "  - {id: l2, name: 幸福, text: 幸せだ, scale: ten, outcome: true}\n", "$:23: headline")
instrument("inst-label-outside.yaml", BASE.replace("1: 全くそう思わない,", "7: 全くそう思わない,"), "$:15: scales.agree5.labels.7")
instrument("inst-label-key-text.yaml", BASE.replace("1: 全くそう思わない,", "one: 全くそう思わない,"), "$:15: scales.agree5.labels.one")
instrument("inst-duplicate-label.yaml", BASE.replace("2: あまりそう思わない", "2: 全くそう思わない"), "$:15: scales.agree5.labels")
instrument("inst-bad-period-from.yaml", BASE.replace("  free_text: [comment]", "  period: {column: when, from: month}\n  free_text: [comment]"), "$:11: respondent.period.from")
instrument("inst-unknown-target.yaml", BASE.replace("{id: c1, name: {ja: 安心, en: Safety},", "{id: c1, name: {ja: 安心, en: Safety}, targets: [西区],"), "$:20: categories[0].targets")
instrument("inst-duplicate-group-value.yaml", BASE.replace("values: [髙島, 北区, ①番町]", "values: [髙島, 北区, 北区]"), "$:8: respondent.group.values")
instrument("inst-no-group.yaml", BASE.replace("  group: {column: 地区, label: {ja: 地区, en: District}, values: [髙島, 北区, ①番町]}\n", ""), "$:7: respondent.group")
instrument("inst-no-version.yaml", BASE.replace('version: "1"\n', ""), "$:3: version")
instrument("inst-bad-id.yaml", BASE.replace("id: mini\n", "id: ../../etc\n"), "$:3: id")
instrument("inst-empty.yaml", "", "$")
instrument("inst-list-root.yaml", "- a\n- b\n", "$:1")
instrument("inst-scalar-root.yaml", "just text\n", "$:1")
instrument("inst-tab-indent.yaml", BASE.replace("  id: id", "\tid: id"), "$:7")
instrument("inst-unclosed-bracket.yaml", BASE.replace("values: [髙島, 北区, ①番町]}", "values: [髙島, 北区, ①番町}"), "$:8")
instrument("inst-duplicate-key.yaml", BASE + "id: again\n", "$:")
instrument("inst-not-utf8.yaml", BASE.replace("\u2013", "-").encode("cp932"), "$")
instrument("inst-binary.yaml", bytes(random.randrange(256) for _ in range(512)), "$")
instrument("inst-deep-nesting.yaml", "a: " + "[" * 500 + "]" * 500 + "\n", "$:1")
instrument("inst-alias-bomb.yaml", "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d]\n", "$:1")
instrument("inst-items-of-two-scales.yaml", BASE.replace("{id: q4, text: 地域活動に参加している}", "{id: q4, text: 地域活動に参加している, scale: ten}"), "$:21: categories[1].items")
instrument("inst-missing-code-is-label.yaml", BASE.replace("missing: [9, 無回答]", "missing: [9, とてもそう思う]"), "$:16: scales.agree5.missing")
instrument("inst-top-box-outside.yaml", BASE.replace("ten: {range: [0, 10], missing: [99]}", "ten: {range: [0, 10], missing: [99], top_box_from: 12}"), "$:17: scales.ten.top_box_from")

# --- KPIs, catalogue, population, reference (imported into a store holding the mini survey) ---------
K = "kpi,group,period,value\n"
for name, text, needle in [
    ("kpi-unknown-kpi.csv", K + "crime,北区,2025,1\nnope,北区,2025,1\n", ":3: column kpi (1)"),
    ("kpi-unknown-group.csv", K + "crime,南区,2025,1\n", ":2: column group (2)"),
    ("kpi-not-a-number.csv", K + "crime,北区,2025,多い\n", ":2: column value (4)"),
    ("kpi-empty-value.csv", K + "crime,北区,2025,\n", ":2: column value (4)"),
    ("kpi-nan.csv", K + "crime,北区,2025,nan\n", ":2: column value (4)"),
    ("kpi-infinite.csv", K + "crime,北区,2025,1e400\n", ":2: column value (4)"),
    ("kpi-duplicate.csv", K + "crime,北区,2025,1\ncrime,北区,2025,2\n", ":3:"),
    ("kpi-missing-column.csv", "kpi,group,value\ncrime,北区,1\n", ":1:"),
    ("kpi-empty-period.csv", K + "crime,北区,,1\n", ":2: column period (3)"),
    ("kpi-ragged.csv", K + "crime,北区,2025\n", ":2:"),
    ("kpi-1e300.csv", K + "crime,北区,2025,1e300\ncrime,髙島,2025,-1e300\n", ":2: column value (4): '1e300' is beyond"),
]:
    put(name, text, "kpis", name + needle)
CATALOG_BASE = "survey: mini\nkpis:\n  - {id: crime, name: 犯罪率, category: c1, direction: -1, unit: 件, source: 県警}\n"
for name, text, needle in [
    ("cat-unknown-category.yaml", CATALOG_BASE.replace("category: c1", "category: c9"), ":3: kpis[0].category"),
    ("cat-bad-direction.yaml", CATALOG_BASE.replace("direction: -1", "direction: sideways"), ":3: kpis[0].direction"),
    ("cat-duplicate.yaml", CATALOG_BASE + "  - {id: crime, name: 再, category: c1, direction: 1, unit: 件, source: 市}\n", ":4: kpis[1].id"),
    ("cat-other-survey.yaml", CATALOG_BASE.replace("survey: mini", "survey: lwc"), ":1: survey"),
    ("cat-no-kpis.yaml", "survey: mini\nkpis: []\n", ":2: kpis"),
    ("cat-missing-source.yaml", CATALOG_BASE.replace(", source: 県警", ""), ":3: kpis[0]"),
]:
    put(name, text, "catalog", name + needle)
P = "地区,sex,count\n"
for name, text, needle in [
    ("pop-negative.csv", P + "北区,男性,-5\n", ":2: column count (3)"),
    ("pop-not-number.csv", P + "北区,男性,many\n", ":2: column count (3)"),
    ("pop-unknown-value.csv", P + "南区,男性,5\n", ":2: column 地区 (1)"),
    ("pop-unknown-field.csv", "地区,age,count\n北区,20代,5\n", ":1: column age (2)"),
    ("pop-no-count.csv", "地区,sex,total\n北区,男性,5\n", ":1:"),
    ("pop-duplicate-cell.csv", P + "北区,男性,5\n北区,男性,6\n", ":3:"),
    ("pop-infinite.csv", P + "北区,男性,1e400\n", ":2: column count (3)"),
    ("pop-empty.csv", "", ":1:"),
    ("pop-header-only.csv", P, ":1:"),
    ("pop-all-zero.csv", P + "北区,男性,0\n", ":1:"),
    ("pop-empty-cell.csv", P + "北区,,5\n", ":2: column sex (2)"),
    # Counts beyond two billion people (each crashed the tool once): refused with their line and the bound.
    ("pop-1e20.csv", P + "北区,男性,1e20\n", ":2: column count (3): '1e20' is more than 2,000,000,000"),
    ("pop-9e18.csv", P + "北区,男性,9.3e18\n", ":2: column count (3): '9.3e18' is more than 2,000,000,000"),
    ("pop-20-digits.csv", P + "北区,男性,99999999999999999999\n", ":2: column count (3)"),
    ("pop-1e19-among-good.csv", P + "北区,男性,5\n北区,女性,1e19\n", ":3: column count (3)"),
]:
    put(name, text, "population", name + needle)
R = "indicator,mean,sd,source\n"
for name, text, needle in [
    ("ref-unknown-indicator.csv", R + "c9,3,1,x\n", ":2: column indicator (1)"),
    ("ref-zero-sd.csv", R + "c1,3,0,x\n", ":2: column sd (3)"),
    ("ref-negative-sd.csv", R + "c1,3,-1,x\n", ":2: column sd (3)"),
    ("ref-mean-text.csv", R + "c1,高い,1,x\n", ":2: column mean (2)"),
    ("ref-duplicate.csv", R + "c1,3,1,x\nc1,3,1,y\n", ":3: column indicator (1)"),
    ("ref-missing-column.csv", "indicator,mean,source\nc1,3,x\n", ":1:"),
    # A spread so small that deviation scores would be infinite, a mean beyond 10^15.
    ("ref-tiny-sd.csv", R + "c1,3,1e-308,x\n", ":2: column sd (3): '1e-308' is outside 0.000000001"),
    ("ref-huge-sd.csv", R + "c1,3,1e300,x\n", ":2: column sd (3)"),
    ("ref-huge-mean.csv", R + "c1,1e300,1,x\n", ":2: column mean (2)"),
]:
    put(name, text, "reference", name + needle)

# --- workbooks (.xlsx) ----------------------------------------------------------------------------
WB = '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="{target}"{mode}/></Relationships>'


def sheet_xml(table, head=""):
    out = ['<?xml version="1.0" encoding="UTF-8"?>' + head + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(table, start=1):
        out.append(f'<row r="{r}">')
        for c, text in enumerate(row.split(",")):
            if text:
                out.append(f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{text}</t></is></c>')
        out.append("</row>")
    return "".join(out) + "</sheetData></worksheet>"


def workbook(parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return buffer.getvalue()


def book(sheet, target="worksheets/sheet1.xml", mode="", extra=()):
    return workbook([("xl/workbook.xml", WB), ("xl/_rels/workbook.xml.rels", RELS.format(target=target, mode=mode)),
                     ("xl/worksheets/sheet1.xml", sheet)] + list(extra))


TABLE = [HEADER] + GOOD
put("resp-xlsx-bad-value.xlsx", book(sheet_xml(TABLE + ["A3,北区,男性,4,7,5,3,7,"])), "responses",
    "resp-xlsx-bad-value.xlsx:Sheet1!E4: column q2: '7'")
put("resp-xlsx-dtd.xlsx", book(sheet_xml(TABLE, head='<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>')), "responses",
    "resp-xlsx-dtd.xlsx:Sheet1: xl/worksheets/sheet1.xml: it has a document type")
put("resp-xlsx-external.xlsx", book(sheet_xml(TABLE), target="file:///etc/passwd", mode=' TargetMode="External"'), "responses",
    "resp-xlsx-external.xlsx: a part it needs is stored outside the workbook")
put("resp-xlsx-no-sheet.xlsx", workbook([("xl/workbook.xml", WB), ("xl/_rels/workbook.xml.rels", RELS.format(target="worksheets/sheet1.xml", mode=""))]),
    "responses", "resp-xlsx-no-sheet.xlsx: xl/worksheets/sheet1.xml: the sheet 'Sheet1' is missing")
put("resp-xlsx-twice.xlsx", book(sheet_xml(TABLE).replace('<c r="B2"', '<c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2"')),
    "responses", "resp-xlsx-twice.xlsx:Sheet1!A2: the cell appears twice")
put("resp-xlsx-error-cell.xlsx", book(sheet_xml(TABLE).replace("</sheetData>", '<row r="4"><c r="A4" t="inlineStr"><is><t>A3</t></is></c><c r="B4" t="inlineStr"><is><t>北区</t></is></c><c r="D4" t="e"><v>#N/A</v></c></row></sheetData>')),
    "responses", "resp-xlsx-error-cell.xlsx:Sheet1!D4: column q1: '#N/A' is an Excel error value")
put("resp-xls.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "responses", "resp-xls.csv: this is an old Excel .xls file")
# Sample sizes (the number drawn): beyond two billion.
put("sample-1e20.csv", "地区,drawn\n北区,1e20\n", "sample", "sample-1e20.csv:2: column drawn (2): '1e20' is more than 2,000,000,000")
# Date-formatted cells (number format 14) holding what Excel cannot show as a date: each crashed the tool once.
STYLES = '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
DATED_RELS = RELS.format(target="worksheets/sheet1.xml", mode="").replace(
    "</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>')
for tag, serial in [("1e20", "1e20"), ("1e308", "1e308"), ("nan", "NaN"), ("inf", "INF"), ("minus-5", "-5"), ("year-10000", "2958466")]:
    name = f"resp-xlsx-date-{tag}.xlsx"
    sheet = sheet_xml(TABLE).replace("</sheetData>", f'<row r="4"><c r="A4" t="inlineStr"><is><t>A3</t></is></c><c r="B4" t="inlineStr"><is><t>北区</t></is></c><c r="C4" t="inlineStr"><is><t>男性</t></is></c><c r="D4" s="1"><v>{serial}</v></c></row></sheetData>')
    put(name, workbook([("xl/workbook.xml", WB), ("xl/_rels/workbook.xml.rels", DATED_RELS), ("xl/styles.xml", STYLES),
                        ("xl/worksheets/sheet1.xml", sheet)]),
        "responses", f"{name}:Sheet1!D4: column q1: '{serial}' is in a date cell but is no date Excel can show")
put("pop-xlsx-text-count.xlsx", book(sheet_xml(["地区,sex,count", "北区,男性,many"])), "population", "pop-xlsx-text-count.xlsx:Sheet1!C2")

with open(os.path.join(HERE, "manifest.tsv"), "w", encoding="utf-8") as f:
    f.write("file\tkind\texit\tneedle\n")
    for row in manifest:
        f.write("\t".join(row) + "\n")
print(len(manifest), "inputs")
