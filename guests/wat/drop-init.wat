;; drop-init.wat: bulk-memory segment semantics inside one block (after spec bulk.wast lines 154-176).
;; _start flushes "init"->byte copied by memory.init from a passive segment, then drops the segment (data.drop)
;; and, if the block's first byte after the header is 1, calls memory.init again: that must trap (out of bounds).
;; An active segment counts as dropped after instantiation: memory.init of it with size 1 traps too (byte 2).
(module
  (import "env" "__host_len" (func $host_len (result i32)))
  (import "env" "__load_input" (func $load_input (param i32)))
  (import "env" "__flush" (func $flush (param i32)))
  (memory (export "memory") 1)
  (data $passive "P")
  (data $active (i32.const 0x300) "A")
  (func (export "_start")
    (local $mode i32)
    (if (i32.gt_u (call $host_len) (i32.const 0x1000)) (then unreachable))
    (call $load_input (i32.const 0x1000))
    (if (i32.gt_u (call $host_len) (i32.const 84)) (then (local.set $mode (i32.load8_u (i32.const 0x1054)))))
    (memory.init $passive (i32.const 0x20B) (i32.const 0) (i32.const 1))
    ;; flush payload at 0x204 (length word at 0x200): 0a 04 "init" 0a 01 <byte>
    (i32.store (i32.const 0x200) (i32.const 9))
    (i32.store8 (i32.const 0x204) (i32.const 0x0a)) (i32.store8 (i32.const 0x205) (i32.const 4))
    (i32.store (i32.const 0x206) (i32.const 0x74696e69))
    (i32.store8 (i32.const 0x20A) (i32.const 0x0a))
    (i32.store8 (i32.const 0x20B) (i32.load8_u (i32.const 0x20B)))
    (i32.store8 (i32.const 0x20A) (i32.const 0x0a))
    (call $fix)
    (call $flush (i32.const 0x204))
    (data.drop $passive)
    (if (i32.eq (local.get $mode) (i32.const 1))
      (then (memory.init $passive (i32.const 0x400) (i32.const 0) (i32.const 1))))
    (if (i32.eq (local.get $mode) (i32.const 2))
      (then (memory.init $active (i32.const 0x400) (i32.const 0) (i32.const 1)))))
  ;; lay out "0a 01 <byte>" after the key: the copied byte sits at 0x20B, move it to 0x20C
  (func $fix
    (i32.store8 (i32.const 0x20C) (i32.load8_u (i32.const 0x20B)))
    (i32.store8 (i32.const 0x20B) (i32.const 1))))
