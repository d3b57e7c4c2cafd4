package dev.jshrew.memory;

import dev.jshrew.api.memory.CommitReport;
import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.api.memory.MemorySize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times a commit of SIZE for each strategy, one after the other (only one commit is alive at a time), and prints
 * one line per run with the report and how much of it transparent huge pages backed.
 *
 * <p>How to run (after {@code ./mvnw -pl memory-commit -am install}):
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx256m \
 *   -cp api/target/classes:memory-commit/target/classes:memory-commit/target/test-classes \
 *   [-DpauseMillis=500] dev.jshrew.memory.CommitTimingMain 4g 2 [strategy...]
 * </pre>
 */
public final class CommitTimingMain {
    private CommitTimingMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        long size = MemorySize.parse(args.length > 0 ? args[0] : "4g");
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        List<CommitStrategy> strategies = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            strategies.add(CommitStrategy.parse(args[i]));
        }
        if (strategies.isEmpty()) {
            strategies = List.of(
                    CommitStrategy.HUGEPAGE_POPULATE_WRITE,
                    CommitStrategy.POPULATE_WRITE,
                    CommitStrategy.MAP_POPULATE,
                    CommitStrategy.TOUCH,
                    CommitStrategy.NONE,
                    CommitStrategy.AUTO);
        }
        for (int r = 1; r <= repeats; r++) {
            for (CommitStrategy s : strategies) {
                if (!s.isSupported()) {
                    System.out.printf(
                            Locale.ROOT,
                            "%-24s unsupported: %s%n",
                            s.label(),
                            KernelSupport.get().whyUnsupported(s));
                    continue;
                }
                long hugeBefore = anonHugePages();
                long t0 = System.nanoTime();
                CommitReport report;
                long huge;
                try (LinearMemory m = new CommittedMemoryProvider(s).reserve(size, size)) {
                    report = m.commitReport();
                    huge = anonHugePages() - hugeBefore;
                }
                long total = System.nanoTime() - t0;
                System.out.printf(
                        Locale.ROOT,
                        "run %d %-24s %s; THP %d MiB; reserve+commit+verify+unmap %.2f s%n",
                        r,
                        s.label(),
                        report.describe(),
                        huge >> 20,
                        total / 1e9);
                Thread.sleep(Long.getLong("pauseMillis", 500));
            }
        }
    }

    /** AnonHugePages of this process, bytes. */
    static long anonHugePages() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
            if (line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.substring(14).strip().split("\\s+")[0]) * 1024;
            }
        }
        return 0;
    }
}
