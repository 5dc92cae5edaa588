#!/usr/bin/env bash
# Runs the app's end-to-end tests in a real window: Xvfb display, a private D-Bus session with an
# unlocked gnome-keyring, a fresh XDG_DATA_HOME, tauri-driver + WebKitWebDriver.
#   e2e/run.sh            the journey and the smoke test against the built debug app
#   e2e/run.sh smoke      only the smoke test (E2E_APP=/usr/bin/satmachine-operator for the .deb)
#   e2e/run.sh bench      the start-up benchmark (prints figures; not a test)
# Screenshots go to artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version 2.1.0
suite="${1:-all}"
case "$suite" in
  all) files="smoke.test.mjs journey.test.mjs" ;;
  smoke) files="smoke.test.mjs" ;;
  bench) files="" ;;
  *) echo "usage: e2e/run.sh [all|smoke|bench]" >&2; exit 2 ;;
esac

xdg=$(mktemp -d)
trap 'rm -rf "$xdg"' EXIT
export XDG_DATA_HOME="$xdg" E2E_FILES="$files"
# Note: WEBKIT_DISABLE_COMPOSITING_MODE=1 makes WebKitWebDriver's screenshots hang under Xvfb.
xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- bash -c '
  set -euo pipefail
  echo -n "satop-e2e" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cd e2e
  if [ -n "$E2E_FILES" ]; then node --test --test-concurrency=1 $E2E_FILES; else node bench.mjs; fi
'
