#!/usr/bin/env bash
# CI: run schemathesis (all checks, all phases) against a running build of the service and the
# checked-in OpenAPI document; any failure fails CI. Runs after `swift test`, whose debug build
# it uses (it builds the flowdesk product first, which is quick when that build is current).
#
# Environment: SCHEMATHESIS_SEED (default 1, the fixed seed CI uses), SCHEMATHESIS_EXAMPLES
# (default 25), SCHEMATHESIS_EXTRA_SEED=1 for a second run with a random seed, printed,
# FLOWDESK_BIN to test a flowdesk built elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
seed=${SCHEMATHESIS_SEED:-1}
examples=${SCHEMATHESIS_EXAMPLES:-25}
venv=.build-ci-venv

started=$(date +%s)
if [ ! -x "$venv/bin/schemathesis" ] || [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ -n "${FLOWDESK_BIN:-}" ]; then
  flowdesk=$FLOWDESK_BIN # a build made elsewhere
else
  swift build --product flowdesk
  flowdesk="$(swift build --show-bin-path)/flowdesk"
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port: the kernel picks one, and the socket is closed again before the start.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
admin=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
reader=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

FLOWDESK_ADMIN_TOKEN=$admin FLOWDESK_READER_TOKEN=$reader LOG_LEVEL=warning \
  "$flowdesk" serve --host 127.0.0.1 --port "$port" --data "$work/data" --content content --locales locales \
  >"$work/server.log" 2>&1 &
server=$!

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "flowdesk serve stopped before it answered /healthz:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null

run() {
  echo "== schemathesis, seed $1"
  timeout 480 "$venv/bin/schemathesis" --config-file .ci/schemathesis.toml run Sources/FlowdeskServer/Resources/openapi.json \
    --url "http://127.0.0.1:$port" -H "Authorization: Bearer $admin" \
    --checks all --phases examples,coverage,fuzzing,stateful \
    --max-examples "$examples" --seed "$1" --request-timeout 10 --no-color
}

status=0
run "$seed" || status=$?
if [ "${SCHEMATHESIS_EXTRA_SEED:-0}" = 1 ]; then
  extra=$RANDOM
  run "$extra" || { status=$?; echo "failures with the random seed $extra"; }
fi
if [ "$status" -ne 0 ] && [ -s "$work/server.log" ]; then
  echo "== server log (last 50 lines)"
  tail -n 50 "$work/server.log"
fi
echo "schemathesis step took $(($(date +%s) - started)) s"
exit "$status"
