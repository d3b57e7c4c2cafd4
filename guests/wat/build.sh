#!/usr/bin/env bash
# Builds every WAT test guest into a .wasm next to its source (needs wabt's wat2wasm: apt-get install wabt).
# The built modules are committed; CI does not need wabt.
set -euo pipefail
cd "$(dirname "$0")"
for src in *.wat; do
  wat2wasm --enable-all "$src" -o "${src%.wat}.wasm"
done
# probe with a declared maximum of 40 pages (C-63)
sed 's/(memory (export "memory") 2)/(memory (export "memory") 2 40)/' probe.wat > /tmp/probe-max40.wat
wat2wasm --enable-all /tmp/probe-max40.wat -o probe-max40.wasm
# state without its start function, and state without table writes or element drops: what an engine that resets
# in place only some modules (Chicory) must get right on both sides of that line
grep -v '^  (start \$init)$' state.wat > /tmp/state-nostart.wat
grep -v -e '^    (table.init ' -e '^    (elem.drop ' state.wat > /tmp/state-notables.wat
wat2wasm --enable-all /tmp/state-nostart.wat -o state-nostart.wasm
wat2wasm --enable-all /tmp/state-notables.wat -o state-notables.wasm
printf 'not a wasm module' > malformed.wasm
# an import of the unknown kind 0x07, and a type section whose declared size runs past the end of the module
printf '\x00asm\x01\x00\x00\x00\x02\x08\x01\x03env\x01x\x07' > import-kind.wasm
printf '\x00asm\x01\x00\x00\x00\x01\x10\x01\x60\x00' > truncated-section.wasm
sha256sum *.wasm > SHA256SUMS
cat SHA256SUMS
