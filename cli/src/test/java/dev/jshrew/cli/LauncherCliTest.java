package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.Storages;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No orphan outlives the GraalWasm launcher: the relaunched JVM ({@code -Djshrew.graalwasm.relaunched=true}, what
 * {@link GraalLauncher} starts) exits when its parent ends, SIGKILL included, and releases the database lock. The
 * parent here is a shell standing in for the launcher JVM, so the test needs no packaged jar.
 */
class LauncherCliTest {
    @TempDir
    Path temp;

    @Test
    void theRelaunchedJvmExitsWhenItsLauncherIsKilledAndTheDatabaseOpensAgain() throws Exception {
        Path db = temp.resolve("db");
        List<String> command = new ArrayList<>(List.of("sh", "-c", "\"$@\" & echo $!; wait", "sh"));
        command.addAll(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED",
                "-D" + GraalLauncher.RELAUNCHED_PROPERTY + "=true",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "serve",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                db.toString(),
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--port",
                "0"));
        Process launcher = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        Optional<ProcessHandle> child = Optional.empty();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
        try {
            long childPid = Long.parseLong(out.readLine().trim());
            child = ProcessHandle.of(childPid);
            assertThat(child).isPresent();
            StringBuilder seen = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String line;
            while ((line = out.readLine()) != null && !line.contains("serving JSON-RPC on")) {
                seen.append(line).append('\n');
                assertThat(System.nanoTime())
                        .as("serving in time; output:\n" + seen)
                        .isLessThan(deadline);
            }
            assertThat(line).as("the relaunched JVM serves; output:\n" + seen).isNotNull();
            Thread.ofPlatform()
                    .daemon()
                    .start(
                            () -> { // keep its output flowing
                                try {
                                    out.lines().forEach(l -> {});
                                } catch (java.io.UncheckedIOException e) {
                                    // closed
                                }
                            });

            launcher.toHandle().destroyForcibly(); // SIGKILL: the launcher runs none of its hooks
            assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            boolean ended = child.get()
                            .onExit()
                            .completeOnTimeout(null, 40, TimeUnit.SECONDS)
                            .get()
                    != null;
            assertThat(ended).as("the relaunched JVM ends with its launcher").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(40));
        } finally {
            child.ifPresent(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
        try (KeyValueStore store = Storages.open(db)) {
            assertThat(store).isNotNull();
        }
    }
}
