;; The cost of NaN canonicalisation on float-heavy code: "loop" runs n iterations of x = x * a + b (f64; a
;; multiply and an add per iteration, so one check with the next-instruction rule, two without) plus an f64
;; sum, and returns the sum's bits; "loop32" does the same in f32.
(module
  (func (export "loop") (param $n i32) (result i64)
    (local $x f64) (local $s f64)
    (local.set $x (f64.const 1))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.999999)) (f64.const 0.5)))
      (local.set $s (f64.add (local.get $s) (local.get $x)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (i64.reinterpret_f64 (local.get $s)))
  (func (export "loop32") (param $n i32) (result i32)
    (local $x f32) (local $s f32)
    (local.set $x (f32.const 1))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $x (f32.add (f32.mul (local.get $x) (f32.const 0.999)) (f32.const 0.5)))
      (local.set $s (f32.add (local.get $s) (local.get $x)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (i32.reinterpret_f32 (local.get $s))))
