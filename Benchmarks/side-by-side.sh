#!/usr/bin/env bash
# Two builds of wellbeing side by side in one run, interleaved: import, indicators and a report, whole-process
# seconds, three runs each (for "within 5 % of before" after a refactoring).
#   Benchmarks/side-by-side.sh BEFORE_BINARY AFTER_BINARY [N]     (default N = 1000000 respondents)
# INSTRUMENT=FILE names an instrument both builds read (default Surveys/lwc-synthetic.yaml).
# SERVER=postgresql://user@host:port puts the stores on a PostgreSQL server instead (databases wb_side_before and
# wb_side_after, made afresh each run and dropped at the end; the password from PGPASSWORD or ~/.pgpass), e.g. after
# eval "$(.ci/postgres.sh start /tmp/wbpg)": SERVER=${WELLBEING_TEST_POSTGRES%/*} PGPASSWORD=$WELLBEING_TEST_POSTGRES_PASSWORD.
# Build the "before" binary from another checkout (git worktree add /tmp/before main; swift build -c release there).
. "$(dirname "$0")/lib.sh"
before=${1:?the binary before}; after=${2:?the binary after}; n=${3:-1000000}
data=$(survey_data store "$n")
work=$(mktemp -d)
server=${SERVER:-}
fresh_store() {  # side → a new, empty store location
  if [ -n "$server" ]; then
    psql -X -q "$server/postgres" -c "DROP DATABASE IF EXISTS wb_side_$1" -c "CREATE DATABASE wb_side_$1" >/dev/null
    echo "$server/wb_side_$1"
  else
    rm -f "$work/$1.sqlite"*
    echo "$work/$1.sqlite"
  fi
}
cleanup() {
  rm -rf "$work"
  [ -z "$server" ] || psql -X -q "$server/postgres" -c "DROP DATABASE IF EXISTS wb_side_before" -c "DROP DATABASE IF EXISTS wb_side_after" >/dev/null
}
trap cleanup EXIT
seconds() {  # command... → whole-process seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}
echo "data: $data/responses.csv ($n respondents); stores: ${server:-SQLite files}"
printf '%-8s %-6s %10s %12s %10s\n' run build import indicators report
for run in 1 2 3; do
  for side in before after; do
    bin=$before; [ "$side" = after ] && bin=$after
    store=$(fresh_store "$side")
    import=$(seconds "$bin" import responses "$data/responses.csv" --instrument "${INSTRUMENT:-Surveys/lwc-synthetic.yaml}" --store "$store")
    "$bin" import population "$data/population.csv" --margins 'age_band*sex,region' --store "$store" >/dev/null 2>&1
    period=$("$bin" batches --store "$store" --format csv 2>/dev/null | awk -F, 'NR==2 {print $7}')
    indicators=$(seconds "$bin" indicators --period "$period" --format json --store "$store")
    report=$(seconds "$bin" report --period "$period" --format html --out "$work/reports-$side" --store "$store")
    printf '%-8s %-6s %10s %12s %10s\n' "$run" "$side" "$import" "$indicators" "$report"
  done
done
