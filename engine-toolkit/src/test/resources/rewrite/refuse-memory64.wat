;; a 64-bit memory: refused
(module (memory i64 1))
