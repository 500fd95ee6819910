#!/usr/bin/env bash
# The bridge end to end (issue 6): the local chain with the eight real
# contracts, our VTN in chain mode and three of our VENs, over loopback.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[ -d contracts/node_modules ] || (cd contracts && npm ci --no-audit --no-fund --loglevel=error) || exit 2
cargo build -q --workspace --all-targets || exit 2
exec python3 tests/bridge_e2e/driver.py "$@"
