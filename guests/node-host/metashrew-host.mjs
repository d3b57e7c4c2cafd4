#!/usr/bin/env node
// Minimal metashrew host for Node's WebAssembly (V8), for validating guests and as a V8 baseline.
// Implements the guest ABI of shared/spec/METASHREW-ABI.md §1-§2 over an in-memory, height-versioned
// store. Usage:
//   node metashrew-host.mjs index WASM BLOCKFILE.hex... [--view NAME HEXINPUT HEIGHT]... [--verbose]
// Block height = last run of digits in the file name; blocks run in ascending height order.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';

// ---- versioned store: key -> [[height, Uint8Array], ...] in commit order, heights ascending.
// Keys are held as latin1 strings (one char per byte), so Map equality is byte equality.
const keyStr = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.length).toString('latin1');
class Store {
  constructor() { this.map = new Map(); }
  get(key, h) { // newest version with height <= h, or undefined
    const list = this.map.get(keyStr(key));
    if (!list) return undefined;
    let lo = 0, hi = list.length; // first index with height > h
    while (lo < hi) { const m = (lo + hi) >> 1; if (list[m][0] <= h) lo = m + 1; else hi = m; }
    return lo === 0 ? undefined : list[lo - 1][1];
  }
  put(k, h, value) { // k: key string from keyStr()
    let list = this.map.get(k);
    if (!list) this.map.set(k, (list = []));
    list.push([h, value]);
  }
}

// ---- protobuf KeyValueFlush { repeated bytes list = 1; }
// Varints as Numbers (exact below 2^53; a longer length fails the bounds check anyway), and the items as views into
// the one copy of the flush buffer that readBuf made: no BigInt and no per-item copy, so the baseline's own
// JavaScript and garbage collection stay small next to the guest's code.
let at = 0; // decodeFlush's read position (module state: no [value, pos] array per varint)
function readVarint(b) {
  let v = 0, mul = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= b.length) throw new Error('truncated varint');
    const x = b[at++];
    v += (x & 0x7f) * mul;
    if (!(x & 0x80)) return v; // past 2^53 inexact, but only a skipped value can be that large: a length fails below
    mul *= 128;
  }
  throw new Error('varint too long');
}
function decodeFlush(b) {
  const items = [];
  at = 0;
  while (at < b.length) {
    const tag = readVarint(b);
    const field = Math.floor(tag / 8), wt = tag % 8;
    if (field === 1 && wt !== 2) throw new Error('bad wire type for field 1');
    if (wt === 0) readVarint(b);
    else if (wt === 1) at += 8;
    else if (wt === 5) at += 4;
    else if (wt === 2) {
      const len = readVarint(b);
      const end = at + len;
      if (end > b.length) throw new Error('truncated bytes field');
      if (field === 1) items.push(b.subarray(at, end));
      at = end;
    } else throw new Error('unsupported wire type ' + wt);
    if (at > b.length) throw new Error('truncated field');
  }
  const pairs = [];
  for (let i = 0; i + 1 < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
  return pairs;
}

// ---- one guest call (index or view): fresh instance, input = u32le(H) ‖ payload
async function runGuest(module, store, { height, payload, readHeight, exportName, indexMode }) {
  const input = Buffer.alloc(4 + payload.length);
  input.writeUInt32LE(height >>> 0, 0);
  Buffer.from(payload.buffer, payload.byteOffset, payload.length).copy(input, 4);
  let instance = null;
  const mem = () => new Uint8Array(instance.exports.memory.buffer);
  const dv = () => new DataView(instance.exports.memory.buffer);
  // The bytes of the guest buffer at p (§1.2), or null if invalid: a copy, or with copy false a view into guest
  // memory for a key that is only looked up before the guest runs again.
  const readBuf = (p, copy = true) => {
    const m = mem();
    if ((p | 0) < 4 || p > m.length) return null;
    const len = dv().getUint32(p - 4, true);
    if (p + len > m.length) return null;
    return copy ? m.slice(p, p + len) : m.subarray(p, p + len);
  };
  const checkedWrite = (p, bytes) => {
    const m = mem();
    if ((p | 0) < 0 || p + bytes.length > m.length) throw new Error(`write out of bounds at ${p}`);
    m.set(bytes, p);
  };
  const state = { flushed: false, failed: false, pairs: [] };
  const env = {
    __host_len: () => input.length,
    __load_input: (p) => checkedWrite(p >>> 0, input),
    __get_len: (k) => {
      const key = readBuf(k >>> 0, false);
      if (!key) return 0x7fffffff;
      const v = store.get(key, readHeight);
      return v ? v.length : 0;
    },
    __get: (k, v) => {
      const key = readBuf(k >>> 0, false);
      if (!key) { checkedWrite((v >>> 0) - 4, [0xff, 0xff, 0xff, 0x7f]); return; }
      const val = store.get(key, readHeight);
      if (val && val.length) checkedWrite(v >>> 0, val);
    },
    __flush: (p) => {
      if (!indexMode) return;
      const b = readBuf(p >>> 0);
      if (!b) { state.failed = true; return; }
      try { for (const pair of decodeFlush(b)) state.pairs.push(pair); state.flushed = true; }
      catch (e) { state.failed = true; }
    },
    __log: (p) => {
      const b = readBuf(p >>> 0);
      if (b) { try { process.stderr.write(new TextDecoder('utf-8', { fatal: true }).decode(b)); } catch (e) { } }
    },
    abort: (msg, file, line, col) => {
      const str = (p) => { const b = readBuf(p >>> 0); return b ? Buffer.from(b).toString('utf16le') : '?'; };
      throw new Error(`abort: ${str(msg)} at ${str(file)}:${line}:${col}`);
    },
  };
  // any other import links to a stub that traps when called
  const imports = { env };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    const ns = (imports[imp.module] ??= {});
    if (!(imp.name in ns)) ns[imp.name] = () => { throw new Error(`unimplemented import ${imp.module}.${imp.name}`); };
  }
  instance = await WebAssembly.instantiate(module, imports);
  const fn = instance.exports[exportName];
  if (typeof fn !== 'function') throw new Error(`missing export ${exportName}`);
  const tCall = process.hrtime.bigint();
  const r = fn();
  if (verbose) {
    const ms = Number(process.hrtime.bigint() - tCall) / 1e6;
    console.error(`[${exportName} @${height}] call ${ms.toFixed(2)} ms, memory pages after call: ${instance.exports.memory.buffer.byteLength / 65536}`);
  }
  if (indexMode) {
    if (state.failed) throw new Error('guest flush failed (invalid buffer or protobuf)');
    if (!state.flushed) throw new Error('indexer exited without a successful __flush');
    return state.pairs;
  }
  return readBuf(r >>> 0) ?? new Uint8Array(0);
}

