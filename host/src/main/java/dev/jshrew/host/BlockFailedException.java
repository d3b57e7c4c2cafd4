package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;

/** A block (or view call) could not be completed; nothing of it was committed. The message names engine, module and height. */
public final class BlockFailedException extends JshrewException {
    private static final long serialVersionUID = 1L;

    private final long height;

    public BlockFailedException(ErrorCode code, long height, String message, Throwable cause) {
        super(code, message, cause);
        this.height = height;
    }

    public long height() {
        return height;
    }
}
