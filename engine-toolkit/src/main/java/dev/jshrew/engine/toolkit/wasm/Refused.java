package dev.jshrew.engine.toolkit.wasm;

/**
 * The module is well-formed (as far as the rewrite read it) but uses an instruction or feature the in-place reset
 * cannot support. The message is the part after "module NAME: ".
 */
final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
        super(message, null, false, false);
    }
}
