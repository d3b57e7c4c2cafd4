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

    /**
     * A body that an engine may abandon and run again: an engine can end a call at one of its guest-memory
     * accesses (the access throws an {@link Error} of the engine's own) and then call the implementation again,
     * with the same arguments, on the same memory. An engine uses this to pass arguments and results through guest
     * memory instead of its binding's slower value conversion, and falls back to the plain call when the function
     * touches the few bytes it borrowed. So an implementation must make no effect that matters outside itself (a
     * memory write, a flush, a log line, a failure recorded) before its last guest-memory access, and must let any
     * {@link Error} thrown by {@link GuestMemory} propagate. Repeating a read (of guest memory or of the store) is
     * fine. Engines that never abandon a call treat it as a plain {@link Implementation}.
     */
    @FunctionalInterface
    public interface Restartable extends Implementation {}

    /**
     * The first half of a keyed read, as metashrew's {@code __get_len} is of {@code __get}: {@code call(memory,
     * [key])} returns the length of the value stored under the key buffer at {@code key} (its {@code u32}
     * little-endian length at {@code key - 4}, then that many bytes), and the <em>companion</em>, the import
     * {@link #companion()} of the same module, of type {@code (i32 key, i32 out) -> ()}, writes that value at
     * {@code out}. An engine whose host calls are dear may then make the companion's call itself, without calling
     * the host, from the value {@link #lastValue()} handed over.
     */
    public interface ValueLength extends Restartable {
        /** The name of the companion import, in this function's module. */
        String companion();

        /**
         * The value whose length the last completed call returned, or null when the engine must call the companion.
         * A value (not null) is a promise that, until the export call under way returns, a call of the companion
         * whose {@code key} holds a valid buffer equal to that call's key has exactly this effect: it writes these
         * bytes at {@code out} (nothing when there are none) when they fit in the guest's memory, and nothing else.
         * Read right after the call, on the instance's thread; the array is not changed afterwards.
         */
        byte[] lastValue();

        /**
         * The keys this function may find, or null. A key the filter does not hold ({@link KeyFilter#mayContain}
         * false) has length 0 and its companion writes nothing, for the whole export call the filter was copied for
         * ({@link KeyFilter#copyTo} before each export call); an engine may then answer it without calling the host.
         */
        default KeyFilter keyFilter() {
            return null;
        }

        /**
         * Values this function would return, or null. A key with a current entry in the table ({@link
         * ValueTable#get} not null) has that value's length, and its companion writes that value, for the whole
         * export call the table was copied for ({@link ValueTable#copyTo} before each export call, while {@link
         * ValueTable#isActive}); an engine may then answer both without calling the host. Only with a {@link
         * #keyFilter()}.
         */
        default ValueTable valueTable() {
            return null;
        }
    }
}
