#!/usr/bin/env bash
# The quick profile: every benchmark family on every engine installed, in ~20 minutes on 2 cores.
# Results (JMH JSON per family, a V8 baseline, RESULTS.md and chart.png) go to benchmarks/results/<date>/.
# Usage: benchmarks/run-quick.sh [ENGINES] (default: every engine `jshrew engines` lists, comma-separated)
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || bin/with-jdk25 ./mvnw -q -B install -DskipTests
engines="${1:-$(bin/with-jdk25 java -jar cli/target/jshrew.jar engines | cut -f1 | paste -sd, -)}"
out="benchmarks/results/$(date -u +%Y-%m-%d)"
mkdir -p "$out"
jmh() { local name=$1; shift; bin/with-jdk25 java -jar "$jar" "$@" -rf json -rff "$out/$name.json" | grep -E '^(Benchmark|[A-Z][A-Za-z]+\.)'; }
jmh commit CommitBenchmark -p sizeMiB=4096 -f 3
jmh engine-commit EngineCommitBenchmark -p engine="$engines" -f 3
jmh reset ResetBenchmark -p engine="$engines" -p highWaterMiB=1,16,128,1024 -f 1 -wi 5 -i 20
jmh block BlockBenchmark -p engine="$engines" -wi 3 -i 5
# V8 baseline: the same guest and block through our minimal Node host (fresh instance per block, as V8 hosts do).
if command -v node >/dev/null; then
  node guests/node-host/metashrew-host.mjs bench guests/spendables/spendables.wasm ../shared/data/blocks/mainnet-840243.hex 20 > "$out/v8-baseline.json" || true
fi
bin/with-jdk25 java -cp "$jar" dev.jshrew.benchmarks.Report "$out" "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $(date -u +%Y-%m-%d)"
