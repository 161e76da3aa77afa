#!/usr/bin/env bash
# Delivery throughput: a release `flowdesk serve` delivering N messages as signed webhooks to a
# local receiver, next to that receiver's own rate under wrk, in one run. Target: Flowdesk
# delivers at least 50% of the receiver's rate. Bounded: wrk runs 10 seconds, delivery at most
# 300 seconds; everything listens on 127.0.0.1 and stops by itself.
#   bash Benchmarks/delivery.sh [messages]      (FLOWDESK_BIN=path uses a build made elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2000}
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
bin=${FLOWDESK_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product flowdesk >/dev/null
  bin=.build/release/flowdesk
fi
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
receiver_port=$(free_port)
port=$(free_port)
secret=whsec_$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
python3 Benchmarks/delivery/receiver.py "$receiver_port" >"$work/receiver.log" 2>&1 &
receiver=$!
pids=$receiver
trap 'kill $pids 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf -X POST -d '{}' "http://127.0.0.1:$receiver_port/hook" >/dev/null && break; sleep 0.1; done

echo "== the receiver alone: wrk, 32 connections, 10 s, a message-sized signed POST"
receiver_rate=$(wrk -t2 -c32 -d10s -s Benchmarks/delivery/post.lua "http://127.0.0.1:$receiver_port/hook" |
  tee /dev/stderr | awk '/Requests\/sec/ {print $2}')

LOG_LEVEL=warning FLOWDESK_ADMIN_TOKEN=bench FLOWDESK_WEBHOOK_SECRET=$secret \
  "$bin" serve --host 127.0.0.1 --port "$port" --data "$work/data" \
  --webhook-url "http://127.0.0.1:$receiver_port/hook" >"$work/serve.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

echo "== Flowdesk delivering $count messages to the same receiver"
delivery_rate=$(python3 Benchmarks/delivery/drive.py "$port" "$count" "${pids##* }")
echo "receiver alone: $receiver_rate requests/s"
echo "flowdesk delivery: $delivery_rate messages/s"
python3 -c "r, d = float('$receiver_rate'), float('$delivery_rate'); print(f'delivery is {100 * d / r:.0f}% of the receiver rate (target: at least 50%)')"
