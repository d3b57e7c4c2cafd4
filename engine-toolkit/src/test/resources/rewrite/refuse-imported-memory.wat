;; an imported memory: refused
(module (import "env" "memory" (memory 1)))
