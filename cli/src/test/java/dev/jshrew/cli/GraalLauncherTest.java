package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code jshrew engines} and the relaunch say when jshrew.jar was copied without its graalvm/ directory. */
class GraalLauncherTest {
    @TempDir
    Path home;

    @Test
    void aJarWithoutGraalvmBesideItNamesWhatIsMissingAndWhere() {
        assertThat(GraalLauncher.missingJars(home))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .startsWith("unavailable: GraalVM's jars are missing")
                        .contains("no graalvm/modules and no graalvm/compiler directory in " + home)
                        .contains("bin/jshrew"));
    }

    @Test
    void onlyTheMissingDirectoryIsNamed() throws Exception {
        Files.createDirectories(home.resolve("graalvm/modules"));
        assertThat(GraalLauncher.missingJars(home))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains("no graalvm/compiler directory in " + home)
                        .doesNotContain("graalvm/modules"));
    }

    @Test
    void nothingIsMissingWithBothDirectoriesOnAJdkWithJvmci() throws Exception {
        Files.createDirectories(home.resolve("graalvm/modules"));
        Files.createDirectories(home.resolve("graalvm/compiler"));
        assertThat(GraalLauncher.missingJars(home)).isEmpty();
    }
}
