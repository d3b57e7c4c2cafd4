;; state.wat: instance state that a reset must restore. Each block it observes, then dirties, then flushes:
;;   key "state" -> u32 values: global g (init 7), counter in memory [0x200] (data segment init 100),
;;   memory.size, call_indirect through table slot 1 (init: f_a returns 11), a byte copied by memory.init from a
;;   passive segment (0x42, unless dropped), the start function's marker [0x300], the byte at the high end of the
;;   initial memory [0x1fffc] and a checksum of the first 64 KiB.
;; Then it dirties everything: g += 1, [0x200] += 1, table slot 1 := f_b (returns 22), data.drop, elem.drop,
;; grows memory by the number of pages given in the block's first byte after the header (if any), writes 0xFF
;; over the first 64 KiB except the data area, and writes into every grown page.
;; If the block's second byte after the header is 1, it finally stores one byte just past memory.size (expected trap).
(module
  (import "env" "__host_len" (func $host_len (result i32)))
  (import "env" "__load_input" (func $load_input (param i32)))
  (import "env" "__flush" (func $flush (param i32)))
  (memory (export "memory") 2)
  (global $g (mut i32) (i32.const 7))
  (global $inited (mut i32) (i32.const 0))
  (table 2 funcref)
  (type $ret (func (result i32)))
  (elem (i32.const 1) $f_a)
  (elem $passive_elem func $f_b)
  (data (i32.const 0x200) "\64\00\00\00")
  (data $passive "\42")
  (start $init)
  (func $f_a (result i32) (i32.const 11))
  (func $f_b (result i32) (i32.const 22))
  (func $init
    (global.set $inited (i32.add (global.get $inited) (i32.const 1)))
    (i32.store (i32.const 0x300) (i32.add (i32.load (i32.const 0x300)) (i32.const 5))))
  (func $checksum (result i32)
    (local $i i32) (local $s i32)
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get $i) (i32.const 0x10000)))
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31)) (i32.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s))
  (func (export "_start")
    (local $n i32) (local $grow i32) (local $trap i32) (local $p i32) (local $i i32) (local $old i32)
    ;; input at 0x10000 (page 1): u32 height, 80-byte header, [grow pages], [trap flag]
    (local.set $n (call $host_len))
    (if (i32.gt_u (local.get $n) (i32.const 0xF000)) (then unreachable))
    (call $load_input (i32.const 0x10000))
    (if (i32.gt_u (local.get $n) (i32.const 84)) (then (local.set $grow (i32.load8_u (i32.const 0x10054)))))
    (if (i32.gt_u (local.get $n) (i32.const 85)) (then (local.set $trap (i32.load8_u (i32.const 0x10055)))))
    ;; observe into 0x400.. : flush payload = 0a 05 "state" 0a 24 <36 bytes>
    (i32.store (i32.const 0x3FC) (i32.const 45))
    (i32.store8 (i32.const 0x400) (i32.const 0x0a))
    (i32.store8 (i32.const 0x401) (i32.const 5))
    (i32.store8 (i32.const 0x402) (i32.const 0x73)) (i32.store8 (i32.const 0x403) (i32.const 0x74))
    (i32.store8 (i32.const 0x404) (i32.const 0x61)) (i32.store8 (i32.const 0x405) (i32.const 0x74))
    (i32.store8 (i32.const 0x406) (i32.const 0x65))
    (i32.store8 (i32.const 0x407) (i32.const 0x0a))
    (i32.store8 (i32.const 0x408) (i32.const 36))
    (i32.store (i32.const 0x409) (global.get $g))
    (i32.store (i32.const 0x40d) (i32.load (i32.const 0x200)))
    (i32.store (i32.const 0x411) (memory.size))
    (i32.store (i32.const 0x415) (call_indirect (type $ret) (i32.const 1)))
    (memory.init $passive (i32.const 0x500) (i32.const 0) (i32.const 1))
    (i32.store (i32.const 0x419) (i32.load8_u (i32.const 0x500)))
    (i32.store (i32.const 0x41d) (i32.load (i32.const 0x300)))
    (i32.store (i32.const 0x421) (i32.load (i32.const 0x1fffc)))
    (i32.store (i32.const 0x425) (global.get $inited))
    (i32.store (i32.const 0x429) (call $checksum))
    ;; take a copy of the payload before dirtying (0x600..)
    (memory.copy (i32.const 0x5FC) (i32.const 0x3FC) (i32.const 49))
    ;; dirty everything
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store (i32.const 0x200) (i32.add (i32.load (i32.const 0x200)) (i32.const 1)))
    (table.init $passive_elem (i32.const 1) (i32.const 0) (i32.const 1))
    (data.drop $passive)
    (elem.drop $passive_elem)
    (i32.store (i32.const 0x1fffc) (i32.const 0xDEADBEEF))
    (memory.fill (i32.const 0x700) (i32.const 0xFF) (i32.const 0xF900))
    (if (local.get $grow)
      (then
        (local.set $old (memory.grow (local.get $grow)))
        (if (i32.eq (local.get $old) (i32.const -1)) (then unreachable))
        (local.set $p (i32.shl (local.get $old) (i32.const 16)))
        (local.set $i (i32.const 0))
        (block $b (loop $l
          (br_if $b (i32.ge_u (local.get $i) (i32.shl (local.get $grow) (i32.const 16))))
          (i32.store (i32.add (local.get $p) (local.get $i)) (i32.const 0xABABABAB))
          (local.set $i (i32.add (local.get $i) (i32.const 4096)))
          (br $l)))))
    (call $flush (i32.const 0x600))
    (if (local.get $trap)
      (then (i32.store8 (i32.shl (memory.size) (i32.const 16)) (i32.const 1))))))
