#!/usr/bin/env bash
# A reader of one period while a 1M-row import runs into another, on one SQLite store (WAL: readers never wait
# for the writer). Prints each `indicators` run's whole-process time alone and during the import, checks that
# the bytes are the same, and that the import was still running when each reader finished.
#   Benchmarks/reader-during-import.sh [N]     (default N = 1000000 respondents)
#   WELLBEING_BIN=.build/debug/wellbeing Benchmarks/reader-during-import.sh   (default: a release build)
. "$(dirname "$0")/lib.sh"
n=${1:-1000000}
bin=${WELLBEING_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product wellbeing >/dev/null
  bin=.build/release/wellbeing
fi
data=$(survey_data store "$n")
work=$(mktemp -d)
trap 'kill "${importer:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
store="$work/store.sqlite"
fixture=../shared/fixtures/lwc-3000
"$bin" import responses "$fixture/responses_2024.csv" --instrument Surveys/lwc-synthetic.yaml --period 2024 --store "$store" 2>/dev/null
"$bin" import population "$fixture/population.csv" --margins 'age_band*sex,region' --store "$store" 2>/dev/null
reader() {  # label → prints seconds; output kept in $work/$1.json
  local start end
  start=$(date +%s.%N)
  "$bin" indicators --period 2024 --format json --store "$store" >"$work/$1.json" 2>/dev/null
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.3f}')"
}
echo "store: lwc-3000 2024 (1364 respondents, raked); import: $data/responses.csv ($n respondents) as period 2026"
echo "binary: $bin"
for run in 1 2 3; do echo "alone           run $run: $(reader alone-$run) s"; done
import_start=$(date +%s.%N)
"$bin" import responses "$data/responses.csv" --instrument Surveys/lwc-synthetic.yaml --period 2026 --store "$store" \
  >/dev/null 2>"$work/import.log" &
importer=$!
sleep 2  # the import is reading and writing blocks by now
for run in 1 2 3; do
  seconds=$(reader during-$run)
  if kill -0 "$importer" 2>/dev/null; then state="import still running"; else state="IMPORT HAD ENDED"; fi
  same=$(cmp -s "$work/alone-1.json" "$work/during-$run.json" && echo "same bytes" || echo "BYTES DIFFER")
  echo "during import   run $run: $seconds s ($state; $same)"
done
wait "$importer"
import_end=$(date +%s.%N)
python3 -c "print(f'import of $n rows: {$import_end - $import_start:.1f} s (exit 0)')"
"$bin" batches --store "$store" 2>/dev/null | tail -2
