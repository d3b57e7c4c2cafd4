;; Views that never return, for call timeouts (EngineCapability.CALL_TIMEOUT): a tight loop, a loop of guest calls
;; that counts in memory, a loop of host calls. `count` returns the counter (fresh: 0), `quick` returns "ok".
;; _start makes 3,000,000 guest calls, then flushes an empty payload: a block that takes longer than a short view
;; timeout, which indexing must never apply.
(module
  (import "env" "__host_len" (func $host_len (result i32)))
  (import "env" "__flush" (func $flush (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\02\00\00\00ok")
  (data (i32.const 32) "\00\00\00\00")
  (data (i32.const 64) "\04\00\00\00")
  (func $bump (i32.store (i32.const 68) (i32.add (i32.load (i32.const 68)) (i32.const 1))))
  (func (export "_start")
    (local $n i32)
    (local.set $n (i32.const 3000000))
    (loop $l
      (call $bump)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (call $flush (i32.const 36)))
  (func (export "quick") (result i32) (i32.const 20))
  (func (export "count") (result i32) (i32.const 68))
  (func (export "spin") (result i32)
    (loop $l (br $l))
    (unreachable))
  (func (export "spin_calls") (result i32)
    (loop $l (call $bump) (br $l))
    (unreachable))
  (func (export "spin_host") (result i32)
    (loop $l (drop (call $host_len)) (br $l))
    (unreachable))
  ;; returns "ok" after 500,000 guest calls: a call that ends well within a timeout is untouched by it
  (func (export "bounded") (result i32)
    (local $n i32)
    (local.set $n (i32.const 500000))
    (loop $l
      (call $bump)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (i32.const 20)))
