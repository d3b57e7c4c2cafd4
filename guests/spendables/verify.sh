#!/usr/bin/env bash
# Index every block in BLOCKDIR with the Node host, compare the per-block digests with the
# independent Python model (expected.py) and check the views. Usage: [WASM=other.wasm] verify.sh [BLOCKDIR]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${1:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/data/blocks}"
HOST="$HERE/../node-host/metashrew-host.mjs"
WASM="${WASM:-$HERE/spendables.wasm}"
u32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }

EXP="$(python3 "$HERE/expected.py" "$DIR"/*.hex)"
VIEWS=()
while read -r h _ _ rest; do
  VIEWS+=(--view blockhash "$(u32 "$h")" "$h" --view stats "$(u32 "$h")" "$h")
done <<<"$EXP"
GENESIS_SPK=4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac
VIEWS+=(--view outputsbyscript "$GENESIS_SPK" 0 --view outputsbyscript "$GENESIS_SPK" 849236)
OUT="$(node "$HOST" index "$WASM" "$DIR"/*.hex "${VIEWS[@]}")"
echo "$OUT" | grep -v '^view'

fail=0
while read -r h pairs digest rest; do
  got="$(echo "$OUT" | awk -v h="$h" '$1==h && $1 !~ /^view/ {print $3"\t"$4}')"
  [ "$got" = "$pairs	$digest" ] || { echo "MISMATCH digest at $h: got '$got' want '$pairs $digest'"; fail=1; }
  hash="${rest##*hash=}"
  bh="$(echo "$OUT" | grep "^view blockhash $(u32 "$h") @$h:" | awk '{print $5}')"
  if [ "$bh" = "$hash" ]; then echo "blockhash @$h: $bh OK"; else echo "MISMATCH blockhash view at $h: $bh"; fail=1; fi
  st="$(echo "$OUT" | grep "^view stats $(u32 "$h") @$h:" | awk '{print $5}')"
  python3 - "$st" "$rest" "$h" <<'PY' || fail=1
import struct, sys, re
st = bytes.fromhex(sys.argv[1]); want = dict(re.findall(r'(\w+)=(\w+)', sys.argv[2]))
got = struct.unpack('<IIQ', st)
exp = (int(want['txs']), int(want['outputs']), int(want['value']))
print(f"stats @{sys.argv[3]}: txs={got[0]} outputs={got[1]} value={got[2]}", "OK" if got == exp else f"MISMATCH want {exp}")
sys.exit(0 if got == exp else 1)
PY
done <<<"$EXP"
for h in 0 849236; do
  r="$(echo "$OUT" | grep "^view outputsbyscript $GENESIS_SPK @$h:" | awk '{print $5}')"
  want=01000000$(echo 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b | fold -w2 | tac | tr -d '\n')0000000000f2052a0100000000000000
  [ "$r" = "$want" ] && echo "outputsbyscript(genesis coinbase) @$h: 1 entry OK" || { echo "MISMATCH outputsbyscript @$h: $r"; fail=1; }
done
[ "$fail" = 0 ] && echo "ALL OK" || { echo "FAILED"; exit 1; }
