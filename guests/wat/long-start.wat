;; A block that runs as long as its input says: _start spins u32le(input[84..88]) million times round a loop of host
;; calls, then flushes an empty payload. For the "block H running for N s" line and metric (node SyncTest).
(module
  (import "env" "__host_len" (func $host_len (result i32)))
  (import "env" "__load_input" (func $load_input (param i32)))
  (import "env" "__flush" (func $flush (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "\00\00\00\00")
  (func (export "_start")
    (local $n i32) (local $k i32)
    (call $load_input (i32.const 1024))
    (local.set $n (i32.load (i32.const 1108)))
    (block $done
      (loop $outer
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $k (i32.const 1000000))
        (loop $inner
          (drop (call $host_len))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br_if $inner (local.get $k)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $outer)))
    (call $flush (i32.const 20))))
