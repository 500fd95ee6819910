#!/usr/bin/env bash
# The main job.
#
#   ./scripts/run.sh            the whole local loop, narrated: a local Stacks
#                               chain with the eight DR contracts, the VTN in
#                               chain mode and three simulated VENs; a utility
#                               creates and funds an event on chain, users
#                               commit, the VENs receive it as OpenADR events
#                               and shed (or not), telemetry flows, the oracle
#                               submits, verification, claims and a slash run,
#                               and `vtn verify` checks the hashes (about 3 min).
#   ./scripts/run.sh vtn [ARGS] just the VTN on its embedded defaults
#                               (127.0.0.1:8080, ./vtn.db, plain HTTP with a
#                               warning, an admin token printed once); ARGS go
#                               to `vtn serve`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "${1:-loop}" in
  vtn)
    shift
    bash scripts/setup.sh >/dev/null
    cargo build --release -q -p vtn
    exec "$TARGET/release/vtn" serve "$@"
    ;;
  loop)
    bash scripts/setup.sh >/dev/null
    echo "building the VTN and the VEN..."
    cargo build -q -p vtn -p ven
    exec python3 tests/bridge_e2e/driver.py --demo
    ;;
  *)
    echo "usage: $0 [loop | vtn [ARGS]]" >&2
    exit 2
    ;;
esac
