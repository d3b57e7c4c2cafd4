;; exports a name the rewrite adds: refused
(module (memory 1) (func (export "__jshrew_reset")))
