#!/usr/bin/env bash
# Installs the Debian packages this project needs (idempotent; skips apt when all are present).
# Rust (cargo >= 1.89) and Node.js (>= 20, with npm) must already be on the machine.
set -euo pipefail

packages=(
  build-essential pkg-config file libssl-dev libdbus-1-dev
  # keyring tests: a Secret Service on a private session bus
  gnome-keyring dbus dbus-x11
  # migration tests: a real PostgreSQL server holding a fixture LNbits database
  postgresql
  # the desktop app (Tauri 2 on WebKitGTK) and its installers
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev rpm
  # the app's end-to-end tests in a real window
  xvfb xauth webkit2gtk-driver
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust is missing: install it with rustup (https://rustup.rs), then re-run" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "setup: Node.js 20+ with npm is missing: apt-get install nodejs npm, then re-run" >&2; exit 1; }
