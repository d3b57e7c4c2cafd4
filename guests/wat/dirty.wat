;; dirty.wat: for the reset benchmarks. dirty(mib) grows memory to cover mib MiB and fills [0, mib MiB) with
;; 0xAB, so the next reset has exactly that high-water mark. (mib < 2048.)
(module
  (memory (export "memory") 1)
  (func (export "dirty") (param $mib i32)
    (local $need i32)
    (local.set $need (i32.sub (i32.shl (local.get $mib) (i32.const 4)) (memory.size)))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.eq (memory.grow (local.get $need)) (i32.const -1)) (then unreachable))))
    (memory.fill (i32.const 0) (i32.const 0xAB) (i32.shl (local.get $mib) (i32.const 20))))
  (func (export "_start")))
