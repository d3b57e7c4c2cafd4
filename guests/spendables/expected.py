#!/usr/bin/env python3
"""Independent reference model of the spendables indexer (Python, hashlib).

Parses the same block files, computes what each block must write (per README.md semantics,
cumulative over the blocks given, in ascending height order) and prints the same
`height  pairs  sha256` digest lines that guests/node-host/metashrew-host.mjs prints, plus the
expected view results for a few queries, so the wasm guest can be checked against it.
Usage: python3 expected.py BLOCKFILE.hex...
"""
import hashlib, os, re, struct, sys

def dsha(b): return hashlib.sha256(hashlib.sha256(b).digest()).digest()

def compact(b, p):
    x = b[p]
    if x < 0xfd: return x, p + 1
    if x == 0xfd: return struct.unpack_from('<H', b, p + 1)[0], p + 3
    if x == 0xfe: return struct.unpack_from('<I', b, p + 1)[0], p + 5
    return struct.unpack_from('<Q', b, p + 1)[0], p + 9

def parse(block):
    txs = []
    n, p = compact(block, 80)
    for _ in range(n):
        start = p; p += 4
        seg = block[p] == 0 and block[p + 1] == 1
        if seg: p += 2
        body = p
        nin, p = compact(block, p)
        for _ in range(nin):
            p += 36; l, p = compact(block, p); p += l + 4
        nout, p = compact(block, p)
        outs = []
        for _ in range(nout):
            v = struct.unpack_from('<Q', block, p)[0]; p += 8
            l, p = compact(block, p); outs.append((v, block[p:p + l])); p += l
        bend = p
        if seg:
            for _ in range(nin):
                k, p = compact(block, p)
                for _ in range(k):
                    l, p = compact(block, p); p += l
        txid = dsha(block[start:start + 4] + block[body:bend] + block[p:p + 4]); p += 4
        txs.append((txid, outs))
    assert p == len(block), 'trailing bytes'
    return txs

def main(files):
    u32 = lambda n: struct.pack('<I', n)
    blocks = sorted(((int(re.findall(r'\d+', os.path.basename(f))[-1]), f) for f in files))
    counts = {}
    for h, f in blocks:
        block = bytes.fromhex(open(f).read().strip())
        w = {}
        txs = parse(block)
        nout = val = 0
        for txid, outs in txs:
            for vout, (v, s) in enumerate(outs):
                i = counts.get(s, 0); counts[s] = i + 1
                w[b'/outputs/' + s + b'/' + u32(i)] = txid + u32(vout) + struct.pack('<Q', v) + u32(h)
                w[b'/outputs/' + s + b'/length'] = u32(i + 1)
                nout += 1; val += v
        w[b'/blockhash/' + u32(h)] = dsha(block[:80])[::-1]
        w[b'/height'] = u32(h)
        w[b'/stats/' + u32(h)] = u32(len(txs)) + u32(nout) + struct.pack('<Q', val)
        d = hashlib.sha256()
        for k in sorted(w):
            d.update(u32(len(k)) + k + u32(len(w[k])) + w[k])
        print(f'{h}\t{len(w)}\t{d.hexdigest()}\ttxs={len(txs)} outputs={nout} value={val} '
              f'hash={dsha(block[:80])[::-1].hex()}')

if __name__ == '__main__':
    main(sys.argv[1:])
