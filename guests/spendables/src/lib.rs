//! spendables: a small metashrew-compatible Bitcoin indexer guest (test fixture for jshrew).
//!
//! std only, no external crates (the build machine has no crates.io access), built with
//! Debian's rustc for wasm32-unknown-unknown. Memory is managed by std's default allocator
//! (dlmalloc), which grows linear memory with `memory.grow`, as real Rust indexers do.
//!
//! Key layout (all integers little-endian; S = raw scriptPubKey bytes):
//!   /outputs/ S /length            -> u32 count
//!   /outputs/ S / u32(i)           -> txid(32, internal order) u32(vout) u64(value) u32(height)
//!   /blockhash/ u32(height)        -> 32-byte block hash, display order
//!   /height                        -> u32 height of the last indexed block
//!   /stats/ u32(height)            -> u32(tx count) u32(output count) u64(total output value)
//! See README.md for the views.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

// ---------------------------------------------------------------------------------------------
// Host imports
// ---------------------------------------------------------------------------------------------

#[link(wasm_import_module = "env")]
extern "C" {
    fn __host_len() -> i32;
    fn __load_input(ptr: i32);
    fn __get_len(key_ptr: i32) -> i32;
    fn __get(key_ptr: i32, val_ptr: i32);
    fn __flush(ptr: i32);
    fn __log(ptr: i32);
}

/// A host "buffer": `[u32le len][bytes]`; the host sees the address of the first data byte.
struct HostBuf {
    v: Vec<u8>,
}

impl HostBuf {
    fn with_len(len: usize) -> HostBuf {
        let mut v = vec![0u8; len + 4];
        v[..4].copy_from_slice(&(len as u32).to_le_bytes());
        HostBuf { v }
    }
    fn from_bytes(data: &[u8]) -> HostBuf {
        let mut v = Vec::with_capacity(data.len() + 4);
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        HostBuf { v }
    }
    fn ptr(&mut self) -> i32 {
        // Address of the data (length word sits at ptr-4).
        (self.v.as_mut_ptr() as usize + 4) as i32
    }
    fn data(&self) -> &[u8] {
        &self.v[4..]
    }
    /// Leak the buffer and return the data pointer (for view results).
    fn leak(mut self) -> i32 {
        let p = self.ptr();
        std::mem::forget(self.v);
        p
    }
}

fn log(msg: &str) {
    let mut b = HostBuf::from_bytes(msg.as_bytes());
    unsafe { __log(b.ptr()) }
}

fn load_input() -> Vec<u8> {
    let len = unsafe { __host_len() };
    if len < 4 {
        panic!("input shorter than 4 bytes");
    }
    let mut v = vec![0u8; len as usize];
    unsafe { __load_input(v.as_mut_ptr() as usize as i32) };
    v
}

/// Read a key from the host store (state as of the read height). Missing => None.
fn host_get(key: &[u8]) -> Option<Vec<u8>> {
    let mut k = HostBuf::from_bytes(key);
    let len = unsafe { __get_len(k.ptr()) };
    if len == i32::MAX || len < 0 {
        panic!("__get_len returned error {}", len);
    }
    if len == 0 {
        return None;
    }
    let mut val = HostBuf::with_len(len as usize);
    unsafe { __get(k.ptr(), val.ptr()) };
    Some(val.data().to_vec())
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        log(&format!("spendables panic: {}\n", info));
    }));
}

// ---------------------------------------------------------------------------------------------
// A tiny non-cryptographic hasher for the in-guest caches (FNV-1a over the key bytes).
// Iteration order of the maps is never used for output, so any hasher would do.
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf29ce484222325 } else { self.0 };
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

// ---------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4), streaming. Written here because no crates are available.
// ---------------------------------------------------------------------------------------------

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

struct Sha256 {
    state: [u32; 8],
    block: [u8; 64],
    fill: usize,
    total: u64,
}

impl Sha256 {
    fn new() -> Sha256 {
        Sha256 {
            state: [
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
                0x5be0cd19,
            ],
            block: [0u8; 64],
            fill: 0,
            total: 0,
        }
    }

