;; A key read by a start function (WasmtimeKeyFilterTest): a reset reruns it with no export call having armed the
;; key filter, so its read must reach the host, as on a fresh instance; in an export call the filter answers.
(module
  (import "env" "len" (func $len (param i32) (result i32)))
  (import "env" "get" (func $get (param i32 i32)))
  (memory (export "memory") 1)
  ;; a key buffer at 0x104: length 8 at 0x100, then "start-k!"
  (data (i32.const 0x100) "\08\00\00\00start-k!")
  (global $seen (mut i32) (i32.const -1))
  (start $init)
  (func $init (global.set $seen (call $len (i32.const 0x104))))
  (func (export "seen") (result i32) (global.get $seen))
  (func (export "len") (param i32) (result i32) (call $len (local.get 0)))
  (func (export "get") (param i32 i32) (call $get (local.get 0) (local.get 1))))
