;; v8-check.wat: accessors for V8FourGibTest, which runs the rewritten module on Node.js (V8) with 4 GiB of physical
;; memory (Chicory addresses at most 32767 pages): checks at the 4 GiB edge, and the reset's two-fill branch.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "hi")
  (func (export "store") (param i32) (i32.store8 (local.get 0) (i32.const 0x5A)))
  (func (export "store4") (param i32) (i32.store (local.get 0) (i32.const 0x5A5A5A5A)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 7) (local.get 1))))
