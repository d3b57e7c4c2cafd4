package dev.jshrew.host.abi;

import java.util.Arrays;
import java.util.Objects;

/**
 * A key's bytes with their hash, compared by content: what a hash map of keys is keyed by. The array is kept, not
 * copied, and must not change while the key is in a map.
 */
public class ByteKey {
    final byte[] key;
    private final int hash;

    public ByteKey(byte[] key) {
        this.key = Objects.requireNonNull(key, "key");
        this.hash = Arrays.hashCode(key);
    }

    /** The key's bytes (the array given, not a copy). */
    public final byte[] bytes() {
        return key;
    }

    @Override
    public final int hashCode() {
        return hash;
    }

    @Override
    public final boolean equals(Object o) {
        return this == o || (o instanceof ByteKey k && k.hash == hash && Arrays.equals(k.key, key));
    }
}
