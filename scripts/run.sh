#!/usr/bin/env bash
# Runs Satmachine Operator. When no bunker is configured it runs on the embedded SANDBOX bunker
# (a loopback relay + a bunker that behaves like stock nsecbunkerd; test keys only): it creates the
# console key, starts the sandbox, connects to it as its administrator and shows the status.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh
cargo build --workspace --locked --bins
satop="$PWD/target/debug/satop"

export SATOP_DATA_DIR="${SATOP_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/satmachine-operator}"
# The OS keyring needs a desktop session; without one, keep the console key in an encrypted file.
if [ -z "${SATOP_SECRET_STORE:-}" ]; then
  if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    export SATOP_SECRET_STORE=keyring
  else
    export SATOP_SECRET_STORE="file:$SATOP_DATA_DIR/console-key.json"
    echo "No desktop session: the console key goes to $SATOP_DATA_DIR/console-key.json (NIP-49 encrypted)."
  fi
fi

if "$satop" status --json | grep -q '"bunker": null'; then
  echo "No bunker configured: starting the sandbox bunker (demo mode)."
  "$satop" init
  log="$SATOP_DATA_DIR/sandbox/run.log"
  mkdir -p "$(dirname "$log")"
  "$satop" sandbox >"$log" 2>&1 &
  sandbox_pid=$!
  trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    grep -q "satop connect" "$log" 2>/dev/null && break
    kill -0 $sandbox_pid 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
  done
  cat "$log"
  connect_line=$(grep -m1 "^  satop connect" "$log" | sed 's/^  satop //')
  eval "\"$satop\" $connect_line"
  "$satop" status
  echo "The sandbox keeps running; in another terminal try: $satop status   (Ctrl-C here stops it)"
  wait $sandbox_pid
else
  "$satop" status
fi
