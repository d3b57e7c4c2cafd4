package dev.jshrew.api;

/**
 * Version of this SPI. A provider returns {@link #MAJOR} from its {@code spiVersion()}; the constant is
 * inlined when the provider is compiled, so the host can tell which SPI a provider was built against and
 * refuse a provider of another major version with a message naming both.
 */
public final class SpiVersion {
    /** Incremented on any binary-incompatible change of the SPI. */
    public static final int MAJOR = 1;

    private SpiVersion() {}
}
