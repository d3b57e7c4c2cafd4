;; SIMD: refused (function 0 uses v128.const)
(module (memory 1) (func (export "f") (drop (v128.const i32x4 0 0 0 0))))
