#!/usr/bin/env bash
# Every test layer that exists so far. Each layer installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== engine: cargo test"
cargo test --release
