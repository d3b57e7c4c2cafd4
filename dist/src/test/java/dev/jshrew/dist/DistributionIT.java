package dev.jshrew.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The archive as an operator gets it: unpacked into a temporary directory and run through a symlink to
 * {@code bin/jshrew} with {@code env -i PATH=/usr/bin:/bin} (no {@code JAVA_HOME}, no JDK 25 on the path), for every
 * engine on the bundled sample; the dumps' digests are the plain {@code jshrew.jar}'s ({@code bin/sample} prints the
 * one of block 83636).
 */
class DistributionIT {
    /** {@code sha256} lines of {@code jshrew dump --db DIR --height H} after the sample, from the plain jar. */
    private static final Map<Integer, String> DIGESTS = Map.of(
            0, "bda0554e0ccef3b511751ef8071ab21c8f9dc3a87de4d27c0a04097a13dedd22",
            83636, "4198d35d1c215810a6e4d52daf09a761797baafdfb3ebdd6273b93df5585efc0",
            840243, "28570e1be55b225cc4482a02f07ab518abb771aa423629bc48202b1daa3e0451");

    /** An upper bound for one command, so a hung JVM fails the test instead of the build hanging. */
    private static final long COMMAND_BOUND_MINUTES = 10;

    @TempDir
    static Path temp;

