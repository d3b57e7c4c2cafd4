package dev.jshrew.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@link CommitProbeMain} in a child JVM (same java binary and class path) behind a {@code sh -c} prefix. */
final class ChildJvm {
    private ChildJvm() {}

    record Result(int exit, String out, String err) {}

    /**
     * @param script a shell script run first; it must end by {@code exec "$@"}, which starts the JVM
     * @param scriptArg {@code $0} of the script
     */
    static Result run(Path tmp, String script, String scriptArg, String... probeArgs)
            throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(
                "sh",
                "-c",
                script,
                scriptArg,
                java,
                "-Xmx64m",
                "-XX:+UseSerialGC",
                "-XX:ReservedCodeCacheSize=64m",
                "-XX:CompressedClassSpaceSize=128m",
                "--enable-native-access=ALL-UNNAMED",
                "-Djshrew.memory.strategy=auto",
                "-cp",
                System.getProperty("java.class.path"),
                CommitProbeMain.class.getName()));
        cmd.addAll(List.of(probeArgs));
        Path out = Files.createTempFile(tmp, "child", ".out");
        Path err = Files.createTempFile(tmp, "child", ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("child JVM did not finish in 180 s");
        }
        Result r = new Result(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        System.out.printf("child %s: exit %d%nstdout: %sstderr: %s%n", List.of(probeArgs), r.exit(), r.out(), r.err());
        return r;
    }
}