// ---- CLI
let verbose = false;
function heightOf(file) {
  const m = basename(file).match(/(\d+)(?!.*\d)/);
  if (!m) throw new Error(`no height in file name ${file}`);
  return parseInt(m[1], 10);
}

// bench WASM BLOCKFILE N: the same block at N ascending heights after 5 warm-up blocks; prints
// {"v8 (node VERSION)": mean ms per block} — instantiate + _start + commit to the in-memory store.
async function bench(argv) {
  const module = await WebAssembly.compile(readFileSync(argv[1]));
  const block = Buffer.from(readFileSync(argv[2], 'utf8').trim(), 'hex');
  const n = parseInt(argv[3] || '20', 10);
  const store = new Store();
  const times = [];
  for (let i = 0; i < n + 5; i++) {
    const height = 1000000 + i;
    const t0 = process.hrtime.bigint();
    const pairs = await runGuest(module, store, { height, payload: block, readHeight: height - 1, exportName: '_start', indexMode: true });
    for (const [k, v] of pairs) store.put(keyStr(k), height, v);
    if (i >= 5) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(JSON.stringify({ [`v8 (node ${process.version}, in-memory store)`]: mean }));
}

async function main(argv) {
  if (argv[0] === 'bench') return bench(argv);
  if (argv[0] !== 'index' || argv.length < 2) {
    console.error('usage: node metashrew-host.mjs index WASM BLOCKFILE.hex... [--view NAME HEXINPUT HEIGHT]... [--verbose]');
    process.exit(2);
  }
  const wasmPath = argv[1];
  const files = [], views = [];
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--verbose') verbose = true;
    else if (argv[i] === '--view') { views.push({ name: argv[i + 1], hex: argv[i + 2], height: parseInt(argv[i + 3], 10) }); i += 3; }
    else files.push(argv[i]);
  }
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  const store = new Store();
  const blocks = files.map((f) => ({ file: f, height: heightOf(f) })).sort((a, b) => a.height - b.height);
  console.log('height\tms\tpairs\tsha256');
  for (const { file, height } of blocks) {
    const block = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    const t0 = process.hrtime.bigint();
    const pairs = await runGuest(module, store, {
      height, payload: block, readHeight: height > 0 ? height - 1 : 0, exportName: '_start', indexMode: true,
    });
    // commit atomically after success; the later duplicate wins
    const final = new Map();
    for (const [k, v] of pairs) { const ks = keyStr(k); store.put(ks, height, v); final.set(ks, [k, v]); }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const sorted = [...final.values()].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
    const h = createHash('sha256');
    const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n, 0); return b; };
    for (const [k, v] of sorted) { h.update(u32(k.length)); h.update(k); h.update(u32(v.length)); h.update(v); }
    console.log(`${height}\t${ms.toFixed(2)}\t${final.size}\t${h.digest('hex')}`);
  }
  for (const v of views) {
    const out = await runGuest(module, store, {
      height: v.height, payload: Buffer.from(v.hex, 'hex'), readHeight: v.height, exportName: v.name, indexMode: false,
    });
    console.log(`view ${v.name} ${v.hex} @${v.height}: ${Buffer.from(out).toString('hex')}`);
  }
}

main(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
