package dev.jshrew.engine.toolkit.wasm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Lines of measured numbers for the READMEs: printed as they come, then saved under {@code engine-toolkit/target}. */
final class MeasurementReport {
    private final StringBuilder lines = new StringBuilder();
    private int count;

    /** Formats, prints and keeps one line. */
    void line(String format, Object... args) {
        String line = String.format(format, args);
        System.out.println(line);
        lines.append(line).append('\n');
        count++;
    }

    int lineCount() {
        return count;
    }

    /** Writes the lines to {@code engine-toolkit/target/FILE}. */
    void save(String file) throws IOException {
        Path out = RewriteFixtures.repo().resolve("engine-toolkit/target").resolve(file);
        Files.createDirectories(out.getParent());
        Files.writeString(out, lines.toString());
    }

    /** The median of {@code nanos}, in milliseconds. */
    static double medianMillis(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[sorted.length / 2] / 1e6;
    }
}
