;; empty.wat: a memory of 0 pages; empty-start.wat's start function reads address 0 of such a memory (a trap).
(module
  (memory (export "memory") 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1))))
