#!/usr/bin/env bash
# HTTP load: wrk against a release build of `flowdesk serve` on loopback, with /healthz as the
# framework's ceiling, in the same run. Bounded: 10 seconds per endpoint, 64 connections.
#   bash Benchmarks/http.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
swift build -c release --product flowdesk >/dev/null
data=$(mktemp -d)
port=18090
LOG_LEVEL=warning FLOWDESK_ADMIN_TOKEN=bench .build/release/flowdesk serve --host 127.0.0.1 --port $port --data "$data" \
  >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
for path in /healthz /v1/codes/FD1002; do
  echo "== GET $path (Accept-Language: nl-BE,nl;q=0.9), 64 connections, ${duration}s"
  wrk -t2 -c64 -d"${duration}s" --latency -H 'Accept-Language: nl-BE,nl;q=0.9' "http://127.0.0.1:$port$path" |
    grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors'
done
