;; grow.wat: grows memory in steps of 800 pages (as an allocator would), touching every 4 KiB page it gets,
;; until memory.grow fails or the requested number of steps is done. Stores, under key "grow", u32 steps that
;; succeeded, u32 memory.size at the end, u32 the result of the first failed grow (0 if none), and a checksum
;; of a value read back from every touched page. Input after the 80-byte header: u32 steps (0 = until failure).
(module
  (import "env" "__host_len" (func $host_len (result i32)))
  (import "env" "__load_input" (func $load_input (param i32)))
  (import "env" "__flush" (func $flush (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $steps i32) (local $done i32) (local $old i32) (local $p i32) (local $end i32) (local $sum i32) (local $fail i32)
    (if (i32.gt_u (call $host_len) (i32.const 0x8000)) (then unreachable))
    (call $load_input (i32.const 0x100))
    (if (i32.ge_u (call $host_len) (i32.const 88)) (then (local.set $steps (i32.load (i32.const 0x154)))))
    (block $stop (loop $again
      (br_if $stop (i32.and (i32.ne (local.get $steps) (i32.const 0)) (i32.ge_u (local.get $done) (local.get $steps))))
      (local.set $old (memory.grow (i32.const 800)))
      (if (i32.eq (local.get $old) (i32.const -1)) (then (local.set $fail (i32.const -1)) (br $stop)))
      (local.set $p (i32.shl (local.get $old) (i32.const 16)))
      (local.set $end (i32.add (local.get $p) (i32.const 52428800)))
      (block $b (loop $l
        (br_if $b (i32.ge_u (local.get $p) (local.get $end)))
        (i32.store (local.get $p) (i32.xor (local.get $p) (local.get $done)))
        (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (i32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4096)))
        (br $l)))
      (local.set $done (i32.add (local.get $done) (i32.const 1)))
      (br $again)))
    ;; flush: 0a 04 "grow" 0a 10 <16 bytes>, buffer at 0x8000 with length word at 0x7FFC
    (i32.store (i32.const 0x7FFC) (i32.const 24))
    (i32.store8 (i32.const 0x8000) (i32.const 0x0a)) (i32.store8 (i32.const 0x8001) (i32.const 4))
    (i32.store8 (i32.const 0x8002) (i32.const 0x67)) (i32.store8 (i32.const 0x8003) (i32.const 0x72))
    (i32.store8 (i32.const 0x8004) (i32.const 0x6f)) (i32.store8 (i32.const 0x8005) (i32.const 0x77))
    (i32.store8 (i32.const 0x8006) (i32.const 0x0a)) (i32.store8 (i32.const 0x8007) (i32.const 16))
    (i32.store (i32.const 0x8008) (local.get $done))
    (i32.store (i32.const 0x800c) (memory.size))
    (i32.store (i32.const 0x8010) (local.get $fail))
    (i32.store (i32.const 0x8014) (local.get $sum))
    (call $flush (i32.const 0x8000))))
