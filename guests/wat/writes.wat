;; writes.wat: every way a guest writes its memory, at any address: for an engine that tracks the pages written
;; since its last reset (Chicory zeroes only those). The active segment straddles the 4 KiB boundary at 0x1000; the
;; passive one is for memory.init. Each store takes (address, value) and stores the value's low bytes.
(module
  (memory (export "memory") 2)
  (data (i32.const 0x0FFC) "\01\02\03\04\05\06\07\08")
  (data $passive "\a1\a2\a3\a4\a5\a6\a7\a8\a9\aa\ab\ac\ad\ae\af\b0")
  (func (export "i32.store8") (param i32 i64) (i32.store8 (local.get 0) (i32.wrap_i64 (local.get 1))))
  (func (export "i32.store16") (param i32 i64) (i32.store16 (local.get 0) (i32.wrap_i64 (local.get 1))))
  (func (export "i32.store") (param i32 i64) (i32.store (local.get 0) (i32.wrap_i64 (local.get 1))))
  (func (export "i64.store8") (param i32 i64) (i64.store8 (local.get 0) (local.get 1)))
  (func (export "i64.store16") (param i32 i64) (i64.store16 (local.get 0) (local.get 1)))
  (func (export "i64.store32") (param i32 i64) (i64.store32 (local.get 0) (local.get 1)))
  (func (export "i64.store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "f32.store") (param i32 i64)
    (f32.store (local.get 0) (f32.reinterpret_i32 (i32.wrap_i64 (local.get 1)))))
  (func (export "f64.store") (param i32 i64) (f64.store (local.get 0) (f64.reinterpret_i64 (local.get 1))))
  ;; a store with a static offset: the address the engine checks is the sum
  (func (export "i64.store.offset") (param i32 i64) (i64.store offset=4093 (local.get 0) (local.get 1)))
  (func (export "memory.fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "memory.copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "memory.init") (param i32 i32 i32) (memory.init $passive (local.get 0) (local.get 1) (local.get 2)))
  (func (export "memory.grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "_start")))
