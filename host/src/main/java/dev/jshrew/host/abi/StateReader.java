package dev.jshrew.host.abi;

/** Where {@code __get_len}/{@code __get} read from during one call. */
@FunctionalInterface
public interface StateReader {
    /** The value of the key as the guest must see it, or an empty array when missing. */
    byte[] get(byte[] key);
}
