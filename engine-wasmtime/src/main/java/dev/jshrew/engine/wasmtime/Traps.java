package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.Trap;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;

/**
 * The one place where wasmtime's failures become jshrew's. A call that traps in guest code arrives as
 * {@link WasmFunctionError.TrapError} carrying wasmtime's trap code, mapped here kind for kind. Everything else
 * arrives as {@link WasmtimeException} with only wasmtime's text: traps while applying data or element segments
 * ({@code "wasm trap: out of bounds memory access"}) are recognised by that text, link errors by theirs.
 * (Host-function failures never get here: the instance stashes them and rethrows them unchanged.)
 */
final class Traps {
    private Traps() {}

    /** A failure of a guest call or of instantiation, as a jshrew exception. */
    static JshrewException translate(RuntimeException e, String context) {
        if (e instanceof WasmFunctionError.TrapError t) {
            Trap trap = of(t.trap());
            return new GuestTrapException(trap, context + ": wasm trap: " + describe(trap), e);
        }
        String message = String.valueOf(e.getMessage());
        if (isLinkError(firstLine(message))) {
            return new JshrewException(ErrorCode.LINK, context + ": " + message, e);
        }
        Trap trap = ofMessage(message);
        return new GuestTrapException(trap, context + ": " + firstLine(message), e);
    }

    /** Whether wasmtime stopped the call at its epoch deadline (a timed call: {@code Trap.TIMEOUT}). */
    static boolean isInterrupt(RuntimeException e) {
        if (e instanceof WasmFunctionError.TrapError t) {
            return t.trap() == io.github.kawamuray.wasmtime.Trap.INTERRUPT;
        }
        return firstLine(String.valueOf(e.getMessage())).contains("interrupt");
    }

    /**
     * wasmtime 7's instantiation errors for imports (the engine checks types itself first, so these are a backstop).
     */
    private static boolean isLinkError(String line) {
        return line.startsWith("incompatible import type")
                || line.startsWith("unknown import")
                || line.matches("expected \\d+ imports, found \\d+");
    }

    static Trap of(io.github.kawamuray.wasmtime.Trap trap) {
        return switch (trap) {
            case STACK_OVERFLOW -> Trap.STACK_OVERFLOW;
            case MEMORY_OUT_OF_BOUNDS -> Trap.MEMORY_OUT_OF_BOUNDS;
            case TABLE_OUT_OF_BOUNDS -> Trap.TABLE_OUT_OF_BOUNDS;
            case INDIRECT_CALL_TO_NULL -> Trap.UNINITIALIZED_ELEMENT;
            case BAD_SIGNATURE -> Trap.INDIRECT_CALL_TYPE_MISMATCH;
            case INTEGER_OVERFLOW -> Trap.INTEGER_OVERFLOW;
            case INTEGER_DIVISION_BY_ZERO -> Trap.INTEGER_DIVIDE_BY_ZERO;
            case BAD_CONVERSION_TO_INTEGER -> Trap.BAD_CONVERSION_TO_INTEGER;
            case UNREACHABLE_CODE_REACHED -> Trap.UNREACHABLE;
            // HEAP_MISALIGNED needs atomics (refused by the engine config); the rest cannot happen without
            // fuel or components, which jshrew does not enable. INTERRUPT is a timed call's deadline (see isInterrupt).
            case HEAP_MISALIGNED, INTERRUPT, ALWAYS_TRAP_ADAPTER, OUF_OF_FUEL, UNKNOWN -> Trap.OTHER;
        };
    }

    /** wasmtime 7's trap texts ({@code wasmtime_environ::Trap}'s Display). */
    static Trap ofMessage(String m) {
        if (m.contains("out of bounds memory access")) {
            return Trap.MEMORY_OUT_OF_BOUNDS;
        } else if (m.contains("out of bounds table access") || m.contains("undefined element")) {
            return Trap.TABLE_OUT_OF_BOUNDS;
        } else if (m.contains("uninitialized element")) {
            return Trap.UNINITIALIZED_ELEMENT;
        } else if (m.contains("indirect call type mismatch")) {
            return Trap.INDIRECT_CALL_TYPE_MISMATCH;
        } else if (m.contains("`unreachable`")) {
            return Trap.UNREACHABLE;
        } else if (m.contains("integer divide by zero")) {
            return Trap.INTEGER_DIVIDE_BY_ZERO;
        } else if (m.contains("integer overflow")) {
            return Trap.INTEGER_OVERFLOW;
        } else if (m.contains("invalid conversion to integer")) {
            return Trap.BAD_CONVERSION_TO_INTEGER;
        } else if (m.contains("call stack exhausted")) {
            return Trap.STACK_OVERFLOW;
        }
        return Trap.OTHER;
    }

    private static String describe(Trap trap) {
        return switch (trap) {
            case UNREACHABLE -> "unreachable instruction executed";
            case MEMORY_OUT_OF_BOUNDS -> "out of bounds memory access";
            case INTEGER_DIVIDE_BY_ZERO -> "integer divide by zero";
            case INTEGER_OVERFLOW -> "integer overflow";
            case BAD_CONVERSION_TO_INTEGER -> "invalid conversion to integer";
            case INDIRECT_CALL_TYPE_MISMATCH -> "indirect call type mismatch";
            case TABLE_OUT_OF_BOUNDS -> "undefined element: out of bounds table access";
            case UNINITIALIZED_ELEMENT -> "uninitialized element";
            case STACK_OVERFLOW -> "call stack exhausted";
            default -> trap.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
