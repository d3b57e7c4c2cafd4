;; nan-simd.wat: NaN bit patterns of SIMD results (C-66, for engines that run SIMD). _start flushes key "simd" and
;; the view "simd" returns the same bytes: 16 bytes per v128 result, lanes little-endian, in this order:
;;   NaN-producing (canonical lanes with NaN canonicalisation):
;;     f32x4.div(z, z)        -> nan nan nan nan          f32x4.add(a, ones)   -> nan nan 2 0
;;     f32x4.min(a, ones)     -> nan nan 1 -1             f32x4.sqrt(a)        -> nan nan 1 nan
;;     f64x2.sqrt(e)          -> nan 1                    f64x2.mul(d, e)      -> nan nan
;;     f32x4.demote_f64x2_zero(d) -> nan nan 0 0          f64x2.promote_low_f32x4(a) -> nan nan
;;     f64x2.nearest(d)       -> nan nan
;;   bit-exact (payloads kept): f32x4.abs(a), f32x4.neg(a), f32x4.pmin(a, ones), f64x2.pmax(d, e)
;; Operands: z = f32x4 zeros (0x100), a = f32x4 (pnan 7fc12345, nnan ffc54321, 1, -1) (0x110), ones = f32x4 1s
;; (0x120), d = f64x2 (pnan 7ff8000012345678, nnan fff8000087654321) (0x130), e = f64x2 (-1, 1) (0x140).
(module
  (import "env" "__flush" (func $flush (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x80) "simd")
  (data (i32.const 0x100) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00"
                          "\45\23\c1\7f\21\43\c5\ff\00\00\80\3f\00\00\80\bf"
                          "\00\00\80\3f\00\00\80\3f\00\00\80\3f\00\00\80\3f"
                          "\78\56\34\12\00\00\f8\7f\21\43\65\87\00\00\f8\ff"
                          "\00\00\00\00\00\00\f0\bf\00\00\00\00\00\00\f0\3f")
  (global $p (mut i32) (i32.const 0))
  (func $out (param $v v128)
    (v128.store (global.get $p) (local.get $v))
    (global.set $p (i32.add (global.get $p) (i32.const 16))))
  (func $simd (export "simd") (result i32)
    (global.set $p (i32.const 0x1004))
    (call $out (f32x4.div (v128.load (i32.const 0x100)) (v128.load (i32.const 0x100))))
    (call $out (f32x4.add (v128.load (i32.const 0x110)) (v128.load (i32.const 0x120))))
    (call $out (f32x4.min (v128.load (i32.const 0x110)) (v128.load (i32.const 0x120))))
    (call $out (f32x4.sqrt (v128.load (i32.const 0x110))))
    (call $out (f64x2.sqrt (v128.load (i32.const 0x140))))
    (call $out (f64x2.mul (v128.load (i32.const 0x130)) (v128.load (i32.const 0x140))))
    (call $out (f32x4.demote_f64x2_zero (v128.load (i32.const 0x130))))
    (call $out (f64x2.promote_low_f32x4 (v128.load (i32.const 0x110))))
    (call $out (f64x2.nearest (v128.load (i32.const 0x130))))
    (call $out (f32x4.abs (v128.load (i32.const 0x110))))
    (call $out (f32x4.neg (v128.load (i32.const 0x110))))
    (call $out (f32x4.pmin (v128.load (i32.const 0x110)) (v128.load (i32.const 0x120))))
    (call $out (f64x2.pmax (v128.load (i32.const 0x130)) (v128.load (i32.const 0x140))))
    (i32.store (i32.const 0x1000) (i32.sub (global.get $p) (i32.const 0x1004)))
    (i32.const 0x1004))
  (func (export "_start")
    (local $v i32) (local $len i32)
    (local.set $v (call $simd))
    (local.set $len (i32.load (i32.const 0x1000)))
    ;; 0a 04 "simd" 0a <len: 2-byte varint, 128 <= len < 16384> <bytes>
    (i32.store8 (i32.const 0x3004) (i32.const 0x0a))
    (i32.store8 (i32.const 0x3005) (i32.const 4))
    (memory.copy (i32.const 0x3006) (i32.const 0x80) (i32.const 4))
    (i32.store8 (i32.const 0x300a) (i32.const 0x0a))
    (i32.store8 (i32.const 0x300b) (i32.or (i32.and (local.get $len) (i32.const 0x7f)) (i32.const 0x80)))
    (i32.store8 (i32.const 0x300c) (i32.shr_u (local.get $len) (i32.const 7)))
    (memory.copy (i32.const 0x300d) (local.get $v) (local.get $len))
    (i32.store (i32.const 0x3000) (i32.add (local.get $len) (i32.const 9)))
    (call $flush (i32.const 0x3004))))
