package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest's result never depends on the JVM heap: {@code guests/wat/grow.wat} grows memory in 800-page steps
 * (touching every 4 KiB page) in a child JVM with {@code -Xmx256m} and one with {@code -Xmx8g}; the stored results
 * are identical, and so is the failure when it passes the limit. Runs the real CLI with real commits, one child at
 * a time.
 */
class MemoryDeterminismTest {
    @TempDir
    Path temp;

    record Child(int code, String out, String err) {}

    static Child jshrew(String xmx, String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx" + xmx,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Child(
                p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    Path growBlock(String dir, int steps) throws IOException {
        Path blocks = Files.createDirectories(temp.resolve(dir));
        byte[] block = ByteBuffer.allocate(84)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(80, steps)
                .array();
        Files.writeString(blocks.resolve("grow-0.hex"), HexFormat.of().formatHex(block));
        return blocks;
    }

    static String grow() {
        return CliTest.repo().resolve("guests/wat/grow.wasm").toString();
    }

    @Test
    void sameResultAndSameFailureUnderAnyHeap() throws Exception {
        Path blocks = growBlock("until-limit", 0);
        List<String> dumps = new ArrayList<>();
        for (String xmx : List.of("256m", "8g")) {
            String db = temp.resolve("db-" + xmx).toString();
            Child index = jshrew(
                    xmx,
                    "index",
                    "--engine",
                    "chicory",
                    "--indexer",
                    grow(),
                    "--db",
                    db,
                    "--blocks",
                    blocks.toString(),
                    "--guest-memory-limit",
                    "4001");
            assertThat(index.code()).as(index.err()).isZero();
            assertThat(index.err()).contains("committed");
            Child dump = jshrew(xmx, "dump", "--db", db, "--height", "0");
            assertThat(dump.code()).isZero();
            dumps.add(dump.out());
        }
        assertThat(dumps.get(0)).isEqualTo(dumps.get(1));
        // key "grow": 5 steps of 800 pages, 4001 pages, the sixth grow returned -1
        String value = dumps.get(0).lines().findFirst().orElseThrow().split(" ")[1];
        ByteBuffer v = ByteBuffer.wrap(HexFormat.of().parseHex(value)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(v.getInt()).isEqualTo(5);
        assertThat(v.getInt()).isEqualTo(4001);
        assertThat(v.getInt()).isEqualTo(-1);

        // Past what the engine can back (Chicory: 32767 pages) but within the guest's 4 GiB limit: the same clean
        // failure under both heaps, nothing committed.
        Path far = growBlock("past-engine-cap", 41);
        List<String> failures = new ArrayList<>();
        for (String xmx : List.of("256m", "8g")) {
            Child index = jshrew(
                    xmx,
                    "index",
                    "--engine",
                    "chicory",
                    "--indexer",
                    grow(),
                    "--db",
                    temp.resolve("far-" + xmx).toString(),
                    "--blocks",
                    far.toString());
            assertThat(index.code()).as(index.err()).isEqualTo(ErrorCode.ENGINE_LIMIT.exitCode());
            failures.add(index.err()
                    .lines()
                    .filter(l -> l.startsWith("jshrew: "))
                    .findFirst()
                    .orElseThrow());
            assertThat(jshrew(xmx, "dump", "--db", temp.resolve("far-" + xmx).toString(), "--height", "0")
                            .code())
                    .isEqualTo(ErrorCode.INPUT.exitCode());
        }
        assertThat(failures.get(0))
                .isEqualTo(failures.get(1))
                .contains("cannot provide more than 32767 pages")
                .contains("height 0");
    }
}
