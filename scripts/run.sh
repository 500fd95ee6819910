#!/usr/bin/env bash
# The main job: the VTN on its embedded defaults (127.0.0.1:8080, ./vtn.db,
# plain HTTP with a warning, an admin token printed once), reachable at once.
# Extra arguments go to `vtn serve`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --release -q -p vtn -p oadr-cli
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/vtn" serve "$@"