    fn compress(state: &mut [u32; 8], chunk: &[u8]) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        state[0] = state[0].wrapping_add(a);
        state[1] = state[1].wrapping_add(b);
        state[2] = state[2].wrapping_add(c);
        state[3] = state[3].wrapping_add(d);
        state[4] = state[4].wrapping_add(e);
        state[5] = state[5].wrapping_add(f);
        state[6] = state[6].wrapping_add(g);
        state[7] = state[7].wrapping_add(h);
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.fill > 0 {
            let take = std::cmp::min(64 - self.fill, data.len());
            self.block[self.fill..self.fill + take].copy_from_slice(&data[..take]);
            self.fill += take;
            data = &data[take..];
            if self.fill < 64 {
                return;
            }
            let block = self.block;
            Sha256::compress(&mut self.state, &block);
            self.fill = 0;
        }
        while data.len() >= 64 {
            Sha256::compress(&mut self.state, &data[..64]);
            data = &data[64..];
        }
        if !data.is_empty() {
            self.block[..data.len()].copy_from_slice(data);
            self.fill = data.len();
        }
    }

    fn finish(mut self) -> [u8; 32] {
        let bits = self.total.wrapping_mul(8);
        self.update(&[0x80]);
        while self.fill != 56 {
            self.update(&[0]);
        }
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; 32];
        for i in 0..8 {
            out[4 * i..4 * i + 4].copy_from_slice(&self.state[i].to_be_bytes());
        }
        out
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(data);
    h.finish()
}

// ---------------------------------------------------------------------------------------------
// Block parsing
// ---------------------------------------------------------------------------------------------

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let end = self.pos.checked_add(n).expect("length overflow");
        if end > self.buf.len() {
            panic!("truncated block: need {} bytes at offset {}", n, self.pos);
        }
        let s = &self.buf[self.pos..end];
        self.pos = end;
        s
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u32(&mut self) -> u32 {
        let s = self.take(4);
        u32::from_le_bytes([s[0], s[1], s[2], s[3]])
    }
    fn u64(&mut self) -> u64 {
        let s = self.take(8);
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    }
    fn compact(&mut self) -> u64 {
        match self.u8() {
            0xfd => {
                let s = self.take(2);
                u16::from_le_bytes([s[0], s[1]]) as u64
            }
            0xfe => self.u32() as u64,
            0xff => self.u64(),
            b => b as u64,
        }
    }
    fn compact_len(&mut self) -> usize {
        let n = self.compact();
        if n > (self.buf.len() - self.pos) as u64 {
            panic!("compact size {} exceeds remaining input", n);
        }
        n as usize
    }
    fn peek2(&self) -> Option<(u8, u8)> {
        if self.pos + 2 <= self.buf.len() {
            Some((self.buf[self.pos], self.buf[self.pos + 1]))
        } else {
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Write cache: each key once, in first-write order, final value.
// ---------------------------------------------------------------------------------------------

struct Writes {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    index: FastMap<Vec<u8>, usize>,
}

impl Writes {
    fn new() -> Writes {
        Writes {
            pairs: Vec::new(),
            index: FastMap::default(),
        }
    }
    fn set(&mut self, key: Vec<u8>, value: Vec<u8>) {
        if let Some(&i) = self.index.get(&key) {
            self.pairs[i].1 = value;
        } else {
            self.index.insert(key.clone(), self.pairs.len());
            self.pairs.push((key, value));
        }
    }
    fn flush(&self) {
        let mut size = 0usize;
        for (k, v) in &self.pairs {
            size += k.len() + v.len() + 12;
        }
        let mut out = Vec::with_capacity(size + 4);
        out.extend_from_slice(&[0, 0, 0, 0]);
        for (k, v) in &self.pairs {
            put_item(&mut out, k);
            put_item(&mut out, v);
        }
        let len = (out.len() - 4) as u32;
        out[..4].copy_from_slice(&len.to_le_bytes());
        let mut b = HostBuf { v: out };
        unsafe { __flush(b.ptr()) }
    }
}

fn put_item(out: &mut Vec<u8>, item: &[u8]) {
    out.push(0x0a);
    let mut n = item.len() as u64;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(item);
}

fn outputs_prefix(script: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + script.len() + 7);
    k.extend_from_slice(b"/outputs/");
    k.extend_from_slice(script);
    k
}

fn length_key(script: &[u8]) -> Vec<u8> {
    let mut k = outputs_prefix(script);
    k.extend_from_slice(b"/length");
    k
}

fn entry_key(script: &[u8], i: u32) -> Vec<u8> {
    let mut k = outputs_prefix(script);
    k.push(b'/');
    k.extend_from_slice(&i.to_le_bytes());
    k
}

fn height_key(prefix: &[u8], height: u32) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&height.to_le_bytes());
    k
}

fn read_u32(v: &[u8]) -> u32 {
    if v.len() < 4 {
        panic!("stored value too short for u32");
    }
    u32::from_le_bytes([v[0], v[1], v[2], v[3]])
}

