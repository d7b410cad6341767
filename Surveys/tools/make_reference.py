#!/usr/bin/env python3
"""Writes the public benchmarks in Surveys/reference/ from the official item list
(../shared/data/lwc-standard-items.tsv, which carries Osaka Prefecture's published means).

- osaka-2023.csv, osaka-2024.csv: Osaka Prefecture's means of all 50 standard questions (大阪府「Beyond
  EXPO 2025」pp. 75–76), mean only (no spread is published). i06 (騒音) is already reverse-scored there, as
  the tool scores it.
- national-2025.csv: the national 幸福度 (h1) of 2025, 6.49, as Shizuoka Prefecture cites the Digital
  Agency's figure.
Run from the repository root: python3 Surveys/tools/make_reference.py [path/to/lwc-standard-items.tsv]
"""
import csv
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TSV = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "lwc-standard-items.tsv")
OUT = os.path.join(ROOT, "Surveys", "reference")
OSAKA = "大阪府「Beyond EXPO 2025」pp.75–76 掲載の{year}年の平均値（全50問、小数第1位）"
NATIONAL = "デジタル庁 地域幸福度（Well-Being）指標 全国平均 2025年（静岡県の資料による引用）"


def write(name, rows):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["indicator", "mean", "sd", "source"])
        writer.writerows(rows)


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = list(csv.DictReader(open(TSV, encoding="utf-8"), delimiter="\t"))
    for year in ("2023", "2024"):
        write(f"osaka-{year}.csv", [[r["id"], r[f"osaka_{year}"], "", OSAKA.format(year=year)] for r in rows])
    write("national-2025.csv", [["h1", "6.49", "", NATIONAL]])


if __name__ == "__main__":
    main()
