;; Imports env.__get with the wrong type: must fail to link with a clear error.
(module
  (import "env" "__get" (func $get (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
