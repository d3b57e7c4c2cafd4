;; A 64-bit memory (memory64): refused by every engine as an invalid module.
(module
  (memory (export "memory") i64 1)
  (func (export "_start")))
