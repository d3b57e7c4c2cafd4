package dev.jshrew.api.engine;

import java.util.Objects;

/**
 * An engine-neutral host import.
 *
 * @param module import module name
 * @param name import field name
 * @param signature the exact type; an import declared with another type fails to link
 * @param implementation the code; it runs on the instance's thread
 */
public record HostFunction(String module, String name, FunctionSignature signature, Implementation implementation) {
    public HostFunction {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(implementation, "implementation");
    }

    /** The body of a host function. */
    @FunctionalInterface
    public interface Implementation {
        /**
         * @param memory the calling instance's memory (bounds-checked)
         * @param args arguments as longs (i32 sign-extended)
         * @return results as longs; an empty array for no results
         * @throws GuestTrapException to trap the guest; engines propagate it unchanged to the caller of
         *     {@link ModuleInstance#call}. Any other {@link dev.jshrew.api.JshrewException} is propagated too.
         */
        long[] call(GuestMemory memory, long[] args);
    }
}
