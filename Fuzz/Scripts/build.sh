#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer and AddressSanitizer (release, one job).
set -euo pipefail
cd "$(dirname "$0")/.."
# A new source file in the main package is only seen once the build manifest is regenerated.
rm -f .build-fuzz/release.yaml
swift build -c release --scratch-path .build-fuzz -j "${FUZZ_BUILD_JOBS:-1}" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
