;; two memories: refused
(module (memory 1) (memory $m2 1) (func (export "f") (drop (i32.load $m2 (i32.const 0)))))
