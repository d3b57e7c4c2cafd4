package dev.jshrew.node.chain;

/** A transient failure of a {@link ChainSource}: retried with backoff, never skipping a height. */
public class SourceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
