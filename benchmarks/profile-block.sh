#!/usr/bin/env bash
# Where a block's time goes, per engine (issue 15): JMH's BlockBenchmark (one real block at ascending heights, steady
# state, reset and RocksDB commit included) under Flight Recorder, split by BlockProfile into guest code, host-call
# crossing, store reads, flush decoding, commit, reset and other host work (the benchmark thread's Java and native
# method samples, both at JFR's default 20 ms period). Writes one ENGINE-split.txt and the JMH log per engine to
# benchmarks/results/<date>/profile/; the recordings stay in benchmarks/target/profile/ENGINE/ (open them in JMC).
# Usage: benchmarks/profile-block.sh [WASM]   (default: the spendables indexer, whose files are ENGINE-split.txt;
#   another guest's are ENGINE-NAME-split.txt; BLOCK=840243,
#   ENGINES=wasmtime,graalwasm,chicory, JMH_ARGS="-wi 3 -i 5", GraalWasm: GRAAL_JMH_ARGS="-wi 8 -i 5")
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] && [ -d cli/target/graalvm ] || bin/with-jdk25 ./mvnw -q -B install -DskipTests
wasm=${1:-spendables/spendables.wasm}
tag=""; [ "$wasm" = spendables/spendables.wasm ] || tag="-$(basename "$wasm" .wasm)"
engines=${ENGINES:-wasmtime,graalwasm,chicory}
out="benchmarks/results/$(date -u +%Y-%m-%d)/profile"
mkdir -p "$out"
# shellcheck source=benchmarks/graal-jvm.sh
. benchmarks/graal-jvm.sh
for engine in ${engines//,/ }; do
  dir="benchmarks/target/profile/$engine"
  rm -rf "$dir" && mkdir -p "$dir"
  prof="jfr:dir=$dir;configName=default;postProcessor=dev.jshrew.benchmarks.BlockProfile"
  args=(BlockBenchmark -p engine="$engine" -p wasm="$wasm" -p blockHeight="${BLOCK:-840243}" -prof "$prof")
  if [ "$engine" = graalwasm ]; then
    # shellcheck disable=SC2086
    bin/with-jdk25 java -jar "$jar" "${args[@]}" ${GRAAL_JMH_ARGS:--wi 8 -i 5} -jvmArgsAppend "$graal_jvm" \
      > "$dir/jmh.log" 2>&1
  else
    # shellcheck disable=SC2086
    bin/with-jdk25 java -jar "$jar" "${args[@]}" ${JMH_ARGS:--wi 3 -i 5} > "$dir/jmh.log" 2>&1
  fi
  split=$(find "$dir" -name '*-split.txt' | head -1)
  cp "$split" "$out/$engine$tag-split.txt"
  cp "$dir/jmh.log" "$out/$engine$tag-jmh.log"
  echo "== $engine ($(basename "$wasm"), block ${BLOCK:-840243}): $(grep -E '^BlockBenchmark.indexBlock ' "$dir/jmh.log" | tail -1 | tr -s ' ')"
  tail -n +2 "$out/$engine$tag-split.txt"
done
