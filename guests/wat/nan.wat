;; nan.wat: NaN bit patterns (C-66). Every NaN operand comes from memory (no engine can fold it at compile time).
;; _start flushes two keys; the views "nan" and "exact" return the same bytes:
;;   "nan"   -> the raw bits (i32/i64.reinterpret, little-endian) of results that are NaN: with NaN canonicalisation
;;              each is 0x7FC00000 (f32) or 0x7FF8000000000000 (f64), except where a bit operation (neg, copysign)
;;              or a comparison / saturating truncation comes after (see the comments);
;;   "exact" -> results every engine must give bit for bit: non-NaN arithmetic (signed zeros, infinities,
;;              rounding) and bit operations on NaNs with a payload (abs, neg, copysign, loads, stores, constants,
;;              locals, select, reinterpret), which canonicalisation must not touch.
;; Operands, f32 at 0x100:  +0 1 -1 +inf pnan(7fc12345) nnan(ffc54321) 1.5 2.25 -0 -0.5 2.5
;;                f64 at 0x200: +0 1 -1 +inf pnan(7ff8000012345678) nnan(fff8000087654321) 1.5 2.25 -0 -0.5 2.5
(module
  (import "env" "__flush" (func $flush (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x80) "nan")
  (data (i32.const 0x88) "exact")
  ;;                       +0              1               -1              +inf
  (data (i32.const 0x100) "\00\00\00\00" "\00\00\80\3f" "\00\00\80\bf" "\00\00\80\7f"
  ;;                       pnan            nnan            1.5             2.25
                          "\45\23\c1\7f" "\21\43\c5\ff" "\00\00\c0\3f" "\00\00\10\40"
  ;;                       -0              -0.5            2.5
                          "\00\00\00\80" "\00\00\00\bf" "\00\00\20\40")
  (data (i32.const 0x200) "\00\00\00\00\00\00\00\00"  ;; 0x200 +0
                          "\00\00\00\00\00\00\f0\3f"  ;; 0x208 1
                          "\00\00\00\00\00\00\f0\bf"  ;; 0x210 -1
                          "\00\00\00\00\00\00\f0\7f"  ;; 0x218 +inf
                          "\78\56\34\12\00\00\f8\7f"  ;; 0x220 pnan
                          "\21\43\65\87\00\00\f8\ff"  ;; 0x228 nnan
                          "\00\00\00\00\00\00\f8\3f"  ;; 0x230 1.5
                          "\00\00\00\00\00\00\02\40"  ;; 0x238 2.25
                          "\00\00\00\00\00\00\00\80"  ;; 0x240 -0
                          "\00\00\00\00\00\00\e0\bf"  ;; 0x248 -0.5
                          "\00\00\00\00\00\00\04\40") ;; 0x250 2.5
  (global $p (mut i32) (i32.const 0))
  (global $g32 (mut f32) (f32.const 0))

  (func $o32 (param $v i32)
    (i32.store (global.get $p) (local.get $v))
    (global.set $p (i32.add (global.get $p) (i32.const 4))))
  (func $o64 (param $v i64)
    (i64.store (global.get $p) (local.get $v))
    (global.set $p (i32.add (global.get $p) (i32.const 8))))
  ;; ends a buffer started at $start: its length at $start-4; returns $start
  (func $done (param $start i32) (result i32)
    (i32.store (i32.sub (local.get $start) (i32.const 4)) (i32.sub (global.get $p) (local.get $start)))
    (local.get $start))

  (func $nan (export "nan") (result i32)
    (local $x f32) (local $y f64)
    (global.set $p (i32.const 0x1004))
    ;; ---- f32 ----
    (call $o32 (i32.reinterpret_f32 (f32.div (f32.load (i32.const 0x100)) (f32.load (i32.const 0x100)))))  ;; 0/0
    (call $o32 (i32.reinterpret_f32 (f32.sqrt (f32.load (i32.const 0x108)))))                             ;; sqrt(-1)
    (call $o32 (i32.reinterpret_f32 (f32.sub (f32.load (i32.const 0x10c)) (f32.load (i32.const 0x10c)))))  ;; inf-inf
    (call $o32 (i32.reinterpret_f32 (f32.mul (f32.load (i32.const 0x10c)) (f32.load (i32.const 0x100)))))  ;; inf*0
    (call $o32 (i32.reinterpret_f32 (f32.add (f32.load (i32.const 0x110)) (f32.load (i32.const 0x104)))))  ;; pnan+1
    (call $o32 (i32.reinterpret_f32 (f32.add (f32.load (i32.const 0x104)) (f32.load (i32.const 0x114)))))  ;; 1+nnan
    (call $o32 (i32.reinterpret_f32 (f32.sub (f32.load (i32.const 0x114)) (f32.load (i32.const 0x110)))))  ;; nnan-pnan
    (call $o32 (i32.reinterpret_f32 (f32.mul (f32.load (i32.const 0x110)) (f32.load (i32.const 0x118)))))  ;; pnan*1.5
    (call $o32 (i32.reinterpret_f32 (f32.div (f32.load (i32.const 0x114)) (f32.load (i32.const 0x104)))))  ;; nnan/1
    (call $o32 (i32.reinterpret_f32 (f32.min (f32.load (i32.const 0x110)) (f32.load (i32.const 0x104)))))  ;; min(pnan,1)
    (call $o32 (i32.reinterpret_f32 (f32.max (f32.load (i32.const 0x104)) (f32.load (i32.const 0x114)))))  ;; max(1,nnan)
    (call $o32 (i32.reinterpret_f32 (f32.min (f32.load (i32.const 0x114)) (f32.load (i32.const 0x110)))))  ;; min(nnan,pnan)
    (call $o32 (i32.reinterpret_f32 (f32.max (f32.load (i32.const 0x110)) (f32.load (i32.const 0x114)))))  ;; max(pnan,nnan)
    (call $o32 (i32.reinterpret_f32 (f32.ceil (f32.load (i32.const 0x110)))))                             ;; ceil(pnan)
    (call $o32 (i32.reinterpret_f32 (f32.floor (f32.load (i32.const 0x114)))))                            ;; floor(nnan)
    (call $o32 (i32.reinterpret_f32 (f32.trunc (f32.load (i32.const 0x110)))))                            ;; trunc(pnan)
    (call $o32 (i32.reinterpret_f32 (f32.nearest (f32.load (i32.const 0x114)))))                          ;; nearest(nnan)
    (call $o32 (i32.reinterpret_f32 (f32.sqrt (f32.load (i32.const 0x114)))))                             ;; sqrt(nnan)
    (call $o32 (i32.reinterpret_f32 (f32.demote_f64 (f64.load (i32.const 0x220)))))                       ;; demote(pnan64)
    (call $o32 (i32.reinterpret_f32 (f32.demote_f64 (f64.load (i32.const 0x228)))))                       ;; demote(nnan64)
    ;; chains: only the last operation of a chain needs the check
    (call $o32 (i32.reinterpret_f32 (f32.add (f32.mul (f32.load (i32.const 0x110)) (f32.load (i32.const 0x118)))
                                             (f32.const 1))))                                             ;; pnan*1.5+1
    (call $o32 (i32.reinterpret_f32 (f32.demote_f64 (f64.mul (f64.load (i32.const 0x228)) (f64.load (i32.const 0x230))))))
    ;; through a local, a global, a store, select
    (local.set $x (f32.div (f32.load (i32.const 0x100)) (f32.load (i32.const 0x100))))
    (call $o32 (i32.reinterpret_f32 (local.get $x)))                                                      ;; canonical
    (global.set $g32 (f32.sqrt (f32.load (i32.const 0x108))))
    (call $o32 (i32.reinterpret_f32 (global.get $g32)))                                                   ;; canonical
    (f32.store (i32.const 0x3f0) (f32.sub (f32.load (i32.const 0x10c)) (f32.load (i32.const 0x10c))))
    (call $o32 (i32.load (i32.const 0x3f0)))                                                              ;; canonical
    (call $o32 (i32.reinterpret_f32 (select (f32.div (f32.load (i32.const 0x100)) (f32.load (i32.const 0x100)))
                                            (f32.load (i32.const 0x104)) (i32.const 1))))                 ;; canonical
    ;; bit operations after a canonical NaN: they see 0x7fc00000, whatever the CPU made
    (call $o32 (i32.reinterpret_f32 (f32.neg (f32.div (f32.load (i32.const 0x100)) (f32.load (i32.const 0x100))))))  ;; ffc00000
    (call $o32 (i32.reinterpret_f32 (f32.abs (f32.sub (f32.load (i32.const 0x10c)) (f32.load (i32.const 0x10c))))))  ;; 7fc00000
    (call $o32 (i32.reinterpret_f32 (f32.copysign (f32.load (i32.const 0x104)) (f32.sqrt (f32.load (i32.const 0x108))))))  ;; +1: 3f800000
    ;; comparisons and saturating truncation of a NaN (payload-independent): i32 results
    (call $o32 (f32.eq (f32.load (i32.const 0x110)) (f32.div (f32.load (i32.const 0x100)) (f32.load (i32.const 0x100)))))  ;; 0
    (call $o32 (f32.ne (f32.load (i32.const 0x104)) (f32.sqrt (f32.load (i32.const 0x108)))))                              ;; 1
    (call $o32 (i32.trunc_sat_f32_s (f32.mul (f32.load (i32.const 0x10c)) (f32.load (i32.const 0x100)))))                 ;; 0
    ;; ---- f64 (the same) ----
    (call $o64 (i64.reinterpret_f64 (f64.div (f64.load (i32.const 0x200)) (f64.load (i32.const 0x200)))))  ;; 0/0
    (call $o64 (i64.reinterpret_f64 (f64.sqrt (f64.load (i32.const 0x210)))))                             ;; sqrt(-1)
    (call $o64 (i64.reinterpret_f64 (f64.sub (f64.load (i32.const 0x218)) (f64.load (i32.const 0x218)))))  ;; inf-inf
    (call $o64 (i64.reinterpret_f64 (f64.mul (f64.load (i32.const 0x218)) (f64.load (i32.const 0x200)))))  ;; inf*0
    (call $o64 (i64.reinterpret_f64 (f64.add (f64.load (i32.const 0x220)) (f64.load (i32.const 0x208)))))  ;; pnan+1
    (call $o64 (i64.reinterpret_f64 (f64.add (f64.load (i32.const 0x208)) (f64.load (i32.const 0x228)))))  ;; 1+nnan
    (call $o64 (i64.reinterpret_f64 (f64.sub (f64.load (i32.const 0x228)) (f64.load (i32.const 0x220)))))  ;; nnan-pnan
    (call $o64 (i64.reinterpret_f64 (f64.mul (f64.load (i32.const 0x220)) (f64.load (i32.const 0x230)))))  ;; pnan*1.5
    (call $o64 (i64.reinterpret_f64 (f64.div (f64.load (i32.const 0x228)) (f64.load (i32.const 0x208)))))  ;; nnan/1
    (call $o64 (i64.reinterpret_f64 (f64.min (f64.load (i32.const 0x220)) (f64.load (i32.const 0x208)))))  ;; min(pnan,1)
    (call $o64 (i64.reinterpret_f64 (f64.max (f64.load (i32.const 0x208)) (f64.load (i32.const 0x228)))))  ;; max(1,nnan)
    (call $o64 (i64.reinterpret_f64 (f64.min (f64.load (i32.const 0x228)) (f64.load (i32.const 0x220)))))  ;; min(nnan,pnan)
    (call $o64 (i64.reinterpret_f64 (f64.max (f64.load (i32.const 0x220)) (f64.load (i32.const 0x228)))))  ;; max(pnan,nnan)
    (call $o64 (i64.reinterpret_f64 (f64.ceil (f64.load (i32.const 0x220)))))                             ;; ceil(pnan)
    (call $o64 (i64.reinterpret_f64 (f64.floor (f64.load (i32.const 0x228)))))                            ;; floor(nnan)
    (call $o64 (i64.reinterpret_f64 (f64.trunc (f64.load (i32.const 0x220)))))                            ;; trunc(pnan)
    (call $o64 (i64.reinterpret_f64 (f64.nearest (f64.load (i32.const 0x228)))))                          ;; nearest(nnan)
    (call $o64 (i64.reinterpret_f64 (f64.sqrt (f64.load (i32.const 0x228)))))                             ;; sqrt(nnan)
    (call $o64 (i64.reinterpret_f64 (f64.promote_f32 (f32.load (i32.const 0x110)))))                      ;; promote(pnan32)
    (call $o64 (i64.reinterpret_f64 (f64.promote_f32 (f32.load (i32.const 0x114)))))                      ;; promote(nnan32)
    (call $o64 (i64.reinterpret_f64 (f64.add (f64.mul (f64.load (i32.const 0x220)) (f64.load (i32.const 0x230)))
                                             (f64.const 1))))                                             ;; pnan*1.5+1
    (call $o64 (i64.reinterpret_f64 (f64.promote_f32 (f32.div (f32.load (i32.const 0x100)) (f32.load (i32.const 0x100))))))
    (local.set $y (f64.div (f64.load (i32.const 0x200)) (f64.load (i32.const 0x200))))
    (call $o64 (i64.reinterpret_f64 (local.get $y)))                                                      ;; canonical
    (f64.store (i32.const 0x3f8) (f64.sub (f64.load (i32.const 0x218)) (f64.load (i32.const 0x218))))
    (call $o64 (i64.load (i32.const 0x3f8)))                                                              ;; canonical
    (call $o64 (i64.reinterpret_f64 (f64.neg (f64.div (f64.load (i32.const 0x200)) (f64.load (i32.const 0x200))))))  ;; fff8000000000000
    (call $o64 (i64.reinterpret_f64 (f64.copysign (f64.load (i32.const 0x208)) (f64.sqrt (f64.load (i32.const 0x210))))))  ;; +1
    (call $o32 (f64.lt (f64.load (i32.const 0x208)) (f64.div (f64.load (i32.const 0x200)) (f64.load (i32.const 0x200)))))  ;; 0
    (call $o64 (i64.trunc_sat_f64_u (f64.sqrt (f64.load (i32.const 0x210)))))                                            ;; 0
    (call $done (i32.const 0x1004)))

  (func $exact (export "exact") (result i32)
    (local $x f32) (local $y f64)
    (global.set $p (i32.const 0x2004))
    ;; ---- f32 ----
    (call $o32 (i32.reinterpret_f32 (f32.add (f32.load (i32.const 0x118)) (f32.load (i32.const 0x11c)))))  ;; 1.5+2.25 = 3.75
    (call $o32 (i32.reinterpret_f32 (f32.add (f32.load (i32.const 0x120)) (f32.load (i32.const 0x120)))))  ;; -0 + -0 = -0
    (call $o32 (i32.reinterpret_f32 (f32.mul (f32.load (i32.const 0x100)) (f32.load (i32.const 0x108)))))  ;; 0 * -1 = -0
    (call $o32 (i32.reinterpret_f32 (f32.min (f32.load (i32.const 0x100)) (f32.load (i32.const 0x120)))))  ;; min(0,-0) = -0
    (call $o32 (i32.reinterpret_f32 (f32.max (f32.load (i32.const 0x120)) (f32.load (i32.const 0x100)))))  ;; max(-0,0) = 0
    (call $o32 (i32.reinterpret_f32 (f32.nearest (f32.load (i32.const 0x124)))))                          ;; nearest(-0.5) = -0
    (call $o32 (i32.reinterpret_f32 (f32.ceil (f32.load (i32.const 0x124)))))                             ;; ceil(-0.5) = -0
    (call $o32 (i32.reinterpret_f32 (f32.trunc (f32.load (i32.const 0x124)))))                            ;; trunc(-0.5) = -0
    (call $o32 (i32.reinterpret_f32 (f32.sqrt (f32.load (i32.const 0x120)))))                             ;; sqrt(-0) = -0
    (call $o32 (i32.reinterpret_f32 (f32.nearest (f32.load (i32.const 0x128)))))                          ;; nearest(2.5) = 2
    (call $o32 (i32.reinterpret_f32 (f32.floor (f32.load (i32.const 0x124)))))                            ;; floor(-0.5) = -1
    (call $o32 (i32.reinterpret_f32 (f32.div (f32.load (i32.const 0x104)) (f32.load (i32.const 0x100)))))  ;; 1/0 = inf
    (call $o32 (i32.reinterpret_f32 (f32.div (f32.load (i32.const 0x108)) (f32.load (i32.const 0x100)))))  ;; -1/0 = -inf
    (call $o32 (i32.reinterpret_f32 (f32.demote_f64 (f64.load (i32.const 0x230)))))                       ;; 1.5
    ;; bit operations and moves keep a NaN's payload and sign
    (call $o32 (i32.reinterpret_f32 (f32.abs (f32.load (i32.const 0x114)))))                              ;; 7fc54321
    (call $o32 (i32.reinterpret_f32 (f32.neg (f32.load (i32.const 0x110)))))                              ;; ffc12345
    (call $o32 (i32.reinterpret_f32 (f32.copysign (f32.load (i32.const 0x110)) (f32.load (i32.const 0x108)))))  ;; ffc12345
    (call $o32 (i32.reinterpret_f32 (f32.copysign (f32.load (i32.const 0x114)) (f32.load (i32.const 0x104)))))  ;; 7fc54321
    (call $o32 (i32.reinterpret_f32 (f32.load (i32.const 0x114))))                                        ;; ffc54321
    (call $o32 (i32.reinterpret_f32 (f32.const nan:0x412345)))                                            ;; 7fc12345
    (call $o32 (i32.reinterpret_f32 (f32.reinterpret_i32 (i32.const 0xffc54321))))                        ;; ffc54321
    (local.set $x (f32.load (i32.const 0x110)))
    (call $o32 (i32.reinterpret_f32 (local.get $x)))                                                      ;; 7fc12345
    (call $o32 (i32.reinterpret_f32 (select (f32.load (i32.const 0x114)) (f32.load (i32.const 0x104)) (i32.const 1))))  ;; ffc54321
    (f32.store (i32.const 0x3f0) (f32.load (i32.const 0x114)))
    (call $o32 (i32.load (i32.const 0x3f0)))                                                              ;; ffc54321
    ;; ---- f64 ----
    (call $o64 (i64.reinterpret_f64 (f64.add (f64.load (i32.const 0x230)) (f64.load (i32.const 0x238)))))  ;; 3.75
    (call $o64 (i64.reinterpret_f64 (f64.add (f64.load (i32.const 0x240)) (f64.load (i32.const 0x240)))))  ;; -0
    (call $o64 (i64.reinterpret_f64 (f64.mul (f64.load (i32.const 0x200)) (f64.load (i32.const 0x210)))))  ;; -0
    (call $o64 (i64.reinterpret_f64 (f64.min (f64.load (i32.const 0x200)) (f64.load (i32.const 0x240)))))  ;; -0
    (call $o64 (i64.reinterpret_f64 (f64.max (f64.load (i32.const 0x240)) (f64.load (i32.const 0x200)))))  ;; 0
    (call $o64 (i64.reinterpret_f64 (f64.nearest (f64.load (i32.const 0x248)))))                          ;; -0
    (call $o64 (i64.reinterpret_f64 (f64.ceil (f64.load (i32.const 0x248)))))                             ;; -0
    (call $o64 (i64.reinterpret_f64 (f64.trunc (f64.load (i32.const 0x248)))))                            ;; -0
    (call $o64 (i64.reinterpret_f64 (f64.sqrt (f64.load (i32.const 0x240)))))                             ;; -0
    (call $o64 (i64.reinterpret_f64 (f64.nearest (f64.load (i32.const 0x250)))))                          ;; 2
    (call $o64 (i64.reinterpret_f64 (f64.floor (f64.load (i32.const 0x248)))))                            ;; -1
    (call $o64 (i64.reinterpret_f64 (f64.div (f64.load (i32.const 0x208)) (f64.load (i32.const 0x200)))))  ;; inf
    (call $o64 (i64.reinterpret_f64 (f64.div (f64.load (i32.const 0x210)) (f64.load (i32.const 0x200)))))  ;; -inf
    (call $o64 (i64.reinterpret_f64 (f64.promote_f32 (f32.load (i32.const 0x11c)))))                      ;; 2.25
    (call $o64 (i64.reinterpret_f64 (f64.abs (f64.load (i32.const 0x228)))))                              ;; 7ff8000087654321
    (call $o64 (i64.reinterpret_f64 (f64.neg (f64.load (i32.const 0x220)))))                              ;; fff8000012345678
    (call $o64 (i64.reinterpret_f64 (f64.copysign (f64.load (i32.const 0x220)) (f64.load (i32.const 0x210)))))  ;; fff8000012345678
    (call $o64 (i64.reinterpret_f64 (f64.copysign (f64.load (i32.const 0x228)) (f64.load (i32.const 0x208)))))  ;; 7ff8000087654321
    (call $o64 (i64.reinterpret_f64 (f64.load (i32.const 0x228))))                                        ;; fff8000087654321
    (call $o64 (i64.reinterpret_f64 (f64.const nan:0x8000012345678)))                                     ;; 7ff8000012345678
    (local.set $y (f64.load (i32.const 0x228)))
    (call $o64 (i64.reinterpret_f64 (local.get $y)))                                                      ;; fff8000087654321
    (f64.store (i32.const 0x3f8) (f64.load (i32.const 0x220)))
    (call $o64 (i64.load (i32.const 0x3f8)))                                                              ;; 7ff8000012345678
    (call $done (i32.const 0x2004)))

  ;; one protobuf item: 0x0a, varint length, bytes
  (func $item (param $src i32) (param $len i32)
    (local $v i32) (local $b i32)
    (i32.store8 (global.get $p) (i32.const 0x0a))
    (global.set $p (i32.add (global.get $p) (i32.const 1)))
    (local.set $v (local.get $len))
    (loop $more
      (local.set $b (i32.and (local.get $v) (i32.const 0x7f)))
      (local.set $v (i32.shr_u (local.get $v) (i32.const 7)))
      (if (local.get $v) (then (local.set $b (i32.or (local.get $b) (i32.const 0x80)))))
      (i32.store8 (global.get $p) (local.get $b))
      (global.set $p (i32.add (global.get $p) (i32.const 1)))
      (br_if $more (local.get $v)))
    (memory.copy (global.get $p) (local.get $src) (local.get $len))
    (global.set $p (i32.add (global.get $p) (local.get $len))))

  (func (export "_start")
    (local $n i32) (local $e i32)
    (local.set $n (call $nan))
    (local.set $e (call $exact))
    (global.set $p (i32.const 0x3004))
    (call $item (i32.const 0x80) (i32.const 3))
    (call $item (local.get $n) (i32.load (i32.sub (local.get $n) (i32.const 4))))
    (call $item (i32.const 0x88) (i32.const 5))
    (call $item (local.get $e) (i32.load (i32.sub (local.get $e) (i32.const 4))))
    (i32.store (i32.const 0x3000) (i32.sub (global.get $p) (i32.const 0x3004)))
    (call $flush (i32.const 0x3004))))
