#!/usr/bin/env python3
"""Rebuilds the synthetic sample data in this folder. Every file here is made up; none is real data.

    python3 Surveys/samples/make_samples.py [path/to/gen_survey.py]

- citizen-2024-sjis.csv, citizen-2025.csv, population.csv: the citizen survey on the Digital Agency's
  standard questionnaire from the project's generator (shared/tools/gen_survey.py --layout standard
  --n 2000 --seed 20251001 --waves 2 --split-periods), with the two questions of Fujisawa's local version
  (Surveys/examples/fujisawa.yaml) added: f1 and f2, on 1–5, drawn from a fixed seed and tied to h3 and
  i14; the 2024 file also records how each questionnaire came back (回答方法: 郵送 or Web). The 2024 file has code headers (h1, i01, …) and is re-encoded as Excel on Windows saves CSV
  (Shift_JIS/CP932, CRLF); the 2025 file is laid out as a Google Forms export (--headers text: a
  タイムスタンプ column, the official wording as headers, no respondent id; UTF-8 without BOM).
- sample-2024.csv, sample-2025.csv: how many residents were drawn in each district (居住地区,drawn), set so
  that the districts' response rates lie between 35 % and 50 % (fixed seed), for the report's 調査概要.
- kpis.csv: KPI values (Surveys/kpis-lwc.yaml) for the 13 districts and both periods, drawn from a fixed seed.
- staff-dx-2025.csv: a staff DX survey laid out as a Microsoft Forms export (question text as headers,
  answers as labels), 300 staff across the five tiers (Surveys/staff-dx.yaml).
- staff-population.csv: staff counts per tier, for raking the staff survey.
Only the standard library and numpy are used; the output is the same on every run.
"""
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DISTRICTS = ["片瀬", "鵠沼", "辻堂", "村岡", "藤沢", "明治", "善行", "湘南大庭", "六会", "湘南台", "遠藤", "長後", "御所見"]


# Fujisawa's own questions (Surveys/examples/fujisawa.yaml): id, wording, the column they follow, weight.
LOCAL_QUESTIONS = [
    ("f1", "これからも藤沢市に住み続けたいと思う", "h3", 0.55),
    ("f2", "市の取組や情報発信を身近に感じる", "i14", 0.45),
]


def add_local_questions(text, headers, seed, modes=False):
    """Appends f1 and f2 (1–5, about 3 % missing) before the free-text column; answers follow their anchor.
    With modes, also 回答方法 (郵送 for about 65 %, else Web), as a city that sends paper forms records it."""
    rng = np.random.default_rng(seed)
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    anchors = []
    for _, _, column, _ in LOCAL_QUESTIONS:
        code_header = column
        if headers == "text":
            index = {"h3": 6, "i14": 8 + 13}[column]  # タイムスタンプ, 居住地区, 年代, 性別, h1..h4, i01..
            anchors.append(index)
        else:
            anchors.append(header.index(code_header))
    insert_at = len(header) - 1
    names = [question if headers == "text" else item for item, question, _, _ in LOCAL_QUESTIONS]
    if modes:
        names.append("回答方法")
    out = [header[:insert_at] + names + header[insert_at:]]
    for row in rows[1:]:
        values = []
        for (item, _, column, weight), anchor in zip(LOCAL_QUESTIONS, anchors):
            raw = row[anchor]
            centre = 3.0 if raw == "" else (1 + 4 * int(raw) / 10 if column.startswith("h") else float(raw))
            value = int(np.clip(round(3 + weight * (centre - 3) + rng.normal(0, 0.8)), 1, 5))
            values.append("" if rng.random() < 0.03 else str(value))
        if modes:
            values.append("郵送" if rng.random() < 0.65 else "Web")
        out.append(row[:insert_at] + values + row[insert_at:])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(out)
    return buffer.getvalue()


