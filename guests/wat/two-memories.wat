;; Two memories (multi-memory): refused by every engine as an invalid module.
(module
  (memory (export "memory") 1)
  (memory $second 1)
  (func (export "_start")))
