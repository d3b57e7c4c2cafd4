;; empty-start.wat: a start function that reads address 0 of a 0-page memory (instantiation fails: out of bounds).
(module
  (memory (export "memory") 0)
  (func $s (drop (i32.load (i32.const 0))))
  (start $s))
