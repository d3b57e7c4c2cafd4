;; big-initial.wat: a memory that starts at 2 GiB (32768 pages), whose base the binding cannot show (ENGINE_LIMIT).
(module
  (memory (export "memory") 32768)
  (func (export "size") (result i32) (memory.size)))
