package dev.jshrew.api.memory;

import java.util.Locale;

/**
 * What a commit did.
 *
 * @param requestedBytes bytes asked for
 * @param committedBytes bytes verified resident after the commit (0 when nothing was asked)
 * @param strategy how it was done, e.g. {@code hugepage+populate_write}, {@code map_populate}, {@code touch}, {@code
 * none}
 * @param nanos wall time of the commit
 * @param rssBeforeBytes process RSS before
 * @param rssAfterBytes process RSS after
 */
public record CommitReport(
        long requestedBytes,
        long committedBytes,
        String strategy,
        long nanos,
        long rssBeforeBytes,
        long rssAfterBytes) {
    /** A report for memory that was not committed. */
    public static CommitReport none(long rssBytes) {
        return new CommitReport(0, 0, "none", 0, rssBytes, rssBytes);
    }

    /** One log line: {@code committed 4096 MiB in 0.41 s (hugepage+populate_write), RSS +4096 MiB}. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "committed %d MiB in %.2f s (%s), RSS %+d MiB",
                committedBytes >> 20,
                nanos / 1e9,
                strategy,
                (rssAfterBytes - rssBeforeBytes) >> 20);
    }
}
