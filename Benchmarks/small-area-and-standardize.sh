#!/usr/bin/env bash
# What stratification, --standardize and --small-area fh add to `indicators` on a store of N respondents
# (default 1,000,000), against plain `indicators` measured in the same run (DESIGN §18: ≤ 20 %).
#   Benchmarks/small-area-and-standardize.sh [N]
. "$(dirname "$0")/lib.sh"
n=${1:-1000000}
data=$(survey_data store "$n")
swift build -c release --product wellbeing >/dev/null
bin=.build/release/wellbeing
# The same answers imported twice: as a simple random sample, and stratified by district with the fpc.
printf 'extends: %s\nversion: "stratified"\ndesign: {strata: region, fpc: true}\n' "$PWD/Surveys/lwc-synthetic.yaml" > "$data/stratified.yaml"
for kind in plain stratified; do
  store="$data/$kind.sqlite"
  [ -f "$store" ] && continue
  instrument=Surveys/lwc-synthetic.yaml
  [ "$kind" = stratified ] && instrument="$data/stratified.yaml"
  $bin import responses "$data/responses.csv" --instrument "$instrument" --store "$store" 2>/dev/null
  population="$data/population.csv"
  if [ "$kind" = stratified ]; then
    # The generated register is smaller than a million respondents; ten times it keeps n_h ≤ N_h for the fpc.
    awk -F, 'BEGIN {OFS=","} NR==1 {print; next} {$NF = $NF * 10; print}' "$data/population.csv" > "$data/population-x10.csv"
    population="$data/population-x10.csv"
  fi
  $bin import population "$population" --margins 'age_band*sex,region' --store "$store" 2>/dev/null
done
period=$($bin batches --store "$data/plain.sqlite" --format csv | awk -F, 'NR==2 {print $7}')
run() {
  local label=$1; shift
  /usr/bin/time -f "$label: %e s, peak %M KB" $bin indicators --period "$period" --format json "$@" 2>&1 >/dev/null | tail -1
}
for round in 1 2 3; do
  echo "round $round"
  run "  indicators (simple random sample)   " --store "$data/plain.sqlite"
  run "  indicators --standardize age_band*sex" --store "$data/plain.sqlite" --standardize 'age_band*sex'
  run "  indicators --small-area fh           " --store "$data/plain.sqlite" --small-area fh
  run "  indicators (stratified, fpc)         " --store "$data/stratified.sqlite"
  run "  stratified --small-area fh           " --store "$data/stratified.sqlite" --small-area fh
done
