;; Imports its memory: a metashrew host provides no memory import.
(module
  (import "env" "memory" (memory 1))
  (func (export "_start")))
