#!/usr/bin/env bash
# Runs every test of the project: Rust unit, integration, sandbox scenario, acceptance and interop
# tests (the interop tests drive nostr-tools from npm), with the OS-keyring tests on a private
# D-Bus session with an unlocked gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh

echo "== npm ci (tests/interop: nostr-tools, pinned)"
(cd tests/interop && npm ci --no-audit --no-fund --silent)

echo "== node tests (tests/interop)"
(cd tests/interop && node --test)

echo "== npm ci (ui: Svelte 5 + Vite, pinned)"
(cd ui && npm ci --no-audit --no-fund --silent)

echo "== ui: type check (svelte-check, strict), unit tests (vitest), build"
(cd ui && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output machine | tail -1)
(cd ui && npx vitest run)
(cd ui && npx vite build --logLevel warn)

echo "== cargo fmt --check, cargo clippy (-D warnings; unwrap/expect denied outside tests)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo build"
cargo build --workspace --locked --all-targets

# A fresh XDG_DATA_HOME so the keyring tests never touch a real user's keyring.
xdg=$(mktemp -d)
trap 'rm -rf "$xdg"' EXIT

echo "== cargo test (under a private D-Bus session with an unlocked gnome-keyring)"
XDG_DATA_HOME="$xdg" dbus-run-session -- bash -c '
  set -euo pipefail
  echo -n "satop-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  SATOP_TEST_KEYRING=1 cargo test --workspace --locked --no-fail-fast
  # The acceptance and ATM journeys once more against the sandbox in its nsecbunkerd 0.11 flavour
  # (the run above used the 0.10 flavour, the default).
  echo "== acceptance journeys against the 0.11 sandbox flavour"
  SANDBOX_FLAVOUR=0.11 cargo test --locked -p acceptance -p atm-client --no-fail-fast
'

echo "== desktop app: debug build with the UI embedded, .deb and .rpm installers"
# AppImage is configured too but cannot be built offline (its tools are downloaded): see README.
ui/node_modules/.bin/tauri build --debug --bundles deb,rpm

echo "== desktop app: end-to-end in a real window (Xvfb, tauri-driver, WebKitWebDriver, private keyring)"
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version 2.1.0
# Bounded: a hung window or driver fails the run in minutes instead of eating CI's time limit.
timeout 900 bash e2e/run.sh all

echo "== desktop app: release build and .deb (the benchmark reports its size)"
ui/node_modules/.bin/tauri build --bundles deb

echo "== desktop app: benchmark (figures only): cold start to the dashboard with 10,000 cached machines, the fleet table's render and end-to-end scroll, idle RSS against the same binary on an empty page, installer sizes"
timeout 600 bash e2e/run.sh bench 2>/dev/null | grep -E "^(seeded|cold start|fleet table|idle RSS|installer)"

echo "== desktop app: install the .deb and run the smoke test against the installed app"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
deb=$(readlink -f "$(ls -d "${CARGO_TARGET_DIR:-target}"/debug/bundle/deb/*.deb | head -1)")
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
E2E_APP=/usr/bin/satmachine-operator E2E_SMOKE_NAME=99-installed-deb-welcome timeout 600 bash e2e/run.sh smoke
$sudo dpkg -r satmachine-operator >/dev/null
