#!/usr/bin/env bash
# Importing an .xlsx workbook (DESIGN §18): `wellbeing import responses` against python-calamine reading the
# same workbook into Python lists and openpyxl's read-only iteration, in one run, with peak memory.
#   Benchmarks/compare-xlsx.sh [N]      (default 100,000 respondents × 58 columns)
# Needs: pip install xlsxwriter python-calamine openpyxl; GNU time.
. "$(dirname "$0")/lib.sh"
n=${1:-100000}
data=$(survey_data xlsx "$n")
[ -f "$data/responses.xlsx" ] || python3 Benchmarks/csv_to_xlsx.py "$data/responses.csv" "$data/responses.xlsx"
ls -l "$data/responses.xlsx" | awk '{print "workbook: " $5 " bytes"}'
swift build -c release --product wellbeing >/dev/null
for run in 1 2 3; do
  rm -f "$data/store.sqlite"*
  /usr/bin/time -f "wellbeing import responses (run $run): %e s, peak %M KB" .build/release/wellbeing import responses \
    "$data/responses.xlsx" --instrument Surveys/lwc-synthetic.yaml --store "$data/store.sqlite" 2>&1 >/dev/null | tail -1
  /usr/bin/time -f "python-calamine to lists (run $run): %e s, peak %M KB" python3 Benchmarks/read_xlsx_peers.py calamine \
    "$data/responses.xlsx" 2>&1 | tail -1
done
/usr/bin/time -f "openpyxl read-only iteration: %e s, peak %M KB" python3 Benchmarks/read_xlsx_peers.py openpyxl \
  "$data/responses.xlsx" 2>&1 | tail -1
