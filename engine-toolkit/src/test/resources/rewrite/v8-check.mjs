// Run by V8FourGibTest: node v8-check.mjs CHECKED.wasm UNCHECKED.wasm (both rewritten from v8-check.wat with limit
// 65536). Prints one "name: result" line per check; the test compares them with the expected lines.
import fs from 'fs';
const hooks = [];
async function load(file) {
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(file), { jshrew: { grow: (o, n) => hooks.push(o + '->' + n) } });
  return instance.exports;
}
function t(f) { try { const r = f(); return r === undefined ? 'ok' : String(r); } catch (e) { return 'trap ' + e.message; } }
const out = (k, v) => console.log(k + ': ' + v);
const x = await load(process.argv[2]);
out('grow_physical', t(() => x.__jshrew_grow_physical(65535)));
out('physical pages', x.memory.buffer.byteLength / 65536);
out('size', t(() => x.size()));
out('store 0x10000', t(() => x.store(0x10000)));
out('store4 0xFFFC', t(() => x.store4(0xFFFC)));
out('store4 0xFFFD', t(() => x.store4(0xFFFD)));
out('load 0xFFFFFFFF', t(() => x.load(-1)));
out('fill 0xFFFF 2', t(() => x.fill(0xFFFF, 2)));
out('grow 65536', t(() => x.grow(65536)));
out('grow 65535', t(() => x.grow(65535)));
out('hooks', hooks.join(','));
out('store 0xFFFFFFFF', t(() => x.store(-1)));
out('load 0xFFFFFFFF after', t(() => x.load(-1)));
out('store4 0xFFFFFFFD', t(() => x.store4(-3)));
out('fill 0xFFFFFFFF 1', t(() => x.fill(-1, 1)));
out('fill 0xFFFFFFFF 2', t(() => x.fill(-1, 2)));
out('high water', x.__jshrew_high_water.value);
// a reset at 65536 pages would zero (and commit) 4 GiB: lower the mark to 32769 pages, which still takes the two-fill
// branch (2 GiB + 64 KiB)
x.__jshrew_high_water.value = 32769;
const mem = new Uint8Array(x.memory.buffer);
mem[0x7FFFFFFF] = 9; mem[0x80000005] = 9; mem[0x8000FFFF] = 9; mem[0x80010000] = 9;
x.__jshrew_reset();
out('after reset', 'size ' + x.size() + ' hw ' + x.__jshrew_high_water.value + ' bytes ' +
    [mem[0x7FFFFFFF], mem[0x80000005], mem[0x8000FFFF], mem[0x80010000]].join(' ') + ' data ' + String.fromCharCode(mem[16], mem[17]));
out('store 0x10000 after reset', t(() => x.store(0x10000)));
const u = await load(process.argv[3]);
u.__jshrew_grow_physical(65535);
out('unchecked store 0x10000', t(() => u.store(0x10000)));
