package dev.jshrew.api.engine;

/**
 * Memory figures of an instance.
 *
 * @param pages current guest-visible pages ({@code memory.size})
 * @param highWaterPages the most pages the guest has had since instantiation or the last reset
 * @param limitPages the guest's limit ({@link InstanceOptions#memoryLimitPages()})
 * @param committedBytes bytes physically committed for this instance (0 when lazily backed)
 */
public record MemoryStats(int pages, int highWaterPages, int limitPages, long committedBytes) {}
