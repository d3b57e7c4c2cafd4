;; table.grow: refused (a reset cannot shrink a table)
(module (memory 1) (table $t 1 funcref) (func (export "f") (drop (table.grow $t (ref.null func) (i32.const 1)))))
