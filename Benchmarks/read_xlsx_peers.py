#!/usr/bin/env python3
"""The peers of Benchmarks/compare-xlsx.sh: read every cell of the first sheet into Python lists with
python-calamine, or iterate it with openpyxl in read-only mode.  pip install python-calamine openpyxl

    python3 Benchmarks/read_xlsx_peers.py calamine|openpyxl FILE.xlsx
"""
import sys

kind, path = sys.argv[1], sys.argv[2]
cells = 0
if kind == "calamine":
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    cells = sum(len(row) for row in rows)
else:
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    for row in book.worksheets[0].iter_rows(values_only=True):
        cells += len(row)
print(f"{kind}: {cells} cells", file=sys.stderr)
