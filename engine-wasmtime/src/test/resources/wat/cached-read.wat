;; A keyed length and its companion (WasmtimeCachedReadTest): the rewrite keeps the value that the length's call
;; hands over and makes the companion's call in the guest when its key equals the kept one.
(module
  (import "env" "len" (func $len (param i32) (result i32)))
  (import "env" "get" (func $get (param i32 i32)))
  (memory (export "memory") 1)
  ;; len(k); then, when at is not 0, the byte at `at` becomes `byte`; then get(k2, out); returns len's result
  (func (export "len_get") (param $k i32) (param $out i32) (param $at i32) (param $byte i32) (param $k2 i32)
    (result i32)
    (local $n i32)
    (local.set $n (call $len (local.get $k)))
    (if (local.get $at) (then (i32.store8 (local.get $at) (local.get $byte))))
    (call $get (local.get $k2) (local.get $out))
    (local.get $n))
  (func (export "len") (param i32) (result i32) (call $len (local.get 0)))
  (func (export "get") (param i32 i32) (call $get (local.get 0) (local.get 1)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
