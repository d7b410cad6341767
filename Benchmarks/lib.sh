# Shared by the benchmark scripts: run from the repository root, generate the synthetic survey once.
#   . Benchmarks/lib.sh; data=$(survey_data store 1000000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Prints Benchmarks/data/NAME-N, generating `gen_survey.py --n N --waves 1` there once.
survey_data() {
  local folder="Benchmarks/data/$1-$2"
  mkdir -p "$folder"
  [ -f "$folder/responses.csv" ] || python3 ../shared/tools/gen_survey.py --n "$2" --waves 1 --out "$folder" >/dev/null
  echo "$folder"
}
