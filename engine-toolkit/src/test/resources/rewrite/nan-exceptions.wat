;; NaN canonicalisation inside legacy exception handling (try/catch/throw/rethrow/delegate/catch_all): 2 sites.
(module
  (tag $t (param f32))
  (func (export "eh") (result f32)
    (try (result f32)
      (do (try (result f32) (do (throw $t (f32.div (f32.const 0) (f32.const 0)))) (delegate 0)))
      (catch $t f32.const 1 f32.add)
      (catch_all f32.const 0))))
