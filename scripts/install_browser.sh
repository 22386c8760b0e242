#!/usr/bin/env bash
# Install the browser the browser tests drive: Debian's `chromium` (Playwright is pointed at
# /usr/bin/chromium and never downloads a browser of its own). Idempotent: a no-op when
# Chromium is already there. Needs root (or sudo) for apt-get; otherwise it says what to run.
set -euo pipefail

CHROMIUM="${DOMTOK_CHROMIUM:-/usr/bin/chromium}"

if [[ -x "$CHROMIUM" ]]; then
    echo "==> chromium: $("$CHROMIUM" --version 2>/dev/null | head -n1 || echo present)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "!! no apt-get here: install Chromium yourself and set DOMTOK_CHROMIUM=/path/to/chromium"
    exit 1
fi

as_root=()
if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        echo "!! run as root: apt-get update && apt-get install -y chromium fonts-liberation"
        exit 1
    fi
fi

echo "==> installing chromium (Debian package)"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
"$CHROMIUM" --version 2>/dev/null | head -n1
