;; NaN canonicalisation of relaxed SIMD: madd, nmadd, min and max of f32x4 and f64x2 (8 sites).
(module
  (func (export "relaxed") (param v128 v128 v128) (result v128)
    (local.set 0 (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
    (local.set 0 (f32x4.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
    (local.set 0 (f32x4.relaxed_min (local.get 0) (local.get 1)))
    (local.set 0 (f32x4.relaxed_max (local.get 0) (local.get 1)))
    (local.set 0 (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
    (local.set 0 (f64x2.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
    (local.set 0 (f64x2.relaxed_min (local.get 0) (local.get 1)))
    (local.set 0 (f64x2.relaxed_max (local.get 0) (local.get 1)))
    (local.get 0)))