    private static Path unpacked;
    private static Path launcher;
    private static Path checkout;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("jshrew.dist.archive"));
        checkout = Path.of(System.getProperty("jshrew.checkout")).toRealPath();
        assertThat(archive).isRegularFile();
        Path root = Files.createDirectories(temp.resolve("opt"));
        Run tar = run(List.of("tar", "xzf", archive.toString(), "-C", root.toString()), Map.of());
        assertThat(tar.status()).as(tar.stderr()).isZero();
        unpacked = root.resolve(System.getProperty("jshrew.dist.name"));
        assertThat(unpacked.resolve("bin/jshrew")).isExecutable();
        // as an operator installs it: a symlink on the PATH to the unpacked launcher
        launcher = Files.createSymbolicLink(
                Files.createDirectories(temp.resolve("usr-local-bin")).resolve("jshrew"),
                unpacked.resolve("bin/jshrew"));
    }

    @Test
    void versionRunsOnTheBundledRuntimeOnly() throws Exception {
        Run r = jshrew(Map.of("JSHREW_JAVA_OPTS", "-XshowSettings:properties"), "--version");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).startsWith("jshrew ");
        assertThat(r.stderr()).contains("java.home = " + unpacked.toRealPath().resolve("runtime"));
        assertThat(r.stderr()).contains("java.specification.version = 25");
    }

    @Test
    void theLauncherLetsHotSpotCompileHugeGuestFunctions() throws Exception {
        // Chicory compiles a large guest function to a method past HotSpot's 8,000-byte JIT limit
        Run r = jshrew(Map.of("JSHREW_JAVA_OPTS", "-XX:+PrintFlagsFinal"), "--version");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).containsPattern("bool DontCompileHugeMethods\\s+= false");
    }

    @Test
    void enginesListsAllThreeAvailable() throws Exception {
        Run r = jshrew(Map.of(), "engines");
        assertThat(r.status()).as(r.stderr()).isZero();
        List<String> names =
                r.stdout().lines().map(l -> l.split("\t")[0]).sorted().toList();
        assertThat(names).containsExactly("chicory", "graalwasm", "wasmtime");
        assertThat(r.stdout()).doesNotContain("unavailable");
    }

    @ParameterizedTest
    @ValueSource(strings = {"chicory", "wasmtime", "graalwasm"})
    void indexesTheSampleAndDumpsTheKnownDigests(String engine) throws Exception {
        Path db = temp.resolve("db-" + engine);
        List<String> index = new ArrayList<>(List.of(
                "index",
                "--engine",
                engine,
                "--indexer",
                checkout.resolve("guests/spendables/spendables.wasm").toString(),
                "--db",
                db.toString(),
                "--blocks",
                checkout.resolve("sample/blocks").toString(),
                "--memory-commit",
                "32m"));
        List<Integer> heights = List.of(0, 83636, 840243);
        if (engine.equals("graalwasm")) {
            // the Graal JIT's warm-up makes 840243 cost a minute or more on a busy 2-core CI machine: the first two
            // blocks show the JIT runs and gives the same results
            index.addAll(List.of("--exit-at", "840243"));
            heights = List.of(0, 83636);
        }
        Run r = jshrew(Map.of(), index.toArray(String[]::new));
        assertThat(r.status()).as(r.stderr()).isZero();
        if (engine.equals("graalwasm")) {
            assertThat(r.stderr()).contains("(Graal JIT)").doesNotContain("relaunching");
        }
        for (int h : heights) {
            Run dump = jshrew(Map.of(), "dump", "--db", db.toString(), "--height", Integer.toString(h));
            assertThat(dump.status()).as(dump.stderr()).isZero();
            assertThat(dump.stdout().lines().reduce((a, b) -> b))
                    .as("digest of %d on %s", h, engine)
                    .contains("sha256 " + DIGESTS.get(h));
        }
    }

    /**
     * The plain jshrew.jar copied alone (no graalvm/ beside it) and run on the bundled runtime: graalwasm is listed
     * as unavailable, with what is missing and where it was looked for, and refused with exit status 15.
     */
    @Test
    void aJarCopiedWithoutGraalvmSaysWhyGraalwasmIsUnavailable() throws Exception {
        Path lonely = Files.createDirectories(temp.resolve("lonely"));
        Path jar = Files.copy(checkout.resolve("cli/target/jshrew.jar"), lonely.resolve("jshrew.jar"));
        String java = unpacked.resolve("runtime/bin/java").toString();
        Run engines = run(List.of(java, "-jar", jar.toString(), "engines"), Map.of());
        assertThat(engines.status()).as(engines.stderr()).isZero();
        assertThat(engines.stdout().lines().filter(l -> l.startsWith("graalwasm\t")))
                .singleElement()
                .asString()
                .contains("unavailable: GraalVM's jars are missing")
                .contains("no graalvm/modules and no graalvm/compiler directory in " + lonely.toRealPath());
        assertThat(engines.stdout().lines().filter(l -> l.startsWith("chicory\t")))
                .singleElement()
                .asString()
                .doesNotContain("unavailable");

        Run index = run(
                List.of(
                        java,
                        "-jar",
                        jar.toString(),
                        "index",
                        "--engine",
                        "graalwasm",
                        "--indexer",
                        checkout.resolve("guests/spendables/spendables.wasm").toString(),
                        "--db",
                        temp.resolve("db-lonely").toString(),
                        "--blocks",
                        checkout.resolve("sample/blocks").toString(),
                        "--memory-commit",
                        "off"),
                Map.of());
        assertThat(index.status()).as(index.stderr()).isEqualTo(15);
        assertThat(index.stderr())
                .contains("graalwasm: unavailable: GraalVM's jars are missing")
                .contains("jshrew: engine graalwasm: the GraalVM polyglot jars are not on this JVM's module"
                        + " or class path");
    }

    private static Run jshrew(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        return run(command, env);
    }

    /** Runs {@code env -i PATH=/usr/bin:/bin [NAME=VALUE…] COMMAND…} in the checkout. */
    private static Run run(List<String> command, Map<String, String> env) throws Exception {
        List<String> full = new ArrayList<>(List.of("/usr/bin/env", "-i", "PATH=/usr/bin:/bin"));
        env.forEach((k, v) -> full.add(k + "=" + v));
        full.addAll(command);
        Path out = Files.createTempFile(temp, "out", ".txt");
        Path err = Files.createTempFile(temp, "err", ".txt");
        Process p = new ProcessBuilder(full)
                .directory(temp.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(COMMAND_BOUND_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("still running after " + COMMAND_BOUND_MINUTES + " min: " + full);
        }
        return new Run(p.exitValue(), read(out), read(err));
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private record Run(int status, String stdout, String stderr) {}
}
