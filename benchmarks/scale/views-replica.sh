#!/usr/bin/env bash
# Views alone (issue 15's target 5 without indexing on the same cores): a read replica (`serve --replica-of`) of DB,
# a database the spendables indexer (guests/spendables/spendables.wasm) wrote, e.g. the views profile's
# ($SOAK_WORK/views-ENGINE-fast/db after `benchmarks/scale/run.sh views ENGINE`), answers small views from
# ViewLoadDriver (blockhash or stats at random heights of DB), once with --reset fast and once with --reset fresh.
# The first rounds of each run are the node's JIT warm-up; the last two are averaged. Writes
# benchmarks/results/DATE/views-replica/ENGINE.txt and ends with one `views-replica: …` line.
#
# Usage: benchmarks/scale/views-replica.sh DB [ENGINE] [CLIENTS]   (default engine chicory, 16 clients)
#   ROUNDS (10) and PER_CLIENT (1000) set the pooled run's load; the fresh run does half the rounds of half as many.
set -euo pipefail
db=${1:?usage: benchmarks/scale/views-replica.sh DB [ENGINE] [CLIENTS]}
engine=${2:-chicory}
clients=${3:-16}
rounds=${ROUNDS:-10}
per=${PER_CLIENT:-1000}
cd "$(dirname "$0")/../.."
[ -f benchmarks/target/benchmarks.jar ] && [ -f cli/target/jshrew.jar ] || bin/with-jdk25 ./mvnw -q -B install -DskipTests
java=$(bin/with-jdk25 sh -c 'command -v java')
out="benchmarks/results/$(date -u +%Y-%m-%d)/views-replica"
mkdir -p "$out"
info=$("$java" -jar cli/target/jshrew.jar info --db "$db" --json 2>/dev/null)
from=$(sed -n 's/.*"firstHeight":\([0-9]*\).*/\1/p' <<<"$info")
tip=$(sed -n 's/.*"tip":\([0-9]*\).*/\1/p' <<<"$info")
port=$(( 20000 + RANDOM % 20000 ))
own=$(mktemp -d "${TMPDIR:-/tmp}/jshrew-replica.XXXXXX")
node=""
cleanup() { [ -n "$node" ] && kill "$node" 2>/dev/null; rm -rf "$own"; }
trap cleanup EXIT

# run RESET ROUNDS PER: the driver's rounds into $own/RESET.txt
run() {
  rm -rf "$own"/db "$own"/node.log
  "$java" -XX:-DontCompileHugeMethods -jar cli/target/jshrew.jar serve --engine "$engine" \
    --indexer guests/spendables/spendables.wasm --replica-of "$db" --db "$own/db" --host 127.0.0.1 --port "$port" \
    --reset "$1" >"$own/node.log" 2>&1 &
  node=$!
  for _ in $(seq 1 240); do grep -q "serving JSON-RPC" "$own/node.log" && break; sleep 0.5; done
  grep -q "serving JSON-RPC" "$own/node.log" || { cat "$own/node.log" >&2; exit 1; }
  "$java" -cp benchmarks/target/benchmarks.jar dev.jshrew.benchmarks.scale.ViewLoadDriver \
    "$port" "$clients" "$3" "$from" "$tip" "$2" "$node" >"$own/$1.txt"
  kill "$node"; wait "$node" 2>/dev/null || true; node=""
}

# the mean views/s of the last two rounds in FILE (of the one, with a single round)
last_two() {
  awk '{ for (i = 2; i <= NF; i++) if ($i == "views/s" || $i == "views/s,") v[n++] = $(i-1) }
       END { printf "%.1f", (n > 1 ? (v[n-1] + v[n-2]) / 2 : v[0]) }' "$1"
}

run fast "$rounds" "$per"
run fresh $(( (rounds + 1) / 2 )) $(( per / 2 ))
fast=$(last_two "$own/fast.txt")
fresh=$(last_two "$own/fresh.txt")
{
  echo "# benchmarks/scale/views-replica.sh $db $engine $clients: heights $from..$tip, $(date -u +%FT%TZ), $(nproc) cores"
  echo "== --reset fast"
  cat "$own/fast.txt"
  echo "== --reset fresh"
  cat "$own/fresh.txt"
  awk -v e="$engine" -v c="$clients" -v f="$fast" -v r="$fresh" 'BEGIN {
    printf "views-replica: engine %s, %d clients, fast %.1f/s, fresh %.1f/s (last two rounds each), fast/fresh = %.1f\n",
      e, c, f, r, f / r }'
} | tee "$out/$engine.txt"
