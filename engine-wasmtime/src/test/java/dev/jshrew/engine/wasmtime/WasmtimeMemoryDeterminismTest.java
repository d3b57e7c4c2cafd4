package dev.jshrew.engine.wasmtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The memory-growth determinism check of the CLI's {@code MemoryDeterminismTest}, on wasmtime: {@code grow.wat}
 * grows in 800-page steps touching every 4 KiB page, in a child JVM with {@code -Xmx256m} and one with
 * {@code -Xmx8g} (one child at a time, real commits). The results are identical, and so is the -1 at the guest's
 * limit. Past 2 GiB (41 steps: 32801 pages), where Chicory stops with ENGINE_LIMIT, wasmtime carries on: same
 * result under both heaps.
 */
class WasmtimeMemoryDeterminismTest {

    static String child(String xmx, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx" + xmx,
                "--enable-native-access=ALL-UNNAMED",
                "-Djshrew.shared.dir=" + System.getProperty("jshrew.shared.dir", "../shared"),
                "-cp",
                System.getProperty("java.class.path"),
                GrowMain.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    static int[] decode(String hex) {
        ByteBuffer v = ByteBuffer.wrap(HexFormat.of().parseHex(hex)).order(ByteOrder.LITTLE_ENDIAN);
        return new int[] {v.getInt(), v.getInt(), v.getInt()};
    }

    @Test
    @DisplayName("grow.wat gives the same result, and the same -1 at its limit, under -Xmx256m and -Xmx8g")
    void sameResultUnderAnyHeap() throws Exception {
        String small = child("256m", "4001", "0", "4g");
        String large = child("8g", "4001", "0", "4g");
        assertThat(small).isEqualTo(large).doesNotStartWith("failed");
        assertThat(decode(small)).containsExactly(5, 4001, -1);
    }

    @Test
    @DisplayName("past 2 GiB (32801 pages) the guest carries on, with the same result under both heaps")
    void pastTwoGiB() throws Exception {
        String small = child("256m", "65536", "41", "2200m");
        String large = child("8g", "65536", "41", "2200m");
        assertThat(small).isEqualTo(large).doesNotStartWith("failed");
        assertThat(decode(small)).containsExactly(41, 32801, 0);
    }
}
