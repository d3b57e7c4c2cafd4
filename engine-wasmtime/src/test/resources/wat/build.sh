#!/usr/bin/env bash
# Builds the engine-level test guests next to their sources (needs wabt's wat2wasm). The .wasm files are committed.
set -euo pipefail
cd "$(dirname "$0")"
for src in *.wat; do
  wat2wasm --enable-all "$src" -o "${src%.wat}.wasm"
done
