#!/usr/bin/env python3
"""Writes the test workbooks beside this script from the bundled sample CSVs, the way the tools people use
write them (pip install xlsxwriter openpyxl). Run from the repository root:

    python3 Tests/WellBeingTests/Fixtures/xlsx/make_workbooks.py

- citizen-xlsxwriter.xlsx: Surveys/samples/citizen-2025.csv (Google Forms layout) by xlsxwriter, shared
  strings, answers as numbers, the timestamp as a date cell.
- citizen-constant-memory.xlsx: the same with xlsxwriter's constant_memory mode (inline strings).
- citizen-openpyxl.xlsx: the same by openpyxl, the data on the second sheet 'Responses' after a notes sheet.
- staff-forms.xlsx: Surveys/samples/staff-dx-2025.csv shaped as Microsoft Forms' "Open in Excel" export
  (ID, 開始時刻, 完了時刻, メール, 名前, then the questions as text; times as date cells).
- citizen-1904.xlsx: the first 50 rows in the 1904 date system.
"""
import csv
import datetime
import os
import sys

import openpyxl
import xlsxwriter

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "..", "..", "..", "Surveys", "samples")


def rows(name):
    with open(os.path.join(SAMPLES, name), encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def value(text):
    """A cell value as a spreadsheet holds it: numbers as numbers, dates as dates, the rest as text."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    for pattern in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            pass
    return text


def with_xlsxwriter(path, table, constant_memory=False, date1904=False):
    options = {"constant_memory": constant_memory, "date_1904": date1904}
    book = xlsxwriter.Workbook(path, options)
    book.set_properties({"created": datetime.datetime(2025, 10, 1)})
    dates = book.add_format({"num_format": "yyyy/mm/dd hh:mm:ss"})
    sheet = book.add_worksheet("Sheet1")
    for r, row in enumerate(table):
        for c, text in enumerate(row):
            v = value(text) if r > 0 else text
            if v is None:
                continue
            if isinstance(v, datetime.datetime):
                sheet.write_datetime(r, c, v, dates)
            elif isinstance(v, int):
                sheet.write_number(r, c, v)
            else:
                sheet.write_string(r, c, v)
    book.close()


def with_openpyxl(path, table, forms=False):
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes" if not forms else "Sheet1"
    if not forms:
        notes["A1"] = "Exported for the test suite; the answers are on the next sheet."
        sheet = book.create_sheet("Responses")
    else:
        sheet = notes
    for r, row in enumerate(table, start=1):
        for c, text in enumerate(row, start=1):
            v = value(text) if r > 1 else text
            if v is None:
                continue
            cell = sheet.cell(row=r, column=c, value=v)
            if isinstance(v, datetime.datetime):
                cell.number_format = "yyyy/m/d h:mm"
    book.properties.created = datetime.datetime(2025, 10, 1)
    book.properties.modified = datetime.datetime(2025, 10, 1)
    book.save(path)


def main():
    citizen = rows("citizen-2025.csv")
    staff = rows("staff-dx-2025.csv")
    with_xlsxwriter(os.path.join(HERE, "citizen-xlsxwriter.xlsx"), citizen)
    with_xlsxwriter(os.path.join(HERE, "citizen-constant-memory.xlsx"), citizen, constant_memory=True)
    with_openpyxl(os.path.join(HERE, "citizen-openpyxl.xlsx"), citizen)
    with_openpyxl(os.path.join(HERE, "staff-forms.xlsx"), staff, forms=True)
    with_xlsxwriter(os.path.join(HERE, "citizen-1904.xlsx"), citizen[:51], date1904=True)
    # The same 50 rows as CSV, for comparison with the 1904 workbook.
    with open(os.path.join(HERE, "citizen-first-50.csv"), "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(citizen[:51])
    return 0


if __name__ == "__main__":
    sys.exit(main())
