package dev.jshrew.api.engine;

/**
 * The narrow view of an instance's linear memory that host functions get. Addresses are unsigned 32-bit
 * values held in a {@code long}. Every access is checked against the guest's current size ({@code memory.size},
 * not what the engine has committed): an access outside it throws {@link GuestTrapException} with
 * {@link Trap#MEMORY_OUT_OF_BOUNDS}. Confined to the instance's thread.
 */
public interface GuestMemory {
    /** The guest-visible size in bytes ({@code memory.size} × 65536). */
    long byteSize();

    /** Copies {@code length} bytes starting at {@code address}. */
    byte[] read(long address, int length);

    /** Copies {@code data} to {@code address}. */
    void write(long address, byte[] data);

    /** A little-endian 32-bit integer. */
    int readInt(long address);

    /** Writes a little-endian 32-bit integer. */
    void writeInt(long address, int value);
}
