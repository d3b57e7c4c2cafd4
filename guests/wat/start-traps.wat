;; A start function that traps: instantiation fails with a trap on every engine.
(module
  (memory (export "memory") 1)
  (func $init unreachable)
  (start $init)
  (func (export "_start")))
