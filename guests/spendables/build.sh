#!/usr/bin/env bash
# Build spendables.wasm from src/lib.rs with Debian's rustc (std only, no cargo, no crates).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUSTC="${RUSTC:-/usr/bin/rustc}"
OUT="$HERE/spendables.wasm"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

SYSROOT="$("$RUSTC" --print sysroot)"
if [ ! -d "$SYSROOT/lib/rustlib/wasm32-unknown-unknown/lib" ]; then
  echo "error: $RUSTC has no wasm32-unknown-unknown std (apt-get install rustc libstd-rust-dev-wasm32)" >&2
  exit 1
fi
"$RUSTC" --version

"$RUSTC" --edition 2021 \
  --crate-type cdylib --crate-name spendables \
  --target wasm32-unknown-unknown \
  -C opt-level=3 -C panic=abort -C debuginfo=0 -C lto=fat -C codegen-units=1 \
  -C link-arg=--strip-debug --remap-path-prefix "$HERE=." \
  -o "$TMP/spendables.wasm" "$HERE/src/lib.rs"

if command -v wasm-strip >/dev/null 2>&1; then
  wasm-strip "$TMP/spendables.wasm"
else
  echo "note: wasm-strip not found, skipping" >&2
fi
install -m 644 "$TMP/spendables.wasm" "$OUT"
echo "built $OUT: $(stat -c %s "$OUT") bytes"
