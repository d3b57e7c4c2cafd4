// spendables, in AssemblyScript: the same indexer as guests/spendables (Rust), key for key and byte for byte, so
// that the two guests' state roots must agree on every block. What differs is what an AssemblyScript indexer does:
// the runtime's TLSF allocator and incremental GC grow linear memory, host buffers are ArrayBuffers (whose byte
// length sits in the object header at ptr-4, the metashrew convention), and a failure is an `abort` import call.
//
// Key layout (all integers little-endian; S = raw scriptPubKey bytes):
//   /outputs/ S /length            -> u32 count
//   /outputs/ S / u32(i)           -> txid(32, internal order) u32(vout) u64(value) u32(height)
//   /blockhash/ u32(height)        -> 32-byte block hash, display order
//   /height                        -> u32 height of the last indexed block
//   /stats/ u32(height)            -> u32(tx count) u32(output count) u64(total output value)

// ---------------------------------------------------------------------------------------------------------------
// Host imports
// ---------------------------------------------------------------------------------------------------------------

@external("env", "__host_len")
declare function __host_len(): i32;
@external("env", "__load_input")
declare function __load_input(ptr: usize): void;
@external("env", "__get_len")
declare function __get_len(keyPtr: usize): i32;
@external("env", "__get")
declare function __get(keyPtr: usize, valuePtr: usize): void;
@external("env", "__flush")
declare function __flush(ptr: usize): void;

function ptr(buf: ArrayBuffer): usize {
  return changetype<usize>(buf);
}

function loadInput(): Uint8Array {
  const len = __host_len();
  if (len < 4) throw new Error("input shorter than 4 bytes");
  const buf = new ArrayBuffer(len);
  __load_input(ptr(buf));
  return Uint8Array.wrap(buf);
}

