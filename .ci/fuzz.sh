#!/usr/bin/env bash
# CI: builds the libFuzzer targets (Fuzz/, AddressSanitizer) and runs each one for a bounded
# time from its committed corpus; a crash fails the step. FUZZ_SECONDS sets the time per target
# (default 25 s; eight targets: under four minutes, after a first build of about four).
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds="${FUZZ_SECONDS:-25}"
echo "== fuzz: swift format lint"
swift format lint --strict --recursive Package.swift Sources
echo "== fuzz: build (release, -sanitize=fuzzer,address)"
build_start=$(date +%s)
if ! Scripts/build.sh >.build-fuzz.log 2>&1; then
  tail -n 40 .build-fuzz.log
  exit 1
fi
tail -n 1 .build-fuzz.log
echo "fuzz build took $(($(date +%s) - build_start))s"
echo "== fuzz: each target for ${seconds}s from Fuzz/Corpus"
run_start=$(date +%s)
Scripts/run.sh -max_total_time="$seconds"
echo "fuzz runs took $(($(date +%s) - run_start))s"