def citizen(generator):
    with tempfile.TemporaryDirectory() as codes, tempfile.TemporaryDirectory() as texts:
        for folder, headers in [(codes, "codes"), (texts, "text")]:
            subprocess.run([sys.executable, generator, "--layout", "standard", "--headers", headers, "--n", "2000",
                            "--seed", "20251001", "--out", folder, "--waves", "2", "--split-periods"], check=True)
        with open(os.path.join(codes, "responses_2024.csv"), encoding="utf-8", newline="") as f:
            text = add_local_questions(f.read(), "codes", 20251005, modes=True)
        with open(os.path.join(HERE, "citizen-2024-sjis.csv"), "wb") as f:
            f.write(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("cp932"))
        with open(os.path.join(texts, "responses_2025.csv"), encoding="utf-8", newline="") as f:
            text = add_local_questions(f.read(), "text", 20251006)
        with open(os.path.join(HERE, "citizen-2025.csv"), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        shutil.copy(os.path.join(codes, "population.csv"), os.path.join(HERE, "population.csv"))


def sample_sizes():
    """Drawn counts per district for each year: the respondents divided by a response rate of 35–50 %."""
    rng = np.random.default_rng(20251007)
    for year, name, encoding in [("2024", "citizen-2024-sjis.csv", "cp932"), ("2025", "citizen-2025.csv", "utf-8")]:
        with open(os.path.join(HERE, name), encoding=encoding, newline="") as f:
            rows = list(csv.reader(f))
        column = rows[0].index("居住地区")
        counts = {district: 0 for district in DISTRICTS}
        for row in rows[1:]:
            counts[row[column]] += 1
        with open(os.path.join(HERE, f"sample-{year}.csv"), "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["居住地区", "drawn"])
            for district in DISTRICTS:
                writer.writerow([district, int(np.ceil(counts[district] / rng.uniform(0.35, 0.5)))])


# kpi id, base value, spread across districts, change per year, decimals
KPIS = [
    ("medical_walk_coverage", 82.0, 9.0, 0.4, 1),
    ("welfare_facilities_per_1000_elderly", 3.1, 0.8, 0.05, 2),
    ("commercial_walk_coverage", 78.0, 12.0, 0.2, 1),
    ("floor_area_per_dwelling", 88.0, 14.0, 0.3, 1),
    ("station_bus_walk_coverage", 86.0, 10.0, 0.3, 1),
    ("car_km_per_capita", 2900.0, 700.0, -40.0, 0),
    ("childcare_waiting_per_1000_children", 4.0, 2.5, -0.6, 2),
    ("real_debt_service_ratio", 3.4, 0.0, -0.2, 1),
    ("online_procedure_rate", 38.0, 6.0, 7.0, 1),
    ("park_walk_coverage", 74.0, 13.0, 0.5, 1),
    ("recycling_rate", 31.0, 3.0, 0.6, 1),
    ("crimes_per_1000", 4.2, 1.5, -0.2, 2),
    ("traffic_accidents_per_1000", 2.6, 0.7, -0.1, 2),
    ("elderly_single_household_share", 11.0, 3.5, 0.4, 1),
    ("healthy_life_expectancy", 73.2, 0.9, 0.1, 1),
    ("unemployment_rate", 3.1, 0.7, -0.1, 1),
    ("new_business_rate", 4.4, 1.2, 0.2, 2),
]


def kpis():
    rng = np.random.default_rng(20251002)
    rows = []
    for kpi, base, spread, change, decimals in KPIS:
        offsets = rng.normal(0, 1, len(DISTRICTS))
        for year_index, period in enumerate(["2024", "2025"]):
            for district, offset in zip(DISTRICTS, offsets):
                value = base + spread * offset + change * year_index + rng.normal(0, spread * 0.05 + 1e-9)
                rows.append([kpi, district, period, f"{value:.{decimals}f}"])
    with open(os.path.join(HERE, "kpis.csv"), "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["kpi", "group", "period", "value"])
        writer.writerows(rows)


TIERS = ["第1階層", "第2階層", "第3階層", "第4階層", "第5階層"]
TIER_STAFF = [40, 160, 260, 520, 1400]
TIER_SAMPLE = [20, 40, 60, 80, 100]
DEPARTMENTS = ["総務部", "企画政策部", "福祉健康部", "都市整備部", "教育部", "環境部"]
LABELS = ["全くそう思わない", "あまりそう思わない", "どちらともいえない", "ややそう思う", "とてもそう思う"]


def staff_survey():
    # Question texts must equal those in Surveys/staff-dx.yaml (Forms exports use them as headers).
    questions = read_staff_questions()
    rng = np.random.default_rng(20251004)
    header = ["ID", "開始時刻", "完了時刻", "メール", "名前", "職員番号", "階層", "所属部門"] + [text for _, text, _ in questions] + [
        "DXの取り組みについてご意見があればお書きください"]
    rows = []
    number = 0
    comments = ["研修の時間を確保してほしい。", "紙の決裁を減らせば、もっと早く進むと思う。",
                "チャットツールで相談しやすくなった", "現場の声を聞いてから、システムを選んでほしい。", ""]
    for tier_index, (tier, count) in enumerate(zip(TIERS, TIER_SAMPLE)):
        for _ in range(count):
            number += 1
            base = rng.normal(0, 0.6)
            cells = [str(number), f"2025/07/{1 + number % 20:02d} 9:{number % 60:02d}",
                     f"2025/07/{1 + number % 20:02d} 9:{(number + 7) % 60:02d}",
                     f"staff{number:04d}@city.example.jp", f"職員{number:04d}", f"S{number:05d}", tier,
                     DEPARTMENTS[int(rng.integers(len(DEPARTMENTS)))]]
            for item_id, _, target in questions:
                if item_id == "dx_engagement":
                    value = int(np.clip(round(6 + 1.5 * base + rng.normal(0, 1.5)), 0, 10))
                    cells.append(str(value))
                    continue
                lift = 0.7 if target == tier else (0.25 if target and abs(TIERS.index(target) - tier_index) == 1 else 0)
                if target is None:
                    lift = 0.3 - 0.1 * tier_index
                score = int(np.clip(round(3 + base + lift + rng.normal(0, 0.8)), 1, 5))
                cells.append("無回答" if rng.random() < 0.02 else LABELS[score - 1])
            cells.append(comments[int(rng.integers(len(comments)))] if rng.random() < 0.3 else "")
            rows.append(cells)
    with open(os.path.join(HERE, "staff-dx-2025.csv"), "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    with open(os.path.join(HERE, "staff-population.csv"), "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["tier", "count"])
        for tier, count in zip(TIERS, TIER_STAFF):
            writer.writerow([tier, count])


def read_staff_questions():
    """(item id, Japanese question text, target tier or None) from staff-dx.yaml, read without a YAML library."""
    path = os.path.join(HERE, "..", "staff-dx.yaml")
    questions, target = [], None
    for line in open(path, encoding="utf-8"):
        stripped = line.strip()
        if stripped.startswith("- id:") and "text" not in stripped:
            target = None
        if stripped.startswith("targets:"):
            target = stripped.split("[", 1)[1].split("]", 1)[0].strip() or None
        if stripped.startswith("- {id:") and "text:" in stripped:
            item_id = stripped.split("id:", 1)[1].split(",", 1)[0].strip()
            text = stripped.split("text: {ja:", 1)[1].split(", en:", 1)[0].strip()
            questions.append((item_id, text, target))
    return questions


if __name__ == "__main__":
    generator = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "tools", "gen_survey.py")
    citizen(generator)
    sample_sizes()
    kpis()
    staff_survey()
