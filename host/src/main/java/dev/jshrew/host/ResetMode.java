package dev.jshrew.host;

/** How an instance is brought back to a pristine state between blocks (and view calls). */
public enum ResetMode {
    /** In-place reset of a committed instance ({@link dev.jshrew.api.engine.ModuleInstance#reset()}). */
    FAST,
    /** A fresh, lazily backed instance per block: the reference behaviour of the original. */
    FRESH
}
