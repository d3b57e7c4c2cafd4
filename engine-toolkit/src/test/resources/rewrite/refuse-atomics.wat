;; an atomic instruction (threads proposal) on an unshared memory: refused
(module (memory 1) (func (export "f") (drop (i32.atomic.load (i32.const 0)))))
