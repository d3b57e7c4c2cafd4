;; exception handling (legacy try/catch_all, no tag): refused
(module (memory 1) (func (export "f") (try (do nop) (catch_all))))
