;; data-oob.wat: an active data segment past the end of memory (instantiation fails with MEMORY_OUT_OF_BOUNDS).
(module
  (memory (export "memory") 1)
  (data (i32.const 65535) "ab"))
