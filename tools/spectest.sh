#!/usr/bin/env bash
# Converts the official WebAssembly memory spec tests (.wast) into the JSON + .wasm form that
# engine-chicory's SpecMemoryTest and engine-toolkit's SpecRewriteTest run (both through tck's
# SpecSuite). The testsuite is another project's code: keep both
# TESTSUITE_DIR and OUT_DIR outside this repository and never commit them. See tools/README-spectest.md.
#
# usage: tools/spectest.sh TESTSUITE_DIR OUT_DIR
#   TESTSUITE_DIR  a directory holding the .wast files (a WebAssembly/testsuite checkout, or spec's test/core)
#   OUT_DIR        where <name>.json and its <name>.N.wasm modules are written (created if missing)
# env: WAST2JSON  the wast2json binary (default: wast2json on PATH; Debian/Ubuntu package "wabt")
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 TESTSUITE_DIR OUT_DIR" >&2
    exit 2
fi
src=$1
out=$2
wast2json=${WAST2JSON:-wast2json}

if ! command -v "$wast2json" >/dev/null 2>&1; then
    echo "spectest: $wast2json not found: install wabt (apt-get install wabt) or set WAST2JSON" >&2
    exit 2
fi
if [[ ! -d $src ]]; then
    echo "spectest: $src is not a directory" >&2
    exit 2
fi
src=$(cd "$src" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "$out")
case "$out/" in
    "$repo"/*)
        echo "spectest: OUT_DIR $out is inside the repository; generated testsuite files must stay outside it" >&2
        exit 2
        ;;
esac
mkdir -p "$out"

names=(memory memory_grow memory_size memory_fill memory_copy memory_init memory_trap memory_redundancy address data bulk)
converted=0
failed=0
missing=0
for name in "${names[@]}"; do
    wast=$src/$name.wast
    if [[ ! -f $wast ]]; then
        echo "spectest: $name.wast: not in $src, skipped"
        missing=$((missing + 1))
        continue
    fi
    rm -f "$out/$name.json" "$out/$name".*.wasm "$out/$name".*.wat
    # Run from the source directory so the JSON's source_filename is the bare file name.
    # Default features first (the tests are WebAssembly 2.0); --enable-all only if those reject the file.
    if log=$(cd "$src" && "$wast2json" "$name.wast" -o "$out/$name.json" 2>&1); then
        echo "spectest: $name.wast -> $out/$name.json"
        converted=$((converted + 1))
    elif log2=$(cd "$src" && "$wast2json" --enable-all "$name.wast" -o "$out/$name.json" 2>&1); then
        echo "spectest: $name.wast -> $out/$name.json (--enable-all)"
        converted=$((converted + 1))
    else
        echo "spectest: $name.wast: wast2json failed (is the testsuite newer than $("$wast2json" --version)? see tools/README-spectest.md):" >&2
        printf '%s\n' "$log2" | head -5 >&2
        rm -f "$out/$name.json" "$out/$name".*.wasm "$out/$name".*.wat
        failed=$((failed + 1))
    fi
done

echo "spectest: $converted converted, $failed failed, $missing missing; run:"
echo "  JSHREW_SPECTEST_DIR=$out ./mvnw -pl engine-chicory test -Dtest=SpecMemoryTest"
echo "  JSHREW_SPECTEST_DIR=$out ./mvnw -pl engine-toolkit test -Dtest=SpecRewriteTest"
if [[ $converted -eq 0 || $failed -ne 0 ]]; then
    exit 1
fi
