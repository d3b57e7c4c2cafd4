package dev.jshrew.engine.graalwasm;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.Trap;
import org.graalvm.polyglot.PolyglotException;

/**
 * The one place where GraalWasm's failures become jshrew's: a host function's exception comes back unchanged,
 * a guest trap becomes a {@link GuestTrapException} whose {@link Trap} is read from GraalWasm's message (its
 * {@code Failure} texts, which follow the spec's wording), anything else an {@link Trap#OTHER} trap.
 */
final class Traps {
    private Traps() {}

    static RuntimeException translate(PolyglotException e, String where) {
        if (e.isHostException()) {
            Throwable host = e.asHostException();
            if (host instanceof RuntimeException r) {
                return r; // GuestTrapException, any JshrewException, or a host bug: unchanged
            }
            if (host instanceof Error err) {
                throw err;
            }
            return new GuestTrapException(Trap.HOST, where + ": host function failed: " + host, host);
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("could not allocate memory") || message.contains("memory instance size exceeds limit")) {
            return new JshrewException(
                    ErrorCode.ENGINE_LIMIT, where + ": engine graalwasm cannot provide the memory: " + message, e);
        }
        if (e.isGuestException() || e.isResourceExhausted()) {
            return new GuestTrapException(trapOf(message), where + ": " + message, e);
        }
        return new GuestTrapException(Trap.OTHER, where + ": " + message, e);
    }

    /**
     * GraalWasm's trap messages to trap kinds: the texts of {@code org.graalvm.wasm.exception.Failure}, and the
     * detailed ones its memories format for out-of-bounds accesses ("4-byte memory access at address 0x… is
     * out-of-bounds (memory size … bytes)").
     */
    static Trap trapOf(String message) {
        if (message.contains("unreachable")) {
            return Trap.UNREACHABLE;
        } else if (message.contains("out of bounds memory access")
                || (message.contains("memory access at address") && message.contains("is out-of-bounds"))
                || (message.contains("buffer access at offset") && message.contains("is out-of-bounds"))) {
            return Trap.MEMORY_OUT_OF_BOUNDS;
        } else if (message.contains("integer divide by zero")) {
            return Trap.INTEGER_DIVIDE_BY_ZERO;
        } else if (message.contains("integer overflow")) {
            return Trap.INTEGER_OVERFLOW;
        } else if (message.contains("invalid conversion to integer")) {
            return Trap.BAD_CONVERSION_TO_INTEGER;
        } else if (message.contains("indirect call type mismatch")) {
            return Trap.INDIRECT_CALL_TYPE_MISMATCH;
        } else if (message.contains("out of bounds table access") || message.contains("undefined element")) {
            return Trap.TABLE_OUT_OF_BOUNDS;
        } else if (message.contains("uninitialized element") || message.contains("defined element is ref.null")) {
            return Trap.UNINITIALIZED_ELEMENT;
        } else if (message.contains("call stack exhausted")) {
            return Trap.STACK_OVERFLOW;
        }
        return Trap.OTHER;
    }
}
