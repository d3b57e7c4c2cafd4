#!/usr/bin/env bash
# Per-block cost against V8 (issue 15), in one run: each indexer through every engine with JMH's BlockBenchmark (one
# real block at ascending heights, steady state, pristine-instance reset and RocksDB commit included) and through V8
# (Node's WebAssembly via guests/node-host: the same block, a fresh instance per block, an in-memory store).
# Writes JMH JSON, V8 JSON and RESULTS.md (a table per guest, ratios to V8) to benchmarks/results/<date>/v8-compare/.
# Usage: benchmarks/v8-compare.sh [WASM...]
#   The repository's own indexers always run; any other metashrew indexer is given as a file (e.g. a public release
#   build fetched to measure locally; never commit one). BLOCK=840243 (a file in ../shared/data/blocks),
#   ENGINES=wasmtime,graalwasm,chicory, JMH_ARGS="-wi 3 -i 5" (Chicory: CHICORY_JMH_ARGS="-wi 10 -i 5", HotSpot compiles
#   its huge guest methods late; GraalWasm: GRAAL_JMH_ARGS="-wi 8 -i 5", its JIT warms
#   up over ~20 s of blocks), V8_BLOCKS=20 (after 5 warm-up blocks), OVERLAP=false,true (JMH's overlapCommits:
#   commits one block at a time, and written while the next block runs as the node does by default),
#   OWN_GUESTS="spendables/spendables.wasm spendables-as/spendables-as.wasm" (set it empty to run only the files given).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] && [ -d cli/target/graalvm ] || bin/with-jdk25 ./mvnw -q -B install -DskipTests
command -v node >/dev/null || { echo "v8-compare: node (Node.js 20+) is needed for the V8 side" >&2; exit 2; }
block=${BLOCK:-840243}
engines=${ENGINES:-wasmtime,graalwasm,chicory}
out="benchmarks/results/$(date -u +%Y-%m-%d)/v8-compare"
mkdir -p "$out"
# shellcheck source=benchmarks/graal-jvm.sh
. benchmarks/graal-jvm.sh
blockfile=../shared/data/blocks/mainnet-$(printf %06d "$block").hex
# shellcheck disable=SC2086
for guest in ${OWN_GUESTS-spendables/spendables.wasm spendables-as/spendables-as.wasm} "$@"; do
  name=$(basename "$guest" .wasm)
  file=$guest; [ -f "$file" ] || file=guests/$guest
  echo "v8-compare: $name on V8" >&2
  node guests/node-host/metashrew-host.mjs bench "$file" "$blockfile" "${V8_BLOCKS:-20}" > "$out/v8-$name.json"
  for engine in ${engines//,/ }; do
    echo "v8-compare: $name on $engine" >&2
    if [ "$engine" = graalwasm ]; then
      # shellcheck disable=SC2086
      bin/with-jdk25 java -jar "$jar" BlockBenchmark -p engine=graalwasm -p wasm="$guest" -p blockHeight="$block" \
        -p overlapCommits="${OVERLAP:-false,true}" ${GRAAL_JMH_ARGS:--wi 8 -i 5} -jvmArgsAppend "$graal_jvm" \
        -rf json -rff "$out/jmh-$name-$engine.json" \
        > "$out/jmh-$name-$engine.log"
    else
      args=${JMH_ARGS:--wi 3 -i 5}
      # HotSpot compiles Chicory's huge guest methods late (-XX:-DontCompileHugeMethods): a longer warm-up
      [ "$engine" = chicory ] && args=${CHICORY_JMH_ARGS:--wi 10 -i 5}
      # shellcheck disable=SC2086
      bin/with-jdk25 java -jar "$jar" BlockBenchmark -p engine="$engine" -p wasm="$guest" -p blockHeight="$block" \
        -p overlapCommits="${OVERLAP:-false,true}" $args -rf json -rff "$out/jmh-$name-$engine.json" \
        > "$out/jmh-$name-$engine.log"
    fi
  done
done
bin/with-jdk25 java -cp "$jar" dev.jshrew.benchmarks.V8Compare "$out" \
  "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $(date -u +%Y-%m-%d), block $block"