// ---------------------------------------------------------------------------------------------
// _start: index one block
// ---------------------------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn _start() {
    install_panic_hook();
    let input = load_input();
    let height = read_u32(&input);
    let block = &input[4..];
    if block.len() < 81 {
        panic!("block too short");
    }

    let mut writes = Writes::new();
    // script -> current count (read once from the host at H-1, then kept here)
    let mut counts: FastMap<Vec<u8>, u32> = FastMap::default();

    let header = &block[..80];
    let mut hash = sha256(&sha256(header));
    hash.reverse();

    let mut r = Reader { buf: block, pos: 80 };
    let tx_count = r.compact();
    let mut out_count: u32 = 0;
    let mut out_value: u64 = 0;

    for _ in 0..tx_count {
        let tx_start = r.pos;
        r.take(4); // version
        let mut segwit = false;
        if let Some((marker, flag)) = r.peek2() {
            if marker == 0 {
                if flag != 1 {
                    panic!("unknown transaction flag {}", flag);
                }
                segwit = true;
                r.take(2);
            }
        }
        let body_start = r.pos;
        let n_in = r.compact_len();
        for _ in 0..n_in {
            r.take(36); // prevout
            let l = r.compact_len();
            r.take(l); // scriptSig
            r.take(4); // sequence
        }
        let n_out = r.compact_len();
        let mut outs: Vec<(u64, &[u8])> = Vec::with_capacity(n_out);
        for _ in 0..n_out {
            let value = r.u64();
            let l = r.compact_len();
            let script = r.take(l);
            outs.push((value, script));
        }
        let body_end = r.pos;
        if segwit {
            for _ in 0..n_in {
                let items = r.compact_len();
                for _ in 0..items {
                    let l = r.compact_len();
                    r.take(l);
                }
            }
        }
        let lock_start = r.pos;
        r.take(4); // locktime

        // txid over the non-witness serialization: version ‖ inputs ‖ outputs ‖ locktime
        let mut h = Sha256::new();
        h.update(&block[tx_start..tx_start + 4]);
        h.update(&block[body_start..body_end]);
        h.update(&block[lock_start..lock_start + 4]);
        let txid = sha256(&h.finish());

        for (vout, (value, script)) in outs.iter().enumerate() {
            let script: &[u8] = script;
            if !counts.contains_key(script) {
                let existing = match host_get(&length_key(script)) {
                    Some(v) => read_u32(&v),
                    None => 0,
                };
                counts.insert(script.to_vec(), existing);
            }
            let count = counts.get_mut(script).unwrap();
            let i = *count;
            *count = i + 1;
            let mut entry = Vec::with_capacity(48);
            entry.extend_from_slice(&txid);
            entry.extend_from_slice(&(vout as u32).to_le_bytes());
            entry.extend_from_slice(&value.to_le_bytes());
            entry.extend_from_slice(&height.to_le_bytes());
            writes.set(entry_key(script, i), entry);
            writes.set(length_key(script), (i + 1).to_le_bytes().to_vec());
            out_count += 1;
            out_value = out_value.wrapping_add(*value);
        }
    }
    if r.pos != block.len() {
        panic!("{} trailing bytes after last transaction", block.len() - r.pos);
    }

    writes.set(height_key(b"/blockhash/", height), hash.to_vec());
    writes.set(b"/height".to_vec(), height.to_le_bytes().to_vec());
    let mut stats = Vec::with_capacity(16);
    stats.extend_from_slice(&(tx_count as u32).to_le_bytes());
    stats.extend_from_slice(&out_count.to_le_bytes());
    stats.extend_from_slice(&out_value.to_le_bytes());
    writes.set(height_key(b"/stats/", height), stats);

    writes.flush();
}

// ---------------------------------------------------------------------------------------------
// Views: input = u32le(height) ‖ view bytes; result = leaked buffer pointer
// ---------------------------------------------------------------------------------------------

fn view_input() -> Vec<u8> {
    let mut v = load_input();
    v.drain(..4);
    v
}

fn respond(data: &[u8]) -> i32 {
    HostBuf::from_bytes(data).leak()
}

fn view_by_height(prefix: &[u8]) -> i32 {
    install_panic_hook();
    let input = view_input();
    let h = read_u32(&input);
    let v = host_get(&height_key(prefix, h)).unwrap_or_default();
    respond(&v)
}

#[no_mangle]
pub extern "C" fn blockhash() -> i32 {
    view_by_height(b"/blockhash/")
}

#[no_mangle]
pub extern "C" fn stats() -> i32 {
    view_by_height(b"/stats/")
}

#[no_mangle]
pub extern "C" fn outputsbyscript() -> i32 {
    install_panic_hook();
    let script = view_input();
    let n = match host_get(&length_key(&script)) {
        Some(v) => read_u32(&v),
        None => 0,
    };
    let mut out = Vec::with_capacity(4 + 48 * n as usize);
    out.extend_from_slice(&n.to_le_bytes());
    for i in 0..n {
        match host_get(&entry_key(&script, i)) {
            Some(e) => out.extend_from_slice(&e),
            None => panic!("missing entry {} of {}", i, n),
        }
    }
    respond(&out)
}
