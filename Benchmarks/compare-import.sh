#!/usr/bin/env bash
# Import speed and memory against SQLite's own CSV import and DuckDB, on the same file, in one run.
#   Benchmarks/compare-import.sh [N]        (default N = 1000000 respondents, ≈146 MB)
# Needs: sqlite3 (apt-get install sqlite3), duckdb for Python (pip install duckdb), GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
data=Benchmarks/data
mkdir -p "$data"
csv="$data/responses-$n.csv"
if [ ! -f "$csv" ]; then
  python3 ../shared/tools/gen_survey.py --n "$n" --waves 1 --out "$data/gen-$n" >/dev/null
  mv "$data/gen-$n/responses.csv" "$csv"
  rm -rf "$data/gen-$n"
fi
swift build -c release --product wellbeing >/dev/null
echo "file: $csv ($(du -h "$csv" | cut -f1), $n respondents)"
printf '%-36s %10s %14s\n' "tool" "seconds" "peak memory"

measure() {  # label, command...
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$@" >/dev/null 2>&1
  read -r seconds kilobytes <"$log"
  printf '%-36s %10s %11s MB\n' "$label" "$seconds" "$((kilobytes / 1024))"
  rm -f "$log"
}

for run in 1 2 3; do
  rm -f "$data/bench.sqlite"*
  measure "wellbeing import responses (run $run)" .build/release/wellbeing import responses "$csv" \
    --instrument Surveys/lwc-synthetic.yaml --store "$data/bench.sqlite"
done
rm -f "$data/sqlite-import.db"
measure "sqlite3 .import --csv" sqlite3 "$data/sqlite-import.db" ".import --csv $csv responses"
measure "duckdb read_csv (in memory)" python3 -c "import duckdb; duckdb.connect().execute(\"CREATE TABLE r AS SELECT * FROM read_csv('$csv')\")"
rm -f "$data/bench.sqlite"* "$data/sqlite-import.db"
