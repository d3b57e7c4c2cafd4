;; start-trap.wat: a start function that traps (instantiation fails with UNREACHABLE).
(module
  (memory (export "memory") 1)
  (func $s unreachable)
  (start $s))
