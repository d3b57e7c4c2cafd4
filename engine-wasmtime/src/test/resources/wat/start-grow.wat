;; start-grow.wat: a start function that grows memory by 3 pages and writes markers, so a reset must run it again.
(module
  (memory (export "memory") 1)
  (global $runs (mut i32) (i32.const 0))
  (func $s
    (drop (memory.grow (i32.const 3)))
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    (i32.store (i32.const 0x30000) (i32.add (i32.load (i32.const 0x30000)) (i32.const 1))))
  (start $s)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0x77) (local.get 1)))
  (func (export "runs") (result i32) (global.get $runs)))
