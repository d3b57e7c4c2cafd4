package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.engine.GuestMemory;

/**
 * The guest memory a host function sees during a fast call: the instance's own, except that an access touching
 * the window the call borrowed ({@code [0, windowBytes)}, holding the arguments instead of the guest's bytes)
 * abandons the call with {@link WindowTouched} before it happens. The guest's stand-in then puts the window back
 * and makes the plain call, so the function runs again on the guest's real bytes ({@link
 * dev.jshrew.api.engine.HostFunction.Restartable}). Confined to the instance's thread.
 */
final class FastCallMemory implements GuestMemory {
    /** Abandons a fast call; an {@link Error}, so that host code catching exceptions lets it through. */
    static final class WindowTouched extends Error {
        private static final long serialVersionUID = 1L;

        WindowTouched() {
            super("a host function touched the fast-call window (the plain call follows)", null, false, false);
        }
    }

    private static final WindowTouched TOUCHED = new WindowTouched();

    private final GuestMemory memory;
    /** The size of the current call's window. */
    int windowBytes;

    FastCallMemory(GuestMemory memory) {
        this.memory = memory;
    }

    private void check(long address, long length) {
        // Unsigned addresses in a long: anything below the window's end (a negative one too) is the plain call's
        // to check and report.
        if (length > 0 && address < windowBytes) {
            throw TOUCHED;
        }
    }

    @Override
    public long byteSize() {
        return memory.byteSize();
    }

    @Override
    public byte[] read(long address, int length) {
        check(address, length);
        return memory.read(address, length);
    }

    @Override
    public void write(long address, byte[] data) {
        check(address, data.length);
        memory.write(address, data);
    }

    @Override
    public int readInt(long address) {
        check(address, 4);
        return memory.readInt(address);
    }

    @Override
    public void writeInt(long address, int value) {
        check(address, 4);
        memory.writeInt(address, value);
    }
}
