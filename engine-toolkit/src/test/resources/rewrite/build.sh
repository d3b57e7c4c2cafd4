#!/usr/bin/env bash
# Builds the module-rewrite test guests from their .wat sources (needs wabt's wat2wasm: apt-get install wabt;
# checked with wabt 1.0.32) and rewrites SHA256SUMS. The built modules are committed; CI does not need wabt.
set -euo pipefail
cd "$(dirname "$0")"
# features.wat sticks to WebAssembly 2.0 plus extended-const (without --enable-all, ref.func stays untyped funcref)
wat2wasm --enable-extended-const --debug-names features.wat -o features.wasm
wat2wasm v8-check.wat -o v8-check.wasm
wat2wasm fast-call.wat -o fast-call.wasm
wat2wasm cached-read.wat -o cached-read.wasm
for src in refuse-*.wat nan-*.wat; do
  wat2wasm --enable-all "$src" -o "${src%.wat}.wasm"
done
sha256sum *.wasm > SHA256SUMS
cat SHA256SUMS
