;; host-calls.wat: calls env.hook with its argument; the engine's own tests make the hook throw.
(module
  (import "env" "hook" (func $hook (param i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "run") (param i32) (result i32) (call $hook (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
