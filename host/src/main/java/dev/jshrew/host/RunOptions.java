package dev.jshrew.host;

import dev.jshrew.api.engine.MemoryLimits;
import java.time.Duration;

/**
 * Deterministic and operational options of a runner.
 *
 * @param guestMemoryLimitPages the most pages any guest may have (default 65536 = 4 GiB), part of an indexer's
 *     deterministic configuration: the effective limit is min(this, the module's declared maximum)
 * @param commitBytes guest memory to commit physically per instance ({@code --memory-commit}); 0 = off
 * @param reset how instances are reset between calls
 * @param viewTimeout how long one view call (or each stage of a preview) may run before it fails
 *     ({@code --view-timeout}; {@link Duration#ZERO}: no limit). Views only: indexing never times out, so a block's
 *     result cannot depend on the machine's speed
 */
public record RunOptions(int guestMemoryLimitPages, long commitBytes, ResetMode reset, Duration viewTimeout) {
    public RunOptions {
        java.util.Objects.requireNonNull(viewTimeout, "viewTimeout");
        if (viewTimeout.isNegative()) {
            throw new IllegalArgumentException("negative view timeout: " + viewTimeout);
        }
        if (guestMemoryLimitPages < 1 || guestMemoryLimitPages > MemoryLimits.MAX_PAGES) {
            throw new IllegalArgumentException("guest memory limit must be 1..65536 pages: " + guestMemoryLimitPages);
        }
        if (commitBytes < 0) {
            throw new IllegalArgumentException("negative commit size");
        }
        java.util.Objects.requireNonNull(reset, "reset");
    }

    /** No view timeout. */
    public RunOptions(int guestMemoryLimitPages, long commitBytes, ResetMode reset) {
        this(guestMemoryLimitPages, commitBytes, reset, Duration.ZERO);
    }

    /** These options with another view timeout. */
    public RunOptions withViewTimeout(Duration timeout) {
        return new RunOptions(guestMemoryLimitPages, commitBytes, reset, timeout);
    }

    /** 4 GiB limit, everything committed, fast reset: the production default. */
    public static RunOptions defaults() {
        return new RunOptions(
                MemoryLimits.MAX_PAGES, (long) MemoryLimits.MAX_PAGES * MemoryLimits.PAGE_SIZE, ResetMode.FAST);
    }
}
