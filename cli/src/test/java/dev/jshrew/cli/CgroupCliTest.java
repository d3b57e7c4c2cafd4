package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jshrew.api.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail fast, for real: `jshrew index` in a child memory cgroup limited to 2 GiB, asked to commit more than fits,
 * refuses with its own exit status and message before running a block (no OOM kill, nothing committed). Needs a
 * writable memory cgroup (root); skips saying why otherwise.
 */
class CgroupCliTest {
    private static final long LIMIT = 2L << 30;

    @TempDir
    Path temp;

    private Path cgroup;

    /** The process's memory cgroup directory: v1 memory controller, or the v2 unified hierarchy. */
    static Path ownMemoryCgroup() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (List.of(parts[1].split(",")).contains("memory")) {
                return Path.of("/sys/fs/cgroup/memory" + parts[2]);
            }
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                return Path.of("/sys/fs/cgroup" + parts[2]);
            }
        }
        return null;
    }

    Path createLimited() throws IOException {
        Path own = ownMemoryCgroup();
        assumeTrue(own != null && Files.isDirectory(own), "no memory cgroup for this process");
        Path dir = own.resolve("jshrew-cli-" + ProcessHandle.current().pid());
        try {
            boolean v2 = Files.exists(own.resolve("cgroup.controllers"));
            if (v2) {
                Files.writeString(own.resolve("cgroup.subtree_control"), "+memory");
            }
            Files.createDirectory(dir);
            Files.writeString(dir.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), Long.toString(LIMIT));
        } catch (IOException | SecurityException e) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // nothing was created
            }
            assumeTrue(false, "cannot create a child memory cgroup under " + own + ": " + e);
        }
        return dir;
    }

    @AfterEach
    void removeCgroup() throws InterruptedException {
        for (int i = 0; cgroup != null && i < 50 && Files.exists(cgroup); i++) {
            try {
                Files.deleteIfExists(cgroup);
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
    }

    @Test
    void commitThatCannotFitIsRefusedBeforeAnyBlock() throws Exception {
        cgroup = createLimited();
        String java = ProcessHandle.current().info().command().orElse("java");
        String db = temp.resolve("db").toString();
        List<String> command = new ArrayList<>(List.of(
                "sh",
                "-c",
                "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"",
                cgroup.toString(),
                java,
                "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                db,
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isEqualTo(ErrorCode.MEMORY_COMMIT_REFUSED.exitCode());
        assertThat(output).contains("jshrew: ").contains("cannot commit").contains("2048 MiB");
        assertThat(output).doesNotContain("indexed 0 ");
        // The store is intact and empty: nothing was indexed.
        assertThat(CliTest.jshrew("dump", "--db", db, "--height", "0").code()).isEqualTo(ErrorCode.INPUT.exitCode());
    }
}
