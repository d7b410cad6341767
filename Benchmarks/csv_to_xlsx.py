#!/usr/bin/env python3
"""Writes a survey CSV as an .xlsx workbook the way xlsxwriter does (shared strings; numbers as numbers;
the submission time as a date cell), for Benchmarks/compare-xlsx.sh.  pip install xlsxwriter

    python3 Benchmarks/csv_to_xlsx.py responses.csv responses.xlsx
"""
import csv, datetime, sys
import xlsxwriter

source, target = sys.argv[1], sys.argv[2]
book = xlsxwriter.Workbook(target, {"constant_memory": False})
dates = book.add_format({"num_format": "yyyy-mm-dd"})
sheet = book.add_worksheet("Sheet1")
with open(source, encoding="utf-8-sig", newline="") as handle:
    for r, row in enumerate(csv.reader(handle)):
        for c, text in enumerate(row):
            if text == "":
                continue
            if r > 0:
                if text.isdigit():
                    sheet.write_number(r, c, int(text))
                    continue
                if len(text) == 10 and text[4] == "-" and text[7] == "-":
                    sheet.write_datetime(r, c, datetime.datetime.strptime(text, "%Y-%m-%d"), dates)
                    continue
            sheet.write_string(r, c, text)
book.close()
