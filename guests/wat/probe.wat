;; probe.wat: a metashrew guest that runs a small op script from its input, so the conformance kit can drive
;; every host-ABI edge case from Java. Index mode: input = u32le(height) ‖ 80-byte header ‖ ops.
;; View mode (export "probe"): input = u32le(height) ‖ ops; returns the observation buffer.
;; Ops (all integers u32 little-endian):
;;   01 n bytes       FLUSH: __flush on a fresh buffer holding the bytes
;;   02 n key         GET: append u32 __get_len(key), then an (len+8)-byte 0xEE-filled region after __get(key, region+4)
;;   03 n key         OBSFLUSH: flush the single pair key -> observations so far; clear observations
;;   04               TRAP (unreachable)
;;   05 p             RAWGETLEN: append __get_len(p)
;;   06 k v           RAWGET: __get(k, v)
;;   07 p             RAWLOAD: __load_input(p)
;;   08 n bytes       LOG: __log on a fresh buffer
;;   09 p             RAWLOG: __log(p)
;;   0A p             RAWFLUSH: __flush(p)
;;   0B               ABORT: call abort(0,0,0,0), then continue
;;   0C               HOSTLEN: append __host_len()
;;   0D               INPUT: append an (n+8)-byte 0xEE-filled region after __load_input(region+4), n = __host_len()
;;   0E               STATE: counter global += 1, static cell [0x100] += 1; append counter, cell, started global, [0x104]
;;   0F n             GROW: append memory.grow(n)
;;   10               SIZE: append memory.size
;;   11 a             STORE: i32.store8 a 0x5A
;;   12               UNKNOWN: call an import the host does not provide
;;   13 a             LOAD: append i32.load8_u a
;;   14 a n           FILL: memory.fill a 0x77 n
;;   15 a n bytes     POKE: copy bytes to address a
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "env" "__log" (func $log (param i32)))
  (import "env" "__host_len" (func $host_len (result i32)))
  (import "env" "__load_input" (func $load_input (param i32)))
  (import "env" "__get_len" (func $get_len (param i32) (result i32)))
  (import "env" "__get" (func $get (param i32 i32)))
  (import "env" "__flush" (func $flush (param i32)))
  (import "other" "unknown" (func $unknown))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 0x10000))
  (global $obs (mut i32) (i32.const 0))
  (global $ip (mut i32) (i32.const 0))
  (global $end (mut i32) (i32.const 0))
  (global $counter (mut i32) (i32.const 0))
  (global $started (mut i32) (i32.const 0))
  (data (i32.const 0x104) "\2a\00\00\00")
  (start $init)

  (func $init
    (global.set $started (i32.add (global.get $started) (i32.const 1)))
    (i32.store (i32.const 0x108) (i32.add (i32.load (i32.const 0x108)) (i32.const 1))))

  ;; bump allocation, 8-aligned, growing memory when needed
  (func $alloc (param $n i32) (result i32)
    (local $p i32) (local $top i32) (local $have i32) (local $need i32)
    (local.set $p (global.get $heap))
    (local.set $top (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    ;; in pages, not bytes: memory.size << 16 wraps to 0 at 65536 pages
    (local.set $have (memory.size))
    (local.set $need (i32.shr_u (i32.add (local.get $top) (i32.const 0xFFFF)) (i32.const 16)))
    (if (i32.gt_u (local.get $need) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $need) (local.get $have))) (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $top))
    (local.get $p))

  ;; a buffer pointer (length word before it) holding n bytes copied from src
  (func $buffer (param $src i32) (param $n i32) (result i32)
    (local $b i32)
    (local.set $b (call $alloc (i32.add (local.get $n) (i32.const 4))))
    (i32.store (local.get $b) (local.get $n))
    (memory.copy (i32.add (local.get $b) (i32.const 4)) (local.get $src) (local.get $n))
    (i32.add (local.get $b) (i32.const 4)))

  (func $u32 (result i32)
    (local $v i32)
    (local.set $v (i32.load (global.get $ip)))
    (global.set $ip (i32.add (global.get $ip) (i32.const 4)))
    (local.get $v))

  ;; observations live at 0x1000 (length word at 0x0FFC)
  (func $append (param $src i32) (param $n i32)
    (memory.copy (i32.add (i32.const 0x1000) (global.get $obs)) (local.get $src) (local.get $n))
    (global.set $obs (i32.add (global.get $obs) (local.get $n))))

  (func $append_u32 (param $v i32)
    (i32.store (i32.add (i32.const 0x1000) (global.get $obs)) (local.get $v))
    (global.set $obs (i32.add (global.get $obs) (i32.const 4))))

  ;; a region of n+8 bytes filled with 0xEE; returns its start
  (func $region (param $n i32) (result i32)
    (local $r i32)
    (local.set $r (call $alloc (i32.add (local.get $n) (i32.const 8))))
    (memory.fill (local.get $r) (i32.const 0xEE) (i32.add (local.get $n) (i32.const 8)))
    (local.get $r))

  ;; reads "n bytes" from the script and returns a buffer pointer holding them
  (func $script_buffer (result i32)
    (local $n i32) (local $b i32)
    (local.set $n (call $u32))
    (local.set $b (call $buffer (global.get $ip) (local.get $n)))
    (global.set $ip (i32.add (global.get $ip) (local.get $n)))
    (local.get $b))

  (func $run
    (local $op i32) (local $k i32) (local $v i32) (local $n i32) (local $r i32) (local $a i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (global.get $ip) (global.get $end)))
        (local.set $op (i32.load8_u (global.get $ip)))
        (global.set $ip (i32.add (global.get $ip) (i32.const 1)))
        (block $dispatch
          (if (i32.eq (local.get $op) (i32.const 0x01))
            (then (call $flush (call $script_buffer)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x02))
            (then
              (local.set $k (call $script_buffer))
              (local.set $n (call $get_len (local.get $k)))
              (call $append_u32 (local.get $n))
              (if (i32.eq (local.get $n) (i32.const 0x7FFFFFFF)) (then (local.set $n (i32.const 0))))
              (local.set $r (call $region (local.get $n)))
              (call $get (local.get $k) (i32.add (local.get $r) (i32.const 4)))
              (call $append (local.get $r) (i32.add (local.get $n) (i32.const 8)))
              (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x03))
            (then
              (local.set $k (call $script_buffer))
              ;; protobuf: 0a len(key) key 0a len(obs) obs, lengths as 2-byte varints when >= 128 (obs < 16 KiB)
              (local.set $n (i32.load (i32.sub (local.get $k) (i32.const 4))))
              (local.set $r (call $alloc (i32.add (i32.add (local.get $n) (global.get $obs)) (i32.const 16))))
              (local.set $a (i32.add (local.get $r) (i32.const 4)))
              (local.set $a (call $pb_item (local.get $a) (local.get $k) (local.get $n)))
              (local.set $a (call $pb_item (local.get $a) (i32.const 0x1000) (global.get $obs)))
              (i32.store (local.get $r) (i32.sub (local.get $a) (i32.add (local.get $r) (i32.const 4))))
              (call $flush (i32.add (local.get $r) (i32.const 4)))
              (global.set $obs (i32.const 0))
              (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x04)) (then unreachable))
          (if (i32.eq (local.get $op) (i32.const 0x05))
            (then (call $append_u32 (call $get_len (call $u32))) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x06))
            (then (local.set $k (call $u32)) (call $get (local.get $k) (call $u32)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x07))
            (then (call $load_input (call $u32)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x08))
            (then (call $log (call $script_buffer)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x09))
            (then (call $log (call $u32)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x0A))
            (then (call $flush (call $u32)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x0B))
            (then (call $abort (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x0C))
            (then (call $append_u32 (call $host_len)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x0D))
            (then
              (local.set $n (call $host_len))
              (local.set $r (call $region (local.get $n)))
              (call $load_input (i32.add (local.get $r) (i32.const 4)))
              (call $append (local.get $r) (i32.add (local.get $n) (i32.const 8)))
              (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x0E))
            (then
              (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
              (i32.store (i32.const 0x100) (i32.add (i32.load (i32.const 0x100)) (i32.const 1)))
              (call $append_u32 (global.get $counter))
              (call $append_u32 (i32.load (i32.const 0x100)))
              (call $append_u32 (global.get $started))
              (call $append_u32 (i32.load (i32.const 0x104)))
              (call $append_u32 (i32.load (i32.const 0x108)))
              (i32.store (i32.const 0x104) (i32.add (i32.load (i32.const 0x104)) (i32.const 1)))
              (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x0F))
            (then (call $append_u32 (memory.grow (call $u32))) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x10))
            (then (call $append_u32 (memory.size)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x11))
            (then (i32.store8 (call $u32) (i32.const 0x5A)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x12))
            (then (call $unknown) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x13))
            (then (call $append_u32 (i32.load8_u (call $u32))) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x14))
            (then (local.set $a (call $u32)) (memory.fill (local.get $a) (i32.const 0x77) (call $u32)) (br $dispatch)))
          (if (i32.eq (local.get $op) (i32.const 0x15))
            (then
              (local.set $a (call $u32))
              (local.set $n (call $u32))
              (memory.copy (local.get $a) (global.get $ip) (local.get $n))
              (global.set $ip (i32.add (global.get $ip) (local.get $n)))
              (br $dispatch)))
          unreachable)
        (br $next))))

  ;; writes 0a varint(n) bytes at dst, returns the end
  (func $pb_item (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (i32.store8 (local.get $dst) (i32.const 0x0a))
    (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
    (if (i32.lt_u (local.get $n) (i32.const 128))
      (then
        (i32.store8 (local.get $dst) (local.get $n))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1))))
      (else
        (i32.store8 (local.get $dst) (i32.or (i32.and (local.get $n) (i32.const 0x7F)) (i32.const 0x80)))
        (i32.store8 (i32.add (local.get $dst) (i32.const 1)) (i32.shr_u (local.get $n) (i32.const 7)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 2)))))
    (memory.copy (local.get $dst) (local.get $src) (local.get $n))
    (i32.add (local.get $dst) (local.get $n)))

  ;; loads the whole input into fresh memory and points $ip past `skip` bytes after the height
  (func $load (param $skip i32)
    (local $n i32) (local $p i32)
    (local.set $n (call $host_len))
    (local.set $p (call $alloc (local.get $n)))
    (call $load_input (local.get $p))
    (global.set $ip (i32.add (local.get $p) (i32.add (i32.const 4) (local.get $skip))))
    (global.set $end (i32.add (local.get $p) (local.get $n))))

  (func (export "_start")
    (call $load (i32.const 80))
    (call $run))

  (func (export "probe") (result i32)
    (call $load (i32.const 0))
    (call $run)
    (i32.store (i32.const 0x0FFC) (global.get $obs))
    (i32.const 0x1000))

  ;; returns the whole input (u32le(height) ‖ input) as the view result
  (func (export "input_echo") (result i32)
    (local $n i32) (local $p i32)
    (local.set $n (call $host_len))
    (local.set $p (call $alloc (i32.add (local.get $n) (i32.const 4))))
    (i32.store (local.get $p) (local.get $n))
    (call $load_input (i32.add (local.get $p) (i32.const 4)))
    (i32.add (local.get $p) (i32.const 4)))

  (func (export "minus_one") (result i32) (i32.const -1))
  (func (export "zero") (result i32) (i32.const 0))
  (func (export "notaview") (param i32) (result i32) (local.get 0))
  (func (export "noresult")))
