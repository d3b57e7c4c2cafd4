package dev.jshrew.memory;

import static dev.jshrew.memory.MemoryAssertions.assertAllZero;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.memory.CommitReport;
import dev.jshrew.api.memory.LinearMemory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real commits of small sizes (64–256 MiB), one alive at a time, checked through RSS and mincore. */
class CommittedMemoryProviderTest {
    private static final long MIB = 1L << 20;
    private static final long SMALL = 128 * MIB;

    @ParameterizedTest
    @EnumSource(names = {"HUGEPAGE_POPULATE_WRITE", "POPULATE_WRITE", "MAP_POPULATE", "TOUCH"})
    void eachStrategyMakesTheCommitResidentAndRaisesRss(CommitStrategy strategy) {
        assumeTrue(
                strategy.isSupported(),
                () -> strategy.label() + " skipped: " + KernelSupport.get().whyUnsupported(strategy));
        long rssBefore = Committer.rssBytes();
        try (LinearMemory memory = new CommittedMemoryProvider(strategy).reserve(2 * SMALL, SMALL)) {
            long rssAfter = Committer.rssBytes();
            CommitReport report = memory.commitReport();
            assertThat(report.strategy()).isEqualTo(strategy.label());
            assertThat(report.requestedBytes()).isEqualTo(SMALL);
            assertThat(report.committedBytes()).isEqualTo(SMALL);
            assertThat(report.rssAfterBytes() - report.rssBeforeBytes()).isGreaterThanOrEqualTo(SMALL * 9 / 10);
            assertThat(rssAfter - rssBefore)
                    .as("RSS rise measured around reserve()")
                    .isGreaterThanOrEqualTo(SMALL * 9 / 10);
            long addr = memory.segment().address();
            assertThat(Committer.residentBytes(addr, SMALL)).isEqualTo(SMALL);
            assertThat(Committer.residentBytes(addr + SMALL, SMALL))
                    .as("the uncommitted half stays lazy")
                    .isLessThan(4 * MIB);
            assertAllZero(memory.segment());
            System.out.println(strategy.label() + ": " + report.describe());
        }
    }

