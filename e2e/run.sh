#!/usr/bin/env bash
# Runs the app's end-to-end tests in a real window: Xvfb display, a private D-Bus session with an
# unlocked gnome-keyring, a fresh XDG_DATA_HOME, tauri-driver + WebKitWebDriver.
#   e2e/run.sh            the journey and the smoke test against the built debug app
#   e2e/run.sh smoke      only the smoke test (E2E_APP=/usr/bin/satmachine-operator for the .deb)
#   e2e/run.sh bench      the start-up benchmark (prints figures; not a test)
#   e2e/run.sh NAME.test.mjs   one test file
# Screenshots go to artifacts/e2e/; the app runs with RUST_LOG=debug and its log
# (artifacts/e2e/tauri-driver.log) is scanned for secrets after the journey: a finding fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version 2.1.0
suite="${1:-all}"
case "$suite" in
  all) files="smoke.test.mjs journey.test.mjs glance.test.mjs sandbox-flavour.test.mjs signer.test.mjs" ;;
  smoke) files="smoke.test.mjs" ;;
  bench) files="" ;;
  *.test.mjs) files="$suite" ;;
  *) echo "usage: e2e/run.sh [all|smoke|bench|NAME.test.mjs]" >&2; exit 2 ;;
esac

xdg=$(mktemp -d)
trap 'rm -rf "$xdg"' EXIT
log=artifacts/e2e/tauri-driver.log
mkdir -p artifacts/e2e
rm -f "$log"
# The secrets the journey saw (`what=value` lines), outside artifacts/ and removed at exit.
known="$xdg/known-secrets"
export XDG_DATA_HOME="$xdg" E2E_FILES="$files" E2E_KNOWN_SECRETS="$known"
if [ "$suite" != bench ]; then
  # The app logs everything it would log for a bug report: that is the log the scan reads.
  export RUST_LOG="${RUST_LOG:-debug}"
  # WebKitWebDriver's screenshots never return from a window without accelerated compositing
  # under Xvfb (as with WEBKIT_DISABLE_COMPOSITING_MODE=1): the tests keep WebKit's compositing
  # on, which the app turns off to save memory (src-tauri/src/memory.rs). The benchmark measures
  # the app as shipped.
  export SATOP_WEBKIT_COMPOSITING=1
fi
xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- bash -c '
  set -euo pipefail
  echo -n "satop-e2e" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cd e2e
  if [ -n "$E2E_FILES" ]; then node --test --test-concurrency=1 $E2E_FILES; else node bench.mjs; fi
'

if [ "$suite" = all ]; then
  echo "== secret scan of the app's log ($log)"
  [ -s "$known" ] || { echo "the journey recorded no known secrets to scan for" >&2; exit 1; }
  # The scan must read a log the app wrote at debug level, not an empty or driver-only file.
  grep -q "satmachine_operator" "$log" || { echo "$log holds no log line of the app" >&2; exit 1; }
  SCAN_SECRETS="$(cat "$known")" cargo run --locked -q -p acceptance --bin scan-secrets -- "$log"
fi
