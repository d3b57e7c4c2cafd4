;; a shared memory: refused
(module (memory 1 1 shared))
