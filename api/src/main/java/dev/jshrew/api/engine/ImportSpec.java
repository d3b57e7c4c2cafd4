package dev.jshrew.api.engine;

import java.util.Objects;
import java.util.Optional;

/**
 * One import of a module.
 *
 * @param module the import module name, e.g. {@code env}
 * @param name the field name, e.g. {@code __flush}
 * @param kind what is imported
 * @param signature the function type, present exactly when {@code kind} is {@link Kind#FUNCTION}
 */
public record ImportSpec(String module, String name, Kind kind, Optional<FunctionSignature> signature) {
    /** Kinds of imports. */
    public enum Kind {
        FUNCTION,
        MEMORY,
        TABLE,
        GLOBAL,
        TAG
    }

    public ImportSpec {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(signature, "signature");
        if ((kind == Kind.FUNCTION) != signature.isPresent()) {
            throw new IllegalArgumentException("a signature goes with function imports only: " + module + "." + name);
        }
    }
}
