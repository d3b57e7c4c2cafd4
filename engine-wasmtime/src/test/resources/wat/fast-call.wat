;; Host calls that the engine passes through guest memory (WasmtimeFastCallTest): a read of 4 bytes at a pointer,
;; a write of 4 bytes at a pointer, a signed result, an i64 round trip, and raw access to memory.
(module
  (import "env" "peek" (func $peek (param i32) (result i32)))
  (import "env" "poke" (func $poke (param i32 i32)))
  (import "env" "wide" (func $wide (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "peek") (param i32) (result i32) (call $peek (local.get 0)))
  (func (export "poke") (param i32 i32) (call $poke (local.get 0) (local.get 1)))
  (func (export "wide") (param i64) (result i64) (call $wide (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1))))
