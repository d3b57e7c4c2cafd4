#!/usr/bin/env bash
# Builds spendables-as.wasm from assembly/index.ts with the AssemblyScript compiler pinned in package-lock.json
# (npm ci into node_modules/, from the npm registry). The built module is committed; CI does not need Node or npm.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npx asc assembly/index.ts --config asconfig.json --target release
echo "built spendables-as.wasm: $(stat -c %s spendables-as.wasm) bytes, sha256 $(sha256sum spendables-as.wasm | cut -c1-64)"
