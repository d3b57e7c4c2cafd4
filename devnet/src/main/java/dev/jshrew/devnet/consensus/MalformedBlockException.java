package dev.jshrew.devnet.consensus;

/** Bytes that are not a consensus-serialized block or transaction; the message says where. */
public final class MalformedBlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedBlockException(String message) {
        super(message);
    }
}
