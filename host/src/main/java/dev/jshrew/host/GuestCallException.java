package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.util.Objects;

/**
 * A call into the guest could not be completed — a block's {@code _start}, either stage of a preview, or a view —
 * and nothing of it was committed. Callers branch on {@link #code()} and {@link #stage()}, never on the message;
 * the message names the engine, the module and the height for operators.
 */
public final class GuestCallException extends JshrewException {
    private static final long serialVersionUID = 1L;

    /** Where in the host's work on a call it failed. */
    public enum Stage {
        /** Making the instance pristine for the call (reset or re-instantiation). */
        PREPARE,
        /** A block's {@code _start} while indexing (or the block's bytes before it ran). */
        START,
        /** A preview's stage 1: the block's {@code _start} run into an in-memory overlay. */
        PREVIEW_START,
        /** Looking up the view: the module exports no function by that name. */
        VIEW_MISSING,
        /** The view itself: it has another type than {@code () -> i32}, or the call failed. */
        VIEW
    }

    private final Stage stage;
    private final long height;
    private final String engine;
    private final String module;

    /**
     * @param detail what went wrong, without the engine/module/height prefix this class adds
     */
    public GuestCallException(
            ErrorCode code, Stage stage, String engine, String module, long height, String detail, Throwable cause) {
        super(code, "engine " + engine + ", module " + module + ", " + where(stage, height) + ": " + detail, cause);
        this.stage = Objects.requireNonNull(stage, "stage");
        this.height = height;
        this.engine = engine;
        this.module = module;
    }

    private static String where(Stage stage, long height) {
        return switch (stage) {
            case PREPARE, START -> "height " + height;
            case PREVIEW_START -> "view at height " + height + ": preview stage 1 (_start)";
            case VIEW_MISSING, VIEW -> "view at height " + height;
        };
    }

    public Stage stage() {
        return stage;
    }

    /** The height the block was indexed at, or the view or preview read at. */
    public long height() {
        return height;
    }

    /** The engine's name. */
    public String engine() {
        return engine;
    }

    /** The module's name. */
    public String module() {
        return module;
    }
}
