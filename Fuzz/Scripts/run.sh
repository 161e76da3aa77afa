#!/usr/bin/env bash
# Runs fuzz targets one after another from their committed corpora, each in one process with
# one worker (libFuzzer's default; -jobs=1 -workers=1 would fork a child that logs to fuzz-0.log).
#   Scripts/run.sh [libFuzzer options...] [-- target...]
# e.g. Scripts/run.sh -max_total_time=30          (every target for 30 s)
#      Scripts/run.sh -runs=1000000 -- article    (one target for 10^6 executions)
# New inputs go to a scratch folder (the committed corpus is only read); a crash leaves its
# input in .fuzz-out/<target>/ (or $FUZZ_OUT/<target>/) and makes the script fail. The last lines of each log give the
# executions (stat::number_of_executed_units) and the coverage (cov:, ft:).
set -uo pipefail
cd "$(dirname "$0")/.."
all=(language json merge-patch definition sanitizer xliff tbx article)
options=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
bin=.build-fuzz/release
failed=()
for target in "${targets[@]}"; do
  out=${FUZZ_OUT:-.fuzz-out}/$target
  rm -rf "$out"
  mkdir -p "$out/new"
  echo "== fuzz-$target ${options[*]}"
  start=$(date +%s)
  "$bin/fuzz-$target" -max_len=4096 -timeout=10 -print_final_stats=1 -artifact_prefix="$out/" \
    "${options[@]}" "$out/new" "Corpus/$target" >"$out/log" 2>&1
  status=$?
  seconds=$(($(date +%s) - start))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log")
  cov=$(grep -E '^#[0-9]+' "$out/log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
  echo "fuzz-$target: ${runs:-?} executions in ${seconds}s, ${cov:-cov: ?}, exit status $status"
  if [ $status -ne 0 ]; then
    failed+=("$target")
    grep -E -A30 'ERROR|Fatal error|deadly signal' "$out/log" | head -60
    ls "$out"/crash-* "$out"/timeout-* "$out"/oom-* 2>/dev/null
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]}"
  exit 1
fi
