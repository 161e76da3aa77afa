#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer and AddressSanitizer (release, one job).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --scratch-path .build-fuzz -j "${FUZZ_BUILD_JOBS:-1}" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
