;; simd.wat: a module the reset rewrite refuses (it uses SIMD), so the engine falls back to a fresh instance per
;; block and enforces the guest's limit as the memory's declared maximum.
(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "lanes") (result i32) (i32x4.extract_lane 2 (v128.const i32x4 1 2 3 4)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "bump") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g)))
