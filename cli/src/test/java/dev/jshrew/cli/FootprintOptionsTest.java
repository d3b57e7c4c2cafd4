package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The footprint options (issue 11, part 2): {@code serve --view-memory} and the relaunched JVM's heap default. */
class FootprintOptionsTest {

    @Test
    void viewMemoryIsWholePagesOrOffAndReachesTheRunOptions() {
        assertThat(EngineArgs.parseViewMemory("512m")).isEqualTo(512L << 20);
        assertThat(EngineArgs.parseViewMemory("64k")).isEqualTo(65536);
        assertThat(EngineArgs.parseViewMemory("off")).isZero();
        for (String bad : List.of("0", "100k", "1", "lots", "-1m")) {
            assertThatThrownBy(() -> EngineArgs.parseViewMemory(bad))
                    .as(bad)
                    .isInstanceOfSatisfying(JshrewException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INPUT);
                        assertThat(e.getMessage()).startsWith("--view-memory");
                    });
        }
        EngineArgs args = new EngineArgs();
        args.reset = "fast";
        args.guestMemoryLimit = 65536;
        args.viewMemory = EngineArgs.parseViewMemory("512m");
        assertThat(args.runOptions().viewMemoryPages()).isEqualTo(8192);
        assertThat(args.runOptions().commitBytes())
                .as("the indexer keeps its full commit")
                .isEqualTo(4L << 30);
        args.guestMemoryLimit = 4096; // a budget at or above the guest limit changes nothing
        assertThat(args.runOptions().viewMemoryPages()).isZero();
    }

    /** A size option's parser: {@code off} is 0, sizes at or above the smallest pass, anything else is refused. */
    private static void offOrAtLeast(
            java.util.function.Function<String, Long> parse,
            String option,
            String smallest,
            long smallestBytes,
            List<String> bad) {
        assertThat(parse.apply("64m")).isEqualTo(64L << 20);
        assertThat(parse.apply(smallest)).isEqualTo(smallestBytes);
        assertThat(parse.apply("off")).isZero();
        for (String b : bad) {
            assertThatThrownBy(() -> parse.apply(b)).as(b).isInstanceOfSatisfying(JshrewException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INPUT);
                assertThat(e.getMessage()).startsWith(option);
            });
        }
    }

    @Test
    void readCacheIsASizeOrOffAndReachesTheRunOptions() {
        offOrAtLeast(
                EngineArgs::parseReadCache, "--read-cache", "1m", 1L << 20, List.of("0", "512k", "1", "lots", "-1m"));
        EngineArgs args = new EngineArgs();
        args.reset = "fast";
        args.guestMemoryLimit = 65536;
        assertThat(args.runOptions().readCacheBytes()).as("the default").isEqualTo(64L << 20);
        args.readCache = "off";
        assertThat(args.runOptions().readCacheBytes()).isZero();
        args.readCache = "256m";
        assertThat(args.runOptions().readCacheBytes()).isEqualTo(256L << 20);
    }

    @Test
    void valueTableIsASizeOrOffAndReachesTheRunOptions() {
        offOrAtLeast(
                EngineArgs::parseValueTable, "--value-table", "280k", 280L << 10, List.of("0", "279k", "1", "-1m"));
        EngineArgs args = new EngineArgs();
        args.reset = "fast";
        args.guestMemoryLimit = 65536;
        assertThat(args.runOptions().valueTableBytes()).as("the default").isEqualTo(80L << 20);
        assertThat(args.runOptions().valueTableLog2Slots())
                .as("80 MiB of 280-byte slots")
                .isEqualTo(18);
        args.valueTable = "off";
        assertThat(args.runOptions().valueTableLog2Slots()).isEqualTo(-1);
        args.valueTable = "280k";
        assertThat(args.runOptions().valueTableLog2Slots())
                .as("the smallest table")
                .isEqualTo(10);
        args.readCache = "off";
        assertThat(args.runOptions().valueTableLog2Slots())
                .as("no read cache, no table")
                .isEqualTo(-1);
    }

    @Test
    void keyFilterIsASizeOrOffAndReachesTheRunOptions() {
        offOrAtLeast(EngineArgs::parseKeyFilter, "--key-filter", "8k", 8192, List.of("0", "4k", "1", "lots", "-1m"));
        EngineArgs args = new EngineArgs();
        args.reset = "fast";
        args.guestMemoryLimit = 65536;
        assertThat(args.runOptions().keyFilterBytes()).as("the default").isEqualTo(64L << 20);
        assertThat(args.runOptions().keyFilterLog2Words()).isEqualTo(23);
        args.keyFilter = "off";
        assertThat(args.runOptions().keyFilterLog2Words()).isEqualTo(-1);
        args.keyFilter = "100k"; // 12,800 words: rounded down to 8,192 (64 KiB)
        assertThat(args.runOptions().keyFilterLog2Words()).isEqualTo(13);
    }

    @Test
    void theRelaunchedJvmGetsABoundedHeapUnlessTheUserSetOne() {
        List<String> cmd = GraalLauncher.command(Path.of("/nonexistent"), new String[] {"engines"});
        long own = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(GraalLauncher::setsHeap)
                .count();
        long relaunched = cmd.stream().filter(GraalLauncher::setsHeap).count();
        // the user's heap options are passed on unchanged; without one, exactly -Xmx2g is added
        assertThat(relaunched).isEqualTo(own == 0 ? 1 : own);
        if (own == 0) {
            assertThat(cmd).contains("-Xmx" + GraalLauncher.DEFAULT_HEAP);
        }
        assertThat(GraalLauncher.setsHeap("-Xmx512m")).isTrue();
        assertThat(GraalLauncher.setsHeap("-XX:MaxRAMPercentage=10")).isTrue();
        assertThat(GraalLauncher.setsHeap("-Xms512m")).isFalse();
    }
}
