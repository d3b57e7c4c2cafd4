package dev.jshrew.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.memory.CommitReport;
import dev.jshrew.api.memory.LinearMemory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The real thing: 4 GiB reserved and committed with the default strategy, verified, and released at once. Runs by
 * default, alone ({@link Isolated}); exclude with {@code -DexcludedGroups=commit4g} on small machines.
 */
@Tag("commit4g")
@Isolated
class FullCommitTest {
    private static final long FOUR_GIB = 4L << 30;

    @Test
    void fourGibAreCommittedAndRssRisesByFourGib() throws IOException {
        long rssBefore = Committer.rssBytes();
        long hugeBefore = CommitTimingMain.anonHugePages();
        try (LinearMemory memory = new CommittedMemoryProvider().reserve(FOUR_GIB, FOUR_GIB)) {
            long rssAfter = Committer.rssBytes();
            long huge = CommitTimingMain.anonHugePages() - hugeBefore;
            CommitReport report = memory.commitReport();
            System.out.printf("FullCommitTest: %s; transparent huge pages %d MiB%n", report.describe(), huge >> 20);
            assertThat(report.requestedBytes()).isEqualTo(FOUR_GIB);
            assertThat(report.committedBytes()).isEqualTo(FOUR_GIB);
            assertThat(report.rssAfterBytes() - report.rssBeforeBytes()).isGreaterThanOrEqualTo(FOUR_GIB - (64L << 20));
            assertThat(rssAfter - rssBefore).isGreaterThanOrEqualTo(FOUR_GIB - (64L << 20));
            MemorySegment seg = memory.segment();
            assertThat(seg.byteSize()).isEqualTo(FOUR_GIB);
            // The last page, past the 32-bit boundary of offsets, is zero and writable without new RSS.
            assertThat(seg.get(ValueLayout.JAVA_LONG, FOUR_GIB - 8)).isZero();
            seg.set(ValueLayout.JAVA_LONG, FOUR_GIB - 8, -1L);
            assertThat(seg.get(ValueLayout.JAVA_LONG, FOUR_GIB - 8)).isEqualTo(-1L);
            assertThat(Committer.rssBytes() - rssAfter).isLessThan(16L << 20);
        }
        assertThat(Committer.rssBytes()).as("closing returns the 4 GiB").isLessThan(rssBefore + (256L << 20));
    }
}
