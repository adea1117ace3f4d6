#!/usr/bin/env bash
# Installs what the browser tests (tests/browser/run.mjs) need, idempotently,
# on a fresh Debian machine as root:
#   - Debian's Chromium (/usr/bin/chromium) and its driver, from apt;
#   - playwright-core, as a devDependency, to drive that Chromium.
# Nothing here downloads a browser build: playwright-core has no install
# script, and PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD is set in case that changes.
set -euo pipefail
cd "$(dirname "$0")/.."

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when they do not know chromium yet
  # (a fresh machine has empty lists).
  if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    echo "setup-browser: apt-get update"
    apt-get update
  fi
  echo "setup-browser: apt-get install chromium chromium-driver"
  apt-get install -y chromium chromium-driver
else
  echo "setup-browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed"
fi

if node -e 'require.resolve("playwright-core")' >/dev/null 2>&1; then
  echo "setup-browser: playwright-core already installed"
elif node -e 'process.exit(require("./package.json").devDependencies?.["playwright-core"] ? 0 : 1)'; then
  # Listed but not installed (a fresh clone): install what package.json says.
  echo "setup-browser: npm install (playwright-core is listed)"
  npm install --no-audit --no-fund
else
  echo "setup-browser: npm install --save-dev playwright-core"
  npm install --save-dev --no-audit --no-fund playwright-core
fi
