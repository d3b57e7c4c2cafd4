#!/usr/bin/env bash
# The quick profile: every benchmark family on every engine installed, in ~20 minutes on 2 cores.
# Results (JMH JSON per family, a V8 baseline, RESULTS.md and chart.png) go to benchmarks/results/<date>/.
# Usage: benchmarks/run-quick.sh [ENGINES] (default: chicory,wasmtime,graalwasm)
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] && [ -d cli/target/graalvm ] || bin/with-jdk25 ./mvnw -q -B install -DskipTests
engines="${1:-chicory,wasmtime,graalwasm}"
plain=$(echo "$engines" | tr ',' '\n' | grep -v '^graalwasm$' | paste -sd, - || true)
out="benchmarks/results/$(date -u +%Y-%m-%d)"
mkdir -p "$out"
# GraalWasm needs the Graal JIT in the forked JVMs: the same flags as the CLI's relaunch (cli/.../GraalLauncher).
# shellcheck source=benchmarks/graal-jvm.sh
. benchmarks/graal-jvm.sh

jmh() { local name=$1; shift; bin/with-jdk25 java -jar "$jar" "$@" -rf json -rff "$out/$name.json" | grep -E '^(Benchmark|[A-Z][A-Za-z]+\.)' || true; }
for_engines() { # NAME ARGS... : runs the plain engines together and graalwasm with its JVM flags
  local name=$1; shift
  [ -n "$plain" ] && jmh "$name" "$@" -p engine="$plain"
  if [[ ",$engines," == *",graalwasm,"* ]]; then jmh "$name-graalwasm" "$@" -p engine=graalwasm -jvmArgsAppend "$graal_jvm"; fi
}
jmh commit '\.CommitBenchmark\.' -p sizeMiB=4096 -f 3
for_engines engine-commit EngineCommitBenchmark -f 3
for_engines reset ResetBenchmark -p highWaterMiB=1,16,128,1024 -f 1 -wi 5 -i 20
[ -n "$plain" ] && jmh block BlockBenchmark -p engine="$plain" -wi 3 -i 5
# GraalWasm's JIT needs ~20 s of blocks to warm up.
if [[ ",$engines," == *",graalwasm,"* ]]; then jmh block-graalwasm BlockBenchmark -p engine=graalwasm -wi 8 -i 5 -jvmArgsAppend "$graal_jvm"; fi
# V8 baseline: the same guest and block through our minimal Node host (fresh instance per block, as V8 hosts do).
if command -v node >/dev/null; then
  node guests/node-host/metashrew-host.mjs bench guests/spendables/spendables.wasm ../shared/data/blocks/mainnet-840243.hex 20 > "$out/v8-baseline.json" || true
fi
bin/with-jdk25 java -cp "$jar" dev.jshrew.benchmarks.Report "$out" "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $(date -u +%Y-%m-%d)"
