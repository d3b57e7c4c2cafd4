;; The cached-read rewrite's test guest (CachedReadTest): a keyed length and its companion, a start function that
;; reads a key of its own (so the reset, which reruns it, must forget what it kept), and raw access to memory.
(module
  (import "env" "len" (func $len (param i32) (result i32)))
  (import "env" "get" (func $get (param i32 i32)))
  (import "env" "plain" (func $plain (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; a key buffer at 0x104: length 8 at 0x100, then "start-k!"
  (data (i32.const 0x100) "\08\00\00\00start-k!")
  (start $init)
  (func $init (drop (call $len (i32.const 0x104))))
  (func (export "len") (param i32) (result i32) (call $len (local.get 0)))
  (func (export "get") (param i32 i32) (call $get (local.get 0) (local.get 1)))
  (func (export "plain") (param i32) (result i32) (call $plain (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1))))