/** A key from the host store (as of the read height), or null when it is missing. */
function hostGet(key: ArrayBuffer): ArrayBuffer | null {
  const len = __get_len(ptr(key));
  if (len == i32.MAX_VALUE || len < 0) throw new Error("__get_len returned error " + len.toString());
  if (len == 0) return null;
  const value = new ArrayBuffer(len);
  __get(ptr(key), ptr(value));
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------------------------

class Bytes {
  buf: Uint8Array;
  len: i32 = 0;

  constructor(capacity: i32) {
    this.buf = new Uint8Array(max(capacity, 16));
  }

  private reserve(more: i32): void {
    if (this.len + more <= this.buf.length) return;
    const grown = new Uint8Array(max(this.buf.length * 2, this.len + more));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  byte(b: u8): Bytes {
    this.reserve(1);
    this.buf[this.len++] = b;
    return this;
  }

  bytes(data: Uint8Array): Bytes {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  ascii(s: string): Bytes {
    for (let i = 0; i < s.length; i++) this.byte(<u8>s.charCodeAt(i));
    return this;
  }

  u32(v: u32): Bytes {
    this.reserve(4);
    store<u32>(this.buf.dataStart + this.len, v);
    this.len += 4;
    return this;
  }

  u64(v: u64): Bytes {
    this.reserve(8);
    store<u64>(this.buf.dataStart + this.len, v);
    this.len += 8;
    return this;
  }

  /** An ArrayBuffer of exactly the bytes written: what the host reads. */
  done(): ArrayBuffer {
    return this.buf.buffer.slice(0, this.len);
  }
}

function readU32(v: ArrayBuffer): u32 {
  if (v.byteLength < 4) throw new Error("stored value too short for u32");
  return load<u32>(changetype<usize>(v));
}

/** The bytes as a string, one UTF-16 unit per byte: a map key that compares by content. */
function keyOf(data: Uint8Array): string {
  const units = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) units[i] = data[i];
  return String.UTF16.decode(units.buffer);
}

// ---------------------------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4), streaming
// ---------------------------------------------------------------------------------------------------------------

const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

class Sha256 {
  state: StaticArray<u32> = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ];
  block: Uint8Array = new Uint8Array(64);
  w: StaticArray<u32> = new StaticArray<u32>(64);
  fill: i32 = 0;
  total: u64 = 0;

  private compress(chunk: Uint8Array, at: i32): void {
    const w = this.w;
    for (let i = 0; i < 16; i++) {
      const p = at + 4 * i;
      w[i] = (<u32>chunk[p] << 24) | (<u32>chunk[p + 1] << 16) | (<u32>chunk[p + 2] << 8) | <u32>chunk[p + 3];
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15];
      const b = w[i - 2];
      const s0 = rotr<u32>(a, 7) ^ rotr<u32>(a, 18) ^ (a >>> 3);
      const s1 = rotr<u32>(b, 17) ^ rotr<u32>(b, 19) ^ (b >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    const st = this.state;
    let a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    for (let i = 0; i < 64; i++) {
      const s1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = h + s1 + ch + K[i] + w[i];
      const s0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = s0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
  }

  update(data: Uint8Array, from: i32, to: i32): void {
    this.total += <u64>(to - from);
    if (this.fill > 0) {
      const take = min(64 - this.fill, to - from);
      this.block.set(data.subarray(from, from + take), this.fill);
      this.fill += take;
      from += take;
      if (this.fill < 64) return;
      this.compress(this.block, 0);
      this.fill = 0;
    }
    while (to - from >= 64) {
      this.compress(data, from);
      from += 64;
    }
    if (to > from) {
      this.block.set(data.subarray(from, to), 0);
      this.fill = to - from;
    }
  }

  finish(): Uint8Array {
    const bits = this.total * 8;
    const one = new Uint8Array(1);
    one[0] = 0x80;
    this.update(one, 0, 1);
    const zero = new Uint8Array(1);
    while (this.fill != 56) this.update(zero, 0, 1);
    const len = new Uint8Array(8);
    for (let i = 0; i < 8; i++) len[i] = <u8>(bits >> (<u64>(56 - 8 * i)));
    this.update(len, 0, 8);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      const s = this.state[i];
      out[4 * i] = <u8>(s >>> 24);
      out[4 * i + 1] = <u8>(s >>> 16);
      out[4 * i + 2] = <u8>(s >>> 8);
      out[4 * i + 3] = <u8>s;
    }
    return out;
  }
}

function sha256(data: Uint8Array): Uint8Array {
  const h = new Sha256();
  h.update(data, 0, data.length);
  return h.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// Block parsing
// ---------------------------------------------------------------------------------------------------------------

class Reader {
  constructor(public buf: Uint8Array, public pos: i32) {}

  take(n: i32): i32 {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new Error("truncated block: need " + n.toString() + " bytes at offset " + this.pos.toString());
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): u8 {
    return this.buf[this.take(1)];
  }

  u32(): u32 {
    return load<u32>(this.buf.dataStart + this.take(4));
  }

  u64(): u64 {
    return load<u64>(this.buf.dataStart + this.take(8));
  }

  compact(): u64 {
    const b = this.u8();
    if (b == 0xfd) return <u64>load<u16>(this.buf.dataStart + this.take(2));
    if (b == 0xfe) return <u64>this.u32();
    if (b == 0xff) return this.u64();
    return <u64>b;
  }

  compactLen(): i32 {
    const n = this.compact();
    if (n > <u64>(this.buf.length - this.pos)) throw new Error("compact size exceeds remaining input");
    return <i32>n;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Write cache: each key once, in first-write order, final value
// ---------------------------------------------------------------------------------------------------------------

class Writes {
  keys: Array<ArrayBuffer> = new Array<ArrayBuffer>();
  values: Array<ArrayBuffer> = new Array<ArrayBuffer>();
  index: Map<string, i32> = new Map<string, i32>();

  set(key: ArrayBuffer, value: ArrayBuffer): void {
    const k = keyOf(Uint8Array.wrap(key));
    if (this.index.has(k)) {
      this.values[this.index.get(k)] = value;
    } else {
      this.index.set(k, this.keys.length);
      this.keys.push(key);
      this.values.push(value);
    }
  }

  flush(): void {
    let size = 0;
    for (let i = 0; i < this.keys.length; i++) size += this.keys[i].byteLength + this.values[i].byteLength + 12;
    const out = new Bytes(size);
    for (let i = 0; i < this.keys.length; i++) {
      putItem(out, this.keys[i]);
      putItem(out, this.values[i]);
    }
    __flush(ptr(out.done()));
  }
}

function putItem(out: Bytes, item: ArrayBuffer): void {
  out.byte(0x0a);
  let n = <u32>item.byteLength;
  while (true) {
    const b = <u8>(n & 0x7f);
    n >>>= 7;
    if (n == 0) {
      out.byte(b);
      break;
    }
    out.byte(b | 0x80);
  }
  out.bytes(Uint8Array.wrap(item));
}

function lengthKey(script: Uint8Array): ArrayBuffer {
  return new Bytes(16 + script.length).ascii("/outputs/").bytes(script).ascii("/length").done();
}

function entryKey(script: Uint8Array, i: u32): ArrayBuffer {
  return new Bytes(16 + script.length).ascii("/outputs/").bytes(script).byte(0x2f).u32(i).done();
}

function heightKey(prefix: string, height: u32): ArrayBuffer {
  return new Bytes(16).ascii(prefix).u32(height).done();
}

// ---------------------------------------------------------------------------------------------------------------
// _start: index one block
// ---------------------------------------------------------------------------------------------------------------

export function _start(): void {
  const input = loadInput();
  const height = load<u32>(input.dataStart);
  const block = input.subarray(4);
  if (block.length < 81) throw new Error("block too short");

  const writes = new Writes();
  // script -> current count (read once from the host at H-1, then kept here)
  const counts = new Map<string, u32>();

  const hash = sha256(sha256(block.subarray(0, 80)));
  hash.reverse();

  const r = new Reader(block, 80);
  const txCount = r.compact();
  let outCount: u32 = 0;
  let outValue: u64 = 0;
  const outValues = new Array<u64>();
  const outScripts = new Array<Uint8Array>();

  for (let t: u64 = 0; t < txCount; t++) {
    const txStart = r.pos;
    r.take(4); // version
    let segwit = false;
    if (r.pos + 2 <= block.length && block[r.pos] == 0) {
      const flag = block[r.pos + 1];
      if (flag != 1) throw new Error("unknown transaction flag " + flag.toString());
      segwit = true;
      r.take(2);
    }
    const bodyStart = r.pos;
    const nIn = r.compactLen();
    for (let i = 0; i < nIn; i++) {
      r.take(36); // prevout
      r.take(r.compactLen()); // scriptSig
      r.take(4); // sequence
    }
    const nOut = r.compactLen();
    outValues.length = 0;
    outScripts.length = 0;
    for (let i = 0; i < nOut; i++) {
      outValues.push(r.u64());
      const l = r.compactLen();
      const at = r.take(l);
      outScripts.push(block.subarray(at, at + l));
    }
    const bodyEnd = r.pos;
    if (segwit) {
      for (let i = 0; i < nIn; i++) {
        const items = r.compactLen();
        for (let j = 0; j < items; j++) r.take(r.compactLen());
      }
    }
    const lockStart = r.pos;
    r.take(4); // locktime

    // txid over the non-witness serialization: version ‖ inputs ‖ outputs ‖ locktime
    const h = new Sha256();
    h.update(block, txStart, txStart + 4);
    h.update(block, bodyStart, bodyEnd);
    h.update(block, lockStart, lockStart + 4);
    const txid = sha256(h.finish());

    for (let vout = 0; vout < nOut; vout++) {
      const script = outScripts[vout];
      const value = outValues[vout];
      const k = keyOf(script);
      if (!counts.has(k)) {
        const stored = hostGet(lengthKey(script));
        counts.set(k, stored == null ? 0 : readU32(stored));
      }
      const i = counts.get(k);
      counts.set(k, i + 1);
      const entry = new Bytes(48).bytes(txid).u32(<u32>vout).u64(value).u32(height).done();
      writes.set(entryKey(script, i), entry);
      writes.set(lengthKey(script), new Bytes(4).u32(i + 1).done());
      outCount++;
      outValue += value;
    }
  }
  if (r.pos != block.length) {
    throw new Error((block.length - r.pos).toString() + " trailing bytes after last transaction");
  }

  writes.set(heightKey("/blockhash/", height), hash.buffer);
  writes.set(new Bytes(8).ascii("/height").done(), new Bytes(4).u32(height).done());
  writes.set(heightKey("/stats/", height), new Bytes(16).u32(<u32>txCount).u32(outCount).u64(outValue).done());
  writes.flush();
}

// ---------------------------------------------------------------------------------------------------------------
// Views: input = u32le(height) ‖ view bytes; result = an ArrayBuffer's address (its length at ptr-4)
// ---------------------------------------------------------------------------------------------------------------

function viewInput(): Uint8Array {
  return loadInput().subarray(4);
}

function respond(data: ArrayBuffer): usize {
  return ptr(data);
}

function viewByHeight(prefix: string): usize {
  const input = viewInput();
  if (input.length < 4) throw new Error("stored value too short for u32");
  const value = hostGet(heightKey(prefix, load<u32>(input.dataStart)));
  return respond(value == null ? new ArrayBuffer(0) : value);
}

export function blockhash(): usize {
  return viewByHeight("/blockhash/");
}

export function stats(): usize {
  return viewByHeight("/stats/");
}

export function outputsbyscript(): usize {
  const script = viewInput();
  const stored = hostGet(lengthKey(script));
  const n: u32 = stored == null ? 0 : readU32(stored);
  const out = new Bytes(4 + 48 * <i32>n).u32(n);
  for (let i: u32 = 0; i < n; i++) {
    const e = hostGet(entryKey(script, i));
    if (e == null) throw new Error("missing entry " + i.toString() + " of " + n.toString());
    out.bytes(Uint8Array.wrap(e));
  }
  return respond(out.done());
}
