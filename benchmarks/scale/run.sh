#!/usr/bin/env bash
# The soak (issue 13): a synthesized chain at 840,000 served by `jshrew devnet serve` with reorgs of depth 1..6,
# followed per engine by `jshrew serve` (spendables indexer) that is SIGKILLed and restarted every K blocks under a
# bounded view load, then compared height by height with a reference node on the final chain (no kills, no reorgs,
# no load). Writes PROFILE-ENGINE.json and SVG charts to benchmarks/results/<date>/scale/, ends with one
# `scale: …` line per engine; exit 1 if any height diverged.
# Usage: benchmarks/scale/run.sh quick|full|views [ENGINES]   (default engine: wasmtime; e.g. chicory,wasmtime,graalwasm)
#   quick: 1,000 blocks of ~1 MB, kill every 100, reorgs at +140..+840; full: 10,000 blocks, kill every 1,000.
#   views: views at scale (issue 15) on the quick chain: once a node indexing 2 blocks/s has 60 blocks, 4 clients
#   send 1,250 small views each without pause (warm-up, not counted), then 2,500 each (measured), once with
#   --reset fast and once with --reset fresh; writes views-ENGINE.json (throughput, latency, the node's CPU per
#   view) and ends with one `views: …` line per engine (its default SOAK_WORK is the quick profile's chain).
#   VIEW_CLIENTS=N: N clients sharing the same 10,000 measured views (and warm-up), to load the node to capacity.
#   VIEW_WARMUP_ROUNDS=R: R rounds of the warm-up load instead of one, so the measured load finds the node's JIT
#   done compiling the view path (a node that has served a while), as it is not after one round on 2 cores.
#   SOAK_WORK=DIR holds the chain and databases (default: $TMPDIR or /tmp, jshrew-soak-PROFILE; the chain is reused);
#   SOAK_COUNT=N runs a shorter trial of the profile (reorgs beyond N dropped).
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${1:?usage: benchmarks/scale/run.sh quick|full|views [ENGINES]}
engines=${2:-wasmtime}
[ -f benchmarks/target/benchmarks.jar ] && [ -f cli/target/jshrew.jar ] || bin/with-jdk25 ./mvnw -q -B install -DskipTests
out="benchmarks/results/$(date -u +%Y-%m-%d)/scale"
work="${SOAK_WORK:-${TMPDIR:-/tmp}/jshrew-soak-${profile/views/quick}${SOAK_COUNT:+-$SOAK_COUNT}}"
mkdir -p "$out" "$work"
opts=()
[ -n "${SOAK_COUNT:-}" ] && opts+=("-Dsoak.count=$SOAK_COUNT")
[ -n "${VIEW_CLIENTS:-}" ] && opts+=("-Dsoak.viewClients=$VIEW_CLIENTS")
[ -n "${VIEW_WARMUP_ROUNDS:-}" ] && opts+=("-Dsoak.viewWarmupRounds=$VIEW_WARMUP_ROUNDS")
node=()
# views: the node as bin/jshrew runs it (HotSpot may compile a guest's huge functions: Chicory's indexing speed);
# quick and full keep a plain `java -jar` (the Soak's default), comparable with their earlier results.
[ "$profile" = views ] && node=("$(bin/with-jdk25 sh -c 'command -v java')" -XX:-DontCompileHugeMethods -jar cli/target/jshrew.jar)
bin/with-jdk25 java -Xmx1g "${opts[@]}" -cp benchmarks/target/benchmarks.jar dev.jshrew.benchmarks.scale.Soak \
  "$profile" "$engines" "$out" "$work" "${node[@]}" | tee "$out/$profile.txt"
