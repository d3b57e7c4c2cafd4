package dev.jshrew.api.engine;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.util.Objects;

/** The guest trapped. Carries the {@link Trap} kind; its message is for people only. */
public class GuestTrapException extends JshrewException {
    private static final long serialVersionUID = 1L;

    private final Trap trap;

    public GuestTrapException(Trap trap, String message) {
        this(trap, message, null);
    }

    public GuestTrapException(Trap trap, String message, Throwable cause) {
        super(ErrorCode.TRAP, message, cause);
        this.trap = Objects.requireNonNull(trap, "trap");
    }

    public Trap trap() {
        return trap;
    }
}
