;; One host import per signature and an export that calls it n times (BindingCallCostMain): what the binding
;; costs per call, per argument and per result.
(module
  (import "env" "v0" (func $v0))
  (import "env" "v1" (func $v1 (param i32)))
  (import "env" "v2" (func $v2 (param i32 i32)))
  (import "env" "l1" (func $l1 (param i64)))
  (import "env" "r1" (func $r1 (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "loop_v0") (param $n i32) (loop $l (call $v0) (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l)))
  (func (export "loop_v1") (param $n i32) (loop $l (call $v1 (local.get $n)) (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l)))
  (func (export "loop_v2") (param $n i32) (loop $l (call $v2 (local.get $n) (local.get $n)) (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l)))
  (func (export "loop_l1") (param $n i32) (loop $l (call $l1 (i64.extend_i32_u (local.get $n))) (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l)))
  (func (export "loop_r1") (param $n i32) (loop $l (drop (call $r1 (local.get $n))) (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l)))
)
