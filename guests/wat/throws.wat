;; A block that throws a wasm exception (exception handling): Chicory keeps every thrown exception in its instance,
;; so it instantiates such a module afresh at each reset instead of keeping the instance (ChicoryInPlaceResetTest).
(module
  (memory (export "memory") 1)
  (tag $oops)
  (func (export "_start") (throw $oops)))
