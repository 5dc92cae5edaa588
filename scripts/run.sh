#!/usr/bin/env bash
# Runs Satmachine Operator, the desktop app. When no bunker is configured it opens on the embedded
# SANDBOX bunker (a loopback relay + a bunker that behaves like stock nsecbunkerd; test keys only).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh
(cd ui && npm ci --no-audit --no-fund --silent)
# `tauri build` embeds the UI in the binary; --no-bundle skips the installers.
ui/node_modules/.bin/tauri build --debug --no-bundle >/dev/null
app="${CARGO_TARGET_DIR:-$PWD/target}/debug/satmachine-operator"

# The console key goes to the desktop's keyring (Secret Service); without a session bus there is
# no keyring to use: keep it in a NIP-49 encrypted file instead (SATOP_PASSPHRASE is asked here).
if [ -z "${SATOP_SECRET_STORE:-}" ] && [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  data="${SATOP_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/satmachine-operator}"
  export SATOP_SECRET_STORE="file:$data/console-key.json"
  if [ -z "${SATOP_PASSPHRASE:-}" ]; then
    read -rsp "Passphrase for the console key file ($data/console-key.json): " SATOP_PASSPHRASE; echo
    export SATOP_PASSPHRASE
  fi
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: run this from a desktop session (or under xvfb-run)." >&2
  exit 1
fi
SATOP_DEMO=1 exec "$app"