    @Test
    void noneCommitsNothingYetTheMemoryIsZeroedAndUsable() {
        try (LinearMemory memory = new CommittedMemoryProvider(CommitStrategy.NONE).reserve(SMALL, SMALL)) {
            CommitReport report = memory.commitReport();
            assertThat(report.strategy()).isEqualTo("none");
            assertThat(report.requestedBytes()).isEqualTo(SMALL);
            assertThat(report.committedBytes()).isLessThan(MIB);
            assertThat(report.rssAfterBytes() - report.rssBeforeBytes()).isLessThan(8 * MIB);
            MemorySegment seg = memory.segment();
            // Reads map the shared zero page and commit nothing, on kernels that map it for read faults; some
            // (Firecracker guests among them) give every read fault a private page. Either way, reads never
            // commit more than the pages they touch.
            boolean readsCommit = kernelCommitsPagesOnRead();
            long rss = Committer.rssBytes();
            assertAllZero(seg);
            long rise = Committer.rssBytes() - rss;
            System.out.println(
                    "none: reading " + (SMALL / MIB) + " MiB raised RSS by " + rise / MIB + " MiB (this kernel "
                            + (readsCommit ? "commits a page per read fault" : "maps the zero page") + ")");
            if (readsCommit) {
                assertThat(rise).isBetween(SMALL / 2, SMALL + 16 * MIB);
            } else {
                assertThat(rise).isLessThan(16 * MIB);
            }
            seg.set(ValueLayout.JAVA_LONG, 0, 42L);
            seg.set(ValueLayout.JAVA_LONG, SMALL - 8, 43L);
            assertThat(seg.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(42L);
            assertThat(seg.get(ValueLayout.JAVA_LONG, SMALL - 8)).isEqualTo(43L);
            // (mincore would now count every page read above: they map the shared zero page, which RSS ignores.)
        }
    }

    /** Reads a fresh 32 MiB mapping and reports whether that raised RSS by more than half of it. */
    private static boolean kernelCommitsPagesOnRead() {
        long probe = 32 * MIB;
        try (LinearMemory memory = new CommittedMemoryProvider(CommitStrategy.NONE).reserve(probe, probe)) {
            long before = Committer.rssBytes();
            long sum = 0;
            for (long off = 0; off < probe; off += 4096) {
                sum += memory.segment().get(ValueLayout.JAVA_BYTE, off);
            }
            assertThat(sum).isZero();
            return Committer.rssBytes() - before > probe / 2;
        }
    }

    @Test
    void theWholeReservationIsZeroedAndWritable() {
        long reserve = 256 * MIB;
        try (LinearMemory memory = new CommittedMemoryProvider(CommitStrategy.AUTO).reserve(reserve, 64 * MIB)) {
            MemorySegment seg = memory.segment();
            assertThat(seg.byteSize()).isEqualTo(reserve);
            assertThat(memory.reservedBytes()).isEqualTo(reserve);
            assertAllZero(seg);
            for (long off = 0; off < reserve; off += 4096) {
                seg.set(ValueLayout.JAVA_LONG, off, off ^ 0x5A5A5A5AL);
                seg.set(ValueLayout.JAVA_BYTE, off + 4095, (byte) (off >>> 12));
            }
            for (long off = 0; off < reserve; off += 4096) {
                assertThat(seg.get(ValueLayout.JAVA_LONG, off)).isEqualTo(off ^ 0x5A5A5A5AL);
                assertThat(seg.get(ValueLayout.JAVA_BYTE, off + 4095)).isEqualTo((byte) (off >>> 12));
            }
            seg.fill((byte) 0);
            assertAllZero(seg);
        }
    }

    @Test
    void closeIsIdempotentUnmapsAndInvalidatesTheSegment() throws IOException {
        LinearMemory memory = new CommittedMemoryProvider(
                        CommitStrategy.POPULATE_WRITE.isSupported()
                                ? CommitStrategy.POPULATE_WRITE
                                : CommitStrategy.TOUCH)
                .reserve(64 * MIB, 64 * MIB);
        MemorySegment seg = memory.segment();
        long addr = seg.address();
        assertThat(mappingContaining(addr)).isNotNull();
        memory.close();
        memory.close();
        assertThatThrownBy(() -> seg.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> seg.set(ValueLayout.JAVA_BYTE, 0, (byte) 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(memory::segment).isInstanceOf(IllegalStateException.class);
        assertThat(mappingContaining(addr)).as("the range is unmapped").isNull();
        assertThatThrownBy(() -> Posix.residentPages(addr, 4096))
                .isInstanceOfSatisfying(
                        Posix.ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Posix.ENOMEM));
    }

    @Test
    void theReservationIsHugePageAlignedAndExactlyAsLongAsAsked() {
        long odd = 10 * MIB + 123;
        try (LinearMemory memory = new CommittedMemoryProvider(CommitStrategy.TOUCH).reserve(odd, MIB + 1)) {
            assertThat(memory.segment().address() % (2 * MIB)).isZero();
            assertThat(memory.segment().byteSize()).isEqualTo(odd);
            assertThat(memory.commitReport().requestedBytes()).isEqualTo(MIB + 1);
            assertThat(memory.commitReport().committedBytes()).as("whole pages").isEqualTo(MIB + 4096);
            memory.segment().set(ValueLayout.JAVA_BYTE, odd - 1, (byte) 7);
        }
    }

    @Test
    void zeroCommitReportsNone() {
        try (LinearMemory memory = new CommittedMemoryProvider().reserve(64 * MIB, 0)) {
            assertThat(memory.commitReport().strategy()).isEqualTo("none");
            assertThat(memory.commitReport().committedBytes()).isZero();
            assertThat(memory.commitReport().requestedBytes()).isZero();
        }
    }

    @Test
    void badArgumentsAreRejected() {
        CommittedMemoryProvider provider = new CommittedMemoryProvider();
        assertThatThrownBy(() -> provider.reserve(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> provider.reserve(MIB, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> provider.reserve(MIB, 2 * MIB)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBudgetRefusesBeforeAnythingIsMapped(@TempDir Path root) throws IOException {
        // A fake machine with 100 MiB available: a 128 MiB commit must be refused, with nothing mapped.
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/meminfo"), "MemTotal: 1000000 kB\nMemAvailable: 102400 kB\n");
        long rss = Committer.rssBytes();
        CommittedMemoryProvider provider = new CommittedMemoryProvider(CommitStrategy.AUTO, new MemoryBudget(root));
        assertThatThrownBy(() -> provider.reserve(SMALL, SMALL)).isInstanceOfSatisfying(JshrewException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MEMORY_COMMIT_REFUSED);
            assertThat(e.getMessage())
                    .startsWith("cannot commit 128 MiB of guest memory: ")
                    .contains("MemAvailable in /proc/meminfo is 100 MiB");
        });
        assertThat(Committer.rssBytes() - rss).isLessThan(16 * MIB);
    }

    @ParameterizedTest
    @EnumSource(names = {"AUTO", "HUGEPAGE_POPULATE_WRITE", "POPULATE_WRITE", "TOUCH"})
    void commitRangeCommitsAnExistingMappingAndKeepsItsContents(CommitStrategy strategy) {
        assumeTrue(
                strategy.isSupported(),
                () -> strategy.label() + " skipped: " + KernelSupport.get().whyUnsupported(strategy));
        long size = 64 * MIB;
        try (LinearMemory memory = new CommittedMemoryProvider(CommitStrategy.NONE).reserve(size, size)) {
            MemorySegment seg = memory.segment();
            for (long off = 0; off < size; off += 8 * MIB) {
                seg.set(ValueLayout.JAVA_LONG, off + 16, off + 1);
            }
            long before = Committer.residentBytes(seg.address(), size);
            assertThat(before).isLessThan(size / 2);
            CommitReport report = new CommittedMemoryProvider(strategy).commitRange(seg); // the provider's strategy
            assertThat(report.committedBytes()).isEqualTo(size);
            assertThat(report.requestedBytes()).isEqualTo(size);
            assertThat(report.strategy())
                    .isEqualTo(strategy.resolveForExistingRange().label());
            assertThat(report.rssAfterBytes() - report.rssBeforeBytes())
                    .isGreaterThanOrEqualTo((size - before) * 9 / 10);
            for (long off = 0; off < size; off += 8 * MIB) {
                assertThat(seg.get(ValueLayout.JAVA_LONG, off + 16)).isEqualTo(off + 1);
                assertThat(seg.get(ValueLayout.JAVA_LONG, off + 24)).isZero();
            }
        }
    }

    @Test
    void commitRangeRejectsMapPopulateHeapAndUnalignedRanges() {
        try (LinearMemory memory = new CommittedMemoryProvider(CommitStrategy.NONE).reserve(4 * MIB, 0)) {
            MemorySegment seg = memory.segment();
            assertThatThrownBy(() -> CommittedMemoryProvider.commitRange(seg, CommitStrategy.MAP_POPULATE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("MAP_POPULATE");
            assertThatThrownBy(() -> new CommittedMemoryProvider(CommitStrategy.MAP_POPULATE).commitRange(seg))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("MAP_POPULATE");
            assertThatThrownBy(() -> CommittedMemoryProvider.commitRange(seg.asSlice(1, 4096), CommitStrategy.TOUCH))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pages");
            assertThatThrownBy(() -> CommittedMemoryProvider.commitRange(seg.asSlice(0, 100), CommitStrategy.TOUCH))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> CommittedMemoryProvider.commitRange(
                            MemorySegment.ofArray(new byte[4096]), CommitStrategy.TOUCH))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("native");
        }
    }

    @Test
    void protectTogglesAccessAndKeepsPagesResident() throws IOException {
        long size = 8 * MIB;
        CommittedMemoryProvider provider = new CommittedMemoryProvider(CommitStrategy.TOUCH);
        try (LinearMemory memory = provider.reserve(size, size)) {
            MemorySegment seg = memory.segment();
            MemorySegment guard = seg.asSlice(2 * MIB, 2 * MIB);
            guard.set(ValueLayout.JAVA_LONG, 8, 0xC0FFEEL);
            provider.protect(guard, false);
            assertThat(mappingContaining(guard.address())).contains(" ---p ");
            assertThat(mappingContaining(seg.address())).contains(" rw-p ");
            assertThat(Committer.residentBytes(guard.address(), guard.byteSize()))
                    .isEqualTo(guard.byteSize());
            provider.protect(guard, true);
            assertThat(mappingContaining(guard.address())).contains(" rw-p ");
            assertThat(guard.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(0xC0FFEEL);
            assertThat(Committer.residentBytes(seg.address(), size)).isEqualTo(size);
            assertThatThrownBy(() -> provider.protect(seg.asSlice(100, 4096), false))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void autoResolvesToASupportedConcreteStrategy() {
        CommitStrategy fresh = CommitStrategy.AUTO.resolveForFreshMapping();
        CommitStrategy existing = CommitStrategy.AUTO.resolveForExistingRange();
        assertThat(fresh).isNotEqualTo(CommitStrategy.AUTO).isNotEqualTo(CommitStrategy.NONE);
        assertThat(existing).isNotIn(CommitStrategy.AUTO, CommitStrategy.NONE, CommitStrategy.MAP_POPULATE);
        assertThat(fresh.isSupported()).isTrue();
        assertThat(existing.isSupported()).isTrue();
        assertThat(new CommittedMemoryProvider().strategy()).isEqualTo(CommitStrategy.AUTO);
    }

    /** The {@code /proc/self/maps} line whose range holds {@code addr}, or null. */
    static String mappingContaining(long addr) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/maps"));
        for (String line : lines) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            long start = HexFormat.fromHexDigitsToLong(range[0]);
            long end = HexFormat.fromHexDigitsToLong(range[1]);
            if (Long.compareUnsigned(addr, start) >= 0 && Long.compareUnsigned(addr, end) < 0) {
                return line;
            }
        }
        return null;
    }
}
