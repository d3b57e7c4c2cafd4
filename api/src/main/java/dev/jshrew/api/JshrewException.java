package dev.jshrew.api;

import java.util.Objects;

/**
 * Base of every failure jshrew reports. Unchecked; always carries an {@link ErrorCode}, and the message
 * names, where known, the engine, the module and the block height.
 */
public class JshrewException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public JshrewException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public JshrewException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }
}
