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

    /**
     * This failure as reported from {@code context}: the same code, the message prefixed with the context, this as the
     * cause. Engines use it to name themselves and the module on a failure that came from elsewhere (e.g. the memory
     * provider), so the host never has to look at a message to find out whether it is named.
     *
     * @param context e.g. {@code engine chicory, module indexer.wasm}
     */
    public JshrewException within(String context) {
        return new JshrewException(code, context + ": " + getMessage(), this);
    }
}
