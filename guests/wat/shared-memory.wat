;; A shared memory (threads): refused by every engine as an invalid module (jshrew guests are single-threaded).
(module
  (memory (export "memory") 1 1 shared)
  (func (export "_start")))
