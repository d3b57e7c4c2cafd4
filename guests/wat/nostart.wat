;; No _start export: indexing must refuse it.
(module
  (memory (export "memory") 1)
  (func (export "view") (result i32) (i32.const 0)))
